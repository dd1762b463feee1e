"""The tree services: each operation, each refusal, atomicity and the recorded history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from orgtree import services, signals, tree
from orgtree.models import Unit, UnitChangeEvent, UnitEventLink, UnitPeriod, UnitSuccession

D2020 = date(2020, 1, 1)
D2024 = date(2024, 1, 1)
D2025 = date(2025, 7, 1)
Kind = Unit.Kind
Status = Unit.Status


@pytest.fixture
def actor(django_user_model):
    return django_user_model.objects.create_user("canbo.tochuc")


def unit(name, code, parent=None, kind=None, valid_from=D2020, **kw):
    return services.create_unit(
        name=name,
        code=code,
        kind=kind or (Kind.DEPARTMENT if parent else Kind.PROVINCE_PC),
        parent=parent,
        valid_from=valid_from,
        **kw,
    )


@pytest.fixture
def province(db):
    root = unit("Ủy ban nhân dân tỉnh Thử nghiệm", "H90")
    a = unit("Sở Nội vụ", "H90.01", root)
    b = unit("Sở Tài chính", "H90.02", root)
    c = unit("Sở Kế hoạch và Đầu tư", "H90.03", root)
    a1 = unit("Phòng Công chức, viên chức", "H90.01.01", a, Kind.DIVISION)
    a2 = unit("Ban Thi đua – Khen thưởng", "H90.01.02", a, Kind.DIVISION)
    c1 = unit("Phòng Đăng ký kinh doanh", "H90.03.01", c, Kind.DIVISION)
    a1x = unit("Tổ Hồ sơ", "H90.01.01.01", a1, Kind.DIVISION)
    return {"root": root, "a": a, "b": b, "c": c, "a1": a1, "a2": a2, "c1": c1, "a1x": a1x}


def assert_tree_consistent() -> None:
    """The MPTT fields agree with the parent links everywhere (after bulk re-homing)."""
    rows = {u.pk: u for u in Unit.objects.all()}
    below: dict[int, set[int]] = {pk: set() for pk in rows}
    for u in rows.values():
        depth, p = 0, u.parent_id
        while p is not None:
            below[p].add(u.pk)
            depth += 1
            p = rows[p].parent_id
        assert u.level == depth, u
    roots = [u for u in rows.values() if u.parent_id is None]
    assert len({u.tree_id for u in roots}) == len(roots)
    for u in rows.values():
        inside = {
            v.pk
            for v in rows.values()
            if v.tree_id == u.tree_id and u.lft < v.lft and v.rght < u.rght
        }
        assert inside == below[u.pk], u
        assert u.rght - u.lft == 2 * len(inside) + 1, u


def reload(u: Unit) -> Unit:
    return Unit.objects.get(pk=u.pk)


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


def names(nodes):
    return sorted(n.name for n in nodes)


def find(nodes, name):
    for n in nodes:
        if n.name == name:
            return n
        found = find(n.children, name)
        if found:
            return found
    return None


# --------------------------------------------------------------------------------------------
# create_unit
# --------------------------------------------------------------------------------------------


def test_create_unit_writes_period_event_links_and_history(db, actor):
    root = unit(
        "Ủy ban nhân dân tỉnh  Hoà Bình ",
        " 000.00.00.h29 ",
        legal_basis_number="QĐ 1/2020",
        legal_basis_date=date(2019, 12, 20),
        actor=actor,
        reason="Khởi tạo",
    )
    root = reload(root)
    assert root.name == "Ủy ban nhân dân tỉnh Hòa Bình"  # cleaned: traditional tone, spaces
    assert root.code == "000.00.00.H29"
    assert root.status == Status.ACTIVE and root.valid_to is None
    [period] = root.periods.all()
    assert (period.name, period.code, period.parent_id, period.valid_from, period.valid_to) == (
        root.name,
        root.code,
        None,
        D2020,
        None,
    )
    event = period.event
    assert event.kind == UnitChangeEvent.Kind.CREATE
    assert event.actor == actor
    assert event.legal_basis_number == "QĐ 1/2020"
    assert event.legal_basis_date == date(2019, 12, 20)
    assert event.reason == "Khởi tạo"
    assert list(event.links.values_list("unit_id", "role")) == [(root.pk, "subject")]
    history = root.history.get()
    assert history.history_user == actor
    assert "Khởi tạo" in history.history_change_reason
    assert "search_text" not in [f.name for f in history._meta.fields]
    assert "hoa binh" in root.search_text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "H9"}, "code"),
        ({"code": "000.00.H29"}, "code"),
        ({"code": ""}, "code"),
        ({"name": "   "}, "name"),
        ({"kind": "bogus"}, "kind"),
        ({"valid_from": datetime(2020, 1, 1, 8, 0)}, "valid_from"),
        ({"valid_from": "2020-01-01"}, "valid_from"),
        ({"legal_basis_date": "01/01/2020"}, "legal_basis_date"),
    ],
)
def test_create_unit_refuses_bad_input_naming_the_field(db, kwargs, field):
    args = {"name": "Sở Y tế", "code": "H91.05", "kind": Kind.DEPARTMENT, "valid_from": D2020}
    with pytest.raises(ValidationError) as exc:
        services.create_unit(**(args | kwargs))
    assert field in field_errors(exc)
    assert not Unit.objects.exists() and not UnitChangeEvent.objects.exists()


def test_create_unit_refuses_a_code_used_by_an_active_unit(province):
    with pytest.raises(ValidationError) as exc:
        unit("Sở khác", "h90.02", province["root"])
    assert "đã được dùng" in field_errors(exc)["code"][0]
    assert "Sở Tài chính" in field_errors(exc)["code"][0]


def test_a_code_is_free_again_once_its_unit_is_closed(province):
    services.dissolve_unit(province["b"], effective_date=D2024)
    again = unit("Sở Tài chính (mới)", "H90.02", province["root"], valid_from=D2024)
    assert reload(again).status == Status.ACTIVE


def test_create_unit_refuses_closed_parent_and_date_before_parent(province):
    services.dissolve_unit(province["b"], effective_date=D2024)
    with pytest.raises(ValidationError) as exc:
        unit("Phòng X", "H90.02.09", province["b"], Kind.DIVISION, valid_from=D2025)
    assert "parent" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        unit("Phòng Y", "H90.03.09", province["c"], Kind.DIVISION, valid_from=date(2019, 1, 1))
    assert "valid_from" in field_errors(exc)


# --------------------------------------------------------------------------------------------
# update_unit
# --------------------------------------------------------------------------------------------


def test_rename_opens_a_new_period_and_the_past_keeps_the_old_name(province, actor):
    event = services.update_unit(
        province["a"],
        effective_date=D2024,
        name="Sở Nội vụ và Lao động",
        code="H90.11",
        actor=actor,
        legal_basis_number="QĐ 5/QĐ-UBND",
        legal_basis_date=date(2023, 12, 1),
        reason="Đổi tên",
    )
    assert event.kind == UnitChangeEvent.Kind.RENAME
    assert event.details["changes"]["name"] == ["Sở Nội vụ", "Sở Nội vụ và Lao động"]
    assert event.details["changes"]["code"] == ["H90.01", "H90.11"]
    periods = list(province["a"].periods.order_by("valid_from"))
    assert [(p.name, p.code, p.valid_from, p.valid_to) for p in periods] == [
        ("Sở Nội vụ", "H90.01", D2020, D2024),
        ("Sở Nội vụ và Lao động", "H90.11", D2024, None),
    ]
    assert find(tree.tree_as_of(date(2023, 12, 31)), "Sở Nội vụ").code == "H90.01"
    assert find(tree.tree_as_of(D2024), "Sở Nội vụ và Lao động").code == "H90.11"
    assert find(tree.tree_as_of(D2024), "Sở Nội vụ") is None
    # The subtree did not move: children still hang under it.
    assert names(find(tree.tree_as_of(D2024), "Sở Nội vụ và Lao động").children) == [
        "Ban Thi đua – Khen thưởng",
        "Phòng Công chức, viên chức",
    ]
    latest = reload(province["a"]).history.first()
    assert latest.history_user == actor and "QĐ 5/QĐ-UBND" in latest.history_change_reason


def test_update_of_non_period_fields_records_an_event_without_a_new_period(province):
    event = services.update_unit(province["b"], effective_date=D2024, national_code="000.00.02.H90")
    assert event.kind == UnitChangeEvent.Kind.UPDATE
    assert reload(province["b"]).national_code == "000.00.02.H90"
    assert province["b"].periods.count() == 1


def test_two_changes_on_the_same_day_rewrite_that_days_period(province):
    services.update_unit(province["b"], effective_date=D2024, name="Sở Tài chính A")
    services.update_unit(province["b"], effective_date=D2024, name="Sở Tài chính B")
    assert [(p.name, p.valid_from, p.valid_to) for p in province["b"].periods.all()] == [
        ("Sở Tài chính", D2020, D2024),
        ("Sở Tài chính B", D2024, None),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "H90.02"}, "code"),  # used by Sở Tài chính
        ({"code": "bad code"}, "code"),
        ({"name": ""}, "name"),
        ({"kind": "nope"}, "kind"),
        ({"parent": None}, "parent"),
        ({"status": "merged"}, "status"),
        ({"effective_date": date(2019, 12, 31), "name": "X"}, "effective_date"),
    ],
)
def test_update_unit_refusals(province, changes, field):
    args = {"effective_date": D2024} | changes
    with pytest.raises(ValidationError) as exc:
        services.update_unit(province["a"], **args)
    assert field in field_errors(exc)
    assert reload(province["a"]).name == "Sở Nội vụ"
    assert province["a"].periods.count() == 1


def test_update_without_change_is_refused(province):
    with pytest.raises(ValidationError, match="Không có thông tin nào thay đổi"):
        services.update_unit(province["a"], effective_date=D2024, name="Sở  Nội vụ")


def test_no_operation_on_a_closed_unit(province):
    services.dissolve_unit(province["b"], effective_date=D2024)
    for call in (
        lambda: services.update_unit(province["b"], effective_date=D2025, name="X"),
        lambda: services.move_unit(province["b"], province["a"], effective_date=D2025),
        lambda: services.dissolve_unit(province["b"], effective_date=D2025),
        lambda: services.merge_units([province["b"]], target=province["a"], effective_date=D2025),
        lambda: services.merge_units([province["c"]], target=province["b"], effective_date=D2025),
    ):
        closed = (
            r"\) đã giải thể từ \d\d/\d\d/\d{4}; không thể thực hiện thao tác trên đơn vị đã đóng"
        )
        with pytest.raises(ValidationError, match=closed):
            call()


# --------------------------------------------------------------------------------------------
# move_unit
# --------------------------------------------------------------------------------------------


def test_move_takes_the_subtree_along_and_sends_unit_moved(province, actor):
    received = []

    def receiver(sender, **kw):
        received.append(kw)

    signals.unit_moved.connect(receiver)
    try:
        event = services.move_unit(province["a1"], province["b"], effective_date=D2024, actor=actor)
    finally:
        signals.unit_moved.disconnect(receiver)
    a1 = reload(province["a1"])
    assert a1.parent_id == province["b"].pk
    assert tree.is_within(reload(province["a1x"]), reload(province["b"]))
    assert [r["event"] for r in received] == [event]
    assert received[0]["old_parent"].pk == province["a"].pk
    assert received[0]["new_parent"].pk == province["b"].pk
    roles = dict(event.links.values_list("role", "unit_id"))
    assert roles == {"subject": a1.pk, "source": province["a"].pk, "target": province["b"].pk}
    before = find(tree.tree_as_of(date(2023, 6, 1)), "Sở Nội vụ")
    after_b = find(tree.tree_as_of(D2024), "Sở Tài chính")
    assert "Phòng Công chức, viên chức" in names(before.children)
    assert names(after_b.children) == ["Phòng Công chức, viên chức"]
    assert names(after_b.children[0].children) == ["Tổ Hồ sơ"]
    # Only the moved unit gets a new period; its descendants still point at it.
    assert province["a1x"].periods.count() == 1


def test_move_refuses_cycles_same_parent_closed_parent_and_early_date(province):
    a = province["a"]
    for target in (a, province["a1"], province["a1x"]):
        with pytest.raises(ValidationError) as exc:
            services.move_unit(a, target, effective_date=D2024)
        assert "new_parent" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.move_unit(a, province["root"], effective_date=D2024)
    assert "new_parent" in field_errors(exc)
    late = unit("Sở mới", "H90.09", province["root"], valid_from=D2025)
    with pytest.raises(ValidationError) as exc:
        services.move_unit(province["a1"], late, effective_date=D2024)
    assert "effective_date" in field_errors(exc)
    services.dissolve_unit(late, effective_date=date(2025, 8, 1))
    with pytest.raises(ValidationError) as exc:
        services.move_unit(province["a1"], late, effective_date=date(2025, 9, 1))
    assert "new_parent" in field_errors(exc)
    assert reload(province["a1"]).parent_id == a.pk
    assert not UnitChangeEvent.objects.filter(kind=UnitChangeEvent.Kind.MOVE).exists()


# --------------------------------------------------------------------------------------------
# merge_units
# --------------------------------------------------------------------------------------------


def test_merge_into_existing_target_rehomes_children_and_closes_sources(province, actor):
    received = []
    signals.units_merged.connect(
        lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="test-merge"
    )
    try:
        target, event = services.merge_units(
            [province["c"]],
            target=province["b"],
            effective_date=D2025,
            actor=actor,
            legal_basis_number="NQ 1/2025",
            legal_basis_date=date(2025, 6, 12),
            reason="Sáp nhập",
        )
    finally:
        signals.units_merged.disconnect(dispatch_uid="test-merge")
    c = reload(province["c"])
    assert (c.status, c.valid_to) == (Status.MERGED, D2025)
    assert reload(province["c1"]).parent_id == target.pk == province["b"].pk
    assert not c.get_children().filter(status=Status.ACTIVE).exists()
    assert UnitSuccession.objects.get(predecessor=c).successor_id == target.pk
    assert [u.pk for u in tree.successors(c)] == [target.pk]
    assert event.actor == actor and event.legal_basis_number == "NQ 1/2025"
    assert dict(event.links.values_list("unit_id", "role")) == {
        c.pk: "source",
        target.pk: "target",
        province["c1"].pk: "rehomed",
    }
    assert [r["target"].pk for r in received] == [target.pk]
    assert [s.pk for s in received[0]["sources"]] == [c.pk]
    # The past: on 30/6/2025 the division was still under the old department.
    old = find(tree.tree_as_of(date(2025, 6, 30)), "Sở Kế hoạch và Đầu tư")
    assert names(old.children) == ["Phòng Đăng ký kinh doanh"]
    new = find(tree.tree_as_of(D2025), "Sở Tài chính")
    assert names(new.children) == ["Phòng Đăng ký kinh doanh"]
    assert find(tree.tree_as_of(D2025), "Sở Kế hoạch và Đầu tư") is None
    assert c.periods.get().valid_to == D2025
    assert_tree_consistent()
    history = reload(province["c1"]).history.first()
    assert (history.history_user, history.parent_id) == (actor, target.pk)
    assert "NQ 1/2025" in history.history_change_reason


def test_merge_into_a_new_target_may_reuse_a_source_code(province):
    target, event = services.merge_units(
        [province["b"], province["c"]],
        new_target={"name": "Sở Tài chính", "code": "H90.02", "kind": Kind.DEPARTMENT},
        effective_date=D2025,
        child_mapping={province["c1"].pk: province["a"].pk},
    )
    target = reload(target)
    assert target.pk not in (province["b"].pk, province["c"].pk)
    assert target.parent_id == province["root"].pk  # the sources' common parent
    assert target.valid_from == D2025
    assert event.details["new_target"] is True
    assert reload(province["c1"]).parent_id == province["a"].pk  # per child_mapping
    assert {u.status for u in map(reload, (province["b"], province["c"]))} == {Status.MERGED}
    assert set(UnitSuccession.objects.values_list("predecessor_id", "successor_id")) == {
        (province["b"].pk, target.pk),
        (province["c"].pk, target.pk),
    }
    assert target.periods.get().event == event
    assert_tree_consistent()


@pytest.mark.parametrize(
    "case",
    ["self", "duplicate", "inside", "both", "neither", "early", "bad_mapping", "mapping_inside"],
)
def test_merge_refusals(province, case):
    p = province
    kwargs = {"effective_date": D2025}
    sources = [p["a"], p["c"]]
    if case == "self":
        kwargs["target"] = p["a"]
    elif case == "duplicate":
        sources, kwargs["target"] = [p["a"], p["a"]], p["b"]
    elif case == "inside":
        kwargs["target"] = p["a1"]
    elif case == "both":
        kwargs |= {
            "target": p["b"],
            "new_target": {"name": "X", "code": "H90.07", "kind": "department"},
        }
    elif case == "early":
        kwargs |= {"target": p["b"], "effective_date": D2020}
    elif case == "bad_mapping":
        kwargs |= {"target": p["b"], "child_mapping": {p["b"].pk: p["root"].pk}}
    elif case == "mapping_inside":
        kwargs |= {"target": p["b"], "child_mapping": {p["a2"].pk: p["a1"].pk}}
    with pytest.raises(ValidationError) as exc:
        services.merge_units(sources, **kwargs)
    assert field_errors(exc)
    assert all(reload(u).status == Status.ACTIVE for u in p.values())
    assert not UnitChangeEvent.objects.filter(kind=UnitChangeEvent.Kind.MERGE).exists()


def test_merge_of_sources_with_different_parents_needs_a_parent_for_the_new_target(province):
    with pytest.raises(ValidationError) as exc:
        services.merge_units(
            [province["a1"], province["c1"]],
            new_target={"name": "Phòng chung", "code": "H90.02.05", "kind": Kind.DIVISION},
            effective_date=D2025,
        )
    assert "new_target.parent" in field_errors(exc)
    target, _ = services.merge_units(
        [province["a1"], province["c1"]],
        new_target={
            "name": "Phòng chung",
            "code": "H90.02.05",
            "kind": Kind.DIVISION,
            "parent": province["b"],
        },
        effective_date=D2025,
    )
    assert reload(province["a1x"]).parent_id == target.pk
    assert_tree_consistent()


def test_a_failing_receiver_rolls_the_whole_merge_back(province):
    def refuse(sender, **kw):
        raise RuntimeError("hồ sơ không chuyển được")

    signals.units_merged.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.merge_units(
                [province["a"], province["c"]],
                new_target={"name": "Sở Hợp nhất", "code": "H90.08", "kind": Kind.DEPARTMENT},
                effective_date=D2025,
            )
    finally:
        signals.units_merged.disconnect(refuse)
    assert not Unit.objects.filter(code="H90.08").exists()
    assert reload(province["a"]).status == Status.ACTIVE
    assert reload(province["a1"]).parent_id == province["a"].pk
    assert not UnitChangeEvent.objects.filter(kind=UnitChangeEvent.Kind.MERGE).exists()
    assert not UnitSuccession.objects.exists()
    assert UnitPeriod.objects.filter(valid_to__isnull=False).count() == 0


# --------------------------------------------------------------------------------------------
# split_unit
# --------------------------------------------------------------------------------------------


def test_split_assigns_children_by_mapping_and_lists_the_rest(province, actor):
    a = province["a"]
    targets, event, rest = services.split_unit(
        a,
        targets=[
            {"name": "Sở Nội vụ (phần công chức)", "code": "H90.21", "kind": Kind.DEPARTMENT},
            province["b"],
        ],
        child_mapping={province["a1"].pk: "H90.21"},
        effective_date=D2025,
        actor=actor,
        legal_basis_number="QĐ 9/2025",
    )
    new, b = targets
    assert reload(new).parent_id == province["root"].pk
    assert b.pk == province["b"].pk
    assert reload(province["a1"]).parent_id == new.pk
    assert [u.pk for u in rest] == [province["a2"].pk]
    assert reload(province["a2"]).parent_id == a.pk  # left for review, not moved silently
    assert event.details["unassigned_children"] == [
        {"id": province["a2"].pk, "code": "H90.01.02", "name": "Ban Thi đua – Khen thưởng"}
    ]
    assert reload(a).status == Status.SPLIT and reload(a).valid_to == D2025
    assert set(
        UnitSuccession.objects.filter(predecessor=a).values_list("successor_id", "partial")
    ) == {(new.pk, True), (b.pk, True)}
    assert {u.pk for u in tree.successors(a)} == {new.pk, b.pk}
    assert_tree_consistent()


def test_split_mapping_accepts_ids_of_existing_targets_and_sends_unit_split(province):
    got = []
    signals.unit_split.connect(lambda sender, **kw: got.append(kw), weak=False, dispatch_uid="s")
    try:
        _, event, rest = services.split_unit(
            province["a"],
            targets=[province["b"], province["c"]],
            child_mapping={
                province["a1"].pk: province["c"].pk,
                province["a2"].pk: province["b"].pk,
            },
            effective_date=D2025,
        )
    finally:
        signals.unit_split.disconnect(dispatch_uid="s")
    assert rest == []
    assert got[0]["child_mapping"] == {
        province["a1"].pk: province["c"].pk,
        province["a2"].pk: province["b"].pk,
    }
    assert got[0]["event"] == event


@pytest.mark.parametrize("case", ["self", "inside", "empty", "bad_child", "bad_target", "dup"])
def test_split_refusals(province, case):
    p = province
    targets = [p["b"]]
    mapping = {}
    if case == "self":
        targets = [p["a"]]
    elif case == "inside":
        targets = [p["a1"]]
    elif case == "empty":
        targets = []
    elif case == "bad_child":
        mapping = {p["c1"].pk: p["b"].pk}
    elif case == "bad_target":
        mapping = {p["a1"].pk: p["c"].pk}
    elif case == "dup":
        targets = [
            {"name": "X", "code": "H90.31", "kind": Kind.DEPARTMENT},
            {"name": "Y", "code": "H90.31", "kind": Kind.DEPARTMENT},
        ]
    with pytest.raises(ValidationError) as exc:
        services.split_unit(p["a"], targets=targets, child_mapping=mapping, effective_date=D2025)
    assert field_errors(exc)
    assert reload(p["a"]).status == Status.ACTIVE
    assert not UnitChangeEvent.objects.filter(kind=UnitChangeEvent.Kind.SPLIT).exists()


def test_a_failing_receiver_rolls_the_split_back(province):
    def refuse(sender, **kw):
        raise RuntimeError("không")

    signals.unit_split.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.split_unit(
                province["a"],
                targets=[{"name": "Mới", "code": "H90.41", "kind": Kind.DEPARTMENT}],
                child_mapping={province["a1"].pk: "H90.41"},
                effective_date=D2025,
            )
    finally:
        signals.unit_split.disconnect(refuse)
    assert reload(province["a"]).status == Status.ACTIVE
    assert reload(province["a1"]).parent_id == province["a"].pk
    assert not Unit.objects.filter(code="H90.41").exists()


# --------------------------------------------------------------------------------------------
# dissolve_unit
# --------------------------------------------------------------------------------------------


def test_dissolve_refuses_while_children_are_active_then_closes(province, actor):
    with pytest.raises(ValidationError) as exc:
        services.dissolve_unit(province["c"], effective_date=D2025)
    assert "Phòng Đăng ký kinh doanh" in field_errors(exc)["unit"][0]
    services.dissolve_unit(province["c1"], effective_date=D2025, actor=actor)
    event = services.dissolve_unit(province["c"], effective_date=date(2025, 8, 1), actor=actor)
    c = reload(province["c"])
    assert (c.status, c.valid_to) == (Status.DISSOLVED, date(2025, 8, 1))
    assert event.kind == UnitChangeEvent.Kind.DISSOLVE and event.actor == actor
    assert tree.successors(c) == [c]  # dissolved: no successor, the chain ends at the unit
    assert find(tree.tree_as_of(date(2025, 8, 1)), "Sở Kế hoạch và Đầu tư") is None
    assert find(tree.tree_as_of(date(2025, 7, 31)), "Sở Kế hoạch và Đầu tư") is not None


def test_dissolve_refuses_a_date_not_after_the_start(province):
    with pytest.raises(ValidationError) as exc:
        services.dissolve_unit(province["c1"], effective_date=D2020)
    assert "effective_date" in field_errors(exc)


def test_a_failing_receiver_rolls_dissolve_and_move_back(province):
    def refuse(sender, **kw):
        raise RuntimeError("không")

    signals.unit_dissolved.connect(refuse)
    signals.unit_moved.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.dissolve_unit(province["c1"], effective_date=D2025)
        with pytest.raises(RuntimeError):
            services.move_unit(province["c1"], province["b"], effective_date=D2025)
    finally:
        signals.unit_dissolved.disconnect(refuse)
        signals.unit_moved.disconnect(refuse)
    c1 = reload(province["c1"])
    assert (c1.status, c1.parent_id) == (Status.ACTIVE, province["c"].pk)
    assert c1.periods.get().valid_to is None
    assert UnitEventLink.objects.filter(unit=c1).count() == 1  # only its creation


# --------------------------------------------------------------------------------------------
# History through two reforms
# --------------------------------------------------------------------------------------------


def test_tree_as_of_and_successors_through_two_reforms(db, django_assert_num_queries):
    """Hà Tây into Hà Nội (1/8/2008), then Hà Nội's departments reorganised (1/3/2025)."""
    d1990 = date(1990, 1, 1)
    ha_tay = unit("UBND tỉnh Hà Tây", "000.00.00.H28", valid_from=d1990)
    ha_noi = unit("UBND thành phố Hà Nội", "000.00.00.H26", valid_from=d1990)
    nv_ht = unit("Sở Nội vụ tỉnh Hà Tây", "000.00.01.H28", ha_tay, valid_from=d1990)
    ld_ht = unit(
        "Sở Lao động – Thương binh và Xã hội tỉnh Hà Tây", "000.00.02.H28", ha_tay, valid_from=d1990
    )
    nv_hn = unit("Sở Nội vụ thành phố Hà Nội", "000.00.01.H26", ha_noi, valid_from=d1990)
    ld_hn = unit(
        "Sở Lao động – Thương binh và Xã hội thành phố Hà Nội",
        "000.00.02.H26",
        ha_noi,
        valid_from=d1990,
    )
    reform1 = date(2008, 8, 1)
    services.merge_units([nv_ht], target=nv_hn, effective_date=reform1)
    services.merge_units([ld_ht], target=ld_hn, effective_date=reform1)
    services.merge_units([ha_tay], target=ha_noi, effective_date=reform1)
    reform2 = date(2025, 3, 1)
    # Labour split: the employment part goes to Home Affairs, the social part to a new dept.
    services.merge_units(
        [nv_hn],
        new_target={"name": "Sở Nội vụ thành phố Hà Nội", "code": "H01.01", "kind": "department"},
        effective_date=reform2,
    )
    new_nv = Unit.objects.get(code="H01.01")
    services.split_unit(
        ld_hn,
        targets=[
            new_nv,
            {"name": "Sở Y tế thành phố Hà Nội", "code": "H01.02", "kind": "department"},
        ],
        child_mapping={},
        effective_date=reform2,
    )
    new_yt = Unit.objects.get(code="H01.02")
    assert [u.pk for u in tree.successors(nv_ht)] == [new_nv.pk]
    assert {u.pk for u in tree.successors(ld_ht)} == {new_nv.pk, new_yt.pk}
    assert tree.successors(new_nv) == [new_nv]

    with django_assert_num_queries(1):
        in_2000 = tree.tree_as_of(date(2000, 1, 1))
    assert names(in_2000) == ["UBND thành phố Hà Nội", "UBND tỉnh Hà Tây"]
    assert names(find(in_2000, "UBND tỉnh Hà Tây").children) == [
        "Sở Lao động – Thương binh và Xã hội tỉnh Hà Tây",
        "Sở Nội vụ tỉnh Hà Tây",
    ]
    in_2010 = tree.tree_as_of(date(2010, 1, 1))
    assert names(in_2010) == ["UBND thành phố Hà Nội"]
    assert names(in_2010[0].children) == [
        "Sở Lao động – Thương binh và Xã hội thành phố Hà Nội",
        "Sở Nội vụ thành phố Hà Nội",
    ]
    in_2025 = tree.tree_as_of(reform2)
    assert names(in_2025[0].children) == ["Sở Nội vụ thành phố Hà Nội", "Sở Y tế thành phố Hà Nội"]
    assert find(in_2025, "Sở Nội vụ thành phố Hà Nội").code == "H01.01"
    # A subtree as of a date, and a unit that did not exist then.
    [sub] = tree.tree_as_of(date(2000, 1, 1), root=ha_tay)
    assert sub.name == "UBND tỉnh Hà Tây" and len(sub.children) == 2
    assert tree.tree_as_of(date(2000, 1, 1), root=new_yt) == []
    assert_tree_consistent()


def test_rehomed_children_take_their_place_by_name(province):
    """After a bulk re-homing, MPTT order is by name and new inserts still land correctly."""
    services.merge_units([province["a"]], target=province["c"], effective_date=D2025)
    c = reload(province["c"])
    assert [u.name for u in c.get_children()] == sorted(
        ["Ban Thi đua – Khen thưởng", "Phòng Công chức, viên chức", "Phòng Đăng ký kinh doanh"]
    )
    unit("Phòng Ba", "H90.03.07", c, Kind.DIVISION, valid_from=D2025)
    services.move_unit(province["a1x"], c, effective_date=date(2025, 8, 1))
    assert_tree_consistent()
