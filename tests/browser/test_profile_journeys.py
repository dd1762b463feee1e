"""The profile workflow as people do it in the browser, in the merged Tỉnh Phú Thọ.

The data is made with the real services: the 2025 merger (``orgtree.scenarios``), profiles
through ``profiles.services.create_profile`` and the workflow. Each journey saves screenshots
under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from orgtree import services
from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"
LIST = "/admin/profiles/profile/"


def _person(**overrides):
    """Group-1 fields of a person born in Phú Thọ whose ID agrees with sex and birth year."""
    fields = dict(
        sex="2",
        birth_registration_province="025",
        birthplace_text="Xã Thanh Sơn, Huyện Thanh Sơn, Tỉnh Phú Thọ",
        hometown_text="Tỉnh Phú Thọ",
        ethnicity="01",
        religion="00",
        permanent_residence="Phường Việt Trì, tỉnh Phú Thọ",
        last_verified_at=date.today(),
    )
    fields.update(overrides)
    return fields


@pytest.fixture
def merged_province(transactional_db) -> Unit:
    """The new Tỉnh Phú Thọ of 1/7/2025, merged from three old trees by the real services."""
    from orgtree.scenarios import ensure_new_phu_tho

    return ensure_new_phu_tho()


@pytest.fixture
def phu_tho(merged_province, reference_data):
    """The merged province with two departments' people, one user per role, and another
    province with its own HR officer."""
    from profiles.codelists import clear_cache, load_codelists
    from profiles.services import create_profile

    # reference_data: birthplaces resolve through the real resolver
    load_codelists()
    clear_cache()
    province = merged_province
    home_affairs = Unit.objects.get(code="H25.01")
    education = Unit.objects.get(code="H25.03")
    nghe_an = services.create_unit(
        name="Ủy ban nhân dân tỉnh Nghệ An",
        code="H24",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    User = get_user_model()

    def user(username: str, full_name: str, unit: Unit, role: str):
        account = User.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=full_name
        )
        UnitAssignment.objects.create(user=account, unit=unit, role=role)
        return account

    people = SimpleNamespace(
        huong=create_profile(
            unit=home_affairs,
            **_person(personal_id="025188001234", full_name="Nguyễn Thị Hương",
                      date_of_birth=date(1988, 5, 12)),
        ),
        duc=create_profile(
            unit=education,
            **_person(personal_id="025079004321", full_name="Trần Văn Đức", sex="1",
                      date_of_birth=date(1979, 9, 2)),
        ),
        lan=create_profile(
            unit=education,
            **_person(personal_id="025190005678", full_name="Lê Thị Lan",
                      date_of_birth=date(1990, 1, 25)),
        ),
    )  # fmt: skip
    return SimpleNamespace(
        province=province,
        people=people,
        hr=user("phutho.nhansu", "Nguyễn Thị Nhân", province, Role.HR_OFFICER),
        approver=user("phutho.pheduyet", "Hoàng Văn Duyệt", province, Role.APPROVER),
        viewer=user("phutho.xem", "Đỗ Thị Xem", province, Role.VIEWER),
        outsider=user("nghean.nhansu", "Phan Văn Ngoài", nghe_an, Role.HR_OFFICER),
    )


@pytest.fixture
def other_page(browser, live_server):
    """A second browser (its own cookies) for a second person in the same journey."""
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", viewport={"width": 1366, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def search(page, text: str) -> str:
    page.goto(LIST)
    page.fill("#searchbar", text)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state("domcontentloaded")
    return page.inner_text("#changelist")


def run_action(page, names: list[str], action: str) -> None:
    """Tick the rows of ``names`` in the list and run ``action``."""
    for name in names:
        page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("#changelist-form button[name=index]")
    page.wait_for_load_state("domcontentloaded")


def messages(page) -> str:
    return page.inner_text("ul.messagelist") if page.locator("ul.messagelist").count() else ""


def test_hr_officer_finds_edits_and_submits_a_profile(page, screenshot, phu_tho):
    from profiles.models import Profile, ProfileStatus

    huong = phu_tho.people.huong
    log_in(page, "phutho.nhansu", PASSWORD)

    found = search(page, "nguyen thi huong")  # typed without diacritics
    screenshot("tim-theo-ten-khong-dau")
    assert "Nguyễn Thị Hương" in found
    assert "Trần Văn Đức" not in found and "Lê Thị Lan" not in found

    found = search(page, "025188001234")
    assert "Nguyễn Thị Hương" in found and "Trần Văn Đức" not in found
    page.click("#result_list a:has-text('Nguyễn Thị Hương')")
    page.wait_for_selector("#profile_form")
    screenshot("mo-ho-so")
    # one tab per data group of Decree 27/2026; the overview (checks, versions) opens first
    tabs = page.locator(".profile-tabs button.profile-tab").all_inner_texts()
    assert tabs[:3] == ["Tổng quan", "1. Cá nhân", "2. Gia đình"]
    assert "10. Sức khỏe" in tabs
    body = page.inner_text("#content")
    assert "kết quả kiểm tra dữ liệu" in body.lower()
    assert "Quá trình công tác" not in body  # another tab's content is hidden
    finding = huong.findings.order_by("pk").first()
    assert finding is not None and finding.message in body  # the stored finding is shown
    page.click("button.profile-tab:has-text('3–4. Công tác')")
    # the tab's tables are loaded when it is opened (profiles.lazy_inlines)
    page.wait_for_selector("#work_history-group:not(.lazy-inline)", state="attached")
    assert "Quá trình công tác" in page.inner_text("#content")
    assert "kết quả kiểm tra dữ liệu" not in page.inner_text("#content").lower()
    screenshot("tab-cong-tac")

    page.click("button.profile-tab:has-text('1. Cá nhân')")
    date_input = page.locator("#id_date_of_birth")
    assert date_input.input_value() == "12/05/1988"  # shown the Vietnamese way
    date_input.fill("21/05/1988")
    page.click("button.profile-tab:has-text('Tổng quan')")
    page.fill("#id_change_reason", "Sửa ngày sinh theo giấy khai sinh")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    screenshot("da-luu")
    assert "thành công" in messages(page)
    huong.refresh_from_db()
    assert huong.date_of_birth == date(1988, 5, 21)
    assert huong.history.first().history_change_reason == "Sửa ngày sinh theo giấy khai sinh"

    search(page, "Nguyễn Thị Hương")
    run_action(page, ["Nguyễn Thị Hương"], "submit_selected")
    screenshot("da-trinh")
    assert "Đã trình: 1 hồ sơ" in messages(page)
    assert Profile.objects.get(pk=huong.pk).status == ProfileStatus.SUBMITTED


def test_a_work_history_unit_is_found_by_typing_its_name(page, screenshot, phu_tho):
    """Unit fields are search boxes (a province has thousands of units): typing a name without
    diacritics offers the active units of the officer's scope, and picking one fills the row."""
    log_in(page, "phutho.nhansu", PASSWORD)
    page.goto(f"{LIST}{phu_tho.people.huong.pk}/change/")
    page.click("button.profile-tab:has-text('3–4. Công tác')")
    page.click("#work_history-group .add-row a")
    # the history table is wider than the page: it scrolls inside its box, the page does not
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#work_history-0 .field-unit .select2-selection")
    # opening the box lists the units of the officer's scope, without another province's
    page.wait_for_selector(".select2-results__option:has-text('[H25]')")
    offered = page.locator(".select2-results__option").all_inner_texts()
    assert any("[H25.01]" in text for text in offered)
    assert not any("[H24" in text for text in offered)
    page.fill(".select2-search__field", "giao duc")
    page.wait_for_selector(".select2-results__option:has-text('[H25]')", state="detached")
    page.wait_for_selector(".select2-results__option.loading-results", state="detached")
    offered = page.locator(".select2-results__option").all_inner_texts()
    screenshot("tim-don-vi-cong-tac")
    assert offered and all("Giáo dục" in text for text in offered), offered
    page.click(".select2-results__option:has-text('H25.03')")
    assert page.locator("#id_work_history-0-unit").input_value() == str(
        Unit.objects.get(code="H25.03").pk
    )


def test_approver_approves_in_bulk_and_rejects_with_a_reason(page, other_page, screenshot, phu_tho):
    from profiles import workflow
    from profiles.models import Profile, ProfileStatus

    people = phu_tho.people
    for person in (people.huong, people.duc, people.lan):
        workflow.submit(person, phu_tho.hr)

    log_in(page, "phutho.pheduyet", PASSWORD)
    page.goto(f"{LIST}?status=submitted")
    screenshot("cho-phe-duyet")
    run_action(page, ["Nguyễn Thị Hương", "Trần Văn Đức"], "approve_selected")
    screenshot("da-phe-duyet")
    assert "Đã phê duyệt: 2 hồ sơ" in messages(page)
    statuses = dict(Profile.objects.values_list("full_name", "status"))
    assert statuses["Nguyễn Thị Hương"] == statuses["Trần Văn Đức"] == ProfileStatus.APPROVED

    page.goto(f"{LIST}?status=submitted")
    run_action(page, ["Lê Thị Lan"], "reject_selected")
    page.fill("#id_reason", "Quê quán chưa khớp với giấy khai sinh")
    screenshot("ly-do-tra-lai")
    page.click("input[name=apply]")
    page.wait_for_selector("ul.messagelist")
    assert "Đã trả lại: 1 hồ sơ" in messages(page)
    assert Profile.objects.get(pk=people.lan.pk).status == ProfileStatus.DRAFT

    hr_page = other_page()
    log_in(hr_page, "phutho.nhansu", PASSWORD)
    hr_page.goto(f"/admin/profiles/profile/{people.lan.pk}/change/")
    hr_page.wait_for_selector("#profile_form")
    screenshot("can-bo-thay-ly-do-tra-lai", on=hr_page)
    notice = hr_page.inner_text(".rejection-notice")
    assert "Quê quán chưa khớp với giấy khai sinh" in notice
    assert "Hoàng Văn Duyệt" in notice


def test_viewer_sees_no_edit_buttons_and_another_province_finds_nothing(
    page, other_page, screenshot, phu_tho
):
    duc = phu_tho.people.duc
    log_in(page, "phutho.xem", PASSWORD)
    found = search(page, "tran van duc")
    screenshot("nguoi-xem-danh-sach")
    assert "Trần Văn Đức" in found
    assert page.locator(".object-tools a.addlink").count() == 0
    actions = page.locator("select[name=action] option").all_inner_texts()
    assert not [a for a in actions if "Trình" in a or "Phê duyệt" in a or "Trả lại" in a]
    page.goto(f"/admin/profiles/profile/{duc.pk}/change/")
    screenshot("nguoi-xem-ho-so")
    assert "Trần Văn Đức" in page.inner_text("#content")
    assert page.locator("input[name=_save], input[name=_continue]").count() == 0
    assert page.locator("#id_full_name").count() == 0  # read-only text, not an input
    page.click("button.profile-tab:has-text('1. Cá nhân')")
    shown = page.inner_text("#profile_form")
    assert "Nam" in page.inner_text(".field-sex_name")  # coded values by name, not "1"
    assert "Kinh" in page.inner_text(".field-ethnicity_name")  # not "01"
    assert "None" not in shown and "Change reason" not in shown

    outsider = other_page()
    log_in(outsider, "nghean.nhansu", PASSWORD)
    assert "Trần Văn Đức" not in search(outsider, "tran van duc")
    assert "Trần Văn Đức" not in search(outsider, "025079004321")
    response = outsider.goto(f"/admin/profiles/profile/{duc.pk}/change/")
    assert "Trần Văn Đức" not in outsider.inner_text("body")
    assert response is not None and (response.status == 404 or "/admin/" in outsider.url)


def test_org_tree_expand_collapse_and_a_units_history(page, screenshot, merged_province):
    admin_user = get_user_model().objects.create_user(
        "phutho.quantri", password=PASSWORD, is_staff=True, first_name="Vũ Văn Trị"
    )
    UnitAssignment.objects.create(user=admin_user, unit=merged_province, role=Role.AGENCY_ADMIN)
    log_in(page, "phutho.quantri", PASSWORD)
    page.goto("/admin/orgtree/unit/")
    page.wait_for_selector(".tree-node")
    screenshot("cay-mo-rong")
    header = page.text_content("#result_list thead") or ""
    assert "Tên đơn vị" in header and "title" not in header.lower()
    finance = page.locator("#result_list tr", has_text="Sở Tài chính tỉnh Phú Thọ")
    assert finance.is_visible()

    page.click(".object-tools a:has-text('Thu gọn cây')")
    assert finance.is_hidden()
    screenshot("cay-thu-gon")
    page.click(".object-tools a:has-text('Mở rộng cây')")
    assert finance.is_visible()

    page.click("#result_list a:has-text('Sở Tài chính tỉnh Phú Thọ')")
    page.wait_for_selector("#unit_form")
    screenshot("don-vi")
    body = page.text_content("#content") or ""  # inner_text would give the CSS upper case
    assert "Các giai đoạn" in body
    assert "Sự kiện thay đổi liên quan" in body
    assert "01/07/2025" in body  # the merger's date, written the Vietnamese way
    assert "202/2025/QH15" in body  # its legal basis
