"""API keys of integration clients: issue, revoke, authenticate, and the scope a key grants.

A key looks like ``cbk_<prefix>_<secret>``; only SHA-256(secret) is stored. A key sees the
subtree of its client's unit; ``write`` lets it edit profiles there and ``import`` run imports
(both need the HR officer role), ``read`` only look (the integration role). Approval and
signing stay with people: no key holds those roles.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cbccvc.history import attribute

from .models import ApiKey, IntegrationClient, Role, Unit, UnitAssignment

KEY_MARK = "cbk"
#: last_used_at is written at most once per this interval (one UPDATE, not one per request)
LAST_USED_RESOLUTION = timedelta(seconds=60)
#: the API call log is purged this many rows per DELETE, daily by a django-q2 schedule
PURGE_CHUNK = 5000
PURGE_SCHEDULE_NAME = "Xóa nhật ký gọi API quá hạn"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def service_user_for(client: IntegrationClient) -> Any:
    """The account the client's writes are recorded under (created on first use).

    It holds the client's unit with the integration and HR officer roles, so that work the
    client starts and that runs later without the key (an import job in the task queue) keeps
    the client's subtree. It cannot sign in (no usable password, not staff). During a request
    the key's own scope (:func:`orgtree.access.scope_for_key`) applies, narrower when the key
    lacks ``write``/``import``.
    """
    user = client.service_user if client.service_user_id else None
    if user is None:
        User = get_user_model()
        user = User(username=f"api.{client.pk}", first_name=client.name[:150], is_staff=False)
        user.set_unusable_password()
        user.save()
        IntegrationClient.objects.filter(pk=client.pk).update(service_user=user)
        client.service_user = user
    wanted = {(client.unit_id, Role.INTEGRATION), (client.unit_id, Role.HR_OFFICER)}
    held = set(UnitAssignment.objects.filter(user=user).values_list("unit_id", "role"))
    if held != wanted:
        UnitAssignment.objects.filter(user=user).delete()
        for unit_id, role in sorted(wanted):
            UnitAssignment.objects.create(user=user, unit_id=unit_id, role=role)
    return user


@transaction.atomic
def issue_key(
    client: IntegrationClient,
    *,
    created_by: Any = None,
    label: str = "",
    read: bool = True,
    write: bool = False,
    import_: bool = False,
    expires_at: datetime | None = None,
    rate_per_minute: int = 600,
    key: ApiKey | None = None,
) -> IssuedKey:
    """Create a key (or fill in an unsaved ``key`` from the admin form) and return its token."""
    service_user_for(client)
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # pragma: no cover - 2**32 space
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    if key is None:
        key = ApiKey(
            client=client,
            label=label,
            can_read=read,
            can_write=write,
            can_import=import_,
            expires_at=expires_at,
            rate_per_minute=rate_per_minute,
        )
    key.client = client
    key.prefix = prefix
    key.secret_hash = _hash(secret)
    key.created_by = created_by
    attribute(key, acting_user=created_by, reason="Cấp khóa API")
    key.save()
    return IssuedKey(key=key, token=f"{KEY_MARK}_{prefix}_{secret}")


def revoke_key(key: ApiKey, by: Any = None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        attribute(key, acting_user=by, reason="Thu hồi khóa API")
        key.save()
    return key


class KeyRejected(Exception):
    """The token is malformed, unknown, revoked or expired (the message says which)."""


def authenticate_token(token: str) -> ApiKey:
    parts = (token or "").strip().split("_", 2)
    # a key is ASCII: anything else (a header read as Latin-1) is malformed, not a 500
    if len(parts) != 3 or parts[0] != KEY_MARK or not token.isascii():
        raise KeyRejected("Khóa API không đúng định dạng.")
    key = (
        ApiKey.objects.select_related("client", "client__unit", "client__service_user")
        .filter(prefix=parts[1])
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        raise KeyRejected("Khóa API không hợp lệ.")
    now = timezone.now()
    if key.revoked_at is not None:
        raise KeyRejected("Khóa API đã bị thu hồi.")
    if key.expires_at is not None and key.expires_at <= now:
        raise KeyRejected("Khóa API đã hết hạn.")
    if key.client.unit.status != Unit.Status.ACTIVE:
        raise KeyRejected("Đơn vị của hệ thống tích hợp không còn hoạt động.")
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def grants_of(key: ApiKey) -> list[tuple[Unit, str]]:
    """The (unit, role) pairs a key holds: its client's unit, with the roles of its scopes."""
    unit = key.client.unit
    grants: list[tuple[Unit, str]] = []
    if key.can_read or key.can_write or key.can_import:
        grants.append((unit, Role.INTEGRATION))
    if key.can_write or key.can_import:
        # what the key may change is narrowed further by its scopes (cbccvc.api.permissions)
        grants.append((unit, Role.HR_OFFICER))
    return grants


def purge_request_log(*, older_than_days: int | None = None, user: Any = None) -> int:
    """Delete API call log rows older than the retention (``CBCCVC_API_LOG_RETENTION_DAYS``,
    default 365 days), in chunks so a large table is never locked in one statement; the purge
    itself is written to the audit log. Returns how many rows went."""
    from django.conf import settings

    from cbccvc.audit import record
    from cbccvc.models import AuditEvent

    from .models import ApiRequestLog

    days = settings.CBCCVC_API_LOG_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 1:
        raise ValueError("Thời hạn lưu nhật ký phải ít nhất một ngày.")
    cutoff = timezone.now() - timedelta(days=days)
    old = ApiRequestLog.objects.filter(at__lt=cutoff)
    deleted = 0
    while ids := list(old.order_by("pk").values_list("pk", flat=True)[:PURGE_CHUNK]):
        deleted += ApiRequestLog.objects.filter(pk__in=ids).delete()[0]
    record(
        AuditEvent.Kind.LOG_PURGE,
        user=user,
        object_type="orgtree.apirequestlog",
        deleted=deleted,
        older_than=cutoff.isoformat(),
    )
    return deleted


def ensure_purge_schedule() -> Any:
    """Register the daily purge with django-q2 (idempotent)."""
    from django_q.models import Schedule

    schedule, _ = Schedule.objects.update_or_create(
        name=PURGE_SCHEDULE_NAME,
        defaults={
            "func": "orgtree.apikeys.purge_request_log",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
        },
    )
    return schedule
