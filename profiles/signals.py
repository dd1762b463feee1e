"""The signals the profiles app sends (definitions only; its receivers are in
:mod:`profiles.receivers`, connected in :meth:`profiles.apps.ProfilesConfig.ready`)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by :func:`profiles.workflow.mark_signed` inside its transaction, with ``version``: the
# sync queue enqueues the signed version (a failing receiver rolls the signing back).
version_signed = Signal()


def __getattr__(name: str):  # transitional: removed once the admin and merging use the actions
    if name == "suspended":
        from .receivers import suspended

        return suspended
    if name == "after_children_changed":
        from .actions import after_profile_changed

        def after_children_changed(profile, *, histories_changed: bool) -> None:
            after_profile_changed(profile, histories_changed=histories_changed)

        return after_children_changed
    raise AttributeError(name)
