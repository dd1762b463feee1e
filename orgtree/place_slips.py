"""Slips of the keyboard in a place name, a step of the place-name resolver
(:mod:`orgtree.places`): a digit or a capital struck into a name ("Xã 7Sơn Hà", "Bản HoJn",
"Đan PhTượng", seen in the course data set of messy addresses).

Each function gives the text without the slip. Like the keystroke readings of
:mod:`orgtree.place_steps`, the resolver tries these readings only when the text as given
names no commune for sure, keeps one only when it names more, and says so in the reason.
"""

from __future__ import annotations

import re

from .place_steps import _LEVEL_WORDS, _UPPER, NOISE_WORDS
from .text import fold

__all__ = ["stray_capital_readings", "stray_digit_reading"]


def stray_digit_reading(text: str) -> str | None:
    """The text without a digit slipped into a name ("Xã 7Sơn Hà", "X Tân7 Thịnh", "Tỉnh
    Lạng5 Sơn"): one digit glued before or after two letters or more, not after a level or
    street word that takes a number ("Phường5", "Tổ4", "Km5"); None when there is none. Tried,
    like the keystroke readings, only when the text as given names no commune for sure."""
    if _DIGIT.search(text) is None:
        return None
    changed = False
    words = text.split(" ")
    for n, word in enumerate(words):
        found = _STRAY_DIGIT.fullmatch(word)
        if found is None:
            continue
        head, letters, tail = found.group(1), found.group(2), found.group(3)
        if not head and not tail:
            continue
        if head and tail:
            continue  # "5Km5": not one slip
        if tail and fold(letters).lower() in _TAKES_NUMBER:
            continue
        words[n] = letters + found.group(4)
        changed = True
    return " ".join(words) if changed else None


def stray_capital_readings(text: str) -> list[tuple[str, bool]]:
    """The text without one capital letter struck inside a word ("BảIn Sen" → "Bản Sen",
    "HoJn", "PhTượng", "ThanhQ Hóa"): a capital right after a letter and before a lower-case
    letter or the end of the word; one reading per such capital, at most
    ``_MAX_STRAY_CAPITALS``, each with whether the capital follows a level word's letter that
    opens the word ("HXuân Lộc": as likely "H Xuân Lộc", a district, as a slip). A capital
    that opens a word glued to the one before ("HuyệnNho Quan") gives a reading too: the
    resolver keeps a reading only when it names more."""
    out: list[tuple[str, bool]] = []
    if _INNER_CAPITAL.search(text) is None:
        return out  # the common case: no capital right after a letter
    for found in _WORD.finditer(text):
        word, start = found.group(0), found.start()
        for k in range(1, len(word)):
            if not word[k].isupper():
                continue
            if (k + 1 < len(word) and word[k + 1].islower()) or (
                k + 1 == len(word) and word[k - 1].islower()
            ):
                at = start + k
                out.append((text[:at] + text[at + 1 :], k == 1 and word[0] in _LEVEL_LETTERS))
                if len(out) == _MAX_STRAY_CAPITALS:
                    return out
    return out


_LEVEL_LETTERS = "THXPQF"
_MAX_STRAY_CAPITALS = 4
_WORD = re.compile(r"[^\W\d_]{2,}")


# a word of letters with one digit before or after it, and what follows (a comma, a dot)
_STRAY_DIGIT = re.compile(r"(\d?)([^\W\d_]{2,})(\d?)([,;.]*)")


# a capital right after a letter: the gate of stray_capital_readings
_INNER_CAPITAL = re.compile(rf"[^\W\d_][{_UPPER}]")
_DIGIT = re.compile(r"\d")
# folded words a number follows in an address ("Phường 5", "Tổ 4", "Km 5", "Quận 10",
# "Khu 3", "Lô 7", "Block 2"): a digit after them is no slip (see stray_digit_reading)
_TAKES_NUMBER = NOISE_WORDS | _LEVEL_WORDS | {"lo", "block", "nha", "phong", "tang"}
