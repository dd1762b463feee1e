"""The approver's day in the inbox, in a real browser: home page → "Mở hộp duyệt hồ sơ" → a
resubmitted profile's changes since its approved version → return it with a comment → a first
submission → approve it. The database is checked after each step; screenshots under
``test-artifacts/screenshots/``."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment
from profiles import workflow
from profiles.models import FamilyMember, Profile, ProfileStatus, VersionStatus

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def inbox_world(make_unit, reference_data):
    from profiles.codelists import clear_cache, load_codelists
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    load_codelists()
    clear_cache()
    nghe_an = make_unit("Ủy ban nhân dân tỉnh Nghệ An", code="H40", kind=Unit.Kind.PROVINCE_PC)
    finance = make_unit("Sở Tài chính", parent=nghe_an, code="H40.10")
    ha_tinh = make_unit("Ủy ban nhân dân tỉnh Hà Tĩnh", code="H42", kind=Unit.Kind.PROVINCE_PC)
    User = get_user_model()
    hr = User.objects.create_user("nghean.nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=nghe_an, role=Role.HR_OFFICER)
    approver = User.objects.create_user(
        "nghean.pheduyet", password=PASSWORD, is_staff=True, first_name="Hoàng Văn Duyệt"
    )
    UnitAssignment.objects.create(user=approver, unit=nghe_an, role=Role.APPROVER)
    other_hr = User.objects.create_user("hatinh.nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=other_hr, unit=ha_tinh, role=Role.HR_OFFICER)

    def person(unit: Unit, n: int, name: str) -> Profile:
        return create_profile(
            unit=unit, **valid_fields(personal_id=f"0400850{n:05d}", full_name=name)
        )

    # approved once, then corrected by HR and submitted again
    huong = person(finance, 1, "Nguyễn Thị Hương")
    workflow.approve(workflow.submit(huong, hr), approver)
    huong = Profile.objects.get(pk=huong.pk)
    huong.full_name = "Nguyễn Thị Hường"
    huong._history_user = hr
    huong._change_reason = "Sửa theo giấy khai sinh"
    huong.save()
    row = FamilyMember(profile=huong, relationship_code="ME", full_name="Trần Thị Cúc")
    row._history_user = hr
    row.save()
    workflow.submit(Profile.objects.get(pk=huong.pk), hr)
    # a first submission
    duc = person(nghe_an, 2, "Trần Văn Đức")
    workflow.submit(duc, hr)
    # another province's profile, never shown
    outside = person(ha_tinh, 3, "Phan Văn Ngoài")
    workflow.submit(outside, other_hr)
    return {"approver": approver, "huong": huong, "duc": duc, "outside": outside}


def _version(profile: Profile, number: int):
    return Profile.objects.get(pk=profile.pk).versions.get(number=number)


def test_approver_returns_one_profile_and_approves_another(page, screenshot, inbox_world):
    huong, duc, outside = inbox_world["huong"], inbox_world["duc"], inbox_world["outside"]
    log_in(page, "nghean.pheduyet", PASSWORD)
    assert re.search(r"/admin/$", page.url)
    page.locator("#portal-approver").get_by_role("link", name="Mở hộp duyệt hồ sơ").click()
    page.wait_for_selector("#inbox-list")
    screenshot("1-hop-duyet")
    listed = page.inner_text("#inbox-list")
    assert "Nguyễn Thị Hường" in listed and "Trần Văn Đức" in listed
    assert "Phan Văn Ngoài" not in listed
    assert "nghean.nhansu" in listed  # the submitter

    # the resubmitted profile: what changed since the approved version
    page.get_by_role("link", name="Nguyễn Thị Hường").click()
    page.wait_for_selector("#diff")
    assert "phiên bản 1 (Đã phê duyệt)" in page.inner_text("#phien-ban-goc")
    name_row = page.locator("#diff-fields tr[data-field=full_name]")
    assert name_row.locator("del.diff-old").inner_text() == "ơ"
    assert name_row.locator("ins.diff-new").inner_text() == "ờ"
    family = page.locator(".diff-group[data-group=family]")
    assert "Thêm mới" in family.inner_text() and "ME – Mẹ" in family.inner_text()
    body = page.inner_text("#content")
    assert "None" not in body and "relationship_code" not in body
    screenshot("2-thay-doi")

    # return it with a comment
    page.fill("#id_reason", "Tên mẹ chưa khớp giấy khai sinh")
    page.click("button[name=action][value=return]")
    page.wait_for_selector("ul.messagelist")
    assert "Đã trả lại 1 hồ sơ." in page.inner_text("ul.messagelist")
    returned = _version(huong, 2)
    assert returned.status == VersionStatus.REJECTED
    assert returned.rejection_reason == "Tên mẹ chưa khớp giấy khai sinh"
    assert returned.decided_by == inbox_world["approver"]
    assert Profile.objects.get(pk=huong.pk).status == ProfileStatus.DRAFT
    assert "Nguyễn Thị Hường" not in page.inner_text("#content")  # left the inbox
    screenshot("3-da-tra-lai")

    # the first submission: its content, then approve
    page.get_by_role("link", name="Trần Văn Đức").click()
    page.wait_for_selector("#diff")
    assert "Lần trình đầu tiên" in page.inner_text("#phien-ban-goc")
    assert "01 – Kinh" in page.inner_text("#diff")
    screenshot("4-lan-dau")
    page.click("button[name=action][value=approve]")
    page.wait_for_selector("ul.messagelist")
    assert "Đã phê duyệt 1 hồ sơ." in page.inner_text("ul.messagelist")
    approved = _version(duc, 1)
    assert approved.status == VersionStatus.APPROVED
    assert approved.decided_by == inbox_world["approver"]
    assert Profile.objects.get(pk=duc.pk).status == ProfileStatus.APPROVED
    assert "Không có hồ sơ nào chờ phê duyệt." in page.inner_text("#content")
    screenshot("5-da-phe-duyet")
    # the other province's profile was never touched
    assert Profile.objects.get(pk=outside.pk).status == ProfileStatus.SUBMITTED


def test_approver_approves_several_after_confirming_open_errors(page, screenshot, inbox_world):
    huong, duc = inbox_world["huong"], inbox_world["duc"]
    # an error found after submission (e.g. a rule that changed); the workflow re-checks
    Profile.objects.filter(pk=duc.pk).update(error_count=1)
    log_in(page, "nghean.pheduyet", PASSWORD)
    page.locator("#portal-approver").get_by_role("link", name="Mở hộp duyệt hồ sơ").click()
    page.wait_for_selector("#inbox-list")
    assert "1 lỗi" in page.locator("#inbox-list tr", has_text="Trần Văn Đức").inner_text()
    page.check("#chon-tat-ca")
    assert page.locator("#inbox-list input[name=profile]:checked").count() == 2
    page.click("button[name=action][value=approve]")
    page.wait_for_selector("#ho-so-con-loi")
    assert "Trần Văn Đức" in page.inner_text("#ho-so-con-loi")
    assert "Nguyễn Thị Hường" not in page.inner_text("#ho-so-con-loi")
    screenshot("1-xac-nhan-loi")
    for profile in (huong, duc):  # nothing approved before the confirmation
        assert Profile.objects.get(pk=profile.pk).status == ProfileStatus.SUBMITTED
    page.get_by_role("button", name="Vẫn phê duyệt").click()
    page.wait_for_selector("ul.messagelist")
    assert "Đã phê duyệt 2 hồ sơ." in page.inner_text("ul.messagelist")
    screenshot("2-da-phe-duyet")
    assert _version(huong, 2).status == VersionStatus.APPROVED
    assert _version(duc, 1).status == VersionStatus.APPROVED
    assert _version(duc, 1).decided_by == inbox_world["approver"]


def test_the_submitter_sees_why_they_cannot_approve(page, screenshot, inbox_world):
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    approver = inbox_world["approver"]
    nghe_an = Unit.objects.get(code="H40")
    UnitAssignment.objects.create(user=approver, unit=nghe_an, role=Role.HR_OFFICER)
    own = create_profile(
        unit=nghe_an, **valid_fields(personal_id="040085000004", full_name="Lê Văn Tự")
    )
    workflow.submit(own, get_user_model().objects.get(pk=approver.pk))  # its new scope
    log_in(page, "nghean.pheduyet", PASSWORD)
    page.locator("#portal-approver").get_by_role("link", name="Mở hộp duyệt hồ sơ").click()
    row = page.locator("#inbox-list tr", has_text="Lê Văn Tự")
    assert "một người khác phải phê duyệt" in row.inner_text()
    row.get_by_role("link", name="Lê Văn Tự").click()
    page.wait_for_selector("#diff")
    button = page.locator("button[name=action][value=approve]")
    assert button.is_disabled()
    assert "Nguyên tắc hai người" in page.inner_text("#ly-do-khong-duyet")
    screenshot("nut-phe-duyet-bi-khoa")
    assert Profile.objects.get(pk=own.pk).status == ProfileStatus.SUBMITTED
    # at phone width the page and the list fit: wide tables scroll inside their box
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("390px-trang-duyet")
    page.get_by_role("link", name="Hộp duyệt hồ sơ").click()
    page.wait_for_selector("#inbox-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("390px-hop-duyet")
