"""Receivers that keep a profile consistent after any change made through the ORM.

* a profile or a child row saved/deleted → the derived current fields are recomputed from the
  histories (:func:`~profiles.services.refresh_current`), the findings recomputed, and an edit
  after submission/approval returns the profile to draft (:func:`~profiles.workflow.
  note_profile_changed`);
* the place texts are resolved when they change (:mod:`profiles.places`).

Bulk loads (the synthetic generator, imports) use ``bulk_create`` and then run the bulk
validation instead; :func:`suspended` turns the receivers off for a block of code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal, receiver

from . import codelists
from .models import CHILD_MODELS, CodeItem, Profile, SalaryHistory, WorkHistory

_state = threading.local()

# Sent by :func:`profiles.workflow.mark_signed` inside its transaction, with ``version``: the
# sync queue enqueues the signed version (a failing receiver rolls the signing back).
version_signed = Signal()


@contextmanager
def suspended() -> Iterator[None]:
    previous = getattr(_state, "off", False)
    _state.off = True
    try:
        yield
    finally:
        _state.off = previous


def _off() -> bool:
    return getattr(_state, "off", False)


@receiver(pre_save, sender=Profile)
def resolve_places_on_change(sender, instance: Profile, raw: bool = False, **kwargs) -> None:
    if raw or _off():
        return
    from .places import resolve_profile_places

    original = getattr(instance, "_original_places", None)
    current = (instance.birthplace_text, instance.hometown_text)
    if original != current:
        resolve_profile_places(instance)


@receiver(post_save, sender=Profile)
def profile_saved(sender, instance: Profile, raw: bool = False, **kwargs) -> None:
    if raw or _off():
        return
    from .validation import validate_profile
    from .workflow import note_profile_changed

    instance._original_places = (instance.birthplace_text, instance.hometown_text)
    note_profile_changed(instance.pk)
    validate_profile(instance)


def child_changed(sender, instance, raw: bool = False, origin=None, **kwargs) -> None:
    if raw or _off():
        return
    origin_model = getattr(origin, "model", type(origin))
    if origin_model is Profile:  # deleted in cascade with its profile
        return
    profile = Profile.objects.filter(pk=instance.profile_id).first()
    if profile is None:  # deleted together with its profile
        return
    after_children_changed(profile, histories_changed=sender in (WorkHistory, SalaryHistory))


def after_children_changed(profile: Profile, *, histories_changed: bool) -> None:
    """What a change of child rows sets off, once: the derived current fields when work or
    salary history changed, then re-opening and validation (unless the refresh saved the
    profile, whose own receiver did both)."""
    from .services import refresh_current
    from .validation import validate_profile
    from .workflow import note_profile_changed

    if histories_changed and refresh_current(profile):
        return  # the profile was saved: profile_saved did the rest
    note_profile_changed(profile.pk)
    validate_profile(profile)


for _model in CHILD_MODELS.values():
    post_save.connect(
        child_changed, sender=_model, dispatch_uid=f"profiles-child-{_model.__name__}"
    )
    post_delete.connect(
        child_changed, sender=_model, dispatch_uid=f"profiles-child-del-{_model.__name__}"
    )


@receiver(post_save, sender=CodeItem)
def codelist_changed(sender, **kwargs) -> None:
    codelists.clear_cache()
