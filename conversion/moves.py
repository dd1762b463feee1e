"""What the campaign's unit moves changed, so that undo can take them back.

The commit moves the people of a merged unit to its successor through the tree's re-homing
path (:func:`profiles.receivers.rehome_profiles`): the open work rows on the old unit get an
end date, a work row on the successor and a career event are created, the profile's unit and
current position/salary are recomputed, and the profile goes back to draft. :func:`snapshot`
(before) and :func:`record` (after) keep all of it in the profile's
:class:`~conversion.models.ProfileCommit` under :data:`MOVE_KEY`; :func:`differs` says what
changed since (a blocker), :func:`restore` takes the move back (the rows created are deleted
with a history entry, the closed rows are open again, the profile's fields come back).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Field, Max

from profiles import actions
from profiles.models import CareerEvent, Profile, ProfileVersion, VersionStatus, WorkHistory
from profiles.services import DERIVED_FIELDS

from .models import Campaign, ProfileCommit

MOVE_KEY = "unit_move"


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # Decimal, date: compared and restored through the field's to_python


@dataclass
class MoveSnapshot:
    """The state of the profiles about to move (one source unit)."""

    fields: dict[int, dict[str, Any]] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)
    submitted: dict[int, list[int]] = field(default_factory=dict)
    open_rows: dict[int, list[int]] = field(default_factory=dict)
    max_work: int = 0
    max_event: int = 0


def snapshot(source_id: int, profile_ids: Collection[int]) -> MoveSnapshot:
    ids = list(profile_ids)
    snap = MoveSnapshot()
    for row in Profile.objects.filter(pk__in=ids).values("id", "status", *DERIVED_FIELDS):
        snap.status[row["id"]] = row["status"]
        snap.fields[row["id"]] = {f: _json(row[f]) for f in DERIVED_FIELDS}
    submitted: dict[int, list[int]] = defaultdict(list)
    for vid, pid in ProfileVersion.objects.filter(
        profile_id__in=ids, status=VersionStatus.SUBMITTED
    ).values_list("pk", "profile_id"):
        submitted[pid].append(vid)
    snap.submitted = dict(submitted)
    open_rows: dict[int, list[int]] = defaultdict(list)
    for wid, pid in WorkHistory.objects.filter(
        profile_id__in=ids, unit_id=source_id, end_date__isnull=True
    ).values_list("pk", "profile_id"):
        open_rows[pid].append(wid)
    snap.open_rows = dict(open_rows)
    snap.max_work = WorkHistory.objects.aggregate(m=Max("pk"))["m"] or 0
    snap.max_event = CareerEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    return snap


def record(campaign: Campaign, snap: MoveSnapshot, moved: list[int], target_id: int) -> None:
    """Keep, per moved profile, what the move changed (in its ProfileCommit)."""
    if not moved:
        return
    new_work: dict[int, list[int]] = defaultdict(list)
    for wid, pid in WorkHistory.objects.filter(
        profile_id__in=moved, pk__gt=snap.max_work, unit_id=target_id
    ).values_list("pk", "profile_id"):
        new_work[pid].append(wid)
    new_events: dict[int, list[int]] = defaultdict(list)
    for eid, pid in CareerEvent.objects.filter(
        profile_id__in=moved, pk__gt=snap.max_event, kind=CareerEvent.Kind.REHOMING
    ).values_list("pk", "profile_id"):
        new_events[pid].append(eid)
    closed = {
        row["id"]: _json(row["end_date"])
        for row in WorkHistory.objects.filter(
            pk__in=[w for pid in moved for w in snap.open_rows.get(pid, [])]
        ).values("id", "end_date")
    }
    now = {
        row["id"]: {f: _json(row[f]) for f in DERIVED_FIELDS}
        for row in Profile.objects.filter(pk__in=moved).values("id", *DERIVED_FIELDS)
    }
    by_profile = {
        c.profile_id: c
        for c in ProfileCommit.objects.filter(campaign=campaign, profile_id__in=moved)
    }
    created: list[ProfileCommit] = []
    updated: list[ProfileCommit] = []
    for pid in moved:
        before = {
            "fields": snap.fields[pid],
            "closed_rows": {str(w): None for w in snap.open_rows.get(pid, [])},
        }
        after = {
            "fields": now[pid],
            "closed_rows": {str(w): closed.get(w) for w in snap.open_rows.get(pid, [])},
            "new_work": new_work.get(pid, []),
            "new_events": new_events.get(pid, []),
        }
        entry = by_profile.get(pid)
        if entry is None:
            created.append(
                ProfileCommit(
                    campaign=campaign,
                    profile_id=pid,
                    before={"status": snap.status[pid], MOVE_KEY: before},
                    after={MOVE_KEY: after},
                    withdrawn_versions=snap.submitted.get(pid, []),
                )
            )
        else:  # the place/code part was written first: its "before" already holds the status
            entry.before[MOVE_KEY] = before
            entry.after[MOVE_KEY] = after
            # the move recomputes the current position and title from the work rows: the
            # state after the commit is what the move left (undo still restores the original)
            for name in DERIVED_FIELDS:
                if name in entry.after:
                    entry.after[name] = now[pid][name]
            updated.append(entry)
    ProfileCommit.objects.bulk_create(created)
    ProfileCommit.objects.bulk_update(updated, ["before", "after"])


def differs(profile: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed since the move: the profile's unit fields, the rows it closed or made."""
    if not after:
        return []
    out = [f for f, v in after["fields"].items() if _json(profile.get(f)) != v]
    closed = WorkHistory.objects.in_bulk([int(k) for k in after["closed_rows"]])
    for key, end in after["closed_rows"].items():
        row = closed.get(int(key))
        if row is None or _json(row.end_date) != end:
            out.append(f"work_history#{key}")
    made = WorkHistory.objects.in_bulk(after["new_work"])
    for wid in after["new_work"]:
        if wid not in made:
            out.append(f"work_history#{wid}")
    return out


def changed_rows_since(commits: list[ProfileCommit], since: Any) -> set[int]:
    """Profiles whose rows created or closed by the move were edited after ``since``."""
    rows = {
        int(w): c.profile_id
        for c in commits
        for w in [
            *c.after.get(MOVE_KEY, {}).get("new_work", []),
            *c.after.get(MOVE_KEY, {}).get("closed_rows", {}),
        ]
    }
    if not rows:
        return set()
    edited = WorkHistory.history.filter(id__in=list(rows), history_date__gt=since).values_list(
        "id", flat=True
    )
    return {rows[i] for i in edited}


def restore(entry: ProfileCommit, reason: str, user: Any) -> dict[str, Any]:
    """Take one profile's move back; return the profile fields to set (the caller saves).

    The rows are put back exactly (:func:`profiles.actions.restoring`: no derived fields, no
    workflow rule set off by the row writes; each write's history row attributed)."""
    before = entry.before.get(MOVE_KEY)
    after = entry.after.get(MOVE_KEY)
    if not before or not after:
        return {}
    with actions.restoring():
        for row in WorkHistory.objects.filter(pk__in=after["new_work"]):
            actions.delete_row(row, acting_user=user, reason=reason)
        for event in CareerEvent.objects.filter(pk__in=after["new_events"]):
            actions.delete_row(event, acting_user=user, reason=reason)
        for row in WorkHistory.objects.filter(pk__in=[int(k) for k in before["closed_rows"]]):
            row.end_date = None
            actions.save_row(row, acting_user=user, reason=reason)
    fields: dict[str, Any] = {}
    for name, value in before["fields"].items():
        model_field = Profile._meta.get_field(name.removesuffix("_id"))
        if value is not None and not name.endswith("_id") and isinstance(model_field, Field):
            value = model_field.to_python(value)
        fields[name] = value
    return fields
