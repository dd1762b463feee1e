"""Merging two profiles, merging an incoming row, and undoing both exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from profiles import workflow
from profiles.merging import (
    MergeError,
    merge_profiles,
    merge_row_into_profile,
    plan_fields,
    undo_merge,
)
from profiles.models import (
    Commendation,
    FamilyMember,
    Profile,
    ProfileMerge,
    ProfileStatus,
    QualityAssessment,
    SalaryHistory,
    WorkHistory,
)
from profiles.services import snapshot


@pytest.fixture
def pair(make_profile, tree):
    """One person entered twice: by the old Phú Thọ system and by the old Vĩnh Phúc one."""
    a = make_profile(
        personal_id="040085001234",
        full_name="Nguyễn Văn An",
        phone="",
        permanent_residence="Phường Vinh Tân, Nghệ An",
    )
    b = make_profile(
        personal_id="040085001243",  # the same ID with two digits swapped
        full_name="Nguyen Van An",
        phone="0912345678",
        permanent_residence="Xã Hưng Lộc, Nghệ An",
        old_id_number="186123456",
        unit=tree["H40.10"],
    )
    WorkHistory(profile=a, start_date=date(2010, 1, 1), unit=tree["H40.10.01"]).save()
    WorkHistory(profile=b, start_date=date(2010, 1, 1), unit=tree["H40.10.01"]).save()
    WorkHistory(profile=b, start_date=date(2005, 1, 1), end_date=date(2009, 12, 31),
                unit_name="UBND huyện Cũ").save()  # fmt: skip
    SalaryHistory(profile=a, effective_date=date(2010, 1, 1), salary_scale="A1",
                  grade_code="01.003", step=1, coefficient=Decimal("2.34")).save()  # fmt: skip
    SalaryHistory(profile=b, effective_date=date(2010, 1, 1), salary_scale="A1",
                  grade_code="01.003", step=1, coefficient=Decimal("2.34"),
                  note="theo QĐ 12").save()  # fmt: skip
    QualityAssessment(profile=a, year=2023, rating_code="HTT").save()
    QualityAssessment(profile=b, year=2023, rating_code="HTT").save()
    QualityAssessment(profile=b, year=2024, rating_code="HTXS").save()
    FamilyMember(profile=b, relationship_code="ME", full_name="Lê Thị Mai").save()
    Commendation(profile=b, kind_code="BKTTG", awarded_on=date(2020, 5, 1)).save()
    return Profile.objects.get(pk=a.pk), Profile.objects.get(pk=b.pk)


def test_field_rules_non_empty_newest_and_decisions():
    s = {"phone": "", "email": "a@x.vn", "full_name": "Nguyễn Văn An", "religion": "00"}
    o = {"phone": "0912", "email": "b@x.vn", "full_name": "Nguyen Van An", "religion": "00"}
    plan = plan_fields(s, o, survivor_date=date(2020, 1, 1), other_date=date(2024, 1, 1))
    assert plan["phone"]["chosen"] == "other" and plan["phone"]["rule"] == "non_empty"
    assert plan["email"]["chosen"] == "other" and plan["email"]["rule"] == "newest"
    assert plan["religion"]["rule"] == "same"
    plan = plan_fields(s, o, survivor_date=date(2025, 1, 1), other_date=date(2024, 1, 1))
    assert plan["email"]["chosen"] == "survivor"
    plan = plan_fields(s, o, decisions={"email": "survivor", "full_name": "other"},
                       survivor_date=date(2020, 1, 1), other_date=date(2024, 1, 1))  # fmt: skip
    assert plan["email"]["chosen"] == "survivor" and plan["email"]["rule"] == "decision"
    assert plan["full_name"]["chosen"] == "other"
    # unknown source dates: the survivor keeps its value
    assert plan_fields(s, o)["email"]["rule"] == "survivor_default"
    # a full date of birth beats a year only, whatever the dates of the sources
    plan = plan_fields(
        {"date_of_birth": date(1985, 1, 1), "birth_date_precision": "year"},
        {"date_of_birth": date(1985, 3, 14), "birth_date_precision": "day"},
        survivor_date=date(2025, 1, 1),
        other_date=date(2020, 1, 1),
    )
    assert plan["date_of_birth"]["chosen"] == "other"


def test_merge_unites_histories_without_duplicates_and_retires_the_other(pair, hr):
    a, b = pair
    b_id = b.pk
    merge = merge_profiles(
        a, b, actor=hr, reason="Cùng một người (nhập từ 2 hệ thống)",
        source_dates={"survivor": date(2024, 1, 1), "other": date(2025, 6, 1)},
    )  # fmt: skip
    a.refresh_from_db()
    assert not Profile.objects.filter(pk=b_id).exists()
    assert a.personal_id == "040085001234"  # the key stays
    assert a.phone == "0912345678"  # non-empty wins
    assert a.permanent_residence == "Xã Hưng Lộc, Nghệ An"  # newest source wins
    assert a.old_id_number == "186123456"
    assert a.full_name == "Nguyễn Văn An"  # equal folded; survivor's (with diacritics) kept
    # children: duplicates once, new facts moved over, empty fields filled
    assert WorkHistory.objects.filter(profile=a).count() == 2
    salary = SalaryHistory.objects.get(profile=a)
    assert salary.note == "theo QĐ 12"
    assert sorted(QualityAssessment.objects.filter(profile=a).values_list("year", flat=True)) == [
        2023,
        2024,
    ]
    assert FamilyMember.objects.filter(profile=a).count() == 1
    assert Commendation.objects.filter(profile=a).count() == 1
    # recorded, attributable
    assert merge.merged_profile_id == b_id and merge.actor == hr
    assert merge.decisions["phone"]["rule"] == "non_empty"
    assert merge.decisions["_children"]["assessments"] == {
        "added": 1,
        "filled": 0,
        "duplicates": 1,
    }
    assert a.history.first().history_user == hr
    assert "Gộp hồ sơ" in a.history.first().history_change_reason
    assert merge.history.count() == 1


def test_undo_restores_both_profiles_exactly(pair, hr):
    a, b = pair
    before_a, before_b = snapshot(a), snapshot(b)
    b_id = b.pk
    merge = merge_profiles(a, b, actor=hr, reason="Gộp thử", decisions={"full_name": "other"})
    assert snapshot(Profile.objects.get(pk=a.pk)) != before_a
    undo_merge(merge, hr, "Gộp nhầm")
    a2, b2 = Profile.objects.get(pk=a.pk), Profile.objects.get(pk=b_id)
    assert snapshot(a2) == before_a
    assert snapshot(b2) == before_b
    assert (a2.status, b2.status) == (a.status, b.status)
    merge.refresh_from_db()
    assert merge.undone_by == hr and merge.undo_reason == "Gộp nhầm"
    with pytest.raises(MergeError):
        undo_merge(merge, hr, "lần nữa")


def test_undo_restores_versions_and_workflow_state(pair, hr, approver):
    a, b = pair
    version = workflow.submit(b, hr)
    workflow.approve(version, approver)
    a = Profile.objects.get(pk=a.pk)
    b = Profile.objects.get(pk=b.pk)
    assert b.status == ProfileStatus.APPROVED
    before_b, b_versions = snapshot(b), list(b.versions.values())
    merge = merge_profiles(a, b, actor=hr, reason="Gộp")
    undo_merge(merge, hr, "Nhầm")
    b2 = Profile.objects.get(pk=b.pk)
    assert snapshot(b2) == before_b
    assert b2.status == ProfileStatus.APPROVED
    after = list(b2.versions.values())
    for k in b_versions[0]:
        assert after[0][k] == b_versions[0][k], k


def test_undo_refuses_when_the_survivor_changed_since(pair, hr):
    a, b = pair
    merge = merge_profiles(a, b, actor=hr, reason="Gộp")
    a = Profile.objects.get(pk=a.pk)
    a.phone = "0000000000"
    a.save()
    with pytest.raises(MergeError, match="đã được sửa sau khi gộp"):
        undo_merge(merge, hr, "Nhầm")
    assert not Profile.objects.filter(pk=b.pk).exists()


def test_merge_is_all_or_nothing(pair, hr):
    a, b = pair
    before_a, before_b = snapshot(a), snapshot(b)
    with pytest.raises(MergeError):
        merge_profiles(a, b, actor=hr, reason="x", decisions={"phone": "both"})
    assert snapshot(Profile.objects.get(pk=a.pk)) == before_a
    assert snapshot(Profile.objects.get(pk=b.pk)) == before_b
    assert not ProfileMerge.objects.exists()


def test_merge_row_into_profile_and_undo(make_profile, hr, tree):
    p = make_profile(phone="")
    QualityAssessment(profile=p, year=2023, rating_code="HTT").save()
    p = Profile.objects.get(pk=p.pk)
    before = snapshot(p)
    merge = merge_row_into_profile(
        p,
        {"full_name": "NGUYEN VAN AN", "phone": "0987654321", "religion": "01"},
        children={
            "assessments": [
                {"year": 2023, "rating_code": "HTT", "note": "từ tệp cũ"},
                {"year": 2024, "rating_code": "HTXS"},
            ]
        },
        actor=hr,
        reason="Nhập tệp Vĩnh Phúc",
        source="vinhphuc.xlsx",
        source_date=date(2025, 6, 30),
        profile_source_date=date(2024, 1, 1),
    )
    p.refresh_from_db()
    assert p.phone == "0987654321"
    assert p.religion == "01"  # newest source
    assert p.full_name == "Nguyễn Văn An"
    notes = dict(QualityAssessment.objects.filter(profile=p).values_list("year", "note"))
    assert notes == {2023: "từ tệp cũ", 2024: ""}
    assert merge.kind == ProfileMerge.Kind.ROW
    undo_merge(merge, hr, "Nhầm tệp")
    assert snapshot(Profile.objects.get(pk=p.pk)) == before


def test_row_merge_rejects_unknown_fields(make_profile, hr):
    p = make_profile()
    with pytest.raises(MergeError, match="status"):
        merge_row_into_profile(p, {"status": "synced"}, actor=hr, reason="x")
