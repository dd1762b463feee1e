# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The family sheet of our own export comes back "unchanged": two children with the same name
and relationship are two rows, told apart by their birth year."""

from __future__ import annotations

import pytest

from profiles.models import FamilyMember, Profile
from profiles.synthetic import generate_people
from transfer.export import export_profiles

from .pipeline_fixtures import actions, agency, hr, run_import  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_two_children_of_the_same_name_survive_the_round_trip(tmp_path, agency, hr):
    generate_people(agency["root"], 3, seed=11, validate=False)
    profile = Profile.objects.order_by("pk").first()
    code = FamilyMember.objects.values_list("relationship_code", flat=True).first() or "CON"
    for year in (2001, 2005):
        FamilyMember.objects.create(
            profile=profile, relationship_code=code, full_name="Nguyễn Văn An", birth_year=year
        )
    before = FamilyMember.objects.filter(profile=profile).count()
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.all(), out)
    plan = run_import([out], agency["root"], hr)
    family = [r for r in plan.rows if r.table == "family"]
    assert family and {r.action for r in family} == {"unchanged"}, [
        r.as_dict() for r in family if r.action != "unchanged"
    ][:2]
    assert set(actions(plan)) == {"unchanged"}
    assert FamilyMember.objects.filter(profile=profile).count() == before
    years = set(
        FamilyMember.objects.filter(profile=profile, full_name="Nguyễn Văn An").values_list(
            "birth_year", flat=True
        )
    )
    assert years == {2001, 2005}
