"""Parsing a place text into segments: commas, level prefixes ("Tỉnh", "H.", "Q.1"), street
noise, and addresses written without commas (cut against the known names)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..models import AdminUnit
from ..place_steps import INSTITUTION_FIRST, NOISE_WORDS, strip_institution, strip_noise
from ..text import FOLD_TABLE, clean, fold

PROVINCE = AdminUnit.Level.PROVINCE.value
DISTRICT = AdminUnit.Level.DISTRICT.value
COMMUNE = AdminUnit.Level.COMMUNE.value
# keys of ``known`` (the catalogue's name sets) for the communes merged away 2019–2024: their
# names without spaces ("trangminh", as the sources give them) and every leading run of letters
FORMER = "former"
FORMER_STEMS = "former stems"

# Folded prefix → the levels it announces. "Thành phố"/"TP" is a province or (before 2025) a
# district-level city; "Thị xã" only a district.
_PREFIXES: dict[tuple[str, ...], frozenset[str]] = {
    ("tinh",): frozenset({PROVINCE}),
    ("t",): frozenset({PROVINCE}),
    ("thanh", "pho"): frozenset({PROVINCE, DISTRICT}),
    ("tp",): frozenset({PROVINCE, DISTRICT}),
    ("huyen",): frozenset({DISTRICT}),
    ("h",): frozenset({DISTRICT}),
    ("quan",): frozenset({DISTRICT}),
    ("q",): frozenset({DISTRICT}),
    ("thi", "xa"): frozenset({DISTRICT}),
    ("tx",): frozenset({DISTRICT}),
    ("xa",): frozenset({COMMUNE}),
    ("x",): frozenset({COMMUNE}),
    ("phuong",): frozenset({COMMUNE}),
    ("p",): frozenset({COMMUNE}),
    ("f",): frozenset({COMMUNE}),  # "F3": a ward in Saigon shorthand
    ("thi", "tran"): frozenset({COMMUNE}),
    ("tt",): frozenset({COMMUNE}),
    ("ttr",): frozenset({COMMUNE}),  # "TTr. Quỳnh Côi": another shorthand of "Thị trấn"
    ("dac", "khu"): frozenset({COMMUNE}),
}
# Folded prefix → the folded unit type it names, to choose between same-named units of one
# level ("Huyện Hòa Bình" in Bạc Liêu, not "Thành phố Hòa Bình").
_PREFIX_TYPE: dict[tuple[str, ...], str] = {
    ("tinh",): "tinh",
    ("t",): "tinh",
    ("thanh", "pho"): "thanh pho",
    ("tp",): "thanh pho",
    ("huyen",): "huyen",
    ("h",): "huyen",
    ("quan",): "quan",
    ("q",): "quan",
    ("thi", "xa"): "thi xa",
    ("tx",): "thi xa",
    ("xa",): "xa",
    ("x",): "xa",
    ("phuong",): "phuong",
    ("p",): "phuong",
    ("f",): "phuong",
    ("thi", "tran"): "thi tran",
    ("tt",): "thi tran",
    ("ttr",): "thi tran",
    ("dac", "khu"): "dac khu",
}
# syllables of names that fold like a level word but are spelt otherwise ("Thạch Xá",
# "Phương Công", "Quân Chu", "Tịnh Biên", "Huyền Sơn"): in a text with marks, not a level word
_NAME_SYLLABLES = frozenset(
    {"xá", "xà", "phương", "phượng", "quân", "quán", "quấn", "tịnh", "tình", "huyền"}
)
_PROVINCE_ONLY = frozenset({PROVINCE})
# the folded level words a syllable of _NAME_SYLLABLES folds to (checked before spelling)
_LEVEL_LIKE = frozenset({"xa", "phuong", "quan", "tinh", "huyen"})
# searched in the lower-cased text: a case-insensitive pattern costs several times more (none
# of these letters has another lower-case form than ``str.lower`` gives)
_NAME_SYLLABLE = re.compile("|".join(sorted(_NAME_SYLLABLES)))
_GLUED_NUMBER = re.compile(r"^(q|p|f|quan|phuong)(\d+)$")  # "Q1", "P7", "F3", "phuong12"
# "thanhpho", "thixa", "thitran", "dackhu": a two-word level word written as one
_GLUED_PREFIX = {"".join(head): head for head in _PREFIXES if len(head) == 2}
# level words that no syllable extends: a name glued to them is cut off ("tinhthanh hoa")
_GLUED_WORDS = ("tinh", "huyen", "phuong")
_SEPARATOR = re.compile(r"[,;|\n\r]")
# fold()'s table for one part (no separators left in it), with an identity entry for every
# other ASCII character: ``str.translate`` pays for a missing key with an exception
_FOLD_TABLE = {**{cp: chr(cp) for cp in range(0x80)}, **FOLD_TABLE}
_PUNCT_TO_SPACE = {
    cp: " " if unicodedata.category(chr(cp))[0] in "PSZC" else chr(cp) for cp in range(0x3000)
}
_PUNCT_TO_SPACE[ord(" ")] = " "


def _normalise_tokens(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token.isalpha():
            out.append(token)
            continue
        glued = _GLUED_NUMBER.match(token)
        if glued:
            out.append(glued.group(1))
            token = glued.group(2)
        if token.isdecimal() and token.isascii():
            token = str(int(token))  # "Phường 07" = "Phường 7" (not "¹", a digit to isdigit)
        out.append(token)
    return out


def name_key(name: str) -> str:
    """The index key of a stored name ("Phường 07" → "phuong 7", "Đắk Lắk" → "dak lak")."""
    return " ".join(_normalise_tokens(fold(name).split()))


@lru_cache(maxsize=8192)
def _accent_key(text: str) -> str:
    return " ".join(clean(text).lower().translate(_PUNCT_TO_SPACE).split())


@dataclass(slots=True, init=False)
class Segment:
    raw: str
    hint: frozenset[str] | None  # levels announced by a prefix; None for a bare name
    unit_type: str  # folded unit type named by the prefix ("huyen"), "" for a bare name
    key: str  # folded name without its prefix
    full_key: str  # folded segment with its prefix
    prefix_len: int
    numeric: bool
    raw_is_ascii: bool = True
    _accent: str | None = None
    # 0 for an ordinary segment; what is left of a hamlet or house part, read only as the
    # end of a commune's name inside the district the text names (see ``tails``):
    # TAIL_WHOLE after a number (the whole may be the commune: "Tổ 9 Tô Hiệu"), TAIL_END
    # after a name (only its last words: "Thôn Chua Bình Minh")
    tail: int = 0
    # a level word and a name not known, cut from a run before known names ("xa son thy h le
    # thuy"): a spelling fix of it is only a guess, for a person to confirm
    misspelt: bool = False

    # written out (init=False): mypyc compiles an __init__ written in the class, while the
    # one dataclasses generates runs interpreted (orgtree/native.py)
    def __init__(
        self,
        raw: str,
        hint: frozenset[str] | None,
        unit_type: str,
        key: str,
        full_key: str,
        prefix_len: int,
        numeric: bool,
        raw_is_ascii: bool = True,
        _accent: str | None = None,
        tail: int = 0,
        misspelt: bool = False,
    ) -> None:
        self.raw = raw
        self.hint = hint
        self.unit_type = unit_type
        self.key = key
        self.full_key = full_key
        self.prefix_len = prefix_len
        self.numeric = numeric
        self.raw_is_ascii = raw_is_ascii
        self._accent = _accent
        self.tail = tail
        self.misspelt = misspelt

    def accent_key(self) -> str:
        """The name with its diacritics (lower case, prefix removed), for same-fold ties."""
        if self._accent is None:
            words = _accent_key(self.raw).split()
            self._accent = " ".join(words[self.prefix_len :]) if words else ""
        return self._accent

    @property
    def has_accents(self) -> bool:
        """Whether the writer used diacritics: then "NGA THANH" means Nga Thanh, not Nga
        Thành. Judged on the whole text (a name may have none of its own)."""
        return not self.raw_is_ascii


def _segment(raw: str, tokens: list[str]) -> Segment:
    n = len(tokens)
    prefixes = _BY_FIRST_WORD.get(tokens[0]) if n > 1 else None
    if prefixes is not None:
        one, two = prefixes
        found = two.get(tokens[1]) if n > 2 and two else None
        if found is not None:
            prefix_len = 2
        elif one is not None:
            found, prefix_len = one, 1
        else:
            prefix_len = 0
        if found is not None:  # with a prefix of prefix_len words
            key = " ".join(tokens[prefix_len:])
            return Segment(  # positional: the fields in their order (cheaper than keywords)
                raw,
                found[0],  # hint
                found[1],  # unit_type
                key,
                " ".join(tokens),  # full_key
                prefix_len,
                key.replace(" ", "").isdigit(),  # numeric
            )
    key = " ".join(tokens)
    return Segment(raw, None, "", key, key, 0, key.replace(" ", "").isdigit())


# Segment.tail: what is left of a hamlet or house part, read only as the end of a commune's name
TAIL_WHOLE = 1
TAIL_END = 2
_MAX_TAIL_TOKENS = 4


def tails(seg: Segment) -> list[str]:
    """The keys a commune's name may take at the end of a segment, longest first: the last
    two to four words of a bare segment of three words or more (not the whole, already
    looked up), and of what is left of a hamlet part (the whole too)."""
    if seg.hint is not None or seg.numeric:
        return []
    words = seg.key.split()
    longest = len(words) if seg.tail == TAIL_WHOLE else len(words) - 1
    return [
        " ".join(words[-k:])
        for k in range(min(longest, _MAX_TAIL_TOKENS), 1, -1)
        if not words[-k].isdigit()
    ]


_MAX_NAME_TOKENS = 6
# Scoring of a cut: words covered by known names, a bonus for a piece with its prefix, a cost
# per piece (so "xa ba vinh" stays one commune rather than "xa ba" + the city "vinh") and
# more for a bare one-word piece.
_EXPLICIT_BONUS = 0.5
_PIECE_COST = 0.3
_ONE_WORD_COST = 0.2
# a commune opening the run with its level word but a name not known (misspelt): a piece of
# up to three words right before a known one, worth a little per word
_MISSPELT_VALUE = 0.05
_MAX_MISSPELT_TOKENS = 3


def _hint_key(hint: frozenset[str] | None) -> str:
    """The name of the set of known names for a prefix's levels ("province|district")."""
    if hint is None:
        return "any"
    return "|".join(level for level in (PROVINCE, DISTRICT, COMMUNE) if level in hint)


_HINT_KEY = {head: _hint_key(levels) for head, levels in _PREFIXES.items()}
_HINT_KEY_OF: dict[frozenset[str] | None, str] = {
    levels: _hint_key(levels) for levels in _PREFIXES.values()
}


# the prefixes by their first word: (the one-word prefix or None, {second word: the two-word
# prefix}), each as (levels, unit type, name of the set of known names of its levels), so that
# a segment or a run is read with dict lookups, no tuple made per word
_Prefix = tuple[frozenset[str], str, str]
_BY_FIRST_WORD: dict[str, tuple[_Prefix | None, dict[str, _Prefix]]] = {}
for _head, _levels in _PREFIXES.items():
    _one, _two = _BY_FIRST_WORD.get(_head[0], (None, {}))
    _found = (_levels, _PREFIX_TYPE[_head], _HINT_KEY[_head])
    if len(_head) == 1:
        _one = _found
    else:
        _two[_head[1]] = _found
    _BY_FIRST_WORD[_head[0]] = (_one, _two)
# the words that are a level word alone ("xa", "h", "tp")
_ONE_WORD_HEADS = frozenset(head[0] for head in _PREFIXES if len(head) == 1)


def _above_commune(
    start: int, end: int, tokens: list[str], known: dict[str, frozenset[str]]
) -> bool:
    """Whether the piece ``tokens[start:end]`` of a run is a district or a province: with its
    level word, or a name of those levels that is no commune's (so not the rest of a misspelt
    commune's name: "phuong trna hung dao")."""
    for head in (tuple(tokens[start : start + 2]), (tokens[start],)):
        if head in _PREFIXES and len(head) < end - start:
            return COMMUNE not in _PREFIXES[head]
    name = " ".join(tokens[start:end])
    return name in known["province|district"] and name not in known[COMMUNE]


_NO_NAMES: frozenset[str] = frozenset()


def _split_run(
    tokens: list[str], known: dict[str, frozenset[str]], not_prefix: frozenset[int] = frozenset()
) -> list[list[str]] | None:
    """Cut an address written without commas ("xa dang xa huyen gia lam ha noi") into pieces
    that are known names, each with its optional prefix; unknown words (house numbers,
    streets, villages) are skipped. Dynamic programming over the tokens (see the scoring
    constants above), from the end: the best score from each position on, the piece chosen
    there (None: the token is skipped) and the first piece from there on. None when fewer
    than two pieces are found. A token whose position is in ``not_prefix`` is read as a
    name's syllable, never as a level word ("Thạch Xá")."""
    n = len(tokens)
    any_level = known["any"]
    province_or_district = known["province|district"]
    stems = known["stems"]  # every leading run of words of every known name
    former_names, former_stems = known.get(FORMER, _NO_NAMES), known.get(FORMER_STEMS, _NO_NAMES)
    score_at = [0.0] * (n + 1)
    piece_at: list[tuple[int, int] | None] = [None] * (n + 1)
    first_at: list[tuple[int, int] | None] = [None] * (n + 1)
    for i in range(n - 1, -1, -1):
        best = score_at[i + 1]  # skip token i (a house number, a street, a village)
        chosen: tuple[int, int] | None = None
        prefixes = _BY_FIRST_WORD.get(tokens[i]) if i + 1 < n else None
        if prefixes is not None and i not in not_prefix:
            one, two = prefixes
            for size in (2, 1):
                if size == 2:
                    found = two.get(tokens[i + 1]) if two and i + 2 < n else None
                else:
                    found = one
                if found is None:
                    continue
                names = known[found[2]]
                # a commune's level word may open a name merged away 2019–2024 too
                formers = former_stems if COMMUNE in found[0] else _NO_NAMES
                name = compact = ""
                for j in range(i + size, min(n, i + size + _MAX_NAME_TOKENS)):
                    name = f"{name} {tokens[j]}" if name else tokens[j]
                    compact += tokens[j]
                    if name not in stems and compact not in formers:
                        break
                    if name in names or (compact in formers and compact in former_names):
                        value = (j + 1 - i) + _EXPLICIT_BONUS - _PIECE_COST + score_at[j + 1]
                        if value > best:
                            best, chosen = value, (i, j + 1)
                if i == 0 and found[2] == COMMUNE:
                    # the commune opening the run, misspelt ("xa son thy h le thuy …"): kept as
                    # a piece before a known one, for the spelling fixes; worth less than any
                    # name
                    for j in range(i + size, min(n - 1, i + size + _MAX_MISSPELT_TOKENS)):
                        if not tokens[j].isalpha() or tokens[j] in _ONE_WORD_HEADS:
                            break
                        nxt = first_at[j + 1]
                        if nxt and nxt[0] == j + 1 and _above_commune(*nxt, tokens, known):
                            value = _MISSPELT_VALUE * (j + 1 - i) + score_at[j + 1]
                            if value > best:
                                best, chosen = value, (i, j + 1)
        name = compact = ""
        for j in range(i, min(n, i + _MAX_NAME_TOKENS)):
            name = f"{name} {tokens[j]}" if name else tokens[j]
            compact += tokens[j]
            if name not in stems and compact not in former_stems:
                break
            if j == i:
                ok = name in province_or_district and not name.isdigit()
            else:
                # a name of two words or more merged away 2019–2024 ("hoa thuan dong"), not
                # after a street word nor over a level word ("duong quang", "trung xa": the
                # sources give these names without spaces, so only the letters are matched)
                ok = name in any_level or (
                    compact in former_names
                    and tokens[i] not in NOISE_WORDS
                    and _ONE_WORD_HEADS.isdisjoint(tokens[i : j + 1])
                )
            if ok:
                value = (j + 1 - i) - _PIECE_COST - (_ONE_WORD_COST if j == i else 0.0)
                value += score_at[j + 1]
                if value > best:
                    best, chosen = value, (i, j + 1)
        score_at[i] = best
        piece_at[i] = chosen
        first_at[i] = chosen or first_at[i + 1]
    pieces: list[list[str]] = []
    i = 0
    while i < n:
        chosen = piece_at[i]
        if chosen is None:
            i += 1
        else:
            pieces.append(tokens[chosen[0] : chosen[1]])
            i = chosen[1]
    return pieces if len(pieces) >= 2 else None


_PART_CACHE_SIZE = 32768
_NOISE_TAIL = "0123456789abc"  # what strip_noise strips from "so12", "km5", "ql1a"
_NOISY_RUN = 5  # tokens of a noisy part worth cutting into names (not "Thôn Đông Tâm")


def parse_segments(
    text: str,
    known: dict[str, frozenset[str]] | None = None,
    cache: dict[tuple[str, bool, bool], tuple[Segment, ...]] | None = None,
) -> list[Segment]:
    """Cut the text at commas (";", "|", new lines) into segments with their level prefix.
    With ``known`` names, a segment that is not itself a known name and has several words is
    further cut by :func:`_split_run` (addresses written without commas). ``cache`` (made for
    one ``known``) remembers the segments of each part: province and district parts repeat
    across addresses; the segments are shared, so nothing may change them."""
    segments: list[Segment] = []
    ascii_text = text.isascii()
    if ";" in text or "|" in text or "\n" in text or "\r" in text:
        raws = _SEPARATOR.split(text)
    else:
        raws = text.split(",")  # the common case, cheaper than the regex
    last_part = len(raws) - 1
    for n, raw in enumerate(raws):
        last = n == last_part
        if cache is None:
            folded = raw.translate(_FOLD_TABLE).lower()
            segments.extend(_parse_part(raw, folded, ascii_text, known, last))
            continue
        part_key = (raw, ascii_text, last)
        found = cache.get(part_key)
        if found is None:
            # folded here, part by part: a part found in the cache is never folded
            folded = raw.translate(_FOLD_TABLE).lower()
            found = tuple(_parse_part(raw, folded, ascii_text, known, last))
            if len(cache) >= _PART_CACHE_SIZE:
                cache.clear()
            cache[part_key] = found
        segments.extend(found)
    if known is not None and len(segments) > 1:
        return _join_names(segments, known)
    return segments


def _join_names(segments: list[Segment], known: dict[str, frozenset[str]]) -> list[Segment]:
    """Join a segment to the bare one after it when together they are one known name that a
    dash or comma had cut: "Gia Lai - Kon Tum", "Bà Rịa - Vũng Tàu", "Quảng Nam - Đà Nẵng",
    "Phan Rang - Tháp Chàm", "Văn Miếu - Quốc Tử Giám". The joined name must be of a level
    the first part's level word announces, and a province after the cut stays a province
    unless the joined name is one too: "Phường Đúc, Huế" is a ward of Huế, not the district
    Đức Huệ."""
    out = segments
    provinces = known[PROVINCE]
    i = 0
    while i < len(out) - 1:
        a, b = out[i], out[i + 1]
        if b.hint is not None or b.numeric or a.tail or b.tail:
            i += 1
            continue
        joined_key = f"{a.key} {b.key}"
        if joined_key in known[_HINT_KEY_OF.get(a.hint, "any")] and (
            b.key not in provinces or joined_key in provinces
        ):
            tokens = [*a.full_key.split(), *b.key.split()]
            joined = _segment(f"{a.raw} {b.raw}", tokens)
            joined.raw_is_ascii = a.raw_is_ascii
            out = [*out[:i], joined, *out[i + 2 :]]
        i += 1
    return out


def _numbered_noise(tokens: list[str]) -> int:
    """How many tokens open the part as numbered street-level noise: a noise word followed by
    a number ("khom 3", "so 8 hem 21", "so nha 12", "to4"), repeated; 0 when none."""
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        if token == "so" and i + 1 < n and tokens[i + 1] == "nha":
            i += 1
            token = "so nha"
        if token in NOISE_WORDS and i + 1 < n and any(c.isdigit() for c in tokens[i + 1]):
            i += 2
        elif any(c.isdigit() for c in token) and token.rstrip(_NOISE_TAIL) in NOISE_WORDS:
            i += 1
        else:
            break
    return i if i < n else 0


def _pieces(pieces: list[list[str]], known: dict[str, frozenset[str]]) -> list[Segment]:
    """The segments of the pieces :func:`_split_run` cut (the original spelling is lost: no
    diacritics to compare); the misspelt commune it may keep first is marked so."""
    segments = [_segment(" ".join(p), p) for p in pieces]
    first = segments[0]
    if first.hint is not None and first.key not in known[_HINT_KEY_OF[first.hint]]:
        first.misspelt = True
    return segments


def _hamlet_rest(tokens: list[str]) -> list[Segment]:
    """What follows a hamlet or house and its number or name, when at least two words are
    left ("thon 16 cu prong" → "cu prong", "thon chua binh minh" → "chua binh minh" of which
    only "binh minh" may be read): a commune named right after it without a comma. Read only
    as the end of a commune's name inside the district the text names (``Segment.tail``)."""
    skip = _numbered_noise(tokens)
    whole = skip > 0  # after a number the rest may be the commune itself ("to 9 to hieu")
    if not skip:
        skip = 2 if tokens[:2] == ["so", "nha"] else 1
    rest = tokens[skip:]
    if len(rest) < 2 or not all(t.isalpha() for t in rest[-2:]):
        return []
    if not whole and len(rest) < 3:
        return []
    segment = _segment(" ".join(rest), rest)
    if segment.hint is not None:
        return []
    segment.tail = TAIL_WHOLE if whole else TAIL_END
    return [segment]


_NO_POSITIONS: frozenset[int] = frozenset()


def _name_syllables(raw: str, tokens: list[str]) -> frozenset[int]:
    """The positions of the tokens that fold like a level word but are written as a syllable of
    a name ("Xá" of "Thạch Xá"), not before a number ("Quân 10" is a slip for "Quận 10");
    empty when the words of ``raw`` do not line up with the tokens."""
    if _NAME_SYLLABLE.search(raw.lower()) is None:
        return _NO_POSITIONS  # the common case: a level word spelt as one
    words = _accent_key(raw).split()
    if len(words) != len(tokens):
        return _NO_POSITIONS
    return frozenset(
        i
        for i, word in enumerate(words)
        if word in _NAME_SYLLABLES and not (i + 1 < len(tokens) and tokens[i + 1].isdigit())
    )


def _bare_segment(raw: str, tokens: list[str]) -> Segment:
    """A segment without a level word, though its first word folds like one ("Phương Công")."""
    key = " ".join(tokens)
    return Segment(raw, None, "", key, key, 0, key.replace(" ", "").isdigit())


def _level_tail(tokens: list[str], known: dict[str, frozenset[str]]) -> int:
    """Where a level word and a known name of its level end the tokens ("… thanh thai phuong
    14", "x thanh loi tinh long an"), after words that are none: the position of the level
    word, 0 when there is none."""
    for i in range(len(tokens) - 2, 0, -1):
        for size in (2, 1):
            head = tuple(tokens[i : i + size])
            if head not in _PREFIXES or i + size >= len(tokens):
                continue
            name = " ".join(tokens[i + size :])
            if name in known[_HINT_KEY[head]]:
                return i
    return 0


def _province_end(tokens: list[str], known: dict[str, frozenset[str]]) -> int:
    """Where the province ends the last part of a text after words that name nothing ("yamaha
    3s da nang", "kiet 24/3 duong le duan da nang", "… Tỉnh Nghê An"): the position of its
    name of two words or more, or of the word "Tỉnh" before one to three words (a misspelt
    name, for the spelling fixes; "T." before two or three); 0 when none."""
    provinces = known[PROVINCE]
    n = len(tokens)
    for i in range(max(1, n - _MAX_TAIL_TOKENS), n - 1):
        if " ".join(tokens[i:]) in provinces:
            return i
    for i in range(max(1, n - 4), n - 1):
        words = tokens[i + 1 :]
        if (tokens[i] == "tinh" or (tokens[i] == "t" and len(words) >= 2)) and all(
            any(c.isalpha() for c in t) for t in words
        ):
            return i
    return 0


def _raw_end(raw: str, tokens: list[str], kept: list[str], ascii_text: bool) -> tuple[str, bool]:
    """The words of ``raw`` that the ``kept`` end of its ``tokens`` stands for, as written
    ("Ấp 7 X Tam Thạnh" → "X Tam Thạnh": its marks tell Tam Thạnh from Tam Thành), and
    ``ascii_text`` as given; the folded kept words and True (no spelling of their own to
    compare) when the words do not line up with the tokens or ``kept`` is not their end."""
    words = raw.split()
    n = len(tokens) - len(kept)
    if len(words) == len(tokens) and 0 <= n < len(tokens) and tokens[n:] == kept:
        return " ".join(words[n:]), ascii_text
    return " ".join(kept), True


def _parse_part(
    raw: str,
    folded: str,
    ascii_text: bool,
    known: dict[str, frozenset[str]] | None,
    last: bool = False,
) -> list[Segment]:
    """The segments of one comma-separated part (``folded`` is ``raw`` folded); the ``last``
    part of a text may end with its province after words that name nothing."""
    tokens = folded.split()
    if not tokens:
        return []
    if not folded.replace(" ", "").isalpha():
        tokens = _normalise_tokens(tokens)
    syllables = (
        _NO_POSITIONS
        if ascii_text or _LEVEL_LIKE.isdisjoint(tokens)
        else _name_syllables(raw, tokens)
    )
    glued = _GLUED_PREFIX.get(tokens[0])
    if glued is not None:
        tokens = [*glued, *tokens[1:]]  # "Thànhphố Hải Phòng"
    elif len(tokens[0]) > 5 and tokens[0].startswith(_GLUED_WORDS) and tokens[0] != "phuong":
        # "Tỉnhthanh Hóa", "Huyệntân Biên": no syllable goes on after these level words
        # ("phuong" itself, the only one longer than five letters, is the word alone)
        word = next(w for w in _GLUED_WORDS if tokens[0].startswith(w))
        if len(tokens[0]) >= len(word) + 2 and tokens[0][len(word) :].isalpha():
            tokens = [word, tokens[0][len(word) :], *tokens[1:]]
    first = tokens[0]
    if known is not None and first in INSTITUTION_FIRST:
        kept = strip_institution(tokens, known["any"], known[PROVINCE])
        if not kept:
            return []
        if kept is not tokens:
            raw, ascii_text = _raw_end(raw, tokens, kept, ascii_text)
            tokens = kept
            first = tokens[0]
    if known is not None and (first in NOISE_WORDS or first.rstrip(_NOISE_TAIL) in NOISE_WORDS):
        # a street-level start ("so nha 12", "to4"): strip_noise's own test, without the call
        stripped = strip_noise(tokens, known["any"])
        if stripped and len(tokens) - len(stripped) in syllables:
            stripped = None  # "Thôn Yến Thạch Xá …": "Xá" is no "Xã"
        if not stripped:
            # no level word after the noise: only a house number, a lane, a hamlet, or an
            # address without commas ("Xóm 4 Diễn Kỷ Diễn Châu Nghệ An") that names places
            pieces = _split_run(tokens, known, syllables) if len(tokens) >= _NOISY_RUN else None
            if pieces:
                return _pieces(pieces, known)
            cut = _province_end(tokens, known) if last else 0
            if cut:
                return [*_hamlet_rest(tokens[:cut]), _segment(" ".join(tokens[cut:]), tokens[cut:])]
            return _hamlet_rest(tokens)
        if stripped is not tokens:
            rest = tokens[_numbered_noise(tokens) :]
            if len(rest) > len(stripped) and len(rest) >= 3 and rest[0] not in NOISE_WORDS:
                # "Khóm 3 Bằng Hành Bắc Quang Tỉnh Hà Tuyên": after a numbered hamlet or
                # house, names come before the first level word (not after "Số 12 đường
                # Lê Lợi": a street)
                skip = len(tokens) - len(rest)
                pieces = _split_run(rest, known, frozenset(p - skip for p in syllables))
                if pieces and len(pieces) > 1 and len(pieces[0]) + len(stripped) <= len(rest):
                    return _pieces(pieces, known)
            raw, ascii_text = _raw_end(raw, tokens, stripped, ascii_text)
            tokens = stripped
    segment = _segment(raw, tokens)
    if segment.prefix_len and 0 in syllables and tokens == folded.split():
        segment = _bare_segment(raw, tokens)
    segment.raw_is_ascii = ascii_text
    if known is not None and len(tokens) >= 3:
        names = known[_HINT_KEY_OF.get(segment.hint, "any")]
        if segment.key not in names:
            pieces = _split_run(tokens, known, syllables)
            if pieces:
                # the pieces lose the original spelling: no diacritics to compare
                return _pieces(pieces, known)
            cut = _level_tail(tokens, known)
            if (
                cut > segment.prefix_len
                and cut not in syllables
                and any(t.isalpha() for t in tokens[segment.prefix_len : cut])
            ):
                # a street or a glued name before a level word and its unit ("7/3 Thành Thái
                # Phường 14", "X.UThạnh Lợi Tỉnh Long An"): the unit is its own segment (not
                # after a house number alone: "106 P. Ngô Quyền" is a street, "phố")
                head, tail = tokens[:cut], tokens[cut:]
                return [_segment(" ".join(head), head), _segment(" ".join(tail), tail)]
            cut = _province_end(tokens, known) if last else 0
            if cut > segment.prefix_len and segment.hint != _PROVINCE_ONLY:
                # (not after "Tỉnh"/"T." and a word: "T Nghệ Hà Nội" is a misspelt province)
                head, tail = tokens[:cut], tokens[cut:]
                return [_segment(" ".join(head), head), _segment(" ".join(tail), tail)]
            cut = _misspelt_tail(tokens, known, syllables)
            if cut > segment.prefix_len:
                # "Đai Tan Huyện Đại ộc": a known commune, then a level word spelt out and a name
                # not known (misspelt, for the spelling fixes)
                head, tail = tokens[:cut], tokens[cut:]
                return [_segment(" ".join(head), head), _segment(" ".join(tail), tail)]
    return [segment]


# level words spelt out in full that may open a misspelt name at the end of a run
_FULL_LEVEL_WORDS = frozenset({"huyen", "quan", "phuong", "tinh"})


def _misspelt_tail(
    tokens: list[str], known: dict[str, frozenset[str]], syllables: frozenset[int]
) -> int:
    """Where a level word spelt out ("huyen", "quan", "phuong", "tinh") and one to three
    words of a name not known end the tokens, after a known name of two words or more
    ("dai tan huyen dai oc"): the position of the level word, 0 when none."""
    n = len(tokens)
    for i in range(n - 2, 1, -1):
        if tokens[i] in _FULL_LEVEL_WORDS and i not in syllables and n - i - 1 <= 3:
            if all(t.isalpha() for t in tokens[i + 1 :]) and " ".join(tokens[:i]) in known["any"]:
                return i
            return 0
    return 0
