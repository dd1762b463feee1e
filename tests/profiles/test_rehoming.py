from datetime import date

from orgtree.models import Unit, UnitChangeEvent
from orgtree.signals import unit_split, units_merged
from orgtree.split_review import split_profiles_assigned
from profiles import workflow
from profiles.models import CareerEvent, Profile, ProfileStatus, WorkHistory


def _event(kind, number="123/QĐ-UBND"):
    return UnitChangeEvent.objects.create(
        kind=kind, effective_date=date(2025, 7, 1), legal_basis_number=number,
        legal_basis_date=date(2025, 6, 20),
    )  # fmt: skip


def _working(make_profile, unit, pid):
    p = make_profile(unit=unit, personal_id=pid)
    WorkHistory(profile=p, start_date=date(2010, 1, 1), unit=unit, position_code="TP").save()
    return Profile.objects.get(pk=p.pk)


def test_merge_moves_profiles_and_writes_their_history(make_profile, tree, hr, approver):
    source, target = tree["H40.10.01"], tree["H40.11"]
    p = _working(make_profile, source, "040085001234")
    workflow.approve(workflow.submit(p, hr), approver)
    stay = _working(make_profile, tree["H40.10"], "040085004321")
    event = _event(UnitChangeEvent.Kind.MERGE)
    Unit.objects.filter(pk=source.pk).update(status=Unit.Status.MERGED)
    units_merged.send(sender=Unit, event=event, sources=[source], target=target)

    p.refresh_from_db()
    assert p.unit_id == target.pk and p.position_code == "TP"
    rows = list(WorkHistory.objects.filter(profile=p).order_by("start_date"))
    assert [(r.unit_id, r.start_date, r.end_date) for r in rows] == [
        (source.pk, date(2010, 1, 1), date(2025, 6, 30)),
        (target.pk, date(2025, 7, 1), None),
    ]
    last = p.history.first()
    assert "123/QĐ-UBND" in last.history_change_reason
    assert last.prev_record.unit_id == source.pk
    assert CareerEvent.objects.filter(profile=p, kind=CareerEvent.Kind.REHOMING).exists()
    assert p.status == ProfileStatus.DRAFT  # moved: needs a new approval
    assert Profile.objects.get(pk=stay.pk).unit_id == tree["H40.10"].pk


def test_split_keeps_the_unit_own_people_until_assigned(make_profile, tree):
    source = tree["H40.10"]
    p = _working(make_profile, source, "040085001234")
    child = _working(make_profile, tree["H40.10.01"], "040085004321")
    event = _event(UnitChangeEvent.Kind.SPLIT)
    targets = [tree["H40.11"], tree["H40"]]
    unit_split.send(sender=Unit, event=event, source=source, targets=targets,
                    child_mapping={tree["H40.10.01"].pk: tree["H40.11"].pk})  # fmt: skip
    assert Profile.objects.get(pk=p.pk).unit_id == source.pk  # waits in orgtree.split_review
    assert Profile.objects.get(pk=child.pk).unit_id == tree["H40.10.01"].pk  # follows its unit
    split_profiles_assigned.send(sender=Unit, event=event, source=source, target=targets[1],
                                 profile_ids=[p.pk], actor=None)  # fmt: skip
    assert Profile.objects.get(pk=p.pk).unit_id == tree["H40"].pk
    rows = WorkHistory.objects.filter(profile=p).order_by("start_date")
    assert [r.unit_id for r in rows] == [source.pk, tree["H40"].pk]


def test_a_failing_rehome_rolls_back(make_profile, tree):
    import pytest
    from django.db import transaction

    source, target = tree["H40.11"], tree["H40.10"]
    p = _working(make_profile, source, "040085001234")
    event = _event(UnitChangeEvent.Kind.MERGE)
    calls = []

    def boom(*a, **k):
        calls.append(1)
        raise RuntimeError("lỗi giả lập")

    # a second receiver that fails after ours: the tree operation's transaction rolls back
    units_merged.connect(boom, dispatch_uid="test-boom")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            units_merged.send(sender=Unit, event=event, sources=[source], target=target)
    finally:
        units_merged.disconnect(dispatch_uid="test-boom")
    assert calls and Profile.objects.get(pk=p.pk).unit_id == source.pk
    assert WorkHistory.objects.filter(profile=p).count() == 1


def test_real_merge_and_split_through_the_tree_services(make_profile, hr):
    """The same re-homing, driven by :func:`orgtree.services.merge_units` and ``split_unit``."""
    from orgtree import services

    def unit(name, code, parent=None):
        return services.create_unit(
            name=name, code=code, kind=Unit.Kind.DEPARTMENT if parent else Unit.Kind.PROVINCE_PC,
            parent=parent, valid_from=date(2020, 1, 1),
        )  # fmt: skip

    province = unit("Ủy ban nhân dân tỉnh Thử", "H90")
    planning = unit("Sở Kế hoạch và Đầu tư", "H90.03", province)
    finance = unit("Sở Tài chính", "H90.02", province)
    old = unit("Sở Nông nghiệp và Phát triển nông thôn", "H90.06", province)
    planner = _working(make_profile, planning, "040085001234")
    farmer = _working(make_profile, old, "040085004321")

    services.merge_units(
        [planning], target=finance, effective_date=date(2025, 7, 1),
        legal_basis_number="202/2025/QH15", reason="Sáp nhập Sở KH&ĐT vào Sở Tài chính",
    )  # fmt: skip
    planner.refresh_from_db()
    assert planner.unit_id == finance.pk
    assert "202/2025/QH15" in planner.history.first().history_change_reason
    assert WorkHistory.objects.filter(profile=planner, unit=finance, end_date=None).exists()

    targets, _, _ = services.split_unit(
        Unit.objects.get(pk=old.pk),
        targets=[
            {"name": "Sở Nông nghiệp và Môi trường", "code": "H90.07", "kind": Unit.Kind.DEPARTMENT,
             "parent": province},
            {"name": "Ban Quản lý rừng", "code": "H90.08", "kind": Unit.Kind.DEPARTMENT,
             "parent": province},
        ],
        child_mapping={}, effective_date=date(2025, 7, 1), legal_basis_number="01/QĐ-UBND",
    )  # fmt: skip
    farmer.refresh_from_db()
    assert farmer.unit_id == old.pk  # the unit's own people wait in the split's review list
    from orgtree import split_review
    from orgtree.models import SplitAssignment

    review = list(SplitAssignment.objects.filter(source=old))
    assert [r.profile_id for r in review] == [farmer.pk]
    split_review.assign(review, targets[1], actor=hr)
    farmer.refresh_from_db()
    assert farmer.unit_id == targets[1].pk
    assert "01/QĐ-UBND" in farmer.history.first().history_change_reason
