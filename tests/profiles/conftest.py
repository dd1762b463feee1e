"""Fixtures for the profiles tests: code lists loaded once per session, a small org tree,
users with roles, and a valid person (an ID consistent with birth date, sex and province)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()
    yield


@pytest.fixture
def tree(db):
    """Province PC H40 with two departments; the first has a division. A second province."""

    def unit(name, code, parent=None, kind=Unit.Kind.DEPARTMENT):
        return Unit.objects.create(
            name=name, code=code, kind=kind, parent=parent, valid_from=date(2020, 1, 1)
        )

    province = unit("UBND tỉnh Nghệ An", "H40", kind=Unit.Kind.PROVINCE_PC)
    finance = unit("Sở Tài chính", "H40.10", province)
    home = unit("Sở Nội vụ", "H40.11", province)
    budget = unit("Phòng Ngân sách", "H40.10.01", finance, Unit.Kind.DIVISION)
    other = unit("UBND tỉnh Hà Tĩnh", "H42", kind=Unit.Kind.PROVINCE_PC)
    fresh = {u.code: Unit.objects.get(pk=u.pk) for u in (province, finance, home, budget, other)}
    return fresh


@pytest.fixture
def user_with(db):
    def factory(username: str, *grants: tuple[Unit, str], superuser: bool = False):
        User = get_user_model()
        user = User.objects.create_user(
            username, password=None, is_staff=True, is_superuser=superuser
        )
        for unit, role in grants:
            UnitAssignment.objects.create(user=user, unit=unit, role=role)
        return User.objects.get(pk=user.pk)

    return factory


@pytest.fixture
def hr(tree, user_with):
    return user_with("canbo_tc", (tree["H40.10"], Role.HR_OFFICER))


@pytest.fixture
def approver(tree, user_with):
    return user_with("lanh_dao", (tree["H40"], Role.APPROVER))


def valid_fields(**overrides):
    """Group-1 fields of a person whose ID agrees with birth date (1985), sex (nam), province."""
    fields = dict(
        personal_id="040085001234",
        full_name="nguyễn văn  an",
        sex="1",
        date_of_birth=date(1985, 3, 14),
        birth_registration_province="040",
        birthplace_text="Nghệ An",
        birthplace_province_code="40",
        hometown_text="Nghệ An",
        hometown_province_code="40",
        ethnicity="01",
        religion="00",
        permanent_residence="Phường Vinh Tân, Nghệ An",
        last_verified_at=date.today(),
    )
    fields.update(overrides)
    return fields


@pytest.fixture
def make_profile(tree, reference_data):
    """Profiles resolve their places on save, so the reference data is always there."""
    from profiles.services import create_profile

    def factory(unit=None, **overrides):
        return create_profile(unit=unit or tree["H40.10.01"], **valid_fields(**overrides))

    return factory
