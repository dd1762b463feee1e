"""What the agency does with its systems inventory (letter 5034): activate the chosen system's
key (which revokes the other software's active keys in the same operation), ask the Ministry to
revoke the keys of the systems it no longer uses, and bring the recorded key states in line with
the national register. Both go through the official connection of the agency (the chosen system's
key); the answers are recorded on each :class:`SystemKey` with its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from cbccvc.history import attribute
from orgtree.models import Unit

from .client import KeyRevoked, NationalError
from .inventory import HrSystem, KeyState, SystemKey
from .models import Connection, ConnectionStatus, Destination


@dataclass
class RevocationOutcome:
    revoked: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """In the user's language (shown as the admin action's message)."""
        count = len(self.revoked)
        parts = [ngettext("đã thu hồi %(count)s khóa", "đã thu hồi %(count)s khóa", count)]
        parts[0] %= {"count": count}
        if self.rejected:
            keys = "; ".join(f"{key} ({why})" for key, why in self.rejected.items())
            parts.append(gettext("không thu hồi được: %(keys)s") % {"keys": keys})
        return ", ".join(parts) + "."


def official_connection(
    agency: Unit,
    destination: str = Destination.NATIONAL,
    *,
    usable: frozenset[str] = frozenset({ConnectionStatus.ACTIVE}),
) -> Connection:
    """The agency's official connection to ``destination`` when its status is one of ``usable``
    (an active one by default; activating a key also takes one still pending activation)."""
    conn = Connection.objects.filter(unit=agency, destination=destination, is_official=True).first()
    if conn is None or conn.status not in usable:
        raise ValidationError(
            gettext("%(agency)s: chưa có kết nối chính thức dùng được để gửi tới CSDL quốc gia.")
            % {"agency": agency}
        )
    return conn


def old_keys(agency: Unit, destination: str = Destination.NATIONAL) -> list[SystemKey]:
    """Keys of the agency's systems that are not the chosen one, not yet revoked."""
    return list(
        SystemKey.objects.filter(
            system__agency=agency, system__is_chosen=False, destination=destination
        )
        .exclude(state=KeyState.REVOKED)
        .select_related("system")
        .order_by("key_id")
    )


def _set_state(key: SystemKey, state: str, note: str, actor: Any, reason: str) -> None:
    key.state = state
    key.state_note = note[:500]
    key.state_changed_at = timezone.now()
    attribute(key, acting_user=actor, reason=reason)
    key.save()
    _notify(key)


def _notify(key: SystemKey) -> None:
    """E-mail the key's administrator (as the inventory names them) of its new state, through
    Django's mail framework (a file under var/mail/ in the demo, SMTP in production) once the
    transaction commits; a failing mail server never undoes the change (``robust``). Always in
    Vietnamese, whoever acts."""
    if not key.admin_email:
        return
    with translation.override("vi"):
        state = str(key.get_state_display())
        destination = str(key.get_destination_display())
    when = timezone.localtime(key.state_changed_at).strftime("%d/%m/%Y %H:%M")
    subject = f"[CSDL CBCCVC] Khóa kết nối {key.key_id}: {state.lower()}"
    lines = [
        f"Kính gửi {key.admin_name or 'người quản trị khóa kết nối'},",
        "",
        f"Khóa kết nối {key.key_id} của hệ thống {key.system.name} chuyển sang trạng thái "
        f"“{state}” lúc {when}.",
        f"Cơ quan: {key.system.agency.name} (mã {key.system.agency.code})",
        f"Nơi nhận: {destination}",
    ]
    if key.state_note:
        lines.append(f"Ghi chú: {key.state_note}")
    lines += ["", "Thư tự động của hệ thống quản lý hồ sơ CBCCVC; vui lòng không trả lời thư này."]
    body, recipient = "\n".join(lines), key.admin_email

    def send() -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])

    transaction.on_commit(send, robust=True)


def request_old_key_revocation(
    agency: Unit,
    *,
    acting_user: Any,
    reason: str = "",
    destination: str = Destination.NATIONAL,
    base_url: str = "",
) -> RevocationOutcome:
    """Send the keys of the non-chosen systems to the national side for revocation
    (``base_url``: another address of the national side, e.g. the demo's emulator thread)."""
    from .connections import client_for

    chosen = HrSystem.objects.filter(agency=agency, is_chosen=True).first()
    if chosen is None:
        raise ValidationError(
            gettext("%(agency)s: chưa chọn hệ thống sử dụng; chưa thể đề nghị thu hồi.")
            % {"agency": agency}
        )
    keys = old_keys(agency, destination)
    if not keys:
        return RevocationOutcome()
    conn = official_connection(agency, destination)
    conn.base_url = base_url or conn.base_url  # not saved
    reason = reason.strip() or (
        f"Cơ quan đã chọn hệ thống {chosen} (Công văn 5034/BNV-CCVC); "
        "phần mềm cũ không còn sử dụng."
    )
    try:
        with client_for(conn) as client:
            answers = client.request_key_revocation([k.key_id for k in keys], reason)
    except KeyRevoked as exc:
        raise ValidationError(
            gettext("Khóa của kết nối chính thức không dùng được: %(error)s")
            % {"error": exc.message}
        ) from exc
    except NationalError as exc:
        raise ValidationError(
            gettext("Không gửi được đề nghị thu hồi khóa: %(error)s") % {"error": exc.message}
        ) from exc
    outcome = RevocationOutcome()
    by_id = {str(a.get("key_id")): a for a in answers if isinstance(a, dict)}
    with transaction.atomic():
        for key in keys:
            answer = by_id.get(key.key_id, {})
            status = answer.get("status")
            if status in ("revoked", "already_revoked"):
                note = str(answer.get("revoked_reason") or reason)
                _set_state(
                    key, KeyState.REVOKED, note, acting_user, "CSDL quốc gia đã thu hồi khóa"
                )
                outcome.revoked.append(key.key_id)
            else:
                message = str(answer.get("message") or answer.get("code") or "không rõ")
                _set_state(
                    key,
                    KeyState.REVOCATION_REQUESTED,
                    f"CSDL quốc gia chưa thu hồi: {message}",
                    acting_user,
                    "Đề nghị thu hồi khóa",
                )
                outcome.rejected[key.key_id] = message
    return outcome


@dataclass
class ActivationOutcome:
    key_id: str
    already_active: bool = False
    revoked: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """In the user's language (shown as the admin action's message)."""
        if self.already_active:
            return gettext("khóa %(key)s đã hoạt động từ trước.") % {"key": self.key_id}
        done = gettext("đã kích hoạt khóa %(key)s") % {"key": self.key_id}
        if self.revoked:
            count = len(self.revoked)
            done += ngettext(
                ", cùng lúc thu hồi %(count)s khóa: %(keys)s",
                ", cùng lúc thu hồi %(count)s khóa: %(keys)s",
                count,
            ) % {"count": count, "keys": ", ".join(self.revoked)}
        return done + "."


# a key may be activated while its connection is still pending activation or suspended
ACTIVATABLE = frozenset(
    {ConnectionStatus.ACTIVE, ConnectionStatus.PENDING, ConnectionStatus.SUSPENDED}
)


def activate_chosen_key(
    agency: Unit, *, acting_user: Any, reason: str = "", base_url: str = ""
) -> ActivationOutcome:
    """Activate, on the national side, the key of the agency's official connection (the chosen
    system's new key), revoking in the same operation the agency's active keys of other
    software (one software per agency); record the new states of the inventory's keys."""
    from .connections import client_for

    chosen = HrSystem.objects.filter(agency=agency, is_chosen=True).first()
    if chosen is None:
        raise ValidationError(
            gettext("%(agency)s: chưa chọn hệ thống sử dụng; chưa thể kích hoạt khóa.")
            % {"agency": agency}
        )
    conn = official_connection(agency, usable=ACTIVATABLE)
    conn.base_url = base_url or conn.base_url  # not saved
    reason = reason.strip() or f"Cơ quan đã chọn hệ thống {chosen} (Công văn 5034/BNV-CCVC)."
    try:
        with client_for(conn) as client:
            answer = client.activate_key(revoke_other_software=True, reason=reason)
    except NationalError as exc:
        raise ValidationError(
            gettext("Không kích hoạt được khóa %(key)s: %(error)s")
            % {"key": conn.key_id, "error": exc.message}
        ) from exc
    outcome = ActivationOutcome(conn.key_id, already_active=answer["status"] == "already_active")
    revoked = {str(k.get("key_id")): k for k in answer["revoked"] if isinstance(k, dict)}
    outcome.revoked = sorted(revoked)
    with transaction.atomic():
        for key in SystemKey.objects.filter(system__agency=agency).select_related("system"):
            if key.key_id == conn.key_id and key.state != KeyState.ACTIVE:
                _set_state(
                    key, KeyState.ACTIVE, reason, acting_user, "CSDL quốc gia đã kích hoạt khóa"
                )
            elif key.key_id in revoked and key.state != KeyState.REVOKED:
                note = str(revoked[key.key_id].get("revoked_reason") or reason)
                _set_state(
                    key,
                    KeyState.REVOKED,
                    note,
                    acting_user,
                    "CSDL quốc gia thu hồi khóa khi kích hoạt khóa của hệ thống được chọn",
                )
    return outcome


NATIONAL_STATES = {
    "issued": KeyState.ISSUED,
    "active": KeyState.ACTIVE,
    "revoked": KeyState.REVOKED,
}


def refresh_key_states(agency: Unit, *, acting_user: Any) -> int:
    """Bring the recorded states of the agency's keys in line with the national register;
    return how many changed."""
    from .connections import client_for

    conn = official_connection(agency)
    try:
        with client_for(conn) as client:
            national = {str(k.get("key_id")): k for k in client.list_keys()}
    except NationalError as exc:
        raise ValidationError(
            gettext("Không tra cứu được khóa kết nối: %(error)s") % {"error": exc.message}
        ) from exc
    changed = 0
    with transaction.atomic():
        for key in SystemKey.objects.filter(system__agency=agency):
            info = national.get(key.key_id)
            state = NATIONAL_STATES.get(str(info.get("status"))) if info else None
            if state is None or state == key.state:
                continue
            note = str(info.get("revoked_reason") or "") if info else ""
            _set_state(key, state, note, acting_user, "Cập nhật theo CSDL quốc gia")
            changed += 1
    return changed
