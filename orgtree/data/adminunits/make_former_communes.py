"""Build former-communes-2019-2024.csv and former-communes-2019-2024-2.csv: communes merged or
renamed before 4/1/2025 → successor.

Input: the base forms ("phuong…", "xa…", "thitran…"; spelling variants such as p10/ward10/f10,
"tt…", forms without the type word, and rows whose source is "typing" left out) of
data/alias_keywords/legacy/alias_ward.csv in github.com/tranngocminhhieu/vietnamadminunits
(commit 0713f9f; MIT, LICENSE-tranngocminhhieu.txt; see PROVENANCE.md), rows in that file's
order, in two parts: sources/vietnamadminunits-alias_ward-extract.csv from its start into its
Thái Bình block (→ former-communes-2019-2024.csv, the first release), and
sources/vietnamadminunits-alias_ward-extract-2.csv, the rest of the file (→
former-communes-2019-2024-2.csv, a release of its own: a loaded release's file never changes).
A row of the second part already written by the first is not repeated. Its keys
are folded names without spaces or tones: ``thanhphohochiminh,quan3,phuong9,phuong10`` means
the former Phường 10 of Quận 3 is now part of Phường 9.

Each row is joined to legacy-wards-2025-01-04.csv (the commune list after the 2019–2024
rounds) by the same folding of province, district (with or without its type word: Huyện Thủy
Nguyên became a city) and successor commune. Rows that do not join to exactly one commune are
reported and dropped. ``also_current`` says the former name is still the name of another
commune of the same district (the resolver must then ask a person).

Run from the repository root: ``python orgtree/data/adminunits/make_former_communes.py``.
Data only; no code of the source project is used.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = (  # (extract, output), in the source file's order
    (
        HERE / "sources" / "vietnamadminunits-alias_ward-extract.csv",
        HERE / "former-communes-2019-2024.csv",
    ),
    (
        HERE / "sources" / "vietnamadminunits-alias_ward-extract-2.csv",
        HERE / "former-communes-2019-2024-2.csv",
    ),
)
UNITS = HERE / "legacy-wards-2025-01-04.csv"

_TYPES = (  # folded type word → written type, longest first
    ("thanhpho", "Thành phố"),
    ("thitran", "Thị trấn"),
    ("thixa", "Thị xã"),
    ("phuong", "Phường"),
    ("huyen", "Huyện"),
    ("quan", "Quận"),
    ("tinh", "Tỉnh"),
    ("xa", "Xã"),
)
COLUMNS = [
    "province_code",
    "district_code",
    "former_type",
    "former_key",
    "successor_commune_code",
    "successor_name",
    "also_current",
    "source",
]


def compact(text: str) -> str:
    """Lower case, no tones, no spaces or punctuation: "Phường 09" → "phuong9"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    out = "".join(c for c in text if c.isalnum())
    # "phuong09" → "phuong9", as the source writes numbered wards
    head = out.rstrip("0123456789")
    digits = out[len(head) :]
    return head + (str(int(digits)) if digits else "")


def _spelt(name: str) -> str:
    """Lower case with its marks, no spaces: "Xã Đông Thành" → "xãđôngthành"."""
    return unicodedata.normalize("NFC", name).lower().replace(" ", "")


def split_type(key: str) -> tuple[str, str]:
    for folded, written in _TYPES:
        if key.startswith(folded) and len(key) > len(folded):
            return written, key[len(folded) :]
    return "", key


def main() -> int:
    provinces: dict[str, str] = {}
    districts: dict[tuple[str, str], set[str]] = defaultdict(set)
    communes: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    bare: dict[tuple[str, str], list[str]] = defaultdict(list)  # (district, name) → codes
    with UNITS.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            p, d, c = row["Mã TP"], row["Mã QH"], row["Mã PX"]
            provinces[compact(row["Tỉnh Thành Phố"])] = p
            dkey = compact(row["Quận Huyện"])
            districts[p, dkey].add(d)
            districts[p, split_type(dkey)[1]].add(d)
            if c:
                full = row["Phường Xã"]
                communes[d, compact(full)].append((c, full))
                bare[d, split_type(compact(full))[1]].append(c)
    seen: set[tuple[str, str]] = set()
    for source, output in PARTS:
        rows, dropped = _part(source, provinces, districts, communes, bare, seen)
        with output.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        for line in dropped:
            print("bỏ:", line, file=sys.stderr)
        print(f"{len(rows)} dòng ghi vào {output.name}; bỏ {len(dropped)}", file=sys.stderr)
    return 0


def _part(
    source: Path,
    provinces: dict[str, str],
    districts: dict[tuple[str, str], set[str]],
    communes: dict[tuple[str, str], list[tuple[str, str]]],
    bare: dict[tuple[str, str], list[str]],
    seen: set[tuple[str, str]],
) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of one extract that join to exactly one successor, and the reasons of the
    others; ``seen`` (district, former name) spans the parts."""
    rows: list[dict[str, str]] = []
    dropped: list[str] = []
    with source.open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{source.name}, dòng {number}"
            p = provinces.get(row["province_key"])
            if p is None:
                dropped.append(f"{where}: tỉnh {row['province_key']} không có")
                continue
            dkey = row["district_key"]
            found = districts.get((p, dkey)) or districts.get((p, split_type(dkey)[1])) or set()
            if len(found) != 1:
                dropped.append(f"{where}: huyện {dkey} khớp {len(found)} huyện")
                continue
            d = next(iter(found))
            # a few keys keep their tone marks ("xãđôngthành"): folded like the legacy names
            ward_key, alias = compact(row["ward_key"]), compact(row["alias_keyword"])
            successors = communes.get((d, ward_key), [])
            if ward_key != row["ward_key"]:
                # the marks tell apart names that fold alike (Đông Thành, Đồng Thành)
                spelt = row["ward_key"].lower()
                successors = [s for s in successors if _spelt(s[1]) == spelt]
            if len(successors) != 1:
                dropped.append(f"{where}: xã {row['ward_key']} khớp {len(successors)} xã")
                continue
            code, name = successors[0]
            former_type, former_key = split_type(alias)
            if not former_type:
                dropped.append(f"{where}: “{row['alias_keyword']}” không có loại đơn vị")
                continue
            if (d, alias) in seen:
                continue
            seen.add((d, alias))
            others = [x for x in bare.get((d, former_key), []) if x != code]
            rows.append(
                {
                    "province_code": p,
                    "district_code": d,
                    "former_type": former_type,
                    "former_key": former_key,
                    "successor_commune_code": code,
                    "successor_name": name,
                    "also_current": " ".join(others),
                    "source": row["source"],
                }
            )
    return rows, dropped


if __name__ == "__main__":
    raise SystemExit(main())
