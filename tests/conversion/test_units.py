"""The campaign's unit part: a merged unit's people are moved through the tree's re-homing
path; a split unit's people are left to the split review."""

from datetime import date

import pytest

from conversion import services
from conversion.models import ChangeRow, Outcome
from orgtree.models import Role, Unit, UnitChangeEvent, UnitSuccession
from orgtree.services import merge_units
from profiles.models import CareerEvent, Profile, WorkHistory

AS_OF = date(2026, 1, 10)
MERGED_ON = date(2025, 7, 1)


@pytest.fixture
def province_hr(tree, user_with):
    return user_with("canbo_tinh", (tree["H40"], Role.HR_OFFICER))


def _attach(profile, unit):
    """A record attached to a closed unit (imported after the tree changed)."""
    Profile.objects.filter(pk=profile.pk).update(unit=unit)
    return Profile.objects.get(pk=profile.pk)


def test_commit_moves_a_merged_units_people_with_work_history(tree, make_profile, province_hr):
    merge_units([tree["H40.11"]], target=tree["H40.10"], effective_date=MERGED_ON)
    closed = Unit.objects.get(pk=tree["H40.11"].pk)
    person = _attach(make_profile(), closed)
    WorkHistory.objects.create(profile=person, start_date=date(2020, 1, 1), unit=closed)

    campaign = services.preview(unit=tree["H40"], as_of=AS_OF, user=province_hr)
    row = ChangeRow.objects.get(campaign=campaign, profile=person, field="unit")
    assert (row.outcome, row.rule, row.new_unit_id) == (
        Outcome.CONVERTED,
        "unit_merged",
        tree["H40.10"].pk,
    )

    result = services.commit(campaign, province_hr)
    assert result.moved == 1
    assert Profile.objects.get(pk=person.pk).unit_id == tree["H40.10"].pk
    rows = list(WorkHistory.objects.filter(profile=person).order_by("start_date"))
    assert [(r.unit_id, r.end_date) for r in rows] == [
        (closed.pk, date(2025, 6, 30)),
        (tree["H40.10"].pk, None),
    ]
    assert rows[1].start_date == MERGED_ON
    assert CareerEvent.objects.filter(profile=person, kind=CareerEvent.Kind.REHOMING).exists()
    assert ChangeRow.objects.get(pk=row.pk).applied
    campaign.refresh_from_db()
    assert campaign.counts["moved_profiles"] == 1


def test_a_split_unit_goes_to_review_with_a_pointer_and_is_not_moved(tree, make_profile, hr):
    source = tree["H40.10.01"]
    a = Unit.objects.create(name="Phòng A", code="H40.10.02", parent=tree["H40.10"],
                            kind=Unit.Kind.DIVISION, valid_from=MERGED_ON)  # fmt: skip
    b = Unit.objects.create(name="Phòng B", code="H40.10.03", parent=tree["H40.10"],
                            kind=Unit.Kind.DIVISION, valid_from=MERGED_ON)  # fmt: skip
    event = UnitChangeEvent.objects.create(
        kind=UnitChangeEvent.Kind.SPLIT, effective_date=MERGED_ON
    )
    for target in (a, b):
        UnitSuccession.objects.create(
            predecessor=source,
            successor=target,
            event=event,
            effective_date=MERGED_ON,
            partial=True,
        )
    Unit.objects.filter(pk=source.pk).update(status=Unit.Status.SPLIT, valid_to=MERGED_ON)
    person = make_profile()  # in H40.10.01

    campaign = services.preview(unit=tree["H40.10"], as_of=AS_OF, user=hr)
    row = ChangeRow.objects.get(campaign=campaign, profile=person, field="unit")
    assert (row.outcome, row.rule, row.new_unit_id) == (Outcome.REVIEW, "unit_split", None)
    assert "chia tách" in row.reason and "split_review" in row.reason
    assert {c["unit"]["code"] for c in row.candidates} == {"H40.10.02", "H40.10.03"}
    assert services.commit(campaign, hr).moved == 0
    assert Profile.objects.get(pk=person.pk).unit_id == source.pk


def _world(profile):
    """Everything of one person the move touches: the profile, its work rows, its events."""
    from profiles.services import snapshot

    p = Profile.objects.get(pk=profile.pk)
    work = list(
        WorkHistory.objects.filter(profile=p)
        .order_by("pk")
        .values("pk", "unit_id", "start_date", "end_date", "position_code", "title_code")
    )
    events = list(CareerEvent.objects.filter(profile=p).order_by("pk").values("pk", "kind"))
    versions = list(p.versions.order_by("number").values_list("number", "status"))
    return snapshot(p), p.status, p.unit_id, work, events, versions


def test_undo_takes_the_unit_move_back_exactly(tree, make_profile, province_hr, approver):
    from profiles import workflow

    merge_units([tree["H40.11"]], target=tree["H40.10"], effective_date=MERGED_ON)
    closed = Unit.objects.get(pk=tree["H40.11"].pk)
    person = _attach(
        make_profile(hometown_text="Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"), closed
    )
    WorkHistory.objects.create(
        profile=person,
        start_date=date(2020, 1, 1),
        unit=closed,
        position_code="",
    )
    only_moved = _attach(
        make_profile(personal_id="040085001235", full_name="Trần Văn Bình"), closed
    )
    WorkHistory.objects.create(profile=only_moved, start_date=date(2019, 3, 1), unit=closed)
    workflow.submit(only_moved, province_hr)  # waits for approval: the move withdraws it
    before = {p.pk: _world(p) for p in (person, only_moved)}

    campaign = services.preview(unit=tree["H40"], as_of=AS_OF, user=province_hr)
    result = services.commit(campaign, province_hr)
    assert result.moved == 2
    for p in (person, only_moved):
        assert _world(p) != before[p.pk]
        assert Profile.objects.get(pk=p.pk).unit_id == tree["H40.10"].pk

    undone = services.undo(campaign, province_hr)
    assert undone.done and undone.profiles == 2
    assert {p.pk: _world(p) for p in (person, only_moved)} == before


def test_undo_is_refused_when_the_moved_work_row_was_edited(tree, make_profile, province_hr):
    merge_units([tree["H40.11"]], target=tree["H40.10"], effective_date=MERGED_ON)
    closed = Unit.objects.get(pk=tree["H40.11"].pk)
    person = _attach(make_profile(), closed)
    WorkHistory.objects.create(profile=person, start_date=date(2020, 1, 1), unit=closed)
    campaign = services.preview(unit=tree["H40"], as_of=AS_OF, user=province_hr)
    services.commit(campaign, province_hr)
    row = WorkHistory.objects.get(profile=person, unit=tree["H40.10"])
    row.description = "Chuyên viên phòng Ngân sách"
    row._change_reason = "Bổ sung mô tả"
    row.save()

    result = services.undo(campaign, province_hr)
    assert not result.done
    assert [(b["profile_id"], b["full_name"]) for b in result.blockers] == [
        (person.pk, person.full_name)
    ]
    assert Profile.objects.get(pk=person.pk).unit_id == tree["H40.10"].pk  # nothing undone


def test_undo_after_a_move_that_recomputed_a_converted_position(tree, make_profile, province_hr):
    """The move recomputes the current position from the open work row (which starts after
    the reference date, so the code conversion did not touch it): the committed state is the
    move's, and undo still restores the original exactly."""
    merge_units([tree["H40.11"]], target=tree["H40.10"], effective_date=MERGED_ON)
    closed = Unit.objects.get(pk=tree["H40.11"].pk)
    person = _attach(make_profile(), closed)
    WorkHistory.objects.create(
        profile=person, start_date=date(2026, 3, 1), unit=closed, position_code="CTUBTT"
    )
    Profile.objects.filter(pk=person.pk).update(position_code="CTUBTT")
    before = _world(person)

    campaign = services.preview(unit=tree["H40"], as_of=AS_OF, user=province_hr)
    assert ChangeRow.objects.get(
        campaign=campaign, profile=person, field="position_code"
    ).outcome == (Outcome.CONVERTED)
    assert services.commit(campaign, province_hr).moved == 1
    undone = services.undo(campaign, province_hr)
    assert undone.done, undone.blockers
    assert _world(person) == before
