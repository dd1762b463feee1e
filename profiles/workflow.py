"""The approval workflow: draft → submitted → approved → signed → synced.

* :func:`submit` freezes a snapshot of the whole profile (and its SHA-256) as a new
  :class:`~profiles.models.ProfileVersion`; errors (severity "error") block it.
* :func:`approve` / :func:`reject` are for users holding an approver role on the profile's unit
  or an ancestor; rejection needs a reason and returns the profile to draft. The approver is
  never the submitter nor the last editor (:mod:`profiles.four_eyes`).
* :func:`mark_signed` and :func:`mark_synced` are called by the signing and sync work
  (:func:`mark_versions_synced`: the same for a whole confirmed batch, in a few queries).
* an edit after submission or approval returns the working copy to draft, so that a new
  version needs approval again (the earlier versions stay as they were): the rule is
  :func:`profiles.actions.reopen_edited`, applied by every write (:mod:`profiles.actions`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgtree.access import APPROVE_ROLES, EDIT_PROFILE_ROLES, scope_for

from . import four_eyes
from .models import Profile, ProfileStatus, ProfileVersion, VersionStatus
from .services import content_hash, hashes_to, snapshot
from .validation import blocking_errors


class WorkflowError(ValidationError):
    """A transition that is not allowed from the current status, or blocked by errors."""


def _lock(profile: Profile) -> Profile:
    return Profile.objects.select_for_update().select_related("unit").get(pk=profile.pk)


def _set_status(profile: Profile, status: str, **extra: Any) -> None:
    # update(): the workflow status is not a data change and must not re-open the profile
    Profile.objects.filter(pk=profile.pk).update(status=status, **extra)
    profile.status = status
    for key, value in extra.items():
        setattr(profile, key, value)


def _errors_message(errors: list) -> str:
    lines = "; ".join(e.message for e in errors[:5])
    if len(errors) > 5:
        more = len(errors) - 5
        lines += " " + ngettext("(và %(count)d lỗi khác)", "(và %(count)d lỗi khác)", more) % {
            "count": more
        }
    return ngettext(
        "Hồ sơ còn %(count)d lỗi phải sửa trước: %(errors)s",
        "Hồ sơ còn %(count)d lỗi phải sửa trước: %(errors)s",
        len(errors),
    ) % {"count": len(errors), "errors": lines}


@transaction.atomic
def submit(profile: Profile, user: Any) -> ProfileVersion:
    profile = _lock(profile)
    if not scope_for(user).covers(profile.unit, EDIT_PROFILE_ROLES):
        raise PermissionDenied(_("Bạn không có quyền trình hồ sơ của đơn vị này."))
    if profile.status != ProfileStatus.DRAFT:
        raise WorkflowError(
            _("Chỉ trình được hồ sơ đang soạn; hồ sơ đang ở trạng thái “%(status)s”.")
            % {"status": profile.get_status_display()}
        )
    errors = blocking_errors(profile)
    if errors:
        raise WorkflowError(_errors_message(errors))
    data = snapshot(profile)
    number = profile.version_number + 1
    version = ProfileVersion.objects.create(
        profile=profile,
        number=number,
        status=VersionStatus.SUBMITTED,
        snapshot=data,
        content_hash=content_hash(data),
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    _set_status(profile, ProfileStatus.SUBMITTED, version_number=number)
    return version


def _check_approver(version: ProfileVersion, user: Any) -> Profile:
    profile = _lock(version.profile)
    if not scope_for(user).covers(profile.unit, APPROVE_ROLES):
        raise PermissionDenied(
            _("Bạn không giữ vai trò phê duyệt ở đơn vị này hoặc đơn vị cấp trên.")
        )
    if version.status != VersionStatus.SUBMITTED:
        raise WorkflowError(
            _("Phiên bản %(number)s đang ở trạng thái “%(status)s”, không chờ phê duyệt.")
            % {"number": version.number, "status": version.get_status_display()}
        )
    return profile


@transaction.atomic
def approve(version: ProfileVersion, user: Any) -> ProfileVersion:
    version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
    profile = _check_approver(version, user)
    four_eyes.check(version, profile, user)  # never the submitter nor the last editor
    if not hashes_to(snapshot(profile), version.content_hash):
        raise WorkflowError(
            _("Hồ sơ đã thay đổi sau khi trình; phiên bản này không còn khớp, cần trình lại.")
        )
    errors = blocking_errors(profile)
    if errors:
        raise WorkflowError(_errors_message(errors))
    version.status = VersionStatus.APPROVED
    version.decided_by = user
    version.decided_at = timezone.now()
    version.save(update_fields=["status", "decided_by", "decided_at"])
    _set_status(profile, ProfileStatus.APPROVED)
    return version


@transaction.atomic
def reject(version: ProfileVersion, user: Any, reason: str) -> ProfileVersion:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Phải ghi lý do trả lại hồ sơ."))
    version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
    profile = _check_approver(version, user)
    version.status = VersionStatus.REJECTED
    version.decided_by = user
    version.decided_at = timezone.now()
    version.rejection_reason = reason
    version.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    _set_status(profile, ProfileStatus.DRAFT)
    return version


def _latest(profile: Profile) -> ProfileVersion | None:
    return profile.versions.order_by("-number").first()


@transaction.atomic
def mark_signed(
    version: ProfileVersion, *, signed_by: Any = None, signature_reference: str = ""
) -> ProfileVersion:
    """Record that an approved version has been signed (called by the signing work)."""
    version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.APPROVED:
        raise WorkflowError(
            _(
                "Chỉ ký số được phiên bản đã phê duyệt; phiên bản %(number)s đang ở trạng thái "
                "“%(status)s”."
            )
            % {"number": version.number, "status": version.get_status_display()}
        )
    version.status = VersionStatus.SIGNED
    version.signed_by = signed_by
    version.signed_at = timezone.now()
    version.signature_reference = signature_reference
    version.save(update_fields=["status", "signed_by", "signed_at", "signature_reference"])
    profile = _lock(version.profile)
    if _latest(profile) == version and profile.status == ProfileStatus.APPROVED:
        _set_status(profile, ProfileStatus.SIGNED)
    from .signals import version_signed

    version_signed.send(sender=ProfileVersion, version=version)
    return version


@transaction.atomic
def mark_synced(version: ProfileVersion, *, sync_reference: str = "") -> ProfileVersion:
    """Record that a signed version was accepted by the national database (sync work)."""
    version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.SIGNED:
        raise WorkflowError(
            _(
                "Chỉ đồng bộ được phiên bản đã ký số; phiên bản %(number)s đang ở trạng thái "
                "“%(status)s”."
            )
            % {"number": version.number, "status": version.get_status_display()}
        )
    mark_versions_synced({version.pk: sync_reference})
    version.refresh_from_db(fields=["status", "synced_at", "sync_reference"])
    return version


def mark_versions_synced(references: Mapping[int, str]) -> list[int]:
    """:func:`mark_synced` for many versions at once (version id → sync reference), in a
    constant number of queries: the versions, then their profiles, are locked (in id order,
    as :func:`mark_synced` locks a version before its profile); versions that are no longer
    "signed" are left alone. A profile becomes "synced" when the version is its latest and
    the profile is "signed". Returns the ids of the versions marked. Runs in one transaction
    (the caller's, if any)."""
    if not references:
        return []
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ProfileVersion.objects.select_for_update()
            .filter(pk__in=list(references), status=VersionStatus.SIGNED)
            .order_by("pk")
            .values_list("pk", "profile_id", "number")
        )
        if not rows:
            return []
        by_reference: dict[str, list[int]] = defaultdict(list)
        for pk, _, _ in rows:
            by_reference[references[pk][:255]].append(pk)
        for reference, ids in by_reference.items():
            ProfileVersion.objects.filter(pk__in=ids).update(
                status=VersionStatus.SYNCED, synced_at=now, sync_reference=reference
            )
        profile_ids = sorted({profile_id for _, profile_id, _ in rows})
        signed = set(
            Profile.objects.select_for_update()
            .filter(pk__in=profile_ids, status=ProfileStatus.SIGNED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        latest = dict(
            ProfileVersion.objects.filter(profile_id__in=signed)
            .order_by()
            .values("profile_id")
            .annotate(latest=Max("number"))
            .values_list("profile_id", "latest")
        )
        done = [pid for _, pid, number in rows if pid in signed and latest.get(pid) == number]
        if done:
            Profile.objects.filter(pk__in=done).update(status=ProfileStatus.SYNCED)
    return [pk for pk, _, _ in rows]


def note_profile_changed(profile_id: int) -> None:
    """After a data change: the workflow rule for an edited profile
    (:func:`profiles.actions.reopen_edited`, where it is written once)."""
    from .actions import reopen_edited

    reopen_edited([profile_id])
