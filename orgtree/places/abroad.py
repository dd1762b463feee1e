"""Places abroad: a birth place "Liên Xô", "Berlin, CHDC Đức", "Viêng Chăn, Lào" is in no
province of Vietnam, and must never be read as one ("Lào" is not Lào Cai, "Bắc Kinh" is not a
misspelt Bắc Ninh, "Đức" is not a commune named Đức …).

The names are the Vietnamese names of the countries (and the former states) that records of
civil servants born abroad name most, as in the Ministry of Foreign Affairs' list of countries
and their common transliterations, with the spellings seen without marks and in English. A name
that is also the name of a unit in Vietnam ("Ấn Độ": Xã An Độ) is left out: such a text stays
with the resolver."""

from __future__ import annotations

import re
from functools import lru_cache

from ..text import fold
from .parse import _accent_key

_SEPARATORS = re.compile(r"[,;|\n]")

# Folded country names (the last part of an address).
COUNTRIES = frozenset(
    {
        "lien xo", "nga", "lien bang nga", "ucraina", "ukraina", "ukraine", "bach nga", "belarus",
        "duc", "tay duc", "dong duc", "germany", "lao", "laos", "campuchia", "cam pu chia",
        "cambodia", "thai lan", "thailand", "trung quoc", "china", "dai loan", "hong kong",
        "hong kong trung quoc", "ma cao", "nhat ban", "japan", "han quoc", "korea", "trieu tien",
        "bac trieu tien", "mong co", "tiep khac", "sec", "slovakia", "xlovakia", "ba lan",
        "poland", "hungari", "hungary", "hung ga ri", "bungari", "bun ga ri", "bulgaria",
        "rumani", "ru ma ni", "romania", "nam tu", "cu ba", "cuba", "phap", "france", "anh",
        "vuong quoc anh", "my", "hoa ky", "usa", "hop chung quoc hoa ky", "canada", "ca na da",
        "uc", "australia", "o xtray li a", "singapore", "xin ga po", "malaysia", "ma lai xi a",
        "indonesia", "in do ne xi a", "philippines", "phi lip pin", "myanmar", "mien dien",
        "india", "angieri", "an gie ri", "algeria", "libi", "libya", "irac", "iraq", "italia",
        "y", "thuy dien", "thuy si", "ha lan", "bi", "ao", "na uy", "dan mach", "phan lan",
        "tay ban nha", "bo dao nha", "hy lap", "tho nhi ky", "israel", "ai cap", "nuoc ngoai",
        "hai ngoai", "mongolia", "nicaragua", "mozambique", "angola", "ethiopia",
    }
)  # fmt: skip
# Folded words before a country name ("CHDC Đức", "Cộng hòa Séc", "Liên bang Nga").
_STATE_WORDS = (
    "cong hoa dan chu nhan dan",
    "cong hoa xa hoi chu nghia",
    "cong hoa lien bang",
    "cong hoa dan chu",
    "cong hoa",
    "chdcnd",
    "chxhcn",
    "chlb",
    "chdc",
    "ch",
    "vuong quoc",
    "lien bang",
    "nuoc",
)


@lru_cache(maxsize=4096)
def _fold(part: str) -> str:
    return fold(part)  # the last parts (provinces) repeat: fold each once


_STATE_START = tuple(sorted({words.split()[0] + " " for words in _STATE_WORDS}))
_TRAILING = " \t\r\n,;|."


def country(
    text: str,
    vietnam_names: frozenset[str] = frozenset(),
    vietnam_spellings: frozenset[str] | None = None,
) -> str | None:
    """The country named by the last part of a normalised text (after its last comma,
    semicolon or new line), as written, or None. A country whose name is also a name in
    ``vietnam_names`` ("Đức") counts only after other parts that name nothing in Vietnam
    ("Leipzig - Đức"), or with a word of state ("CHDC Đức"), or alone when written with
    marks that no unit's name has (``vietnam_spellings``, lower case: "Đức" is not the ward
    "Đúc" of Huế; "Duc" without marks stays with the resolver).

    Runs on every text: the common case is one ``rfind`` per separator and one fold."""
    body = text.rstrip(_TRAILING)
    cut = max(body.rfind(","), body.rfind(";"), body.rfind("|"), body.rfind("\n"))
    last = body[cut + 1 :].strip()
    key = _fold(last)
    if key not in COUNTRIES:
        if not key.startswith(_STATE_START):
            return None
        for words in _STATE_WORDS:
            if key.startswith(words + " ") and key[len(words) + 1 :] in COUNTRIES:
                return last
        return None
    if key not in vietnam_names:
        return last
    others = [fold(p) for p in _SEPARATORS.split(body[: max(cut, 0)])]
    others = [o for o in others if o]
    if others and not any(o in vietnam_names for o in others):
        return last
    if not others and vietnam_spellings is not None and not last.isascii():
        if _spelling(last) not in vietnam_spellings:
            return last
    return None


def _spelling(part: str) -> str:
    """The part lower case with its marks, as unit names are kept in ``spellings``."""
    return _accent_key(part)
