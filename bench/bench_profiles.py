#!/usr/bin/env python
"""Benchmark of the profiles app at scale (PostgreSQL when DATABASE_URL is set).

Creates its own test database through Django's test machinery, builds an org tree of a merged
province (departments and divisions, ~2,000 units) and a second agency, generates ``--count``
synthetic people, then measures:

* generation rate (profiles/s, rows/s);
* bulk validation of all profiles, against the naive per-profile validation measured on a
  sample and extrapolated (baseline);
* the admin list page through the test client — filtered to a subtree, and searched by a name
  typed without diacritics — median and p95, as the national admin and as a scoped HR officer;
  baseline: the same search done naively (``full_name`` icontains, the accented text).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_profiles \\
        .venv/bin/python bench/bench_profiles.py --count 300000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms"


def build_tree(departments: int, divisions: int):
    from orgtree.models import Unit

    def make(name, code, parent=None, kind=Unit.Kind.DEPARTMENT):
        return Unit.objects.create(
            name=name, code=code, kind=kind, parent=parent, valid_from=date(2025, 7, 1)
        )

    # insert children of one parent in name order: cheap MPTT inserts
    with Unit._tree_manager.delay_mptt_updates():
        province = make("UBND tỉnh Nghệ An", "H40", kind=Unit.Kind.PROVINCE_PC)
        for d in range(departments):
            dept = make(f"Sở {d:03d}", f"H40.{d + 100:03d}", province)
            for v in range(divisions):
                make(f"Phòng {v:03d}", f"H40.{d + 100:03d}.{v + 10:02d}", dept, Unit.Kind.DIVISION)
        other = make("UBND tỉnh Hà Tĩnh", "H42", kind=Unit.Kind.PROVINCE_PC)
        for d in range(10):
            make(f"Sở {d:03d}", f"H42.{d + 100:03d}", other)
    return Unit.objects.get(code="H40"), Unit.objects.get(code="H42")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--divisions", type=int, default=49)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database(keepdb=args.keepdb):
        run(args)


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from orgtree.models import Role, UnitAssignment
    from orgtree.text import fold
    from orgtree.tree import subtree_q
    from profiles.codelists import load_codelists
    from profiles.models import Finding, Profile
    from profiles.synthetic import generate_people
    from profiles.validation import validate_profile, validate_profiles

    load_codelists()
    t = time.perf_counter()
    root, other = build_tree(args.departments, args.divisions)
    print(f"org tree: {root.get_descendant_count() + 1} units in H40 "
          f"({time.perf_counter() - t:.1f} s)")  # fmt: skip

    # -- generation ---------------------------------------------------------------------------
    gen = generate_people(root, args.count, seed=2026, validate=False)
    generate_people(other, max(args.count // 50, 10), seed=7, validate=False)
    print(f"generation: {gen.profiles} profiles, {gen.rows} rows in {gen.seconds:.1f} s = "
          f"{gen.rate:.0f} profiles/s, {gen.rows / gen.seconds:.0f} rows/s")  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    # -- bulk validation vs naive per-profile -------------------------------------------------
    total = Profile.objects.count()
    sample = list(Profile.objects.order_by("?")[:200])
    t = time.perf_counter()
    for p in sample:
        validate_profile(p)
    naive_per = (time.perf_counter() - t) / len(sample)
    run_ = validate_profiles()
    naive_total = naive_per * total
    print(f"bulk validation: {run_.profiles} profiles in {run_.seconds:.1f} s "
          f"({run_.profiles / run_.seconds:.0f}/s; {run_.errors} errors, {run_.warnings} warnings, "
          f"{Finding.objects.count()} findings stored)")  # fmt: skip
    speedup = naive_total / run_.seconds
    print(f"  baseline per-profile validation: {naive_per * 1000:.1f} ms/profile -> "
          f"{naive_total:.0f} s extrapolated; bulk is {speedup:.1f}x faster")  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    # -- admin list page ----------------------------------------------------------------------
    User = get_user_model()
    national = User.objects.create_user("bench_admin", password="x" * 12, is_staff=True,
                                        is_superuser=True)  # fmt: skip
    dept = root.get_children().order_by("code")[3]
    hr = User.objects.create_user("bench_hr", password="x" * 12, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=dept, role=Role.HR_OFFICER)
    in_dept = Profile.objects.filter(subtree_q(dept, "unit")).count()
    name = (
        Profile.objects.filter(subtree_q(dept, "unit")).order_by("pk").values_list(
            "full_name", flat=True).first()
    )  # fmt: skip
    typed = fold(name)  # typed without diacritics
    url = reverse("admin:profiles_profile_changelist")
    print(f"admin list ({total} profiles; subtree {dept.code}: {in_dept}; search “{typed}”):")
    for label, user in (("national admin", national), ("scoped HR officer", hr)):
        client = Client()
        client.force_login(user)
        cases = {
            "list, subtree filter": {"unit_tree": dept.pk},
            "search folded name": {"q": typed},
            "search + subtree": {"q": typed, "unit_tree": dept.pk},
            "list, first page": {},
        }
        for case, params in cases.items():
            r = client.get(url, params)
            assert r.status_code == 200, (case, r.status_code)
            ms = timed(lambda p=params, c=client: c.get(url, p), args.repeat)
            print(f"  {label:18s} {case:22s} {summary(ms)}")

    # baselines in the same run
    def naive_search():
        list(Profile.objects.filter(full_name__icontains=typed)[:50])

    def count_all():
        Profile.objects.count()

    print(f"  baseline naive search full_name icontains “{typed}” (finds accented names: "
          f"{Profile.objects.filter(full_name__icontains=typed).count()}): "
          f"{summary(timed(naive_search, args.repeat))}")  # fmt: skip
    print(f"  baseline unfiltered count(*): {summary(timed(count_all, args.repeat))}")


if __name__ == "__main__":
    main()
