"""Issuing a key in the admin shows the secret once and stores only its hash; revoking works."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from orgtree.models import ApiKey, Role, UnitAssignment

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_issue_show_once_and_revoke(agencies, django_user_model):
    admin_user = django_user_model.objects.create_user("a_admin", password="x", is_staff=True)
    UnitAssignment.objects.create(user=admin_user, unit=agencies["a"], role=Role.AGENCY_ADMIN)
    browser = Client()
    browser.force_login(admin_user)
    page = browser.post(
        reverse("admin:orgtree_apikey_add"),
        {
            "client": agencies["a_client"].pk,
            "label": "Phần mềm lương",
            "can_read": "on",
            "rate_per_minute": 600,
        },
    )
    assert page.status_code == 200, page.content
    token = re.search(r"cbk_[0-9a-f]{8}_[-\w]+", page.content.decode()).group(0)
    key = ApiKey.objects.get(client=agencies["a_client"])
    assert key.created_by == admin_user
    secret = token.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().first())
    # the change page never shows it again
    change = browser.get(reverse("admin:orgtree_apikey_change", args=[key.pk]))
    assert secret not in change.content.decode()

    api = ApiClient(token)
    assert api.get("/api/v1/units/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.requests.count() == 1

    # a B client is not offered to A's admin
    foreign = browser.post(
        reverse("admin:orgtree_apikey_add"),
        {"client": agencies["b_client"].pk, "can_read": "on", "rate_per_minute": 600},
    )
    assert not ApiKey.objects.filter(client=agencies["b_client"]).exists()
    assert foreign.status_code == 200

    browser.post(
        reverse("admin:orgtree_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.history.first().history_user == admin_user
    assert api.get("/api/v1/units/").status_code == 401
