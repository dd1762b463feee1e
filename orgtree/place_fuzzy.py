"""Fuzzy candidates for misspelt place names (one or two letters wrong, missing, doubled or
swapped), a step of the place-name resolver (:mod:`orgtree.places`).

The exact step looks every name up in dicts; when it leaves a name unexplained, this step
proposes the nearest known name **inside the province the text names** (and inside its
district, when one is named), never among the whole country: a commune name is short and a
one-letter slip often lands on another commune elsewhere. The province itself is matched among
the ~130 province names of every release and the historic names.

A correction is made only when it is unique: the best name must be strictly nearer than the
next best. Distances are optimal-string-alignment edits (a swap of two letters counts one) on
folded names (no diacritics), limited by length: none for 1–3 letters, one up to 7, two beyond.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

__all__ = ["FuzzyIndex", "max_edits"]


def max_edits(key: str) -> int:
    """How many edits a name of this length may carry and still be recognised."""
    letters = len(key.replace(" ", ""))
    if letters <= 3:
        return 0
    if letters <= 7:
        return 1
    return 2


@dataclass
class _Province:
    districts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    communes: set[str] = field(default_factory=set)


def nearest(key: str, choices: Sequence[str], limit: int | None = None) -> str | None:
    """The unique nearest choice within the edits allowed for ``key`` (or ``limit``)."""
    if not choices or not key:
        return None
    allowed = max_edits(key) if limit is None else limit
    if allowed == 0:
        return None
    found = process.extract(key, choices, scorer=OSA.distance, limit=2, score_cutoff=allowed)
    if not found:
        return None
    if len(found) > 1 and found[1][1] == found[0][1]:
        return None  # two names equally near: not ours to choose
    best = found[0][0]
    if best[:1] != key[:1] and not best[:1].isdigit():
        # the first letter is rarely the one mistyped; a different one needs an exact rest
        if found[0][1] > 1:
            return None
    return best


class FuzzyIndex:
    """Known folded names grouped by province name (all releases and historic names)."""

    def __init__(self) -> None:
        self._provinces: dict[str, _Province] = defaultdict(_Province)
        self.province_keys: list[str] = []
        self._choices: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._sets: dict[tuple[str, ...], frozenset[str]] = {}
        self._district_provinces: dict[str, tuple[str, ...]] = {}

    def add(
        self,
        province_keys: Iterable[str],
        districts: Iterable[tuple[str, Iterable[str]]],
        communes: Iterable[str],
    ) -> None:
        """Names under one province: its keys, (district key, its commune keys), communes."""
        keys = list(province_keys)
        districts = [(d, list(cs)) for d, cs in districts]
        communes = list(communes)
        for key in keys:
            entry = self._provinces[key]
            for district, district_communes in districts:
                entry.districts[district].update(district_communes)
            entry.communes.update(communes)

    def freeze(self) -> None:
        self.province_keys = sorted(self._provinces)
        compact: dict[str, list[str]] = defaultdict(list)
        for key in self.province_keys:
            compact[key.replace(" ", "")].append(key)
        self._compact = {k: v[0] for k, v in compact.items() if len(set(v)) == 1}
        self._compact_keys = sorted(self._compact)

    def province(self, key: str) -> str | None:
        """The province name nearest a misspelt one. The ~130 province names are far apart,
        so two edits are allowed from six letters on; spaces do not count ("Cầm hTơ")."""
        if key in self._provinces:
            return key
        letters = key.replace(" ", "")
        limit = 2 if len(letters) >= 6 else max_edits(key)
        found = nearest(letters, self._compact_keys, limit)
        return self._compact[found] if found is not None else None

    def provinces_of_district(self, district: str) -> tuple[str, ...]:
        """The province keys under which a district name is known, when they all name one
        place (the same communes under that district: a province's other names, old and new);
        empty when the name is not a district's or is shared by districts of several
        provinces ("Châu Thành")."""
        found = self._district_provinces.get(district)
        if found is None:
            keys = [k for k in self.province_keys if district in self._provinces[k].districts]
            places = {frozenset(self._provinces[k].districts[district]) for k in keys}
            found = self._district_provinces[district] = tuple(keys) if len(places) == 1 else ()
        return found

    def districts(self, provinces: Sequence[str]) -> tuple[str, ...]:
        return self._cached(("d", *provinces), lambda p: p.districts.keys(), provinces)

    def communes(self, provinces: Sequence[str], district: str | None = None) -> tuple[str, ...]:
        if district is None:
            return self._cached(("c", *provinces), lambda p: p.communes, provinces)
        return self._cached(
            ("c", district, *provinces), lambda p: p.districts.get(district, ()), provinces
        )

    def commune_set(self, provinces: Sequence[str]) -> frozenset[str]:
        """The communes of :meth:`communes` (every release) as a set, for membership."""
        key = ("s", *provinces)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(self.communes(provinces))
        return found

    def _cached(self, key: tuple[str, ...], pick, provinces: Sequence[str]) -> tuple[str, ...]:
        found = self._choices.get(key)
        if found is None:
            names: set[str] = set()
            for p in provinces:
                entry = self._provinces.get(p)
                if entry is not None:
                    names.update(pick(entry))
            found = self._choices[key] = tuple(sorted(names))
        return found
