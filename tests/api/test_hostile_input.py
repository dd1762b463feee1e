"""Hostile input found by a hand probe of the API (issue #14): each one was a 500, and is now a
400 problem or an empty answer, whatever the value."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PROFILES = "/api/v1/profiles/"
DEEP_JSON = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _raw_post(client, path: str, body: bytes):
    headers = {"Authorization": f"Bearer {client.token}"}
    return client.client.post(path, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("path", [PROFILES, "{profile}family/", "{profile}assessments/"])
def test_json_nested_too_deep_is_a_400_problem(api, agencies, path):
    """100,000 nested arrays made Python's JSON decoder raise RecursionError, which DRF's
    parser does not catch (it catches ValueError): a 500 from a 200 KB body."""
    from profiles.models import Profile

    before = Profile.objects.count()
    path = path.format(profile=f"{PROFILES}{agencies['a_profile'].pk}/")
    response = _raw_post(api("a"), path, DEEP_JSON)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert Profile.objects.count() == before


HUGE = "1" * 40  # beyond a 64-bit integer: SQLite cannot even bind it


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/units/", "parent"),
        ("/api/v1/reconciliation/", "profile"),
        (PROFILES, "unit"),
    ],
)
def test_an_id_filter_beyond_any_id_matches_nothing(api, agencies, path, name):
    """``?parent=<40 digits>`` was an OverflowError on SQLite (a 500): a foreign key lookup does
    not get the range check Django gives an integer field's own lookups. It is an id no row
    has: an empty page."""
    response = api("a").get(path, {name: HUGE})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    negative = api("a").get(path, {name: "-" + HUGE})
    assert negative.status_code == 200, negative.content
    assert negative.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (PROFILES, "status"),
        ("/api/v1/units/", "status"),
        ("/api/v1/units/", "kind"),
        ("/api/v1/reconciliation/", "status"),
        ("/api/v1/reconciliation/", "kind"),
    ],
)
def test_an_empty_choice_filter_is_a_400_problem(api, agencies, path, name):
    """The stateful schemathesis phase: ``/reconciliation/?kind=`` answered every item, as if
    the filter were absent (django-filter's ChoiceFilter treats "" as "no filter"), although
    the schema allows only the listed values."""
    response = api("a").get(path, {name: ""})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert name in str(response.json())
    spaces = api("a").get(path, {name: "  "})
    assert spaces.status_code == 400, spaces.content
