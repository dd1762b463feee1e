"""Places in family and work-history rows: a living relative's residence is converted (the
text before kept as "nguyên văn"), a past workplace is never rewritten but gets a note of where
the place lies today; uncertain ones go to the same review queue, named; undo restores them."""

from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from conversion import review, services
from conversion.models import ChangeRow, Outcome
from conversion.report import write_report
from profiles.models import FamilyMember, Profile, WorkHistory

AS_OF = date(2026, 1, 10)
THON_3 = "Thôn 3, Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
VAY_NUA = "Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình"  # split between two new communes
DISTRICT = "Ủy ban nhân dân huyện Yên Lạc, Tỉnh Vĩnh Phúc"


@pytest.fixture
def person(make_profile):
    p = make_profile(current_residence="Phường Vinh Tân, Nghệ An")
    rows = {
        "mother": FamilyMember.objects.create(
            profile=p, relationship_code="ME", full_name="Nguyễn Thị An", address=THON_3
        ),
        "father": FamilyMember.objects.create(  # deceased: his last residence stays
            profile=p, relationship_code="BO", full_name="Lê Văn Ba", address=THON_3, deceased=True
        ),
        "wife": FamilyMember.objects.create(
            profile=p, relationship_code="VO", full_name="Trần Thị Cúc", address=VAY_NUA
        ),
        "district": WorkHistory.objects.create(
            profile=p,
            start_date=date(2010, 3, 1),
            end_date=date(2015, 6, 30),
            unit_name=DISTRICT,
        ),
        "company": WorkHistory.objects.create(
            profile=p,
            start_date=date(2008, 1, 1),
            end_date=date(2010, 2, 28),
            unit_name="Công ty ABC",
        ),
        "split": WorkHistory.objects.create(
            profile=p,
            start_date=date(2006, 1, 1),
            end_date=date(2007, 12, 31),
            unit_name=f"Trường Tiểu học Vầy Nưa, {VAY_NUA}",
        ),
    }
    return Profile.objects.get(pk=p.pk), rows


def _child(campaign, obj, field):
    return ChangeRow.objects.get(campaign=campaign, field=field, child_id=obj.pk)


def _values(rows):
    out = {}
    for key, obj in rows.items():
        obj.refresh_from_db()
        if isinstance(obj, FamilyMember):
            out[key] = (obj.address, obj.address_original)
        else:
            out[key] = (obj.unit_id, obj.unit_name, obj.place_note)
    return out


def test_preview_converts_residences_and_notes_past_workplaces(person, hr, tree):
    profile, rows = person
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)

    mother = _child(campaign, rows["mother"], "family_address")
    assert (mother.outcome, mother.profile_id) == (Outcome.CONVERTED, profile.pk)
    assert mother.new_text == "Thôn 3, Xã Tam Hồng, Tỉnh Phú Thọ"
    assert mother.child_label == "Quan hệ gia đình: Mẹ – Nguyễn Thị An, nơi ở"
    # a deceased relative's residence and a workplace naming no place get no row
    assert not ChangeRow.objects.filter(campaign=campaign, child_id=rows["father"].pk).exists()
    company = rows["company"]
    assert not ChangeRow.objects.filter(
        campaign=campaign, field="work_place", child_id=company.pk
    ).exists()
    # the past workplace is not rewritten: the row carries a note of where it lies today
    district = _child(campaign, rows["district"], "work_place")
    assert (district.outcome, district.old_text) == (Outcome.CONVERTED, DISTRICT)
    assert district.new_text == "nay thuộc Tỉnh Phú Thọ"
    assert district.child_label.startswith("Quá trình công tác: 03/2010 – 06/2015")

    wife = _child(campaign, rows["wife"], "family_address")
    assert wife.outcome == Outcome.REVIEW and wife.new_text == ""
    assert {c["commune"]["code"] for c in wife.candidates} == {"04828", "04891"}
    assert _child(campaign, rows["split"], "work_place").outcome == Outcome.REVIEW
    # the review queue names the rows, and offers the child fields in its filter
    group = next(g for g in review.review_groups(campaign) if VAY_NUA in g.texts)
    assert f"{profile.full_name} — Quan hệ gia đình: Vợ – Trần Thị Cúc, nơi ở" in group.rows
    assert ("family_address", "Quan hệ gia đình – nơi ở") in review.PLACE_FIELD_CHOICES
    assert [r.pk for r in review.review_rows(campaign, "family_address")] == [wife.pk]
    assert campaign.counts["fields"]["family_address"] == {
        Outcome.CONVERTED: 1,
        Outcome.REVIEW: 1,
    }


def test_one_decision_serves_profile_family_and_work_rows_alike(person, hr, tree):
    profile, rows = person
    Profile.objects.filter(pk=profile.pk).update(current_residence=VAY_NUA)
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    wife = _child(campaign, rows["wife"], "family_address")
    choice = next(i for i, c in enumerate(wife.candidates) if c["commune"]["code"] == "04891")
    assert services.decide_text(campaign, VAY_NUA, choice, hr) == 2  # profile and wife

    wife.refresh_from_db()
    assert (wife.outcome, wife.new_text) == (Outcome.CONVERTED, "Xã Tiền Phong, Tỉnh Phú Thọ")
    own = ChangeRow.objects.get(campaign=campaign, field="current_residence")
    assert own.new_text == wife.new_text
    # the work row's text is decided on its own, and becomes a note, not a rewrite
    text = f"Trường Tiểu học Vầy Nưa, {VAY_NUA}"
    work = _child(campaign, rows["split"], "work_place")
    choice = next(i for i, c in enumerate(work.candidates) if c["commune"]["code"] == "04891")
    assert services.decide_text(campaign, text, choice, hr) == 1
    work.refresh_from_db()
    assert (work.outcome, work.new_text) == (
        Outcome.CONVERTED,
        "nay thuộc Xã Tiền Phong, Tỉnh Phú Thọ",
    )


def test_commit_writes_child_rows_with_history_and_undo_restores_them(person, hr, tree):
    _profile, rows = person
    before = _values(rows)
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    result = services.commit(campaign, hr)
    assert result.profiles == 1 and not result.stale

    after = _values(rows)
    assert after["mother"] == ("Thôn 3, Xã Tam Hồng, Tỉnh Phú Thọ", THON_3)
    assert after["father"] == before["father"]  # deceased: as written
    assert after["wife"] == before["wife"]  # waits for a person
    # the work history keeps where the person worked, with the note beside it
    assert after["district"] == (None, DISTRICT, "nay thuộc Tỉnh Phú Thọ")
    assert after["company"] == before["company"]
    latest = rows["mother"].history.order_by("-history_id").first()
    assert latest.history_user == hr and f"#{campaign.pk}" in latest.history_change_reason
    assert latest.address_original == THON_3
    report_rows = ChangeRow.objects.filter(campaign=campaign, applied=True, field="work_place")
    assert list(report_rows.values_list("child_id", flat=True)) == [rows["district"].pk]

    undone = services.undo(campaign, hr)
    assert undone.done, undone.blockers
    assert _values(rows) == before


def test_a_child_row_edited_since_the_commit_blocks_the_undo(person, hr, tree):
    _profile, rows = person
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    services.commit(campaign, hr)
    FamilyMember.objects.filter(pk=rows["mother"].pk).update(address="Xã Khác, Tỉnh Phú Thọ")

    result = services.undo(campaign, hr)
    assert not result.done
    assert f"family_address#{rows['mother'].pk}" in result.blockers[0]["reason"]
    assert WorkHistory.objects.get(pk=rows["district"].pk).place_note == "nay thuộc Tỉnh Phú Thọ"


def test_commit_leaves_a_child_row_edited_after_the_preview(person, hr, tree):
    profile, rows = person
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    FamilyMember.objects.filter(pk=rows["mother"].pk).update(address="Phường Vinh Tân, Nghệ An")
    result = services.commit(campaign, hr)
    assert result.stale == [profile.pk]
    mother = FamilyMember.objects.get(pk=rows["mother"].pk)
    assert (mother.address, mother.address_original) == ("Phường Vinh Tân, Nghệ An", "")
    assert WorkHistory.objects.get(pk=rows["district"].pk).place_note == "nay thuộc Tỉnh Phú Thọ"


def test_report_names_the_child_row(person, hr, tree, tmp_path):
    _profile, _rows = person
    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    path = tmp_path / "report.xlsx"
    write_report(campaign, path, user=hr)
    detail = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Chi tiết").to_python()
    mother = next(r for r in detail[1:] if r[3] == "Quan hệ gia đình: Mẹ – Nguyễn Thị An, nơi ở")
    assert (mother[7], mother[8]) == (THON_3, "Thôn 3, Xã Tam Hồng, Tỉnh Phú Thọ")


def _recorder():
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _assert_forward_and_full_only_at_the_end(calls, total):
    dones = [d for d, _t in calls]
    totals = [t for _d, t in calls]
    assert dones == sorted(dones) and totals == sorted(totals)  # never backwards
    assert calls[-1] == (total, total)
    assert all(d < t for d, t in calls[:-1])  # full only once all is written
    assert len(calls) > 2  # the bar moved in between


def test_the_progress_counts_the_child_rows_as_steps(person, hr, tree):
    profile, _rows = person
    calls, progress = _recorder()
    campaign = services.create_campaign(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    services.fill_preview(campaign, hr, chunk_size=1, progress=progress)
    # one profile; mother, wife (living), district, company, split (outside the tree) looked at
    looked_at = FamilyMember.objects.filter(profile=profile, deceased=False).count()
    looked_at += WorkHistory.objects.filter(profile=profile, unit__isnull=True).count()
    assert looked_at == 5
    _assert_forward_and_full_only_at_the_end(calls, 1 + looked_at)
    assert calls[1] == (1, 1 + looked_at)  # the profile, then each child row

    kids = ChangeRow.objects.filter(
        campaign=campaign, outcome=Outcome.CONVERTED, field__in=["family_address", "work_place"]
    ).count()
    assert kids == 2  # mother, district
    calls, progress = _recorder()
    services.commit(campaign, hr, chunk_size=1, progress=progress)
    assert calls[0] == (0, 1 + kids) and calls[-1] == (1 + kids, 1 + kids)
    assert all(d < t for d, t in calls[:-1])

    calls, progress = _recorder()
    services.undo(campaign, hr, chunk_size=1, progress=progress)
    assert calls[0] == (0, 1 + kids) and calls[-1] == (1 + kids, 1 + kids)
    assert all(d < t for d, t in calls[:-1])
