"""Every registered admin page answers a malformed object id with "not found" (a 404 or
Django's redirect to the list), never a 500: ``abc``, a negative id and one beyond 64 bits in
the change, history and delete URLs (issue #14; a probe of the demo found five pages that
raised ValueError, NoReverseMatch or OverflowError)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db(databases=["default", "national"])

IDS = ["abc", "-1", "9" * 30]
PAGES = ["change/", "history/", "delete/"]


def _changelists() -> list[str]:
    out = []
    for model in admin.site._registry:
        try:
            out.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    return sorted(out)


@pytest.fixture
def superuser_client() -> Client:
    user = get_user_model().objects.create_superuser("probe", "probe@example.com", "x")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_no_admin_page_fails_on_a_malformed_id(superuser_client):
    failures = []
    lists = _changelists()
    assert len(lists) > 40  # the registry was read
    for changelist in lists:
        for object_id in IDS:
            for page in PAGES:
                url = f"{changelist}{object_id}/{page}"
                response = superuser_client.get(url)
                if response.status_code >= 500:
                    failures.append(url)
    assert failures == []


def test_the_mismatch_unit_filter_with_a_value_no_unit_has_lists_nothing(
    superuser_client, make_unit, codelists_loaded
):
    """``?don_vi=abc`` raised ValueError and ``?don_vi=<24 digits>`` an OverflowError (the
    filter is shown, and so applied, only when some mismatch exists)."""
    from django.utils import timezone

    from profiles.services import create_profile
    from syncing.models import Mismatch
    from tests.profiles.conftest import valid_fields

    unit = make_unit("Sở Nội vụ", code="H25.01")
    profile = create_profile(unit=unit, **valid_fields())
    Mismatch.objects.create(
        external_id="1",
        profile=profile,
        kind="spelling",
        field="full_name",
        our_value=profile.full_name,
        population_value=profile.full_name + " A",
        since=timezone.localdate(),
        last_seen_at=timezone.now(),
    )
    url = reverse("admin:syncing_mismatch_changelist")
    shown = superuser_client.get(url, {"don_vi": str(unit.pk)})
    assert shown.status_code == 200
    assert profile.full_name in shown.content.decode()
    for value in ["abc", "9" * 24, "😀", "1.5"]:
        response = superuser_client.get(url, {"don_vi": value})
        assert response.status_code in (200, 302), (value, response.status_code)
        if response.status_code == 200:
            assert profile.full_name not in response.content.decode()
