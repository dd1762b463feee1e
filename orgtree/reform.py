"""Which administrative-unit codes are in force on a date, and where the others went.

A small, code-keyed view of the reference data for validation and the reform conversion:
the province and commune codes of the units release in force on a date, and for every code of
an older release that is no longer in force its successors, from the official conversion table
(old commune → new commune(s); an old province → the new province most of its communes went
to). Built with a few queries per (date, loaded releases) and cached; text is never read here
(free text goes through :func:`orgtree.places.resolve_place`).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from .models import AdminUnit, AdminUnitConversion, AdminUnitRelease

__all__ = ["Successor", "UnitCodes", "codes_in_force"]

PROVINCE = AdminUnit.Level.PROVINCE.value
COMMUNE = AdminUnit.Level.COMMUNE.value


@dataclass(frozen=True, slots=True)
class Successor:
    """A unit in force that (part of) an old unit became."""

    province_code: str
    province_name: str
    commune_code: str = ""
    commune_name: str = ""

    def label(self) -> str:
        parts = [f"{self.commune_name} ({self.commune_code})"] if self.commune_code else []
        parts.append(f"{self.province_name} ({self.province_code})")
        return ", ".join(parts)


@dataclass
class UnitCodes:
    """The codes in force on ``on`` (release ``release_key``) and the successors of old ones."""

    on: date
    release_key: str
    in_force_from: date
    provinces: dict[str, str] = field(default_factory=dict)  # code → full name
    communes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (name, province)
    old_provinces: dict[str, str] = field(default_factory=dict)  # code → full name
    old_communes: dict[str, str] = field(default_factory=dict)
    province_successors: dict[str, tuple[Successor, ...]] = field(default_factory=dict)
    commune_successors: dict[str, tuple[Successor, ...]] = field(default_factory=dict)

    def province_in_force(self, code: str) -> bool:
        return code in self.provinces

    def commune_in_force(self, code: str) -> bool:
        return code in self.communes


_cache: dict[tuple, UnitCodes | None] = {}
_lock = threading.Lock()


def _fingerprint() -> tuple:
    return tuple(AdminUnitRelease.objects.order_by("pk").values_list("pk", "sha256"))


def codes_in_force(on: date) -> UnitCodes | None:
    """The codes in force on ``on``; None when no units release covers the date."""
    key = (on, _fingerprint())
    with _lock:
        if key in _cache:
            return _cache[key]
    built = _build(on)
    with _lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = built
    return built


def _build(on: date) -> UnitCodes | None:
    units = AdminUnitRelease.Kind.UNITS
    release = (
        AdminUnitRelease.objects.filter(kind=units, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from", "-pk")
        .first()
    )
    if release is None:
        return None
    codes = UnitCodes(on=on, release_key=release.key, in_force_from=release.effective_from)
    for level, code, full_name, province in AdminUnit.objects.filter(
        release=release, level__in=(PROVINCE, COMMUNE)
    ).values_list("level", "code", "full_name", "province_code"):
        if level == PROVINCE:
            codes.provinces[code] = full_name
        else:
            codes.communes[code] = (full_name, province)

    older = AdminUnitRelease.objects.filter(kind=units, effective_from__lt=release.effective_from)
    old_province_of: dict[str, str] = {}
    for level, code, full_name, province in AdminUnit.objects.filter(
        release__in=older, level__in=(PROVINCE, COMMUNE)
    ).values_list("level", "code", "full_name", "province_code"):
        if level == PROVINCE:
            if code not in codes.provinces:
                codes.old_provinces[code] = full_name
        else:
            old_province_of[code] = province
            if code not in codes.communes:
                codes.old_communes[code] = full_name

    tables = AdminUnitRelease.objects.filter(
        kind=AdminUnitRelease.Kind.CONVERSION, effective_from__lte=on
    )
    by_commune: dict[str, list[Successor]] = defaultdict(list)
    by_province: dict[str, Counter[str]] = defaultdict(Counter)
    for new_p, new_c, old_c in AdminUnitConversion.objects.filter(release__in=tables).values_list(
        "new_province_code", "new_commune_code", "old_commune_code"
    ):
        if new_p not in codes.provinces:
            continue
        name, _province = codes.communes.get(new_c, ("", ""))
        target = Successor(new_p, codes.provinces[new_p], new_c if name else "", name)
        if old_c and target not in by_commune[old_c]:
            by_commune[old_c].append(target)
        old_p = old_province_of.get(old_c)
        if old_p:
            by_province[old_p][new_p] += 1
    codes.commune_successors = {
        c: tuple(targets) for c, targets in by_commune.items() if c in codes.old_communes
    }
    for old_p, counter in by_province.items():
        if old_p in codes.old_provinces:
            codes.province_successors[old_p] = tuple(
                Successor(p, codes.provinces[p]) for p, _n in counter.most_common()
            )
    return codes
