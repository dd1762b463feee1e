"""``POST/GET /api/v1/reports`` on both sides of the contract: what our client sends and what the
emulator answers validate against docs/national-api.yaml; the emulator keeps one record per
document, shows it in its national view and counts the agency as having reported; the admin
page produces and submits a report and records the ministry's receipt, scoped to the subtree."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import jsonschema
import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from orgtree.models import Role, UnitAssignment
from syncing import contract, report_documents
from syncing.client import ContractError
from syncing.emulator.models import ReceivedReport
from syncing.emulator.national_view import Stage, national_report
from syncing.models import (
    HrSystem,
    MinistryReport,
    ReportKind,
    ReportSubmission,
    SystemKey,
)
from tests.pdf_text import flat, pdf_text

from .conftest import NATIONAL_DB
from .report_signatures import RECEIVED_AT, fixed_ca, signed_envelope

pytestmark = NATIONAL_DB

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "docs" / "national-api.yaml").read_text("utf-8")
)
OPERATION = SPEC["paths"][contract.PATH_REPORTS]


def _schema(node: dict) -> dict:
    """A schema of the document with its ``#/components/...`` references resolvable."""
    return {**node, "components": SPEC["components"]}


def _validate(instance, node: dict) -> None:
    jsonschema.Draft202012Validator(
        _schema(node), format_checker=jsonschema.FormatChecker()
    ).validate(instance)


RESPONSE = OPERATION["post"]["responses"]["200"]["content"]["application/json"]["schema"]
REQUEST = OPERATION["post"]["requestBody"]["content"]["application/json"]["schema"]
LISTING = OPERATION["get"]["responses"]["200"]["content"]["application/json"]["schema"]
PDF = b"%PDF-1.4\n% a report\n"


def _sent_bodies(client) -> list[dict]:
    """The JSON bodies our client really puts on the wire (an httpx request hook)."""
    bodies: list[dict] = []
    client._http.event_hooks["request"].append(
        lambda request: bodies.append(json.loads(request.content)) if request.content else None
    )
    return bodies


@pytest.fixture
def signing_ca(national_server):
    """A TEST CA with fixed dates that the emulator trusts, and the emulator's clock fixed
    inside its validity."""
    from syncing.emulator.services import add_trust
    from syncing.emulator.state import state

    ca = fixed_ca()
    add_trust(ca.root_pem, "CA BÁO CÁO THỬ NGHIỆM")
    ticks = (RECEIVED_AT + timedelta(minutes=n) for n in itertools.count())
    state.clock = lambda: next(ticks)  # a minute per request: receipts in a known order
    return ca


def test_a_report_is_received_once_and_answers_by_the_contract(national_server, signing_ca):
    issued = national_server.issue_key("H40")
    client = national_server.client(issued)
    sent = _sent_bodies(client)
    signature = signed_envelope(PDF, signing_ca.signer)
    first = client.submit_report(
        kind="software",
        number="125/BC-UBND",
        report_date="2025-09-18",
        title="Rà soát phần mềm",
        document=PDF,
        signature=signature,
        signer_name="Lê Hồng Vinh",
    )
    _validate(sent[0], REQUEST)
    _validate(first, RESPONSE)
    assert first["status"] == "accepted" and first["agency_code"] == "H40"
    assert first["document_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert first["signed"] is True and first["signed_at"] == "2025-09-18T02:00:00+00:00"
    assert first["signature_certificate"] == "Lê Hồng Vinh (THỬ NGHIỆM)"
    assert first["received_at"] == RECEIVED_AT.isoformat()  # the ministry's (fixed) clock
    again = client.submit_report(
        kind="software",
        number="125/BC-UBND",
        report_date="2025-09-18",
        title="x",
        document=PDF,
        signature=signature,
    )
    _validate(again, RESPONSE)
    assert again["status"] == "already_received"
    assert again["receipt_id"] == first["receipt_id"]
    assert ReceivedReport.objects.count() == 1
    stored = ReceivedReport.objects.get()
    assert bytes(stored.document) == PDF and stored.key_id == issued.key.key_id
    assert bytes(stored.signature) == signature
    # a corrected report (other bytes) is a new receipt
    other = client.submit_report(
        kind="software",
        number="126/BC-UBND",
        report_date="2025-09-19",
        title="x",
        document=PDF + b"1",
        signature=signed_envelope(
            PDF + b"1", signing_ca.signer, number="126/BC-UBND", report_date=date(2025, 9, 19)
        ),
    )
    assert other["status"] == "accepted" and other["receipt_id"] != first["receipt_id"]
    listing = client.request("GET", contract.PATH_REPORTS)
    _validate(listing, LISTING)
    assert [r["receipt_id"] for r in listing["reports"]] == [
        other["receipt_id"],
        first["receipt_id"],
    ]
    # another agency sees none of them
    foreign = national_server.client(national_server.issue_key("H42"))
    assert foreign.list_reports() == []


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"kind": "budget"}, "“kind”"),
        ({"document": "not base64!"}, "Base64"),
        ({"document_sha256": "0" * 64}, "không khớp"),
        ({"number": ""}, "“number”"),
        ({"report_date": "18/09/2025"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_report_is_refused_with_a_documented_problem(national_server, change, detail):
    import base64

    client = national_server.client(national_server.issue_key("H40"))
    body = {
        "kind": "status",
        "number": "1/BC",
        "report_date": "2025-09-18",
        "title": "Tình hình",
        "document": base64.b64encode(PDF).decode(),
        "document_sha256": hashlib.sha256(PDF).hexdigest(),
        **change,
    }
    with pytest.raises(ContractError) as exc:
        client.request("POST", contract.PATH_REPORTS, json_body=body)
    assert exc.value.code == "request_invalid" and exc.value.status == 400
    assert detail in exc.value.message
    assert not ReceivedReport.objects.exists()


def test_not_a_pdf_is_refused(national_server):
    client = national_server.client(national_server.issue_key("H40"))
    with pytest.raises(ContractError, match="PDF"):
        client.submit_report(
            kind="status",
            number="1",
            report_date="2025-09-18",
            title="x",
            document=b"<html>",
            signature=None,
        )


# -- our side: produce, submit, record ------------------------------------------------------------
def _software_report(tree, connection) -> MinistryReport:
    chosen = HrSystem.objects.create(
        agency=tree["H40"],
        name="Phần mềm QLCB thử nghiệm",
        is_chosen=True,
        choice_reason="Đã kết nối CSDL quốc gia.",
    )
    SystemKey.objects.create(
        system=chosen, key_id=connection.key_id, connection=connection, admin_name="Nguyễn Văn Quản"
    )
    return MinistryReport.objects.create(
        agency=tree["H40"],
        kind=ReportKind.SOFTWARE,
        number="125/BC-UBND",
        place="Nghệ An",
        report_date=date(2025, 9, 18),
        signer_name="Lê Hồng Vinh",
        signer_position="Chủ tịch",
    )


def test_the_submitted_report_arrives_in_the_national_view(connection, national, tree, rsa_signer):
    from syncing.report_signing import sign_report

    report = _software_report(tree, connection)
    report_documents.produce(report)
    with pytest.raises(ValidationError, match="chưa ký số"):
        report_documents.submit(report)  # never sent unsigned
    sign_report(report, rsa_signer, acting_user=None)
    record = report_documents.submit(report)
    assert record.status == ReportSubmission.Status.ACCEPTED and record.receipt_id
    assert record.document_sha256 == report.document_sha256
    stored = ReceivedReport.objects.get(receipt_id=record.receipt_id)
    assert "Nguyễn Văn Quản" in flat(pdf_text(bytes(stored.document)))
    again = report_documents.submit(report)
    assert (again.status, again.receipt_id) == ("already_received", record.receipt_id)
    assert ReportSubmission.objects.filter(report=report).count() == 2
    row = next(a for a in national_report() if a.code == "H40")
    assert row.stage in (Stage.REPORTED, Stage.CONNECTED)
    assert [r.receipt_id for r in row.reports] == [record.receipt_id]
    assert bytes(stored.signature) == bytes(report.signature)
    page = httpx.get(national.url + "/", timeout=10).text
    assert record.receipt_id in page and "125/BC-UBND" in page
    assert "đã ký – Nguyễn Văn An (THỬ NGHIỆM)" in page  # the national view: signed, by whom
    pdf = httpx.get(f"{national.url}/reports/{record.receipt_id}.pdf", timeout=10)
    assert pdf.content == bytes(report.document)
    # producing again makes a new PDF: the old signature no longer covers it and is dropped
    report_documents.produce(report)
    report.refresh_from_db()
    assert report.signature is None and report.signed_at is None


def test_an_agency_that_only_sent_a_report_counts_as_reported(national_server, signing_ca):
    client = national_server.client(national_server.issue_key("H42", activate=False))
    from syncing.emulator.keys import activate_key, revoke_key

    activate_key(client.key_id)
    client.submit_report(
        kind="status",
        number="1",
        report_date="2025-09-18",
        title="x",
        document=PDF,
        signature=signed_envelope(PDF, signing_ca.signer, kind="status", number="1", agency="H42"),
    )
    revoke_key(client.key_id, "thử")
    row = next(a for a in national_report() if a.code == "H42")
    assert row.stage == Stage.REPORTED and row.reports


def test_a_failed_submission_is_recorded_with_its_reason(tree, rsa_signer):
    from syncing.report_signing import sign_report

    report = MinistryReport.objects.create(
        agency=tree["H42"],
        kind=ReportKind.STATUS,
        number="9/BC",
        report_date=date(2025, 9, 18),
        signer_name="A",
        signer_position="B",
    )
    with pytest.raises(ValidationError, match="chưa xuất tệp"):
        report_documents.submit(report)
    report_documents.produce(report, today=date(2025, 9, 18))
    with pytest.raises(ValidationError, match="chưa ký số"):
        report_documents.submit(report)
    sign_report(report, rsa_signer, acting_user=None)
    with pytest.raises(ValidationError, match="chưa có kết nối chính thức"):
        report_documents.submit(report)
    failed = ReportSubmission.objects.get(report=report)
    assert failed.status == ReportSubmission.Status.FAILED
    assert "chưa có kết nối chính thức" in failed.message


def test_the_admin_page_produces_and_submits_within_the_subtree(
    connection, tree, user_with, rsa_cred
):
    from signing.credentials import add_pkcs12_credential

    report = _software_report(tree, connection)
    admin = user_with("qtcq_nghean", (tree["H40"], Role.AGENCY_ADMIN))
    outsider = user_with("qtcq_hatinh", (tree["H42"], Role.AGENCY_ADMIN))
    web = Client()
    web.force_login(outsider)
    change = reverse("admin:syncing_ministryreport_change", args=[report.pk])
    produce = reverse("admin:syncing_ministryreport_produce", args=[report.pk])
    submit = reverse("admin:syncing_ministryreport_submit", args=[report.pk])
    sign = reverse("admin:syncing_ministryreport_sign", args=[report.pk])
    unknown = reverse("admin:syncing_ministryreport_change", args=[987654])
    assert web.get(change).status_code == web.get(unknown).status_code  # as for an unknown id
    assert web.post(produce).status_code == 404
    assert web.post(submit).status_code == 404
    assert web.get(sign).status_code == 404
    web.force_login(admin)
    credential = add_pkcs12_credential(admin, rsa_cred.pkcs12, rsa_cred.pin, label="Khóa ký")
    # the agency admin (no Django model permissions) may add keys to a system of its agency
    system_page = web.get(reverse("admin:syncing_hrsystem_add")).content.decode()
    assert 'name="keys-__prefix__-admin_email"' in system_page
    page = web.get(change)
    assert page.status_code == 200 and "report-produce" in page.content.decode()
    assert web.get(produce).status_code == 405  # producing writes: POST only
    web.post(produce)
    report.refresh_from_db()
    assert report.document and report.produced_by == admin
    pdf = web.get(reverse("admin:syncing_ministryreport_pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(report.document)
    docx = web.get(reverse("admin:syncing_ministryreport_docx", args=[report.pk]))
    assert docx.content.startswith(b"PK")
    # signed with the admin's own key; a wrong PIN signs nothing and says why
    assert "report-sign-form" in web.get(sign).content.decode()
    wrong = web.post(sign, {"credential": credential.pk, "pin": "00000000"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    report.refresh_from_db()
    assert report.signature is None
    assert "chưa ký số" in web.get(change).content.decode()
    web.post(sign, {"credential": credential.pk, "pin": rsa_cred.pin})
    report.refresh_from_db()
    assert report.signature and report.signed_by == admin
    assert "đã ký – Nguyễn Văn An (THỬ NGHIỆM)" in web.get(change).content.decode()
    answer = web.post(submit, follow=True)
    record = ReportSubmission.objects.get(report=report)
    assert record.submitted_by == admin and record.status == "accepted"
    assert record.receipt_id in answer.content.decode()
    # the submissions stay listed on the report's page (the message is shown once)
    assert record.receipt_id in web.get(change).content.decode()
    assert ReceivedReport.objects.filter(receipt_id=record.receipt_id).exists()
    # the outsider's list does not show it
    web.force_login(outsider)
    listing = web.get(reverse("admin:syncing_ministryreport_changelist")).content.decode()
    assert "125/BC-UBND" not in listing
    # nor the produced document, by guessing its address
    for view in ("pdf", "docx", "sign"):
        url = reverse(f"admin:syncing_ministryreport_{view}", args=[report.pk])
        assert web.get(url).status_code == 404
    assert UnitAssignment.objects.filter(user=outsider).count() == 1
