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
    rate_limit_per_minute: int = 600,
    activate: bool = False,
) -> IssuedKey:
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
            secret_encrypted=encrypt_secret(secret),
            admin_name=clean(admin_name),
            admin_phone=clean(admin_phone),
            admin_email=clean(admin_email),
            rate_limit_per_minute=rate_limit_per_minute,
            issued_at=now,
        )
        if activate:
            key = activate_key(key.key_id)
    return IssuedKey(key, secret)


def _get(key_id: str) -> ConnectionKey:
    key = ConnectionKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise ValidationError(f"Không có khóa kết nối “{key_id}”.")
    return key


def activate_key(key_id: str) -> ConnectionKey:
    with transaction.atomic(using=NATIONAL_DB):
        key = _get(key_id)
        if key.status == ConnectionKey.Status.REVOKED:
            raise ValidationError(f"Khóa {key_id} đã bị thu hồi; không kích hoạt lại được.")
        if key.status != ConnectionKey.Status.ACTIVE:
            key.status = ConnectionKey.Status.ACTIVE
            key.activated_at = timezone.now()
            key.save(update_fields=["status", "activated_at"])
    return key


def revoke_key(key_id: str, reason: str = "") -> ConnectionKey:
    with transaction.atomic(using=NATIONAL_DB):
        key = _get(key_id)
        if key.status != ConnectionKey.Status.REVOKED:
            key.status = ConnectionKey.Status.REVOKED
            key.revoked_at = timezone.now()
            key.revoked_reason = clean(reason)[:255]
            key.save(update_fields=["status", "revoked_at", "revoked_reason"])
    return key
