"""Letter 5034 in a real browser, from the home page: the province's agency admin records the
three old provinces' HR systems (Phú Thọ, Vĩnh Phúc, Hòa Bình) with their keys and the chosen
system with its new key, activates the chosen key on the ministry's side (which revokes the
old Phú Thọ software's active key in the same operation), asks the ministry to revoke the two
other old keys, sees the new key states in the keys list, produces the report to the ministry,
looks at its PDF, signs it with the agency's key and submits it; the report arrives in the
emulator's national view (served over HTTP), shown as signed, where the old keys show revoked,
the new one active, and each key's administrator as told; the e-mails are in Django's outbox."""

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

# (system, vendor, version, profiles, key administrator, e-mail, state of its key before)
OLD_SYSTEMS = [
    ("QLCB tỉnh Phú Thọ", "VNPT Phú Thọ", "3.1", "41250", "Hoàng Văn Tùng", "tung@phutho.gov.vn",
     "active"),
    ("HRM Vĩnh Phúc", "Viettel Vĩnh Phúc", "2019", "38400", "Trần Thị Vĩnh",
     "vinh@vinhphuc.gov.vn", "issued"),
    ("QLHS CBCCVC Hòa Bình", "TT CNTT Hòa Bình", "2.0", "27300", "Bùi Văn Hòa",
     "hoa@hoabinh.gov.vn", "issued"),
]  # fmt: skip


@pytest.fixture
def world(phutho_national, django_user_model):
    """The shared Phú Thọ set-up, whose official connection holds the chosen software's key as
    the ministry issued it (not yet active, its administrator's e-mail on the ministry's
    register), an agency admin, and the three old provinces'
    keys on the ministry's side: the old Phú Thọ software's active (the one software the
    province used until the choice), the two others issued to the agency."""
    from signing.credentials import add_pkcs12_credential
    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import ConnectionKey

    province = phutho_national.province
    ConnectionKey.objects.filter(pk=phutho_national.key.pk).update(
        status=ConnectionKey.Status.ISSUED, activated_at=None, admin_email="quan@phutho.gov.vn"
    )
    admin = django_user_model.objects.create_user("quantri", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=admin, unit=province, role=Role.AGENCY_ADMIN)
    # the agency's signing key (TEST CA of the shared set-up), held by the admin who signs
    cred = phutho_national.ca.credentials[0]
    add_pkcs12_credential(admin, cred.pkcs12, cred.pin, label="Khóa ký số của UBND tỉnh")
    old_keys = [
        issue_key(
            agency_code="H25",
            software_name=name,
            admin_name=admin_name,
            admin_email=email,
            activate=state == "active",
        ).key
        for name, _vendor, _version, _count, admin_name, email, state in OLD_SYSTEMS
    ]
    return {
        "province": province,
        "old_keys": old_keys,
        "conn": phutho_national.connection,
        "emulator": phutho_national.emulator,
        "pin": cred.pin,
    }


def _open_from_home(page, model: str, *, add: bool = False) -> None:
    """Home page → "Tất cả chức năng" → the model's list (or its add form)."""
    page.click("#site-name a")
    page.click("summary.portal-models-title")
    row = page.locator(f".portal-models tr.model-{model}")
    row.locator("a.addlink" if add else "th a").click()


# ``world`` (and its emulator) first: torn down after the browser page, whose keep-alive
# connection to the emulator would otherwise outlive the emulator's shared test database
def test_record_choose_report_and_see_it_arrive(world, page, screenshot):
    from syncing.emulator.models import ConnectionKey, ReceivedReport
    from syncing.models import ReportSubmission

    province, old_keys, conn = world["province"], world["old_keys"], world["conn"]
    log_in(page, "quantri", PASSWORD)
    # 1. the three old provinces' systems, each with its key and its administrator's contact
    _open_from_home(page, "hrsystem", add=True)
    for n, (name, vendor, version, count, admin_name, email, state) in enumerate(OLD_SYSTEMS):
        page.select_option("#id_agency", str(province.pk))
        page.fill("#id_name", name)
        page.fill("#id_vendor", vendor)
        page.fill("#id_version", version)
        page.fill("#id_profile_count", count)
        page.select_option("#id_status", "retired")
        page.click("#keys-group .add-row a")
        page.fill("#id_keys-0-key_id", old_keys[n].key_id)
        page.select_option("#id_keys-0-state", state)
        page.fill("#id_keys-0-admin_name", admin_name)
        page.fill("#id_keys-0-admin_position", "Chuyên viên CNTT")
        page.fill("#id_keys-0-admin_phone", "0211 3861 234")
        page.fill("#id_keys-0-admin_email", email)
        if n == 1:
            screenshot("1-he-thong-cu")
        page.click("input[name=_addanother]")  # "Lưu và thêm mới": the next system's form
        page.wait_for_selector(".messagelist .success")
    # 2. the chosen system, holding the official connection's key (issued, not yet active)
    page.select_option("#id_agency", str(province.pk))
    page.fill("#id_name", "cbccvc")
    page.check("#id_is_chosen")
    page.fill("#id_choice_reason", "Dùng chung cho toàn tỉnh; đã kết nối CSDL quốc gia.")
    page.click("#keys-group .add-row a")
    page.fill("#id_keys-0-key_id", conn.key_id)
    page.select_option("#id_keys-0-state", "issued")
    page.select_option("#id_keys-0-connection", str(conn.pk))
    page.fill("#id_keys-0-admin_name", "Nguyễn Văn Quản")
    page.fill("#id_keys-0-admin_email", "quan@phutho.gov.vn")
    page.click("input[name=_save]")  # back to the list of systems
    page.wait_for_selector(".messagelist .success")
    assert page.locator("#result_list tbody tr").count() == 4
    # 3. the chosen key activated on the ministry's side: the old Phú Thọ software's active key
    #    is revoked in the same operation (one software per agency)
    mail.outbox.clear()
    page.check("#action-toggle")
    page.select_option("select[name=action]", "activate_chosen")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist li")
    message = page.locator(".messagelist").inner_text()
    assert f"đã kích hoạt khóa {conn.key_id}" in message and old_keys[0].key_id in message
    # 4. the two other old keys' revocation, asked of the ministry from the list
    page.check("#action-toggle")
    page.select_option("select[name=action]", "request_revocation")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist li")
    assert "đã thu hồi 2 khóa" in page.locator(".messagelist").inner_text()
    screenshot("2-thu-hoi-khoa-cu")
    national = {k.key_id: k.status for k in ConnectionKey.objects.filter(agency_code="H25")}
    assert national == {conn.key_id: "active", **{k.key_id: "revoked" for k in old_keys}}
    # the home page's card: no old key left, the latest changes; it leads to the keys list,
    # which shows the states the ministry answered
    page.click("#site-name a")
    card = page.locator(".portal-card", has_text="Khóa kết nối của hệ thống cũ chưa thu hồi")
    assert card.locator(".portal-card__count").inner_text() == "0"
    assert "Đã thu hồi" in card.locator(".portal-card__lines").inner_text()
    screenshot("2a-trang-chu")
    card.locator("a").first.click()  # the old keys still to revoke: none
    assert page.locator("#result_list").count() == 0
    assert page.locator(".paginator").inner_text().startswith("0 ")
    _open_from_home(page, "systemkey")
    for key, state in [(conn.key_id, "Đang hoạt động")] + [
        (k.key_id, "Đã thu hồi") for k in old_keys
    ]:
        row = page.locator("#result_list tbody tr", has_text=key)
        assert state in row.inner_text(), row.inner_text()
    screenshot("2b-khoa-ket-noi")
    # every key administrator was told by e-mail (Django's mail framework; locmem in tests)
    # by the ministry (its register) and by our side (the inventory's contact)
    told: dict[str, list[str]] = {}
    for message in mail.outbox:
        told.setdefault(message.to[0], []).append(message.subject)
    for _name, *_rest, email, _state in OLD_SYSTEMS:
        assert [s for s in told[email] if "thu hồi" in s and "[CSDL quốc gia" in s], told
        assert [s for s in told[email] if "thu hồi" in s and "[CSDL CBCCVC]" in s], told
    assert [s for s in told["quan@phutho.gov.vn"] if "đã được kích hoạt" in s], told
    assert [s for s in told["quan@phutho.gov.vn"] if "đang hoạt động" in s], told
    # 5. the report: entered, produced, looked at, signed, submitted
    _open_from_home(page, "ministryreport", add=True)
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
    # 6. the ministry's national view (another server: its address, no link from our side)
    page.goto(world["emulator"].url + "/")
    row = page.locator("#agency-table tr[data-code=H25]")
    assert "215/BC-UBND" in row.inner_text()
    received = page.locator(f"#received-reports tr[data-receipt='{record.receipt_id}']")
    assert "215/BC-UBND" in received.inner_text()
    assert "đã ký – Lê Văn Duyệt (THỬ NGHIỆM)" in received.locator("td.signature").inner_text()
    changes = page.locator("#key-changes")
    chosen_row = changes.locator(f"tr[data-key='{conn.key_id}']")
    assert chosen_row.get_attribute("data-status") == "active"
    assert "quan@phutho.gov.vn" in chosen_row.locator("td.notified").inner_text()
    for key, (name, *_rest, email, _state) in zip(old_keys, OLD_SYSTEMS, strict=True):
        old_row = changes.locator(f"tr[data-key='{key.key_id}']")
        assert old_row.get_attribute("data-status") == "revoked"
        assert name in old_row.inner_text() and email in old_row.locator("td.notified").inner_text()
    screenshot("5-bo-noi-vu-nhan")
    document = bytes(ReceivedReport.objects.get().document)
    lines = pdf_text(document).splitlines()
    assert lines[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Khánh"]
    text = " ".join(lines)
    for name, *_rest, email, _state in OLD_SYSTEMS:
        assert name in text and email in text
    assert text.count("Đã thu hồi") >= 3
