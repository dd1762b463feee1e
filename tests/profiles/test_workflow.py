from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from orgtree.models import Role
from profiles import workflow
from profiles.models import (
    FamilyMember,
    Profile,
    ProfileStatus,
    ProfileVersion,
    SalaryHistory,
    VersionStatus,
    WorkHistory,
)
from profiles.services import content_hash, snapshot
from profiles.workflow import WorkflowError
from tests.browser.page_text import VIETNAMESE_WORD


def test_current_position_and_salary_are_derived_from_histories(make_profile, tree):
    p = make_profile(unit=tree["H40"])
    WorkHistory(profile=p, start_date=date(2008, 1, 1), end_date=date(2015, 12, 31),
                unit=tree["H40.11"], position_code="PTP").save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2016, 1, 1), unit=tree["H40.10"],
                position_code="TP", title_code="CVIEN").save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2020, 1, 1), unit=tree["H40.11"],
                position_code="GD", concurrent=True).save()  # fmt: skip
    SalaryHistory(profile=p, effective_date=date(2008, 1, 1), salary_scale="A1",
                  grade_code="01.003", step=1, coefficient=Decimal("2.34")).save()  # fmt: skip
    SalaryHistory(profile=p, effective_date=date(2011, 1, 1), salary_scale="A1",
                  grade_code="01.003", step=2, coefficient=Decimal("2.67")).save()  # fmt: skip
    p.refresh_from_db()
    assert (p.unit_id, p.position_code, p.title_code) == (tree["H40.10"].pk, "TP", "CVIEN")
    assert (p.grade_code, p.salary_scale, p.salary_step) == ("01.003", "A1", 2)
    assert p.salary_coefficient == Decimal("2.67") and p.salary_since == date(2011, 1, 1)
    # the change is in the profile's history with its reason
    last = p.history.first()
    assert "quá trình công tác" in last.history_change_reason


def test_field_level_history_records_who_what_why(make_profile, hr):
    p = make_profile()
    p.permanent_residence = "Phường Trường Vinh, Nghệ An"
    p._history_user = hr
    p._change_reason = "Cập nhật theo CCCD mới"
    p.save()
    new, old = p.history.all()[:2]
    delta = new.diff_against(old)
    assert delta.changed_fields == ["permanent_residence"]
    assert new.history_user == hr and new.history_change_reason == "Cập nhật theo CCCD mới"
    row = FamilyMember(profile=p, relationship_code="BO", full_name="nguyễn văn bình")
    row.save()
    assert row.history.count() == 1 and row.full_name == "Nguyễn Văn Bình"


def test_submit_approve_sign_sync(make_profile, hr, approver):
    p = make_profile()
    version = workflow.submit(p, hr)
    p.refresh_from_db()
    assert p.status == ProfileStatus.SUBMITTED and version.number == 1 == p.version_number
    assert version.content_hash == content_hash(version.snapshot)
    assert version.snapshot["profile"]["personal_id"] == p.personal_id
    assert "work_history" in version.snapshot and "asset_declarations" in version.snapshot
    workflow.approve(version, approver)
    p.refresh_from_db()
    assert p.status == ProfileStatus.APPROVED
    workflow.mark_signed(version, signed_by=approver, signature_reference="sig-1")
    workflow.mark_synced(version, sync_reference="BNV-123")
    p.refresh_from_db()
    version.refresh_from_db()
    assert p.status == ProfileStatus.SYNCED and version.status == VersionStatus.SYNCED
    assert version.decided_by == approver and version.sync_reference == "BNV-123"


def test_guards(make_profile, hr, approver, user_with, tree):
    p = make_profile()
    version = workflow.submit(p, hr)
    with pytest.raises(WorkflowError, match="đã phê duyệt"):
        workflow.mark_signed(version)
    with pytest.raises(WorkflowError, match="đang soạn"):
        workflow.submit(p, hr)
    # an approver of another subtree, and an HR officer, may not approve
    other = user_with("pd_khac", (tree["H40.11"], Role.APPROVER))
    with pytest.raises(PermissionDenied):
        workflow.approve(version, other)
    with pytest.raises(PermissionDenied):
        workflow.approve(version, hr)
    with pytest.raises(WorkflowError, match="lý do"):
        workflow.reject(version, approver, "  ")
    workflow.approve(version, approver)
    with pytest.raises(WorkflowError, match="đã ký số"):
        workflow.mark_synced(version)


def test_a_refusal_reads_in_english_with_the_state_in_english(make_profile, hr, approver):
    """The sentence and the state it quotes are in one language (issue 17): no Vietnamese
    sentence around an English state, nor the reverse."""
    p = make_profile()
    version = workflow.submit(p, hr)
    with translation.override("en"):
        refusals = []
        for attempt in (
            lambda: workflow.submit(p, hr),
            lambda: workflow.mark_signed(version),
            lambda: workflow.mark_synced(version),
        ):
            with pytest.raises(WorkflowError) as refused:
                attempt()
            refusals.append(refused.value.messages[0])
        submitted = str(VersionStatus.SUBMITTED.label)
        profile_submitted = str(ProfileStatus.SUBMITTED.label)
        named = str(version).replace(p.full_name, "")  # as the admin names it; the name is data
    assert f"({submitted})" in named and not VIETNAMESE_WORD.search(named), named
    assert not [m for m in refusals if VIETNAMESE_WORD.search(m)], refusals
    assert f"“{profile_submitted}”" in refusals[0]
    assert all(f"“{submitted}”" in m for m in refusals[1:]), refusals
    with translation.override("vi"):
        with pytest.raises(WorkflowError, match=f"“{VersionStatus.SUBMITTED.label}”"):
            workflow.mark_signed(version)


def test_outsider_cannot_submit(make_profile, user_with, tree):
    p = make_profile()
    outsider = user_with("cb_khac", (tree["H40.11"], Role.HR_OFFICER))
    with pytest.raises(PermissionDenied):
        workflow.submit(p, outsider)


def test_errors_block_submission_with_a_clear_message(make_profile, hr):
    p = make_profile(personal_id="040285001234")
    with pytest.raises(WorkflowError, match=r"1 lỗi.*Chữ số thứ 4"):
        workflow.submit(p, hr)
    assert not ProfileVersion.objects.filter(profile=p).exists()


def test_rejection_returns_to_draft_with_reason(make_profile, hr, approver):
    p = make_profile()
    version = workflow.reject(workflow.submit(p, hr), approver, "Thiếu quyết định tuyển dụng")
    p.refresh_from_db()
    assert p.status == ProfileStatus.DRAFT
    assert version.rejection_reason == "Thiếu quyết định tuyển dụng"
    second = workflow.submit(p, hr)
    assert second.number == 2


def test_edit_after_approval_opens_a_new_version(make_profile, hr, approver):
    p = make_profile()
    first = workflow.approve(workflow.submit(p, hr), approver)
    p = Profile.objects.get(pk=p.pk)
    p.save()  # no change of content: stays approved
    assert Profile.objects.get(pk=p.pk).status == ProfileStatus.APPROVED
    FamilyMember(profile=p, relationship_code="ME", full_name="Lê Thị Hoa").save()
    p.refresh_from_db()
    assert p.status == ProfileStatus.DRAFT
    second = workflow.submit(p, hr)
    assert second.number == 2 and second.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.status == VersionStatus.APPROVED  # the approved version is kept as it was


def test_edit_while_submitted_withdraws_and_approval_of_stale_snapshot_fails(
    make_profile, hr, approver
):
    p = make_profile()
    version = workflow.submit(p, hr)
    p = Profile.objects.get(pk=p.pk)
    p.other_names = "Ba"
    p.save()
    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN
    with pytest.raises(WorkflowError, match="không chờ phê duyệt"):
        workflow.approve(version, approver)


def test_snapshot_hash_changes_with_child_rows(make_profile):
    p = make_profile()
    before = content_hash(snapshot(p))
    FamilyMember(profile=p, relationship_code="BO", full_name="Nguyễn Văn Bình").save()
    assert content_hash(snapshot(p)) != before


def test_approval_refuses_a_snapshot_that_no_longer_matches(make_profile, hr, approver):
    p = make_profile()
    version = workflow.submit(p, hr)
    Profile.objects.filter(pk=p.pk).update(other_names="Sửa ngoài luồng")  # no signals
    with pytest.raises(WorkflowError, match="đã thay đổi sau khi trình"):
        workflow.approve(version, approver)


def test_verifying_keeps_the_approval_and_clears_the_live_warning(make_profile, hr, approver):
    from datetime import timedelta

    from profiles.actions import do_mark_verified
    from profiles.models import Finding

    p = make_profile(last_verified_at=date.today() - timedelta(days=900))
    assert Finding.objects.filter(profile=p, code="NOT_VERIFIED").exists()
    workflow.approve(workflow.submit(p, hr), approver)
    do_mark_verified(Profile.objects.get(pk=p.pk), acting_user=hr)
    p.refresh_from_db()
    assert p.status == ProfileStatus.APPROVED and p.last_verified_at == date.today()
    assert not Finding.objects.filter(profile=p, code="NOT_VERIFIED").exists()
    assert p.history.first().history_user == hr


def test_mark_versions_synced_marks_a_batch_like_mark_synced_one_by_one(make_profile, hr, approver):
    def signed(profile):
        version = workflow.approve(workflow.submit(profile, hr), approver)
        return workflow.mark_signed(version, signed_by=approver, signature_reference="sig")

    first, second, third = (signed(make_profile(personal_id=f"04008500123{i}")) for i in range(3))
    # ``third``'s profile has a newer version: the profile stays in its own status
    p3 = Profile.objects.get(pk=third.profile_id)
    ProfileVersion.objects.create(
        profile=p3, number=2, status=VersionStatus.SUBMITTED, snapshot={}, content_hash="0" * 64,
        submitted_at=third.submitted_at,
    )  # fmt: skip
    workflow.mark_synced(second, sync_reference="BNV-2")  # already synced: left alone
    done = workflow.mark_versions_synced({first.pk: "BNV-A", second.pk: "BNV-B", third.pk: "BNV-A"})
    assert sorted(done) == sorted([first.pk, third.pk])
    for version, reference in ((first, "BNV-A"), (second, "BNV-2"), (third, "BNV-A")):
        version.refresh_from_db()
        assert version.status == VersionStatus.SYNCED
        assert version.sync_reference == reference and version.synced_at is not None
    statuses = dict(
        Profile.objects.filter(
            pk__in=[first.profile_id, second.profile_id, third.profile_id]
        ).values_list("pk", "status")
    )
    assert statuses[first.profile_id] == ProfileStatus.SYNCED
    assert statuses[second.profile_id] == ProfileStatus.SYNCED
    assert statuses[third.profile_id] == ProfileStatus.SIGNED  # not its latest version
    assert workflow.mark_versions_synced({}) == []


# -- four eyes ----------------------------------------------------------------------------------
def test_a_user_with_both_roles_cannot_approve_their_own_submission(
    make_profile, user_with, tree, approver
):
    both = user_with("ca_hai_vai", (tree["H40"], Role.HR_OFFICER), (tree["H40"], Role.APPROVER))
    p = make_profile()
    version = workflow.submit(p, both)
    with pytest.raises(PermissionDenied, match="hai người"):
        workflow.approve(version, both)
    version.refresh_from_db()
    assert version.status == VersionStatus.SUBMITTED
    workflow.approve(version, approver)  # a second person may
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED and version.decided_by == approver


def test_the_last_editor_cannot_approve(make_profile, user_with, tree, hr):
    both = user_with("ca_hai_vai", (tree["H40"], Role.HR_OFFICER), (tree["H40"], Role.APPROVER))
    p = make_profile()
    row = WorkHistory.objects.create(profile=p, start_date=date(2020, 1, 1), unit=p.unit)
    row.description = "Chuyên viên chính"
    row._history_user = both
    row.save()
    version = workflow.submit(Profile.objects.get(pk=p.pk), hr)
    with pytest.raises(PermissionDenied, match="sửa hồ sơ sau cùng"):
        workflow.approve(version, both)


def test_four_eyes_can_be_turned_off_for_an_agency(make_profile, user_with, tree, settings):
    both = user_with("ca_hai_vai", (tree["H40"], Role.HR_OFFICER), (tree["H40"], Role.APPROVER))
    settings.CBCCVC_FOUR_EYES_EXEMPT_AGENCIES = ["H40"]
    version = workflow.approve(workflow.submit(make_profile(), both), both)
    assert version.status == VersionStatus.APPROVED
