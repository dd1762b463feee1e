# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Export to .xlsx: one sheet per table with the import's canonical headers; the round trip
export → import re-reads every row as "unchanged"; group 9 only with its permission."""

from __future__ import annotations

import pytest

from profiles.models import AssetDeclaration, Profile
from profiles.synthetic import generate_people
from transfer.columns import CHILD_SHEETS, PROFILE, recognise
from transfer.export import export_profiles

from .pipeline_fixtures import actions, agency, hr, run_import  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _sheets(path):
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_export_has_one_sheet_per_table_with_the_canonical_headers(tmp_path, agency):
    generate_people(agency["root"], 6, seed=3, validate=False)
    out = tmp_path / "xuat.xlsx"
    result = export_profiles(Profile.objects.all(), out, with_health=True)
    assert result.profiles == 6
    sheets = _sheets(out)
    assert next(iter(sheets)) == PROFILE.title
    assert "Tài sản, thu nhập" not in sheets  # group 9 only when asked
    export_profiles(Profile.objects.all(), tmp_path / "no-health.xlsx")
    assert "Sức khỏe" not in _sheets(tmp_path / "no-health.xlsx")  # group 10 only when asked
    for spec in (PROFILE, *CHILD_SHEETS[:-1]):
        rows = sheets[spec.title]
        assert rows[0] == [c.header for c in spec.exported()]
        match = recognise(rows, sheet_name=spec.title)
        assert match is not None and match.spec.key == spec.key, spec.key
    assert len(sheets[PROFILE.title]) == 7


def test_round_trip_export_then_import_is_unchanged_for_every_row(tmp_path, agency, hr):
    generate_people(agency["root"], 25, seed=7, validate=False)
    profile = Profile.objects.order_by("pk").first()
    AssetDeclaration.objects.create(profile=profile, year=2024, declared_on="2024-12-31")
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.all(), out, with_assets=True, with_health=True)
    hr.user_permissions.add(*_sensitive_permissions())
    hr = type(hr).objects.get(pk=hr.pk)
    history_before = Profile.history.count()
    plan = run_import([out], agency["root"], hr)
    counts = actions(plan)
    bad = [r.as_dict() for r in plan.rows if r.action != "unchanged"][:3]
    assert counts == {"unchanged": len(plan.rows)}, bad
    assert len(plan.rows) > 25 * 5  # the child tables came back too
    assert Profile.history.count() == history_before


def test_export_command_and_scope(tmp_path, agency):
    from django.core.management import call_command

    generate_people(agency["root"], 3, seed=5, validate=False)
    out = tmp_path / "cmd.xlsx"
    call_command("export_profiles", "--unit", "H25", "--out", str(out))
    assert len(_sheets(out)[PROFILE.title]) == 4
    other = tmp_path / "other.xlsx"
    call_command("export_profiles", "--unit", "H01", "--out", str(other))
    assert len(_sheets(other)[PROFILE.title]) == 1  # headers only: nobody in Hà Nội


def _sensitive_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=["view_assets_income", "view_health"])


def test_sensitive_sheets_are_refused_without_their_permission(tmp_path, agency, hr):
    """Importing group 9 or 10 would let a user learn the stored values ("unchanged"), so a
    user without the permission gets the sheet refused by name, and nothing of it is read."""
    from profiles.models import HealthRecord

    generate_people(agency["root"], 4, seed=11, validate=False)
    profile = Profile.objects.order_by("pk").first()
    AssetDeclaration.objects.create(profile=profile, year=2024, declared_on="2024-12-31")
    HealthRecord.objects.create(profile=profile, recorded_on="2024-06-01", status="Tốt")
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.all(), out, with_assets=True, with_health=True)

    plan = run_import([out], agency["root"], hr, dry_run=True)
    messages = [e.message for report in plan.files for e in report.errors]
    assert any("nhóm 9" in m and "bỏ qua" in m for m in messages), messages
    assert any("sức khỏe (nhóm 10)" in m and "bỏ qua" in m for m in messages), messages
    assert not {"asset_declarations", "health"} & {row.table for row in plan.rows}

    hr.user_permissions.add(*_sensitive_permissions())
    hr = type(hr).objects.get(pk=hr.pk)
    plan = run_import([out], agency["root"], hr, dry_run=True)
    assert {"asset_declarations", "health"} <= {row.table for row in plan.rows}
