#!/usr/bin/env python
"""Benchmark of the profile list's "Xuất Excel" (issue #17 item 7): how long the officer's
request takes when the export runs inside it (the synchronous path, kept below
``EXPORT_ASYNC_THRESHOLD_ROWS``) against the background path (the request stores the export
and returns; the django-q2 task writes the file), and how long the task takes. One run, the
same ``--count`` synthetic people (default 3,000, the figure of the issue), the same filter
(none: the HR officer's whole province), through Django's test client as the HR officer.

    .venv/bin/python bench/bench_background_export.py --count 3000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_bench .venv/bin/python \\
        bench/bench_background_export.py --count 3000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database():
        run(args)


def run(args) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from cbccvc.exports import jobs
    from cbccvc.exports.models import ExportFile
    from orgtree.models import Role, Unit, UnitAssignment
    from profiles.codelists import load_codelists
    from profiles.synthetic import generate_people

    load_codelists()
    root = Unit.objects.create(name="UBND tỉnh Phú Thọ", code="H25",
                               kind=Unit.Kind.PROVINCE_PC, valid_from=date(2025, 7, 1))  # fmt: skip
    gen = generate_people(root, args.count, seed=9, validate=False)
    print(f"generated {gen.profiles} profiles and {gen.rows} rows in {gen.seconds:.0f} s")
    user = get_user_model().objects.create_user("bench.hr", is_staff=True)
    UnitAssignment.objects.create(user=user, unit=root, role=Role.HR_OFFICER)
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tempfile.mkdtemp(prefix="bench-exports-")},
        },
    }
    client = Client()
    client.force_login(user)
    url = reverse("admin:profiles_profile_export_xlsx")

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = args.count + 1  # the request does the export
    t = time.perf_counter()
    response = client.get(url)
    size = len(b"".join(response.streaming_content))
    sync_seconds = time.perf_counter() - t
    assert response.status_code == 200, response.status_code

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 300
    t = time.perf_counter()
    response = client.get(url)  # queued (no worker runs in this process)
    request_seconds = time.perf_counter() - t
    assert response.status_code == 302, response.status_code
    export = ExportFile.objects.get()
    t = time.perf_counter()
    jobs.run_export(export.pk)  # what the worker does
    task_seconds = time.perf_counter() - t
    export.refresh_from_db()
    assert export.status == ExportFile.Status.DONE, export.error
    print(f"synchronous: the request takes {sync_seconds:.2f} s for {args.count} profiles "
          f"({size / 1048576:.1f} MB)")  # fmt: skip
    print(f"background: the request takes {request_seconds:.2f} s; the task {task_seconds:.2f} s "
          f"({export.rows} profiles, {export.size / 1048576:.1f} MB in the storage)")  # fmt: skip


if __name__ == "__main__":
    main()
