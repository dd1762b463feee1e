"""E-mail to a key's administrator on every change of the key (issued, activated, revoked).

The Ministry tells the person named as the key's administrator; the mail goes out through
Django's mail framework once the national side's transaction commits (a rolled-back change
sends nothing), and a failing mail server never undoes the change (``robust``: logged).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from orgtree.text import in_vietnamese

from .models import ConnectionKey
from .routers import NATIONAL_DB

SUBJECT_PREFIX = "[CSDL quốc gia về CBCCVC]"

EVENTS = {
    "issued": "đã được cấp (chờ kích hoạt)",
    "activated": "đã được kích hoạt",
    "revoked": "đã bị thu hồi",
}


def _body(key: ConnectionKey, event: str, reason: str) -> str:
    when = timezone.localtime(timezone.now()).strftime("%d/%m/%Y %H:%M")
    lines = [
        f"Kính gửi {key.admin_name or 'người quản trị khóa kết nối'},",
        "",
        f"Khóa kết nối {key.key_id} {EVENTS[event]} lúc {when}.",
        f"Cơ quan: {key.agency_name or key.agency_code} (mã {key.agency_code})",
        f"Phần mềm: {key.software_name}"
        + (f" – {key.software_vendor}" if key.software_vendor else ""),
        # the letter is Vietnamese whoever triggers it (get_…_display() answers in theirs)
        f"Nơi nhận: {in_vietnamese(ConnectionKey.Destination(key.destination).label)}",
    ]
    if reason:
        lines.append(f"Lý do: {reason}")
    if event == "revoked":
        lines += ["", "Phần mềm dùng khóa này không còn gửi được dữ liệu lên CSDL quốc gia."]
    lines += ["", "Thư tự động của Bộ Nội vụ (mô phỏng); vui lòng không trả lời thư này."]
    return "\n".join(lines)


def notify_key_change(key: ConnectionKey, event: str, reason: str = "") -> None:
    """Queue the e-mail to ``key``'s administrator for after the national commit."""
    if not key.admin_email:
        return
    subject = f"{SUBJECT_PREFIX} Khóa kết nối {key.key_id} {EVENTS[event]}"
    body = _body(key, event, reason)
    recipient = key.admin_email

    def send() -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])

    transaction.on_commit(send, using=NATIONAL_DB, robust=True)
