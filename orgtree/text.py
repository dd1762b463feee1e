"""Vietnamese text normalisation shared by every app.

Two different jobs:

* :func:`clean` produces the text we *store*: NFC, the look-alike "Ð" (U+00D0, Icelandic eth)
  replaced by "Đ" (U+0110), one tone-mark style, single spaces, trimmed.
* :func:`fold` produces a *search key*: no diacritics, "đ" → "d", lower case, punctuation as
  spaces. It is built on one ``str.translate`` table so that it is fast enough for the
  place-name resolver's hot path (no per-call Unicode decomposition).

Tone-mark style: in the syllables ending in "oa", "oe", "uy" the tone mark sits on the first
vowel in the traditional style ("Hòa", "Thúy", used by legal texts and most HR data) and on the
second in the "new" style ("Hoà", "Thuý", used by parts of the GSO tables). We store the
traditional style everywhere so that equal names compare equal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FOLD_TABLE", "clean", "fold", "title_case", "unify_tone_style"]

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
# After NFD, a tone on the second vowel of a final "oa"/"oe"/"uy" (not after "q", where "u"
# belongs to the consonant "qu") moves to the first vowel. Vowels carrying a breve or
# circumflex ("oă", "uê") never match because that modifier stands between letter and tone.
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![^\W\d_])|"
    rf"(?<![qQ])([uU])([yY])([{_TONES}])(?![^\W\d_])"
)
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})  # Ð→Đ, ð→đ
_SPACES = re.compile(r"\s+")


def _move_tone(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def unify_tone_style(text: str) -> str:
    """Return NFC text with tone marks in the traditional position ("Hoà" → "Hòa")."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _NEW_STYLE.sub(_move_tone, decomposed))


def clean(text: str | None) -> str:
    """Text as we store it: NFC, "Đ" not "Ð", traditional tone style, single-spaced, trimmed."""
    if not text:
        return ""
    text = unify_tone_style(text.translate(_LOOKALIKES))
    return _SPACES.sub(" ", text).strip()


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x10000):  # the BMP: every Vietnamese letter, mark and punctuation
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat.startswith("M"):
            table[cp] = None  # a combining mark: drop (handles NFD input directly)
        elif cat.startswith("L"):
            if cp < 0x80:
                continue
            base = "".join(
                c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
            )
            if base != ch and base.isascii():
                table[cp] = base
        elif cat.startswith(("P", "S", "Z", "C")) and ch not in " ":
            table[cp] = " "
    for ch, base in {"đ": "d", "Đ": "D", "Ð": "D", "ð": "d", "ƒ": "f"}.items():
        table[ord(ch)] = base
    return table


# The ``str.translate`` table behind :func:`fold` (lower-casing and space-collapsing aside);
# the place resolver extends it to keep address separators while folding in one pass.
FOLD_TABLE = _build_fold_table()


def fold(text: str | None) -> str:
    """Search key: "  TP. Hồ  Chí Minh " → "tp ho chi minh"."""
    if not text:
        return ""
    return " ".join(text.translate(FOLD_TABLE).lower().split())


def title_case(text: str) -> str:
    """Title-case a personal or place name word by word, keeping NFC ("NGUYỄN VĂN A" → "Nguyễn
    Văn A"). ``str.title`` would capitalise after apostrophes and digits; this does not."""
    words = clean(text).split(" ")
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


def in_vietnamese(label: object) -> str:
    """A translatable label (a model choice's) in Vietnamese whatever the user's language, for
    what is stored, signed, sent or read back: history reasons, conversion notes, files meant
    for re-import, the messages that quote them. The labels' source texts are Vietnamese."""
    from django.utils import translation

    with translation.override("vi"):
        return str(label)
