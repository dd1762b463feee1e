# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A sheet of people without a personal-ID column (named, with birth dates or sexes) is read as
people: every row is held in the holding area for its missing ID ("Thiếu số định danh"), with
an empty ID cell to fill in; nobody is lost. A sheet that names people and nothing else that
tells a person (no birth date, no sex, no ID) is still reported as not recognised."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from transfer import holding, jobs
from transfer.holding_models import HeldRow

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

ID = "Số định danh cá nhân"


def _without(columns: set[str], n: int = 2) -> list[list]:
    keep = [i for i, h in enumerate(PROFILE_HEADERS) if h not in columns]
    rows = [PROFILE_HEADERS] + [person_row(i) for i in range(1, n + 1)]
    return [[r[i] for i in keep] for r in rows]


def test_every_row_is_held_and_comes_back_with_its_id(tmp_path, agency, hr):
    path = write_xlsx(tmp_path / "khong_so.xlsx", {"DS": _without({ID})})
    ids = [person_row(i)[PROFILE_HEADERS.index(ID)] for i in (1, 2)]
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[(path.name, path)], dry_run=False, run="now"
    )
    job.refresh_from_db()
    assert job.report["totals"]["errors"] == 2 and not Profile.objects.exists()
    held = list(HeldRow.objects.filter(job=job).order_by("row"))
    assert [(h.file, h.sheet, h.row) for h in held] == [
        ("khong_so.xlsx", "DS", 2),
        ("khong_so.xlsx", "DS", 3),
    ]
    for h in held:
        assert [p["column"] for p in h.problems] == [ID]
        assert "Thiếu số định danh" in h.problems[0]["message"]
        assert dict(h.cells)[ID] == "" and dict(h.cells)["Họ và tên"]
    for h, pid in zip(held, ids, strict=True):
        h.cells = [[c, pid if c == ID else t] for c, t in h.cells]
        h.save()
    holding.reimport(hr, held)
    assert set(Profile.objects.values_list("personal_id", flat=True)) == set(ids)
    assert not HeldRow.objects.filter(status=HeldRow.Status.OPEN).exists()


def test_birth_date_alone_is_enough_but_a_bare_name_list_is_not_people(tmp_path, agency, hr):
    dob_only = write_xlsx(tmp_path / "a.xlsx", {"DS": _without({ID, "Giới tính"})})
    plan = run_import([dob_only], agency["home"], hr, dry_run=True)
    assert [r.action for r in plan.rows] == ["error", "error"]
    assert plan.files[0].sheets[0]["missing_columns"] == [ID]
    names = write_xlsx(
        tmp_path / "b.xlsx",
        {"DS": [["STT", "Họ và tên", "Chức vụ"], [1, "Nguyễn Văn An", "Chuyên viên"]]},
    )
    plan = run_import([names], agency["home"], hr, dry_run=True)
    assert plan.rows == [] and plan.files[0].sheets[0]["table"] is None
    assert "Không nhận ra bảng" in plan.files[0].errors[0].message


def test_a_sheet_with_ids_is_read_as_before(tmp_path, agency, hr):
    path = write_xlsx(tmp_path / "co_so.xlsx", {"DS": _without(set())})
    plan = run_import([path], agency["home"], hr, dry_run=True)
    assert [r.action for r in plan.rows] == ["create", "create"]
    assert "missing_columns" not in plan.files[0].sheets[0]


def test_relatives_without_the_officers_id_are_not_read_as_people(tmp_path, agency, hr):
    # a family sheet that lost its "Số định danh cá nhân" column: its rows are relatives, not
    # people to hold for an ID; the sheet stays unrecognised (offered for mapping)
    rows = [["Quan hệ", "Họ và tên", "Ngày sinh", "Giới tính", "Nghề nghiệp"]]
    rows.append(["Con", "Nguyễn Văn Bé", "01/02/2010", "Nam", "Học sinh"])
    path = write_xlsx(tmp_path / "gia_dinh.xlsx", {"Gia đình": rows})
    plan = run_import([path], agency["home"], hr, dry_run=True)
    assert plan.rows == [] and plan.files[0].sheets[0]["table"] is None
