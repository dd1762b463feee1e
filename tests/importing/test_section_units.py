# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Section rows that name a unit ("II. Sở Y tế", "Phòng Tài chính - Kế hoạch") put the people
below them in that unit when it is one of the importing user's scope; a section naming a unit
nobody (or several units) of the scope has holds its people, with a problem that names the
section row, under the column "Đơn vị"; fixed in the holding area, they import."""

from __future__ import annotations

import pytest

from orgtree.models import Role, Unit
from profiles.models import Profile
from transfer import holding, jobs
from transfer.holding_models import HeldRow
from transfer.sections import SectionUnits, Unresolved, split_numbering

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    make_user,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def districts(agency, make_unit):
    """Two districts of the province, each with its own "Phòng Tài chính - Kế hoạch"."""
    out = {}
    for code, name in (("H25.10", "UBND huyện Lâm Thao"), ("H25.11", "UBND huyện Thanh Ba")):
        district = make_unit(name, parent=agency["root"], code=code)
        office = make_unit("Phòng Tài chính - Kế hoạch", parent=district, code=f"{code}.01")
        out[code] = (district, office)
    out["root"] = Unit.objects.get(pk=agency["root"].pk)  # its tree fields as they are now
    return out


def _sheet(tmp_path, blocks, name="ds.xlsx"):
    rows = [PROFILE_HEADERS]
    n = 0
    for section, count in blocks:
        if section:
            rows.append([section] + [None] * (len(PROFILE_HEADERS) - 1))
        for _ in range(count):
            n += 1
            rows.append(person_row(n))
    return write_xlsx(tmp_path / name, {"DS": rows})


def _units(plan) -> list[str | None]:
    out = []
    for r in plan.rows:
        if r.table == "profile":
            unit = r.values.get("unit") or r.values.get("unit_id")
            if isinstance(unit, int):
                unit = Unit.objects.get(pk=unit)
            out.append(unit.code if isinstance(unit, Unit) else None)
    return out


def test_numbering_levels():
    assert split_numbering("II. Sở Y tế") == (1, "Sở Y tế")
    assert split_numbering("II Phòng Nội vụ") == (1, "Phòng Nội vụ")
    assert split_numbering("1. Phòng Tổ chức cán bộ") == (2, "Phòng Tổ chức cán bộ")
    assert split_numbering("b) Ban Tổ chức") == (3, "Ban Tổ chức")
    assert split_numbering("Văn phòng Sở") == (0, "Văn phòng Sở")


def test_a_section_within_the_enclosing_unit_decides_between_namesakes(
    tmp_path, agency, hr, districts
):
    path = _sheet(
        tmp_path,
        [
            ("I. UBND huyện Lâm Thao", 1),
            ("1. Phòng Tài chính - Kế hoạch", 2),
            ("II. UBND HUYỆN THANH BA", 0),
            ("1. Phòng Tài chính – Kế hoạch", 1),
            ("a) Công chức", 1),  # a group below the office: its people stay in it
            ("2. Hợp đồng lao động", 1),  # a group beside the office: back to the district
        ],
    )
    plan = run_import([path], districts["root"], hr, dry_run=True)
    assert _units(plan) == [
        "H25.10", "H25.10.01", "H25.10.01", "H25.11.01", "H25.11.01", "H25.11",
    ]  # fmt: skip
    assert all(r.action != "error" for r in plan.rows)
    skipped = plan.report()["files"][0]["skipped_rows"]
    assert [s.get("unit") for s in skipped] == [
        "H25.10", "H25.10.01", "H25.11", "H25.11.01", None, None,
    ]  # fmt: skip


def test_an_ambiguous_or_unknown_section_holds_its_people(tmp_path, agency, hr, districts):
    path = _sheet(
        tmp_path,
        [
            ("Phòng Tài chính - Kế hoạch", 1),  # two offices of the scope: which one?
            ("Phòng Văn hóa - Thông tin", 1),  # no such unit
            ("KHỐI ĐOÀN THỂ", 1),  # a group: the receiving unit
        ],
    )
    plan = run_import([path], districts["root"], hr)
    first, second, third = (r for r in plan.rows if r.table == "profile")
    assert first.action == second.action == "error" and third.action == "create"
    (p1,) = first.errors
    assert (p1.file, p1.sheet, p1.row, p1.column) == ("ds.xlsx", "DS", 3, "Đơn vị")
    assert "dòng 2" in p1.message and "khớp nhiều đơn vị" in p1.message
    assert "H25.10.01" in p1.message and "H25.11.01" in p1.message
    (p2,) = second.errors
    assert (p2.row, p2.column) == (5, "Đơn vị")
    assert "Phòng Văn hóa - Thông tin" in p2.message and "không khớp" in p2.message
    assert Profile.objects.get(personal_id=third.personal_id).unit == districts["root"]
    assert not Profile.objects.filter(personal_id__in=[first.personal_id, second.personal_id])


def test_a_unit_outside_the_scope_is_not_taken(tmp_path, agency, make_unit):
    make_unit("Sở Nội vụ", parent=agency["other"], code="H01.01")
    home_hr = make_user("home_hr", (agency["finance"], Role.HR_OFFICER))
    path = _sheet(tmp_path, [("Sở Nội vụ", 1)])  # only Phú Thọ's is below… the wrong agency
    plan = run_import([path], agency["finance"], home_hr, dry_run=True)
    (row,) = (r for r in plan.rows if r.table == "profile")
    # Phú Thọ's Sở Nội vụ and Hà Nội's are both outside this officer's scope: held
    assert row.action == "error" and row.errors[0].column == "Đơn vị"
    assert "không khớp đơn vị nào trong phạm vi" in row.errors[0].message


def test_a_held_row_fixed_in_the_holding_area_imports_into_its_unit(
    tmp_path, agency, hr, districts
):
    path = _sheet(tmp_path, [("Phòng Tài chính - Kế hoạch", 1)])
    job = jobs.start_import(
        user=hr, unit=districts["root"], files=[(path.name, path)], dry_run=False, run="now"
    )
    held = HeldRow.objects.get(job=job)
    cells = dict(held.cells)
    assert cells["Đơn vị"] == "Phòng Tài chính - Kế hoạch"
    assert "Đơn vị" in held.reasons() or "dòng nhóm" in held.reasons()
    held.cells = [[h, "H25.11.01" if h == "Đơn vị" else t] for h, t in held.cells]
    held.save()
    holding.reimport(hr, [held])
    held.refresh_from_db()
    assert held.status == HeldRow.Status.RESOLVED
    assert held.profile is not None and held.profile.unit.code == "H25.11.01"


def test_the_tree_is_read_only_when_a_section_row_needs_it(agency):
    reads = []

    def units() -> list[Unit]:
        reads.append(1)
        return list(Unit.objects.all())

    allowed = {agency["home"].pk, agency["finance"].pk}
    sections = SectionUnits(units, allowed, agency["home"])
    assert sections.current() is None and reads == []  # people rows alone: no read
    assert sections.section("I. Sở Tài chính", 3) == agency["finance"]
    assert sections.current() == agency["finance"]
    assert isinstance(sections.section("II. Phòng Kế hoạch", 7), Unresolved)
    assert isinstance(sections.current(), Unresolved)
    # Hà Nội's province is a unit, but not of this scope: its people are held
    assert isinstance(sections.section("Ủy ban nhân dân thành phố Hà Nội", 9), Unresolved)
    # a group row in capitals closes every section
    assert sections.section("KHỐI ĐOÀN THỂ", 11) is None
    assert sections.current() is None and reads == [1]
