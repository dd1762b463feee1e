"""Issue 15's acceptance on the demo province: the merged Tỉnh Phú Thọ with its generated
people, a tenth of them written the pre-reform way (cbccvc/demo_reform.py). A campaign converts
every convertible place field, sends every split commune to review with its candidates, and
its report lists each change; undo restores the profiles exactly."""

from __future__ import annotations

from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from cbccvc import demo_reform
from conversion import services
from conversion.models import ChangeRow, Outcome
from conversion.report import write_report
from orgtree.models import AdminUnitConversion, Role, Unit
from orgtree.tree import subtree_q
from profiles.models import CareerEvent, FamilyMember, Profile, WorkHistory
from profiles.services import snapshot

AS_OF = date(2026, 1, 10)
PEOPLE = 200


@pytest.fixture
def province(reference_data, user_with):
    from orgtree.scenarios import ensure_new_phu_tho

    committee = ensure_new_phu_tho()
    _generate(committee, PEOPLE)
    note = demo_reform.set_up_reform_profiles(committee.code)
    officer = user_with("phutho.nhansu", (committee, Role.HR_OFFICER))
    return committee, officer, note


def _generate(root, count):
    """The demo's people (profiles.synthetic) with a fixed clock instead of today's date."""
    from profiles.synthetic import PeopleGenerator, insert_profiles, insert_rows
    from profiles.validation import validate_profiles

    gen = PeopleGenerator(root, seed=2025, today=date(2026, 1, 5))
    people = [gen.person() for _ in range(count)]
    insert_profiles([p for p, _ in people])
    by_model = {}
    for profile, rows in people:
        for objs in rows.values():
            for obj in objs:
                obj.values["profile_id"] = profile.pk
                by_model.setdefault(obj.model, []).append(obj)
    for model, objs in by_model.items():
        insert_rows(model, objs)
    validate_profiles(Profile.objects.filter(pk__in=[p.pk for p, _ in people]))


def _state(ids):
    out = {}
    for p in Profile.objects.filter(pk__in=ids).order_by("pk"):
        work = list(
            WorkHistory.objects.filter(profile=p)
            .order_by("pk")
            .values_list(
                "pk",
                "unit_id",
                "unit_name",
                "place_note",
                "start_date",
                "end_date",
                "position_code",
            )
        )
        family = list(
            FamilyMember.objects.filter(profile=p)
            .order_by("pk")
            .values_list("pk", "address", "address_original")
        )
        events = list(CareerEvent.objects.filter(profile=p).values_list("pk", "kind"))
        out[p.pk] = (snapshot(p), p.status, p.unit_id, work, family, events)
    return out


def test_a_campaign_on_the_demo_province(province, tmp_path):
    committee, officer, note = province
    people = Profile.objects.filter(subtree_q(committee, "unit"))
    old_way = Profile.objects.filter(
        pk__in=list(demo_reform.old_way(people).values_list("pk", flat=True))
    )
    assert old_way.count() == PEOPLE // 10, note
    assert old_way.filter(hometown_province_code__in=["25", "26", "17"]).exists()  # old codes
    assert FamilyMember.objects.filter(address__endswith="Tỉnh Vĩnh Phúc").exists()
    assert WorkHistory.objects.filter(unit_name__startswith="Ủy ban nhân dân huyện").exists()
    on_merged = old_way.filter(unit__status=Unit.Status.MERGED).count()  # before the moves
    assert on_merged
    ids = list(people.values_list("pk", flat=True))
    before = _state(ids)

    campaign = services.preview(unit=committee, as_of=AS_OF, user=officer)
    rows = ChangeRow.objects.filter(campaign=campaign)
    # every old home town and permanent residence written here is converted
    _whole, split_communes = demo_reform._old_communes()
    for field in ("hometown", "permanent_residence"):
        old_rows = rows.filter(field=field, profile__in=old_way)
        assert old_rows.count() == old_way.count()
        assert set(old_rows.values_list("outcome", flat=True)) == {Outcome.CONVERTED}, field
        assert not old_rows.filter(new_text__contains="Huyện ").exists()
    # every split commune waits for a person, with its successors as the candidates
    old_codes = {c.text: c.commune_code for c in split_communes}
    split = rows.filter(field="current_residence", old_text__in=list(old_codes))
    assert set(split.values_list("old_text", flat=True)) == set(old_codes)  # each of them
    for row in split:
        assert row.outcome == Outcome.REVIEW, row.old_text
        expected = set(
            AdminUnitConversion.objects.filter(
                old_commune_code=old_codes[row.old_text]
            ).values_list("new_commune_code", flat=True)
        )
        assert {c["commune"]["code"] for c in row.candidates} == expected
    assert rows.filter(field="birthplace", outcome=Outcome.UNRESOLVABLE).exists()
    assert rows.filter(field="position_code", outcome=Outcome.REVIEW).exists()  # district posts
    assert rows.filter(field="unit", rule="unit_merged").count() == on_merged
    # the family rows' old addresses are converted; the old district workplaces get a note
    family = rows.filter(field="family_address", profile__in=old_way, old_text__endswith="Phúc")
    assert family.exists()
    assert set(family.values_list("outcome", flat=True)) == {Outcome.CONVERTED}
    assert not family.filter(new_text__contains="Huyện ").exists()
    district = rows.filter(field="work_place", old_text__startswith="Ủy ban nhân dân huyện")
    assert (
        district.count()
        == WorkHistory.objects.filter(unit_name__startswith="Ủy ban nhân dân huyện").count()
    )
    # in the old Vĩnh Phúc and Hòa Bình: a note; in the old Phú Thọ, whose name stays: current
    moved = district.exclude(old_text__endswith="Tỉnh Phú Thọ")
    assert moved.exists() and district.filter(old_text__endswith="Tỉnh Phú Thọ").exists()
    assert set(moved.values_list("new_text", flat=True)) == {"nay thuộc Tỉnh Phú Thọ"}
    assert set(
        district.filter(old_text__endswith="Tỉnh Phú Thọ").values_list("outcome", "new_text")
    ) == {(Outcome.CURRENT, "")}

    result = services.commit(campaign, officer)
    assert result.moved == on_merged and not result.stale
    converted = rows.filter(outcome=Outcome.CONVERTED)
    assert converted.count() == converted.filter(applied=True).count()
    sample = rows.filter(field="hometown", profile__in=old_way).first()
    now = Profile.objects.get(pk=sample.profile_id)
    assert (now.hometown_text, now.hometown_original) == (sample.new_text, sample.old_text)
    member = FamilyMember.objects.get(pk=family.first().child_id)
    assert (member.address, member.address_original) == (
        family.first().new_text,
        family.first().old_text,
    )
    workplace = WorkHistory.objects.get(pk=moved.first().child_id)
    assert workplace.unit_name == moved.first().old_text  # the past is not rewritten
    assert workplace.place_note == "nay thuộc Tỉnh Phú Thọ"

    target = tmp_path / "report.xlsx"
    assert write_report(campaign, target, user=officer) == rows.count()
    detail = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("Chi tiết").to_python()
    written = [r for r in detail[1:] if r[-1] == "có"]
    assert len(written) == converted.count()

    undone = services.undo(campaign, officer)
    assert undone.done, undone.blockers[:3]
    assert _state(ids) == before
