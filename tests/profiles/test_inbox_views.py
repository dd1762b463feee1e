"""The approver's inbox (portal/inbox.py): the waiting profiles of the approver's subtree only
(another unit's profile is a 404, even by URL), the diff page, and the decisions taken through
the workflow — approve one or many, return with a required comment, confirmation before
approving a profile with open errors, four eyes shown and enforced."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from orgtree.models import Role
from profiles import workflow
from profiles.models import Profile, ProfileStatus, VersionStatus

INBOX = "/admin/hop-duyet/"


@pytest.fixture
def world(tree, user_with, make_profile):
    """HR of the province submits three profiles: two in Sở Tài chính (H40.10, one in its
    division), one in Sở Nội vụ (H40.11). The finance approver sees only the first two."""
    hr = user_with("nhansu_tinh", (tree["H40"], Role.HR_OFFICER))
    finance_approver = user_with("duyet_taichinh", (tree["H40.10"], Role.APPROVER))
    home_approver = user_with("duyet_noivu", (tree["H40.11"], Role.APPROVER))
    profiles = {
        "an": make_profile(unit=tree["H40.10"], personal_id="040085001234", full_name="An"),
        "binh": make_profile(unit=tree["H40.10.01"], personal_id="040085001235", full_name="Bình"),
        "cuc": make_profile(unit=tree["H40.11"], personal_id="040085001236", full_name="Cúc"),
    }
    for key, profile in profiles.items():
        workflow.submit(profile, hr)
        profiles[key] = Profile.objects.get(pk=profile.pk)
    return {
        "hr": hr,
        "finance": finance_approver,
        "home": home_approver,
        "profiles": profiles,
        "tree": tree,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(response) -> str:
    return unescape(response.content.decode())


def _status(profile) -> str:
    return Profile.objects.get(pk=profile.pk).status


def test_the_list_shows_only_the_approvers_subtree(world):
    response = _client(world["finance"]).get(INBOX)
    assert response.status_code == 200
    names = {row.profile.full_name for row in response.context["rows"]}
    assert names == {"An", "Bình"}
    page = _page(response)
    assert "Cúc" not in page and "Hộp duyệt hồ sơ" in page
    assert "nhansu_tinh" in page  # the submitter
    assert "None" not in page
    # the unit filter offers the units holding waiting profiles, not the other department
    units = [unit.code for unit, _ in response.context["unit_choices"]]
    assert units == ["H40.10", "H40.10.01"]
    division = world["tree"]["H40.10.01"]
    filtered = _client(world["finance"]).get(INBOX, {"don_vi": division.pk})
    assert {row.profile.full_name for row in filtered.context["rows"]} == {"Bình"}
    # a unit outside the scope in the filter shows nothing of it
    outside = world["tree"]["H40.11"]
    response = _client(world["finance"]).get(INBOX, {"don_vi": outside.pk})
    assert "Cúc" not in {row.profile.full_name for row in response.context["rows"]}


def test_another_units_profile_is_not_found_even_by_url(world):
    cuc = world["profiles"]["cuc"]
    client = _client(world["finance"])
    assert client.get(reverse("portal:inbox_detail", args=[cuc.pk])).status_code == 404
    response = client.post(reverse("portal:inbox_detail", args=[cuc.pk]), {"action": "approve"})
    assert response.status_code == 404
    # nor through the list's form with a forged id
    client.post(INBOX, {"action": "return", "profile": [cuc.pk], "reason": "Sai"})
    client.post(INBOX, {"action": "approve", "profile": [cuc.pk]})
    assert _status(cuc) == ProfileStatus.SUBMITTED
    # the other department's approver sees it
    assert (
        _client(world["home"]).get(reverse("portal:inbox_detail", args=[cuc.pk])).status_code == 200
    )


def test_only_approvers_open_the_inbox(world):
    assert _client(world["hr"]).get(INBOX).status_code == 403
    assert Client().get(INBOX).status_code == 302  # to the login page


def test_detail_shows_the_first_submission_and_the_findings(world):
    an = world["profiles"]["an"]
    response = _client(world["finance"]).get(reverse("portal:inbox_detail", args=[an.pk]))
    assert response.status_code == 200
    page = _page(response)
    assert "Lần trình đầu tiên" in page
    assert "1 – Nam" in page and "01 – Kinh" in page  # names beside the codes
    assert "Giới tính" in page
    assert "None" not in page


def test_approve_many_through_the_workflow(world):
    an, binh = world["profiles"]["an"], world["profiles"]["binh"]
    response = _client(world["finance"]).post(
        INBOX, {"action": "approve", "profile": [an.pk, binh.pk]}, follow=True
    )
    assert "Đã phê duyệt 2 hồ sơ." in _page(response)
    for profile in (an, binh):
        assert _status(profile) == ProfileStatus.APPROVED
        version = profile.versions.get(number=1)
        assert version.status == VersionStatus.APPROVED
        assert version.decided_by == world["finance"] and version.decided_at is not None


def test_return_needs_a_comment(world):
    an = world["profiles"]["an"]
    client = _client(world["finance"])
    url = reverse("portal:inbox_detail", args=[an.pk])
    response = client.post(url, {"action": "return", "reason": "   "}, follow=True)
    assert "Phải ghi lý do trả lại hồ sơ." in _page(response)
    assert _status(an) == ProfileStatus.SUBMITTED
    client.post(url, {"action": "return", "reason": "Thiếu quá trình công tác 2010–2015"})
    assert _status(an) == ProfileStatus.DRAFT
    version = an.versions.get(number=1)
    assert version.status == VersionStatus.REJECTED
    assert version.rejection_reason == "Thiếu quá trình công tác 2010–2015"
    assert version.decided_by == world["finance"]


def test_open_errors_ask_for_confirmation_first(world):
    an = world["profiles"]["an"]
    Profile.objects.filter(pk=an.pk).update(error_count=2)
    client = _client(world["finance"])
    url = reverse("portal:inbox_detail", args=[an.pk])
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 200
    page = _page(response)
    assert "còn lỗi kiểm tra dữ liệu" in page and "An" in page
    assert 'name="confirm_errors" value="1"' in page
    assert _status(an) == ProfileStatus.SUBMITTED  # nothing done yet
    # confirmed: the workflow decides on the errors as they are now (none block here)
    client.post(url, {"action": "approve", "confirm_errors": "1"})
    assert _status(an) == ProfileStatus.APPROVED


def test_four_eyes_the_submitter_cannot_approve_and_sees_why(world, user_with):
    tree = world["tree"]
    both = user_with("hai_vai", (tree["H40.10"], Role.HR_OFFICER), (tree["H40.10"], Role.APPROVER))
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    own = create_profile(
        unit=tree["H40.10"], **valid_fields(personal_id="040085001237", full_name="Dũng")
    )
    workflow.submit(own, both)
    client = _client(both)
    listing = _page(client.get(INBOX))
    assert "Bạn đã trình hồ sơ này: một người khác phải phê duyệt." in listing
    response = client.get(reverse("portal:inbox_detail", args=[own.pk]))
    page = _page(response)
    assert "Nguyên tắc hai người" in page
    assert 'value="approve" disabled' in page
    # forcing the request changes nothing: the workflow refuses, with the reason
    response = client.post(
        reverse("portal:inbox_detail", args=[own.pk]), {"action": "approve"}, follow=True
    )
    assert "Nguyên tắc hai người" in _page(response)
    assert _status(own) == ProfileStatus.SUBMITTED
    # the same user may approve someone else's submission
    an = world["profiles"]["an"]
    client.post(INBOX, {"action": "approve", "profile": [an.pk]})
    assert _status(an) == ProfileStatus.APPROVED


def test_home_card_links_to_the_inbox(world):
    page = _page(_client(world["finance"]).get("/admin/"))
    assert f'href="{INBOX}"' in page and "Mở hộp duyệt hồ sơ" in page
    page = _page(_client(world["hr"]).get("/admin/"))
    assert f'href="{INBOX}"' not in page


def test_sensitive_groups_only_with_their_permission_and_audited(world, user_with):
    from datetime import date

    from django.contrib.auth.models import Permission

    from cbccvc.models import AuditEvent
    from profiles.models import HealthRecord

    an = world["profiles"]["an"]
    workflow.approve(an.versions.get(number=1), world["finance"])
    hr = world["hr"]
    record = HealthRecord(profile=an, recorded_on=date(2025, 3, 1), status="Tốt")
    record._history_user = hr
    record.save()
    workflow.submit(Profile.objects.get(pk=an.pk), hr)
    url = reverse("portal:inbox_detail", args=[an.pk])

    page = _page(_client(world["finance"]).get(url))
    assert 'data-group="health"' not in page
    assert "Không có quyền xem thông tin sức khỏe (nhóm 10)." in page
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()

    doctor = user_with("duyet_suckhoe", (world["tree"]["H40"], Role.APPROVER))
    doctor.user_permissions.add(Permission.objects.get(codename="view_health"))
    page = _page(_client(doctor).get(url))
    assert 'data-group="health"' in page and "Tốt" in page
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_READ)
    assert event.username == "duyet_suckhoe" and event.details["groups"] == ["10"]
    assert event.details["via"] == "inbox"


def test_the_list_costs_the_same_queries_for_more_rows(world, make_profile, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world["finance"])
    client.get(INBOX)  # warm the session and the scope caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(INBOX).status_code == 200
    for n in range(7, 10):
        profile = make_profile(
            unit=tree["H40.10"], personal_id=f"04008500123{n}", full_name=f"Người {n}"
        )
        workflow.submit(profile, world["hr"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(INBOX)
    assert len(response.context["rows"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_paging_keeps_the_unit_filter(world, monkeypatch):
    import portal.inbox

    monkeypatch.setattr(portal.inbox, "PAGE_SIZE", 1)  # two waiting profiles, two pages
    client = _client(world["finance"])
    finance = world["tree"]["H40.10"]
    first = client.get(INBOX, {"don_vi": finance.pk})
    assert [row.profile.full_name for row in first.context["rows"]] == ["An"]
    page = _page(first)
    assert "Trang 1/2" in page
    assert f'href="?trang=2&don_vi={finance.pk}"' in page
    second = client.get(INBOX, {"don_vi": finance.pk, "trang": 2})
    assert [row.profile.full_name for row in second.context["rows"]] == ["Bình"]
