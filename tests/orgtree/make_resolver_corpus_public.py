"""Build ``data/resolver_corpus_public.tsv``: real address texts from public test suites, each
with the answer the source states, carried through the official 2025 conversion table.

The texts and the answers the sources give (old province, district, ward, as their authors
wrote them) are in ``data/public-address-samples.tsv`` (where each comes from:
``data/PROVENANCE-public.md``). This script only maps those stated answers to the units in
force, with ``csv``/``json`` on the official files in ``orgtree/data/adminunits/`` – never with
the resolver or the project's readers, so a reader bug cannot agree with itself:

- the stated old province, district and ward are looked up by name in the list of 4/1/2025
  (``legacy-wards-2025-01-04.csv``); a ward merged 2019–2024 by its former name
  (``former-communes-2019-2024.csv`` and its second part ``-2.csv``) goes to its successor;
  a district renamed before 2025 (not in the list) is passed over when the ward's name is
  unique in the province;
- the old ward goes through ``conversion-2025-07-01.csv``: one new commune → ``answer``;
  several (a split) → ``review``, with the province when they share one;
- no ward stated (the source's answer stops at the district or province), or a ward that
  cannot be found → ``province``: only the province is checked;
- no province stated → the province of the only district and ward of those names in the
  country; a text whose answer stays unknown is left out;
- a province that does not exist ("Tỉnh Không Tồn Tại") → ``review`` with no province.

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus_public.py`` (prints what it left out).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parent.parent / "orgtree" / "data" / "adminunits"
SAMPLES = HERE / "data" / "public-address-samples.tsv"
OUT = HERE / "data" / "resolver_corpus_public.tsv"
AS_OF = "2026-08-01"

TYPES = ["Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã"]
# the names a source uses for a province whose official name differs
PROVINCE_ALIASES = {"thua thien hue": "hue"}


def fold(text: str) -> str:
    """Lower case, no marks, đ → d, hyphens as spaces, one space between words."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = text.replace("-", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def bare(full: str) -> str:
    """A unit's name without its level word, folded; a number without leading zeros."""
    for t in TYPES:
        if full.startswith(t + " "):
            full = full[len(t) + 1 :]
            break
    name = fold(full)
    return str(int(name)) if name.isdigit() else name


def key(stated: str) -> str:
    name = fold(stated)
    return str(int(name)) if name.isdigit() else name


# the old tone placement ("hoà", "thuý") written the new way, to compare names with their marks
def marked(name: str) -> str:
    """A name with its marks, lower case, its tone on the vowel the new rules put it."""
    text = unicodedata.normalize("NFD", name.lower())
    # a tone mark after the first vowel of "oa", "oe", "uy" moves to the second
    text = re.sub(r"([ou])([\u0300\u0301\u0303\u0309\u0323])([aey])", r"\1\3\2", text)
    text = unicodedata.normalize("NFC", text).replace("-", " ")
    for t in TYPES:
        if text.startswith(t.lower() + " "):
            text = text[len(t) + 1 :]
            break
    text = re.sub(r"\s+", " ", text).strip()
    return str(int(text)) if text.isdigit() else text


def narrow(codes: set[str], stated: str, names: dict[str, str]) -> set[str]:
    """Of the units whose names fold alike, those spelt with the stated marks, when any."""
    same = {c for c in codes if marked(names[c]) == marked(stated)}
    return same or codes


class Official:
    def __init__(self) -> None:
        self.new_comm: dict[str, str] = {}  # new commune code -> new province code
        for p in json.loads((DATA / "units-current-2026-07-25.json").read_text("utf-8")):
            for w in p["Wards"]:
                self.new_comm[w["Code"]] = p["Code"]
        self.prov_by_name: dict[str, str] = {}
        self.dist_by_prov: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.dist_by_name: dict[str, set[str]] = defaultdict(set)
        self.ward_by_dist: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.ward_by_prov: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.prov_of_dist: dict[str, str] = {}
        self.comm_prov: dict[str, str] = {}
        self.names: dict[str, str] = {}  # old district and commune code -> full name
        with (DATA / "legacy-wards-2025-01-04.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                prov, dist, comm = row["Mã TP"], row["Mã QH"], row["Mã PX"]
                self.prov_by_name[bare(row["Tỉnh Thành Phố"])] = prov
                self.dist_by_prov[(prov, bare(row["Quận Huyện"]))].add(dist)
                self.dist_by_name[bare(row["Quận Huyện"])].add(dist)
                self.prov_of_dist[dist] = prov
                self.names[dist] = row["Quận Huyện"]
                if comm:
                    self.ward_by_dist[(dist, bare(row["Phường Xã"]))].add(comm)
                    self.ward_by_prov[(prov, bare(row["Phường Xã"]))].add(comm)
                    self.comm_prov[comm] = prov
                    self.names[comm] = row["Phường Xã"]
        self.former: dict[tuple[str, str], str] = {}
        for name in ("former-communes-2019-2024.csv", "former-communes-2019-2024-2.csv"):
            with (DATA / name).open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    self.former[(row["district_code"], row["former_key"])] = row[
                        "successor_commune_code"
                    ]
        self.targets: dict[str, set[str]] = defaultdict(set)
        with (DATA / "conversion-2025-07-01.csv").open(encoding="utf-8") as f:
            for row in list(csv.reader(f))[2:]:
                if len(row) < 8:
                    continue
                old, new = row[4].strip(), row[2].strip()
                if re.fullmatch(r"\d{5}", old) and new in self.new_comm:
                    self.targets[old].add(new)
        provs: dict[str, set[str]] = defaultdict(set)
        for old, news in self.targets.items():
            if old in self.comm_prov:
                provs[self.comm_prov[old]] |= {self.new_comm[n] for n in news}
        self.new_prov = {p: next(iter(s)) for p, s in provs.items() if len(s) == 1}

    def province(self, stated: str) -> str | None:
        name = key(stated)
        return self.prov_by_name.get(PROVINCE_ALIASES.get(name, name))

    def wards(self, prov: str | None, dist: str, ward: str) -> tuple[set[str], list[str]]:
        """The old ward codes the stated names give, and how they were found."""
        w = key(ward)
        if prov is None:
            dists = narrow(self.dist_by_name.get(key(dist), set()), dist, self.names)
            found = set().union(*(self.ward_by_dist.get((d, w), set()) for d in dists))
            return narrow(found, ward, self.names), ["no_province"]
        dists = self.dist_by_prov.get((prov, key(dist)), set()) if dist else set()
        dists = narrow(dists, dist, self.names)
        found = set().union(*(self.ward_by_dist.get((d, w), set()) for d in dists))
        if found:
            return narrow(found, ward, self.names), ["old3"] if dist else []
        for d in dists:
            successor = self.former.get((d, w.replace(" ", "")))
            if successor:
                return {successor}, ["former"]
        if not dists:  # no district stated, or one renamed before 2025
            found = narrow(self.ward_by_prov.get((prov, w), set()), ward, self.names)
            return found, ["ward_only" if not dist else "district_renamed"]
        return set(), []

    def answer(self, codes: set[str]) -> tuple[str, str, str]:
        """(province, commune, expect) for the old wards ``codes``."""
        news = set().union(*(self.targets.get(c, set()) for c in codes))
        provs = {self.new_comm[n] for n in news}
        prov = next(iter(provs)) if len(provs) == 1 else ""
        if len(news) == 1:
            return prov, next(iter(news)), "answer"
        return prov, "", "review"


def build() -> tuple[list[list[str]], list[str]]:
    off = Official()
    rows: list[list[str]] = []
    left_out: list[str] = []
    with SAMPLES.open(encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines()[1:] if line]
    for source, text, prov_s, dist_s, ward_s in csv.reader(
        lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE
    ):
        classes = [source.split("-")[0]]
        if fold(text) == text.lower().replace("-", " ").strip() or "Viet Nam" in text:
            classes.append("nodiac")
        if prov_s == "-":  # the source's province does not exist
            rows.append([text, "", "", "review", ",".join([*classes, "nonexistent"])])
            continue
        prov = off.province(prov_s) if prov_s else None
        if prov_s and prov is None:
            left_out.append(f"unknown province {prov_s!r}: {text!r}")
            continue
        if ward_s:
            codes, how = off.wards(prov, dist_s, ward_s)
            if len(codes) == 1:
                new_prov, commune, expect = off.answer(codes)
                if not new_prov and expect == "answer":
                    left_out.append(f"no target: {text!r}")
                    continue
                if expect == "review":
                    how = [*how, "split"]
                rows.append([text, new_prov, commune, expect, ",".join([*classes, *how])])
                continue
            if prov is None:
                left_out.append(f"{len(codes)} wards {dist_s!r}/{ward_s!r}: {text!r}")
                continue
            classes.append("ward_unknown" if not codes else "ward_shared")
        elif prov is None:
            dists = off.dist_by_name.get(key(dist_s), set())
            provs = {off.prov_of_dist[d] for d in dists}
            if len(provs) != 1:
                left_out.append(f"district {dist_s!r} in {len(provs)} provinces: {text!r}")
                continue
            prov = next(iter(provs))
            classes.append("no_province")
        if not ward_s:
            classes.append("district_only" if dist_s else "province_only")
        rows.append([text, off.new_prov[prov], "", "province", ",".join(classes)])
    return rows, left_out


def main() -> None:
    rows, left_out = build()
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(
            f"# as_of={AS_OF} count={len(rows)}; made by make_resolver_corpus_public.py from "
            "public-address-samples.tsv; see PROVENANCE-public.md\n"
        )
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "province", "commune", "expect", "classes"])
        writer.writerows(rows)
    print(f"{len(rows)} texts written to {OUT.name}; {len(left_out)} left out:")
    for line in left_out:
        print("  " + line)


if __name__ == "__main__":
    main()
