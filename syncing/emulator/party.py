"""The emulated Party members database ("CSDL tổ chức đảng, đảng viên"), served next to the
national API with the same signed-request authentication (``docs/party-api.md``).

It accepts only the fields the Party database is entitled to (the policy of
:data:`syncing.destinations.PARTY_FIELDS`): a record with any other key is rejected per item
with ``fields_not_allowed``, so a leak on our side fails loudly.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .. import contract
from .models import ConnectionKey, ReceivedPartyRecord
from .routers import NATIONAL_DB
from .services import RequestInvalid
from .views import _json, endpoint, problem_response

PATH_HEALTH = "/party/v1/health"
PATH_BATCHES = "/party/v1/members/batches"
MAX_BATCH = 100
PERSONAL_ID = re.compile(r"^\d{12}$")
HASH = re.compile(r"^[0-9a-f]{64}$")


def _allowed() -> tuple[set[str], set[str]]:
    from syncing.destinations import PARTY_MEMBERSHIP_FIELDS, PARTY_PROFILE_FIELDS

    return set(PARTY_PROFILE_FIELDS) | {"unit_code", "party_membership"}, set(
        PARTY_MEMBERSHIP_FIELDS
    )


def _check(index: int, raw: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(result so far, the record to store or None when rejected)."""
    out = {
        "index": index,
        "personal_id": str(raw.get("personal_id", "")) if isinstance(raw, dict) else "",
        "version_hash": str(raw.get("version_hash", "")).lower() if isinstance(raw, dict) else "",
    }

    def reject(code: str, message: str) -> tuple[dict[str, Any], None]:
        out.update(status=contract.ITEM_REJECTED, code=code, message=message)
        return out, None

    if not isinstance(raw, dict) or not isinstance(raw.get("record"), dict):
        return reject("request_invalid", "Mục phải có “record” là đối tượng JSON.")
    if not PERSONAL_ID.match(out["personal_id"]):
        return reject("personal_id_invalid", contract.message_for("personal_id_invalid"))
    if not HASH.match(out["version_hash"]):
        return reject("request_invalid", "“version_hash” phải là SHA-256 dạng hex.")
    record = raw["record"]
    top, membership = _allowed()
    extra = set(record) - top
    for row in record.get("party_membership") or []:
        extra |= set(row) - membership if isinstance(row, dict) else {"party_membership"}
    if extra:
        return reject(
            "fields_not_allowed",
            "CSDL đảng viên không nhận các trường: " + ", ".join(sorted(extra)),
        )
    if record.get("personal_id") != out["personal_id"]:
        return reject("document_mismatch", "Số định danh trong bản ghi khác số khai báo.")
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if hashlib.sha256(canonical.encode("utf-8")).hexdigest() != raw.get("record_sha256"):
        return reject("document_mismatch", "“record_sha256” không khớp bản ghi.")
    return out, record


def submit_members(key: ConnectionKey, body: Any) -> dict[str, Any]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise RequestInvalid("request_invalid", "Thiếu danh sách “items”.")
    if len(items) > MAX_BATCH:
        raise RequestInvalid("batch_too_large", f"Lô có {len(items)} bản ghi.")
    batch_id = uuid.uuid4().hex
    now = timezone.now()
    results = []
    for index, raw in enumerate(items):
        result, record = _check(index, raw)
        if record is not None:
            ikey = contract.idempotency_key(result["personal_id"], result["version_hash"])
            try:
                with transaction.atomic(using=NATIONAL_DB):
                    ReceivedPartyRecord.objects.create(
                        idempotency_key=ikey,
                        personal_id=result["personal_id"],
                        version_hash=result["version_hash"],
                        agency_code=key.agency_code,
                        key_id=key.key_id,
                        batch_id=batch_id,
                        record=record,
                        received_at=now,
                    )
            except IntegrityError:
                held = ReceivedPartyRecord.objects.get(idempotency_key=ikey)
                result.update(
                    status=contract.ITEM_ALREADY_RECEIVED,
                    receipt_id=held.batch_id,
                    received_at=held.received_at.isoformat(),
                )
            else:
                result.update(
                    status=contract.ITEM_ACCEPTED, receipt_id=batch_id, received_at=now.isoformat()
                )
        results.append(result)
    return {"batch_id": batch_id, "results": results}


@csrf_exempt
def health(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return problem_response("method_not_allowed")
    return _json({"status": "ok", "destination": "party", "time": timezone.now().isoformat()})


member_batches = endpoint(POST=lambda request, key, body: submit_members(key, body))
