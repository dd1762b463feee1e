"""Security as a person meets it: the login form with its code field, the lockout page after
five wrong passwords, enrolling an authenticator app, and no page breaking the Content
Security Policy (a violation would mean a script or style the browser refused to run)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def approver(make_unit):
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    user = get_user_model().objects.create_user(
        "phutho.pheduyet", password=PASSWORD, is_staff=True, first_name="Lê Văn Duyệt"
    )
    UnitAssignment.objects.create(user=user, unit=province, role=Role.APPROVER)
    return user


def _csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_lockout_page_after_five_wrong_passwords(page, screenshot, approver):
    violations = _csp_violations(page)
    for _ in range(5):
        page.goto("/admin/login/")
        page.fill("#id_username", "phutho.pheduyet")
        page.fill("#id_password", "sai-mat-khau")
        page.click("input[type=submit]")
    screenshot("tam-khoa")
    body = page.inner_text("body")
    assert "Tạm khóa đăng nhập" in body and "thử lại sau 15 phút" in body
    assert "quản trị viên" in body and "Django" not in body
    assert violations == []


def test_enrol_an_authenticator_then_log_in_with_a_code(page, screenshot, approver, settings):
    settings.CBCCVC_OTP_REQUIRED = True
    violations = _csp_violations(page)
    page.goto("/admin/login/")
    screenshot("dang-nhap")
    page.fill("#id_username", "phutho.pheduyet")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/tai-khoan/xac-thuc-hai-lop/")
    screenshot("dang-ky-xac-thuc-hai-lop")
    assert page.locator(".qr svg").count() == 1
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.fill("#id_otp_token", f"{totp.token():06d}")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    screenshot("da-bat-xac-thuc-hai-lop")
    # next login asks for a code
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", "phutho.pheduyet")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert "nhập mã 6 số" in page.inner_text(".errornote")
    screenshot("can-ma-xac-thuc")
    assert page.input_value("#id_password") == PASSWORD  # only the code is left to type
    # The next code: each is accepted only once, and the server keeps the drift it saw
    # at enrolment (a code typed just before a 30 s boundary moves it by a step), so the
    # code is the one for the step after the last accepted one, not "now + 30 s".
    device.refresh_from_db()
    next_code = hotp(device.bin_key, device.last_t + 1, digits=device.digits)
    page.fill("#id_otp_token", f"{next_code:06d}")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    assert violations == []


def test_profile_pages_run_under_the_csp(page, screenshot, approver):
    """The profile list and the tabbed profile page (static JS, json_script data) work with
    script-src 'self' only."""
    violations = _csp_violations(page)
    approver.is_superuser = True
    approver.save()
    log_in(page, "phutho.pheduyet", PASSWORD)
    page.goto("/admin/profiles/profile/add/")
    page.wait_for_load_state("networkidle")
    screenshot("them-ho-so")
    assert violations == [], violations
