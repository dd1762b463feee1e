"""Resolving a review-queue pair in the browser: an HR officer of the merged Tỉnh Phú Thọ
compares two profiles of one person (one from each old system), picks per field, merges,
then undoes the merge from the history. Screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from orgtree import services
from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def pair(reference_data):
    from profiles.codelists import clear_cache, load_codelists
    from profiles.matching import PersonRecord, ProfileIndex
    from profiles.merging import propose_candidate
    from profiles.models import QualityAssessment
    from profiles.services import create_profile

    load_codelists()
    clear_cache()
    province = services.create_unit(
        name="Ủy ban nhân dân tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    home_affairs = services.create_unit(
        name="Sở Nội vụ",
        code="H25.01",
        parent=province,
        kind=Unit.Kind.DEPARTMENT,
        valid_from=date(2025, 7, 1),
    )
    common = dict(
        sex="2",
        date_of_birth=date(1988, 5, 12),
        birth_registration_province="025",
        birthplace_text="Tỉnh Phú Thọ",
        hometown_text="Tỉnh Phú Thọ",
        ethnicity="01",
        religion="00",
    )
    # the same woman, exported by the old Phú Thọ and the old Vĩnh Phúc software
    a = create_profile(
        unit=home_affairs,
        personal_id="025188001234",
        full_name="Nguyễn Thị Hòa",
        permanent_residence="Phường Việt Trì, tỉnh Phú Thọ",
        **common,
    )
    b = create_profile(
        unit=home_affairs,
        personal_id="025188001243",
        full_name="NGUYEN THI HOA",
        phone="0912345678",
        permanent_residence="Phường Vĩnh Yên, tỉnh Phú Thọ",
        **common,
    )
    QualityAssessment(profile=b, year=2024, rating_code="HTXS").save()
    index = ProfileIndex.for_unit(province)
    result = index.match(PersonRecord.from_profile(b), exclude=b.pk)
    cand = propose_candidate(a, result, other_profile=b, source="Vĩnh Phúc (phần mềm cũ)")
    hr = get_user_model().objects.create_user(
        "phutho.nhansu", password=PASSWORD, is_staff=True, first_name="Nguyễn Thị Nhân"
    )
    UnitAssignment.objects.create(user=hr, unit=province, role=Role.HR_OFFICER)
    return a, b, cand


def test_resolve_a_review_queue_pair(page, screenshot, pair):
    from profiles.models import MergeCandidate, Profile, ProfileMerge
    from profiles.services import snapshot

    a, b, cand = pair
    before_a, before_b = snapshot(a), snapshot(b)
    log_in(page, "phutho.nhansu", PASSWORD)
    page.goto("/admin/profiles/mergecandidate/")
    assert "Nguyễn Thị Hòa" in page.inner_text("#changelist")
    screenshot("1-hang-doi")
    page.click("#result_list a:has-text('Nguyễn Thị Hòa')")
    page.wait_for_selector("#bang-truong")
    assert "0912345678" in page.inner_text("#bang-truong")
    assert "Đánh giá, xếp loại" in page.inner_text("#bang-qua-trinh")
    # keep the old Phú Thọ address, take the phone from the other system
    page.check("tr[data-truong=permanent_residence] input[value=profile]")
    page.check("tr[data-truong=phone] input[value=other]")
    page.fill("#ly-do", "Cùng một người: đối chiếu hồ sơ giấy")
    screenshot("2-xem-xet")
    page.click("input[name=merge]")
    page.wait_for_selector(".messagelist")
    assert "Đã gộp" in page.inner_text(".messagelist")
    screenshot("3-da-gop")
    merged = Profile.objects.get(pk=a.pk)
    assert (merged.phone, merged.permanent_residence) == (
        "0912345678",
        "Phường Việt Trì, tỉnh Phú Thọ",
    )
    assert not Profile.objects.filter(pk=b.pk).exists()
    assert MergeCandidate.objects.get(pk=cand.pk).status == MergeCandidate.Status.MERGED

    page.goto("/admin/profiles/profilemerge/")
    page.click("a.button:has-text('Hoàn tác')")
    page.fill("#id_reason", "Thử hoàn tác")
    screenshot("4-hoan-tac")
    page.click("input[type=submit][value='Hoàn tác']")
    page.wait_for_selector(".messagelist")
    assert "Đã hoàn tác" in page.inner_text(".messagelist")
    screenshot("5-da-hoan-tac")
    assert snapshot(Profile.objects.get(pk=a.pk)) == before_a
    assert snapshot(Profile.objects.get(pk=b.pk)) == before_b
    assert ProfileMerge.objects.get().undone_at is not None
