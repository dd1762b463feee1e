"""Re-homing profiles when the org tree changes (merge, split).

The tree operation sends its signal inside its transaction; these receivers move the profiles
attached *directly* to the closed units (profiles of child units follow their unit, which the
tree operation re-parents), close their open work rows the day before the effective date, open
rows at the new unit from that date, record a career event, and write the move into each
profile's history with the operation as the reason. A receiver that fails rolls the whole tree
operation back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django.dispatch import receiver

from orgtree.models import Unit, UnitChangeEvent
from orgtree.signals import unit_split, units_merged
from orgtree.split_review import split_profiles_assigned

from .models import CareerEvent, Profile, ProfileStatus, ProfileVersion, VersionStatus, WorkHistory
from .services import apply_current, current_from_histories
from .signals import suspended


def _reason(event: UnitChangeEvent, source: Unit, target: Unit) -> str:
    basis = f" theo {event.legal_basis_number}" if event.legal_basis_number else ""
    return (
        f"{event.get_kind_display()} đơn vị ngày {event.effective_date:%d/%m/%Y}{basis}: "
        f"chuyển từ {source.name} [{source.code}] sang {target.name} [{target.code}]"
    )[:100]


def rehome_profiles(
    event: UnitChangeEvent,
    source: Unit,
    target: Unit,
    profile_ids: Collection[int] | None = None,
    actor: Any = None,
) -> list[int]:
    """Move the profiles of ``source`` (all, or those in ``profile_ids``) to ``target`` from
    ``event.effective_date``; ``actor`` defaults to the event's."""
    moved: list[int] = []
    start = event.effective_date
    reason = _reason(event, source, target)
    user = actor or event.actor
    profiles = Profile.objects.filter(unit=source)
    if profile_ids is not None:
        profiles = profiles.filter(pk__in=list(profile_ids))
    with suspended():
        for profile in profiles.order_by("pk"):
            open_rows = list(
                WorkHistory.objects.filter(profile=profile, unit=source, end_date__isnull=True)
            )
            for row in open_rows:
                row.end_date = max(row.start_date, start - timedelta(days=1))
                row._change_reason = reason
                row._history_user = user
                row.save()
            main = next((r for r in open_rows if not r.concurrent), None)
            new_row = WorkHistory(
                profile=profile,
                start_date=start,
                unit=target,
                position_code=main.position_code if main else "",
                title_code=main.title_code if main else "",
                description=main.description if main else "",
            )
            new_row._change_reason = reason
            new_row._history_user = user
            new_row.save()
            CareerEvent(
                profile=profile,
                kind=CareerEvent.Kind.REHOMING,
                effective_date=start,
                decision_number=event.legal_basis_number,
                decision_date=event.legal_basis_date,
                unit=target,
                note=reason,
            ).save()
            profile.unit = target
            apply_current(
                profile,
                current_from_histories(
                    WorkHistory.objects.filter(profile=profile),
                    profile.salary_history.all(),
                    default_unit_id=target.pk,
                ),
            )
            profile._change_reason = reason
            profile._history_user = user
            profile.save()
            moved.append(profile.pk)
    if moved:
        _reopen(moved)
    return moved


def _reopen(profile_ids: list[int]) -> None:
    """Moved profiles changed: approved copies need a new approval; revalidate them."""
    from .validation import validate_profiles

    ProfileVersion.objects.filter(
        profile_id__in=profile_ids, status=VersionStatus.SUBMITTED
    ).update(status=VersionStatus.WITHDRAWN)
    Profile.objects.filter(pk__in=profile_ids).exclude(status=ProfileStatus.DRAFT).update(
        status=ProfileStatus.DRAFT
    )
    validate_profiles(Profile.objects.filter(pk__in=profile_ids))


@receiver(units_merged, dispatch_uid="profiles-rehome-merged")
def on_units_merged(sender, event: UnitChangeEvent, sources: list[Unit], target: Unit, **kw: Any):
    for source in sources:
        if source.pk != target.pk:
            rehome_profiles(event, source, target)


@receiver(unit_split, dispatch_uid="profiles-rehome-split")
def on_unit_split(
    sender,
    event: UnitChangeEvent,
    source: Unit,
    targets: list[Unit],
    child_mapping: dict[int, int] | None = None,
    **kw: Any,
):
    """People of the split unit itself stay where they are: the split puts them in the review
    list of ``orgtree.split_review``, and HR assigns each to a successor (see below)."""


@receiver(split_profiles_assigned, dispatch_uid="profiles-rehome-split-assigned")
def on_split_profiles_assigned(
    sender,
    event: UnitChangeEvent,
    source: Unit,
    target: Unit,
    profile_ids: list[int],
    actor: Any = None,
    **kw: Any,
):
    rehome_profiles(event, source, target, profile_ids=profile_ids, actor=actor)
