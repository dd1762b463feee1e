"""A query value longer than any filter needs is a 400 problem naming the parameter, on every
API view: ``?q=<100,000 characters>`` was a LIKE pattern SQLite refuses, a 500 (issue #14)."""

from __future__ import annotations

import pytest

from cbccvc.api.mixins import MAX_QUERY_VALUE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/profiles/", "q"),
        ("/api/v1/profiles/", "personal_id"),
        ("/api/v1/units/", "q"),
        ("/api/v1/reconciliation/", "kind"),
    ],
)
def test_a_query_value_of_100000_characters_is_a_400_naming_it(api, agencies, path, name):
    response = api("a").get(path, {name: "x" * 100_000})
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["field"] == name
    assert error["message"] == f"Giá trị dài 100000 ký tự, tối đa {MAX_QUERY_VALUE}."


def test_a_search_at_the_limit_is_still_a_search(api, agencies):
    response = api("a").get("/api/v1/profiles/", {"q": "a" * MAX_QUERY_VALUE})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"] == []
