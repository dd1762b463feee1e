#!/usr/bin/env python
"""Benchmark of the streaming .xlsx export (PostgreSQL when DATABASE_URL is set).

Creates its own test database, generates ``--count`` synthetic people with their child rows,
then exports them all with :func:`transfer.export.export_profiles` (one sheet per
table, XlsxWriter ``constant_memory``, chunked reads) and prints the time and the resident
memory sampled every 50 ms during the export (its peak above the level before it). Baseline in
the same run: django-import-export's stock ``ModelResource`` export of ``Profile`` (group 1
only, built in memory with tablib) on ``--baseline-count`` profiles, extrapolated and labelled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_imppipe \\
        .venv/bin/python bench/bench_export.py --count 300000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """The highest RSS seen while a block runs."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> Sampler:
        self.base = rss_mb()
        self.peak = self.base
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--baseline-count", type=int, default=5000)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="export the profiles already in DATABASE_URL's database (e.g. the one that "
        "bench_load.py setup filled) instead of a test database of --count generated people",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database
    from django.db import connection

    if args.existing:
        from profiles.models import Profile

        args.count = Profile.objects.count()
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']} (existing)")
        export_and_baseline(args)
        return
    with test_database():
        run(args)


def run(args) -> None:
    from orgtree.models import Unit
    from profiles.codelists import load_codelists
    from profiles.synthetic import generate_people

    load_codelists()
    with Unit._tree_manager.delay_mptt_updates():
        root = Unit.objects.create(
            name="UBND tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC,
            valid_from=date(2025, 7, 1),
        )  # fmt: skip
        for d in range(30):
            Unit.objects.create(name=f"Sở {d:02d}", code=f"H25.{d + 10}", parent=root,
                                kind=Unit.Kind.DEPARTMENT, valid_from=date(2025, 7, 1))  # fmt: skip
    root = Unit.objects.get(code="H25")
    gen = generate_people(root, args.count, seed=9, validate=False)
    print(f"generated {gen.profiles} profiles and {gen.rows} rows in {gen.seconds:.0f} s")
    if connection_vendor() == "postgresql":
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    export_and_baseline(args)


def export_and_baseline(args) -> None:
    from import_export import resources

    from profiles.models import Profile
    from transfer.export import export_profiles

    out = Path(tempfile.mkdtemp(prefix="bench-export-")) / "ho-so.xlsx"
    with Sampler() as mem:
        result = export_profiles(Profile.objects.all(), out, with_health=True)
    size = out.stat().st_size / 1048576
    print(f"export: {result.profiles} profiles, {result.rows} rows (all sheets) in "
          f"{result.seconds:.1f} s = {result.profiles / result.seconds:.0f} profiles/s, "
          f"{result.rows / result.seconds:.0f} rows/s; file {size:.1f} MB")  # fmt: skip
    print(f"  memory: RSS {mem.base:.0f} MB before, peak {mem.peak:.0f} MB during the export "
          f"(+{mem.peak - mem.base:.0f} MB)")  # fmt: skip

    n = min(args.baseline_count, args.count)
    ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True)[:n])
    resource = resources.modelresource_factory(model=Profile)()
    with Sampler() as base_mem:
        t = time.perf_counter()
        dataset = resource.export(queryset=Profile.objects.filter(pk__in=ids))
        data = dataset.export("xlsx")
        seconds = time.perf_counter() - t
    per = seconds / n
    print(f"baseline ModelResource export (group 1 only, in memory): {n} profiles in "
          f"{seconds:.1f} s, {len(data) / 1048576:.1f} MB, +{base_mem.peak - base_mem.base:.0f} "
          f"MB RSS -> {per * args.count:.0f} s for {args.count} (extrapolated from {n}); "
          f"streaming export is {per * args.count / result.seconds:.1f}x faster and writes all "
          f"13 tables")  # fmt: skip


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
