"""In-memory indexes over the reference data: one :class:`UnitIndex` per units release, one
:class:`ConversionIndex` per old → new conversion table, and the carrying of an old commune
into a newer set (:class:`Carried`)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..models import AdminUnitConversion, AdminUnitRelease
from ..text import fold, in_vietnamese
from .parse import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    _accent_key,
    name_key,
)


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
        self.initials = self._province_initials()

    def _province_initials(self) -> dict[str, tuple[str, ...]]:
        """Two-word provinces by the initial of the first word ("T.Hóa" Thanh Hóa, "Q.Ngãi",
        "Đ.Nai"), as clerks shorten them: folded "t hoa" → codes. A short form that is also a
        name of any level is left out; one shared by two provinces ("H.Giang") keeps both (a
        person chooses)."""
        taken = {*self.provinces, *self.districts, *self.communes}
        pairs: list[tuple[str, str]] = []
        for key, codes in self.provinces.items():
            words = key.split()
            if len(words) == 2 and words[0].isalpha():
                short = f"{words[0][0]} {words[1]}"
                if short not in taken:
                    pairs.extend((short, code) for code in codes)
        return _group(pairs)

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
                self._add_key(level, code, name_key(strip_type(name)))
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
    district: str = ""  # a former district: the district it went to in ``release_key``


# a former commune's successor code, at the end of the note ``refdata`` writes ("… (mã 27139)")
FORMER_COMMUNE_NOTE = re.compile(r"\(mã (\d{5})\)$")


@dataclass(frozen=True, slots=True)
class FormerCommune:
    """A commune merged or renamed 2019–2024 and the commune of ``release_key`` it went to."""

    name: str  # "Phường 10", "Xã tanduong" (folded key when the source had no tones)
    release_key: str
    province: str
    district: str
    successor: str  # commune code in ``release_key``
    source: str
    unit_type: str = ""  # folded type of the former commune ("xa", "phuong"), "" if unknown


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
        self._merged: dict[str, dict[str, tuple[str, ...]]] = {}

    def prepare(self, target: UnitIndex) -> None:
        """Carry every old commune into ``target`` once, when the indexes are built."""
        self._carried[target.key] = {
            code: _carry(self, target, code)
            for (level, code) in self.source.name
            if level == COMMUNE
        }
        self._merged[target.key] = self._merged_into_namesake(target)

    def carried(self, target: UnitIndex, old_code: str) -> Carried:
        return self._carried[target.key][old_code]

    def merged(self, target: UnitIndex) -> dict[str, tuple[str, ...]]:
        """Old province → the old provinces that went with it into the province of ``target``
        that bears its name (Vĩnh Long → Vĩnh Long, Bến Tre, Trà Vinh): a text that names the
        new province may name an old district of any of them."""
        return self._merged.get(target.key, {})

    def _merged_into_namesake(self, target: UnitIndex) -> dict[str, tuple[str, ...]]:
        into: dict[str, list[str]] = defaultdict(list)
        for old_p, shares in self.province_targets.items():
            into[shares[0][0]].append(old_p)
        merged: dict[str, tuple[str, ...]] = {}
        for new_p, olds in into.items():
            if len(olds) < 2 or (PROVINCE, new_p) not in target.name:
                continue
            new_name = name_key(strip_type(target.name[PROVINCE, new_p]))
            for old_p in olds:
                if name_key(strip_type(self.source.name[PROVINCE, old_p])) == new_name:
                    merged[old_p] = tuple(sorted(olds))
        return merged

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


def strip_type(full_name: str) -> str:
    """The name without its unit type ("Quận 2" → "2", "Huyện Yên Lạc" → "Yên Lạc")."""
    return split_type(full_name)[1]


def split_type(full_name: str) -> tuple[str, str]:
    """The folded unit type and the name without it ("Xã Cộng Hòa" → ("xa", "Cộng Hòa")); the
    type is "" when the name starts with none."""
    folded = fold(full_name)
    for word in _TYPE_WORDS:
        if folded.startswith(word + " "):
            return word, " ".join(full_name.split()[len(word.split()) :])
    return "", full_name


@dataclass(frozen=True, slots=True)
class Carried:
    """An old commune carried into one target set: its options and what kind of move it was."""

    options: tuple[tuple[str, str | None, str], ...]
    split: bool
    missing: bool
    partial: bool
    by_name: bool


def _kind_label(kind: str) -> str:
    """A conversion kind's Vietnamese name: the resolver's explanations are stored with the
    conversions (the labels are translatable for the screen)."""
    if kind in AdminUnitConversion.Kind.values:
        return in_vietnamese(AdminUnitConversion.Kind(kind).label)
    return kind


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
            key = name_key(strip_type(t.commune_name))
            same = target.communes_in_province.get((t.province, key), ())
            commune = same[0] if len(same) == 1 else None
        label = _kind_label(t.kind)
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
