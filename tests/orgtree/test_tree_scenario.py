"""Scenario: Phú Thọ, Vĩnh Phúc and Hòa Bình merged on 1/7/2025 into the new Tỉnh Phú Thọ."""

from __future__ import annotations

from datetime import date

import pytest

from orgtree import tree
from orgtree.models import Unit, UnitChangeEvent, UnitSuccession
from orgtree.scenarios import build_pre_reform_phu_tho_trees, merge_into_new_phu_tho

BEFORE = date(2025, 6, 30)
REFORM = date(2025, 7, 1)
PROVINCES = ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]
OLD_DEPARTMENTS = {
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Tài nguyên và Môi trường",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
}
# The department mapping of the reform, written out independently of orgtree.scenarios.
EXPECTED_SUCCESSOR = {
    "Sở Nội vụ": "Sở Nội vụ tỉnh Phú Thọ",
    "Sở Tài chính": "Sở Tài chính tỉnh Phú Thọ",
    "Sở Kế hoạch và Đầu tư": "Sở Tài chính tỉnh Phú Thọ",
    "Sở Giáo dục và Đào tạo": "Sở Giáo dục và Đào tạo tỉnh Phú Thọ",
    "Sở Y tế": "Sở Y tế tỉnh Phú Thọ",
    "Sở Nông nghiệp và Phát triển nông thôn": "Sở Nông nghiệp và Môi trường tỉnh Phú Thọ",
    "Sở Tài nguyên và Môi trường": "Sở Nông nghiệp và Môi trường tỉnh Phú Thọ",
    "Sở Giao thông vận tải": "Sở Xây dựng tỉnh Phú Thọ",
    "Sở Xây dựng": "Sở Xây dựng tỉnh Phú Thọ",
}


@pytest.fixture(scope="module")
def reform(django_db_setup, django_db_blocker):
    """Build the three old trees and merge them once for the whole module."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            old = build_pre_reform_phu_tho_trees()
            pre_merge_snapshot = tree.tree_as_of(BEFORE)
            merged = merge_into_new_phu_tho(old)
            yield old, merged, pre_merge_snapshot
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _by_name(nodes):
    return {n.name: n for n in nodes}


def test_tree_before_the_reform_has_three_provinces_with_their_departments(reform, db):
    _, _, snapshot_before_merge = reform
    roots = tree.tree_as_of(BEFORE)
    assert sorted(r.name for r in roots) == sorted(f"Ủy ban nhân dân tỉnh {p}" for p in PROVINCES)
    for province in PROVINCES:
        committee = _by_name(roots)[f"Ủy ban nhân dân tỉnh {province}"]
        assert committee.kind == Unit.Kind.PROVINCE_PC
        names = {c.name for c in committee.children}
        assert names == {f"{d} tỉnh {province}" for d in OLD_DEPARTMENTS}

    # The past did not change when the merger was recorded.
    def shape(nodes):
        return sorted((n.name, n.code, shape(n.children)) for n in nodes)

    assert shape(roots) == shape(snapshot_before_merge)


def test_divisions_hang_under_their_old_departments_before_the_reform(reform, db):
    roots = _by_name(tree.tree_as_of(BEFORE))
    vp = _by_name(roots["Ủy ban nhân dân tỉnh Vĩnh Phúc"].children)
    nn = vp["Sở Nông nghiệp và Phát triển nông thôn tỉnh Vĩnh Phúc"]
    assert {c.name for c in nn.children} == {"Chi cục Kiểm lâm", "Chi cục Thủy lợi"}


def test_tree_today_has_one_province_with_the_new_departments(reform, db):
    roots = tree.tree_as_of(date.today())
    assert [r.name for r in roots] == ["Ủy ban nhân dân tỉnh Phú Thọ"]
    assert roots[0].code == "H25"
    departments = _by_name(roots[0].children)
    assert set(departments) == set(EXPECTED_SUCCESSOR.values())
    assert all(d.code.startswith("H25.") for d in departments.values())
    # Divisions of the same name from the three provinces became one.
    nnmt = departments["Sở Nông nghiệp và Môi trường tỉnh Phú Thọ"]
    assert sorted(c.name for c in nnmt.children) == [
        "Chi cục Kiểm lâm",
        "Chi cục Thủy lợi",
        "Văn phòng Đăng ký đất đai",
    ]
    assert [c.name for c in departments["Sở Giáo dục và Đào tạo tỉnh Phú Thọ"].children] == []


def test_mptt_fields_agree_with_parent_links_after_the_merger(reform, db):
    from tests.orgtree.test_tree_services import assert_tree_consistent

    assert_tree_consistent()


def test_tree_on_the_reform_day_is_already_the_new_one(reform, db):
    roots = tree.tree_as_of(REFORM)
    assert [r.code for r in roots] == ["H25"]


def test_current_mptt_tree_matches_the_tree_of_today(reform, db):
    new = Unit.objects.get(code="H25", status=Unit.Status.ACTIVE)
    active_below = set(
        new.get_descendants().filter(status=Unit.Status.ACTIVE).values_list("name", flat=True)
    )
    today = tree.tree_as_of(date.today())

    def walk(nodes):
        for n in nodes:
            yield n.name
            yield from walk(n.children)

    assert active_below == set(walk(today[0].children))
    assert Unit.objects.filter(parent__isnull=True, status=Unit.Status.ACTIVE).count() == 1


@pytest.mark.parametrize("province", PROVINCES)
def test_successors_of_each_old_department(reform, db, province):
    for department, expected in EXPECTED_SUCCESSOR.items():
        old = Unit.objects.get(name=f"{department} tỉnh {province}", code__startswith="000.")
        assert old.status == Unit.Status.MERGED
        assert old.valid_to == REFORM
        assert [u.name for u in tree.successors(old)] == [expected]


def test_old_committees_are_closed_and_succeeded_by_the_new_one(reform, db):
    for province in PROVINCES:
        old = Unit.objects.get(name=f"Ủy ban nhân dân tỉnh {province}", code__startswith="000.")
        assert old.status == Unit.Status.MERGED
        assert [u.code for u in tree.successors(old)] == ["H25"]
        # Closed, not deleted, and without active children after the merger.
        assert not old.get_children().filter(status=Unit.Status.ACTIVE).exists()


def test_old_divisions_go_to_the_merged_division(reform, db):
    old = Unit.objects.get(name="Chi cục Kiểm lâm", code="000.01.06.H29")
    [new] = tree.successors(old)
    assert new.name == "Chi cục Kiểm lâm"
    assert new.code.startswith("H25.")
    assert new.parent.name == "Sở Nông nghiệp và Môi trường tỉnh Phú Thọ"


def test_every_merge_is_an_event_with_legal_basis(reform, db):
    merges = UnitChangeEvent.objects.filter(kind=UnitChangeEvent.Kind.MERGE)
    assert merges.exists()
    assert set(merges.values_list("effective_date", flat=True)) == {REFORM}
    assert all(m.legal_basis_number for m in merges)
    # 27 old departments, 3 old committees and the same-named divisions all have successors.
    closed = Unit.objects.exclude(status=Unit.Status.ACTIVE)
    assert set(closed.values_list("pk", flat=True)) == set(
        UnitSuccession.objects.values_list("predecessor_id", flat=True)
    )
