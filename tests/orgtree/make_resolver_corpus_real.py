"""Generate the second, independent corpus of the place resolver
(``data/resolver_corpus_real.jsonl``): the shapes real HR records and forms take that the first
corpus (``make_resolver_corpus.py``) does not produce.

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus_real.py [--count 900] [--seed 7]``

Every line is ``{"text", "province", "commune", "review", "classes"}``: the codes the text must
resolve to in the set in force on ``as_of`` (``commune`` null when the text does not determine
one), and ``review`` true when the only right outcome is "a person decides" (several
successors, a commune name twice in one province): then the answer must be flagged, and a
province is expected only when every reading agrees on it.

Expected codes come from the shipped data files only, never from the resolver: the pre-reform
list, the current set, the official conversion table (an old commune only when the table sends
it to exactly one new commune) and the historic-name files (``historic-place-names.csv``,
``historic-provinces-1976-2021.csv``). An old province's new province is the one the table
sends all of its communes to.

Where the shapes come from (public material, read for the *shapes* only; no text or code of
theirs is copied, the names and codes are ours):

* ``home_town``: personnel records give the home town ("quê quán") in the provinces of the
  time, 1976–2008 — the provinces and their successors are in
  ``orgtree/data/adminunits/historic-provinces-1976-2021.csv`` (see PROVENANCE.md: the National
  Assembly resolutions of 29/12/1978, 30/6/1989, 12/8/1991, 26/12/1991, 6/11/1996, 29/5/2008;
  summarised e.g. by baonghean.vn "Dấu ấn những cái tên qua nhiều lần tách, nhập tỉnh",
  2025-03);
* ``english`` ("Ward 5, District 3, Ho Chi Minh City", "Hanoi", "Da Nang City", "Viet Nam"):
  the English names of the thanglequoc/vietnamese-provinces-database JSON (``FullNameEn``) and
  the shapes of the test suite of map4d/parser (``test/address.vn.test.js``: lower case, no
  diacritics, no level words, "vn" at the end);
* ``tail`` (", Việt Nam", a postcode, a phone number), ``note`` ("(nay là …)", "(cũ)",
  "(mới)"): address fields of forms; the examples of the PyPI project vietnamese-address-parser
  ("Đường XVNT, P 17, Quận BT, TP. HCM, VN") and of cuongccna/Addressify
  (docs/ADDRESS_NORMALIZATION_GUIDE.md: "p tan thuan dong, q7, tphcm", "…, hn");
* ``order`` (the province first), ``separator`` (" / ", " - " without level words),
  ``case`` (ALL CAPS, lower case, no diacritics);
* ``typing``: Telex and VNI keystrokes left in the text when the input method was off
  ("Ha2 Noi65", "Haf Nooij"; the vnaddress package of vantrong291/vn_address_standardizer
  shows "Dicjh Vongj Haaju"), and UTF-8 read as Windows-1252 ("HÃ  Ná»™i");
* ``thu_duc``: Thủ Đức city (1/1/2021, Nghị quyết 1111/NQ-UBTVQH14) written with its former
  districts Quận 2, Quận 9, Quận Thủ Đức;
* ``district_only``: a home town given as district + province of the old tree;
* ``same_name``: communes named like a district or a province ("Xã Hà Nam"), and a commune
  name that occurs twice in one old province written without its district (→ review);
* ``public``: shapes of the public test suites above rebuilt on our own data (a street,
  a bare commune, a bare district, "tp ho chi minh").

* ``former_commune`` (issue 21, class 6): communes merged or renamed 2019–2024, before the
  4/1/2025 list, from ``orgtree/data/adminunits/former-communes-2019-2024.csv`` (made from
  the public list of tranngocminhhieu/vietnamadminunits,
  ``data/alias_keywords/legacy/alias_ward.csv``, MIT, sources per row; see PROVENANCE.md):
  the former name with its district and province, full, without level words, or after a
  street. The expected commune is the successor's one new commune in the conversion table;
  when the table splits the successor, or a current commune of the district bears the former
  name (``also_current``), only review is right. Names the source gives without
  tones are written as it gives them ("Xã tanduong"); numbered wards are exact ("Phường 10").
  These items are appended after the shuffle with their own random stream, so the items of
  the other classes are unchanged.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.orgtree.resolver_corpus_data import ROOT, load_shipped, write_corpus

OUT = Path(__file__).resolve().parent / "data" / "resolver_corpus_real.jsonl"
CLASSES = (
    "home_town",
    "english",
    "tail",
    "note",
    "order",
    "separator",
    "case",
    "typing",
    "thu_duc",
    "district_only",
    "same_name",
    "public",
    "former_commune",
)


def _strip(text: str) -> str:
    return "".join(
        c
        for c in unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
        if not unicodedata.combining(c)
    )


class Data:
    """The shipped files, read with the project's readers (no resolver involved)."""

    def __init__(self) -> None:
        shipped = load_shipped()
        self.old, self.new, self.english = shipped.old, shipped.new, shipped.english
        rows, targets = shipped.rows, shipped.targets
        by_old_province: dict[str, Counter[str]] = defaultdict(Counter)
        by_old_district: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            d = self.old.get(("district", row.old_district_code))
            if d is not None:
                by_old_province[d.province_code][row.new_province_code] += 1
                by_old_district[d.code][row.new_province_code] += 1
        self.targets = targets
        self.one_target = {
            old: next(iter(t))
            for old, t in targets.items()
            if len(t) == 1 and ("commune", next(iter(t))[1]) in self.new
        }
        # an old province (district) → its new province, when the table sends it to one only
        self.province_to = {p: next(iter(c)) for p, c in by_old_province.items() if len(c) == 1}
        self.district_to = {d: next(iter(c)) for d, c in by_old_district.items() if len(c) == 1}
        self.communes = [u for (lv, _c), u in self.old.items() if lv == "commune"]
        self.districts = [u for (lv, _c), u in self.old.items() if lv == "district"]
        self.historic: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for name in ("historic-place-names.csv", "historic-provinces-1976-2021.csv"):
            with (shipped.data_dir / name).open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    self.historic[row["name"]].append(
                        (row["level"], row["successor_province_code"], row["kind"])
                    )

    def old_province_name(self, code: str) -> str:
        return self.old["province", code].name

    def new_of(self, commune_code: str) -> tuple[str, str] | None:
        return self.one_target.get(commune_code)


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

_TELEX_TONE = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VNI_TONE = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TELEX_MOD = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
_VNI_MOD = {"â": "a6", "ê": "e6", "ô": "o6", "ă": "a8", "ơ": "o7", "ư": "u7", "đ": "d9"}


def keystrokes(text: str, vni: bool) -> str:
    """What a Telex (or VNI) typist leaves when the input method is off: the letter keys of
    each word with the tone key at the end of the word ("Hà Nội" → "Haf Nooij" / "Ha2 No6i5")."""
    tones, mods = (_VNI_TONE, _VNI_MOD) if vni else (_TELEX_TONE, _TELEX_MOD)
    words = []
    for word in text.split(" "):
        tone = ""
        out = []
        for ch in unicodedata.normalize("NFD", word):
            if ch in tones:
                tone = tones[ch]
                continue
            out.append(ch)
        base = unicodedata.normalize("NFC", "".join(out))
        typed = "".join(
            mods[c.lower()] if c.lower() in mods and c.islower() else
            (mods[c.lower()].capitalize() if c.lower() in mods else c)
            for c in base
        )  # fmt: skip
        trail = typed[len(typed.rstrip(",.;")) :]
        words.append(typed[: len(typed) - len(trail)] + tone + trail)
    return " ".join(words)


def english_old(unit_type: str, name: str) -> str:
    plain = _strip(name)
    if unit_type == "Phường":
        return f"Ward {plain}" if name.isdigit() else f"{plain} Ward"
    if unit_type == "Quận":
        return f"District {plain}" if name.isdigit() else f"{plain} District"
    suffix = {"Xã": "Commune", "Huyện": "District", "Thị xã": "Town", "Thị trấn": "Town",
              "Thành phố": "City", "Tỉnh": "Province"}.get(unit_type, "")  # fmt: skip
    return f"{plain} {suffix}".strip()


_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")


def split_type(full: str) -> tuple[str, str]:
    for t in _TYPES:
        if full.startswith(t + " "):
            return t, full[len(t) + 1 :]
    return "", full


def build(count: int, seed: int) -> list[dict]:
    data = Data()
    from orgtree.legacy_text import to_mojibake  # UTF-8 read as Windows-1252 (after setup)

    rng = random.Random(seed)
    items: list[dict] = []
    seen: set[str] = set()

    def add(text: str, province: str | None, commune: str | None, classes, review=False):
        if text in seen:
            return
        seen.add(text)
        items.append(
            {
                "text": text,
                "province": province,
                "commune": commune,
                "review": review,
                "classes": list(classes),
            }
        )

    def old_address():
        """A random old commune with one new commune: (commune, district, province units,
        new province, new commune)."""
        while True:
            c = rng.choice(data.communes)
            found = data.new_of(c.code)
            if found is None:
                continue
            d = data.old["district", c.district_code]
            p = data.old["province", c.province_code]
            return c, d, p, found[0], found[1]

    # 1. home towns in provinces that no longer exist (and districts of the old tree)
    for name, entries in data.historic.items():
        provinces = {p for level, p, _k in entries if level == "province"}
        if not provinces:
            continue
        news = {data.province_to.get(p) for p in provinces}
        unique = next(iter(news)) if len(news) == 1 and None not in news else None
        shapes = ["{n}", "Quê quán: {n}", "{u}", "{s}"]
        if any(kind == "historic" for _l, _p, kind in entries):
            shapes += ["Tỉnh {n}", "tỉnh {n} cũ"]  # not "Tỉnh TP Sài Gòn", "tỉnh BRVT cũ"
        for shape in shapes:
            text = shape.format(n=name, u=name.upper(), s=_strip(name))
            add(text, unique, None, ["home_town"], review=unique is None)
        # a district of the old tree under the historic province name
        for p in sorted(provinces)[:2]:
            ds = [d for d in data.districts if d.province_code == p and d.code in data.district_to]
            for d in rng.sample(ds, min(2, len(ds))):
                add(f"{d.full_name}, {name}", data.district_to[d.code], None, ["home_town"])

    # 2. district + province of the old tree only
    for _ in range(count // 12):
        d = rng.choice([d for d in data.districts if d.code in data.district_to])
        p = data.old["province", d.province_code]
        shape = rng.choice(["{d}, {p}", "{d}, Tỉnh {p}", "{dn} - {p}", "H. {dn}, T. {p}"])
        if not d.full_name.startswith("Huyện") and shape.startswith("H."):
            shape = "{d}, {p}"
        text = shape.format(d=d.full_name, dn=split_type(d.full_name)[1], p=p.name)
        add(text, data.district_to[d.code], None, ["district_only"])

    # 3. English and romanised
    english_provinces = [
        ("Hanoi", "01"), ("Ha Noi, Viet Nam", "01"), ("Ha Noi City", "01"), ("HN", None),
        ("Thua Thien Hue Province", "46"), ("Hue City", "46"), ("Da Nang City", "48"),
        ("Danang", "48"), ("HCM", "79"), ("TPHCM", "79"), ("Sài Gòn", "79"),
        ("Saigon", "79"), ("Ho Chi Minh City, Vietnam", "79"), ("HCMC", "79"),
        ("Can Tho City", "92"), ("Hai Phong City, Viet Nam", "31"),
        ("Quang Nam Province", "49"), ("Ba Ria - Vung Tau Province", "77"),
    ]  # fmt: skip
    for text, p_old in english_provinces:
        if p_old is None:
            continue
        add(text, data.province_to[p_old], None, ["english"])
    for _ in range(count // 8):
        c, d, p, p_new, c_new = old_address()
        (ct, cn), (dt, dn), (pt, pn) = (split_type(u.full_name) for u in (c, d, p))
        parts = [english_old(ct, cn), english_old(dt, dn), english_old(pt, pn)]
        if p.code == "79" and rng.random() < 0.5:
            parts[-1] = rng.choice(["Ho Chi Minh City", "HCMC", "Saigon"])
        if rng.random() < 0.4:
            parts.append(rng.choice(["Vietnam", "Viet Nam", "VN"]))
        add(", ".join(parts), p_new, c_new, ["english"])
    for _ in range(count // 16):  # the current set in English
        c = rng.choice([u for (lv, _c), u in data.new.items() if lv == "commune"])
        parts = [data.english[c.code], data.english[c.province_code]]
        add(", ".join(parts), c.province_code, c.code, ["english"])

    # 4. tails and notes
    for _ in range(count // 8):
        c, d, p, p_new, c_new = old_address()
        base = ", ".join(u.full_name for u in (c, d, p))
        tail = rng.choice([
            ", Việt Nam", ", Viet Nam", " - Việt Nam", ", VN", f" {rng.randint(10, 99)}0000",
            f", ĐT: 09{rng.randint(10000000, 99999999)}", f" (SĐT 0{rng.randint(300, 399)}"
            f"{rng.randint(1000000, 9999999)})", ", Vietnam.",
        ])  # fmt: skip
        add(base + tail, p_new, c_new, ["tail"])
    for _ in range(count // 8):
        c, d, p, p_new, c_new = old_address()
        new_c = data.new["commune", c_new]
        new_p = data.new["province", p_new]
        kind = rng.random()
        if kind < 0.5:
            text = (
                f"{c.full_name}, {d.full_name}, {p.full_name} "
                f"(nay là {new_c.full_name}, {new_p.full_name})"
            )
        elif kind < 0.75:
            text = f"{c.full_name} (cũ), {d.full_name}, {p.full_name}"
        else:
            text = f"{new_c.full_name} (mới), {new_p.full_name}"
        add(text, p_new, c_new, ["note"])

    # 5. order, separators, case
    for _ in range(count // 6):
        c, d, p, p_new, c_new = old_address()
        names = [split_type(u.full_name)[1] for u in (c, d, p)]
        fulls = [u.full_name for u in (c, d, p)]
        kind = rng.random()
        if kind < 0.3:
            text, cls = ", ".join(reversed(names)), ["order"]
        elif kind < 0.45:
            text, cls = " - ".join(reversed(fulls)), ["order", "separator"]
        elif kind < 0.65:
            text, cls = rng.choice([" / ", "/", " - ", " – "]).join(names), ["separator"]
        elif kind < 0.8:
            text, cls = ", ".join(fulls).upper(), ["case"]
        elif kind < 0.9:
            text, cls = _strip(", ".join(fulls)).lower(), ["case"]
        else:
            text, cls = _strip(", ".join(names)).upper(), ["case"]
        add(text, p_new, c_new, cls)

    # 6. typing artefacts and mojibake
    for _ in range(count // 8):
        c, d, p, p_new, c_new = old_address()
        text = ", ".join(u.full_name for u in (c, d, p))
        kind = rng.random()
        if kind < 0.4:
            text = to_mojibake(text)
        elif kind < 0.7:
            text = keystrokes(text, vni=True)
        else:
            text = keystrokes(text, vni=False)
        add(text, p_new, c_new, ["typing"])
    for name, code in (("Hà Nội", "01"), ("Đà Nẵng", "48"), ("Hồ Chí Minh", "79"),
                       ("Thanh Hóa", "38"), ("Nghệ An", "40")):  # fmt: skip
        for text in (to_mojibake(name), keystrokes(name, True), keystrokes(name, False)):
            add(text, data.province_to[code], None, ["typing"])

    # 7. Thủ Đức
    thu_duc = [u for u in data.communes if u.district_code == "769" and u.code in data.one_target]
    for c in thu_duc:
        p_new, c_new = data.one_target[c.code]
        district = rng.choice(["Quận 2", "Quận 9", "Quận Thủ Đức", "Thành phố Thủ Đức",
                               "TP Thủ Đức", "Q.9", "Q2"])  # fmt: skip
        city = rng.choice(["TP Hồ Chí Minh", "TP.HCM", "Thành phố Hồ Chí Minh", "Sài Gòn"])
        add(f"{c.full_name}, {district}, {city}", p_new, c_new, ["thu_duc"])

    # 8. same names: communes named like a province or a district; a name twice in a province
    provinces = {u.name for (lv, _c), u in data.old.items() if lv == "province"}
    district_names = {u.name for u in data.districts}
    like = [
        u
        for u in data.communes
        if split_type(u.full_name)[1] in provinces | district_names and u.code in data.one_target
    ]
    for c in rng.sample(like, min(count // 10, len(like))):
        p_new, c_new = data.one_target[c.code]
        d = data.old["district", c.district_code]
        p = data.old["province", c.province_code]
        add(f"{c.full_name}, {d.full_name}, {p.full_name}", p_new, c_new, ["same_name"])
    by_name: dict[tuple[str, str], list] = defaultdict(list)
    for u in data.communes:
        by_name[u.province_code, u.full_name].append(u)
    twins = [v for v in by_name.values() if len(v) == 2]
    for pair in rng.sample(twins, min(count // 20, len(twins))):
        found = [data.one_target.get(u.code) for u in pair]
        if None in found or found[0] == found[1]:
            continue
        news = {f[0] for f in found}
        p = data.old["province", pair[0].province_code]
        province = next(iter(news)) if len(news) == 1 else None
        add(f"{pair[0].full_name}, {p.full_name}", province, None, ["same_name"], review=True)
        for u, f in zip(pair, found, strict=True):  # with the district, it is determined
            d = data.old["district", u.district_code]
            add(f"{u.full_name}, {d.full_name}, {p.full_name}", f[0], f[1], ["same_name"])

    # 9. the shapes of public parser test suites, on our data
    for _ in range(count // 8):
        c, d, p, p_new, c_new = old_address()
        cn, dn, pn = (_strip(split_type(u.full_name)[1]).lower() for u in (c, d, p))
        street_no = f"{rng.randint(1, 300)}{rng.choice(['', '/2', 'A', '/15/3'])}"
        if p.code == "79":
            pn = rng.choice(["tp ho chi minh", "tphcm", "hcm", "tp.hcm"])
        if p.code == "01":
            pn = rng.choice(["ha noi", "tp ha noi", "hanoi"])
        shape = rng.choice([
            f"{street_no} le loi, {cn}, {dn}, {pn}",
            f"{street_no} Trần Phú, P. {split_type(c.full_name)[1]}, {d.full_name}, {p.name}",
            f"{cn}, {dn}, {pn}, vn",
            f"ap {rng.randint(1, 9)}, {cn}, {dn}, {pn}",
        ])  # fmt: skip
        add(shape, p_new, c_new, ["public"])

    rng.shuffle(items)

    # 10. communes merged or renamed 2019–2024 (after the shuffle, with their own stream)
    rng_former = random.Random(seed * 1000 + 6)
    with (ROOT / "orgtree/data/adminunits/former-communes-2019-2024.csv").open(
        encoding="utf-8"
    ) as fh:
        former_rows = list(csv.DictReader(fh))
    for row in former_rows:
        targets = set(data.targets.get(row["successor_commune_code"], set()))
        if not targets:
            continue
        for other in row["also_current"].split():  # the name is still a current commune's
            targets |= data.targets.get(other, set()) or {("?", "?")}
        d = data.old["district", row["district_code"]]
        p = data.old["province", row["province_code"]]
        former = f"{row['former_type']} {row['former_key']}"
        if len(targets) == 1:
            p_new, c_new = next(iter(targets))
            if ("commune", c_new) not in data.new:
                continue
            review = False
        else:
            news = {t[0] for t in targets} - {"?"}
            p_new, c_new, review = (next(iter(news)) if len(news) == 1 else None), None, True
        shape = rng_former.choice([
            f"{former}, {d.full_name}, {p.full_name}",
            f"P.{row['former_key']}, {d.full_name}, {p.name}"
            if row["former_key"].isdigit()
            else f"{row['former_key']}, {split_type(d.full_name)[1]}, {p.name}",
            f"Số {rng_former.randint(1, 300)} đường Lê Lợi, {former}, {d.full_name}, {p.full_name}",
        ])  # fmt: skip
        add(shape, p_new, c_new, ["former_commune"], review=review)
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=900)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    write_corpus(args.out, args.seed, build(args.count, args.seed), CLASSES)


if __name__ == "__main__":
    main()
