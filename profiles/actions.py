"""Every write to a profile or its child rows: the actions (Zulip's ``zerver/actions`` shape).

An action is a ``do_*`` function. It takes the acting user and the reason as keyword-only
arguments, runs in one transaction, writes the simple-history rows with that user and reason
(the only place outside the history plumbing that sets ``_history_user``/``_change_reason`` on
a profile or a child row), applies the side effects once and returns what changed:

* the derived current fields (unit, position, salary) recomputed when work or salary history
  changed (:func:`profiles.services.current_from_histories`);
* the workflow rule for an edited profile, written once in :func:`reopen_edited`: a submitted
  version is withdrawn and an approved/signed/synced working copy goes back to draft, unless
  its content still equals the latest version's;
* the findings recomputed (:mod:`profiles.validation`); place texts resolved when they change.

The findings are recomputed inside the transaction, not on commit: the caller answers with
them at once (the API's body, the admin's page), and a failing validation rolls the write back.

Bulk variants (:func:`do_bulk_update_profiles`, :func:`do_bulk_update_rows`,
:func:`reopen_and_validate`) keep the conversion and the import set-based: rows and history
rows in a few statements, the workflow rule and the validation once for all ids.

The post_save receivers (:mod:`profiles.receivers`) stay for writes made straight through the
ORM (tests, the shell, the demo data); the actions switch them off and do the work themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models, transaction

from cbccvc.history import attribute, delete_with_history, save_with_history

from . import bulkio
from .models import (
    CHILD_MODELS,
    CareerEvent,
    Profile,
    ProfileStatus,
    ProfileVersion,
    SalaryHistory,
    VersionStatus,
    WorkHistory,
)
from .receivers import suspended
from .services import apply_current, current_from_histories, hashes_to, snapshot

#: the child tables whose rows decide the derived current fields
HISTORY_MODELS: frozenset[type[models.Model]] = frozenset({WorkHistory, SalaryHistory})
REFRESH_REASON = "Cập nhật vị trí, lương hiện tại từ quá trình công tác, lương"


# -- history ------------------------------------------------------------------------------------
def save_row(obj: models.Model, *, acting_user: Any, reason: str, **save_kwargs: Any) -> None:
    """Save one row (a profile, a child row, a merge record) with its history row attributed
    (:mod:`cbccvc.history`). The low-level step the actions (and :mod:`profiles.merging`)
    build on; it sets off nothing by itself while the receivers are off."""
    save_with_history(obj, acting_user=acting_user, reason=reason, **save_kwargs)


def delete_row(obj: models.Model, *, acting_user: Any, reason: str) -> None:
    """Delete one row, its history row attributed (see :func:`save_row`)."""
    delete_with_history(obj, acting_user=acting_user, reason=reason)


# -- the workflow rule for an edited profile ----------------------------------------------------
def reopen_edited(profile_ids: Iterable[int], *, unless_unchanged: bool = True) -> list[int]:
    """An edited profile needs a new approval: its submitted version is withdrawn and an
    approved/signed/synced working copy goes back to draft (earlier versions stay as they
    were). With ``unless_unchanged`` a profile whose content still equals its latest
    version's is left alone (a per-profile snapshot: for single edits); the bulk paths, which
    know the content changed, pass ``False`` and stay at two statements. Returns the ids
    returned to draft."""
    ids = list(profile_ids)
    if not ids:
        return []
    candidates = list(
        Profile.objects.filter(pk__in_array=ids)
        .exclude(status=ProfileStatus.DRAFT)
        .values_list("pk", flat=True)
    )
    if unless_unchanged and candidates:
        latest: dict[int, str] = {}
        for pid, digest in (
            ProfileVersion.objects.filter(profile_id__in=candidates)
            .order_by("profile_id", "number")
            .values_list("profile_id", "content_hash")
        ):
            latest[pid] = digest  # the last one, by number, wins
        candidates = [
            pid
            for pid in candidates
            if pid not in latest
            or not hashes_to(snapshot(Profile.objects.get(pk=pid)), latest[pid])
        ]
    if not candidates:
        return []
    with transaction.atomic():
        ProfileVersion.objects.filter(
            profile_id__in_array=candidates, status=VersionStatus.SUBMITTED
        ).update(status=VersionStatus.WITHDRAWN)
        Profile.objects.filter(pk__in_array=candidates).exclude(status=ProfileStatus.DRAFT).update(
            status=ProfileStatus.DRAFT
        )
    return candidates


def reopen_and_validate(profile_ids: Collection[int]) -> None:
    """After a bulk change whose content is known to differ: the workflow rule, then the
    findings (set-based)."""
    from .validation import validate_profiles

    ids = list(profile_ids)
    if not ids:
        return
    reopen_edited(ids, unless_unchanged=False)
    validate_profiles(Profile.objects.filter(pk__in_array=ids))


def after_profile_changed(
    profile: Profile,
    *,
    histories_changed: bool = False,
    acting_user: Any = None,
    reason: str = "",
) -> list[str]:
    """What a change to a profile or its child rows sets off, once: the derived current fields
    when work or salary history changed (saved with their own history row), the workflow rule,
    the findings. Returns the derived fields that changed."""
    from .validation import validate_profile

    derived: list[str] = []
    if histories_changed:
        derived = apply_current(
            profile,
            current_from_histories(
                WorkHistory.objects.filter(profile=profile),
                SalaryHistory.objects.filter(profile=profile),
                default_unit_id=profile.unit_id,
            ),
        )
        if derived:
            with suspended():
                save_row(profile, acting_user=acting_user, reason=reason or REFRESH_REASON)
    reopen_edited([profile.pk])
    validate_profile(profile)
    return derived


def _save_profile(profile: Profile, *, acting_user: Any, reason: str) -> None:
    """Save the profile row: place texts resolved when they changed, history attributed."""
    from .places import resolve_profile_places

    current = (profile.birthplace_text, profile.hometown_text)
    if getattr(profile, "_original_places", None) != current:
        resolve_profile_places(profile)
    with suspended():
        save_row(profile, acting_user=acting_user, reason=reason)
    profile._original_places = (profile.birthplace_text, profile.hometown_text)  # type: ignore[attr-defined]


# -- one profile --------------------------------------------------------------------------------
@transaction.atomic
def do_create_profile(profile: Profile, *, acting_user: Any, reason: str) -> Profile:
    """Create ``profile`` (an unsaved instance): text cleaned, places resolved, history, the
    findings."""
    from .validation import validate_profile

    if profile.created_by_id is None and getattr(acting_user, "pk", None) is not None:
        profile.created_by = acting_user
    _save_profile(profile, acting_user=acting_user, reason=reason)
    validate_profile(profile)
    return profile


@transaction.atomic
def do_update_profile(
    profile: Profile, changes: Mapping[str, Any], *, acting_user: Any, reason: str
) -> list[str]:
    """Set ``changes`` (field name → value) on ``profile`` and save it (always: an edit is
    recorded even when it changes nothing), then the workflow rule and the findings. Returns
    the names of the fields whose value changed."""
    changed = []
    for name, value in changes.items():
        if getattr(profile, name) != value:
            changed.append(name)
        setattr(profile, name, value)
    do_save_profile(profile, acting_user=acting_user, reason=reason)
    return changed


@transaction.atomic
def do_save_profile(profile: Profile, *, acting_user: Any, reason: str) -> None:
    """Save a loaded profile that already carries its edits (a ModelForm's instance), then the
    workflow rule and the findings (see :func:`do_update_profile`)."""
    _save_profile(profile, acting_user=acting_user, reason=reason)
    after_profile_changed(profile, acting_user=acting_user, reason=reason)


@transaction.atomic
def do_mark_verified(profile: Profile, *, acting_user: Any, on: date | None = None) -> Profile:
    """Record that HR checked the profile against the originals or the person ("sống"). Not a
    content change (``last_verified_at`` is outside the snapshot): no re-approval."""
    from django.utils import timezone

    profile.last_verified_at = on or timezone.localdate()
    _save_profile(profile, acting_user=acting_user, reason="Xác minh hồ sơ")
    after_profile_changed(profile, acting_user=acting_user)
    return profile


# -- child rows ---------------------------------------------------------------------------------
def _child_model(table: str | type[models.Model]) -> type[models.Model]:
    return CHILD_MODELS[table] if isinstance(table, str) else table


def _check_row(obj: models.Model) -> None:
    """The model's checks before a write: fields (lengths, choices) without the profile, then
    the unique constraints with it (one assessment a year): a duplicate is a validation error,
    not an IntegrityError."""
    obj.full_clean(exclude=["profile"])
    obj.validate_unique()
    obj.validate_constraints()


@transaction.atomic
def do_add_child(
    profile: Profile,
    table: str | type[models.Model],
    values: Mapping[str, Any],
    *,
    acting_user: Any,
    reason: str,
    check: bool = False,
) -> models.Model:
    """Add a child row (work history, salary history, family, training …: ``table`` is a
    :data:`~profiles.models.CHILD_MODELS` name or model); ``check`` runs the model's checks
    first. Returns the row."""
    model = _child_model(table)
    obj = model(profile=profile, **values)
    if check:
        _check_row(obj)
    with suspended():
        save_row(obj, acting_user=acting_user, reason=reason)
    after_profile_changed(
        Profile.objects.get(pk=profile.pk),  # as stored: the caller's copy may be stale
        histories_changed=model in HISTORY_MODELS,
        acting_user=acting_user,
    )
    return obj


@transaction.atomic
def do_update_child(
    obj: Any, changes: Mapping[str, Any], *, acting_user: Any, reason: str, check: bool = False
) -> list[str]:
    """Set ``changes`` on a child row and save it; returns the fields whose value changed."""
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            changed.append(name)
        setattr(obj, name, value)
    if check:
        _check_row(obj)
    with suspended():
        save_row(obj, acting_user=acting_user, reason=reason)
    after_profile_changed(
        Profile.objects.get(pk=obj.profile_id),
        histories_changed=type(obj) in HISTORY_MODELS,
        acting_user=acting_user,
    )
    return changed


@transaction.atomic
def do_delete_child(obj: Any, *, acting_user: Any, reason: str) -> None:
    """Delete a child row (history attributed), then the effects on its profile."""
    profile_id = obj.profile_id
    with suspended():
        delete_row(obj, acting_user=acting_user, reason=reason)
    after_profile_changed(
        Profile.objects.get(pk=profile_id),
        histories_changed=type(obj) in HISTORY_MODELS,
        acting_user=acting_user,
    )


@dataclass
class ChildEdit:
    """The rows saved or deleted in an :func:`editing_children` block."""

    acting_user: Any
    reason: str
    tables: set[type[models.Model]] = field(default_factory=set)
    histories: bool = False

    def save(self, obj: models.Model, *, reason: str = "") -> None:
        save_row(obj, acting_user=self.acting_user, reason=reason or self.reason)
        self.changed(type(obj))

    def delete(self, obj: models.Model, *, reason: str = "") -> None:
        delete_row(obj, acting_user=self.acting_user, reason=reason or self.reason)
        self.changed(type(obj))

    def changed(self, model: type[models.Model], *, histories: bool = False) -> None:
        """Record a change made another way (a formset, a queryset update)."""
        self.tables.add(model)
        self.histories = self.histories or histories or model in HISTORY_MODELS


@contextmanager
def editing_children(
    profile: Profile, *, acting_user: Any, reason: str, refresh: bool = False
) -> Iterator[ChildEdit]:
    """Many row writes on one profile (the admin's inlines, a merge), in one transaction: the
    per-row receivers are off inside the block and what the changes set off runs once after
    it (:func:`after_profile_changed`), when the block recorded any or with ``refresh`` (the
    derived fields then recomputed in any case)."""
    with transaction.atomic():
        edit = ChildEdit(acting_user, reason, histories=refresh)
        with suspended():
            yield edit
        if edit.tables or refresh:
            after_profile_changed(
                profile, histories_changed=edit.histories, acting_user=acting_user
            )


@contextmanager
def restoring() -> Iterator[None]:
    """Rows put back exactly as they were (undoing a merge), in one transaction: no derived
    fields, no workflow rule (the stored statuses come back too); the caller recomputes the
    findings. Rows are written with :func:`save_row`/:func:`delete_row`."""
    with transaction.atomic(), suspended():
        yield


# -- moves --------------------------------------------------------------------------------------
@transaction.atomic
def do_move_profiles(
    profiles: Iterable[Profile],
    unit: Any,
    *,
    acting_user: Any,
    reason: str,
    effective_date: date,
    from_unit: Any,
    decision_number: str = "",
    decision_date: date | None = None,
) -> list[int]:
    """Move ``profiles`` from ``from_unit`` to ``unit`` on ``effective_date``: their open work
    rows at ``from_unit`` closed the day before, a row at ``unit`` opened (position and title
    of the main row kept), a career event, the derived fields recomputed; then the workflow
    rule and the findings for all of them. Returns the ids moved, in the given order."""
    moved: list[int] = []
    with suspended():
        for profile in profiles:
            open_rows = list(
                WorkHistory.objects.filter(profile=profile, unit=from_unit, end_date__isnull=True)
            )
            for row in open_rows:
                row.end_date = max(row.start_date, effective_date - timedelta(days=1))
                save_row(row, acting_user=acting_user, reason=reason)
            main = next((r for r in open_rows if not r.concurrent), None)
            new_row = WorkHistory(
                profile=profile,
                start_date=effective_date,
                unit=unit,
                position_code=main.position_code if main else "",
                title_code=main.title_code if main else "",
                description=main.description if main else "",
            )
            save_row(new_row, acting_user=acting_user, reason=reason)
            event = CareerEvent(
                profile=profile,
                kind=CareerEvent.Kind.REHOMING,
                effective_date=effective_date,
                decision_number=decision_number,
                decision_date=decision_date,
                unit=unit,
                note=reason,
            )
            save_row(event, acting_user=acting_user, reason=reason)
            profile.unit = unit
            apply_current(
                profile,
                current_from_histories(
                    WorkHistory.objects.filter(profile=profile),
                    profile.salary_history.all(),
                    default_unit_id=unit.pk,
                ),
            )
            save_row(profile, acting_user=acting_user, reason=reason)
            moved.append(profile.pk)
    reopen_and_validate(moved)
    return moved


# -- bulk ---------------------------------------------------------------------------------------
#: one reason for every row, or one per row (the import: file and row of each)
Reasons = str | Sequence[str]


def _attribute_all(rows: Sequence[Any], reason: Reasons) -> None:
    if isinstance(reason, str):
        for obj in rows:
            attribute(obj, acting_user=None, reason=reason)
        return
    if len(reason) != len(rows):
        raise ValueError(f"{len(reason)} reasons for {len(rows)} rows")
    for obj, why in zip(rows, reason, strict=True):
        attribute(obj, acting_user=None, reason=why)


def _user_or_none(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "pk", None) is not None else None


def do_bulk_create_rows(
    model: type[models.Model],
    rows: Sequence[Any],
    *,
    acting_user: Any,
    reason: Reasons,
    when: datetime,
) -> int:
    """Insert many new rows of one model (profiles or child rows; model instances or
    :class:`profiles.bulkio.Draft` rows) and their history rows ("+") in a few
    statements (:mod:`profiles.bulkio`): no receivers, no effects. ``reason`` is one
    for all or one per row. Returns the number of rows (their ids are set)."""
    if not rows:
        return 0
    _attribute_all(rows, reason)
    with transaction.atomic():
        bulkio.insert(model, rows)
        bulkio.insert_history(model, rows, user=_user_or_none(acting_user), when=when)
    return len(rows)


def do_bulk_update_rows(
    model: type[models.Model],
    rows: Sequence[Any],
    fields: Collection[str],
    *,
    acting_user: Any,
    reason: Reasons,
    when: datetime,
    unrecorded: Mapping[str, Sequence[Any]] | None = None,
) -> int:
    """Write ``fields`` of many rows of one model (profiles or child rows) and their history
    rows ("~") in a few statements (:mod:`profiles.bulkio`): no receivers, no
    effects — the caller runs :func:`reopen_and_validate` (or :func:`reopen_edited` and its own
    validation) once for all the ids it changed. ``reason`` is one for all or one per row.

    ``unrecorded``: more fields, a value per row (in the order of ``rows``), set on the rows
    after their history rows are built and written in the same statement: what the effects
    would write after the change (:func:`reopen_and_validate`: the status, the validation's
    counters), so that the history rows carry the values before, as when the effects ran
    after, and each row is written once. Returns the number of rows."""
    if not rows:
        return 0
    _attribute_all(rows, reason)
    names = set(fields)
    with transaction.atomic():
        bulkio.insert_history(model, rows, user=_user_or_none(acting_user), when=when, update=True)
        for name, values in (unrecorded or {}).items():
            names.add(name)
            for obj, value in zip(rows, values, strict=True):
                setattr(obj, name, value)
        bulkio.update(model, rows, sorted(names))
    return len(rows)


def do_bulk_update_profiles(
    profiles: Sequence[Profile],
    fields: Collection[str],
    *,
    acting_user: Any,
    reason: Reasons,
    when: datetime,
    unrecorded: Mapping[str, Sequence[Any]] | None = None,
) -> int:
    """:func:`do_bulk_update_rows` for profiles."""
    return do_bulk_update_rows(
        Profile,
        profiles,
        fields,
        acting_user=acting_user,
        reason=reason,
        when=when,
        unrecorded=unrecorded,
    )


def withdraw_for_edit(profiles: Sequence[Profile]) -> dict[str, list[Any]]:
    """:func:`reopen_edited` (``unless_unchanged=False``) for profiles about to be written in
    bulk: the submitted versions of those not in draft are withdrawn now, and the status they
    take (draft) is returned per profile for the write of the rows (``unrecorded`` of
    :func:`do_bulk_update_rows`) instead of a second statement."""
    reopened = [p.pk for p in profiles if p.status != ProfileStatus.DRAFT]
    if reopened:
        ProfileVersion.objects.filter(
            profile_id__in_array=reopened, status=VersionStatus.SUBMITTED
        ).update(status=VersionStatus.WITHDRAWN)
    return {"status": [ProfileStatus.DRAFT] * len(profiles)}
