"""Tree operations dated in the future: scheduled now, applied on their effective date.

:func:`submit` is the door the admin uses: an operation whose effective date is today or past
runs at once through :mod:`orgtree.services`; a later one is stored as a
:class:`~orgtree.models.ScheduledOperation` after a dry run (the service runs inside a
transaction that is rolled back, so the same validation refuses bad input now) and changes
nothing users see. :func:`apply_due_operations` (daily, django-q2 schedule
``orgtree-apply-scheduled-operations``; command ``apply_scheduled_unit_operations``) applies
every scheduled operation whose date has come, each in its own transaction, through the same
service with its recorded author, so the event, periods, history and signals are those of an
immediate operation. A failure is recorded on the row and leaves the tree unchanged.

Every function takes ``today`` explicitly (default: the local date), so tests move the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from cbccvc import schedules
from cbccvc.history import attribute

from . import services
from .models import AdminUnit, ScheduledOperation, Unit, UnitChangeEvent

Kind = ScheduledOperation.Kind
Status = ScheduledOperation.Status
SCHEDULE_NAME = "orgtree-apply-scheduled-operations"


class _DryRun(Exception):
    """Raised inside the dry run's transaction to roll it back, carrying the outcome."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome


@dataclass
class Submitted:
    """What :func:`submit` did: ``applied`` (the service's result) or ``scheduled``."""

    result: Any = None
    scheduled: ScheduledOperation | None = None

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled is not None


@dataclass
class Impact:
    """Which units an operation touches and how many people it moves (for the preview)."""

    closed: list[Unit] = field(default_factory=list)
    receiving: list[Unit] = field(default_factory=list)
    rehomed_children: list[Unit] = field(default_factory=list)
    profiles_moving: int = 0
    profiles_to_review: int = 0


# ---------------------------------------------------------------------------------------------
# Parameters as JSON and back
# ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Unit):
        return {"unit": value.pk}
    if isinstance(value, AdminUnit):
        return {"admin_unit": value.pk}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Mapping):
        return {"map": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"unit"}:
            return Unit.objects.get(pk=value["unit"])
        if set(value) == {"admin_unit"}:
            return AdminUnit.objects.get(pk=value["admin_unit"])
        if set(value) == {"date"}:
            return date.fromisoformat(value["date"])
        if set(value) == {"map"}:
            return {_decode(k): _decode(v) for k, v in value["map"]}
    return value


_SERVICES: dict[str, Callable[..., Any]] = {
    Kind.UPDATE: services.update_unit,
    Kind.MOVE: services.move_unit,
    Kind.MERGE: services.merge_units,
    Kind.SPLIT: services.split_unit,
    Kind.DISSOLVE: services.dissolve_unit,
}
# The service's first positional arguments, by kind (the rest are keywords).
_POSITIONAL: dict[str, tuple[str, ...]] = {
    Kind.UPDATE: ("unit",),
    Kind.MOVE: ("unit", "new_parent"),
    Kind.MERGE: ("sources",),
    Kind.SPLIT: ("source",),
    Kind.DISSOLVE: ("unit",),
}
_BASIS = ("effective_date", "legal_basis_number", "legal_basis_date", "reason")


def _main_unit(kind: str, params: Mapping[str, Any]) -> Unit:
    if kind == Kind.MERGE:
        return next(iter(params["sources"]))
    return params["source"] if kind == Kind.SPLIT else params["unit"]


def _call(kind: str, params: Mapping[str, Any], actor: Any) -> Any:
    args = [params[name] for name in _POSITIONAL[kind]]
    kwargs = {k: v for k, v in params.items() if k not in _POSITIONAL[kind]}
    return _SERVICES[kind](*args, actor=actor, **kwargs)


# ---------------------------------------------------------------------------------------------
# Submit, preview, cancel
# ---------------------------------------------------------------------------------------------


def dry_run(kind: str, params: Mapping[str, Any], *, actor: Any = None) -> Any:
    """Run the operation and roll it back; returns the service's result (objects are stale
    afterwards: use them for counting only). Raises the service's ValidationError."""
    try:
        with transaction.atomic():
            raise _DryRun(_call(kind, params, actor))
    except _DryRun as done:
        return done.outcome


def submit(
    kind: str,
    *,
    actor: Any = None,
    today: date | None = None,
    validate: bool = True,
    **params: Any,
) -> Submitted:
    """Apply the operation now if its date has come, else validate and schedule it.

    ``params`` are the service's arguments (``effective_date`` required). ``validate=False``
    skips the dry run, for a caller that dry-ran a batch of operations together.
    """
    today = today or timezone.localdate()
    if kind not in _SERVICES:
        raise ValidationError({"kind": f"Thao tác “{kind}” không hỗ trợ đặt lịch."})
    effective_date = params.get("effective_date")
    if not isinstance(effective_date, date) or effective_date <= today:
        return Submitted(result=_call(kind, params, actor))
    if validate:
        dry_run(kind, params, actor=actor)  # the same validation as an immediate operation
    stored = {k: v for k, v in params.items() if k not in _BASIS}
    operation = ScheduledOperation(
        kind=kind,
        unit=_main_unit(kind, params),
        parameters=_encode(stored),
        effective_date=effective_date,
        legal_basis_number=params.get("legal_basis_number", "") or "",
        legal_basis_date=params.get("legal_basis_date"),
        reason=params.get("reason", "") or "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    attribute(operation, acting_user=None, reason="Đặt lịch thao tác cây đơn vị")
    operation.save()
    return Submitted(scheduled=operation)


def parameters_of(operation: ScheduledOperation) -> dict[str, Any]:
    """The service's arguments of a stored operation (units reloaded from the database)."""
    params = _decode(operation.parameters)
    params.update(
        effective_date=operation.effective_date,
        legal_basis_number=operation.legal_basis_number,
        legal_basis_date=operation.legal_basis_date,
        reason=operation.reason,
    )
    return params


def _profile_count(units: list[Unit]) -> int:
    """People attached directly to ``units`` (through the profiles app's reverse relation,
    which orgtree does not import)."""
    related = getattr(Unit, "profiles", None)
    if related is None or not units:
        return 0
    model = related.rel.related_model
    return model._default_manager.filter(unit__in=units).count()


def preview(kind: str, params: Mapping[str, Any]) -> Impact:
    """The impact of an operation on the current tree: units closed, units receiving people or
    sub-units, sub-units re-homed, profiles moved (merge) or sent to review (split)."""
    impact = Impact()
    if kind == Kind.MERGE:
        sources = list(params["sources"])
        impact.closed = sources
        if params.get("target") is not None:
            impact.receiving = [params["target"]]
        impact.rehomed_children = [
            c for s in sources for c in s.get_children().filter(status=Unit.Status.ACTIVE)
        ]
        impact.profiles_moving = _profile_count(sources)
    elif kind == Kind.SPLIT:
        source = params["source"]
        impact.closed = [source]
        impact.receiving = [t for t in params.get("targets", []) if isinstance(t, Unit)]
        mapping = params.get("child_mapping") or {}
        mapped = {getattr(k, "pk", k) for k in mapping}
        impact.rehomed_children = [
            c for c in source.get_children().filter(status=Unit.Status.ACTIVE) if c.pk in mapped
        ]
        impact.profiles_to_review = _profile_count([source])
    elif kind == Kind.DISSOLVE:
        impact.closed = [params["unit"]]
    elif kind == Kind.MOVE:
        impact.rehomed_children = [params["unit"]]
        if params.get("new_parent") is not None:
            impact.receiving = [params["new_parent"]]
    return impact


def cancel(operation: ScheduledOperation, *, actor: Any, reason: str) -> ScheduledOperation:
    """Cancel a scheduled operation, with the reason (kept on the row and in its history)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do hủy."})
    with transaction.atomic():
        operation = ScheduledOperation.objects.select_for_update().get(pk=operation.pk)
        if operation.status != Status.SCHEDULED:
            raise ValidationError(
                {
                    "operation": gettext("Thao tác #%(number)s không còn chờ (đang: %(status)s).")
                    % {"number": operation.pk, "status": operation.get_status_display().lower()}
                }
            )
        operation.status = Status.CANCELLED
        operation.cancelled_by = actor if getattr(actor, "pk", None) else None
        operation.cancelled_at = timezone.now()
        operation.cancel_reason = reason
        attribute(operation, acting_user=operation.cancelled_by, reason=f"Hủy: {reason}")
        operation.save()
    return operation


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


def _event_of(result: Any) -> UnitChangeEvent | None:
    if isinstance(result, UnitChangeEvent):
        return result
    if isinstance(result, tuple):
        return next((r for r in result if isinstance(r, UnitChangeEvent)), None)
    return None


def apply_operation(operation: ScheduledOperation, *, today: date | None = None) -> bool:
    """Apply one scheduled operation in its own transaction; True if it was applied.

    A refusal (the tree changed since it was scheduled) marks it failed with the message.
    """
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            operation = ScheduledOperation.objects.select_for_update().get(pk=operation.pk)
            if operation.status != Status.SCHEDULED or operation.effective_date > today:
                return False
            result = _call(operation.kind, parameters_of(operation), operation.created_by)
            operation.status = Status.APPLIED
            operation.applied_at = timezone.now()
            operation.event = _event_of(result)
            operation.error = ""
            attribute(operation, acting_user=None, reason="Đã thực hiện khi đến ngày hiệu lực")
            operation.save()
            return True
    except (ValidationError, Unit.DoesNotExist, AdminUnit.DoesNotExist, KeyError) as exc:
        message = " ".join(getattr(exc, "messages", None) or [str(exc)])
        ScheduledOperation.objects.filter(pk=operation.pk, status=Status.SCHEDULED).update(
            status=Status.FAILED, error=message[:2000], applied_at=timezone.now()
        )
        return False


def apply_due_operations(today: date | None = None) -> dict[str, int]:
    """Apply every scheduled operation whose effective date has come, oldest date first."""
    today = today or timezone.localdate()
    due = ScheduledOperation.objects.filter(
        status=Status.SCHEDULED, effective_date__lte=today
    ).order_by("effective_date", "id")
    applied = failed = 0
    for operation in list(due):
        if apply_operation(operation, today=today):
            applied += 1
        else:
            failed += 1
    return {"applied": applied, "failed": failed}


def daily_task() -> dict[str, int]:
    """The django-q2 task body."""
    return apply_due_operations()


def ensure_schedule(hour: int = 0, minute: int = 5) -> Any:
    """Register the daily run with django-q2 (idempotent), just after midnight."""
    return schedules.ensure_schedule(
        SCHEDULE_NAME, "orgtree.scheduling.daily_task", daily_at=time(hour, minute)
    )
