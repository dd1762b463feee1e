"""The receivers of the profiles app, connected by :meth:`profiles.apps.ProfilesConfig.ready`.

* Writes made straight through the ORM (tests, the shell, the demo data): a profile or a child
  row saved/deleted sets off what :mod:`profiles.actions` does for its own writes (derived
  current fields, the workflow rule, the findings; place texts resolved when they change).
  The actions switch these receivers off with :func:`suspended` and do the work once.
* Re-homing profiles when the org tree changes (merge; split, once HR assigned the people):
  the tree operation sends its signal inside its transaction and
  :func:`~profiles.actions.do_move_profiles` moves the profiles attached *directly* to the
  closed unit (profiles of child units follow their unit, which the tree operation
  re-parents), with the operation as the reason. A receiver that fails rolls the whole tree
  operation back.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from orgtree.models import Unit, UnitChangeEvent
from orgtree.signals import units_merged
from orgtree.split_review import split_profiles_assigned
from orgtree.text import in_vietnamese

from . import codelists
from .models import CHILD_MODELS, CodeItem, Profile, SalaryHistory, WorkHistory

_state = threading.local()


@contextmanager
def suspended() -> Iterator[None]:
    """The ORM receivers off for a block of code (the actions, bulk loads)."""
    previous = getattr(_state, "off", False)
    _state.off = True
    try:
        yield
    finally:
        _state.off = previous


def _off() -> bool:
    return getattr(_state, "off", False)


# -- writes straight through the ORM ------------------------------------------------------------
def resolve_places_on_change(sender, instance: Profile, raw: bool = False, **kwargs) -> None:
    if raw or _off():
        return
    from .places import resolve_profile_places

    original = getattr(instance, "_original_places", None)
    current = (instance.birthplace_text, instance.hometown_text)
    if original != current:
        resolve_profile_places(instance)


def profile_saved(sender, instance: Profile, raw: bool = False, **kwargs) -> None:
    if raw or _off():
        return
    from .actions import after_profile_changed

    instance._original_places = (instance.birthplace_text, instance.hometown_text)  # type: ignore[attr-defined]
    after_profile_changed(instance)


def child_changed(sender, instance, raw: bool = False, origin=None, **kwargs) -> None:
    if raw or _off():
        return
    from .actions import after_profile_changed

    origin_model = getattr(origin, "model", type(origin))
    if origin_model is Profile:  # deleted in cascade with its profile
        return
    profile = Profile.objects.filter(pk=instance.profile_id).first()
    if profile is None:  # deleted together with its profile
        return
    after_profile_changed(profile, histories_changed=sender in (WorkHistory, SalaryHistory))


def codelist_changed(sender, **kwargs) -> None:
    codelists.clear_cache()


# -- the org tree changed -----------------------------------------------------------------------
def _reason(event: UnitChangeEvent, source: Unit, target: Unit) -> str:
    basis = f" theo {event.legal_basis_number}" if event.legal_basis_number else ""
    kind = in_vietnamese(UnitChangeEvent.Kind(event.kind).label)  # stored: Vietnamese
    return (
        f"{kind} đơn vị ngày {event.effective_date:%d/%m/%Y}{basis}: "
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
    from .actions import do_move_profiles

    profiles = Profile.objects.filter(unit=source)
    if profile_ids is not None:
        profiles = profiles.filter(pk__in=list(profile_ids))
    return do_move_profiles(
        profiles.order_by("pk"),
        target,
        from_unit=source,
        effective_date=event.effective_date,
        decision_number=event.legal_basis_number,
        decision_date=event.legal_basis_date,
        acting_user=actor or event.actor,
        reason=_reason(event, source, target),
    )


def on_units_merged(sender, event: UnitChangeEvent, sources: list[Unit], target: Unit, **kw: Any):
    for source in sources:
        if source.pk != target.pk:
            rehome_profiles(event, source, target)


def on_split_profiles_assigned(
    sender,
    event: UnitChangeEvent,
    source: Unit,
    target: Unit,
    profile_ids: list[int],
    actor: Any = None,
    **kw: Any,
):
    """People of the split unit itself stay where they are (the split puts them in the review
    list of ``orgtree.split_review``) until HR assigns them to a successor: then they move."""
    rehome_profiles(event, source, target, profile_ids=profile_ids, actor=actor)


def connect() -> None:
    """Called once by :meth:`profiles.apps.ProfilesConfig.ready` (the uids keep it idempotent)."""
    pre_save.connect(resolve_places_on_change, sender=Profile, dispatch_uid="profiles-places")
    post_save.connect(profile_saved, sender=Profile, dispatch_uid="profiles-profile-saved")
    for model in CHILD_MODELS.values():
        post_save.connect(
            child_changed, sender=model, dispatch_uid=f"profiles-child-{model.__name__}"
        )
        post_delete.connect(
            child_changed, sender=model, dispatch_uid=f"profiles-child-del-{model.__name__}"
        )
    post_save.connect(codelist_changed, sender=CodeItem, dispatch_uid="profiles-codelist")
    units_merged.connect(on_units_merged, dispatch_uid="profiles-rehome-merged")
    split_profiles_assigned.connect(
        on_split_profiles_assigned, dispatch_uid="profiles-rehome-split-assigned"
    )
