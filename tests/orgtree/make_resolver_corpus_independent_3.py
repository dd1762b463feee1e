"""Write ``data/resolver_corpus_independent_3.tsv``: a third independent corpus of the place
resolver (issue 21), aimed at forms the first two independent rounds held few of (see
``data/PROVENANCE-independent-3.md``): no marks with the level words written out ("Thanh pho
Ho Chi Minh", "Tinh Nghe An"), level words glued or abbreviated ("P.", "Q.", "TX.", "TT.",
"H.", "X.", "Tx", "tp.", "T.P"), old districts, names of communes merged in 2019–2024 before
the reform, house numbers with lanes ("Số 12 ngõ 34/5", "K448/H20/2", "Đ.", "P. Hàng Gai" where
"P." is a street), hamlets, separators ("-", "–", "/", ";", "|", double commas, none), province
first, typing slips, "HN"/"Ha Noi", English ("Ward 5, District 3, HCMC", "Hamlet 3, … Commune"),
random capitals, with and without "tỉnh"/"thành phố", ", Việt Nam" at the end, places abroad,
and names that two communes of one province share (only "review" is right).

Written without reading the resolver. The answers come from the official files alone, read with
``csv``/``json`` (not with the project's readers): ``orgtree/data/adminunits/``.

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus_independent_3.py`` (seed 2027).
"""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "orgtree" / "data" / "adminunits"
OUT = Path(__file__).parent / "data" / "resolver_corpus_independent_3.tsv"
AS_OF = "2026-08-01"
SEED = 2027
PER_CLASS = 48


def fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


TYPES = ["Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã"]


def split_type(full: str) -> tuple[str, str]:
    for t in TYPES:
        if full.startswith(t + " "):
            return t, full[len(t) + 1 :]
    return "", full


# -- the official data -------------------------------------------------------------------------
class Data:
    def __init__(self) -> None:
        # the units in force
        self.new_prov: dict[str, dict] = {}
        self.new_comm: dict[str, dict] = {}
        for p in json.loads((DATA / "units-current-2026-07-25.json").read_text("utf-8")):
            self.new_prov[p["Code"]] = p
            for w in p["Wards"]:
                self.new_comm[w["Code"]] = {**w, "ProvinceCode": p["Code"]}
        # new communes by province and folded name (with and without type)
        self.new_by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, w in self.new_comm.items():
            t, n = split_type(w["FullName"])
            self.new_by_name[(w["ProvinceCode"], fold(n))].add(code)
        # the legacy units
        self.old_prov: dict[str, str] = {}
        self.old_dist: dict[str, tuple[str, str]] = {}  # code -> (full name, province code)
        self.old_comm: dict[str, dict] = {}
        with (DATA / "legacy-wards-2025-01-04.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.old_prov[row["Mã TP"]] = row["Tỉnh Thành Phố"]
                self.old_dist[row["Mã QH"]] = (row["Quận Huyện"], row["Mã TP"])
                if row["Mã PX"]:
                    self.old_comm[row["Mã PX"]] = {
                        "full": row["Phường Xã"],
                        "district": row["Mã QH"],
                        "province": row["Mã TP"],
                    }
        # the conversion table: old code -> new codes; (old district, folded name) -> new codes
        self.targets: dict[str, set[str]] = defaultdict(set)
        by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        with (DATA / "conversion-2025-07-01.csv").open(encoding="utf-8") as f:
            for row in list(csv.reader(f))[2:]:
                if len(row) < 8 or not re.fullmatch(r"\d{5}", row[2].strip() or "x"):
                    continue
                old = row[4].strip()
                new = row[2].strip()
                dist = re.search(r"\((\d{3})\)", row[6])
                if new not in self.new_comm or not re.fullmatch(r"\d{5}", old):
                    continue
                self.targets[old].add(new)
                if dist:
                    by_name[(dist.group(1), fold(row[3]))].add(new)
        # an old commune whose rows by name disagree with its rows by code is left out
        self.clean: set[str] = set()
        for code, c in self.old_comm.items():
            t = self.targets.get(code)
            if t and by_name.get((c["district"], fold(c["full"]))) == t:
                self.clean.add(code)
        # old province -> new province
        prov_map: dict[str, set[str]] = defaultdict(set)
        for code in self.clean:
            for new in self.targets[code]:
                prov_map[self.old_comm[code]["province"]].add(self.new_comm[new]["ProvinceCode"])
        self.prov_new = {p: next(iter(s)) for p, s in prov_map.items() if len(s) == 1}
        # old communes by (old province, folded name) and (old district, folded name)
        self.old_by_prov: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.old_by_dist: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, c in self.old_comm.items():
            n = fold(split_type(c["full"])[1])
            self.old_by_prov[(c["province"], n)].add(code)
            self.old_by_dist[(c["district"], n)].add(code)
        # former names (merged 2019–2024), folded without spaces, by district
        self.former: list[dict] = []
        self.former_keys: set[tuple[str, str]] = set()
        with (DATA / "former-communes-2019-2024.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.former.append(row)
                self.former_keys.add((row["district_code"], row["former_key"]))
        # every spelling with marks of a name, by its folded form without spaces
        self.spelling: dict[str, set[str]] = defaultdict(set)
        for c in self.old_comm.values():
            n = split_type(c["full"])[1]
            self.spelling[fold(n).replace(" ", "")].add(n)
        for w in self.new_comm.values():
            self.spelling[fold(w["Name"]).replace(" ", "")].add(w["Name"])

    def new_province_of(self, old_prov: str) -> str | None:
        return self.prov_new.get(old_prov)

    def answer_of(self, codes: set[str]) -> tuple[str | None, str | None, bool]:
        """(province, commune, review) for the old communes ``codes`` (every reading)."""
        targets: set[str] = set()
        for code in codes:
            if code not in self.clean:
                return None, None, True  # unknown: caller skips
            targets |= self.targets[code]
        provs = {self.new_comm[t]["ProvinceCode"] for t in targets}
        prov = next(iter(provs)) if len(provs) == 1 else None
        if len(targets) == 1:
            return prov, next(iter(targets)), False
        return prov, None, True

    def is_former_in(self, district: str, name: str) -> bool:
        return (district, fold(name).replace(" ", "")) in self.former_keys


# -- spellings ---------------------------------------------------------------------------------
LEVEL_FORMS = {
    "Xã": ["Xã ", "xã ", "X.", "X. ", "x.", "X ", "XÃ "],
    "Phường": ["Phường ", "phường ", "P.", "P. ", "p.", "P "],
    "Thị trấn": ["Thị trấn ", "thị trấn ", "TT.", "TT ", "Tt.", "tt ", "T.T "],
    "Huyện": ["Huyện ", "huyện ", "H.", "H. ", "h.", "H "],
    "Quận": ["Quận ", "quận ", "Q.", "Q. ", "q.", "Q "],
    "Thị xã": ["Thị xã ", "thị xã ", "TX.", "TX ", "Tx ", "Tx.", "T.X "],
    "Thành phố": ["Thành phố ", "thành phố ", "TP.", "TP ", "Tp ", "tp.", "T.P ", "T.P."],
    "Tỉnh": ["Tỉnh ", "tỉnh ", "T.", "T. ", "t.", ""],
}
NODIAC_LEVEL = {
    "Xã": ["Xa ", "xa ", "X.", "X "],
    "Phường": ["Phuong ", "phuong ", "P.", "P "],
    "Thị trấn": ["Thi tran ", "thi tran ", "TT ", "TT."],
    "Huyện": ["Huyen ", "huyen ", "H.", "H "],
    "Quận": ["Quan ", "quan ", "Q.", "Q "],
    "Thị xã": ["Thi xa ", "thi xa ", "TX ", "Tx."],
    "Thành phố": ["Thanh pho ", "thanh pho ", "TP ", "Tp.", "tp "],
    "Tỉnh": ["Tinh ", "tinh ", "T.", ""],
}
HCM = [
    "Tp HCM", "TP.HCM", "TPHCM", "tp.hcm", "Thanh pho Ho Chi Minh", "Thành phố Hồ Chí Minh",
    "Ho Chi Minh", "HCM", "TP. Hồ Chí Minh", "T.P Hồ Chí Minh", "Hồ Chí Minh", "Tp.Hồ Chí Minh",
    "TP Ho Chi Minh", "HCMC",
]  # fmt: skip
HANOI = [
    "HN", "Ha Noi", "Hà Nội", "TP Hà Nội", "TP. Hà Nội", "Tp.Hà Nội", "T.P Hà Nội", "Hanoi",
    "HÀ NỘI", "Thanh pho Ha Noi", "tp Ha Noi", "Hà Nội.", "Ha Noi City",
]  # fmt: skip
STREETS = [
    "Lê Lợi", "Trần Phú", "Nguyễn Huệ", "Quang Trung", "Hai Bà Trưng", "Lý Thường Kiệt",
    "Nguyễn Trãi", "Hùng Vương", "Lê Duẩn", "Phan Chu Trinh", "Điện Biên Phủ", "Hoàng Diệu",
    "Ngô Quyền", "Trần Hưng Đạo", "Bà Triệu", "Nguyễn Văn Cừ", "Lê Hồng Phong", "Võ Thị Sáu",
]  # fmt: skip
HAMLETS = [
    "Thôn {n}", "thôn {n}", "Xóm {n}", "xóm {n}", "Ấp {n}", "ấp {n}", "Bản {n}", "Tổ dân phố {n}",
    "TDP {n}", "Tổ {n}", "Khu phố {n}", "KP{n}", "Khóm {n}", "Đội {n}", "Thôn Đông", "Thôn Trung",
    "Xóm Mới", "Ấp Tân Hòa", "Bản Na Hang", "Thôn Hạ", "Làng Nủ", "Xóm Bãi", "Ấp Phước Lợi",
    "Buôn Ea Nuôl", "Thôn 2A", "Xóm Trại", "Tổ 5 khu 3", "Khu Đồng Tâm",
]  # fmt: skip
ABROAD = [
    "Seoul - Hàn Quốc", "Tokyo, Japan", "Vientiane, Laos", "Moscow, Russia", "Sinh tại Pháp",
    "Cộng hòa Liên bang Nga", "Praha (Tiệp Khắc cũ)", "Warszawa, Ba Lan", "Đài Bắc, Đài Loan",
    "Kuala Lumpur, Malaysia", "Singapore", "Paris - France", "Berlin (Đức)", "Han Quoc",
    "Nhat Ban", "Lien bang Nga", "Sofia - Bulgaria", "Budapest (Hungary)", "USA",
    "Houston, Texas, Hoa Kỳ", "Nam Vang, Campuchia", "Phnom Penh - Cambodia", "Sydney, Australia",
    "Bangkok, Thái Lan", "Quảng Châu, Trung Quốc", "Ulaanbaatar, Mông Cổ", "Angola",
    "Tiệp Khắc", "Cộng hoà Séc", "Rumani", "Bun-ga-ri", "Leningrad, Liên Xô", "Viêng Chăn - Lào",
    "Kiev, Ukraina", "Minsk (Belarus)", "Ca-na-da", "Toronto, Canada", "Pháp", "Nhật Bản",
    "Hàn Quốc", "Đức", "Australia",
]  # fmt: skip


TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
SHAPES = {"\u0302": lambda c: c + c, "\u0306": lambda c: c + "w", "\u031b": lambda c: c + "w"}


def telex(word: str) -> str:
    """A word typed with Telex and the input method off: "Lập" → "Laapj", "Đức" → "DDuwcs"."""
    out, tone = [], ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONES:
            tone = TONES[ch]
        elif ch in SHAPES and out:
            out[-1] = SHAPES[ch](out[-1])
        elif ch in "Đđ":
            out.append("DD" if ch == "Đ" else "dd")
        else:
            out.append(ch)
    return "".join(out) + tone


def casing(text: str, rng: random.Random) -> str:
    """Random capitals, word by word ("xã TÂN lập, Huyện đan phượng")."""
    words = text.split(" ")
    out = []
    for w in words:
        r = rng.random()
        out.append(w.upper() if r < 0.3 else w.lower() if r < 0.6 else w)
    return " ".join(out)


def typo(name: str, rng: random.Random) -> str:
    """One slip in a name of two or more letters per word: a letter dropped, doubled, swapped
    with its neighbour or a mark lost on one letter."""
    words = name.split(" ")
    idx = max(range(len(words)), key=lambda i: (len(words[i]), rng.random()))
    w = words[idx]
    if len(w) < 4:
        return name
    i = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["drop", "double", "swap", "mark"])
    if kind == "drop":
        w = w[:i] + w[i + 1 :]
    elif kind == "double":
        w = w[:i] + w[i] + w[i:]
    elif kind == "swap" and w[i] != w[i + 1]:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    else:
        chars = list(w)
        marked = [j for j, c in enumerate(chars) if fold(c) != c.lower()]
        if not marked:
            return name
        j = rng.choice(marked)
        chars[j] = fold(chars[j]) if chars[j].islower() else fold(chars[j]).upper()
        w = "".join(chars)
    words[idx] = w
    return " ".join(words)


def lev1(a: str, b: str) -> bool:
    """``a`` and ``b`` (folded) are at most one edit or one swap apart."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


# -- the builder -------------------------------------------------------------------------------
class Builder:
    def __init__(self, data: Data, rng: random.Random) -> None:
        self.d = data
        self.rng = rng
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.seen: set[str] = set()
        clean = sorted(data.clean)
        self.pool = [c for c in clean if len(data.targets[c]) == 1]
        self.split_pool = [c for c in clean if len(data.targets[c]) > 1]

    def add(self, text: str, prov: str | None, comm: str | None, review: bool, classes) -> bool:
        text = re.sub(r"[ \t]+", " ", text).strip()
        if not text or text in self.seen or "\t" in text:
            return False
        self.seen.add(text)
        expect = "review" if review else "answer"
        self.rows.append(
            (text, prov or "", "" if review else (comm or ""), expect, ",".join(classes))
        )
        return True

    # readings of an old commune written with its name only (no district)
    def unique_in_province(self, code: str) -> bool:
        """The old commune's name is its province's only one (old communes and, when the
        province keeps its name, the communes in force of the new province) — folded."""
        c = self.d.old_comm[code]
        name = fold(split_type(c["full"])[1])
        if len(self.d.old_by_prov[(c["province"], name)]) != 1:
            return False
        target = next(iter(self.d.targets[code]))
        newp = self.d.new_comm[target]["ProvinceCode"]
        same = self.d.new_by_name.get((newp, name), set())
        return not same or same == {target}

    def unique_in_district(self, code: str) -> bool:
        c = self.d.old_comm[code]
        n = split_type(c["full"])[1]
        return len(self.d.old_by_dist[(c["district"], fold(n))]) == 1 and not (
            self.d.is_former_in(c["district"], n)
        )

    def parts(self, code: str) -> tuple[str, str, str, str, str, str]:
        """(commune type, commune name, district type, district name, province type, name)."""
        c = self.d.old_comm[code]
        ct, cn = split_type(c["full"])
        dt, dn = split_type(self.d.old_dist[c["district"]][0])
        pt, pn = split_type(self.d.old_prov[c["province"]])
        return ct, cn, dt, dn, pt, pn

    def pick(self, need_unique_prov: bool = False, where=None) -> str | None:
        for _ in range(400):
            code = self.rng.choice(self.pool)
            if not self.unique_in_district(code):
                continue
            if need_unique_prov and not self.unique_in_province(code):
                continue
            if self.d.new_province_of(self.d.old_comm[code]["province"]) is None:
                continue
            if where is not None and not where(code):
                continue
            return code
        return None

    def expected(self, code: str) -> tuple[str, str]:
        t = next(iter(self.d.targets[code]))
        return self.d.new_comm[t]["ProvinceCode"], t

    def lvl(self, t: str, nodiac: bool = False) -> str:
        forms = (NODIAC_LEVEL if nodiac else LEVEL_FORMS).get(t, [""])
        return self.rng.choice(forms)

    def prov_text(self, pt: str, pn: str, nodiac: bool = False, bare_ok: bool = True) -> str:
        if fold(pn) == "ho chi minh" and self.rng.random() < 0.6:
            return self.rng.choice(HCM)
        if fold(pn) == "ha noi" and self.rng.random() < 0.6:
            return self.rng.choice(HANOI)
        name = fold(pn).title() if nodiac else pn
        if bare_ok and self.rng.random() < 0.3:
            return name
        return self.lvl(pt or "Tỉnh", nodiac) + name


def build() -> list[tuple[str, str, str, str, str]]:
    d = Data()
    rng = random.Random(SEED)
    b = Builder(d, rng)

    def loop(cls: str, make, n: int = PER_CLASS) -> None:
        got = tries = 0
        while got < n and tries < n * 40:
            tries += 1
            if make():
                got += 1

    # 1. no marks at all, level words written out or abbreviated
    def nodiac() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        parts = [
            b.lvl(ct, True) + fold(cn).title(),
            b.lvl(dt, True) + fold(dn).title(),
            b.prov_text(pt, pn, nodiac=True),
        ]
        text = ", ".join(parts)
        if rng.random() < 0.3:
            text = text.lower()
        # folded names must not meet another commune of the district
        if len(d.old_by_dist[(d.old_comm[code]["district"], fold(cn))]) != 1:
            return False
        return b.add(text, p, c, False, ["nodiac", "old3"])

    loop("nodiac", nodiac)

    # 2. abbreviations, glued ("P.Tân Định,Q.1,TP.HCM", "X.Tân Lập-H.Đan Phượng-T.P Hà Nội")
    def abbrev() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        sep = rng.choice([",", ", ", " ,", "-", " - ", ";"])
        short = {"Xã": "X.", "Phường": "P.", "Thị trấn": "TT.", "Huyện": "H.", "Quận": "Q.",
                 "Thị xã": "TX.", "Thành phố": rng.choice(["TP.", "Tp.", "T.P", "tp."]),
                 "Tỉnh": "T."}  # fmt: skip
        parts = [
            short.get(ct, "") + cn,
            short.get(dt, "") + dn,
            (rng.choice(HCM) if fold(pn) == "ho chi minh" else short.get(pt, "") + pn),
        ]
        if rng.random() < 0.4:  # the level word spaced out or lower-case
            parts = [x.replace(".", ". ", 1) if rng.random() < 0.5 else x for x in parts]
        return b.add(sep.join(parts), p, c, False, ["abbrev", "old3"])

    loop("abbrev", abbrev)

    # 3. a former commune (merged 2019–2024) with its district and province
    formers = list(d.former)
    rng.shuffle(formers)
    got = 0
    for row in formers:
        if got >= PER_CLASS:
            break
        if row["also_current"] or (row["former_key"].isdigit() and row["province_code"] != "79"):
            continue
        succ = row["successor_commune_code"]
        if succ not in d.clean:
            continue
        if row["former_key"].isdigit():
            name = row["former_key"]
        else:
            spellings = d.spelling.get(row["former_key"], set())
            if len(spellings) != 1:
                continue
            name = next(iter(spellings))
        dist = row["district_code"]
        if dist not in d.old_dist:
            continue
        # the name must not also be a unit of the district in the 4/1/2025 list
        if d.old_by_dist.get((dist, fold(name))):
            continue
        # two former names of the district folding alike: left out
        prov, comm, review = d.answer_of({succ})
        dt, dn = split_type(d.old_dist[dist][0])
        pt, pn = split_type(d.old_prov[row["province_code"]])
        ft = row["former_type"]
        text = f"{b.lvl(ft)}{name}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        if b.add(text, prov, comm, review, ["former", "old3"]):
            got += 1

    # 4. house numbers, lanes and streets before the commune
    def street() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        n1, n2, n3 = rng.randint(1, 400), rng.randint(1, 99), rng.randint(1, 30)
        st = rng.choice(STREETS)
        head = rng.choice(
            [
                f"Số {n1} ngõ {n2}/{n3} {st}", f"Số nhà {n1}, ngách {n2}/{n3}", f"{n1}/{n2} {st}",
                f"{n1}/{n2}/{n3} đường {st}", f"K{n1}/H{n2}/{n3} {st}", f"{n1} Đ.{st}",
                f"{n1}A {st}", f"Ngõ {n2} phố {st}", f"{n1} P. {st}", f"Hẻm {n2}/{n3} {st}",
                f"Số {n1}, tổ {n3}", f"SN {n1} ngõ {n2}", f"Kiệt {n2} {st}", f"Lô {n3} KĐT mới",
                f"Phòng {n1}, nhà B{n3}", f"Km{n3}+{n1} QL{n2}",
            ]
        )  # fmt: skip
        tail = rng.choice(["", ", Việt Nam", " - Việt Nam", ", VN"])
        text = f"{head}, {b.lvl(ct)}{cn}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}{tail}"
        return b.add(text, p, c, False, ["street", "old3"])

    loop("street", street, PER_CLASS + 12)

    # 5. hamlets before the commune (with and without its level word)
    def hamlet() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        h = rng.choice(HAMLETS).format(n=rng.randint(1, 15))
        # a hamlet named like a commune of the province is left out (it would be a second place)
        hname = fold(re.sub(r"^\S+\s", "", h))
        if d.old_by_prov.get((d.old_comm[code]["province"], hname)):
            return False
        comm = (b.lvl(ct) if rng.random() < 0.8 else "") + cn
        sep = rng.choice([", ", " - ", ",", "; "])
        text = sep.join([h, comm, b.lvl(dt) + dn, b.prov_text(pt, pn)])
        return b.add(text, p, c, False, ["hamlet", "old3"])

    loop("hamlet", hamlet)

    # 6. separators: dashes, slashes, pipes, double commas, none
    def separators() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        parts = [b.lvl(ct) + cn, b.lvl(dt) + dn, b.prov_text(pt, pn, bare_ok=False)]
        sep = rng.choice([" - ", "-", " – ", "–", " / ", "/", " | ", ",, ", " ,", "  ", " . "])
        text = sep.join(parts)
        if any(not x.strip() or (x.endswith(" ") and sep.strip() == "") for x in parts):
            return False
        # no level words and no separator would be too loose: keep a level word when none
        if sep.strip() == "" and not all(re.match(r"\S+[ .]", x) for x in parts[:2]):
            return False
        return b.add(text, p, c, False, ["separator", "old3"])

    loop("separator", separators)

    # 7. province first ("Hà Nội, Quận Ba Đình, Phường Phúc Xá", "Tỉnh X - Huyện Y - Xã Z")
    def reversed_() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        sep = rng.choice([", ", " - ", " > ", "; "])
        text = sep.join([b.prov_text(pt, pn), b.lvl(dt) + dn, b.lvl(ct) + cn])
        return b.add(text, p, c, False, ["reversed", "old3"])

    loop("reversed", reversed_)

    # 8. typing slips in the commune or the district name
    def typos() -> bool:
        code = b.pick(need_unique_prov=True)
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        bad = typo(cn, rng)
        if bad == cn or (fold(bad) == fold(cn) and rng.random() < 0.7):
            return False
        # the slip must not come near another commune name of the old or the new province
        fb = fold(bad).replace(" ", "")
        prov = d.old_comm[code]["province"]
        for other, oc in d.old_comm.items():
            if other != code and oc["province"] == prov:
                if lev1(fold(split_type(oc["full"])[1]).replace(" ", ""), fb):
                    return False
        for w in d.new_comm.values():
            if w["ProvinceCode"] == p and lev1(fold(w["Name"]).replace(" ", ""), fb):
                if w["Code"] != c:
                    return False
        text = f"{b.lvl(ct)}{bad}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        return b.add(text, p, c, False, ["typo", "old3"])

    loop("typo", typos)

    # 9. Hà Nội and HCMC in all their spellings, with the old district
    def capitals() -> bool:
        code = b.pick(where=lambda k: d.old_comm[k]["province"] in ("01", "79"))
        if code is None:
            return False
        ct, cn, dt, dn, _pt, _pn = b.parts(code)
        p, c = b.expected(code)
        city = rng.choice(HANOI if d.old_comm[code]["province"] == "01" else HCM)
        text = f"{b.lvl(ct)}{cn}, {b.lvl(dt)}{dn}, {city}"
        return b.add(text, p, c, False, ["nickname", "old3"])

    loop("nickname", capitals)

    # 10. English: "Tan Lap Commune, Dan Phuong District, Hanoi", "Ward 5, District 3, HCMC"
    EN = {
        "Xã": "Commune", "Phường": "Ward", "Thị trấn": "Town", "Huyện": "District",
        "Quận": "District", "Thị xã": "Town", "Thành phố": "City", "Tỉnh": "Province",
    }  # fmt: skip

    def english() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        if len(d.old_by_dist[(d.old_comm[code]["district"], fold(cn))]) != 1:
            return False

        def en(t: str, n: str) -> str:
            word = EN.get(t, "")
            if n.isdigit():
                return f"{word} {n}"
            return f"{fold(n).title()} {word}".strip()

        if fold(pn) == "ho chi minh":
            ptxt = rng.choice(["Ho Chi Minh City", "HCMC", "HCM City", "Ho Chi Minh"])
        elif fold(pn) == "ha noi":
            ptxt = rng.choice(["Hanoi", "Ha Noi City", "Hanoi City"])
        else:
            ptxt = rng.choice([en(pt or "Tỉnh", pn), fold(pn).title()])
        head = rng.choice(["", f"No. {rng.randint(1, 300)} {fold(rng.choice(STREETS)).title()} "
                              "Street, ", f"Hamlet {rng.randint(1, 12)}, "])  # fmt: skip
        tail = rng.choice(["", ", Vietnam", ", Viet Nam"])
        text = f"{head}{en(ct, cn)}, {en(dt, dn)}, {ptxt}{tail}"
        return b.add(text, p, c, False, ["english", "old3"])

    loop("english", english)

    # 11. random capitals word by word
    def mixed() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        text = casing(f"{b.lvl(ct)}{cn}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}", rng)
        return b.add(text, p, c, False, ["caps", "old3"])

    loop("caps", mixed)

    # 12. commune and province only, with or without "tỉnh"/"thành phố" (no district)
    def no_district() -> bool:
        code = b.pick(need_unique_prov=True)
        if code is None:
            return False
        ct, cn, _dt, _dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        # a name spelt alike without marks in the province: kept only with marks
        text = f"{b.lvl(ct)}{cn}, {b.prov_text(pt, pn)}"
        return b.add(text, p, c, False, ["no_district", "old2"])

    loop("no_district", no_district)

    # 13. a commune in force (2025) with its province, messy
    new_codes = sorted(d.new_comm)

    def new2() -> bool:
        code = rng.choice(new_codes)
        w = d.new_comm[code]
        prov = d.new_prov[w["ProvinceCode"]]
        ct, cn = split_type(w["FullName"])
        pt, pn = split_type(prov["FullName"])
        # the same words must not name an old commune of the same-named old province elsewhere
        for op, oname in d.old_prov.items():
            if fold(split_type(oname)[1]) == fold(pn):
                for old in d.old_by_prov.get((op, fold(cn)), set()):
                    if d.targets.get(old) != {code}:
                        return False
        if len(d.new_by_name[(w["ProvinceCode"], fold(cn))]) != 1:
            return False
        style = rng.random()
        head = rng.choice(
            [
                "", f"Số {rng.randint(1, 200)} {rng.choice(STREETS)}, ",
                f"Thôn {rng.randint(1, 9)}, ", f"Tổ {rng.randint(1, 30)}, ",
            ]
        )  # fmt: skip
        if style < 0.3:
            text = f"{head}{b.lvl(ct, True)}{fold(cn).title()}, {b.prov_text(pt, pn, True)}"
        elif style < 0.6:
            text = f"{head}{b.lvl(ct)}{cn} - {b.prov_text(pt, pn)}"
        else:
            text = f"{head}{b.lvl(ct)}{cn}, {b.prov_text(pt, pn)}, Việt Nam"
        return b.add(text, w["ProvinceCode"], code, False, ["new2"])

    loop("new2", new2)

    # 14. an old district alone (no commune) with its province: the province only
    dists = sorted(d.old_dist)

    def district_only() -> bool:
        dist = rng.choice(dists)
        full, prov = d.old_dist[dist]
        newp = d.new_province_of(prov)
        if newp is None:
            return False
        dt, dn = split_type(full)
        pt, pn = split_type(d.old_prov[prov])
        text = f"{b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        if rng.random() < 0.3:
            text = fold(text).title()
        return b.add(text, newp, None, False, ["district_only"])

    loop("district_only", district_only, 30)

    # 15. abroad: no province
    for place in ABROAD:
        b.add(place, None, None, True, ["abroad"])

    # 16. a name two old communes of one province share, no district: only review is right
    # (spelt alike with marks too: "Ia Băng" and "Ia Bang" are told apart by their marks)
    shared = [
        (k, v) for k, v in d.old_by_prov.items()
        if len(v) > 1 and all(x in d.clean for x in v)
        and len({split_type(d.old_comm[x]["full"])[1].lower() for x in v}) == 1
    ]  # fmt: skip
    rng.shuffle(shared)
    got = 0
    for (prov, _name), codes in shared:
        if got >= PER_CLASS:
            break
        pr, comm, review = d.answer_of(codes)
        if not review:
            continue
        newp = d.new_province_of(prov)
        if newp is None:
            continue
        any_code = min(codes)
        ct, cn = split_type(d.old_comm[any_code]["full"])
        # same type for all, so the level word does not tell them apart
        if len({split_type(d.old_comm[x]["full"])[0] for x in codes}) != 1:
            continue
        pt, pn = split_type(d.old_prov[prov])
        text = f"{b.lvl(ct)}{cn}, {b.prov_text(pt, pn)}"
        if b.add(text, pr, None, True, ["shared", "old2"]):
            got += 1

    # 17. an old commune the conversion table splits: review
    def split() -> bool:
        code = rng.choice(b.split_pool)
        if not b.unique_in_district(code):
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        prov, _comm, _review = d.answer_of({code})
        text = f"{b.lvl(ct)}{cn}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        return b.add(text, prov, None, True, ["split", "old3"])

    loop("split", split, 30)

    # 18. HCMC numbered wards in English and short forms ("Ward 5, District 3, HCMC", "P5 Q3")
    def numbered() -> bool:
        code = b.pick(
            where=lambda k: (
                d.old_comm[k]["province"] == "79"
                and split_type(d.old_comm[k]["full"])[1].isdigit()
                and split_type(d.old_dist[d.old_comm[k]["district"]][0])[1].isdigit()
            )
        )
        if code is None:
            return False
        _ct, cn, _dt, dn, _pt, _pn = b.parts(code)
        p, c = b.expected(code)
        form = rng.choice(
            [
                f"Ward {cn}, District {dn}, {rng.choice(['HCMC', 'Ho Chi Minh City'])}",
                f"P{cn} Q{dn} {rng.choice(HCM)}", f"P.{cn},Q.{dn},{rng.choice(HCM)}",
                f"F{cn}, Q{dn}, {rng.choice(HCM)}", f"Phuong {cn} Quan {dn} TP HCM",
                f"P {int(cn):02d}, Q {dn}, {rng.choice(HCM)}",
                f"{rng.randint(1, 300)}/{rng.randint(1, 40)} {rng.choice(STREETS)}, P.{cn}, "
                f"Q.{dn}, {rng.choice(HCM)}",
            ]
        )  # fmt: skip
        return b.add(form, p, c, False, ["numbered", "old3"])

    loop("numbered", numbered, 30)

    # 19. Telex keystrokes left in the commune name ("xa Taan Laapj, huyen …")
    def telex_() -> bool:
        code = b.pick(need_unique_prov=True)
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        typed = " ".join(telex(w) for w in cn.split(" "))
        if typed == cn or fold(typed) == fold(cn):
            return False
        text = f"{b.lvl(ct, True)}{typed}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        return b.add(text, p, c, False, ["telex", "old3"])

    loop("telex", telex_, 24)

    # -- second round: harder forms, added after the first measure (see PROVENANCE) ----------
    # 20. no level words, no separators, lower case, no marks ("tan lap dan phuong ha noi")
    def run_on() -> bool:
        code = b.pick()
        if code is None:
            return False
        _ct, cn, _dt, dn, _pt, pn = b.parts(code)
        p, c = b.expected(code)
        if len(d.old_by_dist[(d.old_comm[code]["district"], fold(cn))]) != 1 or cn.isdigit():
            return False
        text = " ".join([fold(cn), fold(dn), fold(pn)])
        if rng.random() < 0.3:
            text = f"{rng.randint(1, 200)} {fold(rng.choice(STREETS))} {text}"
        return b.add(text, p, c, False, ["run_on", "nodiac", "old3"])

    loop("run_on", run_on, 36)

    # 21. a house on a street named like a commune of the province, the commune without its
    # level word ("12 Trần Phú, Lộc Thọ, Nha Trang, Khánh Hòa")
    street_units: dict[str, set[str]] = defaultdict(set)
    for oc in d.old_comm.values():
        street_units[fold(split_type(oc["full"])[1])].add(oc["province"])

    def street_named() -> bool:
        code = b.pick(where=lambda k: not split_type(d.old_comm[k]["full"])[1].isdigit())
        if code is None:
            return False
        _ct, cn, _dt, dn, _pt, pn = b.parts(code)
        p, c = b.expected(code)
        prov = d.old_comm[code]["province"]
        names = [s for s in STREETS if prov in street_units.get(fold(s), set())]
        if not names or len(d.old_by_dist[(d.old_comm[code]["district"], fold(cn))]) != 1:
            return False
        st = rng.choice(names)
        if fold(st) == fold(cn):
            return False
        text = f"{rng.randint(1, 300)} {st}, {cn}, {dn}, {pn}"
        return b.add(text, p, c, False, ["street_named", "bare", "old3"])

    loop("street_named", street_named, 36)

    # 22. commune and district, no province ("Phường Tràng Tiền, Hoàn Kiếm")
    pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, oc in d.old_comm.items():
        dn_ = fold(split_type(d.old_dist[oc["district"]][0])[1])
        pair[(fold(split_type(oc["full"])[1]), dn_)].add(code)

    def no_province() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, _pt, _pn = b.parts(code)
        p, c = b.expected(code)
        if pair[(fold(cn), fold(dn))] != {code} or dn.isdigit():
            return False  # "P.2, 5" names no district
        # a district named like a province (Thành phố Lào Cai) would name the province anyway
        head = rng.choice(["", f"{rng.randint(1, 200)} {rng.choice(STREETS)}, "])
        text = f"{head}{b.lvl(ct)}{cn}, {b.lvl(dt) if rng.random() < 0.5 else ''}{dn}"
        return b.add(text, p, c, False, ["no_province", "old3"])

    loop("no_province", no_province, 36)

    # 23. the old address with the new one in brackets ("…, Hà Nội (nay là xã Ô Diên, Hà Nội)")
    def now_is() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        w = d.new_comm[c]
        npt, npn = split_type(d.new_prov[p]["FullName"])
        old = f"{b.lvl(ct)}{cn}, {b.lvl(dt)}{dn}, {b.prov_text(pt, pn)}"
        new = f"{w['FullName'].lower() if rng.random() < 0.5 else w['FullName']}"
        form = rng.choice(
            [
                f"{old} (nay là {new}, {b.prov_text(npt, npn)})",
                f"{old} (nay là {new})",
                f"{old}, nay là {new}, {b.prov_text(npt, npn)}",
                f"{new} ({b.lvl(ct)}{cn} cũ), {b.prov_text(npt, npn)}",
                f"{old} - nay thuộc {new}, {b.prov_text(npt, npn)}",
            ]
        )
        return b.add(form, p, c, False, ["now_is", "old3"])

    loop("now_is", now_is, 36)

    # 24. level words misspelt or without their marks in a text with marks
    BAD_LEVEL = {
        "Xã": ["Xả ", "Xa ", "xá "], "Phường": ["Phuờng ", "Phương ", "Phừơng "],
        "Thị trấn": ["Thị Trấn ", "Thi trấn ", "Thị trân "],
        "Huyện": ["Huyên ", "Huỵen ", "Huyen "],
        "Quận": ["Quân ", "Quạn "], "Thị xã": ["Thị Xả ", "Thi xã "],
        "Thành phố": ["Thành Phố ", "Thanh phô ", "Thàng phố "],
        "Tỉnh": ["Tĩnh ", "Tỉnh: ", "Tinh "],
    }  # fmt: skip

    def bad_level() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        if len(d.old_by_dist[(d.old_comm[code]["district"], fold(cn))]) != 1:
            return False
        text = (
            f"{rng.choice(BAD_LEVEL.get(ct, ['']))}{cn}, {rng.choice(BAD_LEVEL.get(dt, ['']))}"
            f"{dn}, {rng.choice(BAD_LEVEL.get(pt or 'Tỉnh', ['']))}{pn}"
        )
        return b.add(text, p, c, False, ["bad_level", "old3"])

    loop("bad_level", bad_level, 30)

    # 25. a commune in force written with the old district it came from
    def new_with_district() -> bool:
        code = b.pick()
        if code is None:
            return False
        _ct, cn, dt, dn, _pt, _pn = b.parts(code)
        p, c = b.expected(code)
        w = d.new_comm[c]
        nt, nn = split_type(w["FullName"])
        dist = d.old_comm[code]["district"]
        # the new name must not also be an old unit of the district going elsewhere
        for old in d.old_by_dist.get((dist, fold(nn)), set()):
            if d.targets.get(old) != {c}:
                return False
        # nor a unit of another province with this old district's name
        if fold(nn) == fold(cn):
            return False
        npt, npn = split_type(d.new_prov[p]["FullName"])
        text = f"{b.lvl(nt)}{nn}, {b.lvl(dt)}{dn}, {b.prov_text(npt, npn)}"
        return b.add(text, p, c, False, ["new_old_district"])

    loop("new_old_district", new_with_district, 30)

    # 26. full stops or line breaks as separators, a postcode at the end
    def dots() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        parts = [b.lvl(ct) + cn, b.lvl(dt) + dn, b.prov_text(pt, pn, bare_ok=False)]
        sep = rng.choice([". ", " . ", " ; ", " _ ", " -- "])
        tail = rng.choice(["", f" {rng.randint(10, 99)}0000", ".", " ."])
        return b.add(sep.join(parts) + tail, p, c, False, ["dots", "old3"])

    loop("dots", dots, 24)

    # 27. names glued without spaces ("X.TânLập,H.ĐanPhượng,TP.HàNội", "P2,Q5,TP.HồChíMinh")
    def glued() -> bool:
        code = b.pick()
        if code is None:
            return False
        ct, cn, dt, dn, pt, pn = b.parts(code)
        p, c = b.expected(code)
        short = {"Xã": "X.", "Phường": "P.", "Thị trấn": "TT.", "Huyện": "H.", "Quận": "Q.",
                 "Thị xã": "TX.", "Thành phố": "TP.", "Tỉnh": "T."}  # fmt: skip
        parts = [
            short.get(ct, "") + cn.replace(" ", ""),
            short.get(dt, "") + dn.replace(" ", ""),
            short.get(pt, "") + pn.replace(" ", ""),
        ]
        return b.add(",".join(parts), p, c, False, ["glued", "old3"])

    loop("glued", glued, 24)
    return b.rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(
            f"# as_of={AS_OF} seed={SEED} count={len(rows)}; made by "
            "make_resolver_corpus_independent_3.py; see PROVENANCE-independent-3.md\n"
        )
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
        w.writerow(["text", "province", "commune", "expect", "classes"])
        w.writerows(rows)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r[4].split(",")[0]] += 1
    print(len(rows), dict(counts))


if __name__ == "__main__":
    main()
