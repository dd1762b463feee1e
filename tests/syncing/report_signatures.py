"""Helpers of the report-signing tests: a TEST CA with fixed validity dates (the tests never
depend on today's date) and the agency's signed envelope of a report's PDF, built by the real
:func:`syncing.report_signing.envelope` and signed by the real signing engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from orgtree.models import Unit
from signing.keys import KeyFileSigner
from signing.testca import issue_certificate, new_key, subject_name
from signing.xmlsig import sign_document
from syncing.report_signing import envelope
from syncing.reports import MinistryReport

# the fixed clock of these tests: the certificate is valid from 1/6/2025 to 1/6/2026, the
# report is signed on 18/9/2025 and reaches the ministry an hour later
VALID_FROM = datetime(2025, 6, 1, tzinfo=UTC)
VALID_TO = datetime(2026, 6, 1, tzinfo=UTC)
SIGNED_AT = datetime(2025, 9, 18, 2, 0, tzinfo=UTC)
RECEIVED_AT = datetime(2025, 9, 18, 3, 0, tzinfo=UTC)


@dataclass
class FixedCA:
    root: Any
    signer: KeyFileSigner

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(Encoding.PEM)


def fixed_ca(name: str = "CA BÁO CÁO THỬ NGHIỆM", signer: str = "Lê Hồng Vinh") -> FixedCA:
    """A root (2025–2030) and one RSA signing certificate it issued (1/6/2025–1/6/2026)."""
    root_key = new_key("rsa")
    root = issue_certificate(
        subject_name(name),
        root_key.public_key(),
        issuer_cert=None,
        issuer_key=root_key,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2030, 1, 1, tzinfo=UTC),
        ca=True,
        path_length=0,
    )
    key = new_key("rsa")
    cert = issue_certificate(
        subject_name(f"{signer} (THỬ NGHIỆM)", "UBND tỉnh thử nghiệm"),
        key.public_key(),
        issuer_cert=root,
        issuer_key=root_key,
        not_before=VALID_FROM,
        not_after=VALID_TO,
    )
    return FixedCA(root, KeyFileSigner(key, cert, []))


def signed_envelope(
    pdf: bytes,
    signer: KeyFileSigner,
    *,
    kind: str = "software",
    number: str = "125/BC-UBND",
    report_date: date = date(2025, 9, 18),
    agency: str = "H40",
    signing_time: datetime = SIGNED_AT,
) -> bytes:
    """The agency's signed envelope of ``pdf`` (an unsaved report: nothing is stored)."""
    report = MinistryReport(
        agency=Unit(name=f"UBND {agency}", code=agency),
        kind=kind,
        number=number,
        report_date=report_date,
        signer_name="Lê Hồng Vinh",
        document=pdf,
    )
    return sign_document(envelope(report), signer, signing_time=signing_time)
