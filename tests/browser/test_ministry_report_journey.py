"""Letter 5034 in a real browser: the province's agency admin records an old system with its key
and the chosen system, asks the ministry to revoke the old key, produces the report to the
ministry, looks at its PDF, signs it with the agency's key, submits it, and the report arrives
in the emulator's national view (served over HTTP), shown as signed, where the old key shows
revoked and its administrator was told by e-mail."""

from __future__ import annotations

import pytest
from django.core import mail

from orgtree.models import Role, UnitAssignment
from tests.pdf_text import pdf_text

from .conftest import log_in

PASSWORD = "x-Password-123"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "national"]),
]


@pytest.fixture
def world(phutho_national, django_user_model):
    """The shared Phú Thọ set-up, an agency admin and an old program's key (Vĩnh Phúc)."""
    from signing.credentials import add_pkcs12_credential
    from syncing.emulator.keys import issue_key

    province = phutho_national.province
    admin = django_user_model.objects.create_user("quantri", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=admin, unit=province, role=Role.AGENCY_ADMIN)
    # the agency's signing key (TEST CA of the shared set-up), held by the admin who signs
    cred = phutho_national.ca.credentials[0]
    add_pkcs12_credential(admin, cred.pkcs12, cred.pin, label="Khóa ký số của UBND tỉnh")
    old = issue_key(
        agency_code="H25",
        software_name="HRM Vĩnh Phúc",
        admin_name="Trần Thị Vĩnh",
        admin_email="vinh@vinhphuc.gov.vn",
    )
    return {
        "province": province,
        "old_key": old.key,
        "conn": phutho_national.connection,
        "emulator": phutho_national.emulator,
        "pin": cred.pin,
    }


# ``world`` (and its emulator) first: torn down after the browser page, whose keep-alive
# connection to the emulator would otherwise outlive the emulator's shared test database
def test_record_choose_report_and_see_it_arrive(world, page, screenshot):
    from syncing.emulator.models import ConnectionKey, ReceivedReport
    from syncing.models import ReportSubmission

    province, old_key, conn = world["province"], world["old_key"], world["conn"]
    log_in(page, "quantri", PASSWORD)
    # 1. the old system of Vĩnh Phúc, with its key and the key administrator's contact
    page.goto("/admin/syncing/hrsystem/add/")
    page.select_option("#id_agency", str(province.pk))
    page.fill("#id_name", "HRM Vĩnh Phúc")
    page.fill("#id_vendor", "Viettel Vĩnh Phúc")
    page.fill("#id_version", "2019")
    page.fill("#id_profile_count", "38400")
    page.select_option("#id_status", "retired")
    page.click("#keys-group .add-row a")
    page.fill("#id_keys-0-key_id", old_key.key_id)
    page.fill("#id_keys-0-admin_name", "Trần Thị Vĩnh")
    page.fill("#id_keys-0-admin_position", "Chuyên viên CNTT")
    page.fill("#id_keys-0-admin_phone", "0211 3861 234")
    page.fill("#id_keys-0-admin_email", "vinh@vinhphuc.gov.vn")
    screenshot("1-he-thong-cu")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    # 2. the chosen system, holding the official connection's key
    page.goto("/admin/syncing/hrsystem/add/")
    page.select_option("#id_agency", str(province.pk))
    page.fill("#id_name", "cbccvc")
    page.check("#id_is_chosen")
    page.fill("#id_choice_reason", "Dùng chung cho toàn tỉnh; đã kết nối CSDL quốc gia.")
    page.click("#keys-group .add-row a")
    page.fill("#id_keys-0-key_id", conn.key_id)
    page.select_option("#id_keys-0-connection", str(conn.pk))
    page.fill("#id_keys-0-admin_name", "Nguyễn Văn Quản")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    # 3. the old key's revocation, asked of the ministry from the list
    mail.outbox.clear()
    page.check("#action-toggle")
    page.select_option("select[name=action]", "request_revocation")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist li")
    assert "đã thu hồi 1 khóa" in page.locator(".messagelist").inner_text()
    screenshot("2-thu-hoi-khoa-cu")
    assert ConnectionKey.objects.get(key_id=old_key.key_id).status == "revoked"
    assert ConnectionKey.objects.get(key_id=conn.key_id).status == "active"
    told = [m for m in mail.outbox if m.to == ["vinh@vinhphuc.gov.vn"]]
    assert told and "thu hồi" in told[0].subject
    # 4. the report: entered, produced, looked at, submitted
    page.goto("/admin/syncing/ministryreport/add/")
    page.select_option("#id_agency", str(province.pk))
    page.select_option("#id_kind", "software")
    page.fill("#id_number", "215/BC-UBND")
    page.fill("#id_place", "Phú Thọ")
    page.fill("#id_report_date", "18/07/2025")
    page.fill("#id_signer_name", "Nguyễn Văn Khánh")
    page.fill("#id_signer_position", "KT. Chủ tịch\nPhó Chủ tịch")
    page.click("input[name=_continue]")
    page.click("#report-produce")
    page.wait_for_selector("#report-pdf")
    with page.expect_popup() as popup:
        page.click("#report-pdf")
    pdf_page = popup.value
    pdf_page.wait_for_timeout(1500)
    screenshot("3-xem-bao-cao", on=pdf_page)
    pdf_page.close()
    # signed with the agency's key: the key chosen, its PIN typed
    assert "chưa ký số" in page.locator("#report-signature").inner_text()
    page.click("#report-sign")
    page.fill("#id_pin", world["pin"])
    screenshot("3b-ky-so")
    page.click("#report-sign-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "đã ký – Lê Văn Duyệt (THỬ NGHIỆM)" in page.locator("#report-signature").inner_text()
    page.click("#report-submit")
    page.wait_for_selector(".messagelist .success")
    record = ReportSubmission.objects.get()
    assert record.status == "accepted"
    assert record.receipt_id in page.locator(".messagelist").inner_text()
    assert record.receipt_id in page.locator(".inline-group").inner_text()
    screenshot("4-da-gui")
    # 5. the ministry's national view
    page.goto(world["emulator"].url + "/")
    row = page.locator("#agency-table tr[data-code=H25]")
    assert "215/BC-UBND" in row.inner_text()
    received = page.locator(f"#received-reports tr[data-receipt='{record.receipt_id}']")
    assert "215/BC-UBND" in received.inner_text()
    assert "đã ký – Lê Văn Duyệt (THỬ NGHIỆM)" in received.locator("td.signature").inner_text()
    screenshot("5-bo-noi-vu-nhan")
    document = bytes(ReceivedReport.objects.get().document)
    lines = pdf_text(document).splitlines()
    assert lines[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Khánh"]
    text = " ".join(lines)
    assert "vinh@vinhphuc.gov.vn" in text and "Đã thu hồi" in text
