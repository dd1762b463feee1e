#!/usr/bin/env python
"""CPU time of rendering one profile's change page (issue 17 item 10).

The page used to render every inline table of the thirteen data groups at once (~370 widgets
for a profile with a realistic history); it now renders the main form and the overview tab and
loads a group's tables when its tab is opened (``profiles.lazy_inlines``). This script builds a
small tree, generates ``--people`` synthetic people with their child rows, picks the profile
with the median and the largest number of child rows, and measures through the test client, as
an HR officer who may also read groups 9 and 10:

* ``full``: the page with every table (``?nhom=tat-ca``, the page as it was: the baseline);
* ``lazy``: the page as it is now opened;
* ``lazy + every tab``: the page and then one request per group (a user who opens every tab).

CPU time of this process (``time.process_time``), not wall time: the machine is shared. With
``DATABASE_URL`` pointing at PostgreSQL the database's own CPU is outside the figure; with the
default SQLite in memory it is inside.

    .venv/bin/python bench/bench_profile_page.py --people 300 --repeat 20
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

DATA_SRC = re.compile(r'data-src="([^"]+)"')
WIDGET = re.compile(r"<(input|select|textarea)\b(?![^>]*type=\"hidden\")")


def cpu_ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        out.append((time.process_time() - t) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.1f} ms CPU   p95 {p95:7.1f} ms CPU"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the audit's line per read
    from benchdb import test_database

    with test_database():
        run(args)


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from orgtree.models import Role, Unit, UnitAssignment
    from profiles.codelists import load_codelists
    from profiles.models import CHILD_MODELS, Profile
    from profiles.synthetic import generate_people

    load_codelists()
    province = Unit.objects.create(
        name="UBND tỉnh Nghệ An", code="H40", kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )  # fmt: skip
    for d in range(5):
        Unit.objects.create(
            name=f"Sở {d:03d}", code=f"H40.{d + 100:03d}", kind=Unit.Kind.DEPARTMENT,
            parent=province, valid_from=date(2025, 7, 1),
        )  # fmt: skip
    gen = generate_people(province, args.people, seed=2026, validate=True)
    print(f"{gen.profiles} people, {gen.rows} rows")

    totals: Counter[int] = Counter({pk: 0 for pk in Profile.objects.values_list("pk", flat=True)})
    for model in CHILD_MODELS.values():
        for row in model._default_manager.values("profile_id").annotate(n=Count("pk")):
            totals[row["profile_id"]] += row["n"]
    per_profile = sorted((n, pk) for pk, n in totals.items())
    median_rows, median_pk = per_profile[len(per_profile) // 2]
    max_rows, max_pk = per_profile[-1]

    hr = get_user_model().objects.create_user("bench_hr", password="x" * 12, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=province, role=Role.HR_OFFICER)
    hr.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_health", "view_assets_income"])
    )
    client = Client()
    client.force_login(hr)

    for label, pk, n in (("median", median_pk, median_rows), ("largest", max_pk, max_rows)):
        url = reverse("admin:profiles_profile_change", args=[pk])
        full = client.get(url, {"nhom": "tat-ca"})
        lazy = client.get(url)
        assert full.status_code == 200 and lazy.status_code == 200
        urls = [src.replace("&amp;", "&") for src in DATA_SRC.findall(lazy.content.decode())]
        widgets_full = len(WIDGET.findall(full.content.decode()))
        widgets_lazy = len(WIDGET.findall(lazy.content.decode()))
        print(f"profile #{pk}, the {label} of {len(per_profile)}: {n} child rows; "
              f"widgets: full page {widgets_full}, lazy page {widgets_lazy}, "
              f"{len(urls)} groups loaded on their tab")  # fmt: skip

        def get_full(u=url):
            client.get(u, {"nhom": "tat-ca"})

        def get_lazy(u=url):
            client.get(u)

        def get_every_tab(u=url, parts=tuple(urls)):
            client.get(u)
            for part in parts:
                client.get(part)

        for _ in range(3):  # warm caches (templates, code lists)
            get_full(), get_lazy(), get_every_tab()
        full_ms = cpu_ms(get_full, args.repeat)
        lazy_ms = cpu_ms(get_lazy, args.repeat)
        every_ms = cpu_ms(get_every_tab, args.repeat)
        ratio = statistics.median(full_ms) / statistics.median(lazy_ms)
        print(f"  full page (baseline)     {summary(full_ms)}")
        print(f"  lazy page                {summary(lazy_ms)}   {ratio:.1f}x less CPU")
        print(f"  lazy page + every tab    {summary(every_ms)}")
    print(f"uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
