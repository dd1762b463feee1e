"""The agency's signature on its reports to the ministry: the signed envelope over the PDF's
SHA-256 verifies with the ``xmlsec1`` command line and with our verifier, and the emulator (which
checks it with libxmlsec1) refuses an unsigned report, a tampered PDF or envelope, an envelope
for another report or agency, an untrusted or expired certificate — each with its precise
reason, storing nothing. Certificates, signing time and the ministry's clock are fixed dates."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from signing.trust import TrustStore
from signing.xmlsig import verify_document
from syncing import contract
from syncing.client import ContractError

from ..signing.test_xmlsec1_cli import DS, XADES, xmlsec1
from .conftest import NATIONAL_DB
from .report_signatures import RECEIVED_AT, SIGNED_AT, VALID_TO, fixed_ca, signed_envelope

PDF = b"%PDF-1.4\n% a report to the ministry\n"
NS = {"bc": contract.REPORT_ENVELOPE_NS}


@pytest.fixture(scope="module")
def ca():
    return fixed_ca()


@pytest.mark.database_free
def test_the_envelope_names_the_pdf_and_verifies_with_xmlsec1(ca, tmp_path: Path):
    signed = signed_envelope(PDF, ca.signer)
    root = etree.fromstring(signed)
    assert root.tag == f"{{{contract.REPORT_ENVELOPE_NS}}}BaoCaoKySo"
    assert root.findtext("bc:TepBaoCao", namespaces=NS) == hashlib.sha256(PDF).hexdigest()
    assert root.find("bc:TepBaoCao", NS).get("kichThuoc") == str(len(PDF))
    assert root.findtext("bc:SoKyHieu", namespaces=NS) == "125/BC-UBND"
    assert root.find("bc:CoQuan", NS).get("ma") == "H40"
    # our verifier, at the fixed receipt time
    result = verify_document(signed, TrustStore(anchors=[ca.root]), at=RECEIVED_AT)
    assert result.ok, result.codes
    assert result.signing_time == SIGNED_AT
    # libxmlsec1's command line, at the fixed signing time
    (tmp_path / "root.pem").write_bytes(ca.root_pem)
    (tmp_path / "signed.xml").write_bytes(signed)
    args = [
        xmlsec1(),
        "--verify",
        "--trusted-pem",
        str(tmp_path / "root.pem"),
        "--verification-gmt-time",
        SIGNED_AT.strftime("%Y-%m-%d %H:%M:%S"),
        "--id-attr:Id",
        f"{XADES}:SignedProperties",
        "--id-attr:Id",
        f"{DS}:KeyInfo",
        "--enabled-reference-uris",
        "empty,same-doc",
    ]
    done = subprocess.run(
        [*args, str(tmp_path / "signed.xml")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    # and it fails once the signed hash is changed: the check can fail
    other = signed.replace(
        hashlib.sha256(PDF).hexdigest().encode(), hashlib.sha256(b"x").hexdigest().encode()
    )
    (tmp_path / "tampered.xml").write_bytes(other)
    done = subprocess.run(
        [*args, str(tmp_path / "tampered.xml")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0


def _body(pdf: bytes, signature: bytes | None, **change) -> dict:
    body = {
        "kind": "software",
        "number": "125/BC-UBND",
        "report_date": "2025-09-18",
        "title": "Rà soát phần mềm",
        "document": base64.b64encode(pdf).decode(),
        "document_sha256": hashlib.sha256(pdf).hexdigest(),
    }
    if signature is not None:
        body["signature"] = base64.b64encode(signature).decode()
    body.update(change)
    return body


def _edit_envelope(signed: bytes) -> bytes:
    """The signed envelope with its number changed after signing."""
    return signed.replace(b"125/BC-UBND</", b"126/BC-UBND</")


STRANGER = fixed_ca("CA KHÔNG ĐƯỢC TIN CẬY")  # never trusted by the emulator


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("unsigned", "report_unsigned", "thiếu “signature”"),
        ("other_pdf", "report_signature_invalid", "tệp PDF gửi lên khác tệp đã ký số"),
        ("envelope_edited", "report_signature_invalid", "[content_modified]"),
        ("other_number", "report_signature_invalid", "SoKyHieu đã ký là “125/BC-UBND”"),
        ("other_agency", "report_signature_invalid", "không phải cơ quan của khóa kết nối (H40)"),
        ("untrusted", "report_signature_invalid", "[untrusted]"),
        ("expired", "report_signature_invalid", "[cert_expired]"),
        ("not_an_envelope", "report_signature_invalid", "không phải phong bì báo cáo"),
        ("not_base64", "request_invalid", "“signature” phải là Base64"),
    ],
)
@NATIONAL_DB
def test_the_ministry_refuses_a_report_whose_signature_does_not_hold(
    national_server, ca, case, code, reason
):
    from syncing.emulator.models import ReceivedReport
    from syncing.emulator.services import add_trust
    from syncing.emulator.state import state

    add_trust(ca.root_pem, "CA BÁO CÁO THỬ NGHIỆM")
    state.clock = lambda: RECEIVED_AT
    client = national_server.client(national_server.issue_key("H40"))
    signed = signed_envelope(PDF, ca.signer)
    other_pdf = PDF + b"% changed\n"
    if case == "expired":
        state.clock = lambda: VALID_TO.replace(year=VALID_TO.year + 1)
    body = {
        "unsigned": _body(PDF, None),
        "other_pdf": _body(other_pdf, signed),
        "envelope_edited": _body(PDF, _edit_envelope(signed)),
        "other_number": _body(PDF, signed, number="126/BC-UBND"),
        "other_agency": _body(PDF, signed_envelope(PDF, ca.signer, agency="H42")),
        "untrusted": _body(PDF, signed_envelope(PDF, STRANGER.signer)),
        "expired": _body(PDF, signed),
        "not_an_envelope": _body(PDF, _other_document(ca)),
        "not_base64": {**_body(PDF, None), "signature": "not base64!"},
    }[case]
    with pytest.raises(ContractError) as exc:
        client.request("POST", contract.PATH_REPORTS, json_body=body)
    assert (exc.value.code, exc.value.status) == (code, 400)
    assert reason in exc.value.message, exc.value.message
    assert not ReceivedReport.objects.exists()


def _other_document(ca) -> bytes:
    """A validly signed XML document that is not a report envelope."""
    from signing.xmlsig import sign_document

    return sign_document(b"<HoSo xmlns='urn:x'><a>1</a></HoSo>", ca.signer, signing_time=SIGNED_AT)


def test_the_fixed_dates_are_consistent():
    """The fixed clock lies inside the certificate's validity (the tests above rely on it)."""
    assert datetime(2025, 6, 1, tzinfo=UTC) < SIGNED_AT < RECEIVED_AT < VALID_TO
