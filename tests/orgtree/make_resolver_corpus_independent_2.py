"""Write ``data/resolver_corpus_independent_2.tsv``: a second independent corpus of the place
resolver, aimed at the forms the first three corpora hold few or none of (see
``data/PROVENANCE-independent-2.md``): communes written with their district and a province of
1976–2008 ("Xã Tân Lập, huyện Đan Phượng, Hà Tây", "…, Nghệ Tĩnh"), births abroad ("Liên Xô",
"CHDC Đức", "Viêng Chăn, Lào"), births in a hospital, hamlets ("khóm", "bản", "buôn", "tổ dân
phố"), hyphens and no commas, province-first order, Telex/VNI typing left in the text, province
nicknames ("SG", "BRVT", "Đắc Lắc", "TT Huế") and numbered wards outside the old Quận 2 and 9.

Written without reading the resolver. The answers come from the official files alone, read with
``csv``/``json`` (not with the project's readers): ``orgtree/data/adminunits/`` (the same as
``/work/shared/data/adminunits/``). Which 1976–2008 provinces were made of which later ones is
public history (Nghị quyết Quốc hội of 20/12/1975 and 1976 on merging provinces; of 26/12/1991
and 6/11/1996 on dividing them; 15/2008/QH12 on Hà Tây and Mê Linh), written out below.

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus_independent_2.py`` (seed 2026).
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "orgtree" / "data" / "adminunits"
OUT = Path(__file__).parent / "data" / "resolver_corpus_independent_2.tsv"
AS_OF = "2026-08-01"
SEED = 2026

# Provinces of 1976–2008 → the provinces of 1/1/2025 (by their GSO codes) they became. Hà Tây
# is a set of districts of Hà Nội; Mê Linh (Hà Nội) belonged to Vĩnh Phú / Vĩnh Phúc.
HA_TAY = [
    "Ba Vì", "Sơn Tây", "Phúc Thọ", "Đan Phượng", "Hoài Đức", "Quốc Oai", "Thạch Thất",
    "Chương Mỹ", "Thanh Oai", "Thường Tín", "Phú Xuyên", "Ứng Hòa", "Mỹ Đức", "Hà Đông",
]  # fmt: skip
HISTORIC: dict[str, tuple[list[str], list[str]]] = {
    # name: (whole 2025-era provinces, extra districts of Hà Nội)
    "Hà Tây": ([], HA_TAY),
    "Hà Sơn Bình": (["17"], HA_TAY),
    "Nghệ Tĩnh": (["40", "42"], []),
    "Hải Hưng": (["30", "33"], []),
    "Bình Trị Thiên": (["44", "45", "46"], []),
    "Cửu Long": (["86", "84"], []),
    "Hậu Giang": (["92", "93", "94"], []),
    "Minh Hải": (["96", "95"], []),
    "Sông Bé": (["74", "70"], []),
    "Vĩnh Phú": (["26", "25"], ["Mê Linh"]),
    "Hà Nam Ninh": (["35", "36", "37"], []),
    "Nam Hà": (["35", "36"], []),
    "Nghĩa Bình": (["51", "52"], []),
    "Phú Khánh": (["54", "56"], []),
    "Thuận Hải": (["58", "60"], []),
    "Gia Lai - Kon Tum": (["64", "62"], []),
    "Bắc Thái": (["06", "19"], []),
    "Hà Bắc": (["24", "27"], []),
    "Quảng Nam - Đà Nẵng": (["49", "48"], []),
    "Hoàng Liên Sơn": (["10", "15"], []),
    "Hà Tuyên": (["02", "08"], []),
    "Cao Lạng": (["04", "20"], []),
}
# districts that belonged to a province above only in some of its years
PART_TIME = {"melinh"}
HISTORIC_SPELLINGS = {
    "Gia Lai - Kon Tum": ["Gia Lai - Kon Tum", "Gia Lai-Kontum", "Gia Lai Công Tum"],
    "Quảng Nam - Đà Nẵng": ["Quảng Nam - Đà Nẵng", "Quảng Nam-Đà Nẵng", "QN-ĐN"],
    "Bình Trị Thiên": ["Bình Trị Thiên", "Bình-Trị-Thiên"],
}
# Nicknames of 2025-era provinces (code → spellings seen in records).
NICKNAMES = {
    "79": ["TP.HCM", "TPHCM", "Tp HCM", "SG", "Sài Gòn", "TP. Hồ Chí Minh", "Sài Gòn - Gia Định"],
    "01": ["HN", "Hà Nội", "TP Hà Nội", "Thủ đô Hà Nội"],
    "77": ["BRVT", "BR-VT", "Bà Rịa-Vũng Tàu", "Bà Rịa Vũng Tàu", "Đồng Nai"],
    "66": ["Đắc Lắc", "Đắk Lắk", "Daklak", "Đăk Lăk", "ĐắkLắk"],
    "67": ["Đắc Nông", "Đăk Nông", "DakNong"],
    "46": ["TT Huế", "Thừa Thiên - Huế", "Thừa Thiên Huế", "TT-Huế", "T.T.Huế"],
    "62": ["KonTum", "Kontum", "Công Tum"],
    "38": ["Thanh Hoá", "Thanh Hóa", "T.Hóa"],
    "56": ["Khánh Hoà", "Khánh Hòa"],
    "17": ["Hoà Bình", "Hòa Bình"],
}
NICKNAMES["77"].remove("Đồng Nai")  # Đồng Nai is a different 2025-era province
LEVEL_WORDS = {
    "Xã": ["Xã", "xã", "X.", "X", "XÃ"],
    "Phường": ["Phường", "phường", "P.", "P", "F."],
    "Thị trấn": ["Thị trấn", "thị trấn", "TT.", "TT", "Tt."],
    "Huyện": ["Huyện", "huyện", "H.", "H"],
    "Quận": ["Quận", "quận", "Q.", "Q"],
    "Thị xã": ["Thị xã", "thị xã", "TX.", "TX", "Tx"],
    "Thành phố": ["Thành phố", "thành phố", "TP.", "TP", "Tp", "T.P"],
    "Tỉnh": ["Tỉnh", "tỉnh", "T.", "T"],
}
LABELS = [
    "Quê: ", "Quê quán: ", "Nơi sinh: ", "Sinh tại ", "NS: ", "Nguyên quán: ", "Thường trú: ",
    "Trú tại: ", "HKTT: ", "Chỗ ở hiện nay: ", "QQ: ", "Quê quán:",
]  # fmt: skip
HAMLETS = [
    "Thôn 3", "Thôn Đông", "Xóm 5", "Xóm Chùa", "Ấp 2", "Ấp Bắc", "Bản Nà Lầu", "Buôn Ea Kmat",
    "Tổ dân phố 4", "TDP số 7", "Khóm 3", "Khóm Châu Long", "Tổ 12", "Khu phố 6", "Đội 9",
    "Làng Yên Sở", "Xóm Trại", "Thôn Thượng", "Ấp Thạnh Lợi", "Bản Mé",
]  # fmt: skip
STREETS = [
    "Số 12", "Số nhà 45", "SN 7", "123/4B", "Nhà số 2 ngõ 14", "18 ngách 3/12", "Lô C5",
    "Km 12 QL 6", "Số 8 hẻm 21", "Căn 3A", "P.402 nhà B2",
]  # fmt: skip
ABROAD = [
    "Liên Xô", "Liên Xô (cũ)", "Sinh tại Liên Xô", "Matxcơva, Liên Xô",
    "Mát-xcơ-va - Liên bang Nga",
    "Leningrat, Liên Xô", "Kiev, Ucraina", "CHDC Đức", "Cộng hòa Dân chủ Đức", "Berlin, CHDC Đức",
    "Leipzig - Đức", "CHLB Đức", "Lào", "Nơi sinh: Lào", "Viêng Chăn, Lào", "Vientiane - Lào",
    "Pắc Xế, Chăm Pa Sắc, Lào", "Savannakhet, CHDCND Lào", "Campuchia", "Phnôm Pênh, Campuchia",
    "Xiêm Riệp - Căm Pu Chia", "Tiệp Khắc", "Praha, Tiệp Khắc", "Cộng hòa Séc", "Ba Lan",
    "Vác-sa-va, Ba Lan", "Bun-ga-ri", "Sô-phi-a, Bungari", "Hungari", "Budapest, Hungary",
    "Cu Ba", "La Habana, Cuba", "Trung Quốc", "Nam Ninh, Quảng Tây, Trung Quốc",
    "Bắc Kinh, Trung Quốc", "Pháp", "Paris, Pháp", "Thái Lan", "Udon Thani, Thái Lan",
    "Nhật Bản", "Tokyo, Nhật Bản", "Hoa Kỳ", "California, Hoa Kỳ", "Sydney, Úc",
    "Ulan Bato, Mông Cổ", "Bình Nhưỡng, Triều Tiên", "Seoul, Hàn Quốc", "Đài Loan",
    "Angiêri", "Nước ngoài", "LIÊN XÔ", "Lien Xo", "CHDC DUC", "LAO", "Quê quán: Lào",
]  # fmt: skip
# Hospitals: a birth place that names the province (and, where named, a district) but whose
# name is no commune: only the province is right. (text, 2025-era code of the province)
HOSPITALS = [
    ("Sinh tại Bệnh viện Bạch Mai, Hà Nội", "01"),
    ("sinh tại BV Phụ sản Trung ương - Hà Nội", "01"),
    ("Bệnh viện Việt Đức, Hà Nội", "01"),
    ("Bệnh viện Đa khoa Xanh Pôn, Hà Nội", "01"),
    ("Bệnh viện Từ Dũ, TP.HCM", "79"),
    ("BV Hùng Vương - TP Hồ Chí Minh", "79"),
    ("Bệnh viện Thống Nhất, TP. Hồ Chí Minh", "79"),
    ("Bệnh viện Chợ Rẫy, Sài Gòn", "79"),
    ("Nhà hộ sinh Quận 1, Sài Gòn", "79"),
    ("Bệnh viện Nhi Đồng 1, TPHCM", "79"),
    ("Bệnh viện Đa khoa tỉnh Thái Bình", "34"),
    ("BVĐK tỉnh Nam Định", "36"),
    ("Bệnh viện Trung ương Huế", "46"),
    ("Bệnh viện Phụ sản Hải Phòng", "31"),
    ("Bệnh viện C, Đà Nẵng", "48"),
    ("Bệnh viện Đa khoa tỉnh Hà Tây", "01"),
    ("Bệnh viện Quân y 103, Hà Đông, Hà Tây", "01"),
    ("Bệnh viện tỉnh Vĩnh Phú", "25"),
    ("Bệnh viện Đa khoa Trung ương Thái Nguyên", "19"),
    ("Bệnh viện Bắc Thăng Long, Đông Anh, Hà Nội", "01"),
    ("Bệnh viện Hữu nghị Đa khoa Nghệ An", "40"),
    ("BV Đa khoa khu vực Ngọc Hồi, Kon Tum", "62"),
    ("Bệnh viện Đa khoa tỉnh Hải Hưng, Hải Dương", "30"),
    ("Bệnh viện Đa khoa tỉnh Hà Bắc", "24"),
    ("Bệnh viện Đa khoa tỉnh Minh Hải", "96"),
    ("Bệnh viện Đa khoa Quảng Nam - Đà Nẵng", "49"),
    ("SINH TẠI BỆNH VIỆN BẠCH MAI HÀ NỘI", "01"),
    ("Sinh tai benh vien Tu Du, TP HCM", "79"),
    ("Bệnh viện Phụ sản Mê Kông, Sài Gòn", "79"),
    ("Bệnh viện Đa khoa tỉnh Hoàng Liên Sơn", "15"),
]
# The 2025-era province codes whose whole province is given above (kept as 2025-era codes: the
# 2025 successor comes from the conversion table).


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def key(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def split_level(full: str) -> tuple[str, str]:
    for level in ("Thị trấn", "Thị xã", "Thành phố", "Xã", "Phường", "Huyện", "Quận", "Tỉnh"):
        if full.startswith(level + " "):
            return level, full[len(level) + 1 :]
    return "", full


def load() -> dict:
    current: dict[str, str] = {}  # commune code → province code (in force)
    province_names: dict[str, str] = {}
    for province in json.loads((DATA / "units-current-2026-07-25.json").read_text("utf-8")):
        province_names[province["Code"]] = province["Name"]
        for ward in province["Wards"]:
            current[ward["Code"]] = province["Code"]
    targets: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_name: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    with open(DATA / "conversion-2025-07-01.csv", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            new_code, old_code = row[2].strip(), row[4].strip()
            if new_code.isdigit() and old_code.isdigit():
                new_code, old_code = new_code.zfill(5), old_code.zfill(5)
                targets[old_code].add((current.get(new_code, ""), new_code))
                # the table also names old communes under another's code (Đặng Xá as 00553,
                # the code of Cổ Bi): a row naming the commune counts as one of its targets
                district = row[6].rpartition("(")[2].rstrip(") ")
                by_name[(district, name_key(row[3]))].add((current.get(new_code, ""), new_code))
    legacy = []
    with open(DATA / "legacy-wards-2025-01-04.csv", encoding="utf-8") as handle:
        for row in list(csv.reader(handle))[1:]:
            legacy.append(
                {"pname": row[0], "pcode": row[1], "dname": row[2], "dcode": row[3],
                 "cname": row[4], "ccode": row[5]}
            )  # fmt: skip
    former: dict[tuple[str, str], set[str]] = defaultdict(set)
    with open(DATA / "former-communes-2019-2024.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            former[(row["province_code"], row["district_code"])].add(row["former_key"])
    # old (2025-era) province → set of provinces in force
    old_to_new: dict[str, set[str]] = defaultdict(set)
    for unit in legacy:
        for prov, _ in targets.get(unit["ccode"], ()):
            if prov:
                old_to_new[unit["pcode"]].add(prov)
    for unit in legacy:
        named = by_name.get((unit["dcode"], name_key(unit["cname"])), set())
        if unit["ccode"] in targets and not named <= targets[unit["ccode"]]:
            targets[unit["ccode"]] = targets[unit["ccode"]] | named
    return {"current": current, "names": province_names, "targets": targets,
            "legacy": legacy, "former": former, "old_to_new": old_to_new}  # fmt: skip


def expectation(data: dict, unit: dict) -> tuple[str, str, str] | None:
    """(province, commune, expect) for an old commune, or None when the data cannot tell."""
    pairs = data["targets"].get(unit["ccode"])
    if not pairs or any(not prov for prov, _ in pairs):
        return None
    provinces = {prov for prov, _ in pairs}
    if len(pairs) == 1:
        prov, commune = next(iter(pairs))
        return prov, commune, "answer"
    return (next(iter(provinces)) if len(provinces) == 1 else ""), "", "review"


def name_key(full: str) -> str:
    """The folded name without its level word; numbers without leading zeros."""
    name = key(split_level(full)[1])
    return name.lstrip("0") or name if name.isdigit() else name


def unique_in(data: dict, units: list[dict], unit: dict, with_district: bool) -> bool:
    """Whether the commune's folded name (with its district's, when written) names only it
    among ``units``, and no former (2019–2024) name in its district is the same words."""
    name, dist = name_key(unit["cname"]), name_key(unit["dname"])
    same = [
        u for u in units
        if name_key(u["cname"]) == name and (not with_district or name_key(u["dname"]) == dist)
    ]  # fmt: skip
    formers = {f.lstrip("0") or f for f in data["former"].get((unit["pcode"], unit["dcode"]), ())}
    return len(same) == 1 and name not in formers


def level_word(rng: random.Random, level: str, style: str) -> str:
    if style == "full":
        return level
    if style == "lower":
        return level.lower()
    return rng.choice(LEVEL_WORDS[level][2:])


def unit_text(rng: random.Random, full: str, style: str) -> str:
    level, name = split_level(full)
    if name.isdigit() and style == "bare":
        style = "full"  # "12, Gò Vấp" reads as a house number
    if not level or style == "bare":
        return name
    word = level_word(rng, level, style)
    glue = "" if word.endswith(".") and rng.random() < 0.5 else " "
    return f"{word}{glue}{name}"


def nodiac(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


TELEX_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
TELEX_SHAPES = {"\u0302": lambda c: c + c, "\u0306": lambda c: c + "w", "\u031b": lambda c: c + "w"}
VNI_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
VNI_SHAPES = {"\u0302": "6", "\u0306": "8", "\u031b": "7"}


def typed_raw(word: str, scheme: str) -> str:
    """A word as typed with Telex or VNI keys when the input method was off ("Hà" → "Haf")."""
    out, tone = [], ""
    for char in unicodedata.normalize("NFD", word):
        if char in ("đ", "Đ"):
            out.append(
                ("dd" if char == "đ" else "Dd")
                if scheme == "telex"
                else char.replace("đ", "d9").replace("Đ", "D9")
            )
        elif char in TELEX_TONES:
            tone = TELEX_TONES[char] if scheme == "telex" else VNI_TONES[char]
        elif char in TELEX_SHAPES:
            base = out.pop()
            out.append(
                TELEX_SHAPES[char](base.lower()) if scheme == "telex" else base + VNI_SHAPES[char]
            )
        else:
            out.append(char)
    return "".join(out) + tone


def typo(rng: random.Random, name: str) -> str:
    """One slip in the longest word of a name: a letter dropped, doubled or swapped."""
    words = name.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) < 4:
        return name
    j = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        w = w[:j] + w[j + 1 :]
    elif kind == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def province_text(rng: random.Random, name: str, level: str = "Tỉnh") -> str:
    roll = rng.random()
    if roll < 0.35:
        return name
    if roll < 0.6:
        return f"{level} {name}"
    if roll < 0.75:
        return f"{level.lower()} {name}"
    if roll < 0.9:
        return f"{level_word(rng, level, 'abbrev')}{rng.choice(['', ' '])}{name}"
    return f"{name} cũ" if level == "Tỉnh" else name


def join(rng: random.Random, parts: list[str], classes: list[str]) -> str:
    roll = rng.random()
    if roll < 0.55:
        sep = rng.choice([", ", ",", " , ", "; "])
    elif roll < 0.8:
        sep, _ = rng.choice([" - ", "-", " – "]), classes.append("hyphen")
    else:
        sep, _ = " ", classes.append("no_separator")
    return sep.join(parts)


def dress(
    rng: random.Random,
    parts: list[str],
    classes: list[str],
    *,
    hamlet: bool = True,
    avoid: frozenset[str] = frozenset(),
) -> str:
    """Street/hamlet before, order, separators, label, capitals, marks. A hamlet whose name is
    also the name of a commune in ``avoid`` (folded keys) is not used."""
    hamlets = [h for h in HAMLETS if key(h.split(" ", 1)[1]) not in avoid]
    if hamlet and rng.random() < 0.25:
        parts = [rng.choice(hamlets), *parts]
        classes.append("hamlet")
    if hamlet and rng.random() < 0.1:
        parts = [rng.choice(STREETS), *parts]
        classes.append("street")
    if rng.random() < 0.15:
        parts = parts[::-1]
        classes.append("reversed")
    text = join(rng, parts, classes)
    if rng.random() < 0.25:
        text = rng.choice(LABELS) + text
        classes.append("label")
    roll = rng.random()
    if roll < 0.1:
        text, _ = text.upper(), classes.append("caps")
    elif roll < 0.2:
        text, _ = nodiac(text), classes.append("nodiac")
    elif roll < 0.23:
        text, _ = nodiac(text).upper(), classes.append("caps")
    return text


def historic_pool(data: dict, name: str) -> list[dict]:
    wholes, districts = HISTORIC[name]
    extra = {key(d) for d in districts}
    return [
        u for u in data["legacy"]
        if u["pcode"] in wholes or (u["pcode"] == "01" and name_key(u["dname"]) in extra)
    ]  # fmt: skip


def historic_spelling(rng: random.Random, name: str) -> str:
    return rng.choice(HISTORIC_SPELLINGS.get(name, [name]))


def rows_historic(data: dict, rng: random.Random) -> list[tuple]:
    rows: list[tuple] = []
    for hname in HISTORIC:
        pool = historic_pool(data, hname)
        avoid = frozenset(name_key(u["cname"]) for u in pool)
        # commune, district, historic province
        sample = rng.sample(pool, min(len(pool), 40))
        made = 0
        for unit in sample:
            if made >= 10:
                break
            expected = expectation(data, unit)
            if expected is None or not unique_in(data, pool, unit, with_district=True):
                continue
            classes = ["historic", "old3"] + (["split"] if expected[2] == "review" else [])
            style = rng.choice(["full", "lower", "abbrev", "bare", "full"])
            parts = [
                unit_text(rng, unit["cname"], style),
                unit_text(rng, unit["dname"], style),
                province_text(rng, historic_spelling(rng, hname)),
            ]
            rows.append((dress(rng, parts, classes, avoid=avoid), *expected, classes))
            made += 1
        # commune and historic province, no district
        made = 0
        for unit in sample:
            if made >= 3:
                break
            expected = expectation(data, unit)
            if expected is None or not unique_in(data, pool, unit, with_district=False):
                continue
            if name_key(unit["cname"]).isdigit():  # "F.8, Hậu Giang": which town's?
                continue
            classes = ["historic", "no_district"] + (["split"] if expected[2] == "review" else [])
            parts = [
                unit_text(rng, unit["cname"], rng.choice(["full", "lower", "abbrev"])),
                province_text(rng, historic_spelling(rng, hname)),
            ]
            rows.append((dress(rng, parts, classes, avoid=avoid), *expected, classes))
            made += 1
        # district and historic province: the province only
        districts: dict[str, list[dict]] = defaultdict(list)
        for unit in pool:
            districts[name_key(unit["dname"])].append(unit)
        for dkey in rng.sample(sorted(districts), min(2, len(districts))):
            units = districts[dkey]
            if len({u["dcode"] for u in units}) != 1:
                continue
            provs = {p for u in units for p, _ in data["targets"].get(u["ccode"], ()) if p}
            if len(provs) != 1:
                continue
            classes = ["historic", "district_only"]
            parts = [
                unit_text(rng, units[0]["dname"], rng.choice(["full", "lower", "abbrev"])),
                province_text(rng, historic_spelling(rng, hname)),
            ]
            rows.append(
                (dress(rng, parts, classes, hamlet=False), provs.pop(), "", "answer", classes)
            )
        # the historic province alone: what its whole provinces became (Mê Linh, part of Vĩnh
        # Phú only in some years, does not make "Vĩnh Phú" ambiguous)
        wholes = [u for u in pool if name_key(u["dname"]) not in PART_TIME]
        provs = {p for u in wholes for p, _ in data["targets"].get(u["ccode"], ()) if p}
        for _ in range(2):
            classes = ["historic", "province_only"]
            text = dress(
                rng, [province_text(rng, historic_spelling(rng, hname))], classes, hamlet=False
            )
            if len(provs) == 1:
                rows.append((text, next(iter(provs)), "", "answer", classes))
            else:
                rows.append((text, "", "", "review", classes))
    return rows


def old_province_text(rng: random.Random, unit: dict, classes: list[str]) -> str:
    level, name = split_level(unit["pname"])
    nick = NICKNAMES.get(unit["pcode"])
    if nick and rng.random() < 0.7:
        classes.append("nickname")
        return rng.choice(nick)
    return province_text(rng, name, level)


def rows_modern(data: dict, rng: random.Random, count: int) -> list[tuple]:
    """Old (2024) commune, district and province in the forms the brief lists."""
    by_province: dict[str, list[dict]] = defaultdict(list)
    for unit in data["legacy"]:
        by_province[unit["pcode"]].append(unit)
    codes = sorted(by_province)
    favoured = [c for c in NICKNAMES if c in by_province]
    rows: list[tuple] = []
    while len(rows) < count:
        pcode = rng.choice(favoured) if rng.random() < 0.35 else rng.choice(codes)
        unit = rng.choice(by_province[pcode])
        expected = expectation(data, unit)
        if expected is None or not unique_in(data, by_province[pcode], unit, with_district=True):
            continue
        classes = ["old3"] + (["split"] if expected[2] == "review" else [])
        style = rng.choice(["full", "lower", "abbrev", "bare"])
        commune = unit_text(rng, unit["cname"], style)
        roll = rng.random()
        if roll < 0.1:
            level, name = split_level(unit["cname"])
            slipped = typo(rng, name)
            keys = {name_key(u["cname"]) for u in by_province[pcode]}
            if slipped == name or key(slipped) in keys:
                continue
            commune = f"{level} {slipped}"
            classes.append("typo")
        parts = [
            commune,
            unit_text(rng, unit["dname"], style),
            old_province_text(rng, unit, classes),
        ]
        if 0.1 <= roll < 0.18:
            scheme = rng.choice(["telex", "vni"])
            i = rng.randrange(len(parts))
            parts[i] = " ".join(typed_raw(w, scheme) for w in parts[i].split())
            classes.append(scheme)
        avoid = frozenset(name_key(u["cname"]) for u in by_province[pcode])
        rows.append((dress(rng, parts, classes, avoid=avoid), *expected, classes))
    return rows


def rows_numbered(data: dict, rng: random.Random, count: int) -> list[tuple]:
    by_province: dict[str, list[dict]] = defaultdict(list)
    for unit in data["legacy"]:
        by_province[unit["pcode"]].append(unit)
    numbered = [u for u in data["legacy"] if split_level(u["cname"])[1].isdigit()]
    rows: list[tuple] = []
    for unit in rng.sample(numbered, len(numbered)):
        if len(rows) >= count:
            break
        expected = expectation(data, unit)
        if expected is None or not unique_in(data, by_province[unit["pcode"]], unit, True):
            continue
        classes = ["numbered", "old3"]
        number = str(int(split_level(unit["cname"])[1]))
        dname = split_level(unit["dname"])[1]
        ward = rng.choice(
            [f"Phường {number}", f"P.{number}", f"P{number}", f"F{number}", f"F.{number}",
             f"phường {number.zfill(2)}", f"P. {number}"]
        )  # fmt: skip
        if dname.isdigit():
            district = rng.choice([f"Quận {dname}", f"Q.{dname}", f"Q{dname}", f"quận {dname}"])
        else:
            district = unit_text(rng, unit["dname"], rng.choice(["full", "abbrev", "bare"]))
        parts = [ward, district, old_province_text(rng, unit, classes)]
        avoid = frozenset(name_key(u["cname"]) for u in by_province[unit["pcode"]])
        rows.append((dress(rng, parts, classes, avoid=avoid), *expected, classes))
    return rows


def rows_new(data: dict, rng: random.Random, count: int) -> list[tuple]:
    """2025 commune and province, with hamlets, street numbers and the other forms."""
    units = json.loads((DATA / "units-current-2026-07-25.json").read_text("utf-8"))
    # names of old communes per new province, with where they went
    old_names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in data["legacy"]:
        for prov, code in data["targets"].get(unit["ccode"], ()):
            old_names[(prov, name_key(unit["cname"]))].add(code)
    rows: list[tuple] = []
    while len(rows) < count:
        province = rng.choice(units)
        ward = rng.choice(province["Wards"])
        wkey = key(ward["Name"])
        if sum(key(w["Name"]) == wkey for w in province["Wards"]) != 1:
            continue
        if old_names.get((province["Code"], wkey), {ward["Code"]}) != {ward["Code"]}:
            continue
        classes = ["new2"]
        level = ward["AdministrativeUnitShortName"]
        commune = unit_text(rng, f"{level} {ward['Name']}", rng.choice(["full", "lower", "abbrev"]))
        plevel = province["AdministrativeUnitShortName"]
        nick = NICKNAMES.get(province["Code"])
        if nick and rng.random() < 0.5:
            ptext = rng.choice(nick)
            classes.append("nickname")
        else:
            ptext = province_text(rng, province["Name"], plevel)
        avoid = frozenset(key(w["Name"]) for w in province["Wards"]) | frozenset(
            k for (prov, k) in old_names if prov == province["Code"]
        )
        text = dress(rng, [commune, ptext], classes, avoid=avoid)
        rows.append((text, province["Code"], ward["Code"], "answer", classes))
    return rows


def rows_abroad_and_hospitals(data: dict, rng: random.Random) -> list[tuple]:
    rows: list[tuple] = [(text, "", "", "answer", ["abroad"]) for text in ABROAD]
    for text, old in HOSPITALS:
        (new,) = data["old_to_new"][old]
        rows.append((text, new, "", "answer", ["hospital"]))
    by_province: dict[str, list[dict]] = defaultdict(list)
    for unit in data["legacy"]:
        by_province[unit["pcode"]].append(unit)
    made = 0
    while made < 15:
        unit = rng.choice(data["legacy"])
        expected = expectation(data, unit)
        if expected is None or expected[2] != "answer":
            continue
        if not unique_in(data, by_province[unit["pcode"]], unit, True):
            continue
        level, name = split_level(unit["cname"])
        place = rng.choice(["Trạm y tế", "Trạm xá", "Nhà hộ sinh", "TYT"])
        parts = [f"{place} {level.lower()} {name}", unit["dname"], unit["pname"]]
        classes = ["hospital", "old3"]
        rows.append(
            (("Sinh tại " if made % 2 else "") + join(rng, parts, classes), *expected, classes)
        )
        made += 1
    return rows


def main() -> None:
    data = load()
    rng = random.Random(SEED)
    rows = (
        rows_historic(data, rng)
        + rows_modern(data, rng, 240)
        + rows_numbered(data, rng, 40)
        + rows_new(data, rng, 70)
        + rows_abroad_and_hospitals(data, rng)
    )
    seen: set[str] = set()
    lines = []
    for text, province, commune, expect, classes in rows:
        text = " ".join(text.split())
        if text in seen or "\t" in text:
            continue
        seen.add(text)
        lines.append("\t".join([text, province, commune, expect, ",".join(dict.fromkeys(classes))]))
    head = (
        f"# as_of={AS_OF} seed={SEED} count={len(lines)}; made by "
        "make_resolver_corpus_independent_2.py; see PROVENANCE-independent-2.md"
    )
    body = "\n".join([head, "text\tprovince\tcommune\texpect\tclasses", *lines]) + "\n"
    OUT.write_text(body, encoding="utf-8")
    print(f"{OUT}: {len(lines)} rows")


if __name__ == "__main__":
    main()
