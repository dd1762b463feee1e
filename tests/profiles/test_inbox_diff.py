"""The diff the approver reads (profiles/diffing.py): a submitted version against the last
approved or signed one, field by field and row by row, in names rather than codes, with the
changed characters marked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from profiles import workflow
from profiles.diffing import (
    ADDED,
    CHANGED,
    REMOVED,
    Part,
    base_version,
    char_diff,
    diff_snapshots,
    diff_versions,
    field_label,
)
from profiles.models import FamilyMember, Profile, SalaryHistory, WorkHistory


def test_char_diff_marks_only_the_differing_characters():
    old, new = char_diff("Nguyễn Văn An", "Nguyễn Văn Ân")
    assert old == [Part("Nguyễn Văn "), Part("A", True), Part("n")]
    assert new == [Part("Nguyễn Văn "), Part("Â", True), Part("n")]
    assert "".join(p.text for p in old) == "Nguyễn Văn An"
    old, new = char_diff("", "Hà Nội")
    assert old == [] and new == [Part("Hà Nội", True)]
    old, new = char_diff("Như cũ", "Như cũ")
    assert old == new == [Part("Như cũ")]


def _edit(obj, user, reason="Sửa hồ sơ"):
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


@pytest.fixture
def approved_profile(make_profile, hr, approver, tree):
    """A profile with a work row, two salary rows and a family row, submitted by HR and
    approved: version 1 is the base of the next submission."""
    p = make_profile()
    WorkHistory.objects.create(
        profile=p, start_date=date(2016, 1, 1), unit=tree["H40.10"], position_code="PTP"
    )
    for step, (year, coefficient) in enumerate([(2012, "2.34"), (2015, "2.67")], start=1):
        SalaryHistory.objects.create(
            profile=p,
            effective_date=date(year, 1, 1),
            salary_scale="A1",
            grade_code="01.003",
            step=step,
            coefficient=Decimal(coefficient),
        )
    FamilyMember.objects.create(profile=p, relationship_code="BO", full_name="Nguyễn Văn Bình")
    version = workflow.submit(Profile.objects.get(pk=p.pk), hr)
    workflow.approve(version, approver)
    return Profile.objects.get(pk=p.pk)


def test_first_submission_shows_the_content_in_names(make_profile, hr, tree):
    p = make_profile()
    WorkHistory.objects.create(
        profile=p, start_date=date(2016, 1, 1), unit=tree["H40.10"], position_code="TP"
    )
    version = workflow.submit(Profile.objects.get(pk=p.pk), hr)
    diff = diff_versions(version)
    assert diff.first_submission and diff.base is None
    by_label = {f.label: f for f in diff.fields}
    assert by_label["Giới tính"].new == "1 – Nam"
    assert by_label["Dân tộc"].new == "01 – Kinh"
    assert by_label["Họ và tên khai sinh"].new == "Nguyễn Văn An"
    assert by_label["Ngày sinh"].new == "14/03/1985"
    # a place code with the administrative unit's name (the newest release that has it)
    assert by_label["Nơi sinh – mã tỉnh"].new.startswith("40 – ")
    assert "Nghệ An" in by_label["Nơi sinh – mã tỉnh"].new
    assert all(f.old == "" for f in diff.fields)
    assert "id" not in {f.name for f in diff.fields}
    (work,) = [g for g in diff.groups if g.key == "work_history"]
    assert work.label == "Quá trình công tác"
    (row,) = work.rows
    assert row.kind == ADDED
    values = {f.label: f.new for f in row.fields}
    assert values["Chức vụ"] == "TP – Trưởng phòng"
    assert values["Đơn vị (trong cây)"] == "Sở Tài chính"
    assert values["Từ ngày"] == "01/01/2016"
    assert values["Kiêm nhiệm"] == "Không"
    # no "None" anywhere, empty values are left out
    rows = [r for g in diff.groups for r in g.rows]
    texts = [f.new for f in diff.fields] + [f.new for r in rows for f in r.fields]
    assert "None" not in " ".join(texts) and "" not in texts


def test_fields_and_child_rows_against_the_last_approved_version(approved_profile, hr, approver):
    p = approved_profile
    p.full_name = "Nguyễn Văn Ân"
    p.ethnicity = "02"
    _edit(p, hr)
    work = WorkHistory.objects.get(profile=p)
    work.position_code = "TP"
    _edit(work, hr)
    SalaryHistory.objects.get(profile=p, step=1).delete()
    FamilyMember.objects.create(profile=p, relationship_code="ME", full_name="Trần Thị Cúc")
    p = Profile.objects.get(pk=p.pk)
    assert p.status == "draft"  # the edit after approval re-opened it
    version = workflow.submit(p, hr)

    diff = diff_versions(version)
    assert not diff.first_submission and diff.base.number == 1
    fields = {f.name: f for f in diff.fields}
    assert set(fields) >= {"full_name", "ethnicity"}
    assert (fields["ethnicity"].old, fields["ethnicity"].new) == ("01 – Kinh", "02 – Tày")
    name = fields["full_name"]
    assert [p.text for p in name.new_parts if p.changed] == ["Â"]
    assert [p.text for p in name.old_parts if p.changed] == ["A"]
    # unchanged fields are not listed
    assert "sex" not in fields and "date_of_birth" not in fields

    groups = {g.key: g for g in diff.groups}
    (changed,) = groups["work_history"].rows
    assert changed.kind == CHANGED
    assert [(f.label, f.old, f.new) for f in changed.fields] == [
        ("Chức vụ", "PTP – Phó Trưởng phòng", "TP – Trưởng phòng")
    ]
    (removed,) = groups["salary_history"].rows
    assert removed.kind == REMOVED
    assert {f.label: f.old for f in removed.fields}["Bậc"] == "1"
    assert all(f.new == "" for f in removed.fields)
    (added,) = groups["family"].rows
    assert added.kind == ADDED and added.kind_label == "Thêm mới"
    assert {f.label: f.new for f in added.fields}["Quan hệ"] == "ME – Mẹ"
    assert "Trần Thị Cúc" in added.summary
    # tables without a change are not listed
    assert "education" not in groups


def test_a_row_deleted_and_entered_again_unchanged_is_no_change(approved_profile, hr):
    row = FamilyMember.objects.get(profile=approved_profile)
    row.delete()
    FamilyMember.objects.create(
        profile=approved_profile, relationship_code="BO", full_name="Nguyễn Văn Bình"
    )
    version = workflow.submit(Profile.objects.get(pk=approved_profile.pk), hr)
    diff = diff_versions(version)
    assert [g.key for g in diff.groups] == []


def test_a_row_entered_again_with_another_value_is_one_changed_row(approved_profile, hr):
    """A re-import deletes and re-creates rows: the salary row of 2015 (same date, new
    coefficient) is shown as changed, not as one row removed and one added."""
    old = SalaryHistory.objects.get(profile=approved_profile, step=2)
    old.delete()
    SalaryHistory.objects.create(
        profile=approved_profile,
        effective_date=date(2015, 1, 1),
        salary_scale="A1",
        grade_code="01.003",
        step=2,
        coefficient=Decimal("2.66"),
    )
    version = workflow.submit(Profile.objects.get(pk=approved_profile.pk), hr)
    groups = {g.key: g for g in diff_versions(version).groups}
    (row,) = groups["salary_history"].rows
    assert row.kind == CHANGED
    # numbers as the language writes them (Vietnamese: decimal comma)
    assert [(f.label, f.old, f.new) for f in row.fields] == [("Hệ số", "2,67", "2,66")]


def test_the_base_is_the_last_approved_or_signed_version_not_a_returned_one(
    approved_profile, hr, approver
):
    v1 = approved_profile.versions.get(number=1)
    workflow.mark_signed(v1, signed_by=approver, signature_reference="sig-1")
    p = Profile.objects.get(pk=approved_profile.pk)
    p.other_names = "Tên cũ"
    _edit(p, hr)
    v2 = workflow.submit(Profile.objects.get(pk=p.pk), hr)
    workflow.reject(v2, approver, "Sai tên gọi khác")
    p = Profile.objects.get(pk=p.pk)
    p.other_names = "Tên mới"
    _edit(p, hr)
    v3 = workflow.submit(Profile.objects.get(pk=p.pk), hr)
    assert base_version(v3) == v1
    diff = diff_versions(v3)
    (change,) = diff.fields
    assert (change.label, change.old, change.new) == ("Tên gọi khác", "", "Tên mới")


def test_groups_left_out_for_the_reader_are_not_compared():
    old = {"profile": {"id": 1, "full_name": "A"}, "health": [{"id": 5, "status": "Tốt"}]}
    new = {"profile": {"id": 1, "full_name": "A"}}  # health hidden from this reader
    fields, groups = diff_snapshots(old, new)
    assert fields == [] and groups == []


@pytest.mark.django_db
def test_finding_fields_in_words():
    assert field_label("sex") == "Giới tính"
    assert field_label("work_history[2].position_code") == "Quá trình công tác, dòng 2: Chức vụ"
    assert field_label("unknown_thing") == "unknown_thing"
    assert field_label("") == ""
