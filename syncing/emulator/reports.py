"""Reports an agency sends the ministry (letter 5034/BNV-CCVC and its follow-up): the review and
choice of software with the connection keys, and the status report of 19/9. The ministry keeps
the PDF with a receipt; a second sending of the same bytes answers with the first receipt."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from orgtree.text import clean

from .. import contract
from .models import ConnectionKey, ReceivedReport
from .routers import NATIONAL_DB
from .services import RequestInvalid


def _text(body: dict[str, Any], name: str, max_length: int, *, required: bool = True) -> str:
    value = clean(str(body.get(name) or "")).strip()
    if required and not value:
        raise RequestInvalid("request_invalid", f"Thiếu “{name}”.")
    if len(value) > max_length:
        raise RequestInvalid("request_invalid", f"“{name}” dài quá {max_length} ký tự.")
    return value


def report_json(report: ReceivedReport, status: str = "accepted") -> dict[str, Any]:
    return {
        "receipt_id": report.receipt_id,
        "status": status,
        "agency_code": report.agency_code,
        "kind": report.kind,
        "number": report.number,
        "report_date": report.report_date.isoformat(),
        "title": report.title,
        "document_sha256": report.document_sha256,
        "received_at": report.received_at.isoformat(),
    }


def _parse(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise RequestInvalid("request_invalid", "Nội dung phải là đối tượng JSON.")
    kind = body.get("kind")
    if kind not in contract.REPORT_KINDS:
        raise RequestInvalid(
            "request_invalid", f"“kind” phải là một trong: {', '.join(contract.REPORT_KINDS)}."
        )
    try:
        report_date = date.fromisoformat(str(body.get("report_date") or ""))
    except ValueError as exc:
        raise RequestInvalid("request_invalid", "“report_date” phải là ngày YYYY-MM-DD.") from exc
    try:
        document = base64.b64decode(str(body.get("document") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RequestInvalid("request_invalid", "“document” phải là Base64.") from exc
    if not document.startswith(b"%PDF-"):
        raise RequestInvalid("request_invalid", "“document” phải là tệp PDF.")
    if len(document) > contract.MAX_REPORT_BYTES:
        raise RequestInvalid("request_invalid", "Tệp báo cáo quá lớn.")
    digest = hashlib.sha256(document).hexdigest()
    if str(body.get("document_sha256") or "").lower() != digest:
        raise RequestInvalid("request_invalid", "“document_sha256” không khớp với tệp đã gửi.")
    return {
        "kind": kind,
        "number": _text(body, "number", 60),
        "title": _text(body, "title", 300),
        "signer_name": _text(body, "signer_name", 120, required=False),
        "report_date": report_date,
        "document": document,
        "document_sha256": digest,
    }


def submit_report(key: ConnectionKey, body: Any) -> dict[str, Any]:
    data = _parse(body)
    existing = ReceivedReport.objects.filter(
        agency_code=key.agency_code, document_sha256=data["document_sha256"]
    ).first()
    if existing is not None:
        return report_json(existing, "already_received")
    try:
        with transaction.atomic(using=NATIONAL_DB):
            report = ReceivedReport.objects.create(
                receipt_id=f"BC-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}",
                agency_code=key.agency_code,
                key_id=key.key_id,
                received_at=timezone.now(),
                **data,
            )
    except IntegrityError:  # the same document arrived twice at once
        existing = ReceivedReport.objects.get(
            agency_code=key.agency_code, document_sha256=data["document_sha256"]
        )
        return report_json(existing, "already_received")
    return report_json(report)


def list_reports(key: ConnectionKey) -> dict[str, Any]:
    reports = ReceivedReport.objects.filter(agency_code=key.agency_code).defer("document")
    return {"agency_code": key.agency_code, "reports": [report_json(r) for r in reports]}
