# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Legacy exports of shapes the import was not written against (tests/importing/legacy_shapes.py)
go through the ``import_profiles`` command with no person lost: names NFC and right, birth dates
(with their precision) and sex right, layout rows skipped with their row numbers, refused rows
reported with every problem they have, and the people counted per file."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.management import call_command

from profiles.models import Profile
from transfer.models import ImportedSourceData

from .legacy_shapes import BUILDERS, Shape
from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _import(shape: Shape, unit, user, tmp_path) -> dict:
    report = tmp_path / f"{shape.name}.json"
    call_command(
        "import_profiles",
        str(shape.path),
        "--unit",
        unit.code,
        "--user",
        user.username,
        "--report",
        str(report),
    )
    return json.loads(report.read_text(encoding="utf-8"))


IDS = [b.__name__.removeprefix("shape_") for b in BUILDERS]


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_a_legacy_shape_loses_no_person(build, tmp_path, agency, hr):
    shape = build(tmp_path)
    report = _import(shape, agency["home"], hr, tmp_path)
    (file_report,) = report["files"]

    # every person arrived, with the right name, birth date, precision and sex
    stored = {p.personal_id: p for p in Profile.objects.all()}
    assert set(stored) == {p.pid for p in shape.people}, file_report["sheets"]
    for person in shape.people:
        profile = stored[person.pid]
        assert unicodedata.is_normalized("NFC", profile.full_name)
        assert profile.full_name == person.name
        assert profile.birth_date_precision == person.precision
        if person.precision == "day":
            assert profile.date_of_birth == person.dob
        else:
            assert profile.date_of_birth.year == person.dob.year
        assert profile.sex == ("2" if person.female else "1"), person.name

    # the people counted per file
    people = file_report["people"]
    assert people["created"] == len(shape.people)
    assert people["rejected"] == sum(1 for sheet, _ in shape.bad_rows if sheet in shape.layout_rows)

    # layout rows skipped with their row numbers, never people, never errors
    skipped: dict[str, set[int]] = {}
    for row in file_report["skipped_rows"]:
        skipped.setdefault(row["sheet"], set()).add(row["row"])
    for sheet, rows in shape.layout_rows.items():
        assert skipped.get(sheet, set()) == rows, (sheet, file_report["skipped_rows"])
    assert file_report["people"]["layout_rows_skipped"] == sum(map(len, shape.layout_rows.values()))

    # refused rows reported with every problem they have; nothing else is an error
    errors: dict[tuple[str, int], set[str]] = {}
    for e in file_report["error_list"]:
        if e["row"] is None:  # a sheet with no table: reported as such
            assert e["sheet"] in shape.unrecognised_sheets, e
            continue
        errors.setdefault((e["sheet"], e["row"]), set()).add(e["column"])
    unread = {s["sheet"] for s in file_report["sheets"] if s["table"] is None}
    assert unread == shape.unrecognised_sheets
    assert set(errors) == set(shape.bad_rows), file_report["error_list"]
    for key, columns in shape.bad_rows.items():
        assert columns <= errors[key], (key, file_report["error_list"])

    # a sex the file lacks comes from the ID, with a warning
    rows = {r["personal_id"]: r for r in report["rows"] if r["table"] == "profile"}
    for pid in shape.derived:
        assert any("chữ số thứ 4" in w for w in rows[pid]["warnings"])

    # unknown values are kept as written on the person's source data
    for pid, text in shape.kept.items():
        data = ImportedSourceData.objects.get(profile__personal_id=pid)
        assert text in data.data["unrecognised"].values()


def test_grade_titles_in_the_position_column_do_not_cost_the_person(tmp_path, agency, hr):
    from .legacy_shapes import shape_unicode_sections

    shape = shape_unicode_sections(tmp_path)
    report = _import(shape, agency["home"], hr, tmp_path)
    rows = [r for r in report["rows"] if r["table"] == "profile"]
    titled = [r for r in rows if r["original"].get("Chức vụ") in ("Chuyên viên", "Kế toán viên")]
    assert titled and all(r["action"] == "create" for r in titled)
    assert all(any("là tên ngạch" in w for w in r["warnings"]) for r in titled)
    # the unknown column "Số sổ BHXH" is kept as the source's extra data
    data = ImportedSourceData.objects.get(profile__personal_id=shape.people[0].pid)
    assert data.data["extra"]["Số sổ BHXH"] == "2500000000"
    assert data.file == shape.path.name and data.row > 0


def test_recognition_says_why_a_column_was_taken(tmp_path, agency, hr):
    from .legacy_shapes import shape_annotated_abbreviated

    shape = shape_annotated_abbreviated(tmp_path)
    report = _import(shape, agency["home"], hr, tmp_path)
    (sheet,) = report["files"][0]["sheets"]
    reasons = sheet["recognised_by"]
    assert reasons["1. Họ và tn"]["field"] == "full_name"
    assert reasons["1. Họ và tn"]["score"] < 100 and "gần giống" in reasons["1. Họ và tn"]["reason"]
    assert reasons["Số CCCD (12 số)"]["field"] == "personal_id"
    assert reasons["HSL*"]["field"] == "coefficient"
    assert reasons["QQ"]["field"] == "hometown_text"
    assert reasons["CV"]["field"] == "position_code"
