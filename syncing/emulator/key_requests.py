"""What an agency may ask about its own connection keys (letter 5034): the list of keys the
Ministry issued to it, revocation of the keys of software it no longer uses, and activation of
the chosen software's new key (which revokes the other software's active keys in the same
operation, or is refused while one is active).

An agency only ever sees and revokes its own keys; a key id of another agency answers as an
unknown one. The calling key cannot revoke itself (it is the chosen software's key). All the
keys of one request are revoked in one transaction, and each key's administrator is told by
e-mail (:mod:`.notify`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from orgtree.text import clean

from .. import contract
from .keys import SecondProgramKey, activate, revoke_locked
from .models import ConnectionKey
from .routers import NATIONAL_DB
from .services import RequestInvalid, key_json


def key_summary(key: ConnectionKey) -> dict[str, Any]:
    return {
        **key_json(key),
        "destination": key.destination,
        "software_vendor": key.software_vendor,
        "issued_at": key.issued_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "revoked_reason": key.revoked_reason,
    }


def list_keys(key: ConnectionKey) -> dict[str, Any]:
    keys = ConnectionKey.objects.filter(agency_code=key.agency_code).order_by("issued_at", "pk")
    return {"agency_code": key.agency_code, "keys": [key_summary(k) for k in keys]}


def _key_ids(body: Any) -> tuple[list[str], str]:
    if not isinstance(body, dict):
        raise RequestInvalid("request_invalid", "Nội dung phải là đối tượng JSON.")
    ids = body.get("key_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise RequestInvalid("request_invalid", "Thiếu “key_ids” (danh sách mã khóa).")
    if len(ids) > contract.MAX_KEY_REVOCATIONS:
        raise RequestInvalid(
            "request_invalid",
            f"Mỗi yêu cầu thu hồi tối đa {contract.MAX_KEY_REVOCATIONS} khóa.",
        )
    reason = clean(str(body.get("reason") or "")).strip()
    if not reason:
        raise RequestInvalid("request_invalid", "Phải nêu lý do thu hồi (“reason”).")
    return ids, reason


def request_revocations(key: ConnectionKey, body: Any) -> dict[str, Any]:
    ids, reason = _key_ids(body)
    results: list[dict[str, Any]] = []
    recorded = f"Cơ quan {key.agency_code} đề nghị thu hồi (khóa {key.key_id}): {reason}"
    with transaction.atomic(using=NATIONAL_DB):
        found = {
            k.key_id: k
            for k in ConnectionKey.objects.select_for_update().filter(
                agency_code=key.agency_code, key_id__in=ids
            )
        }
        for key_id in ids:
            target = found.get(key_id)
            if target is None:
                results.append(_rejected(key_id, "not_found", "Cơ quan không có khóa này."))
            elif target.pk == key.pk:
                results.append(
                    _rejected(
                        key_id,
                        "request_invalid",
                        "Không thể thu hồi chính khóa dùng để gửi yêu cầu.",
                    )
                )
            elif target.status == ConnectionKey.Status.REVOKED:
                results.append(_done(target, "already_revoked"))
            else:
                revoke_locked(target, recorded)
                results.append(_done(target, "revoked"))
    return {"agency_code": key.agency_code, "results": results}


def _rejected(key_id: str, code: str, message: str) -> dict[str, Any]:
    return {"key_id": key_id, "status": "rejected", "code": code, "message": message}


def _done(key: ConnectionKey, status: str) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "status": status,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "revoked_reason": key.revoked_reason,
    }


def activate_calling_key(key: ConnectionKey, body: Any) -> dict[str, Any]:
    """``POST /keys/activation``, signed with the issued key itself (the software proves it
    holds the new secret). With ``revoke_other_software`` the agency's active keys of other
    software are revoked in the same operation; without it their presence is ``key_conflict``
    and nothing changes."""
    body = {} if body is None else body
    if not isinstance(body, dict):
        raise RequestInvalid("request_invalid", "Nội dung phải là đối tượng JSON.")
    revoke = body.get("revoke_other_software", False)
    if not isinstance(revoke, bool):
        raise RequestInvalid("request_invalid", "“revoke_other_software” phải là true/false.")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise RequestInvalid("request_invalid", "“reason” phải là chuỗi tối đa 500 ký tự.")
    try:
        done = activate(key.key_id, revoke_others=revoke, reason=reason)
    except SecondProgramKey as exc:
        raise RequestInvalid("key_conflict", " ".join(exc.messages)) from exc
    return {
        "status": "already_active" if done.already_active else "activated",
        "key": key_summary(done.key),
        "revoked": [key_summary(k) for k in done.revoked],
    }
