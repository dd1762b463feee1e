# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A third set of legacy export shapes (tests/importing/unseen_shapes_3.py: Mẫu 2C form sheets,
people over two physical rows, CMND beside CCCD, streaming-writer .xlsx with inline strings, an
.xlsm template with a hidden field-code row and "1 - Nam" drop-downs, CSV cells with line breaks
and en-US dates, LibreOffice .ods, the "Trong đó: Nữ" tick block, the same people on two sheets,
FoxPro field names, the name and birth date in one cell, "Đ/c" before names, IDs not yet issued)
go through the ``import_profiles`` command with no person lost: each person checked field by
field, layout rows skipped with their row numbers, refused rows in the holding area with every
problem."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from transfer.models import ImportedSourceData

from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures
from .shape_check import assert_every_person_read, import_shape, shape_params
from .unseen_shapes_3 import (
    BUILDERS,
    shape_cmnd_beside_cccd,
    shape_continuation_rows,
    shape_female_tick_column,
    shape_macro_template_xlsm,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("build", shape_params(BUILDERS))
def test_a_third_set_shape_loses_no_person(build, tmp_path, agency, hr):
    assert_every_person_read(build, agency["root"], hr, tmp_path)


def test_the_old_cmnd_beside_the_cccd_is_kept_as_the_old_id(tmp_path, agency, hr):
    shape = shape_cmnd_beside_cccd(tmp_path)
    import_shape(shape, agency["root"], hr, tmp_path)
    stored = {p.personal_id: p.old_id_number for p in Profile.objects.all()}
    assert stored[shape.people[0].pid] == "130" + shape.people[0].pid[-6:]
    assert stored[shape.people[2].pid] == ""  # this person had only the CCCD


def _warnings(report) -> dict[str, list[str]]:
    return {r["personal_id"]: r["warnings"] for r in report["rows"] if r["table"] == "profile"}


def test_the_female_tick_gives_the_sex(tmp_path, agency, hr):
    shape = shape_female_tick_column(tmp_path)
    report = import_shape(shape, agency["root"], hr, tmp_path)
    for pid, warnings in _warnings(report).items():
        assert not any("chữ số thứ 4" in w for w in warnings), (pid, warnings)


def test_code_and_name_drop_down_values_are_read(tmp_path, agency, hr):
    shape = shape_macro_template_xlsm(tmp_path)
    report = import_shape(shape, agency["root"], hr, tmp_path)
    for pid, warnings in _warnings(report).items():
        assert warnings == [], (pid, warnings)
    assert {p.ethnicity for p in Profile.objects.all()} == {"01"}


def test_a_row_continuing_the_person_above_is_joined_to_its_cells(tmp_path, agency, hr):
    shape = shape_continuation_rows(tmp_path)
    report = import_shape(shape, agency["root"], hr, tmp_path)
    extra = {
        d.profile.personal_id: d.data["extra"]
        for d in ImportedSourceData.objects.select_related("profile")
    }
    first, fourth = shape.people[0].pid, shape.people[3].pid
    assert extra[first]["Chức vụ, đơn vị công tác"] == (
        "Chuyên viên Phòng Tổ chức - Sở Nội vụ tỉnh Phú Thọ"
    )
    assert extra[fourth]["Ghi chú"] == "Nâng lương trước thời hạn do lập thành tích"
    assert extra[shape.people[1].pid]["Chức vụ, đơn vị công tác"] == "Chuyên viên Phòng Tổ chức"
    warned = _warnings(report)[first]
    assert any("viết tiếp" in w and "đã nối" in w for w in warned), warned
