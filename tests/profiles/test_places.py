"""Birthplace and home town go through the real place resolver on save."""

from profiles.models import Finding, Profile


def test_historic_province_resolves_and_split_commune_goes_to_review(make_profile, reference_data):
    p = make_profile(
        birthplace_text="Hà Tây",
        birthplace_province_code="",
        # Xã Kỳ Lợi (Thị xã Kỳ Anh, Hà Tĩnh) was split across three new wards on 1/7/2025
        hometown_text="Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh",
        hometown_province_code="",
    )
    p = Profile.objects.get(pk=p.pk)
    assert (p.birthplace_province_code, p.birthplace_needs_review) == ("01", False)
    assert p.hometown_province_code == "42"
    assert p.hometown_commune_code == ""
    assert p.hometown_needs_review is True
    assert Finding.objects.filter(profile=p, code="PLACE_REVIEW", field="hometown_text")
    assert not Finding.objects.filter(profile=p, field="birthplace_text")
