#!/usr/bin/env python
"""Benchmark: merge three unit trees of ~2,000 units each, and query the tree as of a past date.

    .venv/bin/python bench/bench_tree.py                      # SQLite (in-memory test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_bench \
        .venv/bin/python bench/bench_tree.py

The script creates its own throw-away database with Django's test-database machinery (for
PostgreSQL: ``test_<name>``, dropped at the end) and never touches the configured one.

Figures printed, each with a baseline measured in the same run:

* merge: the three provincial committees into a new one (all departments re-homed), then each
  triple of same-numbered departments into a new department (their divisions re-homed), all
  through :mod:`orgtree.services` (events, periods, successions, history). Baseline: the same
  moves as raw django-mptt re-parenting (``parent = …; save()``), no history at all.
* tree as of a date before the merger: :func:`orgtree.tree.tree_as_of` (one query over the
  periods). Baseline: the naive way, one period query per unit then linking parents; and, for
  scale, reading the *current* tree with raw MPTT ``get_descendants``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
os.environ.setdefault("CBCCVC_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from orgtree import services, tree  # noqa: E402
from orgtree.models import Unit, UnitChangeEvent, UnitPeriod  # noqa: E402
from orgtree.text import fold  # noqa: E402

DEPARTMENTS = 20
DIVISIONS = 9
TEAMS = 10  # per division → 1 + 20 + 180 + 1,800 = 2,001 units per tree
START = date(2010, 1, 1)
REFORM = date(2025, 7, 1)
PAST = date(2020, 1, 1)
PROVINCES = ["H44", "H62", "H29"]


def _unit(name: str, code: str, kind: str, parent: Unit | None) -> Unit:
    return Unit(
        name=name,
        code=code,
        kind=kind,
        parent=parent,
        valid_from=START,
        search_text=f"{fold(name)} {code.lower()}",
    )


Node = tuple[Unit, list]


def _number(
    item: Node, level: int, parent: Unit | None, tree_id: int, counter, levels: dict
) -> None:
    """Assign MPTT fields depth-first and collect units by level (parents before children)."""
    unit, children = item
    unit.tree_id, unit.level, unit.lft = tree_id, level, next(counter)
    levels.setdefault(level, []).append((unit, parent))
    for child in children:
        _number(child, level + 1, unit, tree_id, counter, levels)
    unit.rght = next(counter)


def build_trees(tag: str) -> list[Unit]:
    """Three trees in bulk (MPTT fields computed here), with one period per unit."""
    committees = []
    for tree_index, province in enumerate(PROVINCES):
        depts: list[Node] = []
        for d in range(1, DEPARTMENTS + 1):
            divisions: list[Node] = []
            for v in range(1, DIVISIONS + 1):
                teams: list[Node] = [
                    (
                        _unit(
                            f"Tổ {t} Phòng {v} Sở {d:02d} {tag}{province}",
                            f"H{tree_index + 70}.{d:02d}.{v:02d}.{t:02d}",
                            "division",
                            None,
                        ),
                        [],
                    )
                    for t in range(1, TEAMS + 1)
                ]
                name = f"Phòng {v} Sở {d:02d} {tag}{province}"
                code = f"000.{v:02d}.{d:02d}.{province}"
                divisions.append((_unit(name, code, "division", None), teams))
            name, code = f"Sở số {d:02d} {tag}{province}", f"000.00.{d:02d}.{province}"
            depts.append((_unit(name, code, "department", None), divisions))
        pc = _unit(f"UBND tỉnh {tag}{province}", f"000.00.00.{province}", "province_pc", None)
        last = Unit.objects.order_by("-tree_id").values_list("tree_id", flat=True).first()
        levels: dict[int, list[tuple[Unit, Unit | None]]] = {}
        _number((pc, depts), 0, None, (last or 0) + 1, iter(range(1, 10**7)), levels)
        for level in sorted(levels):
            batch = []
            for unit, parent in levels[level]:
                unit.parent = parent
                batch.append(unit)
            Unit.objects.bulk_create(batch, batch_size=500)
            UnitPeriod.objects.bulk_create(
                [
                    UnitPeriod(
                        unit=u,
                        parent=u.parent,
                        name=u.name,
                        code=u.code,
                        kind=u.kind,
                        valid_from=START,
                    )
                    for u in batch
                ],
                batch_size=500,
            )
        committees.append(pc)
    return committees


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def merge_with_services(committees: list[Unit]) -> tuple[float, float]:
    def merge_committees() -> Unit:
        target, _ = services.merge_units(
            committees,
            new_target={
                "name": "UBND tỉnh mới",
                "code": "H25",
                "kind": "province_pc",
                "parent": None,
            },
            effective_date=REFORM,
            legal_basis_number="202/2025/QH15",
        )
        return target

    t_pc, _ = timed(merge_committees)

    def merge_departments() -> None:
        for d in range(1, DEPARTMENTS + 1):
            sources = list(Unit.objects.filter(code__in=[f"000.00.{d:02d}.{p}" for p in PROVINCES]))
            services.merge_units(
                sources,
                new_target={
                    "name": f"Sở mới {d:02d}",
                    "code": f"H25.{d:02d}",
                    "kind": "department",
                },
                effective_date=REFORM,
            )

    t_dept, _ = timed(merge_departments)
    return t_pc, t_dept


def merge_with_raw_mptt(committees: list[Unit]) -> tuple[float, float]:
    def merge_committees() -> Unit:
        new_pc = Unit(name="UBND tỉnh mới", code="H25", kind="province_pc", valid_from=REFORM)
        new_pc.save()
        for pc in committees:
            for dept in list(Unit.objects.filter(parent=pc)):
                dept.parent = new_pc
                dept.save()
            pc.refresh_from_db()
            pc.status, pc.valid_to = Unit.Status.MERGED, REFORM
            pc.save()
        return new_pc

    t_pc, new_pc = timed(merge_committees)

    def merge_departments() -> None:
        for d in range(1, DEPARTMENTS + 1):
            sources = list(Unit.objects.filter(code__in=[f"000.00.{d:02d}.{p}" for p in PROVINCES]))
            new_pc.refresh_from_db()
            dept = Unit(
                name=f"Sở mới {d:02d}",
                code=f"H25.{d:02d}",
                kind="department",
                parent=new_pc,
                valid_from=REFORM,
            )
            dept.save()
            for source in sources:
                for division in list(Unit.objects.filter(parent=source)):
                    division.parent = dept
                    division.save()
                source.refresh_from_db()
                source.status, source.valid_to = Unit.Status.MERGED, REFORM
                source.save()

    t_dept, _ = timed(merge_departments)
    return t_pc, t_dept


def naive_tree_as_of(on: date) -> int:
    """One query per unit for its period on ``on``, then link parents in Python."""
    nodes = {}
    for unit_id in Unit.objects.values_list("pk", flat=True):
        period = (
            UnitPeriod.objects.filter(unit_id=unit_id, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .values_list("unit_id", "name", "code", "kind", "parent_id")
            .first()
        )
        if period:
            nodes[period[0]] = tree.TreeNode(*period)
    for n in nodes.values():
        if n.parent_id in nodes:
            nodes[n.parent_id].children.append(n)
    return len(nodes)


def count(nodes: list[tree.TreeNode]) -> int:
    return sum(1 + count(n.children) for n in nodes)


def best_of(fn: Callable[[], object], runs: int) -> float:
    return min(timed(fn)[0] for _ in range(runs))


def main() -> None:
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        vendor = connection.vendor
        print(f"Database: {vendor} ({connection.settings_dict['NAME']})")
        print(f"Trees: 3 × {1 + DEPARTMENTS + DEPARTMENTS * DIVISIONS * (1 + TEAMS)} units")

        # Each operation commits on its own, as in production (one long transaction would
        # distort PostgreSQL's figures with dead row versions); the tables are flushed between
        # the baseline and the measured run.
        t_build, committees = timed(lambda: build_trees("A"))
        print(f"  bulk set-up of the trees: {t_build:.2f} s")
        t_pc_raw, t_dept_raw = merge_with_raw_mptt(committees)
        call_command("flush", interactive=False, verbosity=0)

        committees = build_trees("A")
        t_pc, t_dept = merge_with_services(committees)
        total, total_raw = t_pc + t_dept, t_pc_raw + t_dept_raw
        events = UnitChangeEvent.objects.count()
        print("\nMerge (services: events, periods, successions, history):")
        print(f"  3 committees → 1 (60 departments re-homed):  {t_pc:7.2f} s")
        print(f"  60 departments → 20 (540 divisions re-homed): {t_dept:7.2f} s")
        print(f"  total {total:.2f} s, {events} events")
        print("Baseline, raw django-mptt re-parenting, no history:")
        print(
            f"  committees {t_pc_raw:.2f} s, departments {t_dept_raw:.2f} s, "
            f"total {total_raw:.2f} s"
        )
        print(f"  ratio services / raw MPTT: {total / total_raw:.2f}×")

        n_units = Unit.objects.count()
        past = tree.tree_as_of(PAST)
        today = tree.tree_as_of(date.today())
        assert count(past) == 3 * 2001, count(past)
        assert len(today) == 1, [n.name for n in today]
        runs = 5
        t_asof = best_of(lambda: tree.tree_as_of(PAST), runs)
        t_naive = best_of(lambda: naive_tree_as_of(PAST), 1)
        roots = list(Unit.objects.filter(parent__isnull=True, status="active"))
        t_mptt = best_of(lambda: [list(r.get_descendants(include_self=True)) for r in roots], runs)
        print(f"\nTree as of {PAST:%d/%m/%Y} ({count(past)} of {n_units} units):")
        print(f"  tree_as_of (one query over periods): {t_asof * 1000:8.1f} ms (best of {runs})")
        print(
            f"  baseline, one period query per unit: {t_naive * 1000:8.1f} ms "
            f"→ tree_as_of is {t_naive / t_asof:.0f}× faster"
        )
        print(
            f"  reference, current tree by raw MPTT get_descendants: {t_mptt * 1000:8.1f} ms "
            f"(ratio tree_as_of / MPTT {t_asof / t_mptt:.2f}×)"
        )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
