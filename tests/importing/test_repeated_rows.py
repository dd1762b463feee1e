# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A person listed again under a section row whose unit nobody of the scope has ("II. ĐẢNG
ỦY"): when the same person (same ID, name and birth date) arrives from another row of the file,
the repeat is skipped with a warning naming both rows, not held; a repeat that says something
else (another phone) is named field by field and its values kept with the person's source data;
a person only under such a section is still held."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from transfer import jobs
from transfer.holding_models import HeldRow
from transfer.models import ImportedSourceData

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

HEADERS = [*PROFILE_HEADERS, "Điện thoại"]
PHONE = "0912345678"


def _row(n: int, phone: str = PHONE, upper: bool = False) -> list:
    row = [*person_row(n), phone]
    if upper:
        row[1] = row[1].upper()
    return row


def _section(text: str) -> list:
    return [text] + [None] * (len(HEADERS) - 1)


def _import(tmp_path, agency, hr, body: list[list]):
    path = write_xlsx(tmp_path / "ds.xlsx", {"DS": [HEADERS, *body]})
    plan = run_import([path], agency["home"], hr)
    return plan, {r.row: r for r in plan.rows if r.table == "profile"}


def _held(tmp_path, agency, hr, body: list[list]) -> dict[int, HeldRow]:
    """Import through a job (the refused rows go to the holding area): the held rows."""
    path = write_xlsx(tmp_path / "ds.xlsx", {"DS": [HEADERS, *body]})
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[(path.name, path)], dry_run=False, run="now"
    )
    return {h.row: h for h in HeldRow.objects.filter(job=job)}


def test_the_same_person_again_under_an_unknown_section_is_one_profile(tmp_path, agency, hr):
    plan, rows = _import(
        tmp_path,
        agency,
        hr,
        [
            _section("I. LÃNH ĐẠO"),
            _row(1),  # row 3
            _section("II. ĐẢNG ỦY"),
            _row(1, upper=True),  # row 5: the same person, in capitals
        ],
    )
    assert rows[3].action == "create"
    assert rows[5].action == "skip" and rows[5].errors == []
    (warning,) = rows[5].warnings
    assert "ds.xlsx" in warning and "trang DS" in warning and "dòng 3" in warning
    assert Profile.objects.filter(personal_id=rows[3].personal_id).count() == 1
    report = plan.report()["files"][0]
    assert report["error_list"] == []
    assert report["people"]["created"] == 1 and report["people"]["skipped"] == 1
    assert rows[3].warnings == []


def test_a_repeat_with_another_phone_is_not_dropped_silently(tmp_path, agency, hr):
    _plan, rows = _import(
        tmp_path,
        agency,
        hr,
        [
            _section("I. LÃNH ĐẠO"),
            _row(1),
            _section("II. ĐẢNG ỦY"),
            _row(1, phone="0987654321"),
        ],
    )
    assert rows[5].action == "skip"
    differs = [w for w in rows[5].warnings if "ghi khác dòng 3" in w]
    assert len(differs) == 1 and "Điện thoại" in differs[0] and "0987654321" in differs[0]
    assert PHONE in differs[0]
    assert any("dòng 5" in w and "0987654321" in w for w in rows[3].warnings)
    profile = Profile.objects.get(personal_id=rows[3].personal_id)
    assert profile.phone == PHONE  # the first row's value is not overwritten unasked
    kept = ImportedSourceData.objects.get(profile=profile).data["extra"]
    assert kept["Điện thoại (dòng 5)"] == "0987654321"


def test_the_repeat_is_not_held(tmp_path, agency, hr):
    held = _held(
        tmp_path, agency, hr, [_section("I. LÃNH ĐẠO"), _row(1), _section("II. ĐẢNG ỦY"), _row(1)]
    )
    assert held == {}
    assert Profile.objects.filter(personal_id=person_row(1)[4]).count() == 1


def test_a_person_only_under_an_unknown_section_is_still_held(tmp_path, agency, hr):
    held = _held(
        tmp_path,
        agency,
        hr,
        [
            _section("I. LÃNH ĐẠO"),
            _row(1),
            _section("II. ĐẢNG ỦY"),
            _row(2),  # row 5: nobody else brings this person
        ],
    )
    assert list(held) == [5]
    assert {p["column"] for p in held[5].problems} == {"Đơn vị"}
    assert Profile.objects.filter(personal_id=person_row(1)[4]).exists()
    assert not Profile.objects.filter(personal_id=person_row(2)[4]).exists()


def test_the_same_id_with_another_birth_date_is_still_held(tmp_path, agency, hr):
    other = _row(1)
    other[2] = "28/12/1970"
    held = _held(
        tmp_path, agency, hr, [_section("I. LÃNH ĐẠO"), _row(1), _section("II. ĐẢNG ỦY"), other]
    )
    assert list(held) == [5]
    assert Profile.objects.filter(personal_id=person_row(1)[4]).count() == 1
