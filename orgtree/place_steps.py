"""The text steps of the place-name resolver that need no index: decode and normalise.

The resolver (:mod:`orgtree.places`) is a small pipeline:

1. :func:`decode` — the readings of a text that may be in a legacy encoding (TCVN3, VNI): the
   resolver reads each and keeps the one that names real places;
2. :func:`normalise` — Unicode-level repairs before folding: separators glued to names
   ("TỉnhĐồng Nai", "TBắc Ninh", "HồChíMinh"), English level words ("Ba Dinh Ward",
   "District 5", "Hanoi City"), "HCMC"/"Tp.HCM"/"Sai Gon";
3. :func:`strip_noise` (on folded tokens, per segment) — house numbers, lanes, hamlets and
   groups before a commune ("so nha 12 to 4 xa tan lap" → "xa tan lap");
4. :func:`strip_institution` (folded tokens, per segment) — a hospital or health station before
   the place ("benh vien bach mai" names no unit; "tram y te xa tan lap" → "xa tan lap");
5. then the indexes: exact candidates by level (:mod:`orgtree.places`), fuzzy candidates for
   misspelt names (:mod:`orgtree.place_fuzzy`), scoring and the decision.

Everything here is pure and fast: the common clean text passes each step with one regex search
or a set lookup.
"""

from __future__ import annotations

import re
import unicodedata

from .legacy_text import (
    _VNI_KEYS,
    VIETNAMESE_LETTERS,
    Encoding,
    _tcvn3_valid,
    _telex_word,
    _vni_valid,
    _vni_word,
    candidates,
    from_keystrokes,
    from_mojibake,
    to_unicode,
)
from .text import fold

__all__ = [
    "decode",
    "keystroke_readings",
    "normalise",
    "strip_institution",
    "strip_noise",
    "sure_keystrokes",
]


# ---------------------------------------------------------------------------------------------
# 1. decode
# ---------------------------------------------------------------------------------------------


# Latin-1 characters that are not Vietnamese letters: the mark of TCVN3/VNI mojibake
# ("Tænh", "Xaõ", "X·", "TØnh") even when a glued or misspelt word keeps the legacy reading
# from looking like well-formed syllables
_MOJIBAKE = re.compile(
    "["
    + re.escape(
        "".join(chr(c) for c in range(0xA1, 0x100) if chr(c) not in set(VIETNAMESE_LETTERS))
    )
    + "]"
)


def decode(text: str) -> list[str]:
    """The readings worth trying, the text as given first. Plain Unicode Vietnamese and ASCII
    give only themselves; text that can only be TCVN3 or VNI gives its conversion; text valid
    several ways gives each (the resolver keeps the reading that names places)."""
    if text.isascii():
        return [text]
    repaired = from_mojibake(text)
    if repaired is not None:
        # valid UTF-8 recovered from Windows-1252 characters first; the text as given stays a
        # reading ("NGÃ BA" in capitals is Latin-1 and could pass for "à" with a lost byte)
        return [repaired, text]
    found = candidates(text)
    if found == {Encoding.UNICODE} and _MOJIBAKE.search(text) is not None:
        # the detector keeps doubtful text as Unicode; a place name may still be legacy
        found = frozenset(
            {Encoding.UNICODE}
            | ({Encoding.TCVN3} if _tcvn3_valid(text) else set())
            | ({Encoding.VNI} if _vni_valid(text) else set())
        )
    if found == {Encoding.UNICODE} or not found:
        return [text]
    readings: list[str] = [] if Encoding.UNICODE not in found else [text]
    for encoding in (Encoding.TCVN3, Encoding.VNI):
        if encoding in found:
            converted = to_unicode(text, encoding)
            if converted not in readings:
                readings.append(converted)
    return readings or [text]


# an ASCII word standing alone (not the ASCII letters of "Phúc")
_ASCII_WORD = re.compile(r"(?<!\w)[A-Za-z][A-Za-z0-9]*(?!\w)")
# signs of Telex that real names never show in ASCII: a doubled vowel or "dd", "w" after a
# vowel ("Ea Bar", "Krông Pắc" end in what Telex reads as a tone: that is no sign)
_TELEX_PAIRS = ("aa", "ee", "oo", "dd", "aw", "ow", "uw")


def _telex_sure(text: str) -> bool:
    low = text.lower()  # substring tests: several times faster than a regex alternation
    return any(pair in low for pair in _TELEX_PAIRS)


def _vni_sure(text: str) -> bool:
    return _VNI_KEYS.search(text) is not None


_PARTS = re.compile(r"([,;|\n])")


def sure_keystrokes(text: str) -> bool:
    """Whether the text shows a sure sign of keys typed with the input method off: a VNI
    digit after a vowel ("Va8n") or a Telex doubled vowel, "dd" or "w" ("Ddanr", "Phuwowng")."""
    return _vni_sure(text) or _telex_sure(text)


def keystroke_readings(text: str) -> list[str]:
    """Readings of text typed with the input method off (VNI "Ha2 Noi65", Telex
    "Haf Nooij"), tried only when the text as given names no place or no commune (see
    :func:`orgtree.legacy_text.from_keystrokes`). In a text that has diacritics elsewhere
    ("xax Ddanr Vans, huyện Hoàng Su Phì"), only the ASCII words of a part (between commas)
    that shows a sure sign (a VNI digit after a vowel, a doubled vowel, "dd", "w") are read so."""
    if text.isascii():
        return from_keystrokes(text)
    out: list[str] = []
    parts = _PARTS.split(text)
    for sure, word in ((_vni_sure, _vni_word), (_telex_sure, _telex_word)):
        if not sure(text):
            continue
        reading = "".join(
            _ASCII_WORD.sub(lambda m, word=word: word(m.group(0)), part) if sure(part) else part
            for part in parts
        )
        if reading != text:
            out.append(reading)
    return out


# ---------------------------------------------------------------------------------------------
# 2. normalise
# ---------------------------------------------------------------------------------------------


def _letters(lower: bool) -> str:
    """A character class body: the ASCII and Vietnamese letters of one case ("Ð" included)."""
    letters = [*VIETNAMESE_LETTERS, "Ð", "ð"]
    chosen = "".join(c for c in letters if c.islower() == lower)
    return ("a-z" if lower else "A-Z") + re.escape(chosen)


_LOWER = _letters(lower=True)
_UPPER = _letters(lower=False)
# "HồChíMinh", "TỉnhĐồng", "xãĐạ": a lower-case letter directly before a capital
_CAMEL = re.compile(rf"(?<=[{_LOWER}])(?=[{_UPPER}])")
# "TBắc Ninh", "XThần Lĩnh", "FTân Đông Hiệp", "TPHồ Chí Minh": an abbreviated level word
# glued to a capitalised name ("TTr." is "Thị trấn" itself, not "T" before a name "Tr…")
_GLUED_ABBREV = re.compile(rf"\b(?!TTr\b)(T|H|X|P|Q|F|TP|Tp|TX|Tx|TT|Tt)(?=[{_UPPER}][{_LOWER}])")
# "T.P Hồ Chí Minh", "T.P. Huế", "T.T Lạc Tánh", "T.X Kỳ Anh", "T.TVĩnh Tuy": dotted TP/TT/TX
_DOTTED_TP = re.compile(rf"\b[Tt]\.\s?([PpTtXx])(?:\b\.?|(?=[{_UPPER}][{_LOWER}]))")
_HCM = re.compile(
    r"(?i)\bs[àa]i\s*g[òo]n\s*[-–]?\s*gia\s*[đd][ịi]nh\b|"  # "Sài Gòn - Gia Định" (1975-76)
    r"\b(?:tp\.?\s*)?(?:hcmc|hcm)\b|\bsai\s*gon\b|\bsài\s*gòn\b|\bsaigon\b|\bsg\b"
)
# "HN", "TP.HN" (Hà Nội) and "TT-Huế", "TT Huế" (Thừa Thiên Huế): the short forms of forms
_SHORT_PROVINCE = re.compile(r"(?i)\b(?:tp\.?\s*)?(hn)\b|\btt\.?\s*[-–]?\s*(?:huế|hue)\b")
# "H.C.Minh", "TP H.C.M" (Hồ Chí Minh) and "T.T.H", "T.T.Huế" ending a part (Thừa Thiên Huế):
# dotted initials, read before the dotted level words ("T.T" is a thị trấn)
_DOTTED_INITIALS = re.compile(
    r"(?i)(?:\bt\.?\s?p\.?\s*)?\b(h)\.\s?c\.\s?(?:minh\b|m\b)\.?"
    r"|\bt\.\s?t\.\s?(?:h\b|huế|hue\b)\.?(?=\s*(?:[,;|]|$))"
)


# "T5Lào Cai", "x2Trung Sơn": a one-letter level word, a digit typed by slip and a capitalised
# name (not "P0húc": a digit for a letter inside a name, left to the spelling fixes)
_SLIPPED_DIGIT = re.compile(rf"\b([TtXxHhPpQq])\d(?=[{_UPPER}][{_LOWER}])")


def _initials(match: re.Match[str]) -> str:
    return " Hồ Chí Minh " if match.group(1) else " Thừa Thiên Huế "


# "Xã A - Huyện B - Tỉnh C": a dash between parts when a level word follows it
_DASH = re.compile(
    r"\s+[-–]\s*(?=(?:tỉnh|tinh|t\.|tp|thành|thanh|huyện|huyen|h\.|quận|quan|q\.|xã|xa|x\.|"
    r"phường|phuong|p\.|thị|thi|tt|tx)\b)|\s+[-–]\s+|\s*–\s*",
    re.IGNORECASE,
)
_ENGLISH_NUMBERED = re.compile(r"(?i)\b(ward|district|dist\b\.?)\s*0*(\d{1,2})\b")
_NUMBER_ENGLISH = re.compile(r"(?i)(?<![\w/])0*(\d{1,2})\s+(ward|district)\b")
# "Commune Tan Lap, …", "Ward Sai Gon": the level word before the name, at a part's start
_ENGLISH_LEADING = re.compile(r"(?i)(?:^|(?<=[,;|\n]))(\s*)(ward|commune)\s+(?=[^\W\d_])")
_ENGLISH_SUFFIX = re.compile(
    r"(?i)([^\W\d_][^,;|\n]*?)\s*\b(ward|commune|district|dist|town|city|province|special zone)"
    r"\b\.?\s*"
    r"(?=$|[,;|\n.\-])"
)
# "Xuan Huong - Da Lat Ward": a part of two names joined by a dash (letters only, up to four
# words each) before the English level word, read as one name ("Phường Xuân Hương - Đà Lạt")
_ENGLISH_DASHED = re.compile(
    r"(?i)(^|[,;|\n])(\s*)([^\W\d_]+(?: [^\W\d_]+){0,3} [-–] [^\W\d_]+(?: [^\W\d_]+){0,3})"
    r"\s+(ward|commune)\b\.?"
)


def _english_dashed(match: re.Match[str]) -> str:
    word = "Phường " if match.group(4).lower() == "ward" else "Xã "
    return f"{match.group(1)}{match.group(2)}{word}{match.group(3)}"


_ENGLISH_PREFIX = {
    "ward": "Phường ",
    "commune": "Xã ",
    "district": "Huyện ",
    "dist": "Huyện ",
    "town": "",
    "city": "Thành phố ",
    "province": "Tỉnh ",
    "special zone": "Đặc khu ",
}
_ENGLISH_NAMES = re.compile(r"(?i)\b(hanoi|haiphong)\b")
_ENGLISH_NAME = {"hanoi": "Hà Nội", "haiphong": "Hải Phòng"}
_SPACES_ONLY = re.compile(r"(?i)\b(?:ward|commune|district|town|city|province|zone)\b")
_NEEDS_CASE = re.compile(rf"[{_LOWER}][{_UPPER}]|\b[THXPQF][PXT]?[{_UPPER}][{_LOWER}]")
# cheap gates, each a superset of what its substitutions can match. Substring tests, not
# regex alternations: the gates run on every text and ``in`` is several times faster.
# a capital right after a lower-case letter or one of the abbreviated level letters: a
# superset of _NEEDS_CASE that the regex engine finds without word boundaries
_MAYBE_CASE = re.compile(rf"[{_LOWER}THXPQF0-9][{_UPPER}]")  # a digit: _SLIPPED_DIGIT
_NEEDS_DOTTED = re.compile(r"t\.\s?[ptx]")
_NEEDS_DASH = re.compile(r"\s[-–]|–")


def _needs_hcm(lower: str) -> bool:
    return "hcm" in lower or "sai" in lower or "sài" in lower or "sg" in lower  # "saigon" too


# "Phường Sài Gòn" (a ward since 2025), "P. Sài Gòn": a commune prefix before the name
_WARD_BEFORE = re.compile(r"(?i)(?:\bphường|\bphuong|\bp\.?|\bward)\s*$")


def _hcm(match: re.Match[str]) -> str:
    if _WARD_BEFORE.search(match.string, 0, match.start()) is not None:
        return match.group(0)
    return " Hồ Chí Minh "


def _needs_english(lower: str) -> bool:
    return (
        "ward" in lower
        or "commune" in lower
        or "dist" in lower
        or "town" in lower
        or "city" in lower
        or "province" in lower
        or "zone" in lower
        or "hanoi" in lower
        or "haiphong" in lower
    )


def _english(match: re.Match[str]) -> str:
    name, word = match.group(1).strip(), match.group(2).lower()
    if word in ("district", "dist") and name.isdigit():
        return f"Quận {name}"
    return f"{_ENGLISH_PREFIX[word]}{name}"


# "Quê quán: …", "Địa chỉ - …", "ĐC: …", "Thường trú tại …", "Address: …": a form's label
# before the place; after "tại" ("at") the colon is optional
_LABEL = re.compile(
    r"(?i)^\s*(?:quê\s*quán|que\s*quan|quê|que|nguyên\s*quán|nguyen\s*quan|"
    r"nơi\s*(?:sinh|ở|cư\s*trú|thường\s*trú|tạm\s*trú|đăng\s*ký\s*(?:khai\s*sinh|hktt|"
    r"hộ\s*khẩu(?:\s*thường\s*trú)?))(?:\s*hiện\s*(?:nay|tại))?|"
    r"noi\s*(?:sinh|o|cu\s*tru|thuong\s*tru|tam\s*tru)(?:\s*hien\s*(?:nay|tai))?|"
    r"địa\s*chỉ(?:\s*(?:thường\s*trú|tạm\s*trú|liên\s*hệ|nhà|hiện\s*(?:nay|tại)))?|"
    r"dia\s*chi(?:\s*(?:thuong\s*tru|tam\s*tru|lien\s*he|nha|hien\s*(?:nay|tai)))?|"
    r"đ\s*/\s*c|đ\.?\s*c|d\.?\s*c|(?:đ|d)k\s*hktt|"
    r"(?:thường|thuong|tạm|tam|cư|cu)\s*(?:trú|tru)|trú|tru|sinh(?:\s*ra)?|"
    r"hộ\s*khẩu(?:\s*thường\s*trú)?|ho\s*khau(?:\s*thuong\s*tru)?|hktt|"
    r"chỗ\s*ở(?:\s*hiện\s*(?:nay|tại))?|cho\s*o(?:\s*hien\s*(?:nay|tai))?|"
    r"(?:permanent|current|home|residential)?\s*address|place\s*of\s*birth|pob|"
    r"home\s*town|hometown|born\s*in)"
    r"(?:\s*(?:tại|tai|ở|at|in)(?:\s*[:\-–]\s*|\s+)|\s*[:\-–]\s*)"
)
# any other short head before a colon ("Nơi ĐKKS: …", "Liên hệ: …") unless it opens with a
# level word ("Phường: Bến Nghé", "Tỉnh/TP: Hà Nội"): then the colon only separates
_HEAD_LABEL = re.compile(r"^\s*([^\W\d][^,;:|\n\d]{0,38}):\s*")
_LEVEL_WORDS = frozenset(
    {"tinh", "thanh", "tp", "t", "huyen", "h", "quan", "q", "thi", "tx", "xa", "x", "phuong", "p",
     "f", "tt", "dac", "ward", "district", "commune", "province", "city", "town"}
)  # fmt: skip
# "(nay là Xã D, Tỉnh E)": the writer gives the new name: prefer it
_NOW = re.compile(
    r"(?i)\(\s*(?:nay\s+là|nay\s+thuộc|nay\s+la|nay\s+thuoc|nay|now)\s*:?\s*([^)]*)\)"
)
_PARENS = re.compile(r"\([^)]*\)?")
# ", nay là Xã D, Tỉnh E" / " - nay thuộc …" at the end, without parentheses
_NOW_TAIL = re.compile(
    r"(?i)\s*[,;\-–]\s*(?:nay\s+là|nay\s+thuộc|nay\s+la|nay\s+thuoc)\s*:?\s*(.+)$"
)
# "tỉnh Hà Tây cũ" (no unit name ends in "Cũ"; "mới" only in parentheses: "Chợ Mới")
_OLD_NEW = re.compile(r"(?i)\s+cũ(?=\s*(?:$|[,;|\n.]))")
# a phone number, a postcode, the country at the end
_PHONE = re.compile(
    r"(?i)[,;\s]*(?:(?:s?đt|s?dt|tel|điện\s*thoại|dien\s*thoai)\s*[:.]?\s*)?"
    r"(?:\+?84|0)[\d .]{8,13}\d\s*$|[,;\s]*(?:s?đt|s?dt|tel)\s*[:.]?\s*[\d .]{6,}\s*$"
)
_TAIL = re.compile(r"(?i)(?:[,;\s\-–]+(?:việt\s*nam|viet\s*nam|vietnam|vn|vnm|\d{5,6}))+[\s.,;]*$")
_SLASH = re.compile(r"(?<=[^\W\d_])\s*/\s*(?=[^\W\d_])")
# cheap gates: a label opens the text, a country, postcode or phone number ends it
_NEEDS_LABEL = re.compile(
    r"\s*(?:quê|que|nguyên|nguyen|nơi|noi|địa|dia|hktt|thường|thuong|tạm\s*trú|tam\s*tru|hộ|"
    r"ho\s*khau|chỗ|cho\s*o|đ\s*/|đ\.?\s*c\b|d\.?\s*c\b|đk|dk|cư|cu\s*tru|trú\b|tru\b|sinh|"
    r"permanent|current|home|residential|address|place|pob|born)"
)
_NEEDS_TAIL = re.compile(r"(?:việt\s*nam|viet\s*nam|vietnam|vn|vnm|\d{5,})[\s.,;)]*$")
# what _NEEDS_TAIL and _TAIL allow after the country or postcode (``\s`` is ``str.isspace``)
_TAIL_JUNK = ".,;)" + "".join(c for c in map(chr, range(0x10000)) if c.isspace())


def _may_have_tail(text: str) -> bool:
    """A cheap superset of _NEEDS_TAIL, _TAIL and _PHONE: the text ends (but for spaces and
    ".,;)") in "nam", "vn", "vnm" or a digit."""
    end = text.rstrip(_TAIL_JUNK)
    return end[-1:].isdigit() or end[-3:].lower() in ("nam", "vnm") or end[-2:].lower() == "vn"


def now_note(text: str) -> tuple[str, str, str] | None:
    """(the old address, the new one, the note alone) of a text that gives both: "Xã A,
    Huyện B, Tỉnh C (nay là xã D)", "…, nay là Xã D, Tỉnh E", "Xã A (nay thuộc xã D), Huyện
    B, Tỉnh C" (the parts after the note go with both). None when the text has no note."""
    if "nay" not in text and "Nay" not in text and "NAY" not in text:
        return None
    found = _NOW.search(text)
    if found is not None and found.group(1).strip():
        after = text[found.end() :].strip(" ,;.")
        new = found.group(1).strip()
        old = f"{text[: found.start()]}{text[found.end() :]}".strip()
        return old, f"{new}, {after}" if after else new, new
    found = _NOW_TAIL.search(text)
    if found is not None and found.group(1).strip(" ,;."):
        new = found.group(1).strip(" ,;.")
        return text[: found.start()].strip(), new, new
    return None


def strip_notes(text: str) -> str:
    """A form's label ("Quê quán:"), a note in parentheses (the new name of "(nay là …)" is
    kept instead of the old address), "cũ"/"mới" after a name, a slash between names, and
    the country, a postcode or a phone number at the end. The text itself when none.

    Each repair runs only when its cheap gate finds something: most texts pass untouched."""
    lower = text.lower()
    label = _NEEDS_LABEL.match(lower) is not None
    tail = _may_have_tail(lower) and _NEEDS_TAIL.search(lower, max(0, len(lower) - 16)) is not None
    parens = "(" in text
    old = "cũ" in lower
    slash = "/" in text
    if not (label or tail or parens or old or slash or ":" in text):
        return text
    if label or ":" in text:
        stripped = _LABEL.sub("", text, count=1)
        if stripped == text and ":" in text:
            head = _HEAD_LABEL.match(text)
            words = fold(head.group(1)).split() if head is not None else []
            if head is not None and words and words[0] not in _LEVEL_WORDS:
                stripped = text[head.end() :]
        text = stripped
    if parens:
        now = _NOW.search(text)
        if now is not None and now.group(1).strip():
            after = text[now.end() :].strip(" ,;.")
            new = now.group(1).strip()
            if after:
                new = f"{new}, {after}"
            elif "," not in new:  # "(nay là xã D)": the province is the old text's last part
                new = f"{new}, {text[: now.start()].rsplit(',', 1)[-1].strip()}"
            text = new
        text = _PARENS.sub(" ", text)
    if old:
        text = _OLD_NEW.sub("", text)
    if slash:
        text = _SLASH.sub(", ", text)
    if (tail or parens) and _may_have_tail(text):
        if text.rstrip()[-1:].isdigit():  # both forms of _PHONE end in a digit
            text = _PHONE.sub("", text)
        text = _TAIL.sub("", text)
    return text


def normalise(text: str) -> str:
    """Repair separators and informal or English spellings (see the module docstring).
    Returns the text unchanged (the same object) when there is nothing to repair.

    Each group of substitutions runs only when a cheap search (a superset of what it can
    match) finds something: most texts need one or two groups, many none."""
    text = strip_notes(text)
    lower = text.lower()
    maybe_case = _MAYBE_CASE.search(text) is not None
    case = maybe_case and _NEEDS_CASE.search(text) is not None
    dotted = "t." in lower and _NEEDS_DOTTED.search(lower) is not None
    dash = ("-" in text or "–" in text) and _NEEDS_DASH.search(text) is not None
    hcm = _needs_hcm(lower)
    short = "hn" in lower or ("tt" in lower and "hu" in lower)
    english = _needs_english(lower)
    initials = ("c." in lower or "t.t" in lower or "t. t" in lower) and _DOTTED_INITIALS.search(
        text
    ) is not None
    slipped = maybe_case and _SLIPPED_DIGIT.search(text) is not None
    if not (case or dotted or dash or hcm or short or english or initials or slipped):
        return text
    if slipped:
        text = _SLIPPED_DIGIT.sub(r"\1 ", text)
        case = _NEEDS_CASE.search(text) is not None
    if initials:
        text = _DOTTED_INITIALS.sub(_initials, text)
        lower = text.lower()
        dotted = "t." in lower and _NEEDS_DOTTED.search(lower) is not None
    if dotted:
        text = _DOTTED_TP.sub(lambda m: "T" + m.group(1).upper() + " ", text)
    if case:
        text = _GLUED_ABBREV.sub(r"\1 ", text)
        text = _CAMEL.sub(" ", text)
    if hcm:  # before the dashes: "Sài Gòn - Gia Định" is one name
        text = _HCM.sub(_hcm, text)
    if short:  # before the dashes too: "TT-Huế"
        text = _SHORT_PROVINCE.sub(lambda m: " Hà Nội " if m.group(1) else " Thừa Thiên Huế ", text)
    if dash and english:
        # before the dashes: "Xuan Huong - Da Lat Ward" is one ward of 2025
        text = _ENGLISH_DASHED.sub(_english_dashed, text)
    if dash:
        text = _DASH.sub(", ", text)
    if english:
        text = _ENGLISH_NAMES.sub(lambda m: _ENGLISH_NAME[m.group(1).lower()], text)
        text = _ENGLISH_NUMBERED.sub(
            lambda m: ("Phường " if m.group(1).lower() == "ward" else "Quận ") + m.group(2), text
        )
        text = _NUMBER_ENGLISH.sub(
            lambda m: ("Phường " if m.group(2).lower() == "ward" else "Quận ") + m.group(1), text
        )
        text = _ENGLISH_LEADING.sub(
            lambda m: m.group(1) + ("Phường " if m.group(2).lower() == "ward" else "Xã "), text
        )
        text = _ENGLISH_SUFFIX.sub(_english, text)
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------------------------
# 3. street-level noise (folded tokens of one segment)
# ---------------------------------------------------------------------------------------------

# folded words that open a street-level part of an address (not a unit)
NOISE_WORDS = frozenset(
    {
        "so",
        "sn",
        "so nha",
        "to",
        "thon",
        "ap",
        "kp",
        "khu",
        "ngo",
        "ngach",
        "hem",
        "kiet",
        "km",
        "xom",
        "duong",
        "khom",
        "tdp",
        "ql",
        "tl",
        "dt",
        "sonha",
    }
)
# folded level words a real unit name starts with after the noise
LEVEL_WORDS = frozenset(
    {"xa", "x", "phuong", "p", "f", "tt", "thi", "quan", "q", "huyen", "h", "tinh", "tp", "thanh"}
)
_LEVEL_PAIRS = {"thi": ("tran", "xa"), "thanh": ("pho",)}


def _noise_start(token: str) -> bool:
    if token in NOISE_WORDS:
        return True
    # "so12", "km5", "ql1a", "to4"
    stem = token.rstrip("0123456789abc")
    return stem != token and stem in NOISE_WORDS


def strip_noise(tokens: list[str], known: frozenset[str]) -> list[str] | None:
    """The tokens of one segment without a street-level start ("so nha 12", "to 4", "thon
    dong tam", "km 5 ql1a"): from the first level word after the noise, or ``None`` when the
    segment is only noise. A segment that is a known name ("Bản Lầu" bare) is kept."""
    if not tokens or not _noise_start(tokens[0]):
        return tokens
    if " ".join(tokens) in known:
        return tokens
    for i in range(1, len(tokens)):
        token = tokens[i]
        if token not in LEVEL_WORDS or i + 1 >= len(tokens):
            continue
        pair = _LEVEL_PAIRS.get(token)
        if pair is not None and tokens[i + 1] not in pair:
            continue
        if token in ("thi", "thanh") and i + 2 >= len(tokens):
            continue
        if token == "x" and tokens[i + 1].isdigit():
            continue
        return tokens[i:]
    return None


# ---------------------------------------------------------------------------------------------
# 4. a hospital or health station named before the place (folded tokens of one segment)
# ---------------------------------------------------------------------------------------------

# folded words that open the name of a place of birth that is an institution, not a unit:
# "Bệnh viện Bạch Mai" is not Phường Bạch Mai, "BV Thống Nhất" not a Xã Thống Nhất
INSTITUTIONS = (
    ("benh", "vien"),
    ("bv",),
    ("bvdk",),
    ("bvtw",),
    ("tram", "y", "te"),
    ("tyt",),
    ("tram", "xa"),
    ("nha", "ho", "sinh"),
    ("nha", "bao", "sanh"),
    ("phong", "kham"),
    ("trung", "tam", "y", "te"),
    ("ttyt",),
    ("benh", "xa"),
)
INSTITUTION_FIRST = frozenset(words[0] for words in INSTITUTIONS)
_MAX_PROVINCE_WORDS = 4
_MAX_NAME_WORDS = 6


def strip_institution(
    tokens: list[str], known: frozenset[str], provinces: frozenset[str]
) -> list[str] | None:
    """The tokens of one segment without the institution that opens it: from a level word
    followed by a known name ("trạm y tế xã Tân Lập" → "xa tan lap", "nhà hộ sinh quận 1" →
    "quan 1"), else the province its name ends with ("Bệnh viện Trung ương Huế" → "hue"),
    else ``None`` (the hospital's own name, "Bạch Mai", "Thống Nhất", names no unit). The
    tokens themselves when they do not open with an institution or are a known name."""
    start = next((len(words) for words in INSTITUTIONS if tuple(tokens[: len(words)]) == words), 0)
    if not start or " ".join(tokens) in known:
        return tokens
    for i in range(start, len(tokens) - 1):
        token = tokens[i]
        if token not in LEVEL_WORDS:
            continue
        pair = _LEVEL_PAIRS.get(token)
        skip = 2 if pair is not None and tokens[i + 1] in pair else 1
        name = ""
        for token in tokens[i + skip : i + skip + _MAX_NAME_WORDS]:
            # a known name, or the start of one in an address without commas ("TYT xã Ia
            # Trok Huyện Ia Pa …"), or a number ("nhà hộ sinh quận 1")
            name = f"{name} {token}" if name else token
            if name in known or name.isdigit():
                return tokens[i:]
    for size in range(min(_MAX_PROVINCE_WORDS, len(tokens) - start), 0, -1):
        name = " ".join(tokens[-size:])
        if name in provinces:
            return tokens[-size:]
    return None
