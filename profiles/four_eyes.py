"""Separation of duties ("four eyes"): the approver of a version is never its submitter nor the
last person who edited the profile (its own row or a child row) before it was submitted.

On by default for every agency. ``CBCCVC_FOUR_EYES = False`` turns it off everywhere;
``CBCCVC_FOUR_EYES_EXEMPT_AGENCIES`` lists the codes of the agencies (root units) where it is
off (a one-person office that cannot have two people).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import CHILD_MODELS, Profile, ProfileVersion


def required_for(profile: Profile) -> bool:
    if not getattr(settings, "CBCCVC_FOUR_EYES", True):
        return False
    exempt = set(getattr(settings, "CBCCVC_FOUR_EYES_EXEMPT_AGENCIES", ()) or ())
    if not exempt:
        return True
    unit = profile.unit
    root = unit.get_root() if unit.parent_id else unit
    return root.code not in exempt


def last_editor_id(profile: Profile) -> int | None:
    """The user of the latest history record of the profile or any of its child rows."""
    latest: tuple[Any, int | None] | None = None
    sources = [Profile.history.filter(id=profile.pk)] + [
        model.history.filter(profile_id=profile.pk) for model in CHILD_MODELS.values()
    ]
    for history in sources:
        row = history.order_by("-history_date").values_list("history_date", "history_user_id")
        found = row.first()
        if found is not None and (latest is None or found[0] > latest[0]):
            latest = found
    return latest[1] if latest else None


def check(version: ProfileVersion, profile: Profile, user: Any) -> None:
    """Raise :class:`PermissionDenied` when ``user`` may not approve ``version`` on their own."""
    if not required_for(profile):
        return
    if version.submitted_by_id is not None and version.submitted_by_id == user.pk:
        raise PermissionDenied(
            _("Nguyên tắc hai người: bạn đã trình phiên bản này, một người khác phải phê duyệt.")
        )
    if last_editor_id(profile) == user.pk:
        raise PermissionDenied(
            _(
                "Nguyên tắc hai người: bạn là người sửa hồ sơ sau cùng, một người khác phải "
                "phê duyệt."
            )
        )
