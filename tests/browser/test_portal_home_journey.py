"""The approver lands on their work: the home page's "Chờ phê duyệt" card leads to the
profiles waiting for approval, in the approver's agency only. Screenshots under
``test-artifacts/screenshots/``."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def agencies(make_unit):
    from profiles.models import Profile
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    phu_tho = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    home_affairs = make_unit("Sở Nội vụ", parent=phu_tho, code="H25.01")
    nghe_an = make_unit("Ủy ban nhân dân tỉnh Nghệ An", code="H24", kind=Unit.Kind.PROVINCE_PC)

    def profile(unit: Unit, n: int, name: str, status: str):
        created = create_profile(
            unit=unit, **valid_fields(personal_id=f"0400850{n:05d}", full_name=name)
        )
        # the workflow state only: submitting is the HR officers' journey
        Profile.objects.filter(pk=created.pk).update(status=status, version_number=1)
        return created

    profile(home_affairs, 1, "Nguyễn Thị Hương", "submitted")
    profile(phu_tho, 2, "Trần Văn Đức", "submitted")
    profile(home_affairs, 3, "Lê Thị Lan", "draft")
    profile(phu_tho, 4, "Vũ Văn Ký", "approved")
    profile(nghe_an, 5, "Phan Văn Ngoài", "submitted")
    approver = get_user_model().objects.create_user(
        "phutho.pheduyet", password=PASSWORD, is_staff=True, first_name="Hoàng Văn Duyệt"
    )
    UnitAssignment.objects.create(user=approver, unit=phu_tho, role=Role.APPROVER)
    return approver


def test_approver_lands_on_the_home_page_and_opens_the_waiting_profiles(page, screenshot, agencies):
    log_in(page, "phutho.pheduyet", PASSWORD)
    assert re.search(r"/admin/$", page.url)
    section = page.locator("#portal-approver")
    assert "Việc của người phê duyệt, ký số" in section.inner_text()
    waiting = section.locator(".portal-card", has_text="Chờ phê duyệt")
    assert waiting.locator(".portal-card__count").inner_text() == "2"
    to_sign = section.locator(".portal-card", has_text="Đã phê duyệt, chờ ký số")
    assert to_sign.locator(".portal-card__count").inner_text() == "1"
    screenshot("trang-chu-nguoi-phe-duyet")

    waiting.get_by_role("link", name="Chờ phê duyệt").click()  # the card also links the inbox
    page.wait_for_selector("#result_list")
    screenshot("cho-phe-duyet")
    assert "status=submitted" in page.url
    names = page.locator("#result_list tbody th a").all_inner_texts()
    assert sorted(names) == ["Nguyễn Thị Hương", "Trần Văn Đức"]
    listed = page.inner_text("#result_list")
    assert "Lê Thị Lan" not in listed and "Phan Văn Ngoài" not in listed
