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
