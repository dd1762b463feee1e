"""Tree operations on units: the only way the org tree changes.

Every operation is atomic and writes exactly one :class:`~orgtree.models.UnitChangeEvent`
(effective date, legal basis, reason, actor, details) with its :class:`UnitEventLink` rows,
closes and opens :class:`UnitPeriod` rows (business time) and sets simple-history's user and
change reason on the units it saves. Bad input raises :class:`ValidationError` keyed by the
argument that is wrong, with a Vietnamese message, before anything is written; a receiver of
the tree signals that raises rolls the whole operation back.

The MPTT tree holds the latest recorded structure. Closed units (merged, split, dissolved) stay
where they were, with their status and ``valid_to``; only their *active* children are re-homed.
Past structures come from the periods (:func:`orgtree.tree.tree_as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cbccvc.history import attribute, save_with_history

from . import signals, split_review
from .models import (
    AdminUnit,
    Unit,
    UnitChangeEvent,
    UnitEventLink,
    UnitPeriod,
    UnitSuccession,
    validate_identifier_code,
)
from .text import clean, in_vietnamese
from .tree import is_within, lock_tree, rehome

__all__ = [
    "create_unit",
    "dissolve_unit",
    "merge_units",
    "move_unit",
    "split_unit",
    "update_unit",
]

Role = UnitEventLink.Role

# Fields copied into a UnitPeriod: a change to one of them opens a new period.
PERIOD_FIELDS = ("name", "short_name", "code", "kind")
# Fields update_unit may change (the parent changes through move_unit).
UPDATABLE_FIELDS = ("name", "short_name", "code", "kind", "national_code", "admin_unit")
# Keys a "new unit" dict (merge new_target, split targets) may hold.
NEW_UNIT_KEYS = frozenset(
    {
        "name",
        "code",
        "kind",
        "parent",
        "short_name",
        "national_code",
        "admin_unit",
        "legal_basis_number",
        "legal_basis_date",
        "valid_from",
    }
)


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _require_date(value: Any, field: str, label: str = "Ngày hiệu lực") -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError({field: f"{label} phải là một ngày hợp lệ (nhận được “{value}”)."})
    return value


def _optional_date(value: Any, field: str, label: str) -> date | None:
    if value is None:
        return None
    return _require_date(value, field, label)


def _legal_basis(number: Any, on: Any) -> tuple[str, date | None]:
    number = clean(str(number or ""))
    if len(number) > 100:
        raise ValidationError({"legal_basis_number": "Số quyết định dài quá 100 ký tự."})
    return number, _optional_date(on, "legal_basis_date", "Ngày quyết định")


def _fresh(unit: Any, field: str) -> Unit:
    """The unit reloaded from the database (fresh tree fields and status), tree locked."""
    if not isinstance(unit, Unit) or unit.pk is None:
        raise ValidationError({field: f"“{unit}” không phải là một đơn vị đã lưu."})
    lock_tree()
    unit.refresh_from_db()
    return unit


def _require_active(unit: Unit, field: str) -> None:
    if unit.status != Unit.Status.ACTIVE:
        closed_on = _fmt(unit.valid_to) if unit.valid_to else "?"
        raise ValidationError(
            {
                field: f"Đơn vị “{unit.name}” ({unit.code}) "
                f"{in_vietnamese(Unit.Status(unit.status).label).lower()} từ {closed_on}"
                "; không thể thực hiện thao tác trên đơn vị đã đóng."
            }
        )


def _latest_period_start(unit: Unit) -> date:
    latest = unit.periods.order_by("-valid_from").values_list("valid_from", flat=True).first()
    return max(unit.valid_from, latest) if latest else unit.valid_from


def _check_change_date(unit: Unit, on: date, field: str = "effective_date") -> None:
    floor = _latest_period_start(unit)
    if on < floor:
        raise ValidationError(
            {
                field: f"Ngày hiệu lực {_fmt(on)} trước ngày {_fmt(floor)} — ngày bắt đầu "
                f"giai đoạn hiện tại của đơn vị “{unit.name}” ({unit.code}); "
                "không thể ghi thay đổi lùi về trước lịch sử đã có."
            }
        )


def _check_close_date(unit: Unit, on: date, field: str = "effective_date") -> None:
    """A unit closes after the day it started, and not before its current period started.

    Closing on the day the current period started is allowed (e.g. re-homed by one merge and
    merged itself on the same date): that zero-day period is dropped by :func:`_close`.
    """
    floor = _latest_period_start(unit)
    if on <= unit.valid_from or on < floor:
        raise ValidationError(
            {
                field: f"Ngày hiệu lực {_fmt(on)} phải sau ngày {_fmt(unit.valid_from)} — ngày "
                f"đơn vị “{unit.name}” ({unit.code}) có hiệu lực — và không trước ngày "
                f"{_fmt(floor)} bắt đầu giai đoạn hiện tại của đơn vị."
            }
        )


def _normalise_code(value: Any) -> str:
    return str(value or "").strip().upper()


def _check_code(code: Any, field: str, *, exclude: Iterable[int] = ()) -> str:
    code = _normalise_code(code)
    if not code:
        raise ValidationError({field: "Mã định danh không được để trống."})
    try:
        validate_identifier_code(code)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    clash = Unit.objects.active().filter(code=code).exclude(pk__in=list(exclude)).first()
    if clash is not None:
        raise ValidationError(
            {field: f"Mã định danh “{code}” đã được dùng cho đơn vị đang hoạt động “{clash.name}”."}
        )
    return code


def _check_name(value: Any, field: str) -> str:
    name = clean(str(value or ""))
    if not name:
        raise ValidationError({field: "Tên đơn vị không được để trống."})
    if len(name) > 255:
        raise ValidationError({field: "Tên đơn vị dài quá 255 ký tự."})
    return name


def _check_short_name(value: Any, field: str) -> str:
    short = clean(str(value or ""))
    if len(short) > 100:
        raise ValidationError({field: "Tên viết tắt dài quá 100 ký tự."})
    return short


def _check_kind(value: Any, field: str) -> str:
    if value not in Unit.Kind.values:
        allowed = ", ".join(f"{k} ({in_vietnamese(label)})" for k, label in Unit.Kind.choices)
        raise ValidationError(
            {field: f"Loại đơn vị “{value}” không hợp lệ; chọn một trong: {allowed}."}
        )
    return str(value)


def _check_national_code(value: Any, field: str) -> str:
    code = _normalise_code(value)
    if len(code) > 40:
        raise ValidationError({field: "Mã trên cây tổ chức quốc gia dài quá 40 ký tự."})
    return code


def _check_admin_unit(value: Any, field: str) -> AdminUnit | None:
    if value is None or isinstance(value, AdminUnit):
        return value
    raise ValidationError({field: f"“{value}” không phải là một đơn vị hành chính."})


def _describe(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _jsonable(value: Any) -> Any:
    if isinstance(value, AdminUnit):
        return {"id": value.pk, "code": value.code, "name": value.name}
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# Writing helpers (called inside the operation's transaction, after validation)
# ---------------------------------------------------------------------------------------------


def _new_event(
    kind: str,
    *,
    effective_date: date,
    legal_basis: tuple[str, date | None],
    reason: str,
    actor: Any,
    details: dict[str, Any],
) -> UnitChangeEvent:
    return UnitChangeEvent.objects.create(
        kind=kind,
        effective_date=effective_date,
        legal_basis_number=legal_basis[0],
        legal_basis_date=legal_basis[1],
        reason=clean(reason or ""),
        actor=actor if getattr(actor, "pk", None) else None,
        details=details,
    )


def _link(event: UnitChangeEvent, pairs: Iterable[tuple[Unit | None, str]]) -> None:
    seen: set[tuple[int, str]] = set()
    rows = []
    for unit, role in pairs:
        if unit is None or (unit.pk, role) in seen:
            continue
        seen.add((unit.pk, role))
        rows.append(UnitEventLink(event=event, unit=unit, role=role))
    UnitEventLink.objects.bulk_create(rows)


def _save(unit: Unit, event: UnitChangeEvent, actor: Any) -> None:
    save_with_history(unit, acting_user=actor, reason=_history_reason(event))


def _period_values(unit: Unit) -> dict[str, Any]:
    return {f: getattr(unit, f) for f in PERIOD_FIELDS} | {"parent_id": unit.parent_id}


def _open_period(unit: Unit, on: date, event: UnitChangeEvent) -> UnitPeriod:
    return UnitPeriod.objects.create(unit=unit, valid_from=on, event=event, **_period_values(unit))


def _roll_period(unit: Unit, on: date, event: UnitChangeEvent) -> None:
    """Close the open period on ``on`` and open one with the unit's current values.

    A second change on the day the open period starts rewrites that period in place (a period
    of zero days would mean nothing).
    """
    current = unit.periods.filter(valid_to__isnull=True).order_by("-valid_from").first()
    if current is not None and current.valid_from == on:
        for name, value in _period_values(unit).items():
            setattr(current, name, value)
        current.event = event
        current.save()
        return
    if current is not None:
        current.valid_to = on
        current.save(update_fields=["valid_to"])
    _open_period(unit, on, event)


def _close(unit: Unit, on: date, status: str, event: UnitChangeEvent, actor: Any) -> None:
    unit.status = status
    unit.valid_to = on
    _save(unit, event, actor)
    unit.periods.filter(valid_to__isnull=True, valid_from=on).delete()
    unit.periods.filter(valid_to__isnull=True).update(valid_to=on)


def _history_reason(event: UnitChangeEvent) -> str:
    kind = in_vietnamese(UnitChangeEvent.Kind(event.kind).label)
    reason = f"{kind} ({_fmt(event.effective_date)})"
    if event.legal_basis_number:
        reason += f", {event.legal_basis_number}"
    if event.reason:
        reason += f": {event.reason}"
    return reason[:100]


def _rehome(moves: list[tuple[Unit, Unit]], on: date, event: UnitChangeEvent, actor: Any) -> None:
    """Re-parent children in one pass over the affected trees, with periods and history."""
    if not moves:
        return
    rehome(moves)
    for child, _ in moves:
        _roll_period(child, on, event)
    user = actor if getattr(actor, "pk", None) else None
    children = [child for child, _ in moves]
    for child in children:
        attribute(child, acting_user=user, reason=_history_reason(event))
    Unit.history.bulk_history_create(children, update=True, default_user=user)


# ---------------------------------------------------------------------------------------------
# New units (create_unit, and targets created by merge and split)
# ---------------------------------------------------------------------------------------------


def _prepare_new_unit(
    spec: Mapping[str, Any],
    *,
    prefix: str,
    default_parent: Unit | None,
    valid_from: Any,
    code_exclude: Iterable[int] = (),
) -> dict[str, Any]:
    """Validate the fields of a unit to create; returns the cleaned fields."""
    unknown = set(spec) - NEW_UNIT_KEYS
    if unknown:
        raise ValidationError(
            {prefix or "unit": f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}."}
        )
    p = f"{prefix}." if prefix else ""
    valid_from = _require_date(spec.get("valid_from", valid_from), f"{p}valid_from", "Hiệu lực từ")
    parent = spec.get("parent", default_parent)
    if parent is not None:
        parent = _fresh(parent, f"{p}parent")
        _require_active(parent, f"{p}parent")
        if valid_from < parent.valid_from:
            raise ValidationError(
                {
                    f"{p}valid_from": f"Đơn vị không thể có hiệu lực ({_fmt(valid_from)}) trước "
                    f"đơn vị cấp trên “{parent.name}” ({_fmt(parent.valid_from)})."
                }
            )
    number, on = _legal_basis(spec.get("legal_basis_number", ""), spec.get("legal_basis_date"))
    return {
        "name": _check_name(spec.get("name"), f"{p}name"),
        "short_name": _check_short_name(spec.get("short_name", ""), f"{p}short_name"),
        "code": _check_code(spec.get("code"), f"{p}code", exclude=code_exclude),
        "kind": _check_kind(spec.get("kind"), f"{p}kind"),
        "national_code": _check_national_code(spec.get("national_code", ""), f"{p}national_code"),
        "admin_unit": _check_admin_unit(spec.get("admin_unit"), f"{p}admin_unit"),
        "parent": parent,
        "valid_from": valid_from,
        "legal_basis_number": number,
        "legal_basis_date": on,
    }


def _insert_unit(fields: dict[str, Any], event: UnitChangeEvent, actor: Any) -> Unit:
    unit = Unit(**fields)
    _save(unit, event, actor)
    _open_period(unit, unit.valid_from, event)
    return unit


def _check_no_code_collisions(specs: list[dict[str, Any]], prefixes: list[str]) -> None:
    seen: dict[str, str] = {}
    for spec, prefix in zip(specs, prefixes, strict=True):
        if spec["code"] in seen:
            raise ValidationError(
                {f"{prefix}.code": f"Mã định danh “{spec['code']}” trùng với {seen[spec['code']]}."}
            )
        seen[spec["code"]] = prefix


@transaction.atomic
def create_unit(
    *,
    name: str,
    code: str,
    kind: str,
    parent: Unit | None = None,
    valid_from: date,
    short_name: str = "",
    national_code: str = "",
    admin_unit: AdminUnit | None = None,
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
    actor: Any = None,
    reason: str = "",
) -> Unit:
    """Found a unit (thành lập) under ``parent`` (or as a root) from ``valid_from``."""
    lock_tree()
    fields = _prepare_new_unit(
        {
            "name": name,
            "code": code,
            "kind": kind,
            "parent": parent,
            "short_name": short_name,
            "national_code": national_code,
            "admin_unit": admin_unit,
            "legal_basis_number": legal_basis_number,
            "legal_basis_date": legal_basis_date,
        },
        prefix="",
        default_parent=None,
        valid_from=valid_from,
    )
    event = _new_event(
        UnitChangeEvent.Kind.CREATE,
        effective_date=fields["valid_from"],
        legal_basis=(fields["legal_basis_number"], fields["legal_basis_date"]),
        reason=reason,
        actor=actor,
        details={},
    )
    unit = _insert_unit(fields, event, actor)
    event.details = {"unit": _describe(unit), "parent": _describe(unit.parent)}
    event.save(update_fields=["details"])
    _link(event, [(unit, Role.SUBJECT), (unit.parent, Role.TARGET)])
    return unit


# ---------------------------------------------------------------------------------------------
# Update (rename, recode, other fields) and move
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def update_unit(
    unit: Unit,
    *,
    effective_date: date,
    actor: Any = None,
    reason: str = "",
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
    **changes: Any,
) -> UnitChangeEvent:
    """Change a unit's name, short name, code, kind, national code or administrative unit.

    Name, short name, code and kind are business-dated: a new period starts on
    ``effective_date``. Refuses when nothing changes.
    """
    unit = _fresh(unit, "unit")
    _require_active(unit, "unit")
    effective_date = _require_date(effective_date, "effective_date")
    legal_basis = _legal_basis(legal_basis_number, legal_basis_date)
    if "parent" in changes:
        raise ValidationError(
            {"parent": "Đổi đơn vị cấp trên bằng thao tác chuyển đơn vị (move_unit)."}
        )
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {name: "Trường này không thay đổi được bằng cập nhật đơn vị." for name in unknown}
        )
    checkers = {
        "name": _check_name,
        "short_name": _check_short_name,
        "code": lambda v, f: _check_code(v, f, exclude=[unit.pk]),
        "kind": _check_kind,
        "national_code": _check_national_code,
        "admin_unit": _check_admin_unit,
    }
    new_values = {name: checkers[name](value, name) for name, value in changes.items()}
    diff = {
        name: [_jsonable(getattr(unit, name)), _jsonable(value)]
        for name, value in new_values.items()
        if getattr(unit, name) != value
    }
    if not diff:
        raise ValidationError("Không có thông tin nào thay đổi so với hiện tại.", code="no_change")
    _check_change_date(unit, effective_date)

    kind = (
        UnitChangeEvent.Kind.RENAME
        if {"name", "code", "short_name"} & set(diff)
        else UnitChangeEvent.Kind.UPDATE
    )
    event = _new_event(
        kind,
        effective_date=effective_date,
        legal_basis=legal_basis,
        reason=reason,
        actor=actor,
        details={"unit": _describe(unit), "changes": diff},
    )
    for name, value in new_values.items():
        setattr(unit, name, value)
    _save(unit, event, actor)
    if set(PERIOD_FIELDS) & set(diff):
        _roll_period(unit, effective_date, event)
    _link(event, [(unit, Role.SUBJECT)])
    return event


@transaction.atomic
def move_unit(
    unit: Unit,
    new_parent: Unit | None,
    *,
    effective_date: date,
    actor: Any = None,
    reason: str = "",
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
) -> UnitChangeEvent:
    """Move ``unit`` with its whole subtree under ``new_parent`` (None: make it a root)."""
    unit = _fresh(unit, "unit")
    _require_active(unit, "unit")
    effective_date = _require_date(effective_date, "effective_date")
    legal_basis = _legal_basis(legal_basis_number, legal_basis_date)
    if new_parent is not None:
        new_parent = _fresh(new_parent, "new_parent")
        _require_active(new_parent, "new_parent")
        if is_within(new_parent, unit):
            raise ValidationError(
                {
                    "new_parent": f"Không thể chuyển “{unit.name}” vào chính nó hoặc vào đơn vị "
                    f"cấp dưới của nó (“{new_parent.name}”)."
                }
            )
        if effective_date < new_parent.valid_from:
            raise ValidationError(
                {
                    "effective_date": f"Ngày hiệu lực {_fmt(effective_date)} trước ngày đơn vị "
                    f"cấp trên mới “{new_parent.name}” có hiệu lực ({_fmt(new_parent.valid_from)})."
                }
            )
    if unit.parent_id == (new_parent.pk if new_parent else None):
        raise ValidationError(
            {"new_parent": f"“{unit.name}” đã trực thuộc đơn vị này; không có gì để chuyển."}
        )
    _check_change_date(unit, effective_date)

    old_parent = unit.parent
    event = _new_event(
        UnitChangeEvent.Kind.MOVE,
        effective_date=effective_date,
        legal_basis=legal_basis,
        reason=reason,
        actor=actor,
        details={
            "unit": _describe(unit),
            "old_parent": _describe(old_parent),
            "new_parent": _describe(new_parent),
        },
    )
    unit.parent = new_parent
    _save(unit, event, actor)
    _roll_period(unit, effective_date, event)
    _link(event, [(unit, Role.SUBJECT), (old_parent, Role.SOURCE), (new_parent, Role.TARGET)])
    signals.unit_moved.send(
        sender=Unit, event=event, unit=unit, old_parent=old_parent, new_parent=new_parent
    )
    return event


# ---------------------------------------------------------------------------------------------
# Merge, split, dissolve
# ---------------------------------------------------------------------------------------------


def _unit_id(value: Any, field: str) -> int:
    if isinstance(value, Unit):
        return value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValidationError({field: f"“{value}” không phải là mã số (id) của một đơn vị."})


def _active_children(units: Iterable[Unit]) -> list[Unit]:
    return list(
        Unit.objects.active().filter(parent__in=[u.pk for u in units]).order_by("tree_id", "lft")
    )


@transaction.atomic
def merge_units(
    sources: Iterable[Unit],
    *,
    target: Unit | None = None,
    new_target: Mapping[str, Any] | None = None,
    effective_date: date,
    actor: Any = None,
    reason: str = "",
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
    child_mapping: Mapping[Any, Any] | None = None,
) -> tuple[Unit, UnitChangeEvent]:
    """Merge ``sources`` into ``target`` (existing) or a new unit described by ``new_target``.

    Active children of the sources are re-homed under the target, or under the unit
    ``child_mapping`` names for them (``{child id: new parent id}``; the new parent must be the
    target or an active unit outside the merged sources). Sources are closed on
    ``effective_date`` with status "merged", never deleted, and succeeded by the target.
    ``new_target`` takes the create_unit keywords; its parent defaults to the sources' common
    parent and its ``valid_from`` is the effective date. It may reuse a source's code.
    """
    effective_date = _require_date(effective_date, "effective_date")
    legal_basis = _legal_basis(legal_basis_number, legal_basis_date)
    sources = list(sources or [])
    if not sources:
        raise ValidationError({"sources": "Cần ít nhất một đơn vị được hợp nhất, sáp nhập."})
    ids = [_unit_id(s, "sources") for s in sources]
    if len(set(ids)) != len(ids):
        raise ValidationError(
            {"sources": "Một đơn vị được liệt kê nhiều lần trong danh sách nguồn."}
        )
    sources = [_fresh(s, "sources") for s in sources]
    for source in sources:
        _require_active(source, "sources")
        _check_close_date(source, effective_date)
    if (target is None) == (new_target is None):
        raise ValidationError(
            {"target": "Chọn đúng một trong hai: đơn vị đích có sẵn hoặc thông tin đơn vị mới."}
        )
    source_ids = set(ids)

    def inside_sources(unit: Unit) -> Unit | None:
        return next((s for s in sources if is_within(unit, s)), None)

    if target is not None:
        target = _fresh(target, "target")
        _require_active(target, "target")
        if target.pk in source_ids:
            raise ValidationError({"target": "Không thể sáp nhập một đơn vị vào chính nó."})
        holder = inside_sources(target)
        if holder is not None:
            raise ValidationError(
                {
                    "target": f"Đơn vị đích “{target.name}” nằm trong đơn vị bị sáp nhập "
                    f"“{holder.name}”; chọn đơn vị đích ở ngoài."
                }
            )
        if effective_date < target.valid_from:
            raise ValidationError(
                {
                    "effective_date": f"Ngày hiệu lực {_fmt(effective_date)} trước ngày "
                    f"đơn vị đích “{target.name}” có hiệu lực ({_fmt(target.valid_from)})."
                }
            )
        target_fields = None
    else:
        if not isinstance(new_target, Mapping):
            raise ValidationError(
                {"new_target": "Thông tin đơn vị mới phải là một từ điển (dict)."}
            )
        parents = {s.parent_id for s in sources}
        default_parent = sources[0].parent if len(parents) == 1 else None
        if "parent" not in new_target and len(parents) > 1:
            raise ValidationError(
                {
                    "new_target.parent": "Các đơn vị nguồn thuộc các đơn vị cấp trên khác nhau; "
                    "hãy chỉ rõ đơn vị cấp trên của đơn vị mới."
                }
            )
        if new_target.get("valid_from", effective_date) != effective_date:
            raise ValidationError(
                {"new_target.valid_from": "Đơn vị mới có hiệu lực đúng từ ngày hợp nhất."}
            )
        target_fields = _prepare_new_unit(
            new_target,
            prefix="new_target",
            default_parent=default_parent,
            valid_from=effective_date,
            code_exclude=source_ids,
        )
        parent = target_fields["parent"]
        if parent is not None and inside_sources(parent) is not None:
            raise ValidationError(
                {
                    "new_target.parent": "Đơn vị cấp trên của đơn vị mới không được nằm trong "
                    "các đơn vị bị sáp nhập."
                }
            )

    children = [c for c in _active_children(sources) if c.pk not in source_ids]
    child_ids = {c.pk for c in children}
    mapping: dict[int, int] = {}
    for key, value in (child_mapping or {}).items():
        child_id = _unit_id(key, "child_mapping")
        if child_id not in child_ids:
            raise ValidationError(
                {
                    "child_mapping": f"Đơn vị {key} không phải là đơn vị trực thuộc đang hoạt động "
                    "của các đơn vị bị sáp nhập."
                }
            )
        mapping[child_id] = _unit_id(value, "child_mapping")
    mapped_parents = Unit.objects.in_bulk(set(mapping.values()) - {getattr(target, "pk", None)})
    for child_id, parent_id in mapping.items():
        if target is not None and parent_id == target.pk:
            continue
        parent = mapped_parents.get(parent_id)
        if parent is None or not parent.is_active or inside_sources(parent) is not None:
            raise ValidationError(
                {
                    "child_mapping": f"Đơn vị cấp trên mới ({parent_id}) của đơn vị {child_id} "
                    "phải là đơn vị đích hoặc một đơn vị đang hoạt động ngoài các đơn vị "
                    "bị sáp nhập."
                }
            )

    kind = UnitChangeEvent.Kind.MERGE
    event = _new_event(
        kind,
        effective_date=effective_date,
        legal_basis=legal_basis,
        reason=reason,
        actor=actor,
        details={},
    )
    for source in sources:
        _close(source, effective_date, Unit.Status.MERGED, event, actor)
    if target_fields is not None:
        target = _insert_unit(target_fields, event, actor)
    assert target is not None
    moves = [
        (child, mapped_parents.get(mapping.get(child.pk, target.pk), target)) for child in children
    ]
    _rehome(moves, effective_date, event, actor)
    rehomed = [_describe(child) | {"new_parent": _describe(parent)} for child, parent in moves]
    UnitSuccession.objects.bulk_create(
        UnitSuccession(predecessor=s, successor=target, event=event, effective_date=effective_date)
        for s in sources
    )
    event.details = {
        "sources": [_describe(s) for s in sources],
        "target": _describe(target),
        "new_target": target_fields is not None,
        "rehomed_children": rehomed,
    }
    event.save(update_fields=["details"])
    _link(
        event,
        [(s, Role.SOURCE) for s in sources]
        + [(target, Role.TARGET)]
        + [(c, Role.REHOMED) for c in children],
    )
    for unit in [*sources, target]:
        unit.refresh_from_db()
    signals.units_merged.send(sender=Unit, event=event, sources=sources, target=target)
    return target, event


@transaction.atomic
def split_unit(
    source: Unit,
    *,
    targets: Iterable[Unit | Mapping[str, Any]],
    child_mapping: Mapping[Any, Any],
    effective_date: date,
    actor: Any = None,
    reason: str = "",
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
) -> tuple[list[Unit], UnitChangeEvent, list[Unit]]:
    """Split ``source`` into ``targets`` (existing units, or create_unit keyword dicts).

    ``child_mapping`` maps an active child of the source (id or Unit) to its target, named by
    id, Unit, or — for a target created here — its identifier code. Children left out stay
    under the closed source and are returned for review (also recorded in the event). The
    profiles attached to the source itself go to the review list of
    :mod:`orgtree.split_review` and keep their unit until assigned to a successor.
    """
    effective_date = _require_date(effective_date, "effective_date")
    legal_basis = _legal_basis(legal_basis_number, legal_basis_date)
    source = _fresh(source, "source")
    _require_active(source, "source")
    _check_close_date(source, effective_date)
    targets = list(targets or [])
    if not targets:
        raise ValidationError({"targets": "Cần ít nhất một đơn vị tiếp nhận sau khi chia, tách."})

    existing: list[Unit] = []
    new_specs: list[dict[str, Any]] = []
    prefixes: list[str] = []
    order: list[tuple[str, int]] = []  # ("existing" | "new", index), in the caller's order
    for index, spec in enumerate(targets):
        prefix = f"targets[{index}]"
        if isinstance(spec, Unit):
            unit = _fresh(spec, prefix)
            _require_active(unit, prefix)
            if unit.pk == source.pk:
                raise ValidationError({prefix: "Không thể chia, tách một đơn vị thành chính nó."})
            if is_within(unit, source):
                raise ValidationError(
                    {prefix: f"Đơn vị tiếp nhận “{unit.name}” nằm trong đơn vị bị chia, tách."}
                )
            if any(u.pk == unit.pk for u in existing):
                raise ValidationError({prefix: f"Đơn vị “{unit.name}” được liệt kê hai lần."})
            if effective_date < unit.valid_from:
                raise ValidationError(
                    {prefix: f"Đơn vị “{unit.name}” chỉ có hiệu lực từ {_fmt(unit.valid_from)}."}
                )
            order.append(("existing", len(existing)))
            existing.append(unit)
        elif isinstance(spec, Mapping):
            if spec.get("valid_from", effective_date) != effective_date:
                raise ValidationError(
                    {f"{prefix}.valid_from": "Đơn vị mới có hiệu lực đúng từ ngày chia, tách."}
                )
            fields = _prepare_new_unit(
                spec,
                prefix=prefix,
                default_parent=source.parent,
                valid_from=effective_date,
                code_exclude=[source.pk],
            )
            if fields["parent"] is not None and is_within(fields["parent"], source):
                raise ValidationError(
                    {
                        f"{prefix}.parent": "Đơn vị cấp trên của đơn vị mới không được nằm trong "
                        "đơn vị bị chia, tách."
                    }
                )
            order.append(("new", len(new_specs)))
            new_specs.append(fields)
            prefixes.append(prefix)
        else:
            raise ValidationError({prefix: "Mỗi đơn vị tiếp nhận là một đơn vị hoặc một từ điển."})
    _check_no_code_collisions(new_specs, prefixes)

    children = _active_children([source])
    children_by_id = {c.pk: c for c in children}
    new_codes = {spec["code"]: i for i, spec in enumerate(new_specs)}
    existing_ids = {u.pk: i for i, u in enumerate(existing)}
    raw_mapping: dict[int, tuple[str, int]] = {}
    for key, value in (child_mapping or {}).items():
        child_id = _unit_id(key, "child_mapping")
        if child_id not in children_by_id:
            raise ValidationError(
                {
                    "child_mapping": f"Đơn vị {key} không phải là đơn vị trực thuộc đang hoạt động "
                    f"của “{source.name}”."
                }
            )
        if isinstance(value, str) and _normalise_code(value) in new_codes:
            raw_mapping[child_id] = ("new", new_codes[_normalise_code(value)])
            continue
        try:
            target_id = _unit_id(value, "child_mapping")
        except ValidationError:
            target_id = None
        if target_id not in existing_ids:
            raise ValidationError(
                {
                    "child_mapping": f"“{value}” (cho đơn vị {key}) không phải là một trong các "
                    "đơn vị tiếp nhận."
                }
            )
        raw_mapping[child_id] = ("existing", existing_ids[target_id])

    event = _new_event(
        UnitChangeEvent.Kind.SPLIT,
        effective_date=effective_date,
        legal_basis=legal_basis,
        reason=reason,
        actor=actor,
        details={},
    )
    _close(source, effective_date, Unit.Status.SPLIT, event, actor)
    created = [_insert_unit(fields, event, actor) for fields in new_specs]
    resolved = {"existing": existing, "new": created}
    result = [resolved[group][i] for group, i in order]
    moves = [
        (child, resolved[raw_mapping[child.pk][0]][raw_mapping[child.pk][1]])
        for child in children
        if child.pk in raw_mapping
    ]
    _rehome(moves, effective_date, event, actor)
    mapping = {child.pk: parent.pk for child, parent in moves}
    rehomed = [child for child, _ in moves]
    rest = [c for c in children if c.pk not in mapping]
    UnitSuccession.objects.bulk_create(
        UnitSuccession(
            predecessor=source,
            successor=t,
            event=event,
            effective_date=effective_date,
            partial=True,
        )
        for t in result
    )
    event.details = {
        "source": _describe(source),
        "targets": [_describe(t) for t in result],
        "created_targets": [t.pk for t in created],
        "child_mapping": {str(k): v for k, v in mapping.items()},
        "unassigned_children": [_describe(c) for c in rest],
    }
    event.save(update_fields=["details"])
    _link(
        event,
        [(source, Role.SOURCE)]
        + [(t, Role.TARGET) for t in result]
        + [(c, Role.REHOMED) for c in rehomed],
    )
    for unit in [source, *result]:
        unit.refresh_from_db()
    # The split unit's own people wait in review (orgtree.split_review), not moved by default.
    split_review.open_review(event, source)
    signals.unit_split.send(
        sender=Unit, event=event, source=source, targets=result, child_mapping=mapping
    )
    return result, event, rest


@transaction.atomic
def dissolve_unit(
    unit: Unit,
    *,
    effective_date: date,
    actor: Any = None,
    reason: str = "",
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
) -> UnitChangeEvent:
    """Dissolve (giải thể) a unit that has no active children left."""
    unit = _fresh(unit, "unit")
    _require_active(unit, "unit")
    effective_date = _require_date(effective_date, "effective_date")
    legal_basis = _legal_basis(legal_basis_number, legal_basis_date)
    children = _active_children([unit])
    if children:
        names = ", ".join(f"“{c.name}” ({c.code})" for c in children[:10])
        more = f" và {len(children) - 10} đơn vị khác" if len(children) > 10 else ""
        raise ValidationError(
            {
                "unit": f"Không thể giải thể “{unit.name}” khi còn đơn vị trực thuộc đang hoạt "
                f"động: {names}{more}. Hãy chuyển, sáp nhập hoặc giải thể các đơn vị này trước."
            }
        )
    _check_close_date(unit, effective_date)
    event = _new_event(
        UnitChangeEvent.Kind.DISSOLVE,
        effective_date=effective_date,
        legal_basis=legal_basis,
        reason=reason,
        actor=actor,
        details={"unit": _describe(unit)},
    )
    _close(unit, effective_date, Unit.Status.DISSOLVED, event, actor)
    _link(event, [(unit, Role.SUBJECT)])
    signals.unit_dissolved.send(sender=Unit, event=event, unit=unit)
    return event
