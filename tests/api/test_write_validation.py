"""The model's checks run before every write through the API: a duplicate is a 400 problem."""

from __future__ import annotations

import pytest

from profiles.models import QualityAssessment

pytestmark = pytest.mark.django_db

PROFILES = "/api/v1/profiles/"


def test_a_second_assessment_for_the_same_year_is_a_400_problem(api, agencies):
    client = api("a")
    url = f"{PROFILES}{agencies['a_profile'].pk}/assessments/"
    first = client.post(url, {"year": 2023, "rating_code": "HTT"})
    assert first.status_code == 201, first.content
    again = client.post(url, {"year": 2023, "rating_code": "HTXSNV"})
    assert again.status_code == 400, again.content
    assert again["Content-Type"] == "application/problem+json"
    other = client.post(url, {"year": 2022, "rating_code": "HTT"})
    assert other.status_code == 201, other.content
    # moving the 2022 row onto 2023 is the same duplicate
    row = f"{url}{other.json()['id']}/"
    etag = client.get(row)["ETag"]
    moved = client.patch(row, {"year": 2023}, **{"If-Match": etag})
    assert moved.status_code == 400, moved.content
    assert sorted(QualityAssessment.objects.values_list("year", flat=True)) == [2022, 2023]


def test_a_profile_in_an_unknown_unit_is_a_400_naming_the_unit(api, agencies):
    """The deep schemathesis run's POST /profiles/ with ``unit: 0``: a reference the schema
    cannot rule out, refused with the field and the code its fuzz check tolerates."""
    from profiles.models import Profile

    before = Profile.objects.count()
    body = {"unit": 0, "personal_id": "0", "full_name": "0", "sex": "0"}
    body |= {"date_of_birth": "2000-01-01", "email": "0@0.com", "change_reason": "0"}
    response = api("a").post(PROFILES, body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("unit", "does_not_exist") in errors
    assert Profile.objects.count() == before


def test_a_form_encoded_body_is_refused_with_415(api, agencies):
    """The deep schemathesis run sent ``last_verified_at=null`` as a form field, where null can
    only be the text "null": bodies are JSON only (the import upload keeps its multipart)."""
    a = api("a")
    headers = {"Authorization": f"Bearer {a.token}"}
    url = f"{PROFILES}{agencies['a_profile'].pk}/family/"
    response = a.client.post(url, {"side": "own", "relation": "Bố"}, headers=headers)
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_submitting_a_profile_not_in_draft_is_a_409_conflict(api, agencies):
    """The deep schemathesis run submitted a profile twice: the second answer blamed the
    request (400) where the profile's state refuses it (409)."""
    from profiles.models import ProfileStatus

    client = api("a")
    profile = agencies["a_profile"]
    type(profile).objects.filter(pk=profile.pk).update(status=ProfileStatus.SUBMITTED)
    response = client.post(f"{PROFILES}{profile.pk}/submit/")
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/state_conflict")
