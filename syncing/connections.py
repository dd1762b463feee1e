"""Connection keys: create, rotate (the old key stays until the new one is confirmed), health
check, schedule report. Every change is recorded in the connection's history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cbccvc.history import attribute
from orgtree.text import clean

from . import transport
from .client import KeyRevoked, NationalError
from .models import Connection, ConnectionStatus


def _history(conn: Connection, actor: Any, reason: str) -> None:
    attribute(conn, acting_user=actor, reason=reason)


@transaction.atomic
def create_connection(
    *,
    unit: Any,
    destination: str,
    software_name: str,
    base_url: str,
    key_id: str,
    secret: str,
    admin_name: str = "",
    admin_phone: str = "",
    admin_email: str = "",
    actor: Any = None,
) -> Connection:
    if not key_id.strip() or not secret:
        raise ValidationError({"key_id": "Phải có mã khóa kết nối và bí mật."})
    problem = transport.refusal(base_url)
    if problem:  # plain HTTP outside the loopback demo (docs/national-api.md, Transport)
        raise ValidationError({"base_url": problem})
    conn = Connection(
        unit=unit,
        destination=destination,
        software_name=clean(software_name),
        base_url=base_url.strip(),
        key_id=key_id.strip(),
        admin_name=clean(admin_name),
        admin_phone=admin_phone.strip(),
        admin_email=admin_email.strip(),
        status=ConnectionStatus.ACTIVE,
        status_changed_at=timezone.now(),
    )
    conn.set_secret(secret)
    conn.full_clean(exclude=["secret_sealed", "pending_secret_sealed"])
    _history(conn, actor, "Tạo kết nối")
    conn.save()
    return conn


def client_for(conn: Connection, *, pending: bool = False, timeout: float = 10.0) -> Any:
    from .client import NationalClient

    if pending:
        return NationalClient(
            conn.base_url, conn.pending_key_id, conn.pending_secret(), timeout=timeout
        )
    return NationalClient(conn.base_url, conn.key_id, conn.secret(), timeout=timeout)


@transaction.atomic
def start_rotation(conn: Connection, key_id: str, secret: str, actor: Any = None) -> Connection:
    """Store a new key beside the current one; the current key keeps working until
    :func:`confirm_rotation` proves the new one."""
    if not key_id.strip() or not secret:
        raise ValidationError({"pending_key_id": "Phải có mã khóa mới và bí mật mới."})
    conn = Connection.objects.select_for_update().get(pk=conn.pk)
    conn.pending_key_id = key_id.strip()
    from cbccvc.crypto import seal

    conn.pending_secret_sealed = seal(secret.encode("utf-8"))
    _history(conn, actor, "Nhập khóa kết nối mới (chờ xác nhận)")
    conn.save()
    return conn


def confirm_rotation(conn: Connection, actor: Any = None) -> Connection:
    """Check the new key against the national side; only then replace the old one."""
    conn = Connection.objects.get(pk=conn.pk)
    if not conn.pending_key_id:
        raise ValidationError("Không có khóa mới nào chờ xác nhận.")
    try:
        with client_for(conn, pending=True) as client:
            client.check_auth()
    except NationalError as exc:
        raise ValidationError(
            f"Khóa mới {conn.pending_key_id} chưa dùng được ({exc.message}); "
            f"vẫn giữ khóa cũ {conn.key_id}."
        ) from exc
    with transaction.atomic():
        conn = Connection.objects.select_for_update().get(pk=conn.pk)
        old = conn.key_id
        conn.key_id = conn.pending_key_id
        conn.secret_sealed = conn.pending_secret_sealed
        conn.pending_key_id = ""
        conn.pending_secret_sealed = None
        conn.rotated_at = timezone.now()
        conn.status = ConnectionStatus.ACTIVE
        conn.status_message = f"Đã đổi khóa kết nối {old} → {conn.key_id}."
        conn.status_changed_at = conn.rotated_at
        conn.consecutive_failures = 0
        conn.circuit_open_until = None
        _history(conn, actor, "Xác nhận khóa kết nối mới")
        conn.save()
    return conn


def health_check(conn: Connection) -> tuple[bool, str]:
    """Call the national health and key-check endpoints; store and return the outcome. A key
    the national side reports revoked marks the connection revoked; a revoked connection
    whose key works again (re-activated by the ministry) becomes active."""
    from .sender import record_revoked

    now = timezone.now()
    try:
        with client_for(conn) as client:
            health = client.health()
            key = client.check_auth()
    except KeyRevoked as exc:
        record_revoked(conn, exc)
        ok, message = False, conn.status_message
    except NationalError as exc:
        ok, message = False, f"Lỗi: {exc.message}"
    else:
        ok = True
        status = health.get("status", "ok") if isinstance(health, dict) else "ok"
        info = key.get("key", key) if isinstance(key, dict) else {}
        agency = str(info.get("agency_name") or info.get("agency_code") or "")
        message = f"Kết nối tốt (máy chủ: {status}{', cơ quan: ' + agency if agency else ''})."
        if conn.status == ConnectionStatus.REVOKED:
            Connection.objects.filter(pk=conn.pk).update(
                status=ConnectionStatus.ACTIVE,
                status_message="Khóa kết nối hoạt động trở lại.",
                status_changed_at=now,
            )
    Connection.objects.filter(pk=conn.pk).update(
        last_health_at=now, last_health_ok=ok, last_health_message=message[:500]
    )
    conn.refresh_from_db()
    return ok, message


def schedule_payload(conn: Connection) -> dict[str, Any]:
    return {
        "software_name": conn.software_name,
        "windows": [
            {
                "start": w.starts_on.isoformat(),
                "end": w.ends_on.isoformat() if w.ends_on else None,
                "mode": w.mode,
                "note": w.label,
            }
            for w in conn.windows.order_by("starts_on")
        ],
    }


def report_schedule(conn: Connection) -> dict[str, Any]:
    """Send the agency's sync windows to the national side."""
    from .sender import record_revoked

    try:
        with client_for(conn) as client:
            answer = client.report_schedule(schedule_payload(conn))
    except KeyRevoked as exc:
        record_revoked(conn, exc)
        raise ValidationError(conn.status_message) from exc
    except NationalError as exc:
        raise ValidationError(f"Không báo được lịch đồng bộ: {exc.message}") from exc
    Connection.objects.filter(pk=conn.pk).update(schedule_reported_at=timezone.now())
    return answer
