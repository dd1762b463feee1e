"""Profile services: the derived current fields, snapshots and the content hash.

Behaviour lives here (and in :mod:`profiles.workflow`, :mod:`profiles.validation`), not in
views or admin classes.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import CHILD_MODELS, Profile, SalaryHistory, WorkHistory

DERIVED_FIELDS = (
    "unit_id",
    "position_code",
    "title_code",
    "grade_code",
    "salary_scale",
    "salary_step",
    "salary_coefficient",
    "salary_since",
)


@dataclass
class Current:
    unit_id: int | None
    position_code: str
    title_code: str
    grade_code: str
    salary_scale: str
    salary_step: int | None
    salary_coefficient: Decimal | None
    salary_since: date | None


class Row:
    """A child row before insertion (the import writer's and the people generator's): attribute
    access like a model instance (for :func:`current_from_histories`) without the cost of
    ``Model.__init__``. Values are keyed by attribute name (``unit_id``, not ``unit``); missing
    ones take the field default."""

    __slots__ = ("model", "values")
    _defaults: dict[type, dict[str, object]] = {}

    def __init__(self, model: type[models.Model], **values: object):
        self.model = model
        self.values = values

    @classmethod
    def defaults(cls, model: type[models.Model]) -> dict[str, object]:
        if model not in cls._defaults:
            cls._defaults[model] = {
                f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
            }
        return cls._defaults[model]

    def __getattr__(self, name: str) -> object:
        if name == "pk":
            return None
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        defaults = Row.defaults(object.__getattribute__(self, "model"))
        if name in defaults:
            return defaults[name]
        raise AttributeError(name)

    def as_list(self, attnames: list[str]) -> list[object]:
        defaults = Row.defaults(self.model)
        return [self.values[a] if a in self.values else defaults[a] for a in attnames]


def current_from_histories(
    work: Iterable[WorkHistory],
    salary: Iterable[SalaryHistory],
    on: date | None = None,
    default_unit_id: int | None = None,
) -> Current:
    """The one place that says what a person's current unit, position and salary are.

    Current work: the main (not concurrent) row in force on ``on`` with the latest start; the
    unit comes from it when it names a unit of the tree, else stays ``default_unit_id``.
    Current salary: the latest row effective on or before ``on``.
    """
    on = on or date.today()
    in_force = [
        w
        for w in work
        if w.start_date <= on and (w.end_date is None or w.end_date >= on) and not w.concurrent
    ]
    main = max(in_force, key=lambda w: (w.start_date, w.pk or 0), default=None)
    paid = [s for s in salary if s.effective_date <= on]
    pay = max(paid, key=lambda s: (s.effective_date, s.pk or 0), default=None)
    return Current(
        unit_id=(main.unit_id if main is not None and main.unit_id else default_unit_id),
        position_code=main.position_code if main else "",
        title_code=main.title_code if main else "",
        grade_code=pay.grade_code if pay else "",
        salary_scale=pay.salary_scale if pay else "",
        salary_step=pay.step if pay else None,
        salary_coefficient=pay.coefficient if pay else None,
        salary_since=pay.effective_date if pay else None,
    )


def apply_current(profile: Profile, current: Current) -> list[str]:
    """Write ``current`` onto ``profile`` in memory; return the names of the changed fields."""
    changed = []
    for name in DERIVED_FIELDS:
        value = getattr(current, name)
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed.append(name)
    return changed


def refresh_current(profile: Profile, on: date | None = None, reason: str = "") -> list[str]:
    """Recompute the derived fields of one profile from its histories and save them (with
    the receivers: the workflow rule and the findings follow)."""
    from .actions import save_row

    current = current_from_histories(
        WorkHistory.objects.filter(profile=profile),
        SalaryHistory.objects.filter(profile=profile),
        on,
        default_unit_id=profile.unit_id,
    )
    changed = apply_current(profile, current)
    if changed:
        save_row(
            profile,
            acting_user=None,
            reason=reason or "Cập nhật vị trí, lương hiện tại từ quá trình công tác, lương",
        )
    return changed


# -- snapshot -----------------------------------------------------------------------------------
SNAPSHOT_EXCLUDED = {
    "folded_name",
    "status",
    "version_number",
    "completeness",
    "error_count",
    "warning_count",
    "validated_at",
    "created_at",
    "updated_at",
    "created_by",
    # process metadata, not profile content: confirming a profile does not reopen its approval
    "last_verified_at",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: models.Model, excluded: set[str]) -> dict[str, Any]:
    out = {}
    for f in obj._meta.concrete_fields:
        if f.name in excluded:
            continue
        out[f.attname] = _jsonable(getattr(obj, f.attname))
    return out


def snapshot(profile: Profile) -> dict[str, Any]:
    """The whole profile as JSON-able data: group 1 and every child table, ordered by id.

    Group 9 (assets and income) is included: the snapshot is what gets approved and signed.
    """
    data: dict[str, Any] = {"profile": _row(profile, SNAPSHOT_EXCLUDED)}
    for name, model in CHILD_MODELS.items():
        data[name] = [
            _row(obj, {"profile"}) for obj in model.objects.filter(profile=profile).order_by("pk")
        ]
    return data


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# A NaN or an infinity as marshal writes a float: TYPE_BINARY_FLOAT ("g", or 0xE7 with
# FLAG_REF), then the IEEE 754 double, little-endian, its exponent all ones.
_NON_FINITE = re.compile(rb"[g\xe7].{6}[\xf0-\xff][\x7f\xff]", re.DOTALL)


def _plain_and_finite(data: Any) -> bool:
    """True only if ``data`` is made of exact dicts, lists, strings, integers, floats,
    booleans and None (marshal refuses anything else, subclasses too) and holds no NaN nor
    infinity (each would match ``_NON_FINITE`` in marshal's bytes; the pattern may also
    match inside a string, which only makes this False). In a few microseconds of C, where
    reading orjson's bytes back costs tens."""
    try:
        packed = marshal.dumps(data)
    except ValueError:
        return False
    # the pattern's last byte first (a search for one byte is a memchr: ordinary snapshots
    # hold neither byte; the pattern costs ten times more)
    if b"\x7f" not in packed and b"\xff" not in packed:
        return True
    return _NON_FINITE.search(packed) is None


def hashes_to(data: dict[str, Any], digest: str) -> bool:
    """Whether ``content_hash(data) == digest`` (a snapshot checked against the hash it was
    approved with, before it is signed or verified).

    orjson writes the canonical JSON of ordinary snapshots in a tenth of the time, but its
    bytes are not always json.dumps' bytes (1e16, NaN, integers beyond 64 bits, keys that
    are not strings), so it only ever confirms: when its bytes hash to ``digest`` they are
    the very bytes that were hashed (SHA-256), and they stand for ``data`` alone when
    ``data`` holds only plain values and no NaN or infinity (orjson writes those as null:
    see :func:`_plain_and_finite`; else they must read back as ``data``). Otherwise the
    answer is :func:`content_hash`'s."""
    try:
        fast = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        fast = None
    if (
        fast is not None
        and hashlib.sha256(fast).hexdigest() == digest
        and (_plain_and_finite(data) or orjson.loads(fast) == data)
    ):
        return True
    return content_hash(data) == digest


def create_profile(*, unit, actor=None, reason: str = "Tạo hồ sơ", **fields: Any) -> Profile:
    """Create a profile (text cleaned on save) and validate it: see
    :func:`profiles.actions.do_create_profile`."""
    from .actions import do_create_profile

    return do_create_profile(
        Profile(unit=unit, created_by=actor, **fields), acting_user=actor, reason=reason
    )


# -- access -------------------------------------------------------------------------------------
ASSETS_PERMISSION = "profiles.view_assets_income"
HEALTH_PERMISSION = "profiles.view_health"

#: the sensitive groups: snapshot key (CHILD_MODELS name) → (group number, permission)
SENSITIVE_GROUPS: dict[str, tuple[str, str]] = {
    "asset_declarations": ("9", ASSETS_PERMISSION),
    "health": ("10", HEALTH_PERMISSION),
}
#: shown where a sensitive group is left out because the user lacks its permission
#: (in the user's language: a lazy text, str() it where a plain str is needed)
HIDDEN_NOTES: dict[str, Any] = {
    "asset_declarations": _("Không có quyền xem thông tin tài sản, thu nhập (nhóm 9)."),
    "health": _("Không có quyền xem thông tin sức khỏe (nhóm 10)."),
}


def hidden_note_vi(key: str) -> str:
    """The note in Vietnamese whatever the reader's language: printed into official forms
    (Mẫu 2C), which are Vietnamese documents."""
    with translation.override("vi"):
        return str(HIDDEN_NOTES[key])


def can_view_health(user: Any) -> bool:
    return bool(user is not None and user.has_perm(HEALTH_PERMISSION))


def readable_groups(user: Any) -> set[str]:
    """The snapshot keys of the sensitive groups ``user`` holds the permission for."""
    return {key for key, (_, perm) in SENSITIVE_GROUPS.items() if user.has_perm(perm)}


def audit_sensitive_read(
    keys: Iterable[str],
    *,
    via: str,
    request: Any = None,
    user: Any = None,
    obj: Any = None,
    object_type: str = "",
) -> None:
    """One audit event for a read that showed the sensitive groups ``keys`` (none: no event)."""
    groups = [SENSITIVE_GROUPS[k][0] for k in sorted(set(keys), key=_group_order)]
    if not groups:
        return
    from cbccvc.audit import Kind, record

    record(
        Kind.SENSITIVE_READ,
        request=request,
        user=user,
        obj=obj,
        object_type=object_type,
        groups=groups,
        via=via,
    )


def _group_order(key: str) -> int:
    # group 10 first, then 9: the order the admin page has always recorded
    return -int(SENSITIVE_GROUPS[key][0])


def visible_profiles(user: Any, roles: Any = None) -> models.QuerySet[Profile]:
    """The profiles ``user`` may see (with ``roles``): every list, search, export and API call
    starts here."""
    from orgtree.access import ALL_ROLES, scope_for

    return scope_for(user).filter(Profile.objects.all(), "unit", roles or ALL_ROLES)


def asset_declarations(user: Any, profile: Profile) -> models.QuerySet:
    """Group 9 (assets and income): only with the dedicated permission, inside the scope."""
    from django.core.exceptions import PermissionDenied

    from .models import AssetDeclaration

    if not user.has_perm(ASSETS_PERMISSION):
        raise PermissionDenied("Bạn không có quyền xem thông tin tài sản, thu nhập.")
    if not visible_profiles(user).filter(pk=profile.pk).exists():
        raise PermissionDenied("Hồ sơ nằm ngoài phạm vi được phân quyền.")
    from cbccvc.audit import Kind, record

    record(Kind.SENSITIVE_READ, user=user, obj=profile, groups=["9"], via="service")
    return AssetDeclaration.objects.filter(profile=profile)


def health_records(user: Any, profile: Profile) -> models.QuerySet:
    """Group 10 (health): only with the dedicated permission, inside the scope; audited."""
    from django.core.exceptions import PermissionDenied

    from .models import HealthRecord

    if not can_view_health(user):
        raise PermissionDenied("Bạn không có quyền xem thông tin sức khỏe.")
    if not visible_profiles(user).filter(pk=profile.pk).exists():
        raise PermissionDenied("Hồ sơ nằm ngoài phạm vi được phân quyền.")
    audit_sensitive_read(["health"], user=user, obj=profile, via="service")
    return HealthRecord.objects.filter(profile=profile)


def without_hidden_groups(data: dict[str, Any], user: Any) -> tuple[dict[str, Any], set[str]]:
    """A snapshot-like dict with the sensitive groups ``user`` may not read left out; returns
    it and the keys of the groups that were kept (and are thus read)."""
    allowed = readable_groups(user)
    out = {k: v for k, v in data.items() if k not in SENSITIVE_GROUPS or k in allowed}
    return out, {k for k in SENSITIVE_GROUPS if k in out}
