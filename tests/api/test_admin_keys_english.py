"""Issuing an API key in English: the page that shows the key once reads in English; the
key's label and the client's name stay as written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgtree.models import Role, UnitAssignment
from tests.english_wording import english_client, untranslated

pytestmark = pytest.mark.django_db


def test_the_issued_key_page_reads_in_english(agencies, django_user_model):
    admin_user = django_user_model.objects.create_user("a_admin", password="x", is_staff=True)
    UnitAssignment.objects.create(user=admin_user, unit=agencies["a"], role=Role.AGENCY_ADMIN)
    page = english_client(admin_user).post(
        reverse("admin:orgtree_apikey_add"),
        {
            "client": agencies["a_client"].pk,
            "label": "Phần mềm lương",
            "can_read": "on",
            "rate_per_minute": 600,
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert untranslated(html, data=["Phần mềm lương", agencies["a_client"].name]) == []
    assert "Copy the key now: the system keeps only its hash" in html
    assert "API key <strong>Phần mềm lương</strong> of the system" in html
