#!/usr/bin/env python
"""Benchmark: the progress dashboard's counts at a large province (default 300,000 profiles).

    .venv/bin/python bench/bench_dashboard.py [--count 300000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_bench \\
        .venv/bin/python bench/bench_dashboard.py

Creates its own throw-away test database (``test_<name>`` on PostgreSQL, dropped at the end).
Data: one province of 1 + 20 departments + 180 divisions + 1,800 teams, N minimal profiles in
bulk spread over the units with every workflow status, 2 % of them with an open mismatch.

Figures, each with a baseline measured in the same run:

* the dashboard rows of the province (:func:`syncing.dashboard.progress_rows`), then the
  province's breakdown by its 20 departments (each counting its subtree), and the day's
  snapshot; the number of queries;
* baseline: one ``count(*)`` of the province's profiles (the floor: the profiles must be read
  once), and the naive way for the breakdown: one filtered count per department and status.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
os.environ.setdefault("CBCCVC_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from orgtree.models import Unit  # noqa: E402
from orgtree.tree import subtree_q  # noqa: E402
from profiles.models import Profile, ProfileStatus  # noqa: E402
from syncing import dashboard  # noqa: E402
from syncing.models import Mismatch  # noqa: E402

STATUSES = list(ProfileStatus.values)


def build(count: int) -> Unit:
    province = Unit.objects.create(
        name="Ủy ban nhân dân tỉnh Thử", code="H99", kind="province_pc", valid_from=date(2020, 1, 1)
    )
    leaves: list[Unit] = [province]
    for d in range(20):
        dept = Unit.objects.create(
            name=f"Sở {d:02d}",
            code=f"H99.{d + 1:02d}",
            kind="department",
            parent=province,
            valid_from=date(2020, 1, 1),
        )
        leaves.append(dept)
        for v in range(9):
            div = Unit.objects.create(
                name=f"Phòng {d}-{v}",
                code=f"H99.{d + 1:02d}.{v + 1:02d}",
                kind="division",
                parent=dept,
                valid_from=date(2020, 1, 1),
            )
            leaves.append(div)
            for t in range(10):
                leaves.append(
                    Unit.objects.create(
                        name=f"Tổ {d}-{v}-{t}",
                        code=f"H99.{d + 1:02d}.{v + 1:02d}.{t + 1:02d}",
                        kind="division",
                        parent=div,
                        valid_from=date(2020, 1, 1),
                    )
                )
    batch: list[Profile] = []
    for i in range(count):
        batch.append(
            Profile(
                personal_id=f"{i:012d}",
                full_name=f"Người {i}",
                folded_name=f"nguoi {i}",
                sex="1",
                date_of_birth=date(1980, 1, 1),
                unit=leaves[i % len(leaves)],
                status=STATUSES[i % len(STATUSES)],
            )
        )
        if len(batch) == 10_000:
            Profile.objects.bulk_create(batch)
            batch = []
    Profile.objects.bulk_create(batch)
    now = timezone.now()
    ids = list(Profile.objects.values_list("pk", flat=True)[: count // 50])
    Mismatch.objects.bulk_create(
        [
            Mismatch(
                external_id=str(pk),
                profile_id=pk,
                kind="spelling",
                since=date(2025, 9, 12),
                last_seen_at=now,
            )
            for pk in ids
        ],
        batch_size=5000,
    )
    return Unit.objects.get(pk=province.pk)


def timed(fn):
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return result, time.perf_counter() - start, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300_000)
    args = parser.parse_args()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        t0 = time.perf_counter()
        province = build(args.count)
        print(
            f"database: {connection.vendor}; {args.count:,} profiles, "
            f"{Unit.objects.count():,} units, built in {time.perf_counter() - t0:.0f} s"
        )
        reset_queries()
        rows, t_agency, q_agency = timed(lambda: dashboard.progress_rows([province]))
        assert rows[0].profiles_total == args.count
        drill, t_drill, q_drill = timed(lambda: dashboard.progress_rows([], children_of=province))
        assert drill[0].profiles_total == args.count and len(drill) == 21
        _, t_snap, _ = timed(lambda: dashboard.take_snapshots(roots=[province]))
        _, t_count, _ = timed(lambda: Profile.objects.filter(subtree_q(province, "unit")).count())

        def naive() -> int:
            n = 0
            for dept in Unit.objects.filter(parent=province):
                for status in STATUSES:
                    n += Profile.objects.filter(subtree_q(dept, "unit"), status=status).count()
            return n

        _, t_naive, q_naive = timed(naive)
        print(f"agency row:             {t_agency * 1000:8.0f} ms  ({q_agency} queries)")
        print(f"breakdown by 20 depts:  {t_drill * 1000:8.0f} ms  ({q_drill} queries)")
        print(f"daily snapshot:         {t_snap * 1000:8.0f} ms")
        print(
            f"baseline count(*):      {t_count * 1000:8.0f} ms  → agency row = "
            f"{t_agency / t_count:.1f}× one count"
        )
        print(
            f"naive breakdown:        {t_naive * 1000:8.0f} ms  ({q_naive} queries) → "
            f"{t_naive / t_drill:.1f}× slower than the dashboard's"
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
