"""Request authentication on the national side (see :mod:`syncing.contract`).

Order of checks: headers present → key known → signature (HMAC over the canonical string)
→ body hash → timestamp within ±5 min → key active (not revoked) → nonce never seen
(recorded) → rate limit. The signature is checked before the key status so that a revoked
key's answer ("auth_key_revoked") is only given to someone who holds its secret.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import contract
from .keys import decrypt_secret
from .models import ConnectionKey, SeenNonce
from .routers import NATIONAL_DB
from .state import state


class AuthError(Exception):
    def __init__(self, code: str, detail: str = "", *, retry_after: float = 0.0) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


_PURGE_EVERY = 200
_counter = {"n": 0}


def _header(request: HttpRequest, name: str) -> str:
    return request.headers.get(name, "").strip()


def authenticate(request: HttpRequest, *, allow_issued: bool = False) -> ConnectionKey:
    """The connection key of a correctly signed, fresh, never-seen request; else AuthError.
    ``allow_issued``: an issued key not yet active is accepted too (only the activation,
    where the software proves it holds the new key's secret)."""
    key_id = _header(request, contract.HEADER_KEY_ID)
    timestamp = _header(request, contract.HEADER_TIMESTAMP)
    nonce = _header(request, contract.HEADER_NONCE)
    digest = _header(request, contract.HEADER_CONTENT_SHA256).lower()
    signature = _header(request, contract.HEADER_SIGNATURE)
    missing = [
        name
        for name, value in (
            (contract.HEADER_KEY_ID, key_id),
            (contract.HEADER_TIMESTAMP, timestamp),
            (contract.HEADER_NONCE, nonce),
            (contract.HEADER_CONTENT_SHA256, digest),
            (contract.HEADER_SIGNATURE, signature),
        )
        if not value
    ]
    if missing:
        raise AuthError("auth_missing", f"Thiếu tiêu đề: {', '.join(missing)}.")
    if not (contract.NONCE_MIN_LEN <= len(nonce) <= contract.NONCE_MAX_LEN):
        raise AuthError(
            "auth_missing",
            f"Nonce phải dài {contract.NONCE_MIN_LEN}–{contract.NONCE_MAX_LEN} ký tự.",
        )
    key = ConnectionKey.objects.filter(key_id=key_id).first()
    if key is None:
        raise AuthError("auth_key_unknown", f"Khóa kết nối “{key_id[:64]}” không tồn tại.")
    canonical = contract.canonical_string(
        request.method or "",
        request.path,
        request.META.get("QUERY_STRING", ""),
        timestamp,
        nonce,
        digest,
    )
    expected = contract.sign(decrypt_secret(key), canonical)
    if not contract.signatures_equal(expected, signature):
        raise AuthError("auth_signature_invalid")
    if contract.body_sha256(request.body) != digest:
        raise AuthError("auth_body_hash_mismatch")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError as exc:
        raise AuthError("auth_timestamp_skew", "Thời điểm phải là số giây Unix.") from exc
    if skew > contract.MAX_CLOCK_SKEW:
        raise AuthError(
            "auth_timestamp_skew", f"Lệch {int(skew)} giây (tối đa {contract.MAX_CLOCK_SKEW})."
        )
    if key.status == ConnectionKey.Status.REVOKED:
        when = timezone.localtime(key.revoked_at).strftime("%d/%m/%Y %H:%M")
        raise AuthError(
            "auth_key_revoked",
            f"Khóa kết nối {key.key_id} của phần mềm “{key.software_name}” đã bị thu hồi lúc "
            f"{when}. Liên hệ người quản trị khóa để được cấp, kích hoạt khóa mới.",
        )
    usable = (
        (ConnectionKey.Status.ACTIVE, ConnectionKey.Status.ISSUED)
        if allow_issued
        else (ConnectionKey.Status.ACTIVE,)
    )
    if key.status not in usable:
        raise AuthError("auth_key_not_active")
    _remember_nonce(key.key_id, nonce)
    wait = state.limiter.take(key.key_id, key.rate_limit_per_minute)
    if wait:
        raise AuthError("rate_limited", retry_after=wait)
    ConnectionKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _remember_nonce(key_id: str, nonce: str) -> None:
    now = timezone.now()
    try:
        with transaction.atomic(using=NATIONAL_DB):
            SeenNonce.objects.create(key_id=key_id, nonce=nonce, seen_at=now)
    except IntegrityError as exc:
        raise AuthError("auth_nonce_replayed") from exc
    _counter["n"] += 1
    if _counter["n"] % _PURGE_EVERY == 0:
        # older nonces cannot come back: their timestamp is outside the window by now
        horizon = now - timedelta(seconds=2 * contract.MAX_CLOCK_SKEW + 60)
        SeenNonce.objects.filter(seen_at__lt=horizon).delete()
