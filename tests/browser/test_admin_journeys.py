"""A person's first steps: log in, see only their own part of the tree, search without
diacritics."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def hr_officer(make_unit):
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    make_unit("Sở Nội vụ", parent=province, code="H25.01")
    make_unit("Sở Giáo dục và Đào tạo", parent=province, code="H25.02")
    make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    user = get_user_model().objects.create_user(
        "phutho.nhansu", password=PASSWORD, is_staff=True, first_name="Trần Thị Nhân"
    )
    UnitAssignment.objects.create(user=user, unit=province, role=Role.AGENCY_ADMIN)
    return user


def test_log_in_and_find_a_unit_without_diacritics(page, screenshot, hr_officer):
    log_in(page, "phutho.nhansu", PASSWORD)
    screenshot("trang-chu")
    assert "Quản trị hồ sơ CBCCVC" in page.content()
    page.goto("/admin/orgtree/unit/")
    body = page.inner_text("body")
    assert "Sở Nội vụ" in body
    assert "Hà Nội" not in body  # another agency's tree is invisible
    page.fill("#searchbar", "GIAO DUC")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state("networkidle")
    screenshot("tim-don-vi")
    results = page.inner_text("#result_list")
    assert "Sở Giáo dục và Đào tạo" in results
    assert "Sở Nội vụ" not in results


def test_wrong_password_is_refused_in_vietnamese(page, hr_officer):
    page.goto("/admin/login/")
    page.fill("#id_username", "phutho.nhansu")
    page.fill("#id_password", "sai-mat-khau")
    page.click("input[type=submit]")
    assert "nhập đúng Tên đăng nhập và mật khẩu" in page.inner_text(".errornote")
