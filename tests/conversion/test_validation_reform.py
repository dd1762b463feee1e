"""Validation reports place codes and units no longer in force, with the successor."""

from datetime import date

from orgtree import services as tree_services
from profiles.models import Finding, Profile
from profiles.validation import build_context, validate_profile

AFTER = date(2026, 1, 10)
BEFORE = date(2025, 3, 1)


def _findings(profile, code):
    return list(Finding.objects.filter(profile=profile, code=code).values_list("field", "message"))


def test_old_province_and_merged_commune_are_reported_with_successor(make_profile):
    p = make_profile()
    # codes left over from before the reform (the texts alone are resolved on edit only)
    Profile.objects.filter(pk=p.pk).update(
        hometown_province_code="26",  # Tỉnh Vĩnh Phúc, merged into Phú Thọ (25)
        permanent_residence_province_code="01",
        permanent_residence_commune_code="09544",  # Phường Vạn Phúc → Phường Hà Đông
    )
    validate_profile(p, build_context(AFTER))
    found = dict(_findings(p, "PLACE_NOT_IN_FORCE"))
    assert set(found) == {"hometown_province_code", "permanent_residence_commune_code"}
    assert "mã tỉnh 26 Tỉnh Vĩnh Phúc" in found["hometown_province_code"]
    assert "nay là Tỉnh Phú Thọ (25)" in found["hometown_province_code"]
    assert "Phường Hà Đông (09556)" in found["permanent_residence_commune_code"]


def test_codes_in_force_before_the_reform_are_not_reported(make_profile):
    p = make_profile()
    Profile.objects.filter(pk=p.pk).update(hometown_province_code="26")
    validate_profile(p, build_context(BEFORE))
    assert _findings(p, "PLACE_NOT_IN_FORCE") == []


def test_closed_unit_is_reported_with_its_successor(make_profile, tree):
    p = make_profile(unit=tree["H40.11"])
    _target, _event = tree_services.merge_units(
        [tree["H40.11"]], target=tree["H40.10"], effective_date=date(2025, 7, 1)
    )
    # legacy data: a profile still attached to the closed unit
    Profile.objects.filter(pk=p.pk).update(unit=tree["H40.11"])
    validate_profile(p, build_context(AFTER))
    [(field, message)] = _findings(p, "UNIT_NOT_IN_FORCE")
    assert field == "unit"
    assert "Sở Nội vụ" in message and "nay là Sở Tài chính [H40.10]" in message
