"""The place-name resolver: free text ("Xã A, Huyện B, Tỉnh C", "TP.HCM", "Đà Lạt") → the
province and, when the text allows, the commune in force on a date.

How it works
------------
* The text is cut into segments at commas (and ``;``, ``|``, new lines). Each segment is folded
  (:func:`orgtree.text.fold`: no diacritics, lower case, punctuation as spaces, so NFC/NFD,
  both tone styles, "Ð", ALL CAPS and stray punctuation all give the same key) and its level
  prefix is read: "Tỉnh", "TP", "T.", "Huyện", "H.", "Q.1", "P.7", "TX", "TT", "Xã" …
* Each units release gets an in-memory :class:`UnitIndex` (dicts keyed by folded name, by
  (district code, name), by (province code, name)); the old → new conversion table and the
  historic names become dicts as well. They are built once and cached; the cache is dropped
  when a release is loaded or deleted, and re-checked against the database every
  ``INDEX_RECHECK_SECONDS``. Resolving is then pure dict work.
* The segments are read against the set in force on ``as_of`` ("direct" reading) and against
  each older set that a conversion table links to it (then carried forward through the table).
  A reading takes a province first (from the end of the text), then a district inside it, then
  a commune inside those; segments with an explicit prefix are preferred to bare ones. The
  reading that explains more of the text wins; equal readings that disagree are handed back as
  candidates for a person.
* An old commune split across several new communes never gets a single answer: its new
  communes come back as candidates with ``needs_review``.

Codes are the keys everywhere: 243 commune names repeat nationally.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from .models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName
from .place_fuzzy import FuzzyIndex, nearest
from .place_steps import decode, normalise, strip_noise
from .text import FOLD_TABLE, clean, fold

__all__ = [
    "PlaceResolution",
    "get_catalogue",
    "invalidate_indexes",
    "resolve_place",
]

INDEX_RECHECK_SECONDS = 30.0
DECISION_CACHE_SIZE = 16384
REVIEW_THRESHOLD = 0.7

PROVINCE = AdminUnit.Level.PROVINCE.value
DISTRICT = AdminUnit.Level.DISTRICT.value
COMMUNE = AdminUnit.Level.COMMUNE.value

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
    ("dac", "khu"): "dac khu",
}
_GLUED_NUMBER = re.compile(r"^(q|p|f|quan|phuong)(\d+)$")  # "Q1", "P7", "F3", "phuong12"
# "thanhpho", "thixa", "thitran", "dackhu": a two-word level word written as one
_GLUED_PREFIX = {"".join(head): head for head in _PREFIXES if len(head) == 2}
_SEPARATORS = ",;|\n\r"
_SEPARATOR = re.compile(r"[,;|\n\r]")
# fold()'s table, but keeping the segment separators (as ",") so the text is folded once
# (with an identity entry for every other ASCII character: ``str.translate`` pays for a
# missing key with an exception)
_FOLD_KEEPING_SEPARATORS = {
    **{cp: chr(cp) for cp in range(0x80)},
    **FOLD_TABLE,
    **{ord(c): "," for c in _SEPARATORS},
}
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
        if token.isdigit():
            token = str(int(token))  # "Phường 07" = "Phường 7"
        out.append(token)
    return out


def name_key(name: str) -> str:
    """The index key of a stored name ("Phường 07" → "phuong 7", "Đắk Lắk" → "dak lak")."""
    return " ".join(_normalise_tokens(fold(name).split()))


@lru_cache(maxsize=8192)
def _accent_key(text: str) -> str:
    return " ".join(clean(text).lower().translate(_PUNCT_TO_SPACE).split())


# ---------------------------------------------------------------------------------------------
# Parsed text
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
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
    hint: frozenset[str] | None = None
    unit_type = ""
    prefix_len = 0
    n = len(tokens)
    if n > 1:
        head = (tokens[0], tokens[1])
        if n > 2 and head in _PREFIXES:
            prefix_len = 2
        else:
            head = (tokens[0],)
            if head in _PREFIXES:
                prefix_len = 1
        if prefix_len:
            hint = _PREFIXES[head]
            unit_type = _PREFIX_TYPE[head]
    key_tokens = tokens[prefix_len:] if prefix_len else tokens
    key = " ".join(key_tokens)
    return Segment(
        raw=raw,
        hint=hint,
        unit_type=unit_type,
        key=key,
        full_key=" ".join(tokens) if prefix_len else key,
        prefix_len=prefix_len,
        numeric=key.replace(" ", "").isdigit(),
    )


_MAX_NAME_TOKENS = 6
# Scoring of a cut: words covered by known names, a bonus for a piece with its prefix, a cost
# per piece (so "xa ba vinh" stays one commune rather than "xa ba" + the city "vinh") and
# more for a bare one-word piece.
_EXPLICIT_BONUS = 0.5
_PIECE_COST = 0.3
_ONE_WORD_COST = 0.2


def _hint_key(hint: frozenset[str] | None) -> str:
    """The name of the set of known names for a prefix's levels ("province|district")."""
    if hint is None:
        return "any"
    return "|".join(level for level in (PROVINCE, DISTRICT, COMMUNE) if level in hint)


_HINT_KEY = {head: _hint_key(levels) for head, levels in _PREFIXES.items()}
_HINT_KEY_OF = {levels: _hint_key(levels) for levels in _PREFIXES.values()}


def _split_run(tokens: list[str], known: dict[str, frozenset[str]]) -> list[list[str]] | None:
    """Cut an address written without commas ("xa dang xa huyen gia lam ha noi") into pieces
    that are known names, each with its optional prefix; unknown words (house numbers,
    streets, villages) are skipped. Dynamic programming over the tokens (see the scoring
    constants above). None when fewer than two pieces are found."""
    n = len(tokens)
    any_level = known["any"]
    province_or_district = known["province|district"]
    stems = known["stems"]  # every leading run of words of every known name
    best: list[tuple[float, list[tuple[int, int]]]] = [(0.0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        score, pieces = best[i + 1]
        choice = (score, pieces)  # skip token i (a house number, a street, a village)
        for size in (2, 1):
            if i + size >= n:
                continue
            head = (tokens[i], tokens[i + 1]) if size == 2 else (tokens[i],)
            if head not in _PREFIXES:
                continue
            names = known[_HINT_KEY[head]]
            name = ""
            for j in range(i + size, min(n, i + size + _MAX_NAME_TOKENS)):
                name = f"{name} {tokens[j]}" if name else tokens[j]
                if name not in stems:
                    break
                if name in names:
                    value = (j + 1 - i) + _EXPLICIT_BONUS - _PIECE_COST + best[j + 1][0]
                    if value > choice[0]:
                        choice = (value, [(i, j + 1), *best[j + 1][1]])
        name = ""
        for j in range(i, min(n, i + _MAX_NAME_TOKENS)):
            name = f"{name} {tokens[j]}" if name else tokens[j]
            if name not in stems:
                break
            if j == i:
                ok = name in province_or_district and not name.isdigit()
            else:
                ok = name in any_level
            if ok:
                value = (j + 1 - i) - _PIECE_COST - (_ONE_WORD_COST if j == i else 0.0)
                value += best[j + 1][0]
                if value > choice[0]:
                    choice = (value, [(i, j + 1), *best[j + 1][1]])
        best[i] = choice
    pieces = best[0][1]
    if len(pieces) < 2:
        return None
    return [tokens[i:j] for i, j in pieces]


_PART_CACHE_SIZE = 32768


def parse_segments(
    text: str,
    known: dict[str, frozenset[str]] | None = None,
    cache: dict[tuple[str, bool], tuple[Segment, ...]] | None = None,
) -> list[Segment]:
    """Cut the text at commas (";", "|", new lines) into segments with their level prefix.
    With ``known`` names, a segment that is not itself a known name and has several words is
    further cut by :func:`_split_run` (addresses written without commas). ``cache`` (made for
    one ``known``) remembers the segments of each part: province and district parts repeat
    across addresses; the segments are shared, so nothing may change them."""
    segments: list[Segment] = []
    ascii_text = text.isascii()
    folded_parts = text.translate(_FOLD_KEEPING_SEPARATORS).lower().split(",")
    raws = _SEPARATOR.split(text) if len(folded_parts) > 1 else [text]
    for raw, folded in zip(raws, folded_parts, strict=True):
        if cache is None:
            segments.extend(_parse_part(raw, folded, ascii_text, known))
            continue
        found = cache.get((raw, ascii_text))
        if found is None:
            found = tuple(_parse_part(raw, folded, ascii_text, known))
            if len(cache) >= _PART_CACHE_SIZE:
                cache.clear()
            cache[raw, ascii_text] = found
        segments.extend(found)
    return segments


def _parse_part(
    raw: str, folded: str, ascii_text: bool, known: dict[str, frozenset[str]] | None
) -> list[Segment]:
    """The segments of one comma-separated part (``folded`` is ``raw`` folded)."""
    tokens = folded.split()
    if not tokens:
        return []
    if not folded.replace(" ", "").isalpha():
        tokens = _normalise_tokens(tokens)
    glued = _GLUED_PREFIX.get(tokens[0])
    if glued is not None:
        tokens = [*glued, *tokens[1:]]  # "Thànhphố Hải Phòng"
    if known is not None:
        stripped = strip_noise(tokens, known["any"])
        if not stripped:
            return []  # only a house number, a lane, a hamlet
        if stripped is not tokens:
            tokens = stripped
            raw = " ".join(tokens)
    segment = _segment(raw, tokens)
    segment.raw_is_ascii = ascii_text
    if known is not None and len(tokens) >= 3:
        names = known[_HINT_KEY_OF.get(segment.hint, "any")]
        if segment.key not in names:
            pieces = _split_run(tokens, known)
            if pieces:
                # the pieces lose the original spelling: no diacritics to compare
                return [_segment(" ".join(p), p) for p in pieces]
    return [segment]


# ---------------------------------------------------------------------------------------------
# Indexes
# ---------------------------------------------------------------------------------------------


def _group(pairs: list[tuple[Any, str]]) -> dict[Any, tuple[str, ...]]:
    grouped: dict[Any, list[str]] = defaultdict(list)
    for key, code in pairs:
        if code not in grouped[key]:
            grouped[key].append(code)
    return {k: tuple(v) for k, v in grouped.items()}


class UnitIndex:
    """Dicts over one units release, keyed by codes and folded names."""

    def __init__(self, release: AdminUnitRelease, units: list[tuple[str, ...]]) -> None:
        self.key = release.key
        self.effective_from = release.effective_from
        self.effective_to = release.effective_to
        self.name: dict[tuple[str, str], str] = {}  # (level, code) → full name
        self.accent: dict[tuple[str, str], str] = {}
        self.unit_type: dict[tuple[str, str], str] = {}
        self.province_of: dict[tuple[str, str], str] = {}
        self.district_of: dict[str, str] = {}  # commune code → district code
        self._pairs: dict[str, list[tuple[Any, str]]] = defaultdict(list)
        for level, code, name, full_name, unit_type, province_code, district_code in units:
            self.name[level, code] = full_name
            self.unit_type[level, code] = fold(unit_type)
            self.accent[level, code] = _accent_key(name)
            self.province_of[level, code] = province_code
            if level == COMMUNE:
                self.district_of[code] = district_code
            self._add_key(level, code, name_key(name))
        self._group()

    def _add_key(self, level: str, code: str, key: str) -> None:
        pairs = self._pairs
        pairs[level].append((key, code))
        if " " in key:
            pairs[level + "~"].append((key.replace(" ", ""), code))
        if level == COMMUNE:
            pairs["commune@district"].append(((self.district_of[code], key), code))
            pairs["commune@province"].append(((self.province_of[COMMUNE, code], key), code))

    def add_aliases(self, aliases: list[tuple[str, str, str]]) -> None:
        """Other spellings of units (level, code, name), e.g. from a conversion table."""
        for level, code, name in aliases:
            if (level, code) in self.name:
                self._add_key(level, code, name_key(_strip_type(name)))
        self._group()

    def _group(self) -> None:
        by_level = self._pairs
        self.provinces = _group(by_level[PROVINCE])
        self.districts = _group(by_level[DISTRICT])
        self.communes = _group(by_level[COMMUNE])
        self.compact = {
            PROVINCE: _group(by_level[PROVINCE + "~"]),
            DISTRICT: _group(by_level[DISTRICT + "~"]),
            COMMUNE: _group(by_level[COMMUNE + "~"]),
        }
        self.communes_in_district = _group(by_level["commune@district"])
        self.communes_in_province = _group(by_level["commune@province"])
        self.has_districts = bool(self.districts)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def ref(self, level: str, code: str) -> dict[str, str]:
        return {"code": code, "name": self.name[level, code]}


@dataclass(frozen=True, slots=True)
class Target:
    """One new commune (or only a province) an old unit went to."""

    province: str
    commune: str  # "" when only the province is known
    commune_name: str
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class HistoricEntry:
    name: str
    kind: str
    release_key: str
    province: str
    valid_until: date | None
    legal_basis: str


class ConversionIndex:
    """An old → new conversion table between two units releases."""

    def __init__(
        self,
        release: AdminUnitRelease,
        source: UnitIndex,
        rows: list[tuple[str, ...]],
    ) -> None:
        self.key = release.key
        self.effective_from = release.effective_from
        self.source = source
        by_code: dict[str, list[Target]] = defaultdict(list)
        self.by_name: set[str] = set()  # old codes whose rows were found by name
        self.aliases: list[tuple[str, str, str]] = []  # other spellings of old communes
        district_share: dict[str, Counter[str]] = defaultdict(Counter)
        province_share: dict[str, Counter[str]] = defaultdict(Counter)
        named: dict[tuple[str, str], list[str]] = defaultdict(list)  # (district, name) → codes
        for (level, code), full_name in source.name.items():
            if level == COMMUNE:
                named[source.district_of[code], name_key(full_name)].append(code)
        present = {row[3] for row in rows if row[3]}
        for new_p, new_c, new_name, old_c, old_name, old_d, kind, note in rows:
            target = Target(new_p, new_c, new_name, kind, note)
            for code, found_by_name in self._reconcile(old_c, old_name, old_d, named, present):
                by_code[code].append(target)
                if found_by_name:
                    self.by_name.add(code)
            # the old province is taken from the old set (the table's own column has errors)
            old_p = source.province_of.get((DISTRICT, old_d))
            district_share[old_d][new_p] += 1
            if old_p:
                province_share[old_p][new_p] += 1
        self.by_code = {k: tuple(v) for k, v in by_code.items()}
        self.district_targets = {k: _shares(v) for k, v in district_share.items()}
        self.province_targets = {k: _shares(v) for k, v in province_share.items()}
        self._carried: dict[str, dict[str, Carried]] = {}

    def prepare(self, target: UnitIndex) -> None:
        """Carry every old commune into ``target`` once, when the indexes are built."""
        self._carried[target.key] = {
            code: _carry(self, target, code)
            for (level, code) in self.source.name
            if level == COMMUNE
        }

    def carried(self, target: UnitIndex, old_code: str) -> Carried:
        return self._carried[target.key][old_code]

    def _reconcile(
        self,
        code: str,
        name: str,
        district: str,
        named: dict[tuple[str, str], list[str]],
        present: set[str],
    ) -> list[tuple[str, bool]]:
        """Which old commune(s) a row of the table is about: [(code, found by name)].

        The table's code and name usually agree with the old set. When they do not:
        * a code the old set lacks: the commune of that name in that district, if unique;
        * a name that is another commune of the same district: if that commune has rows of its
          own, the code is a typo and the row is its (Xã Đặng Xá given Xã Cổ Bi's code); if
          not, the row covers both (a commune renamed or merged just before the table);
        * otherwise the name is another spelling of the code's commune ("Quý"/"Quí"), kept as
          an alias so that either spelling is recognised.
        """
        if not code:
            return []
        key = name_key(name) if name else ""
        legacy = self.source.name.get((COMMUNE, code))
        same = [c for c in named.get((district, key), ()) if c != code] if key else []
        if legacy is None:
            return [(same[0], True)] if len(same) == 1 and same[0] not in present else []
        if not key or name_key(legacy) == key:
            return [(code, False)]
        if len(same) == 1:
            if same[0] in present:
                return [(same[0], True)]
            return [(code, False), (same[0], True)]
        self.aliases.append((COMMUNE, code, name))
        return [(code, False)]

    def commune_targets(self, old_code: str) -> tuple[tuple[Target, ...], bool]:
        """Targets of an old commune, and whether some were found by name, not code."""
        return self.by_code.get(old_code, ()), old_code in self.by_name


def _shares(counter: Counter[str]) -> tuple[tuple[str, float], ...]:
    total = sum(counter.values())
    return tuple((code, n / total) for code, n in counter.most_common())


_TYPE_WORDS = (
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "xa",
)


def _strip_type(full_name: str) -> str:
    folded = fold(full_name)
    for word in _TYPE_WORDS:
        if folded.startswith(word + " "):
            return " ".join(full_name.split()[len(word.split()) :])
    return full_name


class Decisions:
    """A bounded LRU of decisions keyed by (text, target release key). A decision depends
    only on the text, the catalogue and the target set, so every date in force of one set
    shares it; it lives on the :class:`Catalogue` and goes when the catalogue is rebuilt."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], Outcome | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[bool, Outcome | None]:
        with self._lock:
            try:
                found = self._items[key]
            except KeyError:
                return False, None
            self._items.move_to_end(key)
            return True, found

    def put(self, key: tuple[str, str], outcome: Outcome | None) -> None:
        with self._lock:
            self._items[key] = outcome
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Catalogue:
    units: list[UnitIndex]  # by effective_from
    conversions: list[ConversionIndex]
    historic: dict[str, tuple[HistoricEntry, ...]]
    historic_compact: dict[str, tuple[HistoricEntry, ...]]
    known: dict[str, frozenset[str]]  # every name key per level, all releases and historic
    fingerprint: tuple
    fuzzy: FuzzyIndex = field(default_factory=FuzzyIndex)
    checked_at: float = field(default_factory=time.monotonic)
    _targets: dict[date, UnitIndex | None] = field(default_factory=dict)
    _sources: dict[str, list[ConversionIndex]] = field(default_factory=dict)
    # decisions per (text, target release): dropped with the catalogue when data change
    decisions: Decisions = field(default_factory=lambda: Decisions(DECISION_CACHE_SIZE))
    parts: dict[tuple[str, bool], tuple[Segment, ...]] = field(default_factory=dict)

    def forget(self) -> None:
        """Drop the remembered decisions and parsed parts (the indexes stay)."""
        self.decisions.clear()
        self.parts.clear()

    def target_for(self, on: date) -> UnitIndex | None:
        found = self._targets.get(on)
        if found is None:
            found = self._targets[on] = self._target_for(on)
        return found

    def _target_for(self, on: date) -> UnitIndex | None:
        if not self.units:
            return None
        for index in reversed(self.units):
            if index.in_force(on):
                return index
        if on < self.units[0].effective_from:
            return self.units[0]
        return self.units[-1]

    def sources_for(self, target: UnitIndex) -> list[ConversionIndex]:
        found = self._sources.get(target.key)
        if found is None:
            found = [c for c in self.conversions if target.key in c._carried]
            self._sources[target.key] = found
        return found


_lock = threading.Lock()
_catalogue: Catalogue | None = None


def _fingerprint() -> tuple:
    return tuple(AdminUnitRelease.objects.order_by("pk").values_list("pk", "key", "sha256"))


def _build() -> Catalogue:
    fingerprint = _fingerprint()
    releases = list(AdminUnitRelease.objects.order_by("effective_from", "key"))
    units: list[UnitIndex] = []
    by_key: dict[str, UnitIndex] = {}
    for release in releases:
        if release.kind != AdminUnitRelease.Kind.UNITS:
            continue
        rows = list(
            AdminUnit.objects.filter(release=release).values_list(
                "level",
                "code",
                "name",
                "full_name",
                "unit_type",
                "province_code",
                "district_code",
            )
        )
        index = UnitIndex(release, rows)
        units.append(index)
        by_key[release.key] = index
    conversions: list[ConversionIndex] = []
    for release in releases:
        if release.kind != AdminUnitRelease.Kind.CONVERSION:
            continue
        source = next((u for u in units if u.effective_to == release.effective_from), None)
        if source is None:
            continue
        rows = list(
            AdminUnitConversion.objects.filter(release=release).values_list(
                "new_province_code",
                "new_commune_code",
                "new_commune_name",
                "old_commune_code",
                "old_commune_name",
                "old_district_code",
                "kind",
                "note",
            )
        )
        conversion = ConversionIndex(release, source, rows)
        source.add_aliases(conversion.aliases)
        for target in units:
            if target is not source and target.effective_from >= release.effective_from:
                conversion.prepare(target)
        conversions.append(conversion)
    historic: dict[str, list[HistoricEntry]] = defaultdict(list)
    compact: dict[str, list[HistoricEntry]] = defaultdict(list)
    for item in HistoricPlaceName.objects.filter(level=PROVINCE):
        if item.successor_release_key not in by_key:
            continue
        entry = HistoricEntry(
            name=item.name,
            kind=item.kind,
            release_key=item.successor_release_key,
            province=item.successor_province_code,
            valid_until=item.valid_until,
            legal_basis=item.legal_basis,
        )
        key = name_key(item.name)
        historic[key].append(entry)
        compact[key.replace(" ", "")].append(entry)
    known = {
        PROVINCE: frozenset(k for u in units for k in u.provinces) | frozenset(historic),
        DISTRICT: frozenset(k for u in units for k in u.districts),
        COMMUNE: frozenset(k for u in units for k in u.communes),
    }
    stems: set[str] = set()
    for level in list(known):
        for name in known[level]:
            words = name.split(" ")
            stems.update(" ".join(words[:k]) for k in range(1, len(words) + 1))
    known["stems"] = frozenset(stems)
    for hint in {*_HINT_KEY.values(), "any"}:
        levels = hint.split("|") if hint != "any" else [PROVINCE, DISTRICT, COMMUNE]
        known[hint] = frozenset().union(*(known[level] for level in levels))
    return Catalogue(
        known=known,
        units=units,
        conversions=conversions,
        historic={k: tuple(v) for k, v in historic.items()},
        historic_compact={k: tuple(v) for k, v in compact.items()},
        fingerprint=fingerprint,
        fuzzy=_fuzzy_index(units, historic),
    )


def _fuzzy_index(units: list[UnitIndex], historic: dict[str, list[HistoricEntry]]) -> FuzzyIndex:
    """Every known name grouped under the province names (see :mod:`orgtree.place_fuzzy`)."""
    fuzzy = FuzzyIndex()
    by_key = {u.key: u for u in units}
    for u in units:
        p_keys: dict[str, list[str]] = defaultdict(list)
        for key, codes in u.provinces.items():
            for code in codes:
                p_keys[code].append(key)
        for name, entries in historic.items():
            for h in entries:
                if h.release_key == u.key:
                    p_keys[h.province].append(name)
        districts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        district_keys: dict[str, list[str]] = defaultdict(list)
        for key, codes in u.districts.items():
            for code in codes:
                district_keys[code].append(key)
        communes: dict[str, list[str]] = defaultdict(list)
        for key, codes in u.communes.items():
            for code in codes:
                province = u.province_of[COMMUNE, code]
                communes[province].append(key)
                district = u.district_of.get(code)
                for d_key in district_keys.get(district or "", ()):
                    districts[province][d_key].append(key)
        for code, keys in p_keys.items():
            if (PROVINCE, code) not in u.name:
                continue
            d_items = list(districts[code].items())
            for d_code, d_keys in district_keys.items():
                if u.province_of[DISTRICT, d_code] == code:
                    d_items.extend((k, ()) for k in d_keys)
            fuzzy.add(keys, d_items, communes[code])
    del by_key
    fuzzy.freeze()
    return fuzzy


def get_catalogue() -> Catalogue:
    """The cached indexes, rebuilt when the loaded releases changed."""
    global _catalogue
    catalogue = _catalogue
    now = time.monotonic()
    if catalogue is not None and now - catalogue.checked_at < INDEX_RECHECK_SECONDS:
        return catalogue
    with _lock:
        if _catalogue is not None and _catalogue.fingerprint == _fingerprint():
            _catalogue.checked_at = now
            return _catalogue
        _catalogue = _build()
        return _catalogue


def invalidate_indexes(*args: Any, **kwargs: Any) -> None:
    global _catalogue
    with _lock:
        _catalogue = None


post_save.connect(invalidate_indexes, sender=AdminUnitRelease, dispatch_uid="places-save")
post_delete.connect(invalidate_indexes, sender=AdminUnitRelease, dispatch_uid="places-delete")


# ---------------------------------------------------------------------------------------------
# Reading the segments against one release
# ---------------------------------------------------------------------------------------------

# weights of a matched segment: province 3, district 2, commune 2 (in _read)
_BARE_COMMUNE_ALONE = 1.0  # a lone bare name read as a commune is weak evidence


@dataclass(slots=True)
class Reading:
    index: UnitIndex
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    score: float = 0.0
    factor: float = 1.0
    notes: list[str] = field(default_factory=list)
    historic: tuple[HistoricEntry, ...] = ()


def _prefer(
    index: UnitIndex, level: str, seg: Segment, codes: tuple[str, ...], explicit: bool
) -> tuple[str, ...]:
    """Among same-named units, keep those whose type matches the prefix ("Huyện" vs "Thành
    phố") and whose diacritics match the text ("Tân Hòa" vs "Tân Hoa"), when any do."""
    if len(codes) < 2:
        return codes
    if explicit and seg.unit_type:
        kept = tuple(c for c in codes if index.unit_type.get((level, c)) == seg.unit_type)
        codes = kept or codes
        if len(codes) < 2:
            return codes
    if not seg.has_accents:
        return codes
    wanted = seg.accent_key()
    kept = tuple(c for c in codes if index.accent.get((level, c)) == wanted)
    return kept or codes


Candidate = tuple[int, str, bool]  # (segment index, key to look up, explicit prefix)


@dataclass(slots=True)
class Plan:
    """The segments and, per level, which to try in which order (same for every reading):
    segments with a matching prefix first, from the end of the text, then bare names."""

    segments: list[Segment]
    province: tuple[Candidate, ...]
    district: tuple[Candidate, ...]
    commune: tuple[Candidate, ...]
    explicit: tuple[int, ...]


def _plan(segments: list[Segment]) -> Plan:
    province: list[Candidate] = []
    district: list[Candidate] = []
    commune: list[Candidate] = []
    bare: list[Candidate] = []
    explicit: list[int] = []
    for i in range(len(segments) - 1, -1, -1):  # from the end of the text
        seg = segments[i]
        hint = seg.hint
        if hint is None:
            if not seg.numeric:
                bare.append((i, seg.key, False))
            continue
        explicit.append(i)
        candidate = (i, seg.key, True)
        if PROVINCE in hint:
            province.append(candidate)
        if DISTRICT in hint:
            district.append(candidate)
        if COMMUNE in hint:
            commune.append(candidate)
        if seg.full_key != seg.key:
            bare.append((i, seg.full_key, False))  # "H'Bông" folds to "h bong": no prefix
    return Plan(
        segments=segments,
        province=(*province, *bare),
        district=(*district, *bare),
        commune=(*commune, *bare),
        explicit=tuple(explicit),
    )


def _read(index: UnitIndex, plan: Plan, catalogue: Catalogue) -> Reading:
    reading = Reading(index)
    segments = plan.segments
    used_p = used_d = used_c = -1

    # 1. the province
    for i, key, explicit in plan.province:
        compact = False
        historic: tuple[HistoricEntry, ...] = ()
        codes = index.provinces.get(key)
        if not codes and " " not in key:
            codes = index.compact[PROVINCE].get(key)
            compact = bool(codes)
        if not codes:
            historic = catalogue.historic.get(key) or (
                catalogue.historic_compact.get(key, ()) if " " not in key else ()
            )
            if historic:
                historic = tuple(h for h in historic if h.release_key == index.key)
                codes = tuple(dict.fromkeys(h.province for h in historic))
        if codes:
            used_p = i
            if len(codes) > 1:
                codes = _prefer(index, PROVINCE, segments[i], codes, explicit)
            reading.provinces = codes
            reading.historic = historic
            reading.score += 3.0
            if compact:
                reading.factor *= 0.9
            break

    # 2. the district (old sets only)
    if index.has_districts:
        provinces = reading.provinces
        for i, key, explicit in plan.district:
            if i == used_p:
                continue
            compact = False
            codes = index.districts.get(key)
            if not codes and " " not in key:
                codes = index.compact[DISTRICT].get(key)
                compact = bool(codes)
            if codes and provinces:
                codes = tuple(c for c in codes if index.province_of[DISTRICT, c] in provinces)
            if codes:
                used_d = i
                if len(codes) > 1:
                    codes = _prefer(index, DISTRICT, segments[i], codes, explicit)
                reading.districts = codes
                reading.score += 2.0
                if compact:
                    reading.factor *= 0.9
                break

    # 3. the commune
    districts, provinces = reading.districts, reading.provinces
    for i, key, explicit in plan.commune:
        if i == used_p or i == used_d:
            continue
        if districts:
            if len(districts) == 1:
                codes = index.communes_in_district.get((districts[0], key))
            else:
                codes = tuple(
                    c for d in districts for c in index.communes_in_district.get((d, key), ())
                )
        elif provinces:
            if len(provinces) == 1:
                codes = index.communes_in_province.get((provinces[0], key))
            else:
                codes = tuple(
                    c for p in provinces for c in index.communes_in_province.get((p, key), ())
                )
        else:
            codes = index.communes.get(key)
            if not codes and " " not in key:
                codes = index.compact[COMMUNE].get(key)
                if codes:
                    reading.factor *= 0.9
        if codes:
            used_c = i
            if len(codes) > 1:
                codes = _prefer(index, COMMUNE, segments[i], codes, explicit)
            reading.communes = codes
            alone = not explicit and len(segments) == 1
            reading.score += _BARE_COMMUNE_ALONE if alone else 2.0
            break

    # explicit segments left unexplained weaken the reading ("Huyện X" read in the new set)
    for i in plan.explicit:
        if i != used_p and i != used_d and i != used_c:
            reading.score -= 1.0
            reading.factor *= 0.9
    return reading


# ---------------------------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    province: str | None
    commune: str | None
    confidence: float
    candidates: list[tuple[str, str | None, str]]  # (province code, commune code, reason)
    needs_review: bool
    score: float
    reason: str


_KIND_LABEL = dict(AdminUnitConversion.Kind.choices)


def _collapse(
    options: list[tuple[str, str | None, str]], confidence: float, reason: str, score: float
) -> Outcome:
    """One answer when every option agrees; otherwise the common province and candidates."""
    if len(options) == 1:
        province, commune, _why = options[0]
        return Outcome(province, commune, confidence, [], False, score, reason)
    distinct = list(dict.fromkeys((p, c) for p, c, _ in options))
    if len(distinct) == 1:
        province, commune = distinct[0]
        return Outcome(province, commune, confidence, [], False, score, reason)
    provinces = {p for p, _ in distinct}
    province = provinces.pop() if len(provinces) == 1 else None
    unique: dict[tuple[str, str | None], str] = {}
    for p, c, why in options:
        unique.setdefault((p, c), why)
    candidates = [(p, c, why) for (p, c), why in unique.items()]
    conf = min(0.5, confidence) if province else min(0.4, confidence)
    return Outcome(province, None, conf, candidates, True, score, reason)


def _direct_outcome(reading: Reading) -> Outcome:
    index = reading.index
    score, factor = reading.score, reading.factor
    historic_note = _historic_note(reading.historic)
    if reading.communes:
        options = [
            (index.province_of[COMMUNE, c], c, "Trùng tên xã trong danh mục")
            for c in reading.communes
        ]
        base = 0.95 if (reading.provinces or reading.districts) else 0.85
        return _collapse(options, base * factor, "Khớp tên xã" + historic_note, score)
    if reading.districts:
        options = [
            (index.province_of[DISTRICT, d], None, f"Thuộc {index.name[DISTRICT, d]}")
            for d in reading.districts
        ]
        return _collapse(options, 0.9 * factor, "Khớp tên quận, huyện", score)
    if reading.provinces:
        options = [(p, None, "Khớp tên tỉnh" + historic_note) for p in reading.provinces]
        conf = (0.95 if reading.historic else 0.98) * factor
        return _collapse(options, conf, "Khớp tên tỉnh" + historic_note, score)
    return Outcome(None, None, 0.0, [], True, score, "")


def _historic_note(historic: tuple[HistoricEntry, ...]) -> str:
    if not historic:
        return ""
    h = historic[0]
    if h.kind == HistoricPlaceName.Kind.VARIANT:
        return f" (cách viết khác: {h.name})"
    basis = f", {h.legal_basis}" if h.legal_basis else ""
    return f" (tên cũ {h.name}{basis})"


@dataclass(frozen=True, slots=True)
class Carried:
    """An old commune carried into one target set: its options and what kind of move it was."""

    options: tuple[tuple[str, str | None, str], ...]
    split: bool
    missing: bool
    partial: bool
    by_name: bool


def _carry(conversion: ConversionIndex, target: UnitIndex, old: str) -> Carried:
    source = conversion.source
    targets, by_name = conversion.commune_targets(old)
    old_name = source.name[COMMUNE, old]
    if not targets:
        district = source.district_of.get(old, "")
        options = tuple(
            (p, None, f"{old_name} ({old}) không có trong bảng chuyển đổi")
            for p, _share in conversion.district_targets.get(district, ())
            if (PROVINCE, p) in target.name
        )
        return Carried(options, False, True, False, False)
    options_list: list[tuple[str, str | None, str]] = []
    for t in targets:
        if (PROVINCE, t.province) not in target.name:
            continue
        commune: str | None = t.commune
        if (COMMUNE, t.commune) not in target.name:
            # the code differs in the set in force: the same name inside the same province
            key = name_key(_strip_type(t.commune_name))
            same = target.communes_in_province.get((t.province, key), ())
            commune = same[0] if len(same) == 1 else None
        label = _KIND_LABEL.get(t.kind, t.kind)
        note = t.note if t.note and fold(t.note).startswith(fold(label)) else ""
        why = f"{old_name} ({old}): {note or label}"
        if t.note and not note:
            why += f" ({t.note})"
        options_list.append((t.province, commune, why))
    # whole population first ("Nhập một phần diện tích, toàn bộ dân số")
    options_list.sort(key=lambda o: 0 if "toan bo dan so" in fold(o[2]) else 1)
    partial = any(
        t.kind in (AdminUnitConversion.Kind.MERGED_PART, AdminUnitConversion.Kind.REMAINDER)
        for t in targets
    )
    split = len({t.commune for t in targets}) > 1
    return Carried(tuple(options_list), split, False, partial, by_name)


def _converted_outcome(reading: Reading, conversion: ConversionIndex, target: UnitIndex) -> Outcome:
    source = reading.index
    score, factor = reading.score, reading.factor

    if len(reading.communes) == 1:
        # the common case: one old commune that went, whole or in part, to one new commune
        one = conversion.carried(target, reading.communes[0])
        if len(one.options) == 1 and not one.split and not one.missing:
            base = 0.8 if one.by_name else (0.85 if one.partial else 0.95)
            if not (reading.provinces or reading.districts):
                base -= 0.1
            province, commune, _why = one.options[0]
            reason = "Theo bảng chuyển đổi ĐVHC" + _historic_note(reading.historic)
            return Outcome(province, commune, base * factor, [], False, score, reason)

    if reading.communes:
        carried = [conversion.carried(target, old) for old in reading.communes]
        options = [o for c in carried for o in c.options]
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        if any(c.split for c in carried):
            # never a silent answer: the candidates go to a person
            outcome = _collapse(options, 0.45, "Xã cũ bị chia cho nhiều xã mới", score)
            outcome.commune = None
            outcome.needs_review = True
            if not outcome.candidates:
                outcome.candidates = options
            outcome.confidence = min(outcome.confidence, 0.45)
            return outcome
        if any(c.missing for c in carried):
            outcome = _collapse(options, 0.6 * factor, "Xã cũ thiếu trong bảng chuyển đổi", score)
            outcome.commune = None
            outcome.needs_review = True
            outcome.confidence = min(outcome.confidence, 0.6)
            return outcome
        base = 0.85 if any(c.partial for c in carried) else 0.95
        if any(c.by_name for c in carried):
            base = 0.8
        if not (reading.provinces or reading.districts):
            base -= 0.1
        reason = "Theo bảng chuyển đổi ĐVHC" + _historic_note(reading.historic)
        return _collapse(options, base * factor, reason, score)

    historic_note = _historic_note(reading.historic)
    if reading.districts:
        options = []
        for d in reading.districts:
            for p, share in conversion.district_targets.get(d, ()):
                if (PROVINCE, p) in target.name:
                    why = f"{source.name[DISTRICT, d]} ({share:.0%} số xã) nay thuộc"
                    options.append((p, None, why))
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        outcome = _collapse(options, 0.9 * factor, "Quận, huyện cũ", score)
        if len(options) > 1 and outcome.province is None:
            outcome.needs_review = True
        return outcome

    if reading.provinces:
        options = []
        top_share = 1.0
        for p_old in reading.provinces:
            targets = conversion.province_targets.get(p_old, ())
            if targets:
                top_share = min(top_share, targets[0][1])
                p_new = targets[0][0]
                if (PROVINCE, p_new) in target.name:
                    old_name = source.name[PROVINCE, p_old]
                    options.append((p_new, None, f"{old_name} nay thuộc" + historic_note))
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        conf = (0.93 if reading.historic else 0.95) * top_share * factor
        variant = reading.historic and reading.historic[0].kind == HistoricPlaceName.Kind.VARIANT
        reason = (
            f"Cách viết khác của {source.name[PROVINCE, reading.provinces[0]]}"
            if variant
            else "Tỉnh trước sắp xếp" + historic_note
        )
        return _collapse(options, conf, reason, score)
    return Outcome(None, None, 0.0, [], True, score, "")


# ---------------------------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------------------------


@dataclass
class PlaceResolution:
    """What :func:`resolve_place` found. ``province``/``commune`` are ``{"code", "name"}``."""

    text: str
    as_of: date
    release: str | None
    province: dict[str, str] | None
    commune: dict[str, str] | None
    confidence: float
    candidates: list[dict[str, Any]]
    needs_review: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "as_of": self.as_of.isoformat(),
            "release": self.release,
            "province": self.province,
            "commune": self.commune,
            "confidence": self.confidence,
            "candidates": self.candidates,
            "needs_review": self.needs_review,
            "reason": self.reason,
        }

    def describe(self) -> str:
        """One readable Vietnamese line."""
        if self.province is None and not self.candidates:
            return f"“{self.text}”: không xác định được địa danh."
        parts = []
        if self.commune:
            parts.append(self.commune["name"])
        if self.province:
            parts.append(self.province["name"])
        answer = ", ".join(parts) if parts else "chưa xác định"
        line = f"“{self.text}” → {answer} (độ tin cậy {self.confidence:.2f}"
        line += f", theo danh mục {self.release} ngày {self.as_of:%d/%m/%Y})"
        if self.reason:
            line += f" – {self.reason}"
        if self.needs_review:
            options = "; ".join(
                ", ".join(x["name"] for x in (c.get("commune"), c.get("province")) if x is not None)
                for c in self.candidates
            )
            line += " – CẦN NGƯỜI XEM XÉT"
            if options:
                line += f": {options}"
        return line


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _as_date(as_of: date | datetime | str | None) -> date:
    if as_of is None:
        return datetime.now(_zone()).date()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as exc:
        raise ValueError(f"Ngày “{as_of}” không hợp lệ (cần dạng YYYY-MM-DD).") from exc


def _choose(outcomes: list[Outcome]) -> Outcome:
    live = [o for o in outcomes if o.province is not None or o.candidates]
    if not live:
        return Outcome(None, None, 0.0, [], True, 0.0, "Không khớp địa danh nào")
    best = max(o.score for o in live)
    top = [o for o in live if o.score == best]
    if len(top) == 1:
        return top[0]
    answers = {(o.province, o.commune) for o in top}
    if len(answers) == 1 and not any(o.needs_review for o in top):
        return max(top, key=lambda o: o.confidence)
    # equal readings disagree (e.g. an address valid both before and after 1/7/2025)
    first = top[0]  # the direct reading comes first
    candidates: list[tuple[str, str | None, str]] = []
    for o in top:
        if o.candidates:
            candidates.extend(o.candidates)
        elif o.province is not None:
            candidates.append((o.province, o.commune, o.reason))
    seen: dict[tuple[str, str | None], tuple[str, str | None, str]] = {}
    for p, c, why in candidates:
        seen.setdefault((p, c), (p, c, why))
    candidates = list(seen.values())
    provinces = {p for p, _, _ in candidates}
    if first.needs_review:
        province = first.province if len(provinces) == 1 else None
        return Outcome(
            province, None, min(o.confidence for o in top), candidates, True, best, first.reason
        )
    province = first.province if provinces == {first.province} else None
    commune = first.commune if province else None
    return Outcome(
        province,
        commune,
        min(0.6, first.confidence),
        candidates,
        True,
        best,
        "Địa chỉ có thể hiểu theo địa giới cũ hoặc mới",
    )


def resolve_place(text: str, as_of: date | datetime | str | None = None) -> PlaceResolution:
    """Resolve a place name or address to the province (and commune) in force on ``as_of``.

    The pipeline: :func:`~orgtree.place_steps.decode` (legacy encodings) →
    :func:`~orgtree.place_steps.normalise` → :func:`parse_segments` (levels, street noise) →
    exact candidates by level in each release (:func:`_read`) → when that leaves names
    unexplained, fuzzy candidates (:func:`_corrected`) → the decision (:func:`_choose`).
    Decisions are remembered per (text, set in force) in a bounded LRU
    (``DECISION_CACHE_SIZE``) that goes with the indexes when reference data change."""
    on = _as_date(as_of)
    text = text or ""
    catalogue = get_catalogue()
    target = catalogue.target_for(on)
    if target is None:
        return PlaceResolution(text, on, None, None, None, 0.0, [], True, "Chưa nạp dữ liệu ĐVHC")
    key = (text, target.key)
    found, best = catalogue.decisions.get(key)
    if not found:
        best = _decide(text, catalogue, target)
        catalogue.decisions.put(key, best)
    if best is None:
        return PlaceResolution(text, on, target.key, None, None, 0.0, [], True, "Văn bản trống")
    return _resolution(text, on, target, best)


def _decide(text: str, catalogue: Catalogue, target: UnitIndex) -> Outcome | None:
    """The best outcome over the readings of the text (legacy encodings), None when empty.
    The outcome is cached: nothing downstream may change it."""
    best: Outcome | None = None
    for reading in decode(text):
        outcome = _resolve_text(normalise(reading), catalogue, target)
        if outcome is not None and (best is None or _rank(outcome) > _rank(best)):
            best = outcome
    return best


def _rank(outcome: Outcome) -> tuple:
    return (
        outcome.province is not None,
        outcome.commune is not None,
        not outcome.needs_review,
        outcome.score,
        outcome.confidence,
    )


def _outcome(plan: Plan, catalogue: Catalogue, target: UnitIndex) -> Outcome:
    """Exact candidates in every release, scored, and the decision."""
    outcomes = [_direct_outcome(_read(target, plan, catalogue))]
    for conversion in catalogue.sources_for(target):
        reading = _read(conversion.source, plan, catalogue)
        if reading.score > 0:
            outcomes.append(_converted_outcome(reading, conversion, target))
    return _choose(outcomes)


# a corrected spelling costs a little confidence; the reason says what was corrected
_CORRECTION_FACTOR = 0.97


def _resolve_text(text: str, catalogue: Catalogue, target: UnitIndex) -> Outcome | None:
    segments = parse_segments(text, catalogue.known, catalogue.parts)
    if not segments:
        return None
    outcome = _outcome(_plan(segments), catalogue, target)
    if outcome.commune is not None and not outcome.needs_review:
        return outcome
    corrected = _corrected(segments, catalogue)
    if corrected is None:
        return outcome
    fixed_segments, changes = corrected
    fixed = _outcome(_plan(fixed_segments), catalogue, target)
    if fixed.score <= outcome.score and _rank(fixed)[:3] <= _rank(outcome)[:3]:
        return outcome
    fixed.confidence *= _CORRECTION_FACTOR ** len(changes)
    fixed.reason += " (sửa chính tả: " + "; ".join(changes) + ")"
    return fixed


def _with_key(seg: Segment, key: str) -> Segment:
    tokens = seg.full_key.split()[: seg.prefix_len] + key.split()
    fixed = _segment(" ".join(tokens), tokens)
    fixed.raw_is_ascii = True  # the corrected name has no spelling of its own to compare
    return fixed


def _corrected(
    segments: list[Segment], catalogue: Catalogue
) -> tuple[list[Segment], list[str]] | None:
    """Fuzzy candidates: the nearest known names for the misspelt ones, the province first
    (from the end of the text), then a district and the communes inside it. None when no
    name needed or allowed a correction."""
    known, fuzzy = catalogue.known, catalogue.fuzzy
    fixed = list(segments)
    changes: list[str] = []
    province: str | None = None
    p_index = -1
    tried = 0
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        if seg.numeric or (seg.hint is not None and PROVINCE not in seg.hint):
            continue
        if seg.key in known[PROVINCE]:
            province, p_index = seg.key, i
            break
        if seg.hint is None and seg.full_key in known[PROVINCE]:
            province, p_index = seg.full_key, i
            break
        if seg.key in known[DISTRICT] or seg.key in known[COMMUNE]:
            continue  # a district-level city ("TP Đà Lạt") or a bare commune
        tried += 1
        found = fuzzy.province(seg.key)
        if found is not None:
            province, p_index = found, i
            fixed[i] = _with_key(seg, found)
            changes.append(f"{seg.key} → {found}")
            break
        if tried >= 2 or (seg.hint is not None and DISTRICT not in seg.hint):
            break
    if province is None:
        return None
    districts = fuzzy.districts([province])
    district: str | None = None
    rest = [i for i in range(len(segments) - 1, -1, -1) if i != p_index]
    for i in rest:  # the district nearest the province, exact or misspelt
        seg = segments[i]
        if seg.numeric and seg.hint is None:
            continue
        if seg.hint is not None and DISTRICT not in seg.hint:
            continue
        if seg.key in districts:
            district = seg.key
            break
        if seg.hint is not None and PROVINCE not in seg.hint:
            found = nearest(seg.key, districts)
            if found is not None:
                district = found
                fixed[i] = _with_key(seg, found)
                changes.append(f"{seg.key} → {found}")
                rest.remove(i)
                break
    communes = fuzzy.communes([province], district)
    for i in rest:
        seg = segments[i]
        if seg.numeric or seg.key == district or fixed[i] is not segments[i]:
            continue
        if seg.hint is not None and COMMUNE not in seg.hint:
            continue
        if seg.key in communes:
            break
        found = nearest(seg.key, communes)
        if found is not None:
            fixed[i] = _with_key(seg, found)
            changes.append(f"{seg.key} → {found}")
            break
    return (fixed, changes) if changes else None


def _resolution(text: str, on: date, target: UnitIndex, outcome: Outcome) -> PlaceResolution:
    province = target.ref(PROVINCE, outcome.province) if outcome.province else None
    commune = target.ref(COMMUNE, outcome.commune) if outcome.commune else None
    candidates = [
        {
            "province": target.ref(PROVINCE, p),
            "commune": target.ref(COMMUNE, c) if c else None,
            "reason": why,
        }
        for p, c, why in outcome.candidates
    ]
    confidence = round(max(0.0, min(1.0, outcome.confidence)), 3)
    needs_review = outcome.needs_review or confidence < REVIEW_THRESHOLD
    return PlaceResolution(
        text=text,
        as_of=on,
        release=target.key,
        province=province,
        commune=commune,
        confidence=confidence,
        candidates=candidates,
        needs_review=needs_review,
        reason=outcome.reason,
    )
