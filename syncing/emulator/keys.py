"""The key registry of the national side: issue, activate, revoke connection keys.

The secret is shown once, at issue; the registry keeps it encrypted (Fernet, key from
``settings.NATIONAL_KEY_ENCRYPTION_KEY`` or derived from ``SECRET_KEY``) because verifying an
HMAC needs the secret itself.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orgtree.text import clean

from .models import ConnectionKey
from .notify import notify_key_change
from .routers import NATIONAL_DB


def _fernet() -> Fernet:
    configured = getattr(settings, "NATIONAL_KEY_ENCRYPTION_KEY", "")
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(b"cbccvc-national-keys:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(key: ConnectionKey) -> str:
    try:
        return _fernet().decrypt(key.secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise ValidationError(
            f"Không giải mã được khóa bí mật của {key.key_id} (khóa mã hóa đã đổi?)."
        ) from exc


@dataclass(frozen=True)
class IssuedKey:
    key: ConnectionKey
    secret: str  # shown once


def issue_key(
    *,
    agency_code: str,
    software_name: str,
    admin_name: str,
    admin_phone: str = "",
    admin_email: str = "",
    agency_name: str = "",
    software_vendor: str = "",
    destination: str = ConnectionKey.Destination.NATIONAL,
    rate_limit_per_minute: int = 600,
    activate: bool = False,
) -> IssuedKey:
    """A new key (shown once). With ``activate`` it is activated in the same operation, which
    revokes the agency's keys of other software (see :func:`activate_key`)."""
    agency_code = clean(agency_code).strip()
    if not agency_code or not clean(software_name).strip() or not clean(admin_name).strip():
        raise ValidationError(
            "Cấp khóa cần mã cơ quan, tên phần mềm và họ tên người quản trị khóa."
        )
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    prefix = "".join(ch for ch in agency_code.upper() if ch.isalnum())[-8:]
    with transaction.atomic(using=NATIONAL_DB):
        key = ConnectionKey.objects.create(
            key_id=f"KN-{prefix}-{secrets.token_hex(6)}",
            agency_code=agency_code,
            agency_name=clean(agency_name),
            software_name=clean(software_name),
            software_vendor=clean(software_vendor),
            destination=destination,
            secret_encrypted=encrypt_secret(secret),
            admin_name=clean(admin_name),
            admin_phone=clean(admin_phone),
            admin_email=clean(admin_email),
            rate_limit_per_minute=rate_limit_per_minute,
            issued_at=now,
        )
        if activate:
            key = activate_key(key.key_id)
        else:
            notify_key_change(key, "issued")
    return IssuedKey(key, secret)


def _get(key_id: str) -> ConnectionKey:
    key = ConnectionKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise ValidationError(f"Không có khóa kết nối “{key_id}”.")
    return key


def other_program_keys(key: ConnectionKey) -> list[ConnectionKey]:
    """The agency's active keys of *other* software for the same destination (a key of the
    same software — a rotation — may be active beside it)."""
    return list(
        ConnectionKey.objects.select_for_update()
        .filter(
            agency_code=key.agency_code,
            destination=key.destination,
            status=ConnectionKey.Status.ACTIVE,
        )
        .exclude(software_name=key.software_name)
        .exclude(pk=key.pk)
        .order_by("issued_at")
    )


def revoke_locked(key: ConnectionKey, reason: str) -> None:
    key.status = ConnectionKey.Status.REVOKED
    key.revoked_at = timezone.now()
    key.revoked_reason = clean(reason)[:255]
    key.save(update_fields=["status", "revoked_at", "revoked_reason"])
    notify_key_change(key, "revoked", key.revoked_reason)


class SecondProgramKey(ValidationError):
    """The agency still has an active key of other software and the activation did not ask to
    revoke it in the same operation (contract code ``key_conflict``)."""


@dataclass(frozen=True)
class Activation:
    key: ConnectionKey
    revoked: list[ConnectionKey]  # the other software's keys revoked in the same operation
    already_active: bool = False


def activate(key_id: str, *, revoke_others: bool = True, reason: str = "") -> Activation:
    """Activate a key. One software per agency and destination (letter 5034): the agency's
    active keys of other software are revoked in the same operation, with the reason recorded
    (the agency's ``reason`` added to it); with ``revoke_others=False`` the activation is
    refused (:class:`SecondProgramKey`) while such a key is active."""
    with transaction.atomic(using=NATIONAL_DB):
        key = _get(key_id)
        if key.status == ConnectionKey.Status.REVOKED:
            raise ValidationError(f"Khóa {key_id} đã bị thu hồi; không kích hoạt lại được.")
        if key.status == ConnectionKey.Status.ACTIVE:
            return Activation(key, [], already_active=True)
        others = other_program_keys(key)
        if others and not revoke_others:
            listed = ", ".join(f"{o.key_id} ({o.software_name})" for o in others)
            raise SecondProgramKey(
                f"Cơ quan {key.agency_code} đang có khóa kết nối của phần mềm khác còn hoạt động: "
                f"{listed}. Mỗi cơ quan chỉ dùng một phần mềm; phải thu hồi khóa đó cùng lúc "
                "kích hoạt khóa mới."
            )
        recorded = (
            f"Cơ quan đã chọn phần mềm {key.software_name} (khóa {key.key_id}); "
            "khóa của phần mềm không còn sử dụng bị thu hồi."
        )
        reason = clean(reason).strip()
        if reason:
            recorded = f"{recorded} {reason}"
        for other in others:
            revoke_locked(other, recorded)
        key.status = ConnectionKey.Status.ACTIVE
        key.activated_at = timezone.now()
        key.save(update_fields=["status", "activated_at"])
        notify_key_change(
            key,
            "activated",
            f"thu hồi cùng lúc {len(others)} khóa của phần mềm khác" if others else "",
        )
    return Activation(key, others)


def activate_key(key_id: str, *, revoke_others: bool = True) -> ConnectionKey:
    """:func:`activate`, answering the key."""
    return activate(key_id, revoke_others=revoke_others).key


def revoke_key(key_id: str, reason: str = "") -> ConnectionKey:
    with transaction.atomic(using=NATIONAL_DB):
        key = _get(key_id)
        if key.status != ConnectionKey.Status.REVOKED:
            revoke_locked(key, reason)
    return key
