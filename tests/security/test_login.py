"""Login throttling (django-axes), password policy, TOTP second factor, audit of logins."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cbccvc.models import AuditEvent
from orgtree.models import Role

LOGIN = reverse("admin:login")
PASSWORD = "Kho-doan-9-chu-cai"


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user("canbo.nhansu", password=PASSWORD, is_staff=True)


def _login(client: Client, username: str, password: str, token: str = "") -> object:
    data = {"username": username, "password": password, "next": "/admin/"}
    if token:
        data["otp_token"] = token
    return client.post(LOGIN, data, REMOTE_ADDR="10.1.2.3")


def _totp(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def test_real_login_works_and_is_audited(officer):
    client = Client()
    response = _login(client, "canbo.nhansu", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    event = AuditEvent.objects.get(kind="login")
    assert event.user == officer and event.ip_address == "10.1.2.3"
    client.post(reverse("admin:logout"))
    assert AuditEvent.objects.filter(kind="logout", user=officer).exists()


def test_five_failures_lock_the_username_from_that_address(officer):
    from axes.models import AccessAttempt
    from axes.utils import reset

    client = Client()
    for _ in range(4):
        assert _login(client, "canbo.nhansu", "sai-mat-khau").status_code == 200
    locked = _login(client, "canbo.nhansu", "sai-mat-khau")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Tạm khóa đăng nhập" in page and "quản trị viên" in page
    # even the right password is refused now, from that address
    assert _login(client, "canbo.nhansu", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(kind="login_failed", username="canbo.nhansu").count() >= 5
    assert AuditEvent.objects.filter(kind="lockout", username="canbo.nhansu").exists()
    # another address is not locked (username + IP)
    other = Client()
    ok = other.post(
        LOGIN, {"username": "canbo.nhansu", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert ok.status_code == 302
    # the admin unlocks: the attempt record goes, the login works again
    assert AccessAttempt.objects.filter(username="canbo.nhansu").exists()
    reset(username="canbo.nhansu")
    assert _login(client, "canbo.nhansu", PASSWORD).status_code == 302


def test_password_policy():
    user = get_user_model()(username="nguyenvanan", first_name="An")
    for weak in ("ngắn-1", "1234567890123", "password123", "nguyenvanan1"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("Gio-thoi-qua-song-Lam", user)


def _enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="điện thoại", confirmed=True)


def test_login_asks_for_the_code_when_the_account_has_a_device(officer):
    device = _enrol(officer)
    client = Client()
    page = _login(client, "canbo.nhansu", PASSWORD)
    assert page.status_code == 200
    assert "nhập mã 6 số" in page.content.decode()
    wrong = _login(client, "canbo.nhansu", PASSWORD, token="000000")
    assert wrong.status_code == 200 and "Mã xác thực không đúng" in wrong.content.decode()
    # a wrong code counts as a failed login
    assert AuditEvent.objects.filter(kind="login_failed", username="canbo.nhansu").exists()
    # django-otp refuses every code for OTP_TOTP_THROTTLE_FACTOR (1 s) after a wrong one
    time.sleep(1.1)
    ok = _login(client, "canbo.nhansu", PASSWORD, token=_totp(device))
    assert ok.status_code == 302
    assert client.session.get("otp_device_id") == device.persistent_id


def test_a_code_without_a_device_is_ignored(officer):
    assert _login(Client(), "canbo.nhansu", PASSWORD, token="123456").status_code == 302


@override_settings(CBCCVC_OTP_REQUIRED=True)
def test_mandatory_second_factor_for_approvers(tree, user_with, officer):
    approver = user_with("pheduyet", (tree["H40"], Role.APPROVER))
    client = Client()
    client.force_login(approver)
    response = client.get("/admin/")
    enrol_url = reverse("second_factor")
    assert response.status_code == 302 and response["Location"] == enrol_url
    page = client.get(enrol_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "bắt buộc" in html
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    bad = client.post(enrol_url, {"otp_token": "000000"})
    assert bad.status_code == 200 and "Mã không đúng" in bad.content.decode()
    time.sleep(1.1)  # django-otp throttles a device for 1 s after a wrong code
    done = client.post(enrol_url, {"otp_token": _totp(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(kind="second_factor", user=approver).exists()
    # an HR officer without approve/admin roles is not forced
    hr_client = Client()
    hr_client.force_login(officer)
    assert hr_client.get("/admin/").status_code == 200


def test_security_headers_and_csp(officer):
    client = Client()
    login = _login(client, "canbo.nhansu", PASSWORD)
    cookie = login.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    response = client.get("/admin/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]
