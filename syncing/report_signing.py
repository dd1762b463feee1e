"""Signing a report to the ministry with the agency's signing key.

What is signed is not the PDF itself but a small XML envelope (:func:`envelope`, namespace
:data:`syncing.contract.REPORT_ENVELOPE_NS`) naming the report — agency, kind, number, date,
title, signer — and holding the SHA-256 of the frozen PDF: a detached signature over the
document's hash. The envelope carries an enveloped XAdES-BES signature made by the profile
signing engine (:func:`signing.xmlsig.sign_document`, RSA/ECDSA-SHA256, the
certificate chain embedded), so any XML-DSig verifier (``xmlsec1``, the emulator's
libxmlsec1 check) can check it, and the national side can check that the PDF it received is
the one that was signed.

Producing the PDF again clears the signature (:func:`clear_signature`): a signature never
outlives the document it was made for.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from lxml import etree

from cbccvc.history import save_with_history
from signing.errors import SigningError
from signing.keys import Signer, common_name, serial_hex
from signing.xmlsig import sign_document

from . import contract
from .reports import MinistryReport, ReportKind

NS = contract.REPORT_ENVELOPE_NS


def _el(parent: etree._Element, name: str, text: str = "", **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{name}", attrs)
    node.text = text
    return node


def envelope(report: MinistryReport) -> bytes:
    """The unsigned XML envelope of ``report``'s frozen PDF (ValidationError if not produced)."""
    from .report_documents import TITLES

    if not report.document:
        raise ValidationError(f"Báo cáo {report.number}: chưa xuất tệp; hãy xuất tệp trước khi ký.")
    pdf = bytes(report.document)
    agency = report.agency
    root = etree.Element(f"{{{NS}}}{contract.REPORT_ENVELOPE_ROOT}", nsmap={None: NS})
    root.set("phienBan", "1.0")
    _el(root, "CoQuan", agency.name, ma=agency.national_code or agency.code)
    _el(root, "LoaiBaoCao", report.kind)
    _el(root, "SoKyHieu", report.number)
    _el(root, "NgayBaoCao", report.report_date.isoformat())
    _el(root, "TrichYeu", TITLES[ReportKind(report.kind)])
    _el(root, "NguoiKy", report.signer_name)
    _el(
        root,
        "TepBaoCao",
        hashlib.sha256(pdf).hexdigest(),
        kieu="application/pdf",
        kichThuoc=str(len(pdf)),
        thuatToanBam="SHA-256",
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def signed_hash(signature: bytes) -> str:
    """The PDF's SHA-256 written in a signed envelope ("" when there is none). Reads only;
    the signature itself is checked by a verifier."""
    from cbccvc.safexml import parse_untrusted

    try:
        root = parse_untrusted(signature)
    except (etree.XMLSyntaxError, ValueError):
        return ""
    return (root.findtext(f"{{{NS}}}TepBaoCao") or "").strip()


def sign_report(
    report: MinistryReport,
    signer: Signer,
    *,
    acting_user: Any,
    signing_time: datetime | None = None,
) -> MinistryReport:
    """Sign ``report``'s frozen PDF with ``signer`` (the agency's key) and store the signed
    envelope on the report, with who signed, when and with which certificate."""
    at = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        signed = sign_document(envelope(report), signer, signing_time=at)
    except SigningError as exc:
        raise ValidationError(f"Báo cáo {report.number}: không ký số được – {exc}") from exc
    cert = signer.certificate
    report.signature = signed
    report.signed_at = at
    report.signed_by = acting_user if getattr(acting_user, "pk", None) else None
    report.signature_certificate = f"{common_name(cert.subject)} (số hiệu {serial_hex(cert)})"[:500]
    save_with_history(report, acting_user=acting_user, reason="Ký số báo cáo")
    return report


def clear_signature(report: MinistryReport) -> None:
    """Forget the signature (the PDF it was made for is being replaced); not saved here."""
    report.signature = None
    report.signed_at = None
    report.signed_by = None
    report.signature_certificate = ""


def signature_problem(report: MinistryReport) -> str:
    """Why ``report`` cannot be sent as signed ("" when it can)."""
    if not report.signature:
        return (
            f"Báo cáo {report.number}: chưa ký số; hãy ký số tệp báo cáo bằng khóa của cơ quan "
            "trước khi gửi."
        )
    if not report.document:
        return f"Báo cáo {report.number}: chưa xuất tệp."
    if signed_hash(bytes(report.signature)) != hashlib.sha256(bytes(report.document)).hexdigest():
        return (
            f"Báo cáo {report.number}: chữ ký số không khớp với tệp báo cáo hiện tại; hãy ký "
            "số lại."
        )
    return ""
