"""The cached catalogue of indexes (built once, rebuilt when the loaded releases change) and
the decisions remembered on it."""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models.signals import post_delete, post_save

from ..models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName
from ..place_fuzzy import FuzzyIndex
from .index import (
    FORMER_COMMUNE_NOTE,
    ConversionIndex,
    FormerCommune,
    HistoricEntry,
    UnitIndex,
    split_type,
    strip_type,
)
from .parse import (
    _HINT_KEY,
    COMMUNE,
    DISTRICT,
    FORMER,
    FORMER_STEMS,
    PROVINCE,
    Segment,
    name_key,
)

if TYPE_CHECKING:
    from .reading import Outcome


INDEX_RECHECK_SECONDS = 30.0
DECISION_CACHE_SIZE = 16384


_MISSING = object()  # no decision remembered (None is one: an empty text)


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
            # a miss is the common case of new texts: a sentinel, not a KeyError to catch
            found = self._items.get(key, _MISSING)
            if found is _MISSING:
                return False, None
            self._items.move_to_end(key)
            return True, found  # type: ignore[return-value]

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
    # former districts ("Quận 2", "Quận 9" → Thành phố Thủ Đức; "Huyện Tĩnh Gia" → Thị xã Nghi
    # Sơn, former-districts-2018-2025.csv) by name key without the type
    historic_districts: dict[str, tuple[HistoricEntry, ...]]
    # communes merged or renamed 2019–2024, by (district code, name key without type or spaces)
    # and by (province code, the same key); release keys are in each entry
    former_communes: dict[tuple[str, str], tuple[FormerCommune, ...]]
    former_communes_in_province: dict[tuple[str, str], tuple[FormerCommune, ...]]
    # per release key, the keys of ``former_communes``: most names are not former, and the
    # reader rejects them with one set lookup
    former_keys: dict[str, frozenset[str]]
    known: dict[str, frozenset[str]]  # every name key per level, all releases and historic
    fingerprint: tuple
    # every unit name as spelt, with its marks, lower case, no type ("đúc"): a text spelt
    # otherwise ("Đức") names no unit by that spelling
    spellings: frozenset[str] = frozenset()
    fuzzy: FuzzyIndex = field(default_factory=FuzzyIndex)
    checked_at: float = field(default_factory=time.monotonic)
    _targets: dict[date, UnitIndex | None] = field(default_factory=dict)
    _sources: dict[str, list[ConversionIndex]] = field(default_factory=dict)
    # decisions per (text, target release): dropped with the catalogue when data change
    decisions: Decisions = field(default_factory=lambda: Decisions(DECISION_CACHE_SIZE))
    parts: dict[tuple[str, bool, bool], tuple[Segment, ...]] = field(default_factory=dict)

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
    districts: dict[str, list[HistoricEntry]] = defaultdict(list)
    for item in HistoricPlaceName.objects.filter(level=DISTRICT):
        target = by_key.get(item.successor_release_key)
        if target is None or (DISTRICT, item.successor_district_code) not in target.name:
            continue
        districts[name_key(strip_type(item.name))].append(
            HistoricEntry(
                name=item.name,
                kind=item.kind,
                release_key=item.successor_release_key,
                province=item.successor_province_code,
                valid_until=item.valid_until,
                legal_basis=item.legal_basis,
                district=item.successor_district_code,
            )
        )
    former, former_p = _former_communes(by_key)
    known = {
        PROVINCE: frozenset(k for u in units for k in u.provinces) | frozenset(historic),
        DISTRICT: frozenset(k for u in units for k in u.districts) | frozenset(districts),
        COMMUNE: frozenset(k for u in units for k in u.communes),
    }
    stems: set[str] = set()
    for level in list(known):
        for name in known[level]:
            words = name.split(" ")
            stems.update(" ".join(words[:k]) for k in range(1, len(words) + 1))
    known["stems"] = frozenset(stems)
    # the communes merged away 2019–2024, whose names the sources give without spaces
    # ("trangminh"): their keys and every leading run of their letters, so that an address
    # written without commas is cut at them too ("Phường Tràng Minh Q. Kiến An …")
    formers = frozenset(compact for _scope, compact in former)
    known[FORMER] = formers
    known[FORMER_STEMS] = frozenset(k[:n] for k in formers for n in range(1, len(k) + 1))
    for hint in {*_HINT_KEY.values(), "any"}:
        levels = hint.split("|") if hint != "any" else [PROVINCE, DISTRICT, COMMUNE]
        known[hint] = frozenset().union(*(known[level] for level in levels))
    return Catalogue(
        known=known,
        units=units,
        conversions=conversions,
        historic={k: tuple(v) for k, v in historic.items()},
        historic_compact={k: tuple(v) for k, v in compact.items()},
        historic_districts={k: tuple(v) for k, v in districts.items()},
        former_communes=former,
        former_communes_in_province=former_p,
        former_keys=_former_keys(former),
        fingerprint=fingerprint,
        fuzzy=_fuzzy_index(units, historic),
        spellings=_spellings(units),
    )


_TYPE_WORDS = ("thành phố ", "thị trấn ", "thị xã ", "phường ", "huyện ", "quận ", "tỉnh ", "xã ")


def _spellings(units: list[UnitIndex]) -> frozenset[str]:
    """Every unit name with its marks, lower case, and without a type word that a name
    repeats ("Phường Phường Đúc" in the 4/1/2025 list)."""
    out: set[str] = set()
    for u in units:
        for spelt in u.accent.values():
            out.add(spelt)
            for word in _TYPE_WORDS:
                if spelt.startswith(word):
                    out.add(spelt[len(word) :])
    return frozenset(out)


def former_key(name_without_type: str) -> str:
    """The key of a former commune's name: folded, no spaces ("Tân Dương" → "tanduong")."""
    return name_key(name_without_type).replace(" ", "")


def _former_communes(
    by_key: dict[str, UnitIndex],
) -> tuple[
    dict[tuple[str, str], tuple[FormerCommune, ...]],
    dict[tuple[str, str], tuple[FormerCommune, ...]],
]:
    """Communes merged 2019–2024 (historic names at the commune level, successor code at the end
    of the note, see ``refdata.read_former_communes_csv``)."""
    in_district: dict[tuple[str, str], list[FormerCommune]] = defaultdict(list)
    in_province: dict[tuple[str, str], list[FormerCommune]] = defaultdict(list)
    for item in HistoricPlaceName.objects.filter(level=COMMUNE):
        target = by_key.get(item.successor_release_key)
        found = FORMER_COMMUNE_NOTE.search(item.note)
        if target is None or found is None or (COMMUNE, found.group(1)) not in target.name:
            continue
        unit_type, bare = split_type(item.name)
        entry = FormerCommune(
            name=item.name,
            release_key=item.successor_release_key,
            province=item.successor_province_code,
            district=item.successor_district_code,
            successor=found.group(1),
            source=item.legal_basis,
            unit_type=unit_type,
        )
        key = former_key(bare)
        in_district[entry.district, key].append(entry)
        in_province[entry.province, key].append(entry)
    return (
        {k: tuple(v) for k, v in in_district.items()},
        {k: tuple(v) for k, v in in_province.items()},
    )


def _former_keys(
    former: dict[tuple[str, str], tuple[FormerCommune, ...]],
) -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = defaultdict(set)
    for (_scope, key), entries in former.items():
        for entry in entries:
            keys[entry.release_key].add(key)
    return {release: frozenset(found) for release, found in keys.items()}


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
            if name in u.provinces:
                # an earlier extent of a name still in use ("Lai Châu" before 2004 with Điện
                # Biên): misspelt names are looked for in the province of today only
                continue
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
        _out_of_collector_reach()
        return _catalogue


def _out_of_collector_reach() -> None:
    """Move every object alive now (the new indexes among them) out of the cyclic garbage
    collector's reach (:func:`gc.freeze`).

    Each full collection walks every tracked object of the process: ~0.1 s with Django and
    the indexes loaded, and in a run of resolutions it came every few thousand calls and took
    about a sixth of the time. The indexes live until the reference data change and hold no
    reference cycles (``test_places.py`` checks that a dropped catalogue is freed at once), so
    a frozen catalogue is still freed by reference counting when it is replaced. Collected
    first, so that no garbage is frozen; what is frozen and later becomes cyclic garbage is
    not reclaimed (a few objects of whatever was running, once per rebuild)."""
    gc.collect()
    gc.freeze()


def invalidate_indexes(*args: Any, **kwargs: Any) -> None:
    global _catalogue
    with _lock:
        _catalogue = None


post_save.connect(invalidate_indexes, sender=AdminUnitRelease, dispatch_uid="places-save")
post_delete.connect(invalidate_indexes, sender=AdminUnitRelease, dispatch_uid="places-delete")
