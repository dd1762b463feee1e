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


def test_a_value_too_long_for_its_column_is_left_out_and_the_person_imports(tmp_path, agency, hr):
    """A person is never dropped for a value that does not say who they are: the value is
    left out with a warning naming file, row and column, and kept as written."""
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
    assert actions(plan) == {"create": 4}
    by_row = {r.row: r for r in plan.rows}
    assert not any(r.errors for r in plan.rows)
    (long_warning,) = by_row[3].warnings
    assert long_warning.startswith("Thư điện tử “" + long_email) and "254" in long_warning
    assert "Vẫn nhập người này" in long_warning
    assert by_row[3].source["unrecognised"] == {"Thư điện tử": long_email}
    assert [p.column for p in by_row[3].soft] == ["Thư điện tử"]
    assert by_row[3].soft[0].row == 3 and by_row[3].soft[0].file == "a.xlsx"
    assert by_row[4].source["unrecognised"] == {"Thư điện tử": "khong-phai-email"}
    assert sorted(Profile.objects.values_list("email", flat=True)) == [
        "",
        "",
        "nguoi1@example.vn",
        "nguoi4@example.vn",
    ]
    assert Profile.objects.count() == 4


def test_a_refused_name_still_fails_the_row(tmp_path, agency, hr):
    """The values that say who the person is fail the row (it goes to the holding area)."""
    too_long = "Nguyễn " * 40 + "An"
    row = person_row(5)
    row[PROFILE_HEADERS.index("Họ và tên")] = too_long
    path = write_xlsx(tmp_path / "b.xlsx", {"DS": [HEADERS, [*row, ""], [*person_row(6), ""]]})
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"create": 1, "error": 1}
    (failed,) = [r for r in plan.rows if r.errors]
    assert [e.column for e in failed.errors] == ["Họ và tên"] and failed.row == 2
