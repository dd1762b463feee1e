"""Generate the noisy-address corpus of the place resolver (``data/resolver_corpus.jsonl``).

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus.py [--count 2400] [--seed 21]``

Every line is one text with the codes it must resolve to in the set in force on ``as_of``:
``{"text", "province", "commune", "classes", "base"}``. The expected codes come from the
shipped data files only (the official old → new conversion table, the pre-reform list and the
current set), never from the resolver: an old commune is used only when the table sends it to
exactly one new commune, and that commune is found in the current set.

The noise is drawn at random from the seven classes seen in real records, independently of
what the resolver handles; several classes may hit one text, and typos may hit the province
and the commune of the same text:

1. ``legacy``: the whole text in TCVN3 or VNI (as old HR software stored it);
2. ``glued``: separators missing or doubled ("TỉnhĐồng Nai", "TBắc Ninh", "HồChíMinh",
   ",,", no space after commas, trailing dots, " - " instead of commas);
3. ``typo``: a letter dropped, doubled, swapped or replaced, "C/K", "Hoà/Hòa", "Ð" (eth),
   no diacritics, English names and suffixes ("Ward", "District", "City", "Province"),
   "HCMC"/"Tp.HCM";
4. ``street``: house numbers, lanes, hamlets, groups, "Km 5 QL1A" before the commune, with
   or without a comma;
5. ``bare``: the commune and the district without their level words;
6. ``former``: an address in the units before 1/7/2025 whose commune was merged or renamed;
7. ``abbrev``: abbreviated level words and numbered wards ("P.13", "F3", "Q5", "TT", "TX").
"""

from __future__ import annotations

import argparse
import random
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.orgtree.resolver_corpus_data import load_shipped, write_corpus

OUT = Path(__file__).resolve().parent / "data" / "resolver_corpus.jsonl"
CLASSES = ("legacy", "glued", "typo", "street", "bare", "former", "abbrev")


def _load() -> tuple[dict, dict, dict, list, dict]:
    shipped = load_shipped()
    return shipped.old, shipped.new, shipped.english, shipped.rows, shipped.targets


# ---------------------------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------------------------

_ABBREV = {
    "Tỉnh": ["T.", "T ", "Tỉnh", "tỉnh", ""],
    "Thành phố": ["TP.", "Tp.", "TP ", "T.P ", "Tp "],
    "Huyện": ["H.", "H ", "huyện"],
    "Quận": ["Q.", "Q", "Q "],
    "Thị xã": ["TX.", "TX ", "Tx "],
    "Thị trấn": ["TT.", "TT ", "Tt "],
    "Phường": ["P.", "P", "F", "P ", "F."],
    "Xã": ["X.", "xã", "X "],
    "Đặc khu": ["ĐK ", "Đặc khu "],
}
_TYPES = sorted(_ABBREV, key=len, reverse=True)
_ENGLISH_SUFFIX = {"Tỉnh": " Province", "Thành phố": " City", "Huyện": " District",
                   "Quận": " District", "Phường": " Ward", "Xã": " Commune", "Thị xã": " Town",
                   "Thị trấn": " Town", "Đặc khu": " Special Zone"}  # fmt: skip
_LETTERS = "abcdeghiklmnopqrstuvxy"
_STREETS = ["Lê Lợi", "Trần Phú", "Nguyễn Trãi", "Hùng Vương", "Quang Trung", "Lý Thường Kiệt"]
_HAMLETS = ["Đồng Tâm", "Tân Tiến", "Hòa Bình", "Quyết Thắng", "Trung Tâm", "Bắc Sơn", "Phú Lợi"]


def split_type(full: str) -> tuple[str, str]:
    for t in _TYPES:
        if full.lower().startswith(t.lower() + " "):
            return t, full[len(t) + 1 :]
    return "", full


def typo(name: str, rng: random.Random) -> str:
    """One or two letter mistakes in a name (never in its first letter)."""
    chars = list(name)
    for _ in range(1 if rng.random() < 0.75 else 2):
        spots = [i for i, c in enumerate(chars) if c.isalpha() and i > 0]
        if not spots:
            break
        i = rng.choice(spots)
        kind = rng.random()
        if kind < 0.3:
            del chars[i]
        elif kind < 0.55:
            chars.insert(i, chars[i])
        elif kind < 0.8:
            chars[i] = rng.choice(_LETTERS)
        elif i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def spelling(name: str, rng: random.Random) -> str:
    """An informal spelling: C/K, new tone style, eth, no diacritics, a typo."""
    kind = rng.random()
    if kind < 0.12 and ("C" in name or "K" in name):
        return (
            name.replace("Kạn", "Cạn").replace("Cạn", "Kạn")
            if "ạn" in name
            else (name.replace("K", "C", 1) if "K" in name else name.replace("C", "K", 1))
        )
    if kind < 0.22:
        for a, b in {
            "òa": "oà",
            "óa": "oá",
            "ỏa": "oả",
            "ọa": "oạ",
            "úy": "uý",
            "ùy": "uỳ",
        }.items():
            name = name.replace(a, b)
        return name
    if kind < 0.3 and "Đ" in name:
        return name.replace("Đ", "Ð")
    if kind < 0.42:
        return "".join(
            c
            for c in unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
            if not unicodedata.combining(c)
        )
    return typo(name, rng)


def _prefixed(unit_type: str, name: str, rng: random.Random, abbrev: bool) -> str:
    if not unit_type:
        return name
    if abbrev and name.isdigit():
        prefix = rng.choice(_ABBREV[unit_type])
        return f"{prefix}{name.zfill(2) if rng.random() < 0.3 else name}"
    if abbrev:
        return f"{rng.choice(_ABBREV[unit_type])}{'' if rng.random() < 0.7 else ' '}{name}".replace(
            "  ", " "
        )
    return f"{unit_type} {name}"


def street(rng: random.Random) -> tuple[str, bool]:
    """A street-level prefix and whether it is followed by a comma."""
    pieces = [
        f"Số nhà {rng.randint(1, 300)}",
        f"Số {rng.randint(1, 99)}/{rng.randint(1, 30)} đường {rng.choice(_STREETS)}",
        f"Tổ {rng.randint(1, 30)}",
        f"Thôn {rng.choice(_HAMLETS)}",
        f"Ấp {rng.randint(1, 9)}",
        f"Khu phố {rng.randint(1, 12)}",
        f"Ngõ {rng.randint(1, 200)} {rng.choice(_STREETS)}",
        f"Km {rng.randint(1, 90)} QL{rng.randint(1, 30)}{rng.choice(['', 'A', 'B'])}",
        f"Xóm {rng.randint(1, 15)}",
    ]
    chosen = rng.sample(pieces, rng.randint(1, 3))
    return ", ".join(chosen), rng.random() < 0.7


def glue(parts: list[str], rng: random.Random) -> str:
    """Join the parts with missing, doubled or odd separators."""
    out: list[str] = []
    for part in parts:
        kind = rng.random()
        t, name = split_type(part)
        if t and kind < 0.3:
            part = f"{t}{name}"  # "TỉnhĐồng Nai"
        elif t and kind < 0.45:
            part = f"{t[0]}{name}"  # "TBắc Ninh", "HYên Sơn"
        elif kind < 0.6:
            part = part.replace(" ", "") if len(part.split()) <= 4 else part  # "TP.HồChíMinh"
        out.append(part)
    seps = [",", ",,", ", ,", " - ", ";", ",", ", "]
    text = out[0]
    for part in out[1:]:
        text += rng.choice(seps) + (" " if rng.random() < 0.4 else "") + part
    if rng.random() < 0.5:
        text += rng.choice([".", " .", "..", ","])
    return text


def legacy(text: str, rng: random.Random) -> str:
    from orgtree.legacy_text import Encoding, from_unicode

    return from_unicode(text, Encoding.TCVN3 if rng.random() < 0.5 else Encoding.VNI)


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------


def build(count: int, seed: int) -> list[dict]:
    old, new, english, _rows, targets = _load()
    rng = random.Random(seed)
    old_communes = sorted(code for (level, code) in old if level == "commune")
    numbered = [c for c in old_communes if old["commune", c].name.isdigit()]
    new_communes = sorted(code for (level, code) in new if level == "commune")
    new_by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code in new_communes:
        u = new["commune", code]
        new_by_name[u.province_code, u.name].append(code)
    items: list[dict] = []
    seen: set[str] = set()
    while len(items) < count:
        classes: set[str] = set()
        draw = rng.random()
        if draw < 0.6:  # an old address, carried through the conversion table
            # one in ten a numbered ward ("Phường 13, Quận 8")
            code = rng.choice(numbered if draw < 0.06 else old_communes)
            found = targets.get(code, set())
            if len({c for _p, c in found}) != 1:
                continue  # split (or missing): no single expected commune
            (p_new, c_new), *_ = found
            if ("commune", c_new) not in new:
                continue
            p_new = new["commune", c_new].province_code
            commune = old["commune", code]
            district = old["district", commune.district_code]
            province = old["province", commune.province_code]
            if split_type(commune.full_name)[1] != new["commune", c_new].name:
                classes.add("former")
            units = [commune.full_name, district.full_name, province.full_name]
            if rng.random() < 0.2:
                units.pop(1)  # "Xã A, Tỉnh C" without the district
            base = "old"
        else:
            c_new = rng.choice(new_communes)
            commune = new["commune", c_new]
            p_new = commune.province_code
            units = [commune.full_name, new["province", p_new].full_name]
            base = "new"
        pairs = [split_type(u) for u in units]
        # the noise, drawn independently per class
        use = {c for c in ("legacy", "glued", "typo", "street", "bare", "abbrev")
               if rng.random() < {"legacy": 0.15, "glued": 0.3, "typo": 0.35, "street": 0.3,
                                  "bare": 0.25, "abbrev": 0.35}[c]}  # fmt: skip
        if "bare" in use and base == "old" and len(pairs) == 3:
            pairs[0] = ("", pairs[0][1])
            pairs[1] = ("", pairs[1][1])
            classes.add("bare")
        names = [name for _t, name in pairs]
        if "typo" in use:
            english_names = base == "new" and rng.random() < 0.2
            if english_names:
                parts = [english[c_new], english[p_new]]
                if rng.random() < 0.5:
                    parts[1] = parts[1].replace(" City", "").replace(" Province", "")
            else:
                targets_hit = rng.choice([[0], [len(names) - 1], [0, len(names) - 1]])
                for i in targets_hit:
                    names[i] = spelling(names[i], rng)
                if p_new == "79" and rng.random() < 0.5:
                    names[-1] = rng.choice(["HCMC", "Tp.HCM", "TP HCM", "Sai Gon", "HCM"])
                    pairs[-1] = ("", names[-1])
                if rng.random() < 0.15:
                    t, _n = pairs[0]
                    names[0] = names[0] + _ENGLISH_SUFFIX.get(t, "")
                    pairs[0] = ("", names[0])
                parts = []
            classes.add("typo")
        else:
            english_names = False
            parts = []
        if not english_names:
            abbrev = "abbrev" in use
            if abbrev:
                classes.add("abbrev")
            parts = [
                _prefixed(t, n, rng, abbrev and rng.random() < 0.8)
                for (t, _orig), n in zip(pairs, names, strict=True)
            ]
        if "street" in use:
            noise, comma = street(rng)
            if comma or len(parts) < 2:
                parts.insert(0, noise)
            else:
                parts[0] = f"{noise} {parts[0]}"
            classes.add("street")
        if "glued" in use:
            text = glue(parts, rng)
            classes.add("glued")
        else:
            text = ", ".join(parts)
        if "legacy" in use and not english_names:
            text = legacy(text, rng)
            classes.add("legacy")
        if text in seen:
            continue
        seen.add(text)
        items.append(
            {
                "text": text,
                "province": p_new,
                "commune": c_new,
                "classes": sorted(classes, key=CLASSES.index),
                "base": base,
            }
        )
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    write_corpus(args.out, args.seed, build(args.count, args.seed), CLASSES)


if __name__ == "__main__":
    main()
