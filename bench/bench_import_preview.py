#!/usr/bin/env python
"""Benchmark of the import wizard's preview page (PostgreSQL when DATABASE_URL is set).

Creates its own test database, the org tree and the ``--rows``-row, 40-column .xlsx of
:mod:`bench_import`, previews it as a dry-run job (``jobs.start_import``), then times the
admin's preview page (``GET …/xem-truoc/`` through the test client: the job's read, the rows of
one page, the filter counts, the mapping step and the template) for a few pages and filters:
the rows read from their table (``ImportRowResult``), then the same job with its rows put back
inside the report as a job of before the table kept them (the read-old-format path: what
every preview page cost before).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_preview \\
        .venv/bin/python bench/bench_import_preview.py --rows 20000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="GETs per page measured")
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database(keepdb=args.keepdb):
        run(args)


def run(args) -> None:
    from bench_import import set_up_importer, write_file
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from transfer import jobs, results
    from transfer.models import ImportJob, ImportRowResult

    root, user = set_up_importer(superuser=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    path = tmp / "nhan-su.xlsx"
    write_file(path, root, args.rows)

    t = time.perf_counter()
    job = jobs.start_import(user=user, unit=root, files=[(path.name, path)], run="now")
    job.refresh_from_db()
    print(f"dry-run job of {args.rows} rows: {time.perf_counter() - t:.1f} s, status {job.status}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    client = Client()
    client.force_login(user)
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    client.get(url)  # warm up (templates, code lists)
    print(f"rows in the table: {ImportRowResult.objects.filter(job=job).count()}")
    time_pages(client, url, args.repeat, "rows in their table")

    # the same job as a job of before the table stored it: its rows inside the report
    rows = results.full_report(job)["rows"]
    old = {k: v for k, v in job.report.items() if k != results.IN_TABLE}
    ImportJob.objects.filter(pk=job.pk).update(report={**old, "rows": rows})
    ImportRowResult.objects.filter(job=job).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute(
                "SELECT pg_column_size(report) FROM profiles_importjob WHERE id = %s", [job.pk]
            )
            size = cur.fetchone()[0]
        text = len(json.dumps(rows, ensure_ascii=False)) / 1048576
        print(f"old format: report column {size / 1048576:.1f} MB stored, {text:.0f} MB of JSON")
    time_pages(client, url, args.repeat, "rows inside the report (a job of before the table)")

    # what the job pays for the table: the rows written with COPY (or bulk_create)
    ImportJob.objects.filter(pk=job.pk).update(report={**old, results.IN_TABLE: True})
    t = time.perf_counter()
    written = results.store(job, rows)
    print(f"writing the {written} rows to the table: {time.perf_counter() - t:.2f} s")


def time_pages(client, url: str, repeat: int, label: str) -> None:
    pages = [
        ("first page, all rows", {}),
        ("page 50, all rows", {"trang": 50}),
        ("last page, all rows", {"trang": 10_000}),
        ("filter create, page 20", {"loc": "create", "trang": 20}),
        ("filter warning, page 3", {"loc": "warning", "trang": 3}),
    ]
    print(f"preview page, {label}:")
    for name, query in pages:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get(url, query)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        print(
            f"  {name}: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; {repeat} GETs)"
        )


if __name__ == "__main__":
    main()
