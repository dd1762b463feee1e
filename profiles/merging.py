"""Merging two profiles of one person, or an incoming import row into a profile, and undoing it.

Field rules (per group of fields that belong together, e.g. a place text with its codes):

1. an explicit decision from the review screen (``decisions={"full_name": "other"}``) wins;
2. equal values stay;
3. a non-empty value wins over an empty one;
4. the same words, one written with diacritics and one without: the one with diacritics;
   for the date of birth, the more precise one wins (day > month > year);
5. otherwise the newest source wins, when both sources' dates are known
   (``source_dates={"survivor": date, "other": date}``); when not, the survivor's value stays;
6. the personal ID is the profile's key: the survivor keeps its own unless a decision says
   otherwise (the matcher only pairs IDs that are equal or one edit apart).

Child tables are united: a row of the other side whose *natural key* (:data:`NATURAL_KEYS`)
equals a survivor row is the same fact — the survivor row is kept and its empty fields are
filled from the other; any other row moves to the survivor (it keeps its id).

The other profile is **retired by snapshot-and-delete**: its full row, child rows, approval
versions and the foreign keys of other apps (which are pointed at the survivor) are stored in
the :class:`~profiles.models.ProfileMerge`, then it is deleted. So ``personal_id`` stays unique,
no list, export or sync ever shows a retired profile, and :func:`undo_merge` re-creates it with
the same id, child ids and versions: ``profiles.services.snapshot`` of both profiles after an
undo equals the one before the merge. A profile with a signed version cannot be the one
retired (its signature protects the version): choose it as the survivor
(:func:`choose_survivor` does). Undo refuses when the survivor changed after the merge.

Everything runs in one transaction through the actions (:mod:`profiles.actions`): the rows
are written in an ``editing_children`` block whose effects (derived fields, workflow,
validation) run once at the end; simple-history records each change with the actor and the
reason.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from orgtree.text import fold

from .actions import delete_row, editing_children, restoring, save_row
from .matching import MatchResult
from .models import (
    CHILD_MODELS,
    MergeCandidate,
    Profile,
    ProfileMerge,
    ProfileSignature,
    ProfileVersion,
)
from .services import content_hash, hashes_to, snapshot

__all__ = [
    "FIELD_GROUPS",
    "NATURAL_KEYS",
    "MergeError",
    "choose_survivor",
    "is_known_different",
    "mark_not_same",
    "merge_profiles",
    "merge_row_into_profile",
    "plan_fields",
    "propose_candidate",
    "resolve_candidate",
    "undo_merge",
]


class MergeError(ValidationError):
    """A merge or undo that cannot be done; the message says why, in Vietnamese."""


#: fields decided together, by their lead field (the key of ``decisions``)
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "personal_id": ("personal_id",),
    "old_id_number": ("old_id_number",),
    "full_name": ("full_name",),
    "other_names": ("other_names",),
    "sex": ("sex",),
    "date_of_birth": ("date_of_birth", "birth_date_precision"),
    "birth_registration_province": ("birth_registration_province",),
    "birthplace_text": (
        "birthplace_text",
        "birthplace_province_code",
        "birthplace_commune_code",
        "birthplace_needs_review",
    ),
    "hometown_text": (
        "hometown_text",
        "hometown_province_code",
        "hometown_commune_code",
        "hometown_needs_review",
    ),
    "ethnicity": ("ethnicity",),
    "religion": ("religion",),
    "permanent_residence": ("permanent_residence",),
    "current_residence": ("current_residence",),
    "social_origin": ("social_origin",),
    "phone": ("phone",),
    "email": ("email",),
}
_PRECISION_RANK = {"day": 3, "month": 2, "year": 1}


def _f(*names: str) -> Callable[[Any], tuple]:
    def key(obj: Any) -> tuple:
        out = []
        for name in names:
            value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
            if isinstance(value, str):
                value = fold(value)
            elif isinstance(value, datetime):
                value = value.date()
            elif isinstance(value, date | Decimal):
                value = str(value)
            out.append(value)
        return tuple(out)

    return key


#: what makes two rows of a child table the same fact
NATURAL_KEYS: dict[str, Callable[[Any], tuple]] = {
    "work_history": _f("start_date", "unit_id", "unit_name", "concurrent"),
    "salary_history": _f("effective_date", "grade_code", "step"),
    "education": _f("kind", "level_code", "major"),
    "trainings": _f("kind", "level_code", "name", "end_date"),
    "career_events": _f("kind", "effective_date"),
    "commendations": _f("kind_code", "awarded_on"),
    "disciplines": _f("kind_code", "decided_on"),
    "family": _f("side", "relationship_code", "full_name"),
    "memberships": _f("organisation", "admission_date"),
    "military_service": _f("enlisted_on"),
    "assessments": _f("year"),
    "health": _f("recorded_on"),
    "asset_declarations": _f("year"),
}


# -- JSON round trip of whole rows ------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _full_row(obj: models.Model) -> dict[str, Any]:
    return {f.attname: _jsonable(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def _from_row(model: type[models.Model], row: Mapping[str, Any]) -> dict[str, Any]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out = {}
    for name, value in row.items():
        f = fields[name]
        out[name] = None if value is None else f.to_python(value)
    return out


def _state(profile: Profile) -> dict[str, Any]:
    return {
        "row": _full_row(profile),
        "children": {
            name: [_full_row(o) for o in model.objects.filter(profile=profile).order_by("pk")]
            for name, model in CHILD_MODELS.items()
        },
        "versions": [
            _full_row(v) for v in ProfileVersion.objects.filter(profile=profile).order_by("pk")
        ],
        "snapshot_hash": content_hash(snapshot(profile)),
    }


def _other_relations() -> list[models.ForeignObjectRel]:
    """Foreign keys of other apps to Profile (repointed to the survivor on merge)."""
    known = set(CHILD_MODELS.values()) | {ProfileMerge, MergeCandidate, ProfileVersion}
    out = []
    for rel in Profile._meta.related_objects:
        model = rel.related_model
        if model in known or (
            model._meta.app_label == "profiles"
            and (model.__name__ in {"Finding"} or model.__name__.startswith("Historical"))
        ):
            continue
        if getattr(model, "instance_type", None) is not None:  # simple-history models
            continue
        if not rel.field.concrete or rel.field.many_to_many:
            continue
        out.append(rel)
    return out


# -- field rules ------------------------------------------------------------------------------
def _marks(text: str) -> int:
    return sum(1 for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch)) + sum(
        1 for ch in text if ch in "đĐ"
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def plan_fields(
    survivor: Mapping[str, Any],
    other: Mapping[str, Any],
    *,
    decisions: Mapping[str, str] | None = None,
    survivor_date: date | None = None,
    other_date: date | None = None,
) -> dict[str, dict[str, Any]]:
    """For each field group: which side wins and why. ``survivor`` and ``other`` map field
    names to values (missing = not given). Returns ``{lead: {"chosen": "survivor"|"other",
    "rule": …, "survivor": v, "other": v}}``."""
    decisions = decisions or {}
    plan: dict[str, dict[str, Any]] = {}
    for lead, names in FIELD_GROUPS.items():
        if lead not in other:
            continue
        s, o = survivor.get(lead), other.get(lead)
        if lead in decisions:
            choice = decisions[lead]
            if choice not in ("survivor", "other"):
                raise MergeError(f"Quyết định không hợp lệ cho trường {lead}: {choice!r}.")
            chosen, rule = choice, "decision"
        elif s == o or (_empty(s) and _empty(o)):
            chosen, rule = "survivor", "same"
        elif _empty(o):
            chosen, rule = "survivor", "non_empty"
        elif _empty(s):
            chosen, rule = "other", "non_empty"
        elif lead == "personal_id":
            chosen, rule = "survivor", "key"
        elif isinstance(s, str) and isinstance(o, str) and fold(s) == fold(o):
            # the same words: the one written with diacritics carries more (Nguyễn > Nguyen)
            chosen, rule = ("other" if _marks(o) > _marks(s) else "survivor"), "diacritics"
        elif lead == "date_of_birth" and (
            _PRECISION_RANK.get(survivor.get("birth_date_precision") or "day", 3)
            != _PRECISION_RANK.get(other.get("birth_date_precision") or "day", 3)
        ):
            better = _PRECISION_RANK.get(other.get("birth_date_precision") or "day", 3) > (
                _PRECISION_RANK.get(survivor.get("birth_date_precision") or "day", 3)
            )
            chosen, rule = ("other" if better else "survivor"), "precision"
        elif survivor_date and other_date and other_date > survivor_date:
            chosen, rule = "other", "newest"
        elif survivor_date and other_date:
            chosen, rule = "survivor", "newest"
        else:
            chosen, rule = "survivor", "survivor_default"
        plan[lead] = {
            "chosen": chosen,
            "rule": rule,
            "survivor": _jsonable(s),
            "other": _jsonable(o),
            "fields": list(names),
        }
    return plan


RULE_TEXT = {
    "decision": gettext_lazy("người xem xét chọn"),
    "same": gettext_lazy("hai bên như nhau"),
    "non_empty": gettext_lazy("bên có giá trị"),
    "key": gettext_lazy("giữ số định danh của hồ sơ giữ lại"),
    "diacritics": gettext_lazy("bên viết có dấu"),
    "precision": gettext_lazy("ngày sinh đầy đủ hơn"),
    "newest": gettext_lazy("nguồn mới hơn"),
    "survivor_default": gettext_lazy("giữ hồ sơ giữ lại (không rõ nguồn nào mới hơn)"),
}


def _values_of(profile: Profile) -> dict[str, Any]:
    return {name: getattr(profile, name) for names in FIELD_GROUPS.values() for name in names}


def _apply_plan(profile: Profile, plan: Mapping[str, Mapping[str, Any]], other: Mapping) -> None:
    for step in plan.values():
        if step["chosen"] != "other":
            continue
        for name in step["fields"]:
            if name in other:
                setattr(profile, name, other[name])


def _fill_empty(target: models.Model, source: Mapping[str, Any]) -> bool:
    changed = False
    for f in target._meta.concrete_fields:
        if f.primary_key or f.attname == "profile_id":
            continue
        if f.attname in source and _empty(getattr(target, f.attname)):
            value = source[f.attname]
            if not _empty(value):
                setattr(target, f.attname, value)
                changed = True
    return changed


def _unite_children(
    survivor: Profile,
    rows: Mapping[str, Iterable[models.Model | Mapping[str, Any]]],
    actor: Any,
    reason: str,
) -> dict[str, dict[str, int]]:
    """Add the other side's child rows to ``survivor`` without duplicates. Rows may be model
    instances of another profile (moved, keeping their id) or dicts (new rows)."""
    counts: dict[str, dict[str, int]] = {}
    for name, incoming in rows.items():
        model = CHILD_MODELS[name]
        key = NATURAL_KEYS[name]
        existing = {key(o): o for o in model.objects.filter(profile=survivor).order_by("pk")}
        added = filled = dup = 0
        for row in incoming:
            k = key(row)
            if k in existing:
                dup += 1
                target = existing[k]
                values = (
                    {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
                    if isinstance(row, models.Model)
                    else row
                )
                if _fill_empty(target, values):
                    save_row(target, acting_user=actor, reason=reason)
                    filled += 1
                continue
            if isinstance(row, models.Model):
                row.profile_id = survivor.pk
                obj = row
            else:
                obj = model(profile=survivor, **{n: v for n, v in row.items() if n != "id"})
            save_row(obj, acting_user=actor, reason=reason)
            existing[k] = obj
            added += 1
        if added or filled or dup:
            counts[name] = {"added": added, "filled": filled, "duplicates": dup}
    return counts


# -- merging two profiles ---------------------------------------------------------------------
def _signed(profile: Profile) -> bool:
    return ProfileSignature.objects.filter(version__profile=profile).exists()


def choose_survivor(a: Profile, b: Profile) -> tuple[Profile, Profile]:
    """Which of two profiles to keep: the signed one, then the more advanced in the workflow,
    then the more complete, then the older. Returns ``(survivor, other)``."""
    order = ["draft", "submitted", "approved", "signed", "synced"]

    def rank(p: Profile) -> tuple:
        return (
            _signed(p),
            order.index(p.status) if p.status in order else 0,
            p.completeness,
            -(p.pk or 0),
        )

    return (a, b) if rank(a) >= rank(b) else (b, a)


@transaction.atomic
def merge_profiles(
    survivor: Profile,
    other: Profile,
    *,
    decisions: Mapping[str, str] | None = None,
    actor: Any,
    reason: str,
    source_dates: Mapping[str, date | None] | None = None,
    import_job_id: str = "",
    source: str = "",
) -> ProfileMerge:
    """Merge ``other`` into ``survivor`` (see the module docstring for the rules)."""
    if not reason or not reason.strip():
        raise MergeError("Cần nêu lý do gộp hồ sơ.")
    if survivor.pk == other.pk:
        raise MergeError("Không thể gộp một hồ sơ với chính nó.")
    pair = Profile.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk])
    locked = {p.pk: p for p in pair}
    if len(locked) != 2:
        raise MergeError("Một trong hai hồ sơ không còn tồn tại.")
    survivor, other = locked[survivor.pk], locked[other.pk]
    if _signed(other):
        raise MergeError(
            f"Hồ sơ {other} đã có phiên bản ký số: hãy chọn hồ sơ này làm hồ sơ giữ lại."
        )
    source_dates = source_dates or {}
    survivor_before = _state(survivor)
    other_before = _state(other)
    plan = plan_fields(
        _values_of(survivor),
        _values_of(other),
        decisions=decisions,
        survivor_date=source_dates.get("survivor"),
        other_date=source_dates.get("other"),
    )
    other_values = _values_of(other)
    other_label = str(other)[:200]
    other_unit_id = other.unit_id
    with editing_children(survivor, acting_user=actor, reason=reason, refresh=True):
        children = {
            name: list(model.objects.filter(profile=other).order_by("pk"))
            for name, model in CHILD_MODELS.items()
        }
        counts = _unite_children(survivor, children, actor, reason)
        relations = []
        for rel in _other_relations():
            qs = rel.related_model._default_manager.filter(**{rel.field.name: other})
            pks = list(qs.values_list("pk", flat=True))
            if pks:
                relations.append(
                    {
                        "model": rel.related_model._meta.label_lower,
                        "field": rel.field.attname,
                        "pks": [_jsonable(pk) for pk in pks],
                    }
                )
                qs.update(**{rel.field.attname: survivor.pk})
        other_before["relations"] = relations
        delete_row(
            other, acting_user=actor, reason=f"Gộp vào hồ sơ {survivor.personal_id}: {reason}"
        )
        _apply_plan(survivor, plan, other_values)
        if other.last_verified_at and (
            not survivor.last_verified_at or other.last_verified_at > survivor.last_verified_at
        ):
            survivor.last_verified_at = other.last_verified_at
        save_row(survivor, acting_user=actor, reason=f"Gộp hồ sơ {other_label}: {reason}")
    survivor.refresh_from_db()
    plan["_children"] = counts  # type: ignore[assignment]
    return ProfileMerge.objects.create(
        kind=ProfileMerge.Kind.PROFILES,
        survivor=survivor,
        survivor_label=str(survivor)[:200],
        unit_id=survivor.unit_id,
        other_unit_id=other_unit_id,
        merged_profile_id=other_before["row"]["id"],
        merged_label=other_label,
        source=source[:200],
        import_job_id=import_job_id,
        decisions=plan,
        survivor_before=survivor_before,
        other_before=other_before,
        survivor_after_hash=content_hash(snapshot(survivor)),
        actor=actor,
        reason=reason[:255],
    )


# -- merging an incoming row ------------------------------------------------------------------
@transaction.atomic
def merge_row_into_profile(
    profile: Profile,
    values: Mapping[str, Any],
    *,
    children: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    actor: Any,
    reason: str,
    source: str = "",
    source_date: date | None = None,
    profile_source_date: date | None = None,
    decisions: Mapping[str, str] | None = None,
    import_job_id: str = "",
) -> ProfileMerge:
    """Merge an incoming import row (``values`` keyed by Profile field names, ``children``
    keyed by child-table name with rows keyed by attribute name, e.g. ``unit_id``) into
    ``profile`` with the same rules. The incoming side is "other"; its source date is
    ``source_date``, the profile's ``profile_source_date``."""
    if not reason or not reason.strip():
        raise MergeError("Cần nêu lý do gộp dữ liệu.")
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    unknown = set(values) - {n for names in FIELD_GROUPS.values() for n in names}
    unknown -= {"last_verified_at"}
    if unknown:
        raise MergeError(f"Trường không gộp được: {', '.join(sorted(unknown))}.")
    bad_tables = set(children or {}) - set(CHILD_MODELS)
    if bad_tables:
        raise MergeError(f"Bảng không có trong hồ sơ: {', '.join(sorted(bad_tables))}.")
    before = _state(profile)
    plan = plan_fields(
        _values_of(profile),
        dict(values),
        decisions=decisions,
        survivor_date=profile_source_date,
        other_date=source_date,
    )
    label = str(profile)[:200]
    incoming_label = f"{values.get('full_name', '')} ({source or 'dòng nhập'})"[:200]
    with editing_children(profile, acting_user=actor, reason=reason, refresh=True):
        counts = _unite_children(profile, children or {}, actor, reason)
        _apply_plan(profile, plan, values)
        save_row(
            profile,
            acting_user=actor,
            reason=f"Gộp dữ liệu nhập từ {source or 'tệp'}: {reason}",
        )
    profile.refresh_from_db()
    plan["_children"] = counts  # type: ignore[assignment]
    return ProfileMerge.objects.create(
        kind=ProfileMerge.Kind.ROW,
        survivor=profile,
        survivor_label=label,
        unit_id=profile.unit_id,
        merged_label=incoming_label,
        source=source[:200],
        import_job_id=import_job_id,
        decisions=plan,
        survivor_before=before,
        other_before={
            "incoming": {k: _jsonable(v) for k, v in values.items()},
            "children": {
                name: [{k: _jsonable(v) for k, v in r.items()} for r in rows]
                for name, rows in (children or {}).items()
            },
            "source_date": _jsonable(source_date),
        },
        survivor_after_hash=content_hash(snapshot(profile)),
        actor=actor,
        reason=reason[:255],
    )


# -- undo -------------------------------------------------------------------------------------
def _restore_profile_row(row: Mapping[str, Any], *, insert: bool, actor: Any, why: str) -> Profile:
    values = _from_row(Profile, row)
    if insert:
        profile = Profile(**values)
    else:
        profile = Profile.objects.get(pk=values["id"])
        for name, value in values.items():
            setattr(profile, name, value)
    save_row(profile, acting_user=actor, reason=why, force_insert=insert)
    # auto_now / auto_now_add fields: put the stored times back
    Profile.objects.filter(pk=profile.pk).update(
        created_at=values["created_at"], updated_at=values["updated_at"]
    )
    return profile


def _restore_children(state: Mapping[str, Any], actor: Any, why: str) -> None:
    for name, rows in state["children"].items():
        model = CHILD_MODELS[name]
        for row in rows:
            obj = model(**_from_row(model, row))
            save_row(obj, acting_user=actor, reason=why, force_insert=True)


def _restore_versions(state: Mapping[str, Any]) -> None:
    # full-precision times (Django's JSON serializer would cut microseconds)
    for row in state["versions"]:
        values = _from_row(ProfileVersion, row)
        ProfileVersion.objects.update_or_create(pk=values.pop("id"), defaults=values)


@transaction.atomic
def undo_merge(merge: ProfileMerge, actor: Any, reason: str) -> ProfileMerge:
    """Put both profiles (or the profile and nothing of the row) back exactly as before."""
    if not reason or not reason.strip():
        raise MergeError("Cần nêu lý do hoàn tác.")
    merge = ProfileMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError("Lần gộp này đã được hoàn tác.")
    survivor = Profile.objects.select_for_update().filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise MergeError("Hồ sơ giữ lại không còn tồn tại: không thể hoàn tác.")
    if not hashes_to(snapshot(survivor), merge.survivor_after_hash):
        raise MergeError(
            "Hồ sơ giữ lại đã được sửa sau khi gộp: không thể hoàn tác tự động, "
            "hãy sửa hồ sơ bằng tay."
        )
    is_pair = merge.kind == ProfileMerge.Kind.PROFILES
    if is_pair and Profile.objects.filter(pk=merge.merged_profile_id).exists():
        raise MergeError("Hồ sơ bị gộp đã tồn tại lại: không thể hoàn tác.")
    if is_pair:
        taken = (
            Profile.objects.filter(personal_id=merge.other_before["row"]["personal_id"])
            .exclude(pk=survivor.pk)
            .first()
        )
        if taken is not None:
            raise MergeError(
                f"Số định danh {taken.personal_id} của hồ sơ bị gộp nay thuộc hồ sơ {taken}: "
                "không thể hoàn tác."
            )
    why = f"Hoàn tác gộp hồ sơ: {reason}"
    with restoring():
        for model in CHILD_MODELS.values():
            for obj in model.objects.filter(profile=survivor):
                delete_row(obj, acting_user=actor, reason=why)
        survivor = _restore_profile_row(
            merge.survivor_before["row"], insert=False, actor=actor, why=why
        )
        other = None
        if is_pair:
            other = _restore_profile_row(
                merge.other_before["row"], insert=True, actor=actor, why=why
            )
        _restore_children(merge.survivor_before, actor, why)
        _restore_versions(merge.survivor_before)
        if is_pair:
            _restore_children(merge.other_before, actor, why)
            _restore_versions(merge.other_before)
            from django.apps import apps

            for rel in merge.other_before.get("relations", []):
                model = apps.get_model(rel["model"])
                model._default_manager.filter(pk__in=rel["pks"]).update(**{rel["field"]: other.pk})
    from .validation import validate_profile

    validate_profile(survivor)
    if other is not None:
        validate_profile(other)
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.undo_reason = reason[:255]
    save_row(merge, acting_user=actor, reason="")
    for cand in merge.candidates.all():
        cand.status = MergeCandidate.Status.UNDONE
        cand.profile_id = cand.profile_ref
        if cand.other_profile_ref is not None:
            cand.other_profile_id = cand.other_profile_ref
        save_row(cand, acting_user=actor, reason="")
    return merge


# -- the review queue -------------------------------------------------------------------------
def _pair_key(profile_id: int, other_profile_id: int | None, incoming: Mapping | None) -> str:
    if other_profile_id is not None:
        a, b = sorted((profile_id, other_profile_id))
        return f"p{a}:p{b}"
    incoming = incoming or {}
    ident = incoming.get("personal_id") or incoming.get("old_id_number") or ""
    who = f"{fold(str(incoming.get('full_name') or ''))}|{incoming.get('date_of_birth') or ''}"
    return f"p{profile_id}:r{ident}|{who}"[:120]


def is_known_different(
    profile_id: int, other_profile_id: int | None = None, incoming: Mapping | None = None
) -> bool:
    """True when a person already said this pair is not the same person."""
    return MergeCandidate.objects.filter(
        pair_key=_pair_key(profile_id, other_profile_id, incoming),
        status=MergeCandidate.Status.NOT_SAME,
    ).exists()


def propose_candidate(
    profile: Profile,
    result: MatchResult,
    *,
    other_profile: Profile | None = None,
    incoming: Mapping[str, Any] | None = None,
    source: str = "",
    source_date: date | None = None,
    import_job_id: str = "",
) -> MergeCandidate | None:
    """Put a pair into the review queue, unless it is already there (open) or was judged
    "not the same person"; returns the candidate or None."""
    if other_profile is None and incoming is None:
        raise MergeError("Cần hồ sơ thứ hai hoặc dòng dữ liệu nhập vào.")
    key = _pair_key(profile.pk, other_profile.pk if other_profile else None, incoming)
    if MergeCandidate.objects.filter(
        pair_key=key, status__in=[MergeCandidate.Status.OPEN, MergeCandidate.Status.NOT_SAME]
    ).exists():
        return None
    return MergeCandidate.objects.create(
        profile=profile,
        profile_ref=profile.pk,
        other_profile=other_profile,
        other_profile_ref=other_profile.pk if other_profile else None,
        unit_id=profile.unit_id,
        other_unit_id=other_profile.unit_id if other_profile else None,
        label=str(profile)[:200],
        other_label=(
            str(other_profile)
            if other_profile
            else f"{(incoming or {}).get('full_name', '')} ({source or 'dòng nhập'})"
        )[:200],
        incoming={k: _jsonable(v) for k, v in (incoming or {}).items()},
        source=source[:200],
        source_date=source_date,
        import_job_id=import_job_id,
        pair_key=key,
        score=result.score,
        rule=result.rule,
        reasons=list(result.reasons),
    )


@transaction.atomic
def resolve_candidate(
    candidate: MergeCandidate,
    *,
    actor: Any,
    decisions: Mapping[str, str] | None = None,
    keep: str = "profile",
    reason: str = "Gộp hồ sơ trùng sau khi xem xét",
) -> ProfileMerge:
    """Merge the pair with the reviewer's per-field picks. ``decisions`` name the side to
    keep per field as ``"profile"`` or ``"other"`` (the two columns of the review screen);
    ``keep`` is the profile that survives (``"profile"`` or ``"other"``)."""
    candidate = MergeCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != MergeCandidate.Status.OPEN:
        raise MergeError("Cặp này đã được xử lý.")
    if candidate.profile is None:
        raise MergeError("Hồ sơ của cặp này không còn tồn tại.")
    picks = dict(decisions or {})
    if candidate.other_profile_ref is None:
        values = dict(candidate.incoming.get("values", candidate.incoming))
        values = {k: v for k, v in values.items() if k in _GROUP_FIELDS}
        for k in ("date_of_birth",):
            if values.get(k):
                values[k] = date.fromisoformat(str(values[k])[:10])
        mapped = {f: ("other" if side == "other" else "survivor") for f, side in picks.items()}
        merge = merge_row_into_profile(
            candidate.profile,
            values,
            children=candidate.incoming.get("children") or None,
            actor=actor,
            reason=reason,
            source=candidate.source,
            source_date=candidate.source_date,
            decisions=mapped,
            import_job_id=candidate.import_job_id,
        )
    else:
        if candidate.other_profile is None:
            raise MergeError("Hồ sơ nghi trùng không còn tồn tại.")
        if keep == "other":
            survivor, other = candidate.other_profile, candidate.profile
            flip = {"profile": "other", "other": "survivor"}
        else:
            survivor, other = candidate.profile, candidate.other_profile
            flip = {"profile": "survivor", "other": "other"}
        mapped = {f: flip.get(side, side) for f, side in picks.items()}
        merge = merge_profiles(
            survivor,
            other,
            decisions=mapped,
            actor=actor,
            reason=reason,
            import_job_id=candidate.import_job_id,
            source=candidate.source,
        )
    candidate.refresh_from_db()
    candidate.status = MergeCandidate.Status.MERGED
    candidate.merge = merge
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    save_row(candidate, acting_user=actor, reason="")
    return merge


_GROUP_FIELDS = {n for names in FIELD_GROUPS.values() for n in names}


def mark_not_same(candidate: MergeCandidate, *, actor: Any) -> MergeCandidate:
    """ "Không phải cùng một người": the pair is closed and never proposed again."""
    if candidate.status != MergeCandidate.Status.OPEN:
        raise MergeError("Cặp này đã được xử lý.")
    candidate.status = MergeCandidate.Status.NOT_SAME
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    save_row(candidate, acting_user=actor, reason="")
    return candidate
