"""profiles.actions: every write to a profile, with its history, effects and one reopen rule."""

from datetime import UTC, date, datetime

import pytest

from profiles import actions, workflow
from profiles.models import (
    FamilyMember,
    Profile,
    ProfileStatus,
    ProfileVersion,
    VersionStatus,
    WorkHistory,
)

WHEN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def approved(make_profile, hr, approver):
    p = make_profile()
    workflow.approve(workflow.submit(p, hr), approver)
    return Profile.objects.get(pk=p.pk)


def test_update_records_user_and_reason_returns_the_changes_and_reopens(approved, hr):
    changed = actions.do_update_profile(
        approved,
        {"other_names": "Tên gọi khác", "full_name": approved.full_name},
        acting_user=hr,
        reason="Sửa tên gọi khác",
    )
    assert changed == ["other_names"]
    approved.refresh_from_db()
    assert approved.status == ProfileStatus.DRAFT
    last = approved.history.first()
    assert (last.history_user, last.history_change_reason) == (hr, "Sửa tên gọi khác")


def test_an_edit_that_leaves_the_content_as_approved_keeps_the_approval(approved, hr):
    assert actions.do_update_profile(approved, {}, acting_user=hr, reason="Lưu lại") == []
    approved.refresh_from_db()
    assert approved.status == ProfileStatus.APPROVED


def test_a_child_row_sets_the_derived_fields_and_withdraws_a_submitted_version(
    make_profile, hr, tree
):
    p = make_profile()
    version = workflow.submit(p, hr)
    row = actions.do_add_child(
        p,
        "work_history",
        {"start_date": date(2016, 1, 1), "unit": tree["H40.10"], "position_code": "TP"},
        acting_user=hr,
        reason="Thêm quá trình công tác",
    )
    p.refresh_from_db()
    assert p.position_code == "TP" and p.status == ProfileStatus.DRAFT
    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN
    history = WorkHistory.history.get(id=row.pk)
    assert (history.history_user, history.history_change_reason) == (
        hr,
        "Thêm quá trình công tác",
    )
    row_id = row.pk
    actions.do_delete_child(row, acting_user=hr, reason="Nhập nhầm")
    p.refresh_from_db()
    assert p.position_code == ""
    deleted = WorkHistory.history.get(id=row_id, history_type="-")
    assert deleted.history_change_reason == "Nhập nhầm"


def test_checked_child_rows_refuse_bad_values_before_writing(make_profile, hr):
    from django.core.exceptions import ValidationError

    p = make_profile()
    with pytest.raises(ValidationError):
        actions.do_add_child(
            p,
            FamilyMember,
            {"relationship_code": "X" * 500, "full_name": "A"},
            acting_user=hr,
            reason="r",
            check=True,
        )
    assert not FamilyMember.objects.filter(profile=p, full_name="A").exists()


def test_bulk_update_one_reason_per_row_then_the_reopen_rule_once(make_profile, hr, approver):
    people = [make_profile(personal_id=f"04008500{n:04d}") for n in range(3)]
    for p in people:
        workflow.approve(workflow.submit(p, hr), approver)
    rows = list(Profile.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))
    for p in rows:
        p.other_names = f"Tên {p.pk}"
    reasons = [f"Dòng {n}" for n in range(3)]
    assert (
        actions.do_bulk_update_profiles(
            rows, ["other_names"], acting_user=hr, reason=reasons, when=WHEN
        )
        == 3
    )
    for p, why in zip(rows, reasons, strict=True):
        last = Profile.history.get(id=p.pk, history_type="~")
        assert (last.history_user_id, last.history_change_reason) == (hr.pk, why)
    # bulk writes have no receivers: the caller applies the one rule for all ids
    assert set(
        Profile.objects.filter(pk__in=[p.pk for p in rows]).values_list("status", flat=True)
    ) == {ProfileStatus.APPROVED}
    assert sorted(actions.reopen_edited([p.pk for p in rows], unless_unchanged=False)) == sorted(
        p.pk for p in rows
    )
    assert (
        not Profile.objects.filter(pk__in=[p.pk for p in rows])
        .exclude(status=ProfileStatus.DRAFT)
        .exists()
    )
    with pytest.raises(ValueError, match="2 reasons for 3 rows"):
        actions.do_bulk_update_profiles(
            rows, ["other_names"], acting_user=hr, reason=reasons[:2], when=WHEN
        )


def test_reopen_withdraws_the_submitted_version(make_profile, hr):
    p = make_profile()
    version = workflow.submit(p, hr)
    Profile.objects.filter(pk=p.pk).update(other_names="Sửa ngoài luồng")  # no receivers
    assert actions.reopen_edited([p.pk]) == [p.pk]
    assert ProfileVersion.objects.get(pk=version.pk).status == VersionStatus.WITHDRAWN
    assert Profile.objects.get(pk=p.pk).status == ProfileStatus.DRAFT
