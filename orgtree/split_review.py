"""A split unit's own people wait in a review list until HR assigns each to a successor.

:func:`open_review` (called by :func:`orgtree.services.split_unit` inside its transaction) puts
every profile attached directly to the split unit in :class:`~orgtree.models.SplitAssignment`;
the profiles keep their unit (the closed one) meanwhile, so nobody is sent to the wrong
successor by default. :func:`assign` moves chosen rows to one successor of their split: it
sends :data:`split_profiles_assigned`, whose receiver in the profiles app re-homes them through
the same path as a merge (work history closed and opened on the split's effective date, a
career event, the profile's history with the decision as reason, re-approval), and marks the
rows assigned. A receiver that raises rolls the assignment back.

* ``split_profiles_assigned(sender=Unit, event, source: Unit, target: Unit,
  profile_ids: list[int], actor)``
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from cbccvc.history import attribute

from .models import SplitAssignment, Unit, UnitChangeEvent, UnitSuccession

split_profiles_assigned = Signal()

Status = SplitAssignment.Status


def _profile_model() -> Any:
    # profiles sits above orgtree: reach the model through the foreign key, not an import.
    return SplitAssignment._meta.get_field("profile").related_model


def open_review(event: UnitChangeEvent, source: Unit) -> int:
    """Put the profiles attached to ``source`` in the review list of split ``event``."""
    ids = _profile_model()._default_manager.filter(unit=source).values_list("pk", flat=True)
    rows = [SplitAssignment(event=event, source=source, profile_id=pk) for pk in ids]
    SplitAssignment.objects.bulk_create(rows)
    return len(rows)


def successors(event: UnitChangeEvent, source: Unit) -> list[Unit]:
    """The active successors ``source`` was split into by ``event``."""
    ids = UnitSuccession.objects.filter(predecessor=source, event=event).values("successor_id")
    return list(Unit.objects.filter(pk__in=ids, status=Unit.Status.ACTIVE).order_by("name"))


def successor_choices(rows: Iterable[SplitAssignment]) -> list[Unit]:
    """Units every one of ``rows`` may be assigned to (the successors their splits share)."""
    common: set[int] | None = None
    units: dict[int, Unit] = {}
    for event_id, source_id in {(r.event_id, r.source_id) for r in rows}:
        found = successors(UnitChangeEvent(pk=event_id), Unit(pk=source_id))
        units.update({u.pk: u for u in found})
        ids = {u.pk for u in found}
        common = ids if common is None else common & ids
    return sorted((units[pk] for pk in common or ()), key=lambda u: u.name)


@transaction.atomic
def assign(rows: Iterable[SplitAssignment], target: Unit, *, actor: Any = None) -> int:
    """Assign the pending ``rows`` to ``target`` (a successor of each row's split)."""
    ids = [r.pk for r in rows]
    locked = list(
        SplitAssignment.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("event", "source")
        .order_by("pk")
    )
    done = [r for r in locked if r.status != Status.PENDING]
    if done:
        raise ValidationError(
            {"rows": f"{len(done)} hồ sơ đã được phân trước đó; hãy bỏ chọn các hồ sơ này."}
        )
    groups: dict[tuple[int, int], list[SplitAssignment]] = defaultdict(list)
    for row in locked:
        groups[(row.event_id, row.source_id)].append(row)
    for group in groups.values():
        first = group[0]
        if target.pk not in {u.pk for u in successors(first.event, first.source)}:
            raise ValidationError(
                {
                    "target": f"“{target.name}” không phải là đơn vị đang hoạt động tiếp nhận "
                    f"từ việc chia, tách “{first.source.name}”."
                }
            )
    user = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    for group in groups.values():
        first = group[0]
        split_profiles_assigned.send(
            sender=Unit,
            event=first.event,
            source=first.source,
            target=target,
            profile_ids=[r.profile_id for r in group],
            actor=user,
        )
        for row in group:
            row.status = Status.ASSIGNED
            row.target = target
            row.assigned_by = user
            row.assigned_at = now
            attribute(row, acting_user=user, reason=f"Phân về {target.name} [{target.code}]")
            row.save()
    return len(locked)


def assign_source(source: Unit, target: Unit, *, actor: Any = None) -> int:
    """Assign every pending profile of the split unit ``source`` to ``target``."""
    rows = SplitAssignment.objects.filter(source=source, status=Status.PENDING)
    return assign(list(rows), target, actor=actor)
