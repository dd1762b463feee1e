"""Vietnamese text in the legacy encodings old HR software left in Excel files.

Before Unicode, Vietnamese was typed in 8-bit fonts: **TCVN3** ("ABC", TCVN 5712:1993 table
VN3, fonts ``.VnTime``, ``.VnArial``…) and **VNI** (VNI-Windows, fonts ``VNI-Times``…). Excel
stored the bytes as the Windows-1252 characters a Western system sees, so a reader hands us
mojibake such as ``"NguyÔn V¨n"`` (TCVN3) or ``"Nguyeãn Vaên"`` (VNI) for "Nguyễn Văn". Plain
ASCII mailing lists used **VIQR** (RFC 1456): ``"Nguye^~n Va(n A'nh"``.

What this module knows:

* **TCVN3** is one byte per letter. Table VN3 has the lower-case letters with tone marks at
  0xB5–0xFE, the seven letters ă â ê ô ơ ư đ at 0xA8–0xAE and their capitals Ă Â Ê Ô Ơ Ư Đ at
  0xA1–0xA7; it has **no capital letters with a tone mark**. Capitals were typed with the
  "capital" fonts (``.VnTimeH``, ``.VnArialH``…) which draw the lower-case codes as capitals,
  or in a normal font with Caps Lock, which gives ``"NGUYÔN"`` (upper-case ASCII, lower-case
  toned codes). ``capitals`` handles both (see :func:`to_unicode`).
* **VNI** is a base letter followed by a modifier byte (``"a"`` + ``"ù"`` = "á",
  ``"a"`` + ``"â"`` = "â", ``"a"`` + ``"á"`` = "ấ"); ơ ư đ ĩ ì í ỉ ị ỵ are single bytes.
  Capitals use the capital base letter and the capital modifier (``"AÙ"`` = "Á"); text typed
  with Caps Lock often mixes the two cases, so a modifier of either case after a base letter
  of either case is accepted and the result takes the case of the base letter.
* **VIQR**: ``( ^ +`` after the vowel for breve, circumflex, horn; ``' ` ? ~ .`` for the
  tones; ``dd``/``DD`` for đ/Đ; a backslash makes the next mark literal.

Detection never "converts" plain Unicode Vietnamese or plain English: a cell is read as a
legacy encoding only when its characters are impossible as Unicode Vietnamese text or when
that reading gives well-formed Vietnamese syllables and the Unicode reading does not (see
:func:`candidates`). A column vote (:func:`detect_column_encoding`) settles cells that are
valid both ways ("Tó" is Unicode "Tó" and TCVN3 "Tú"): pass its result as ``prefer``.

Everything is table driven (``str.translate`` and one precompiled regex per encoding) and the
auto-detecting entry point is memoised, so a 100,000-row file costs a few seconds at most.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

from .text import clean

__all__ = [
    "VIETNAMESE_LETTERS",
    "Encoding",
    "candidates",
    "column_to_unicode",
    "detect_column_encoding",
    "detect_encoding",
    "encoding_of_font",
    "from_mojibake",
    "from_unicode",
    "is_capital_font",
    "to_mojibake",
    "to_unicode",
    "undo_mojibake",
]


class Encoding(StrEnum):
    UNICODE = "unicode"
    TCVN3 = "tcvn3"
    VNI = "vni"
    VIQR = "viqr"
    ASCII = "ascii"


# -- the Vietnamese alphabet ---------------------------------------------------------------------
# Tones in the order used below: none, grave (huyền), hook (hỏi), tilde (ngã), acute (sắc),
# dot below (nặng).
_TONE_MARKS = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_TONE_ORDER = ("none", "grave", "hook", "tilde", "acute", "dot")
# The 12 vowels: base letter + modifier (combining) mark.
_VOWELS = {
    "a": ("a", ""),
    "ă": ("a", "\u0306"),
    "â": ("a", "\u0302"),
    "e": ("e", ""),
    "ê": ("e", "\u0302"),
    "i": ("i", ""),
    "o": ("o", ""),
    "ô": ("o", "\u0302"),
    "ơ": ("o", "\u031b"),
    "u": ("u", ""),
    "ư": ("u", "\u031b"),
    "y": ("y", ""),
}


def _compose(vowel: str, tone: int) -> str:
    base, modifier = _VOWELS[vowel]
    return unicodedata.normalize("NFC", base + modifier + _TONE_MARKS[tone])


# Every lower-case Vietnamese letter with a diacritic (66 toned or modified vowels + đ), then
# the 67 capitals: what the round-trip tests iterate over.
_LOWER_MARKED = [
    _compose(v, t) for v in _VOWELS for t in range(6) if not (t == 0 and v in "aeiouy")
] + ["đ"]
VIETNAMESE_LETTERS: tuple[str, ...] = tuple(_LOWER_MARKED + [c.upper() for c in _LOWER_MARKED])

# -- TCVN3 (TCVN 5712:1993, table VN3) ---------------------------------------------------------
# Position of each lower-case toned vowel: the five tone forms are listed in the order
# grave, hook, tilde, acute, dot (the table's own order).
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_PLAIN = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
}  # fmt: skip
# Unicode letter → the character a Windows-1252 reader shows for its TCVN3 byte (0xA0–0xFF
# coincide with Latin-1, so chr(byte) is that character).
_TCVN3_ENCODE: dict[str, str] = {k: chr(b) for k, b in _TCVN3_PLAIN.items()}
for _v, _codes in _TCVN3_TONED.items():
    for _t, _b in enumerate(_codes, start=1):
        _TCVN3_ENCODE[_compose(_v, _t)] = chr(_b)
_TCVN3_DECODE: dict[str, str] = {c: u for u, c in _TCVN3_ENCODE.items()}
_TCVN3_CHARS = frozenset(_TCVN3_DECODE)
# A 256-entry charmap for codecs.charmap_decode (C speed; callers pass Latin-1 text only).
_TCVN3_CHARMAP = "".join(_TCVN3_DECODE.get(chr(b), chr(b)) for b in range(256))

# -- VNI-Windows ---------------------------------------------------------------------------------
# Modifier characters (lower-case forms; the capital forms are the Latin-1 capitals).
_VNI_TONE = {1: "ø", 2: "û", 3: "õ", 4: "ù", 5: "ï"}  # grave, hook, tilde, acute, dot
_VNI_CIRCUMFLEX = {0: "â", 1: "à", 2: "å", 3: "ã", 4: "á", 5: "ä"}
_VNI_BREVE = {0: "ê", 1: "è", 2: "ú", 3: "ü", 4: "é", 5: "ë"}
_VNI_SINGLE = {
    "ơ": "ô", "ư": "ö", "đ": "ñ", "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î",
}  # fmt: skip


def _vni_encode_lower(letter: str) -> str | None:
    """VNI spelling of one lower-case Vietnamese letter (None: not a marked letter)."""
    if letter in _VNI_SINGLE:
        return _VNI_SINGLE[letter]
    for vowel in _VOWELS:
        for tone in range(6):
            if _compose(vowel, tone) != letter:
                continue
            if vowel in ("â", "ê", "ô"):
                return vowel[0].translate(_STRIP) + _VNI_CIRCUMFLEX[tone]
            if vowel == "ă":
                return "a" + _VNI_BREVE[tone]
            if vowel in ("ơ", "ư"):
                return _VNI_SINGLE[vowel] + _VNI_TONE.get(tone, "")
            return vowel + _VNI_TONE[tone] if tone else None
    return None


_STRIP = str.maketrans({"â": "a", "ê": "e", "ô": "o"})
_VNI_ENCODE: dict[str, str] = {}
for _letter in _LOWER_MARKED:
    _seq = _vni_encode_lower(_letter)
    assert _seq is not None, _letter
    _VNI_ENCODE[_letter] = _seq
    _VNI_ENCODE[_letter.upper()] = _seq.upper()
_VNI_DECODE: dict[str, str] = {}
for _u, _seq in _VNI_ENCODE.items():
    _VNI_DECODE[_seq] = _u
    if len(_seq) == 2:
        # Caps Lock typing mixes cases: the base letter decides the case of the result.
        base, mod = _seq
        _VNI_DECODE[base + mod.swapcase()] = _u


def _vni_tables() -> tuple[dict[int, str], re.Pattern[str]]:
    """Derived from the sequences above: each VNI character → what it adds in NFD (a single-byte
    letter its letter, a modifier its combining marks), so decoding is one ``str.translate``
    and one NFC; and a regex finding a modifier after a letter that cannot take it."""
    nfd = {k: unicodedata.normalize("NFD", u) for k, u in _VNI_DECODE.items()}
    table: dict[int, str] = {ord(k): v for k, v in nfd.items() if len(k) == 1}
    bases: dict[str, set[str]] = {}
    for key, decomposed in nfd.items():
        if len(key) != 2:
            continue
        base, mod = key
        base_nfd = nfd.get(base, base)
        marks = decomposed[len(base_nfd) :]
        assert decomposed.lower().startswith(base_nfd.lower()), key
        assert table.setdefault(ord(mod), marks) == marks, key
        bases.setdefault(mod, set()).add(base)
    groups: dict[frozenset[str], str] = {}
    for mod, allowed in bases.items():
        groups[frozenset(allowed)] = groups.get(frozenset(allowed), "") + mod
    stray = "|".join(
        f"(?<![{re.escape(''.join(sorted(allowed)))}])[{re.escape(mods)}]"
        for allowed, mods in groups.items()
    )
    return table, re.compile(stray)


_VNI_TABLE, _VNI_STRAY = _vni_tables()

# -- VIQR (RFC 1456) -----------------------------------------------------------------------------
_VIQR_TONE = {1: "`", 2: "?", 3: "~", 4: "'", 5: "."}
_VIQR_MOD = {"ă": "(", "â": "^", "ê": "^", "ô": "^", "ơ": "+", "ư": "+"}
_VIQR_ENCODE: dict[str, str] = {"đ": "dd", "Đ": "DD"}
for _v in _VOWELS:
    for _t in range(6):
        if _t == 0 and _v in "aeiouy":
            continue
        _seq = _VOWELS[_v][0] + _VIQR_MOD.get(_v, "") + _VIQR_TONE.get(_t, "")
        _VIQR_ENCODE[_compose(_v, _t)] = _seq
        _VIQR_ENCODE[_compose(_v, _t).upper()] = _seq.upper()
_VIQR_DECODE = {s: u for u, s in _VIQR_ENCODE.items()}
_VIQR_DECODE["Dd"] = "Đ"
_VIQR_TOKEN = re.compile(r"\\([(^+'`?~.\\dD])|DD|Dd|dd|[aeiouyAEIOUY](?:[(^+][`'?~.]?|[`'?~.])")


# Evidence that an ASCII cell is VIQR and not English: a modifier (( ^ +) or a grave or tilde
# after a vowel, or two tone marks inside words ("I'm" alone is English).
_VIQR_MODIFIED = re.compile(r"[aAeEoOuU][(^+]|[aeiouyAEIOUY][`~]")
_VIQR_MIDWORD = re.compile(r"[aeiouyAEIOUY]['?.](?=[a-zA-Z])")


def _viqr_strong(text: str) -> bool:
    return bool(_VIQR_MODIFIED.search(text)) or len(_VIQR_MIDWORD.findall(text)) >= 2


_VIQR_MARKS = frozenset("(^+'`?~.")


def _is_vowel(ch: str) -> bool:
    return bool(ch) and unicodedata.normalize("NFD", ch)[0].lower() in "aeiouy"


# -- plausibility: is a word a well-formed Vietnamese syllable? ---------------------------------
# Onsets are permissive (up to three consonants: "Krông", "Mnông", "Đắk Plao"): mojibake shows
# in the vowels, which are checked strictly.
_ONSETS = "[bcdđfghjklmnpqrstvwxz]{1,3}"
_NUCLEI = (
    "iêu|yêu|oai|oao|oay|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_SYLLABLE = re.compile(rf"(?:gi|qu|{_ONSETS})?(?:{_NUCLEI})(?:ch|ng|nh|c|k|m|n|p|t)?")
_TONE_STRIP = {ord(m): None for m in _TONE_MARKS if m}
_WORD = re.compile(r"[^\W\d_]+")
# Latin-1 letters that occur in plain Unicode Vietnamese (and the look-alike eth).
_UNICODE_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝÐð")


def _invalid_outside(allowed: frozenset[str]) -> re.Pattern[str]:
    """A regex finding a non-ASCII character (no-break space aside) not in ``allowed``."""
    bad = [chr(c) for c in range(0x80, 0x100) if chr(c) not in allowed and c != 0xA0]
    return re.compile("[" + re.escape("".join(bad)) + "\u0100-\uffff]")


_TCVN3_INVALID = _invalid_outside(_TCVN3_CHARS)
_UNICODE_INVALID = _invalid_outside(_UNICODE_LATIN1)
_VNI_INVALID = _invalid_outside(frozenset(chr(c) for c in _VNI_TABLE))
_BEYOND_LATIN1 = re.compile(r"[\u0100-\uffff]")


@lru_cache(maxsize=65536)  # Vietnamese has a few thousand syllables: nearly always a hit
def _syllable_ok(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(1 for ch in decomposed if ch in "\u0300\u0301\u0303\u0309\u0323") > 1:
        return False
    toneless = unicodedata.normalize("NFC", decomposed.translate(_TONE_STRIP))
    return _SYLLABLE.fullmatch(toneless) is not None


def _plausible(text: str) -> bool:
    """Every word carrying a non-ASCII letter is a well-formed Vietnamese syllable."""
    return all(_syllable_ok(w) for w in _WORD.findall(text) if not w.isascii())


# -- raw conversions (no detection, no cleaning) ------------------------------------------------
def _from_tcvn3(text: str) -> str:
    try:
        return codecs.charmap_decode(text.encode("latin-1"), "strict", _TCVN3_CHARMAP)[0]
    except UnicodeEncodeError:  # a character beyond Latin-1: only the table's characters change
        return "".join(_TCVN3_DECODE.get(ch, ch) for ch in text)


def _viqr_token(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)  # an escaped mark: literal
    token = match.group()
    return _VIQR_DECODE.get(token, token)  # a mark the vowel cannot take ("i^") stays


def _from_vni(text: str) -> str:
    return unicodedata.normalize("NFC", text.translate(_VNI_TABLE))


def _from_viqr(text: str) -> str:
    return _VIQR_TOKEN.sub(_viqr_token, text)


def _tcvn3_valid(text: str) -> bool:
    return _TCVN3_INVALID.search(text) is None


def _vni_valid(text: str) -> bool:
    return _VNI_INVALID.search(text) is None and _VNI_STRAY.search(text) is None


def _unicode_valid(text: str) -> bool:
    return _UNICODE_INVALID.search(text) is None


def _unicode_plausible(text: str) -> bool:
    return _unicode_valid(text) and _plausible(text)


# -- detection -----------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def candidates(text: str) -> frozenset[Encoding]:
    """The encodings under which ``text`` reads as plausible Vietnamese.

    ASCII text reads the same in every encoding: ``{ASCII, UNICODE, TCVN3, VNI}`` plus
    ``VIQR`` when it holds VIQR marks. Text with a character beyond Latin-1 (a Vietnamese
    letter, a combining mark of NFD text) is Unicode only. Latin-1 text gets every reading whose
    characters are valid in that encoding and whose marked words are well-formed syllables;
    when none qualifies the text is left as Unicode (never converted).
    """
    if text.isascii():
        found = {Encoding.ASCII, Encoding.UNICODE, Encoding.TCVN3, Encoding.VNI}
        if _VIQR_TOKEN.search(text):
            converted = _from_viqr(text)
            if converted != text and _plausible(converted):
                found.add(Encoding.VIQR)
        return frozenset(found)
    if _BEYOND_LATIN1.search(text):
        return frozenset({Encoding.UNICODE})
    valid = [
        (Encoding.UNICODE, text) if _unicode_valid(text) else None,
        (Encoding.TCVN3, _from_tcvn3(text)) if _tcvn3_valid(text) else None,
        (Encoding.VNI, _from_vni(text)) if _vni_valid(text) else None,
    ]
    readings = [v for v in valid if v is not None]
    found = {encoding for encoding, reading in readings if _plausible(reading)}
    if not found and len(readings) == 1:
        # one encoding can hold these characters at all (minority-language names such as
        # "Chư Păh" are not Vietnamese syllables): that one
        found = {readings[0][0]}
    return frozenset(found or {Encoding.UNICODE})


_PRIORITY = (Encoding.UNICODE, Encoding.TCVN3, Encoding.VNI)


def detect_encoding(text: str) -> Encoding:
    """Best single guess for one cell.

    ASCII → ``VIQR`` when the cell holds strong VIQR evidence (a ``( ^ +`` modifier, a grave or
    tilde, or a tone mark inside a word), else ``ASCII``. Otherwise Unicode wins whenever it is
    a plausible reading (plain Unicode is never converted), then TCVN3, then VNI.
    """
    found = candidates(text)
    if Encoding.ASCII in found:
        if Encoding.VIQR in found and _viqr_strong(text):
            return Encoding.VIQR
        return Encoding.ASCII
    for encoding in _PRIORITY:
        if encoding in found:
            return encoding
    return Encoding.UNICODE  # pragma: no cover - candidates() is never empty


def detect_column_encoding(values: Iterable[object]) -> Encoding:
    """Majority vote over the decisive cells of a column (non-string cells are ignored).

    A cell is decisive when only one encoding reads it (``"NguyÔn"`` is TCVN3 only) or, for
    ASCII, when it holds strong VIQR evidence. Returns ``ASCII`` for a column with no decisive
    cell and only ASCII text, ``UNICODE`` when undecided otherwise. Ambiguous cells then follow
    the column: pass the result as ``prefer`` to :func:`to_unicode`.
    """
    votes: Counter[Encoding] = Counter()
    any_non_ascii = False
    for value in values:
        if not isinstance(value, str) or not value:
            continue
        if value.isascii():
            if _viqr_strong(value) and Encoding.VIQR in candidates(value):
                votes[Encoding.VIQR] += 1
            continue
        any_non_ascii = True
        found = candidates(value)
        if len(found) == 1:
            votes[next(iter(found))] += 1
    if votes:
        return votes.most_common(1)[0][0]
    return Encoding.UNICODE if any_non_ascii else Encoding.ASCII


# -- capitals ------------------------------------------------------------------------------------
_LOWER_ASCII = re.compile(r"[a-z]")
_LOWER_THEN_CAPITAL = re.compile(r"[^\x00-\x7f][A-Z]")


def _looks_capital(legacy: str, converted: str) -> bool:
    """Caps-Lock typing in a TCVN3 font: no lower-case ASCII letter in the cell, and a word with
    a converted letter whose ASCII letters are capitals, at least two of them ("NGUYÔN") or one
    after the converted letter ("§¾K" = "ĐẮK"). "Sè CMND" stays "Số CMND"."""
    if _LOWER_ASCII.search(legacy):
        return False
    for word in _WORD.findall(converted):
        if word.isascii():
            continue
        capitals = sum(1 for ch in word if ch.isascii())
        if capitals >= 2 or _LOWER_THEN_CAPITAL.search(word):
            return True
    return False


def _repair_title_case(converted: str) -> str:
    """TCVN3 cannot write "Á": in a cell whose other words are capitalised ("Lê Thị Ngọc ánh"),
    a word starting with a lower-case toned letter gets its capital back."""
    words = converted.split()
    if len(words) < 2:
        return converted
    lower = [w for w in words if w[0].islower()]
    if not lower or any(w[0].isascii() for w in lower) or len(lower) == len(words):
        return converted
    return " ".join(w[:1].upper() + w[1:] if w[0].islower() else w for w in words)


def is_capital_font(font_name: str | None) -> bool:
    """TCVN3 capital fonts draw every letter as a capital: ``.VnTimeH``, ``.VnArialH``…"""
    name = (font_name or "").strip()
    return name.startswith(".Vn") and name.endswith("H")


def encoding_of_font(font_name: str | None) -> Encoding | None:
    """The legacy encoding a cell's font implies (openpyxl gives ``cell.font.name``)."""
    name = (font_name or "").strip().lower()
    if name.startswith(".vn"):
        return Encoding.TCVN3
    if name.startswith("vni-") or name.startswith("vni "):
        return Encoding.VNI
    return None


# -- public conversion ---------------------------------------------------------------------------
def to_unicode(
    text: str,
    encoding: Encoding | str | None = None,
    *,
    capitals: bool | None = None,
    prefer: Encoding | str | None = None,
) -> str:
    """Convert one cell to clean Unicode (NFC, "Đ", traditional tone style, single spaces).

    ``encoding``: convert as this encoding; ``None`` detects it, following ``prefer`` (a
    column's encoding from :func:`detect_column_encoding`) when that is one of the cell's
    plausible readings. ``capitals``: ``True`` upper-cases the result (text typed with a TCVN3
    capital font such as ``.VnTimeH``: the codes are lower-case, the glyphs capitals);
    ``False`` never; ``None`` upper-cases TCVN3 text typed with Caps Lock (ASCII letters all
    capitals, e.g. ``"NGUYÔN V¡N"``) and gives back the capital a TCVN3 word could not have
    when the other words of the cell are capitalised (``"Lª ThÞ Ngäc ¸nh"`` → "Lê Thị Ngọc
    Ánh").
    """
    if not text:
        return ""
    if encoding is not None and not isinstance(encoding, Encoding):
        encoding = Encoding(encoding)
    if prefer is not None and not isinstance(prefer, Encoding):
        prefer = Encoding(prefer) if prefer else None
    return _to_unicode(text, encoding, capitals, prefer)


def _reading(text: str, prefer: Encoding | None) -> tuple[Encoding, str | None]:
    """The encoding to read an auto-detected cell with (see :func:`to_unicode`), and the raw
    conversion when checking the column's reading already made it."""
    if text.isascii():
        if prefer is Encoding.VIQR and _VIQR_TOKEN.search(text):
            return Encoding.VIQR, None  # a VIQR column: its marks are marks
        return detect_encoding(text), None
    if _BEYOND_LATIN1.search(text):
        return Encoding.UNICODE, None
    # only the column's reading is checked when it fits (the common case in a legacy column)
    # (plausible, or at least the Unicode reading is not: minority-language names such as
    # "Chư Păh" or "Ea Dăh" are not Vietnamese syllables but do occur in a legacy column)
    if prefer is Encoding.TCVN3 and _tcvn3_valid(text):
        converted = _from_tcvn3(text)
        if _plausible(converted) or not _unicode_plausible(text):
            return prefer, converted
    elif prefer is Encoding.VNI and _vni_valid(text):
        converted = _from_vni(text)
        if _plausible(converted) or not _unicode_plausible(text):
            return prefer, converted
    elif prefer is Encoding.UNICODE and Encoding.UNICODE in candidates(text):
        return prefer, None
    return detect_encoding(text), None


@lru_cache(maxsize=131072)  # names repeat, places, units and titles repeat a lot
def _to_unicode(
    text: str, encoding: Encoding | None, capitals: bool | None, prefer: Encoding | None
) -> str:
    converted: str | None = None
    if encoding is None:
        encoding, converted = _reading(text, prefer)
    if encoding is Encoding.TCVN3:
        converted = converted or _from_tcvn3(text)
        if capitals or (capitals is None and converted != text and _looks_capital(text, converted)):
            converted = converted.upper()
        elif capitals is None and converted != text:
            converted = _repair_title_case(converted)
    elif encoding is Encoding.VNI:
        converted = converted or _from_vni(text)
        if capitals:
            converted = converted.upper()
    elif encoding is Encoding.VIQR:
        converted = _from_viqr(text)
        if capitals:
            converted = converted.upper()
    else:
        converted = text.upper() if capitals else text
    return _finish(converted)


# What makes NFC text differ from its clean() form: a tone that unify_tone_style moves ("oà",
# "oé", "uý"… before the end of a word), the look-alike eth, or irregular white space.
_NOT_CLEAN = re.compile(
    "[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ](?![^\\W\\d_])|[uU][ỳýỷỹỵỲÝỶỸỴ](?![^\\W\\d_])"
    "|[\u00d0\u00f0]|\\s\\s|[^\\S ]|^ | $"
)


def _finish(text: str) -> str:
    """``orgtree.text.clean`` with a fast path: NFC text with nothing to fix is returned as is."""
    if unicodedata.is_normalized("NFC", text) and _NOT_CLEAN.search(text) is None:
        return text
    return clean(text)


def column_to_unicode(
    values: Iterable[object], *, capitals: bool | None = None
) -> tuple[Encoding, list[object]]:
    """Detect a column's encoding and convert its string cells; other cells pass through."""
    values = list(values)
    column = detect_column_encoding(values)
    out: list[object] = [
        to_unicode(v, capitals=capitals, prefer=column) if isinstance(v, str) else v for v in values
    ]
    return column, out


def from_unicode(text: str, encoding: Encoding | str) -> str:
    """Write Unicode text in a legacy encoding (for tests and the vendor-file generator).

    TCVN3 has no capital letters with a tone mark: they are written with the lower-case codes,
    as a ``.VnTimeH`` capital font would hold them (read back with ``capitals=True``).
    """
    encoding = Encoding(encoding)
    text = unicodedata.normalize("NFC", text)
    if encoding is Encoding.TCVN3:
        return "".join(_TCVN3_ENCODE.get(ch) or _TCVN3_ENCODE.get(ch.lower(), ch) for ch in text)
    if encoding is Encoding.VNI:
        return "".join(_VNI_ENCODE.get(ch, ch) for ch in text)
    if encoding is Encoding.VIQR:
        out: list[str] = []
        previous = ""
        for ch in text:
            if (ch in _VIQR_MARKS and _is_vowel(previous)) or (ch in "dD" and previous in "dD"):
                out.append("\\" + ch)  # a literal mark after a vowel is escaped (RFC 1456)
            else:
                out.append(_VIQR_ENCODE.get(ch, ch))
            previous = ch
        return "".join(out)
    if encoding is Encoding.ASCII:
        from orgtree.text import FOLD_TABLE

        return text.translate({k: v for k, v in FOLD_TABLE.items() if v != " "})
    return text


# ---------------------------------------------------------------------------------------------
# Text damaged on its way: UTF-8 read as Windows-1252, keystrokes of an input method left on
# ---------------------------------------------------------------------------------------------

# Windows-1252 characters at 0x80–0x9F → their byte; everything else below 0x100 is itself
_CP1252_BYTE = {
    ch: b for b in range(0x80, 0xA0) for ch in [bytes([b]).decode("cp1252", errors="ignore")] if ch
}
# Latin-1 C1 control characters → the Windows-1252 character of the same byte (the five bytes
# cp1252 leaves undefined, 0x81, 0x8D, 0x8F, 0x90, 0x9D, have none and stay)
_LATIN1_TO_CP1252 = {b: ch for ch, b in _CP1252_BYTE.items()}
# the lead bytes of 2- and 3-byte UTF-8 sequences of Vietnamese letters, as Windows-1252
# shows them ("Ã", "Ä", "Å" of "ũ", "Æ", "á"): a cheap gate before trying to repair
_MOJIBAKE_LEAD = re.compile("[\u00c3\u00c4\u00c5\u00c6\u00e1][\u0080-\u00bf\u0152-\u2122 ]")


_LOST_90 = re.compile("\u00c4(?![\u0080-\u00bf\u2018\u2019])")


def to_mojibake(text: str, *, undefined: str = "keep") -> str:
    """``text``'s UTF-8 bytes as a Windows-1252 reader shows them ("Nguyễn" → "Nguyá»…n"). The
    five bytes cp1252 leaves undefined come back as the Latin-1 control character of the same
    byte (``undefined="keep"``, a lenient reader) or as U+FFFD (``"replace"``)."""
    raw = text.encode("utf-8")
    if undefined == "replace":
        return raw.decode("cp1252", errors="replace")
    return raw.decode("latin-1").translate(_LATIN1_TO_CP1252)


def mojibake_bytes(text: str) -> bytes | None:
    """The bytes a Windows-1252 (or Latin-1) reader showed as ``text``, ``None`` when a
    character is neither: the inverse of :func:`to_mojibake` before decoding as UTF-8."""
    raw = bytearray()
    for ch in text:
        code = ord(ch)
        if code < 0x100:
            raw.append(code)
        else:
            b = _CP1252_BYTE.get(ch)
            if b is None:
                return None
            raw.append(b)
    return bytes(raw)


def undo_mojibake(text: str) -> str | None:
    """``text`` read back as the UTF-8 bytes a Windows-1252 reader garbled, ``None`` when those
    bytes are not UTF-8. No gate and no repair of lost bytes: the exact inverse of
    :func:`to_mojibake` (the import's guard compares a whole value with the stored one);
    :func:`from_mojibake` is the repair for text of unknown origin."""
    raw = mojibake_bytes(text)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def from_mojibake(text: str) -> str | None:
    """Text whose UTF-8 bytes were read as Windows-1252 (or Latin-1) and saved again
    ("HÃ  Ná»™i" → "Hà Nội"), or ``None`` when the text is not that. The repair is exact or
    not at all: the recovered bytes must be valid UTF-8 with a letter beyond ASCII; a no-break
    space lost to a plain space after "Ã" ("à" = C3 A0) is restored."""
    if not (
        "\u00c3" in text
        or "\u00c4" in text
        or "\u00c5" in text
        or "\u00c6" in text
        or "\u00e1" in text
    ):
        return None  # the common case, cheaper than the regex below
    if _MOJIBAKE_LEAD.search(text) is None:
        return None
    # "Đ" is C4 90 and 0x90 has no Windows-1252 character: often dropped on the way
    lost = _LOST_90.sub("\u00c4\u0090", text.replace("\u00c3 ", "\u00c3\u00a0"))
    for candidate in dict.fromkeys((text, lost)):
        raw = mojibake_bytes(candidate)
        if raw is None:
            return None
        try:
            repaired = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if repaired != text and not repaired.isascii():
            return repaired
    return None


_VOWELS_ASCII = frozenset("aeiouyAEIOUY")
_TELEX_TONES = frozenset("sfrxjzSFRXJZ")
_TELEX_DOUBLE = re.compile(r"([aeoAEO])\1|([dD])[dD]")
# a level word glued to its number ("P5", "Q12", "phuong7"), a road ("QL1A"): not keystrokes
_GLUED_NUMBER = re.compile(r"(?i)^(?:p|f|q|x|h|tt|tx|tp|ql|tl|dt|km|so|sn|phuong|quan)\d+[a-z]?$")
_KEYSTROKE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _telex_word(word: str) -> str:
    if any(c.isdigit() for c in word):
        return word  # "P5", "QL1A": not Telex
    first_vowel = next((i for i, c in enumerate(word) if c in _VOWELS_ASCII), -1)
    if first_vowel < 0:
        return word
    head, tail = word[: first_vowel + 1], word[first_vowel + 1 :]
    tail = "".join(c for c in tail if c not in _TELEX_TONES and c not in "wW")
    return _TELEX_DOUBLE.sub(lambda m: m.group(1) or m.group(2), head + tail)


def _vni_word(word: str) -> str:
    if _GLUED_NUMBER.match(word):
        return word
    first_vowel = next((i for i, c in enumerate(word) if c in _VOWELS_ASCII), -1)
    if first_vowel < 0:
        return word
    return word[: first_vowel + 1] + "".join(
        c for c in word[first_vowel + 1 :] if not ("1" <= c <= "9")
    )


_VNI_KEYS = re.compile(r"[aeiouyAEIOUY][A-Za-z]*[1-9]")
_TELEX_KEYS = re.compile(
    r"[aeiouyAEIOUY][a-zA-Z]*[sfrxjSFRXJ]\b|([aeoAEO])\1|[dD][dD]|[aouAOU][wW]"
)


def from_keystrokes(text: str) -> list[str]:
    """Readings of ASCII text typed with a Vietnamese input method switched off: VNI
    ("Ha2 No6i5": digits after the vowels) and Telex ("Haf Nooij": tone letters after the
    vowel, doubled vowels, "w", "dd"). Only the letters are kept (the marks are dropped): the
    place names are compared without diacritics anyway. Empty when the text shows no sign of
    either; the caller keeps a reading only when it names real places."""
    if not text.isascii():
        return []
    out: list[str] = []
    if _VNI_KEYS.search(text):
        vni = _KEYSTROKE_WORD.sub(lambda m: _vni_word(m.group(0)), text)
        if vni != text:
            out.append(vni)
    if _TELEX_KEYS.search(text):
        telex = _KEYSTROKE_WORD.sub(
            lambda m: (
                m.group(0) if any(c.isdigit() for c in m.group(0)) else _telex_word(m.group(0))
            ),
            text,
        )
        if telex != text:
            out.append(telex)
    return out
