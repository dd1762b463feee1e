"""The review queue and the merge history through the admin (real HTTP via the test client)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from orgtree.models import Role
from profiles.matching import PersonRecord, ProfileIndex
from profiles.merging import propose_candidate
from profiles.models import MergeCandidate, Profile, ProfileMerge, QualityAssessment
from profiles.services import snapshot


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def candidate(make_profile, tree):
    a = make_profile(personal_id="040085001234", full_name="Nguyễn Văn An", phone="")
    b = make_profile(
        personal_id="040085001243",
        full_name="Nguyen Van An",
        phone="0912345678",
        permanent_residence="Xã Hưng Lộc, Nghệ An",
    )
    QualityAssessment(profile=b, year=2024, rating_code="HTXS").save()
    index = ProfileIndex.for_unit(tree["H40"])
    result = index.match(PersonRecord.from_profile(b), exclude=b.pk)
    assert result.profile_id == a.pk
    return propose_candidate(Profile.objects.get(pk=a.pk), result, other_profile=b)


def test_review_page_shows_both_sides_and_merges_with_the_picks(candidate, hr):
    client = _client(hr)
    listing = client.get(reverse("admin:profiles_mergecandidate_changelist"))
    assert listing.status_code == 200
    assert "Nguyễn Văn An" in listing.content.decode()
    url = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "0912345678" in html and "Xã Hưng Lộc, Nghệ An" in html
    assert "Đánh giá, xếp loại chất lượng hằng năm" in html
    assert 'value="Gộp"' in html and "Không phải cùng một người" in html
    b_id = candidate.other_profile_id
    response = client.post(
        url,
        {
            "merge": "Gộp",
            "keep": "profile",
            "f_full_name": "other",  # against the rules' proposal (the accented one)
            "f_phone": "other",
            "f_permanent_residence": "profile",
            "reason": "Cùng một người theo hồ sơ giấy",
        },
    )
    merge = ProfileMerge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:profiles_profilemerge_change", args=[merge.pk])
    a = Profile.objects.get(pk=candidate.profile_id)
    assert not Profile.objects.filter(pk=b_id).exists()
    assert (a.full_name, a.phone) == ("Nguyen Van An", "0912345678")
    assert a.permanent_residence == "Phường Vinh Tân, Nghệ An"  # the reviewer kept this one
    assert QualityAssessment.objects.filter(profile=a).count() == 1
    candidate.refresh_from_db()
    assert candidate.status == MergeCandidate.Status.MERGED and candidate.decided_by == hr
    assert merge.reason == "Cùng một người theo hồ sơ giấy"
    # a pick that overrides the rules is a decision; a pick equal to the proposal keeps its rule
    assert merge.decisions["full_name"]["rule"] == "decision"
    assert merge.decisions["phone"]["rule"] == "non_empty"
    assert merge.decisions["permanent_residence"]["rule"] == "survivor_default"
    detail = client.get(reverse("admin:profiles_profilemerge_change", args=[merge.pk]))
    assert detail.status_code == 200 and "Hoàn tác" in detail.content.decode()


def test_undo_from_the_merge_history_restores_both(candidate, hr):
    a, b = candidate.profile, candidate.other_profile
    before_a, before_b = snapshot(a), snapshot(b)
    client = _client(hr)
    url = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    client.post(url, {"merge": "Gộp", "keep": "other"})
    merge = ProfileMerge.objects.get()
    assert merge.survivor_id == b.pk and not Profile.objects.filter(pk=a.pk).exists()
    undo_url = reverse("admin:profiles_profilemerge_undo", args=[merge.pk])
    assert client.get(undo_url).status_code == 200
    response = client.post(undo_url, {"reason": "Gộp nhầm"})
    assert response.status_code == 302
    assert snapshot(Profile.objects.get(pk=a.pk)) == before_a
    assert snapshot(Profile.objects.get(pk=b.pk)) == before_b
    candidate.refresh_from_db()
    assert candidate.status == MergeCandidate.Status.UNDONE
    assert (candidate.profile_id, candidate.other_profile_id) == (a.pk, b.pk)


def test_not_the_same_person_never_comes_back(candidate, hr, tree):
    client = _client(hr)
    url = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    response = client.post(url, {"not_same": "Không phải cùng một người"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == MergeCandidate.Status.NOT_SAME
    assert Profile.objects.filter(pk=candidate.other_profile_id).exists()
    index = ProfileIndex.for_unit(tree["H40"])
    b = candidate.other_profile
    again = propose_candidate(
        candidate.profile, index.match(PersonRecord.from_profile(b), exclude=b.pk), other_profile=b
    )
    assert again is None
    assert MergeCandidate.objects.count() == 1


def test_a_pair_of_another_agency_answers_404(candidate, user_with, tree):
    other_agency = user_with("ha_tinh", (tree["H42"], Role.AGENCY_ADMIN))
    client = _client(other_agency)
    for url in (
        reverse("admin:profiles_mergecandidate_review", args=[candidate.pk]),
        reverse("admin:profiles_mergecandidate_change", args=[candidate.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"merge": "Gộp"}).status_code == 404
    listing = client.get(reverse("admin:profiles_mergecandidate_changelist"))
    assert "Nguyễn Văn An" not in listing.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == MergeCandidate.Status.OPEN


def test_a_pair_half_outside_the_scope_is_invisible(make_profile, tree, user_with):
    a = make_profile(personal_id="040085001234", unit=tree["H40.10"])
    b = make_profile(personal_id="040085001243", unit=tree["H40.11"])
    index = ProfileIndex.for_unit(tree["H40"])
    cand = propose_candidate(a, index.match(PersonRecord.from_profile(b), exclude=b.pk),
                             other_profile=b)  # fmt: skip
    finance_only = user_with("tai_chinh", (tree["H40.10"], Role.HR_OFFICER))
    url = reverse("admin:profiles_mergecandidate_review", args=[cand.pk])
    assert _client(finance_only).get(url).status_code == 404
    province = user_with("tinh", (tree["H40"], Role.HR_OFFICER))
    assert _client(province).get(url).status_code == 200


def test_viewer_sees_the_pair_but_cannot_decide(candidate, user_with, tree):
    viewer = user_with("xem", (tree["H40"], Role.VIEWER))
    client = _client(viewer)
    url = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="Gộp"' not in page.content.decode()
    assert client.post(url, {"merge": "Gộp"}).status_code == 403
    assert Profile.objects.filter(pk=candidate.other_profile_id).exists()


def test_review_of_an_incoming_row(make_profile, hr):
    p = make_profile(phone="")
    row = {
        "full_name": "NGUYEN VAN AN",
        "date_of_birth": "1985-03-14",
        "sex": "1",
        "phone": "0987000111",
        "hometown_province_code": "40",
    }
    index = ProfileIndex.for_profiles(Profile.objects.all())
    result = index.match(PersonRecord.from_row(row))
    cand = propose_candidate(
        p, result, incoming=row, source="vinhphuc.xlsx", source_date=date(2025, 6, 30)
    )
    client = _client(hr)
    url = reverse("admin:profiles_mergecandidate_review", args=[cand.pk])
    assert "0987000111" in client.get(url).content.decode()
    client.post(url, {"merge": "Gộp", "f_phone": "other", "f_full_name": "profile"})
    p.refresh_from_db()
    assert (p.phone, p.full_name) == ("0987000111", "Nguyễn Văn An")
    assert ProfileMerge.objects.get().kind == ProfileMerge.Kind.ROW
