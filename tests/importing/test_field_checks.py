# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Every imported value passes the model's field checks before the write: the bad row is
reported with its column, the other rows are written."""

from __future__ import annotations

import pytest

from profiles.models import Profile

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    actions,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

HEADERS = [*PROFILE_HEADERS, "Thư điện tử"]


def test_a_value_too_long_for_its_column_fails_its_row_only(tmp_path, agency, hr):
    long_email = "a" * 295 + "@example.vn"
    assert len(long_email) > 300
    rows = [
        [*person_row(1), "nguoi1@example.vn"],
        [*person_row(2), long_email],
        [*person_row(3), "khong-phai-email"],
        [*person_row(4), "nguoi4@example.vn"],
    ]
    path = write_xlsx(tmp_path / "a.xlsx", {"DS": [HEADERS, *rows]})
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"create": 2, "error": 2}
    errors = {r.row: r.errors for r in plan.rows if r.errors}
    assert [e.column for e in errors[3]] == ["Thư điện tử"] and "254" in errors[3][0].message
    assert [e.column for e in errors[4]] == ["Thư điện tử"]
    assert sorted(Profile.objects.values_list("email", flat=True)) == [
        "nguoi1@example.vn",
        "nguoi4@example.vn",
    ]
