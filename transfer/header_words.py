"""The words of header cells: how a header is written down to a key, and the word-level
rules that let a header the catalogue does not list name a known column.

* :func:`header_keys`: the key as written, and without annotations, line breaks, footnote marks
  and numbering ("Giới tính (1: Nam, 0: Nữ)", "Số CCCD\\n(12 số)", "3. Quê quán");
* :func:`expanded_key`: abbreviated words written out ("HS lương", "Ngày TD", "PC chức vụ");
* :func:`dotted_field`: words cut short by a dot ("H.tên", "Ng.sinh", "G.tính", "Đ.vị");
* :func:`reworded_keys`: a qualifier or a person noun dropped ("Hệ số lương hiện tại", "Tên
  nhân viên"), "Thời gian"/"Ngày tháng năm" read as "Ngày";
* :func:`fuzzy_header`: the known header a key is a typo of (rapidfuzz), a match that swaps
  one of the header's words for another refused ("Ngày vào Đoàn" is not "Ngày vào Đảng").

:mod:`.header_columns` reads one column's header with these; :mod:`.headers` reads the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from orgtree.text import fold

#: fuzzy matches below this rapidfuzz ratio are not taken
FUZZY_CUTOFF = 88.0
#: keys shorter than this are matched exactly only ("Mã CB" must not become "Mã ĐV")
FUZZY_MIN_LEN = 6

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ANNOTATION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_FOOTNOTE = re.compile(r"[*¹²³⁴⁵⁶⁷⁸⁹⁰†‡]+")
_NUMBERING = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[a-zđ][.)]|[IVX]{1,4}[.)])\s*", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"\s*\(?\d{1,2}\)?\s*$")

#: words after a field's name that say which value or whose, not another field: "Hệ số lương
#: hiện tại", "Ngày nâng lương gần nhất", "Tên nhân viên" (folded keys)
_QUALIFIERS = ("hientai", "hiennay", "hienhuong", "danghuong", "gannhat", "lancuoi", "moinhat")
_PERSON_NOUNS = ("canbo", "congchuc", "vienchuc", "nhanvien", "cbccvc", "cbcc", "nguoilaodong")
#: how a date header begins, read as "Ngày": "Thời gian vào Đảng", "Ngày tháng năm vào Đảng",
#: "Mốc hưởng lương"
_DATE_WORDS = ("ngaythangnam", "ngaythang", "thoigian", "thoidiem", "moc")
#: abbreviated words of header cells, each with one meaning in HR lists ("HS lương", "Ngày TD",
#: "PC chức vụ", "Trình độ CM", "Tên NV"); ambiguous ones ("ĐT": điện thoại, đào tạo or dân
#: tộc; "ĐV": đơn vị or đảng viên) are left out
_ABBREVIATIONS = {
    "hs": "heso",
    "td": "tuyendung",
    "pc": "phucap",
    "cm": "chuyenmon",
    "llct": "lyluanchinhtri",
    "qlnn": "quanlynhanuoc",
    "hd": "hopdong",
    "hdld": "hopdonglaodong",
    "qd": "quyetdinh",
    "cb": "canbo",
    "nv": "nhanvien",
}


def expanded_key(text: str) -> str | None:
    """The key of a header with its abbreviated words written out ("HS lương" → hesoluong),
    or ``None`` when it has none."""
    words = _words(text)
    if not any(w in _ABBREVIATIONS for w in words) or len(words) < 2:
        return None
    return "".join(_ABBREVIATIONS.get(w, w) for w in words)


_WORD_AND_DOT = re.compile(r"([^\W_]+)(\.?)")
_DIGIT_NUMBERING = re.compile(r"^\s*\(?\d{1,2}[.)]\s*")


@lru_cache(maxsize=20_000)
def dotted_field(spec_key: str, text: str) -> tuple[str, str] | None:
    """(the field, the known header) a header with words cut short by a dot names ("H.tên",
    "Ng.sinh", "G.tính", "Đ.vị", "Q.quán"): each cut word the start of the known header's
    word in its place, the other words equal, the same number of words. Only when every
    known header it fits names one field ("N.sinh" fits "Ngày sinh", "Năm sinh" and "Nơi
    sinh": none is taken)."""
    # numbering by digits only: "H." is a cut word here, not the list letter "a."
    s = _ANNOTATION.sub(" ", _DIGIT_NUMBERING.sub("", _FOOTNOTE.sub("", " ".join(text.split()))))
    tokens = [(fold(w), bool(dot)) for w, dot in _WORD_AND_DOT.findall(s)]
    tokens = [(w, dot) for w, dot in tokens if w]
    if len(tokens) < 2 or not any(dot for _, dot in tokens[:-1]):
        return None
    from .columns import SHEETS

    fields: dict[str, str] = {}
    for col in SHEETS[spec_key].columns:
        for known_text in (col.header, *col.synonyms):
            known = _words(known_text)
            if len(known) != len(tokens):
                continue
            if all(k.startswith(w) if dot else k == w
                   for (w, dot), k in zip(tokens, known, strict=True)):  # fmt: skip
                fields.setdefault(col.field, known_text)
    if len(fields) != 1:
        return None
    return next(iter(fields.items()))


def reworded_keys(key: str) -> list[str]:
    """Other keys the same header may be known by: without a qualifier or a person noun at
    its end ("Hệ số lương hiện tại", "Họ tên cán bộ", "Tên nhân viên": the name), and with
    "Thời gian", "Thời điểm" or "Ngày tháng năm" at its start read as "Ngày"."""
    out: list[str] = []
    base = key
    changed = True
    while changed:
        changed = False
        for word in (*_QUALIFIERS, *_PERSON_NOUNS):
            if base.endswith(word) and len(base) > len(word):
                base = base[: -len(word)]
                if word in _PERSON_NOUNS and base == "ten":
                    base = "hoten"  # "Tên cán bộ", "Tên nhân viên": the person's full name
                out.append(base)
                changed = True
                break
    for k in (key, *out):
        for word in _DATE_WORDS:
            if k.startswith(word) and len(k) > len(word) + 2:
                out.append("ngay" + k[len(word) :])
                break
    return out


#: the sub-column words of the composite fields (:class:`.headers.Composite`): sex as an "x"
#: under "Nam" | "Nữ", the name in parts, a date in three columns, an address in parts
MALE_KEYS = {"nam"}
FEMALE_KEYS = {"nu"}
FAMILY_NAME_KEYS = {"hovadem", "hodem", "ho", "hovatendem", "hotendem", "hochulot", "hovachulot",
                    "hochudem", "hovachudem"}  # fmt: skip
GIVEN_NAME_KEYS = {"ten"}
#: the middle name between "Họ" and "Tên" ("Họ" | "Đệm" | "Tên")
MIDDLE_NAME_KEYS = {"dem", "tendem", "chudem", "tenlot", "chulot", "lot"}
#: a date written in three columns under its group cell ("Ngày" | "Tháng" | "Năm"): the part
#: each column holds, in the order they are read
DATE_PART_KEYS = {"ngay": 0, "thang": 1, "nam": 2}
#: address parts, smallest first (the order they are joined in)
ADDRESS_PART_KEYS = {
    "thon": 0,
    "thonxom": 0,
    "xom": 0,
    "thonto": 0,
    "xa": 1,
    "xaphuong": 1,
    "phuongxa": 1,
    "xaphuongthitran": 1,
    "phuong": 1,
    "huyen": 2,
    "quanhuyen": 2,
    "huyenquan": 2,
    "huyenthixa": 2,
    "tinh": 3,
    "tinhthanhpho": 3,
    "tinhthanh": 3,
    "thanhpho": 3,
    "tinhtp": 3,
}


# -- header text -------------------------------------------------------------------------------
def unicode_header(s: str, prefer: str | None = None) -> str:
    from .legacy_text import read_unicode

    try:
        return read_unicode(s, prefer=prefer)
    except ValueError:
        return s


def folded_key(text: str) -> str:
    return _NON_ALNUM.sub("", fold(text))


@lru_cache(maxsize=20_000)
def header_keys(text: str) -> tuple[str, str]:
    """(the key as written, the key without annotations/footnotes/numbering) of Unicode text."""
    full = folded_key(text)
    s = " ".join(text.split())  # line breaks
    s = _FOOTNOTE.sub("", s)
    s = _NUMBERING.sub("", s)
    s = _ANNOTATION.sub(" ", s)
    s = _TRAILING_NUMBER.sub("", s)
    stripped = folded_key(s)
    return full, stripped or full


# -- the catalogue's keys ----------------------------------------------------------------------
@lru_cache(maxsize=64)
def header_catalogue(spec_key: str) -> tuple[dict[str, str], tuple[str, ...]]:
    from .columns import SHEETS

    spec = SHEETS[spec_key]
    out: dict[str, str] = {}
    for col in spec.columns:
        for text in (col.header, *col.synonyms):
            full = header_keys(text)[0]
            out.setdefault(full, col.field)
    for col in spec.columns:
        for text in (col.header, *col.synonyms):
            out.setdefault(header_keys(text)[1], col.field)
    return out, tuple(k for k in out if len(k) >= FUZZY_MIN_LEN)


def fuzzy_header(spec_key: str, key: str, text: str = "") -> tuple[str, str, float] | None:
    """The known header ``key`` is closest to, when the difference is a typo. With ``text``
    (the header as written) a match that puts another word in place of one of the header's is
    refused ("Ngày vào Đoàn" is not a typo of "Ngày vào Đảng")."""
    if len(key) < FUZZY_MIN_LEN:
        return None
    hit = _fuzzy_cached(spec_key, key)
    if hit and text and not _typo_of(_words(text), _catalogue_words(spec_key).get(hit[1], ())):
        return None
    return hit


def _words(text: str) -> tuple[str, ...]:
    """The folded words of a header without its annotations ("Ngày vào Đoàn" → ngay vao doan)."""
    s = _ANNOTATION.sub(" ", _NUMBERING.sub("", _FOOTNOTE.sub("", " ".join(text.split()))))
    return tuple(w for w in _NON_ALNUM.split(fold(s)) if w)


@lru_cache(maxsize=64)
def _catalogue_words(spec_key: str) -> dict[str, tuple[str, ...]]:
    """The words of each known header, by its key."""
    from .columns import SHEETS

    out: dict[str, tuple[str, ...]] = {}
    for col in SHEETS[spec_key].columns:
        for text in (col.header, *col.synonyms):
            for k in header_keys(text):
                out.setdefault(k, _words(text))
    return out


def _typo_of(written: Sequence[str], known: Sequence[str]) -> bool:
    """``written`` differs from ``known`` by typos only: each run of differing words is one
    letter off (two in a run of eight letters or more), words run together or split apart, or
    a short filler word ("và") added or left out. A different word ("Đoàn" for "Đảng", "cha"
    added to "Họ tên") is not a typo."""
    from difflib import SequenceMatcher

    from rapidfuzz.distance import Levenshtein

    if not known:
        return True
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=written, b=known, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        x, y = "".join(written[i1:i2]), "".join(known[j1:j2])
        if not x or not y:
            if len(x or y) > 2:
                return False
            continue
        if Levenshtein.distance(x, y) > (1 if max(len(x), len(y)) < 8 else 2):
            return False
    return True


@lru_cache(maxsize=50_000)
def _fuzzy_cached(spec_key: str, key: str) -> tuple[str, str, float] | None:
    from rapidfuzz import fuzz, process

    index, long_keys = header_catalogue(spec_key)
    hit = process.extractOne(key, long_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if hit is None:
        return None
    return index[hit[0]], hit[0], float(hit[1])
