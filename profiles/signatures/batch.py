"""Batch signing of profile versions, a chunk at a time (the chunked side of
:data:`profiles.signatures.versions.provide_profile_version`, see :mod:`.chunks`).

:func:`read_chunk` reads a chunk's versions, approvers and latest version ids in three
queries, checks each item as :func:`~.profile_signing.check_can_sign` does (the approver's
scope computed once per chunk) and renders the valid documents.

:func:`store_chunk` does for the whole chunk, in the caller's transaction, what
:func:`~.profile_signing.record_signature` does for one version, in a fixed number of
statements: the versions locked (in id order, then their profiles, as
:func:`profiles.workflow.mark_signed` and :func:`profiles.workflow.mark_versions_synced` lock)
and checked to be still approved, marked signed (who, when, the certificate's serial), the
profiles whose latest version it is marked signed, the signature rows written, and the sync
queue told once (:data:`profiles.signals.versions_signed`, which queues every version exactly
once). No history row is written: as for one version, the workflow's status changes are not
data changes; who signed, when and with which certificate is on the version and its
signature row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from orgtree.models import Unit
from signing.chunks import ChunkItem
from signing.keys import certificate_fingerprint, serial_hex
from signing.models import SigningCredential

from .. import document
from ..models import Profile, ProfileSignature, ProfileStatus, ProfileVersion, VersionStatus
from ..signals import versions_signed
from ..workflow import WorkflowError
from .versions import (
    check_can_sign,
    credential_of,
    describe_signed,
    new_signature,
    render_valid_document,
)


@dataclass
class _Read:
    """What :func:`store_chunk` needs of an item read by :func:`read_chunk`."""

    version: ProfileVersion
    user: Any
    include_assets: bool


def _parse(item_id: Any) -> tuple[int, int]:
    try:
        version_id, user_id = (int(part) for part in str(item_id).split(":"))
    except ValueError as exc:
        raise LookupError(f"Mục “{item_id}” không đúng dạng phiên bản:người ký.") from exc
    return version_id, user_id


def read_chunk(item_ids: Sequence[Any]) -> list[ChunkItem]:
    """The chunk's documents, rendered and valid, or each item's reason not to sign it."""
    parsed: dict[str, tuple[int, int] | Exception] = {}
    for item_id in item_ids:
        try:
            parsed[str(item_id)] = _parse(item_id)
        except LookupError as exc:
            parsed[str(item_id)] = exc
    pairs = [p for p in parsed.values() if isinstance(p, tuple)]
    versions = ProfileVersion.objects.select_related("profile__unit").in_bulk({v for v, _ in pairs})
    # one user object per approver: its scope is computed once for the chunk
    users = get_user_model().objects.in_bulk({u for _, u in pairs})
    latest: dict[int, tuple[int, int]] = {}  # profile id -> (number, version id)
    for profile_id, number, pk in ProfileVersion.objects.filter(
        profile_id__in={v.profile_id for v in versions.values()}
    ).values_list("profile_id", "number", "pk"):
        if profile_id not in latest or number > latest[profile_id][0]:
            latest[profile_id] = (number, pk)
    include_assets = document.assets_included_by_default()
    # the codes of every unit the chunk's snapshots name, in one query (not one per document)
    units = document.unit_codes_of(v.snapshot for v in versions.values())
    items = []
    for item_id in item_ids:
        pair = parsed[str(item_id)]
        try:
            if isinstance(pair, Exception):
                raise pair
            version_id, user_id = pair
            version = versions.get(version_id)
            if version is None:
                raise LookupError(f"Không có phiên bản hồ sơ #{version_id}.")
            user = users.get(user_id)
            if user is None:
                raise LookupError(f"Không có người dùng #{user_id}.")
            check_can_sign(version, user, latest=latest[version.profile_id][1])
            xml = render_valid_document(version, include_assets=include_assets, units=units)
        except Exception as exc:
            items.append(ChunkItem(item_id, error=exc))
        else:
            items.append(ChunkItem(item_id, xml, _Read(version, user, include_assets)))
    return items


def _not_approved(version: ProfileVersion, status: str | None) -> WorkflowError:
    label = VersionStatus(status).label if status else "đã bị xóa"
    return WorkflowError(
        f"Chỉ ký số được phiên bản đã phê duyệt; phiên bản {version.number} đang ở trạng thái "
        f"“{label}”."
    )


def store_chunk(signed: Sequence[tuple[ChunkItem, bytes]]) -> dict[str, Exception]:
    """Record the chunk's signatures (see the module docstring); returns the items refused
    because their version is no longer approved (nothing is written for those)."""
    if not signed:
        return {}
    now = timezone.now()
    reads: list[tuple[ChunkItem, _Read, bytes]] = [(item, item.state, doc) for item, doc in signed]
    statuses = dict(
        ProfileVersion.objects.select_for_update()
        .filter(pk__in=[r.version.pk for _, r, _ in reads])
        .order_by("pk")
        .values_list("pk", "status")
    )
    refused: dict[str, Exception] = {}
    accepted = []
    for item, read, doc in reads:
        status = statuses.get(read.version.pk)
        if status != VersionStatus.APPROVED:
            refused[item.key] = _not_approved(read.version, status)
        else:
            accepted.append((read, doc, describe_signed(doc)))
    if not accepted:
        return refused
    profile_ids = sorted({read.version.profile_id for read, _, _ in accepted})
    profiles = {
        pk: (status, personal_id, unit_id)
        for pk, status, personal_id, unit_id in Profile.objects.select_for_update()
        .filter(pk__in=profile_ids)
        .order_by("pk")
        .values_list("pk", "status", "personal_id", "unit_id")
    }
    latest = dict(
        ProfileVersion.objects.filter(profile_id__in=profile_ids)
        .order_by()
        .values("profile_id")
        .annotate(latest=Max("number"))
        .values_list("profile_id", "latest")
    )
    # one UPDATE per (approver, certificate): normally one for the chunk
    by_signer: dict[tuple[int, str], list[int]] = defaultdict(list)
    credentials: dict[tuple[int, str], SigningCredential | None] = {}
    signatures: list[ProfileSignature] = []
    versions = []
    moved: dict[int, list[Profile]] = defaultdict(list)
    for read, doc, info in accepted:
        version, user = read.version, read.user
        # the queue keys and routes by the profile as it is now (as one version's store reads it)
        profile = version.profile
        profile.status, profile.personal_id, unit_id = profiles[profile.pk]
        if unit_id != profile.unit_id:
            moved[unit_id].append(profile)
        serial = serial_hex(info.certificate)
        by_signer[(user.pk, serial)].append(version.pk)
        key = (user.pk, certificate_fingerprint(info.certificate))
        if key not in credentials:
            credentials[key] = credential_of(user, info.certificate)
        version.status = VersionStatus.SIGNED
        version.signed_by, version.signed_at, version.signature_reference = user, now, serial
        signatures.append(
            new_signature(
                version,
                doc,
                user,
                info,
                credential=credentials[key],
                includes_assets=read.include_assets,
            )
        )
        versions.append(version)
    for unit in Unit.objects.filter(pk__in=list(moved)):
        for profile in moved[unit.pk]:
            profile.unit = unit
    users = {read.user.pk: read.user for read, _, _ in accepted}
    for (user_id, serial), ids in by_signer.items():
        ProfileVersion.objects.filter(pk__in=ids).update(
            status=VersionStatus.SIGNED,
            signed_by=users[user_id],
            signed_at=now,
            signature_reference=serial,
        )
    newly_signed = {
        v.profile_id
        for v in versions
        if v.profile.status == ProfileStatus.APPROVED and latest.get(v.profile_id) == v.number
    }
    if newly_signed:
        Profile.objects.filter(pk__in=newly_signed).update(status=ProfileStatus.SIGNED)
        for version in versions:
            if version.profile_id in newly_signed:
                version.profile.status = ProfileStatus.SIGNED
    ProfileSignature.objects.bulk_create(signatures)
    versions_signed.send(sender=ProfileVersion, versions=versions)
    return refused
