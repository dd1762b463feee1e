"""A conversion campaign over a unit: preview, decisions, commit, report, undo."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from conversion import services
from conversion.models import Campaign, ChangeRow, Outcome, TextDecision
from conversion.report import write_report
from orgtree.models import Role
from profiles import workflow
from profiles.models import Profile, ProfileStatus, VersionStatus
from profiles.services import snapshot

AS_OF = date(2026, 1, 10)
TAM_HONG = "Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
ADDRESS = "Số 12, thôn Đông, Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
VAY_NUA = "Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình"  # split between two new communes


@pytest.fixture
def people(make_profile):
    a = make_profile(
        hometown_text=TAM_HONG,
        permanent_residence=ADDRESS,
        current_residence=VAY_NUA,
    )
    b = make_profile(
        personal_id="040085001235",
        full_name="Trần Văn Bình",
        hometown_text=TAM_HONG,
        current_residence=VAY_NUA,
        permanent_residence="Phường Vinh Tân, Nghệ An",
    )
    return Profile.objects.get(pk=a.pk), Profile.objects.get(pk=b.pk)


def _row(campaign, profile, field):
    return ChangeRow.objects.get(campaign=campaign, profile=profile, field=field)


def test_preview_says_what_every_value_becomes_and_why(people, hr, tree):
    a, _b = people
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    assert campaign.profile_count == 2

    hometown = _row(campaign, a, "hometown")
    assert (hometown.outcome, hometown.rule) == (Outcome.CONVERTED, "conversion")
    assert hometown.new_text == "Xã Tam Hồng, Tỉnh Phú Thọ"
    assert (hometown.new_province_code, hometown.new_commune_code) == ("25", "09043")

    address = _row(campaign, a, "permanent_residence")
    assert address.new_text == "Số 12, thôn Đông, Xã Tam Hồng, Tỉnh Phú Thọ"
    assert (address.old_province_code, address.new_province_code) == ("", "25")

    split = _row(campaign, a, "current_residence")
    assert split.outcome == Outcome.REVIEW and split.new_text == ""
    communes = {c["commune"]["code"] for c in split.candidates}
    assert communes == {"04828", "04891"}

    birthplace = _row(campaign, a, "birthplace")  # "Nghệ An": current, codes already there
    assert (birthplace.outcome, birthplace.rule) == (Outcome.CURRENT, "direct")
    assert _row(campaign, a, "unit").outcome == Outcome.CURRENT

    counts = campaign.counts
    assert counts["outcomes"] == {
        Outcome.CONVERTED: 4,  # 2 home towns, 2 permanent residences
        Outcome.CURRENT: 4,  # 2 birthplaces, 2 units
        Outcome.REVIEW: 2,
        Outcome.UNRESOLVABLE: 0,
    }
    assert counts["fields"]["current_residence"] == {Outcome.REVIEW: 2}
    # one resolver call per distinct text, not per value: 5 texts for 8 place values
    assert counts["distinct_texts"] == 5 and counts["resolver_calls"] == 5
    # nothing written yet
    assert Profile.objects.get(pk=a.pk).hometown_text == TAM_HONG


def test_a_decision_applies_to_every_profile_with_the_same_text(people, hr, tree):
    a, b = people
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    choice = next(
        i
        for i, c in enumerate(_row(campaign, a, "current_residence").candidates)
        if c["commune"]["code"] == "04891"
    )
    assert services.decide_text(campaign, VAY_NUA, choice, hr) == 2
    for person in (a, b):
        row = _row(campaign, person, "current_residence")
        assert (row.outcome, row.rule) == (Outcome.CONVERTED, "decision")
        assert row.new_text == "Xã Tiền Phong, Tỉnh Phú Thọ"
        assert row.new_commune_code == "04891"
    assert TextDecision.objects.get(campaign=campaign).decided_by == hr
    campaign.refresh_from_db()
    assert campaign.counts["outcomes"][Outcome.REVIEW] == 0


def _state(profile):
    p = Profile.objects.get(pk=profile.pk)
    versions = list(p.versions.order_by("number").values_list("number", "status"))
    return snapshot(p), p.status, versions


def test_commit_writes_with_history_reopens_and_undo_restores_exactly(people, hr, approver, tree):
    a, b = people
    version = workflow.submit(a, hr)
    workflow.approve(version, approver)
    workflow.submit(b, hr)  # b waits for approval
    before = {p.pk: _state(p) for p in people}
    assert before[a.pk][1] == ProfileStatus.APPROVED

    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    result = services.commit(campaign, hr)
    assert (result.profiles, result.values, result.stale) == (2, 4, [])

    a_now = Profile.objects.get(pk=a.pk)
    assert a_now.hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"
    assert a_now.hometown_original == TAM_HONG
    assert a_now.permanent_residence == "Số 12, thôn Đông, Xã Tam Hồng, Tỉnh Phú Thọ"
    assert a_now.permanent_residence_original == ADDRESS
    assert a_now.permanent_residence_commune_code == "09043"
    assert a_now.current_residence == VAY_NUA  # waits for a person: untouched
    # the workflow rule: an edited approved profile is a draft again, a submission withdrawn
    assert a_now.status == ProfileStatus.DRAFT
    assert Profile.objects.get(pk=b.pk).status == ProfileStatus.DRAFT
    assert b.versions.get().status == VersionStatus.WITHDRAWN
    latest = a_now.history.order_by("-history_id").first()
    assert latest.history_user == hr and f"#{campaign.pk}" in latest.history_change_reason
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMMITTED

    undone = services.undo(campaign, hr)
    assert undone.done and undone.profiles == 2
    assert {p.pk: _state(p) for p in people} == before
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.UNDONE


def test_undo_is_refused_while_a_profile_changed_since(people, hr, tree):
    a, b = people
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    services.commit(campaign, hr)
    edited = Profile.objects.get(pk=b.pk)
    edited.phone = "0912345678"
    edited._change_reason = "Sửa điện thoại"
    edited.save()

    result = services.undo(campaign, hr)
    assert not result.done
    assert [x["profile_id"] for x in result.blockers] == [b.pk]
    # nothing was restored
    assert Profile.objects.get(pk=a.pk).hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMMITTED


def test_commit_skips_a_value_edited_after_the_preview(people, hr, tree):
    a, _b = people
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    Profile.objects.filter(pk=a.pk).update(permanent_residence="Phường Vinh Tân, Nghệ An")
    result = services.commit(campaign, hr)
    assert result.stale == [a.pk]
    assert Profile.objects.get(pk=a.pk).permanent_residence == "Phường Vinh Tân, Nghệ An"
    assert Profile.objects.get(pk=a.pk).hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"


def test_only_users_who_may_edit_the_whole_scope_run_a_campaign(people, hr, tree, user_with):
    with pytest.raises(PermissionDenied):
        services.preview(unit=tree["H40"], as_of=AS_OF, user=hr)  # hr holds only H40.10
    viewer = user_with("xem", (tree["H40"], Role.VIEWER))
    with pytest.raises(PermissionDenied):
        services.preview(unit=tree["H40.10"], as_of=AS_OF, user=viewer)
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    with pytest.raises(PermissionDenied):
        services.commit(campaign, viewer)


def test_report_lists_summary_review_texts_and_every_row(people, hr, tree, tmp_path):
    _a, b = people
    Profile.objects.filter(pk=b.pk).update(current_residence="=HYPERLINK(1)")
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    path = tmp_path / "report.xlsx"
    assert write_report(campaign, path, user=hr) == 10
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Tổng hợp", "Cần chọn", "Chi tiết"]
    review = book.get_sheet_by_name("Cần chọn").to_python()
    assert review[1][0] == VAY_NUA and "Xã Tiền Phong" in review[1][2]
    detail = book.get_sheet_by_name("Chi tiết").to_python()
    assert len(detail) == 11
    texts = [row[7] for row in detail[1:]]
    assert "'=HYPERLINK(1)" in texts  # formula-safe


def test_command_runs_preview_commit_and_report(people, hr, tree, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    a, _b = people
    path = tmp_path / "r.xlsx"
    out = StringIO()
    call_command(
        "reform_convert",
        "--unit=H40.10",
        "--as-of=2026-01-10",
        f"--report={path}",
        "--commit",
        "--user=canbo_tc",
        stdout=out,
    )
    assert "Đã ghi 4 giá trị vào 2 hồ sơ" in out.getvalue()
    assert path.exists()
    assert Profile.objects.get(pk=a.pk).hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"
    assert Campaign.objects.get().status == Campaign.Status.COMMITTED
    with pytest.raises(CommandError, match="không có quyền"):
        call_command(
            "reform_convert",
            "--unit=H40",
            "--as-of=2026-01-10",
            f"--report={path}",
            "--user=canbo_tc",
            stdout=out,
        )
