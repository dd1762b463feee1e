"""Write ``data/resolver_corpus_independent.tsv``: address texts the way people write them in
HR records, forms, bank/health/school records and clerks' Excel sheets, each with the answer
the official data gives.

Independent of the resolver and of the two other corpus generators on purpose: the shipped
files are read here with ``csv``/``json`` only (not with :mod:`orgtree.refdata`), the folding
is this file's own, and the spellings are written from how real records look, not from the
other generators' noise. Legacy encodings: TCVN3 through glibc's ``iconv`` (TCVN5712-1, whose
lower half is the TCVN3 "ABC" font table), VNI from the VNI-Windows layout written out below.

Expected answers (``as_of`` 2026-08-01):
* an old commune (4/1/2025 list) → every ``(new province, new commune)`` the conversion table
  gives for its code; one pair is the answer, several (a split commune) must go to review
  (with the province when they share one);
* a new commune (2026 set) → itself, left out when the same words also name an old commune
  of the same-named province that the table sends elsewhere (the text is ambiguous by nature);
* a province, an old district → the province only (no commune);
* a name shared by several units with no province that tells them apart → review.

Run: ``.venv/bin/python tests/orgtree/make_resolver_corpus_independent.py`` (needs ``iconv``).
"""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "orgtree" / "data" / "adminunits"
OUT = Path(__file__).parent / "data" / "resolver_corpus_independent.tsv"
AS_OF = "2026-08-01"
SEED = 2025


# -- reading the shipped files ---------------------------------------------------------------------
def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def exact(text: str) -> str:
    """The name as written, only case and tone placement ("hoà"/"hòa") made uniform."""
    text = unicodedata.normalize("NFC", " ".join(text.split())).lower()
    for new_style, old_style in _NEW_TO_OLD:
        text = text.replace(new_style, old_style)
    return text


_NEW_TO_OLD = [("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa")]
_NEW_TO_OLD += [("uý", "úy"), ("uỳ", "ùy"), ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy")]
_NEW_TO_OLD += [("oé", "óe"), ("oè", "òe"), ("oẻ", "ỏe"), ("oẹ", "ọe")]


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Unit:
    code: str
    kind: str  # "Xã", "Phường", "Thị trấn", "Huyện", "Quận", "Thị xã", "Thành phố", "Tỉnh"
    name: str  # without the kind
    province: str = ""
    district: str = ""
    english: str = ""

    @property
    def full(self) -> str:
        return f"{self.kind} {self.name}"


KINDS = ("Thị trấn", "Thị xã", "Thành phố", "Phường", "Xã", "Huyện", "Quận", "Tỉnh", "Đặc khu")


def split_kind(full: str) -> tuple[str, str]:
    full = clean(full)
    for kind in KINDS:
        if fold(full).startswith(fold(kind) + " "):
            return kind, full[len(kind) + 1 :].strip()
    raise ValueError(f"no unit kind in {full!r}")


@dataclass
class Data:
    old_provinces: dict[str, Unit] = field(default_factory=dict)
    old_districts: dict[str, Unit] = field(default_factory=dict)
    old_communes: dict[str, Unit] = field(default_factory=dict)
    new_provinces: dict[str, Unit] = field(default_factory=dict)
    new_communes: dict[str, Unit] = field(default_factory=dict)
    targets: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    bad_codes: set[str] = field(default_factory=set)  # rows the table gives inconsistently
    province_of_old: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


CELL = re.compile(r"^(.*?)\s*\((\d+)\)\s*$")


def load() -> Data:
    d = Data()
    with (DATA / "legacy-wards-2025-01-04.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row["Phường Xã"].strip():
                continue  # an island district without communes
            pk, pn = split_kind(row["Tỉnh Thành Phố"])
            dk, dn = split_kind(row["Quận Huyện"])
            ck, cn = split_kind(row["Phường Xã"])
            pc, dc, cc = row["Mã TP"], row["Mã QH"], row["Mã PX"]
            d.old_provinces.setdefault(pc, Unit(pc, pk, pn))
            d.old_districts.setdefault(dc, Unit(dc, dk, dn, province=pc))
            d.old_communes[cc] = Unit(cc, ck, cn, province=pc, district=dc)
    raw = json.loads((DATA / "units-current-2026-07-25.json").read_text(encoding="utf-8"))
    for p in raw:
        pk, pn = split_kind(p["FullName"])
        d.new_provinces[p["Code"]] = Unit(p["Code"], pk, pn, english=p["FullNameEn"])
        for w in p["Wards"]:
            wk, wn = split_kind(w["FullName"])
            d.new_communes[w["Code"]] = Unit(
                w["Code"], wk, wn, province=p["Code"], english=w["FullNameEn"]
            )
    with (DATA / "conversion-2025-07-01.csv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) < 8:
                continue
            prov = CELL.match(clean(row[0]))
            if prov is None or not row[4].strip():
                continue
            new_code, old_code = row[2].strip(), row[4].strip()
            old = d.old_communes.get(old_code)
            new = d.new_communes.get(new_code)
            if old is None or new is None or new.province != prov.group(2):
                d.bad_codes.add(old_code)
                continue
            if fold(clean(row[3])) != fold(old.full):
                d.bad_codes.add(old_code)  # the row names another commune: leave it out
                continue
            d.targets[old_code].add((new.province, new_code))
    for code, pairs in d.targets.items():
        d.province_of_old[d.old_communes[code].province] |= {p for p, _ in pairs}
    return d


# -- spellings -------------------------------------------------------------------------------------
def tcvn3_table() -> dict[str, str]:
    """Unicode letter → its TCVN3 byte read as Windows-1252 (what a clerk's Excel shows)."""
    letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    caps = "ĂÂÊÔƠƯĐ"
    chars = [ch for ch in letters + caps if not ch.isascii()]
    out = subprocess.run(
        ["iconv", "-f", "utf-8", "-t", "TCVN5712-1"],
        input="\n".join(chars).encode(),
        capture_output=True,
        check=True,
    ).stdout.split(b"\n")
    return {ch: raw.decode("cp1252") for ch, raw in zip(chars, out, strict=True)}


_TCVN3: dict[str, str] = {}


def to_tcvn3(text: str) -> str:
    if not _TCVN3:
        _TCVN3.update(tcvn3_table())
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ch)
        elif ch in _TCVN3:
            out.append(_TCVN3[ch])
        else:  # TCVN3 has no capitals with a tone: the font's lower-case letter is typed
            out.append(_TCVN3[ch.lower()])
    return "".join(out)


# VNI-Windows: a base letter followed by a mark byte (read as Windows-1252)
_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT_TONE = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONE = {
    "": "ê",
    "\u0301": "é",
    "\u0300": "è",
    "\u0309": "ú",
    "\u0303": "ü",
    "\u0323": "ë",
}
_VNI_I = {"": "i", "\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_vni(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        if not marks:
            out.append(ch)
            continue
        upper = base.isupper()
        base = base.lower()
        hat, breve, horn = "\u0302" in marks, "\u0306" in marks, "\u031b" in marks
        tone = next((m for m in marks if m in _VNI_TONE), "")
        if base == "i":
            piece = _VNI_I[tone]
        elif base == "y" and tone == "\u0323":
            piece = "î"
        elif hat:
            piece = base + _VNI_HAT_TONE[tone]
        elif breve:
            piece = base + _VNI_BREVE_TONE[tone]
        elif horn:
            piece = {"o": "ô", "u": "ö"}[base] + _VNI_TONE.get(tone, "")
        else:
            piece = base + _VNI_TONE.get(tone, "")
        out.append(piece.upper() if upper else piece)
    return "".join(out)


def no_marks(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Mn"))


# old-style tone placement ("hoà", "thuý", "khoẻ") and the other way round
_TONE_STYLE = [("òa", "oà"), ("óa", "oá"), ("ỏa", "oả"), ("õa", "oã"), ("ọa", "oạ")]
_TONE_STYLE += [("úy", "uý"), ("ùy", "uỳ"), ("ủy", "uỷ"), ("ũy", "uỹ"), ("ụy", "uỵ")]
_TONE_STYLE += [("óe", "oé"), ("òe", "oè"), ("ỏe", "oẻ"), ("ọe", "oẹ")]


def swap_tone_style(text: str) -> str:
    out = text
    for a, b in _TONE_STYLE:
        if a in text:
            out = out.replace(a, b)
        elif b in text:
            out = out.replace(b, a)
    return out


def has_tone_style(text: str) -> bool:
    return swap_tone_style(text) != text


_TONES = ["\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]


def typo(name: str, rng: random.Random) -> str:
    """One slip a typist makes: a letter dropped, doubled, swapped, a wrong or lost tone."""
    words = name.split()
    idx = max(range(len(words)), key=lambda i: (len(words[i]), rng.random()))
    w = words[idx]
    kind = rng.choice(["drop", "double", "swap", "tone", "notone"])
    if len(w) < 4 and kind in ("drop", "swap"):
        kind = "double"
    if kind == "drop":
        i = rng.randrange(1, len(w))
        w = w[:i] + w[i + 1 :]
    elif kind == "double":
        i = rng.randrange(1, len(w))
        w = w[:i] + w[i] + w[i:]
    elif kind == "swap":
        i = rng.randrange(1, len(w) - 1)
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    else:
        nfd = unicodedata.normalize("NFD", w)
        stripped = "".join(c for c in nfd if c not in _TONES)
        if kind == "tone":
            vowels = [i for i, c in enumerate(stripped) if c.lower() in "aeiouy"]
            if vowels:
                i = vowels[len(vowels) // 2]
                present = [c for c in nfd if c in _TONES]
                other = [t for t in _TONES if t not in present]
                stripped = stripped[: i + 1] + rng.choice(other) + stripped[i + 1 :]
        w = unicodedata.normalize("NFC", stripped)
    words[idx] = w
    return " ".join(words)


# -- how the parts are written ---------------------------------------------------------------------
ABBR = {
    "Xã": ["Xã", "xã", "X.", "X "],
    "Phường": ["Phường", "phường", "P.", "P. ", "P "],
    "Thị trấn": ["Thị trấn", "thị trấn", "TT", "TT.", "T.T", "Tt"],
    "Huyện": ["Huyện", "huyện", "H.", "H. ", "H "],
    "Quận": ["Quận", "quận", "Q.", "Q. ", "Q"],
    "Thị xã": ["Thị xã", "thị xã", "TX", "TX.", "Tx", "T.X"],
    "Thành phố": ["Thành phố", "thành phố", "TP", "TP.", "Tp", "Tp.", "T.P"],
    "Tỉnh": ["Tỉnh", "tỉnh", "T.", ""],
    "Đặc khu": ["Đặc khu", "đặc khu"],
}


def written(unit: Unit, rng: random.Random, style: str) -> str:
    """One part as people write it. ``style``: full, lower, abbr, bare."""
    if style == "bare" and not unit.name.isdigit():
        return unit.name
    if style == "abbr":
        prefix = rng.choice(ABBR[unit.kind][2:])
        glue = "" if prefix.endswith((".", " ")) or unit.name.isdigit() else " "
        return (prefix + glue + unit.name).replace("  ", " ")
    if style == "lower":
        return f"{unit.kind.lower()} {unit.name}"
    return unit.full


HCM = ["TP.HCM", "TP. HCM", "Tp.HCM", "TPHCM", "TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "HCM"]
HCM_STREETS = ["Lê Văn Sỹ", "CMT8", "Nguyễn Đình Chiểu", "Hậu Giang"]
HANOI = ["Hà Nội", "TP. Hà Nội", "HN", "Thành phố Hà Nội", "Tp Hà Nội"]
LABELS = [
    "Nơi sinh: ",
    "Địa chỉ thường trú: ",
    "Quê quán: ",
    "ĐC: ",
    "HKTT: ",
    "Chỗ ở hiện nay: ",
    "Nguyên quán: ",
    "Địa chỉ: ",
    "Thường trú tại ",
]
TAILS = [", Việt Nam", " - Việt Nam", ", VN", ", Viet Nam", " (Việt Nam)"]
HAMLETS = [
    "Thôn Đông",
    "Thôn 3",
    "Xóm 5",
    "Ấp 2",
    "Ấp Bình Hòa",
    "Khu phố 4",
    "Tổ 12",
    "Tổ dân phố số 7",
    "Bản Nà Lừa",
    "Khối 6",
    "Thôn Trung, xóm Giữa",
    "Buôn Ea Tul",
    "Làng Mới",
]
STREETS = [
    "Số 12",
    "Số nhà 45",
    "45/12",
    "123/4B",
    "Số 7 ngõ 112",
    "Ngõ 3 ngách 15",
    "Km 5 QL1A",
    "Km12+300 Quốc lộ 6",
    "12 Nguyễn Trãi",
    "Số 88 đường Lê Lợi",
    "268 Lý Thường Kiệt",
    "Lô B2 KĐT mới",
    "Căn hộ 1205, tòa A",
    "Kiốt 3 chợ",
]


def province_text(p: Unit, rng: random.Random, style: str) -> str:
    if p.code == "79" and rng.random() < 0.6:
        return rng.choice(HCM)
    if p.code == "01" and rng.random() < 0.5:
        return rng.choice(HANOI)
    return written(p, rng, style)


@dataclass
class Item:
    text: str
    province: str  # expected code or ""
    commune: str  # expected code or ""
    expect: str  # "answer" or "review"
    classes: list[str]


def old_expectation(d: Data, code: str) -> tuple[str, str, str]:
    pairs = d.targets[code]
    if len(pairs) == 1:
        (p, c) = next(iter(pairs))
        return p, c, "answer"
    provinces = {p for p, _ in pairs}
    return (next(iter(provinces)) if len(provinces) == 1 else ""), "", "review"


class Builder:
    def __init__(self, d: Data, rng: random.Random) -> None:
        self.d, self.rng = d, rng
        self.items: list[Item] = []
        self.seen: set[str] = set()
        by_district: dict[str, list[Unit]] = defaultdict(list)
        for u in d.old_communes.values():
            by_district[u.district].append(u)
        self.by_district = by_district
        # (old district, folded name without kind) → communes: a bare name must be unique
        self.bare: dict[tuple[str, str], int] = defaultdict(int)
        for u in d.old_communes.values():
            self.bare[(u.district, fold(u.name))] += 1
        self.old_by_name: dict[str, list[Unit]] = defaultdict(list)  # exact full → communes
        for u in d.old_communes.values():
            self.old_by_name[exact(u.full)].append(u)
        # folded names: without diacritics, two units of one district or province can meet
        self.folded_in: dict[tuple[str, str], set[str]] = defaultdict(set)
        for u in d.old_communes.values():
            self.folded_in[(u.district, fold(u.name))].add(u.code)
        for u in d.old_districts.values():
            self.folded_in[(u.province, fold(u.name))].add(u.code)
        for u in d.new_communes.values():
            self.folded_in[("new" + u.province, fold(u.name))].add(u.code)
        self.former = self._former_keys()
        self.usable = sorted(
            c
            for c, u in d.old_communes.items()
            if c in d.targets
            and c not in d.bad_codes
            and (u.district, fold(u.name).replace(" ", "")) not in self.former
        )

    def _former_keys(self) -> set[tuple[str, str]]:
        keys = set()
        with (DATA / "former-communes-2019-2024.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                keys.add((row["district_code"], row["former_key"]))
        return keys

    def add(self, text: str, province: str, commune: str, expect: str, *classes: str) -> None:
        text = text.replace("\t", " ").strip()
        if text in self.seen or not text:
            return
        self.seen.add(text)
        self.items.append(Item(text, province, commune, expect, list(classes)))

    # -- old three-level addresses -------------------------------------------------------------
    def old_address(self, code: str, *classes: str, style: str = "", extra: str = "") -> None:
        rng, d = self.rng, self.d
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[c.province]
        p, cc, expect = old_expectation(d, code)
        style = style or rng.choice(["full", "full", "lower", "abbr", "abbr", "bare"])
        if style == "bare" and (self.bare[(c.district, fold(c.name))] > 1 or c.name.isdigit()):
            style = "abbr"
        if extra in ("nodiac", "typo") or style == "bare":
            if len(self.folded_in[(c.district, fold(c.name))]) > 1:
                return  # without marks (or kinds) two communes of the district meet
            if len(self.folded_in[(c.province, fold(dist.name))]) > 1:
                return
        parts = [written(c, rng, style), written(dist, rng, style)]
        parts.append(province_text(prov, rng, style))
        sep = rng.choice([", ", ", ", ", ", " - ", ",", "; ", " , "])
        text = sep.join(parts)
        tags = [*classes]
        if extra == "street":
            text = rng.choice([*HAMLETS, *STREETS]) + ", " + text
            if rng.random() < 0.4:
                text = rng.choice(STREETS) + ", " + rng.choice(HAMLETS) + ", " + text
        elif extra == "label":
            text = rng.choice(LABELS) + text + (rng.choice(TAILS) if rng.random() < 0.5 else "")
        elif extra == "reversed":
            text = sep.join(reversed(parts))
        elif extra == "caps":
            text = text.upper()
        elif extra == "nodiac":
            text = no_marks(text)
            if rng.random() < 0.3:
                text = text.lower()
        elif extra == "tone":
            text = swap_tone_style(text)
        elif extra == "glued":
            text = ",".join(
                written(u, rng, "abbr").replace(" ", "", 1) if rng.random() < 0.5 else u.full
                for u in (c, dist, prov)
            )
            text = text.replace(",", rng.choice([",", ",,", " ,", ", ,"]), 1)
            text += rng.choice([".", "", " .", ";"])
        elif extra == "tcvn3":
            text = to_tcvn3(text)
        elif extra == "vni":
            text = to_vni(text)
        elif extra == "typo":
            target = rng.choice([c, dist]) if not c.name.isdigit() else dist
            wrong = typo(target.name, rng)
            if fold(wrong) == fold(target.name) or self._names_other(wrong, c, target):
                return
            text = text.replace(target.name, wrong, 1)
            if target.name not in ", ".join(parts):  # the part was written in another form
                return
        self.add(text, p, cc, expect, *tags)

    def _names_other(self, wrong: str, c: Unit, target: Unit) -> bool:
        """Whether a misspelt name is another unit's exact name in the same province."""
        key = fold(wrong)
        for u in self.d.old_communes.values():
            if u.province == c.province and fold(u.name) == key:
                return True
        return any(
            u.province == c.province and fold(u.name) == key for u in self.d.old_districts.values()
        )

    # -- new two-level addresses --------------------------------------------------------------
    def new_ambiguous(self, u: Unit, ignore_kind: bool) -> bool:
        """Whether the words could also be an old address of a same-named old province that
        the conversion table sends elsewhere (or splits)."""
        prov = self.d.new_provinces[u.province]
        for old in self.d.old_communes.values():
            if fold(self.d.old_provinces[old.province].name) != fold(prov.name):
                continue
            same = fold(old.name) == fold(u.name) and (ignore_kind or old.kind == u.kind)
            if same and self.d.targets.get(old.code) != {(u.province, u.code)}:
                return True
        return False

    def new_address(self, code: str, *classes: str, style: str = "", extra: str = "") -> None:
        rng, d = self.rng, self.d
        u = d.new_communes[code]
        prov = d.new_provinces[u.province]
        style = style or rng.choice(["full", "full", "lower", "abbr", "bare"])
        if style == "bare" and u.name.isdigit():
            style = "abbr"
        if self.new_ambiguous(u, style == "bare" or extra == "english"):
            return
        loose = style == "bare" or extra in ("english", "nodiac")
        if loose and len(self.folded_in[("new" + u.province, fold(u.name))]) > 1:
            return  # "Tan Thanh" is Tân Thành and Tân Thạnh: review is right
        if extra == "english":
            if u.kind == "Đặc khu":
                return  # the data's English names of the special zones ("Spratly") are rare
            prov_en = prov.english
            if u.province == "79":
                prov_en = rng.choice(["Ho Chi Minh City", "HCMC", "HCM City"])
            elif u.province == "01":
                prov_en = rng.choice(["Hanoi", "Ha Noi City", "Hanoi City"])
            text = f"{u.english}, {prov_en}"
            if rng.random() < 0.4:
                text += rng.choice([", Vietnam", ", Viet Nam"])
        else:
            text = written(u, rng, style) + rng.choice([", ", ", ", " - ", ","])
            text += province_text(prov, rng, style)
        if extra == "street":
            text = rng.choice([*STREETS, *HAMLETS]) + ", " + text
        elif extra == "label":
            text = rng.choice(LABELS) + text + (rng.choice(TAILS) if rng.random() < 0.5 else "")
        elif extra == "nodiac":
            text = no_marks(text)
        elif extra == "tone":
            text = swap_tone_style(text)
        elif extra == "reversed":
            a, b = text.split(", ", 1) if ", " in text else (text, "")
            if not b:
                return
            text = f"{b} - {a}"
        self.add(text, u.province, u.code, "answer", *classes)


def build() -> list[Item]:
    rng = random.Random(SEED)
    d = load()
    b = Builder(d, rng)
    usable_by_province: dict[str, list[str]] = defaultdict(list)
    for code in b.usable:
        usable_by_province[d.old_communes[code].province].append(code)
    answer_codes = {
        p: [c for c in cs if len(d.targets[c]) == 1] for p, cs in usable_by_province.items()
    }
    split_codes = [c for c in b.usable if len(d.targets[c]) > 1]

    # 1. every old province: plain, with street noise, with a label, and one more spelling
    extras = ["", "street", "label", "nodiac", "caps", "reversed", "typo", "glued", "tone"]
    for pc in sorted(d.old_provinces):
        codes = answer_codes[pc]
        picks = rng.sample(codes, 7)
        b.old_address(picks[0], "old3")
        b.old_address(picks[1], "old3", "street", extra="street")
        b.old_address(picks[2], "old3", "label", extra="label")
        extra = rng.choice(extras[3:])
        b.old_address(picks[3], "old3", extra, extra=extra)
        b.old_address(picks[4], "old3", "abbrev", style="abbr")
        b.old_address(picks[5], "old3", "bare", style="bare")
        tone_codes = [c for c in codes if has_tone_style(d.old_communes[c].name)]
        if tone_codes and rng.random() < 0.5:
            b.old_address(rng.choice(tone_codes), "old3", "tone", extra="tone")
    # 2. legacy encodings of short texts: TCVN3 and VNI
    for i, pc in enumerate(rng.sample(sorted(d.old_provinces), 30)):
        b.old_address(
            rng.choice(answer_codes[pc]),
            "old3",
            "legacy",
            style="full",
            extra="tcvn3" if i % 2 else "vni",
        )
    for pc in rng.sample(sorted(d.old_provinces), 16):
        p = d.old_provinces[pc]
        (new_p,) = d.province_of_old[pc]
        b.add(
            to_tcvn3(p.full) if rng.random() < 0.5 else to_vni(p.full),
            new_p,
            "",
            "answer",
            "province_only",
            "legacy",
        )
    # 3. more typos, no diacritics, ALL CAPS, reversed
    for extra, n in [("typo", 40), ("nodiac", 20), ("caps", 12), ("reversed", 16), ("glued", 16)]:
        for pc in rng.sample(sorted(d.old_provinces), n):
            b.old_address(rng.choice(answer_codes[pc]), "old3", extra, extra=extra)
    # 4. new two-level addresses: every new province
    for pc in sorted(d.new_provinces):
        codes = sorted(c for c, u in d.new_communes.items() if u.province == pc)
        for extra in ["", "", "street", "label", rng.choice(["nodiac", "reversed", "english"])]:
            b.new_address(rng.choice(codes), "new2", *([extra] if extra else []), extra=extra)
        b.new_address(rng.choice(codes), "new2", "abbrev", style="abbr")
    # 5. Ho Chi Minh City and Hà Nội numbered wards and districts, English forms
    hcm = [c for c in answer_codes["79"] if d.old_communes[c].name.isdigit()]
    for code in rng.sample(hcm, 24):
        c = d.old_communes[code]
        dist = d.old_districts[c.district]
        p, cc, expect = old_expectation(d, code)
        n, q = c.name, dist.name
        forms = [
            f"P.{n}, Q.{q}, TP.HCM",
            f"Phường {n}, Quận {q}, TP. Hồ Chí Minh",
            f"F{n} Q{q} TPHCM" if q.isdigit() else f"F{n}, Q.{q}, HCM",
            f"Ward {n}, District {q}, Ho Chi Minh City"
            if q.isdigit()
            else f"Ward {n}, {no_marks(q)} District, Ho Chi Minh City",
            f"p{n} q{q} tp hcm" if q.isdigit() else f"P{n} {no_marks(q)} HCM",
            f"{rng.randint(1, 400)}/{rng.randint(1, 30)} {rng.choice(HCM_STREETS)}"
            f", P.{n}, Q.{q}, TP HCM",
        ]
        form = rng.choice(forms)
        kind = "english" if form.startswith("Ward") else "numbered"
        b.add(form, p, cc, expect, "old3", kind)
    # former wards of Quận 2 and Quận 9 (Thành phố Thủ Đức since 2021)
    thu_duc_from = {
        "2": [
            "An Phú",
            "Thảo Điền",
            "Bình Trưng Đông",
            "Bình Trưng Tây",
            "Cát Lái",
            "Thạnh Mỹ Lợi",
            "An Khánh",
        ],
        "9": [
            "Long Bình",
            "Long Thạnh Mỹ",
            "Hiệp Phú",
            "Tăng Nhơn Phú A",
            "Phước Long B",
            "Long Trường",
            "Phú Hữu",
            "Trường Thạnh",
        ],
    }
    for q, names in thu_duc_from.items():
        for name in names:
            found = [
                c
                for c in answer_codes["79"]
                if d.old_communes[c].district == "769" and d.old_communes[c].name == name
            ]
            if found:
                p, cc, expect = old_expectation(d, found[0])
                form = rng.choice(
                    [
                        f"P. {name}, Quận {q}, TP.HCM",
                        f"Phường {name}, Q.{q}, TP Hồ Chí Minh",
                        f"{no_marks(name)} Ward, District {q}, HCMC",
                    ]
                )
                b.add(form, p, cc, expect, "old3", "thu_duc")
    # English forms of old addresses elsewhere
    for pc in rng.sample(sorted(d.old_provinces), 20):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[c.province]
        en = {
            "Xã": "Commune",
            "Phường": "Ward",
            "Thị trấn": "Town",
            "Huyện": "District",
            "Quận": "District",
            "Thị xã": "Town",
            "Thành phố": "City",
            "Tỉnh": "Province",
        }
        p, cc, expect = old_expectation(d, code)
        if len(b.folded_in[(c.district, fold(c.name))]) > 1 or c.kind == "Đặc khu":
            continue
        text = f"{no_marks(c.name)} {en[c.kind]}, {no_marks(dist.name)} {en[dist.kind]}, "
        text += f"{no_marks(prov.name)} {en[prov.kind]}"
        b.add(text, p, cc, expect, "old3", "english")
    # 6. texts naming only a province (old, new, with labels, spelled loosely)
    for pc in sorted(d.old_provinces):
        p = d.old_provinces[pc]
        (new_p,) = d.province_of_old[pc]
        form = rng.choice(
            [
                p.name,
                p.full,
                written(p, rng, "abbr"),
                no_marks(p.name),
                p.name.upper(),
                rng.choice(LABELS) + p.name,
                p.name + rng.choice(TAILS),
                swap_tone_style(p.full),
            ]
        )
        b.add(form, new_p, "", "answer", "province_only")
    for form, code in [
        ("TP.HCM", "79"),
        ("Sài Gòn", "79"),
        ("Hà Nội", "01"),
        ("HN", "01"),
        ("Tp. Hồ Chí Minh", "79"),
        ("Thừa Thiên Huế", "46"),
        ("TT Huế", "46"),
        ("Hà Tây", "01"),
        ("Ho Chi Minh City", "79"),
        ("Hanoi, Vietnam", "01"),
        ("Quê: Nghệ An", "40"),
        ("Bà Rịa - Vũng Tàu", "79"),
        ("BR-VT", "79"),
        ("Đắc Lắc", "66"),
        ("Daklak", "66"),
        ("Bắc Cạn", "19"),
        ("Kontum", "51"),
    ]:
        b.add(form, code, "", "answer", "province_only")
    # 7. an old district with its province: the province, no commune
    for pc in rng.sample(sorted(d.old_provinces), 30):
        dists = sorted(u.code for u in d.old_districts.values() if u.province == pc)
        dist = d.old_districts[rng.choice(dists)]
        (new_p,) = d.province_of_old[pc]
        form = f"{written(dist, rng, rng.choice(['full', 'abbr', 'lower']))}, "
        form += province_text(d.old_provinces[pc], rng, "full")
        b.add(form, new_p, "", "answer", "district_only")
    # 8. split communes: review, never one guess
    for code in rng.sample(split_codes, 40):
        b.old_address(code, "split", extra=rng.choice(["", "", "street", "label", "nodiac"]))
    # 9. names shared by several provinces: review without the province, answered with it
    shared = [
        (key, units)
        for key, units in b.old_by_name.items()
        if len({u.province for u in units}) >= 3
        and all(u.code in b.usable for u in units)
        and len({p for u in units for p, _ in d.targets[u.code]}) >= 2
    ]
    shared.sort()
    for _key, units in rng.sample(shared, 30):
        u = units[0]
        form = rng.choice([u.full, u.full + ", Việt Nam", "Nơi sinh: " + u.full, no_marks(u.full)])
        b.add(form, "", "", "review", "shared")
        code = rng.choice([x.code for x in units if len(d.targets[x.code]) == 1] or [u.code])
        b.old_address(code, "shared", "with_province", style=rng.choice(["full", "abbr"]))
    district_names: dict[str, list[Unit]] = defaultdict(list)
    for u in d.old_districts.values():
        district_names[exact(u.full)].append(u)
    for key in sorted(k for k, us in district_names.items() if len({u.province for u in us}) >= 3)[
        :12
    ]:
        u = district_names[key][0]
        b.add(
            rng.choice([u.full, no_marks(u.full), written(u, rng, "abbr")]),
            "",
            "",
            "review",
            "shared",
            "district_only",
        )
    # commune and district given, no province: answered only when they name one commune
    for code in rng.sample(b.usable, 30):
        c = d.old_communes[code]
        dist = d.old_districts[c.district]
        same = [
            u
            for u in b.old_by_name[exact(c.full)]
            if exact(d.old_districts[u.district].full) == exact(dist.full)
        ]
        if len(same) == 1:
            p, cc, expect = old_expectation(d, code)
        else:
            targets = {t for u in same for t in d.targets[u.code]}
            provinces = {t[0] for t in targets}
            p, cc, expect = (next(iter(provinces)) if len(provinces) == 1 else ""), "", "review"
        b.add(f"{c.full}, {dist.full}", p, cc, expect, "no_province")
    more_forms(b, answer_codes)
    return b.items


# street names that are also names of wards, communes or districts somewhere
PLACE_STREETS = [
    "Hai Bà Trưng", "Quang Trung", "Trần Hưng Đạo", "Hùng Vương", "Lê Lợi", "Nguyễn Trãi",
    "Lê Hồng Phong", "Bạch Đằng", "Hoàng Văn Thụ", "Lý Thường Kiệt", "Phan Đình Phùng",
    "Trần Phú", "Ngô Quyền", "Điện Biên Phủ", "Nguyễn Huệ", "Hòa Bình", "Thống Nhất",
    "Độc Lập", "Tân Lập", "Hàm Nghi", "Kim Mã", "Thái Hà", "Phú Lợi", "Yên Phụ",
]  # fmt: skip
_Y_TO_I = {"ỹ": "ĩ", "ý": "í", "ỳ": "ì", "ỷ": "ỉ", "ỵ": "ị"}


def y_as_i(name: str) -> str:
    """ "Mỹ" → "Mĩ", "Kỳ" → "Kì", "Lý" → "Lí": a toned "y" after a consonant (not "uy", "ay")
    written "i", the older spelling many people keep."""
    words = []
    for w in name.split():
        if len(w) >= 2 and w[-1] in _Y_TO_I and w[-2].lower() not in "aăâeêioôơuưy":
            w = w[:-1] + _Y_TO_I[w[-1]]
        words.append(w)
    return " ".join(words)


def initial_form(name: str) -> str:
    """ "Thanh Hóa" → "T.Hóa", "Quảng Ngãi" → "Q.Ngãi": a two-word province by its initial."""
    first, second = name.split()
    return f"{first[0]}.{second}"


def more_forms(b: Builder, answer_codes: dict[str, list[str]]) -> None:
    """The second round: forms of clerks' sheets the first round left out."""
    rng, d = b.rng, b.d
    provinces = sorted(d.old_provinces)
    # provinces by their initial ("T.Hóa", "N.An", "Q.Ngãi"), when that names one province
    initials: dict[str, list[str]] = defaultdict(list)
    for pc, p in d.old_provinces.items():
        if len(p.name.split()) == 2:
            initials[fold(initial_form(p.name))].append(pc)
    by_initial = sorted(v[0] for v in initials.values() if len(v) == 1)
    for pc in rng.sample(by_initial, 24):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[pc]
        p, cc, expect = old_expectation(d, code)
        style = rng.choice(["full", "abbr", "lower"])
        text = f"{written(c, rng, style)}, {written(dist, rng, style)}, {initial_form(prov.name)}"
        b.add(text, p, cc, expect, "old3", "prov_initial")
    for pc in rng.sample(by_initial, 10):
        (new_p,) = d.province_of_old[pc]
        b.add(initial_form(d.old_provinces[pc].name), new_p, "", "answer", "province_only",
              "prov_initial")  # fmt: skip
    # a house number on a street named like a place, before the commune
    for pc in rng.sample(provinces, 30):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[pc]
        p, cc, expect = old_expectation(d, code)
        street = rng.choice(PLACE_STREETS)
        n, m = rng.randint(1, 300), rng.randint(1, 20)
        house = rng.choice([f"{n} ", f"Số {n} ", f"Số nhà {m} đường ", f"{n}/{m} "])
        style = rng.choice(["full", "abbr", "lower"])
        text = f"{house}{street}, {written(c, rng, style)}, {written(dist, rng, style)}, "
        text += province_text(prov, rng, style)
        b.add(text, p, cc, expect, "old3", "street_place")
    # a hamlet written without "Thôn"/"Ấp", named like a commune elsewhere
    all_names = sorted({u.name for u in d.old_communes.values() if not u.name.isdigit()})
    for pc in rng.sample(provinces, 30):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[pc]
        in_province = {fold(u.name) for u in d.old_communes.values() if u.province == pc}
        in_province |= {fold(u.name) for u in d.old_districts.values() if u.province == pc}
        in_province |= {fold(u.name) for u in d.new_communes.values()}
        hamlet = rng.choice([n for n in all_names[:4000] if fold(n) not in in_province][:400])
        p, cc, expect = old_expectation(d, code)
        style = rng.choice(["full", "abbr", "lower"])
        text = f"{hamlet}, {written(c, rng, style)}, {written(dist, rng, style)}, "
        text += province_text(prov, rng, style)
        b.add(text, p, cc, expect, "old3", "hamlet_bare")
    # "Mĩ", "Kì", "Lí": the older spelling of a toned final y
    y_codes = [c for c in b.usable if len(d.targets[c]) == 1 and y_as_i(d.old_communes[c].name)
               != d.old_communes[c].name]  # fmt: skip
    for code in rng.sample(y_codes, 16):
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[c.province]
        if len(b.folded_in[(c.district, fold(c.name))]) > 1:
            continue
        p, cc, expect = old_expectation(d, code)
        text = f"{c.kind} {y_as_i(c.name)}, {dist.kind} {y_as_i(dist.name)}, {prov.full}"
        b.add(text, p, cc, expect, "old3", "y_as_i")
    # no separators at all (an export that lost its commas), sometimes in capitals
    for pc in rng.sample(provinces, 24):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[pc]
        p, cc, expect = old_expectation(d, code)
        text = f"{c.full} {dist.full} {prov.full}"
        text = rng.choice([text, text.upper(), no_marks(text), no_marks(text).upper()])
        b.add(text, p, cc, expect, "old3", "no_separator")
    # numbered wards with a leading zero
    hcm = [c for c in answer_codes["79"] if d.old_communes[c].name.isdigit()]
    for code in rng.sample(hcm, 10):
        c = d.old_communes[code]
        q = d.old_districts[c.district].name
        p, cc, expect = old_expectation(d, code)
        q2 = q.zfill(2) if q.isdigit() else q
        form = rng.choice([f"Phường {c.name.zfill(2)}, Quận {q2}, TP.HCM",
                           f"P.{c.name.zfill(2)} - Q.{q2} - TP HCM"])  # fmt: skip
        b.add(form, p, cc, expect, "old3", "numbered", "zero")
    # Đắk / Đăk / Dak, KonTum, Daklak: the Central Highlands as people spell them
    dak = [c for c in b.usable if len(d.targets[c]) == 1 and "Đắk" in (
        d.old_communes[c].name + d.old_districts[d.old_communes[c].district].name)]  # fmt: skip
    for code in rng.sample(dak, 16):
        c = d.old_communes[code]
        dist, prov = d.old_districts[c.district], d.old_provinces[c.province]
        p, cc, expect = old_expectation(d, code)
        spelling = rng.choice(["Đăk", "Dak", "Đak", "Đắc"])
        text = f"{c.full}, {dist.full}, {prov.full}".replace("Đắk", spelling)
        text = text.replace("Kon Tum", rng.choice(["KonTum", "Kon Tum", "Kontum"]))
        text = text.replace("Đăk Lăk", "Đắk Lắk").replace(
            "Dak Lăk", rng.choice(["Daklak", "Dak Lak"])
        )
        b.add(text, p, cc, expect, "old3", "dak")
    # the old commune and district under the name of the new province they went to
    merged = [pc for pc in provinces if fold(d.new_provinces[next(iter(d.province_of_old[pc]))]
              .name) != fold(d.old_provinces[pc].name)]  # fmt: skip
    for pc in rng.sample(merged, 20):
        code = rng.choice(answer_codes[pc])
        c = d.old_communes[code]
        dist = d.old_districts[c.district]
        p, cc, expect = old_expectation(d, code)
        new_prov = d.new_provinces[p]
        if any(fold(u.name) == fold(dist.name) for u in d.old_districts.values()
               if d.old_provinces[u.province].name == new_prov.name):  # fmt: skip
            continue  # the new province's old part has a district of that name too
        text = f"{written(c, rng, 'full')}, {written(dist, rng, 'full')}, {new_prov.full}"
        b.add(text, p, cc, expect, "old3", "new_province")
    # English abbreviations: "Dist.", "No.", "HCMC"
    for code in rng.sample(hcm, 8):
        c = d.old_communes[code]
        q = d.old_districts[c.district].name
        if not q.isdigit():
            continue
        p, cc, expect = old_expectation(d, code)
        n = rng.randint(1, 200)
        form = rng.choice(
            [
                f"No. {n}, Ward {c.name}, Dist. {q}, HCMC",
                f"P.{c.name}, Dist.{q}, HCM City",
                f"Ward {c.name}, Dist {q}, Saigon",
            ]
        )
        b.add(form, p, cc, expect, "old3", "english")


def main() -> None:
    items = build()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            f"# as_of={AS_OF} seed={SEED} count={len(items)}; made by "
            "make_resolver_corpus_independent.py; see PROVENANCE-independent.md\n"
        )
        w = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(["text", "province", "commune", "expect", "classes"])
        for it in items:
            w.writerow([it.text, it.province, it.commune, it.expect, ",".join(it.classes)])
    counts: dict[str, int] = defaultdict(int)
    for it in items:
        for cls in it.classes:
            counts[cls] += 1
    print(f"{len(items)} items → {OUT}")
    for cls, n in sorted(counts.items()):
        print(f"  {cls:14s} {n}")


if __name__ == "__main__":
    main()
