"""What changed between two snapshots of a profile, in the words a person reads.

:func:`diff_versions` compares a submitted :class:`~profiles.models.ProfileVersion` with the last
approved or signed one before it (:func:`base_version`): group 1 field by field, every child
table row by row (rows are matched by their id, so an edited row is "changed", a new one
"added", a deleted one "removed"; a row deleted and re-entered with the same content is no
change). Values are shown as the profile page shows them: the field's verbose name, the code
list's name beside a code, the choice's label, the unit's name, dates as dd/mm/yyyy, never
"None". Text values carry the character ranges that differ (:func:`char_diff`).

No view code here: the approver's inbox (:mod:`portal.inbox`) renders the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import codelists
from .models import CHILD_MODELS, Profile, ProfileVersion, Training, VersionStatus

#: statuses of a version the approver has already accepted: the base of a diff
ACCEPTED = (VersionStatus.APPROVED, VersionStatus.SIGNED, VersionStatus.SYNCED)

#: (snapshot table, field attname) → code list; "profile" is group 1
CODED_FIELDS: dict[tuple[str, str], str] = {
    ("profile", "sex"): "sex",
    ("profile", "ethnicity"): "ethnicity",
    ("profile", "religion"): "religion",
    ("profile", "position_code"): "position",
    ("profile", "title_code"): "title",
    ("profile", "grade_code"): "grade",
    ("profile", "salary_scale"): "salary-scale",
    ("profile", "birth_registration_province"): "cccd-province",
    ("work_history", "position_code"): "position",
    ("work_history", "title_code"): "title",
    ("salary_history", "grade_code"): "grade",
    ("salary_history", "salary_scale"): "salary-scale",
    ("education", "level_code"): "education-level",
    ("commendations", "kind_code"): "commendation-kind",
    ("disciplines", "kind_code"): "discipline-kind",
    ("family", "relationship_code"): "relationship",
    ("assessments", "rating_code"): "quality-rating",
}
#: a training's level is coded in the list of its kind
TRAINING_LEVEL_LISTS: dict[str, str] = {
    Training.Kind.POLITICAL_THEORY: "political-theory",
    Training.Kind.STATE_MANAGEMENT: "state-management",
}
#: what identifies a row when its id changed (deleted and entered again, re-imported): a
#: removed and an added row with the same key, alone on each side, are one changed row
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "work_history": ("start_date", "concurrent"),
    "salary_history": ("effective_date",),
    "education": ("kind", "level_code"),
    "trainings": ("kind", "name"),
    "career_events": ("kind", "effective_date"),
    "commendations": ("kind_code", "awarded_on"),
    "disciplines": ("kind_code", "decided_on"),
    "family": ("relationship_code", "full_name"),
    "memberships": ("organisation",),
    "military_service": ("enlisted_on",),
    "assessments": ("year",),
    "health": ("recorded_on",),
    "asset_declarations": ("year",),
}
#: snapshot keys that are not shown (the row's own id, the owner)
HIDDEN_KEYS = {"id", "profile_id"}

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
ROW_KIND_LABELS = {
    ADDED: gettext_lazy("Thêm mới"),
    REMOVED: gettext_lazy("Đã xóa"),
    CHANGED: gettext_lazy("Sửa"),
}


@dataclass(frozen=True)
class Part:
    """A piece of a value; ``changed`` when it differs from the other side."""

    text: str
    changed: bool = False


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    old_parts: list[Part] = field(default_factory=list)
    new_parts: list[Part] = field(default_factory=list)


@dataclass
class RowChange:
    kind: str  # ADDED, REMOVED or CHANGED
    summary: str
    fields: list[FieldChange]

    @property
    def kind_label(self) -> str:
        return str(ROW_KIND_LABELS[self.kind])


@dataclass
class GroupDiff:
    key: str
    label: str
    rows: list[RowChange]


@dataclass
class ProfileDiff:
    target: ProfileVersion
    base: ProfileVersion | None
    fields: list[FieldChange]
    groups: list[GroupDiff]

    @property
    def first_submission(self) -> bool:
        return self.base is None

    @property
    def has_changes(self) -> bool:
        return bool(self.fields or self.groups)


# -- characters ------------------------------------------------------------------------------
def char_diff(old: str, new: str) -> tuple[list[Part], list[Part]]:
    """The two texts cut into pieces, the pieces that differ marked ``changed``."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    old_parts: list[Part] = []
    new_parts: list[Part] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            old_parts.append(Part(old[i1:i2], not same))
        if j2 > j1:
            new_parts.append(Part(new[j1:j2], not same))
    return old_parts, new_parts


# -- values as people read them ----------------------------------------------------------------
class Labeller:
    """Display texts for snapshot values, with the unit names fetched once per diff."""

    def __init__(
        self,
        unit_names: Mapping[int, str] | None = None,
        place_names: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.unit_names = dict(unit_names or {})
        #: (level, code) → the administrative unit's full name, newest release first
        self.place_names = dict(place_names or {})

    @staticmethod
    def model_for(table: str) -> type[models.Model]:
        return Profile if table == "profile" else CHILD_MODELS[table]

    def fields_of(self, table: str) -> list[models.Field]:
        return [
            f
            for f in self.model_for(table)._meta.concrete_fields
            if f.attname not in HIDDEN_KEYS and f.name != "profile"
        ]

    @staticmethod
    def label(f: models.Field) -> str:
        text = str(f.verbose_name)
        return text[:1].upper() + text[1:]

    def display(self, table: str, f: models.Field, value: Any, row: Mapping[str, Any]) -> str:
        if value is None or value == "":
            return ""
        if isinstance(f, models.BooleanField):
            return _("Có") if value else _("Không")
        if isinstance(f, models.ForeignKey):
            name = self.unit_names.get(value) if f.attname.endswith("unit_id") else None
            return name or str(value)
        if f.choices:
            shown = dict(f.flatchoices).get(value)
            return str(shown) if shown is not None else str(value)
        level = _place_level(f.attname)
        if level and self.place_names.get((level, str(value))):
            return f"{value} – {self.place_names[(level, str(value))]}"
        list_key = CODED_FIELDS.get((table, f.attname))
        if table == "trainings" and f.attname == "level_code":
            list_key = TRAINING_LEVEL_LISTS.get(str(row.get("kind") or ""))
        if list_key:
            name = codelists.name_of(list_key, str(value))
            return f"{value} – {name}" if name and name != str(value) else str(value)
        if isinstance(f, models.DecimalField):
            try:
                return formats.number_format(Decimal(str(value)))
            except ArithmeticError:
                return str(value)
        if isinstance(f, models.DateField) and isinstance(value, str):
            try:
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                return value
        return str(value)


def _unit_ids(snapshots: Iterable[Mapping[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for data in snapshots:
        for rows in data.values():
            for row in [rows] if isinstance(rows, dict) else rows or []:
                for name, value in row.items():
                    if name.endswith("unit_id") and isinstance(value, int):
                        ids.add(value)
    return ids


def _place_level(attname: str) -> str:
    if attname.endswith("_province_code"):
        return "province"
    if attname.endswith("_commune_code"):
        return "commune"
    return ""


def _place_codes(snapshots: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    codes = set()
    for data in snapshots:
        for name, value in (data.get("profile") or {}).items():
            level = _place_level(name)
            if level and value:
                codes.add((level, str(value)))
    return codes


def labeller_for(*snapshots: Mapping[str, Any]) -> Labeller:
    """A :class:`Labeller` with the names of the units and places the snapshots mention (two
    queries at most, whatever the number of rows)."""
    from django.db.models import Q

    from orgtree.models import AdminUnit, Unit

    ids = _unit_ids(snapshots)
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    places: dict[tuple[str, str], str] = {}
    codes = _place_codes(snapshots)
    if codes:
        wanted = Q()
        for level, code in codes:
            wanted |= Q(level=level, code=code)
        rows = (
            AdminUnit.objects.filter(wanted)
            .order_by("release__effective_from", "pk")
            .values_list("level", "code", "full_name")
        )
        for level, code, full_name in rows:
            places[(level, code)] = full_name  # the newest release wins
    return Labeller(names, places)


# -- comparing -----------------------------------------------------------------------------------
def _field_changes(
    table: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    labeller: Labeller,
    *,
    all_fields: bool = False,
) -> list[FieldChange]:
    """The fields that differ (or, with ``all_fields``, every field with a value)."""
    out = []
    for f in labeller.fields_of(table):
        before = old.get(f.attname) if old is not None else None
        after = new.get(f.attname) if new is not None else None
        if before == after and not all_fields:
            continue
        old_text = labeller.display(table, f, before, old or {}) if old is not None else ""
        new_text = labeller.display(table, f, after, new or {}) if new is not None else ""
        if not old_text and not new_text:
            continue
        if old_text == new_text and not all_fields:
            continue
        old_parts, new_parts = char_diff(old_text, new_text)
        out.append(
            FieldChange(f.attname, labeller.label(f), old_text, new_text, old_parts, new_parts)
        )
    return out


def _content(row: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in row.items() if k not in HIDDEN_KEYS))


def _summary(table: str, row: Mapping[str, Any], labeller: Labeller, size: int = 3) -> str:
    texts = []
    for f in labeller.fields_of(table):
        text = labeller.display(table, f, row.get(f.attname), row)
        if text and not isinstance(f, models.BooleanField):
            texts.append(text)
        if len(texts) == size:
            break
    return " · ".join(texts)


def diff_rows(
    table: str,
    old_rows: list[Mapping[str, Any]],
    new_rows: list[Mapping[str, Any]],
    labeller: Labeller,
) -> list[RowChange]:
    """The rows of one child table that were added, removed or changed."""
    old_by_id = {row.get("id"): row for row in old_rows}
    new_by_id = {row.get("id"): row for row in new_rows}
    changes: list[RowChange] = []
    removed = [row for key, row in old_by_id.items() if key not in new_by_id]
    added = [row for key, row in new_by_id.items() if key not in old_by_id]
    # a row deleted and entered again with the same content is no change
    leftover = {_content(row): row for row in removed}
    readded = []
    for row in added:
        twin = leftover.pop(_content(row), None)
        if twin is not None:
            removed.remove(twin)
            readded.append(row)
    added = [row for row in added if row not in readded]
    # then a row whose id changed but whose natural key did not
    paired: dict[int, Mapping[str, Any]] = {}  # id() of the new row → its old row
    fields_of_key = NATURAL_KEYS.get(table)
    if fields_of_key and removed and added:

        def by_key(rows: list[Mapping[str, Any]]) -> dict[tuple, list[Mapping[str, Any]]]:
            out: dict[tuple, list[Mapping[str, Any]]] = {}
            for row in rows:
                out.setdefault(tuple(row.get(k) for k in fields_of_key), []).append(row)
            return out

        old_keys, new_keys = by_key(removed), by_key(added)
        for natural, olds in old_keys.items():
            news = new_keys.get(natural, [])
            if len(olds) == 1 and len(news) == 1:
                paired[id(news[0])] = olds[0]
        removed = [row for row in removed if all(row is not o for o in paired.values())]
        added = [row for row in added if id(row) not in paired]
    added_ids = {id(row) for row in added}
    for row in new_rows:
        key = row.get("id")
        before = old_by_id.get(key) if key in old_by_id else paired.get(id(row))
        if before is not None:
            fields = _field_changes(table, before, row, labeller)
            if fields:
                changes.append(RowChange(CHANGED, _summary(table, row, labeller), fields))
        elif id(row) in added_ids:
            fields = _field_changes(table, None, row, labeller, all_fields=True)
            changes.append(RowChange(ADDED, _summary(table, row, labeller), fields))
    for row in removed:
        fields = _field_changes(table, row, None, labeller, all_fields=True)
        changes.append(RowChange(REMOVED, _summary(table, row, labeller), fields))
    return changes


def diff_snapshots(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], labeller: Labeller | None = None
) -> tuple[list[FieldChange], list[GroupDiff]]:
    """Group 1's changed fields and each child table's changed rows. With no ``old`` (a first
    submission) every field and row with a value is listed as new."""
    labeller = labeller or labeller_for(*(s for s in (old, new) if s is not None))
    first = old is None
    before: Mapping[str, Any] = old or {}
    fields = _field_changes(
        "profile", None if first else before.get("profile", {}), new.get("profile", {}),
        labeller, all_fields=first,
    )  # fmt: skip
    groups = []
    for table, model in CHILD_MODELS.items():
        if table not in new:
            continue  # left out (a sensitive group the reader may not see)
        rows = diff_rows(table, before.get(table, []), new.get(table, []), labeller)
        if rows:
            label = str(model._meta.verbose_name_plural)
            groups.append(GroupDiff(table, label[:1].upper() + label[1:], rows))
    return fields, groups


def base_version(version: ProfileVersion) -> ProfileVersion | None:
    """The last version before ``version`` that was approved (or since signed, synced)."""
    return (
        ProfileVersion.objects.filter(
            profile_id=version.profile_id, number__lt=version.number, status__in=ACCEPTED
        )
        .order_by("-number")
        .first()
    )


def diff_versions(
    version: ProfileVersion,
    *,
    visible: Any = None,
) -> ProfileDiff:
    """``version`` against its :func:`base_version`. ``visible`` (snapshot → snapshot) may
    leave out groups the reader may not see; it is applied to both sides."""
    base = base_version(version)
    new = version.snapshot or {}
    old = base.snapshot if base is not None else None
    if visible is not None:
        new = visible(new)
        old = visible(old) if old is not None else None
    fields, groups = diff_snapshots(old, new)
    return ProfileDiff(target=version, base=base, fields=fields, groups=groups)


def field_label(path: str) -> str:
    """A finding's field ("sex", "work_history[2].position_code") in words: "Giới tính",
    "Quá trình công tác, dòng 2: Chức vụ". Unknown paths are returned as they are."""
    if not path:
        return ""
    match = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", path)
    table, row, name = ("profile", "", path) if match is None else match.groups()
    if table != "profile" and table not in CHILD_MODELS:
        return path
    model = Labeller.model_for(table)
    f = next((x for x in model._meta.concrete_fields if name in (x.name, x.attname)), None)
    if f is None:
        return path
    label = Labeller.label(f)
    if table == "profile":
        return label
    group = str(model._meta.verbose_name)
    return _("%(group)s, dòng %(row)s: %(field)s") % {
        "group": group[:1].upper() + group[1:],
        "row": row,
        "field": label,
    }
