"""Reports an agency sends the ministry (letter 5034/BNV-CCVC and its follow-up): the review and
choice of software with the connection keys, and the status report of 19/9. The ministry keeps
the PDF with a receipt; a second sending of the same bytes answers with the first receipt.

Every report comes signed by the agency: an XML envelope (``contract.REPORT_ENVELOPE_NS``)
naming the report and holding the PDF's SHA-256, with one enveloped XAdES-BES signature. The
signature is checked with libxmlsec1 (:mod:`.xmlsec_verify`, nothing from our signing engine)
against the emulator's trust store at the emulator's clock; then what the envelope says must be
what was sent: the PDF's hash, the kind, number and date, the calling key's agency. Anything
else is refused (``report_unsigned``, ``report_signature_invalid``) with the precise reason."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from orgtree.text import clean

from .. import contract
from .models import ConnectionKey, ReceivedReport
from .routers import NATIONAL_DB
from .services import RequestInvalid, trust_store
from .state import state
from .xmlsec_verify import verify

ENVELOPE = f"{{{contract.REPORT_ENVELOPE_NS}}}"


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
        "signed": report.signed_at is not None,
        "signed_at": report.signed_at.isoformat() if report.signed_at else None,
        "signature_certificate": report.signature_certificate,
    }


def _signature(body: dict[str, Any]) -> bytes:
    raw = body.get("signature")
    if raw in (None, ""):
        raise RequestInvalid(
            "report_unsigned",
            "Báo cáo chưa được ký số: thiếu “signature” (phong bì XML có chữ ký số của cơ quan "
            "trên mã băm SHA-256 của tệp PDF).",
        )
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RequestInvalid("request_invalid", "“signature” phải là Base64.") from exc
    if len(data) > contract.MAX_REPORT_SIGNATURE_BYTES:
        raise RequestInvalid("request_invalid", "“signature” quá lớn.")
    return data


def _refuse(detail: str) -> RequestInvalid:
    return RequestInvalid("report_signature_invalid", f"Chữ ký số của báo cáo: {detail}"[:1000])


def check_signature(
    signature: bytes, *, key: ConnectionKey, data: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Verify the signed envelope of a report at ``at`` and that it names what was sent;
    return the fields to store (RequestInvalid ``report_signature_invalid`` with the reason)."""
    result = verify(signature, trust_store(), at=at)
    if not result.ok:
        raise _refuse("; ".join(f"{p['message']} [{p['code']}]" for p in result.errors))
    # verified: one enveloped signature over the whole envelope, so what it says was signed
    root = etree.fromstring(signature, parser=etree.XMLParser(resolve_entities=False))
    if root.tag != f"{ENVELOPE}{contract.REPORT_ENVELOPE_ROOT}":
        raise _refuse(
            f"tài liệu được ký không phải phong bì báo cáo ({contract.REPORT_ENVELOPE_ROOT}, "
            f"{contract.REPORT_ENVELOPE_NS})."
        )

    def said(name: str) -> str:
        return (root.findtext(f"{ENVELOPE}{name}") or "").strip()

    signed_hash = said("TepBaoCao").lower()
    if signed_hash != data["document_sha256"]:
        raise _refuse(
            "tệp PDF gửi lên khác tệp đã ký số (mã băm SHA-256 đã ký "
            f"{signed_hash[:16] or 'trống'}…, tệp gửi lên {data['document_sha256'][:16]}…)."
        )
    expected = {
        "LoaiBaoCao": data["kind"],
        "SoKyHieu": data["number"],
        "NgayBaoCao": data["report_date"].isoformat(),
    }
    for name, value in expected.items():
        if clean(said(name)) != value:
            raise _refuse(f"{name} đã ký là “{said(name)[:60]}”, khác với “{value}” đã gửi.")
    coquan = root.find(f"{ENVELOPE}CoQuan")
    agency = (coquan.get("ma") or "").strip() if coquan is not None else ""
    if agency != key.agency_code:
        raise _refuse(
            f"báo cáo được ký cho cơ quan “{agency[:60]}”, không phải cơ quan của khóa kết "
            f"nối ({key.agency_code})."
        )
    return {
        "signature": signature,
        "signed_at": result.signing_time,
        "signature_certificate": result.signer_name[:500],
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
    now = state.clock()  # the ministry's clock: the signature is judged at the receipt time
    data.update(check_signature(_signature(body), key=key, data=data, at=now))
    existing = ReceivedReport.objects.filter(
        agency_code=key.agency_code, document_sha256=data["document_sha256"]
    ).first()
    if existing is not None:
        return report_json(existing, "already_received")
    try:
        with transaction.atomic(using=NATIONAL_DB):
            report = ReceivedReport.objects.create(
                receipt_id=f"BC-{timezone.localtime(now):%Y%m%d}-{secrets.token_hex(4).upper()}",
                agency_code=key.agency_code,
                key_id=key.key_id,
                received_at=now,
                **data,
            )
    except IntegrityError:  # the same document arrived twice at once
        existing = ReceivedReport.objects.get(
            agency_code=key.agency_code, document_sha256=data["document_sha256"]
        )
        return report_json(existing, "already_received")
    return report_json(report)


def list_reports(key: ConnectionKey) -> dict[str, Any]:
    reports = ReceivedReport.objects.filter(agency_code=key.agency_code).defer(
        "document", "signature"
    )
    return {"agency_code": key.agency_code, "reports": [report_json(r) for r in reports]}
