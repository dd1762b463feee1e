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
