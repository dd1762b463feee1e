"""Bad input that used to end in a 500: a non-ASCII API key, an unknown TOTP device id."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgtree.apikeys import issue_key
from orgtree.models import IntegrationClient

pytestmark = pytest.mark.django_db


def test_a_non_ascii_api_key_is_401_not_500(make_unit):
    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    token = issue_key(IntegrationClient.objects.create(name="Lương", unit=unit)).token
    prefix = token.split("_")[1]
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/units/", headers={"Authorization": f"Bearer cbk_{prefix}_é"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "định dạng" in response.json()["detail"]


@override_settings(CBCCVC_OTP_REQUIRED=False, OTP_ADMIN_HIDE_SENSITIVE_DATA=False)
@pytest.mark.parametrize("view", ["config", "qrcode"])
def test_a_totp_device_the_user_may_not_see_is_404_whether_it_exists_or_not(view):
    users = get_user_model().objects
    owner = users.create_user("chu.thiet.bi", password="x-Password-123", is_staff=True)
    device = TOTPDevice.objects.create(user=owner, name="Điện thoại", confirmed=True)
    staff = users.create_user("nguoi.khac", password="x-Password-123", is_staff=True)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    url = "/admin/otp_totp/totpdevice/{}/" + view + "/"
    existing = client.get(url.format(device.pk))
    unknown = client.get(url.format(device.pk + 1000))
    assert (existing.status_code, unknown.status_code) == (404, 404)
    admin = users.create_superuser("quan.tri", password="x-Password-123")
    client.force_login(admin)
    assert client.get(url.format(device.pk)).status_code == 200
    assert client.get(url.format(device.pk + 1000)).status_code == 404
