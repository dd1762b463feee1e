#!/usr/bin/env python
"""Benchmark of the REST API on many profiles (PostgreSQL when DATABASE_URL is set).

Creates its own test database, builds the org tree of a merged province (~2,000 units), a
second agency, ``--count`` synthetic people (``profiles.synthetic.generate_people``, as in
``bench_profiles.py``), and an integration client with a key on the province. It then sends
requests with the key through Django's WSGI stack (test client: no network, one process) and
prints requests/s and p95 for:

* list (first page), list of a subtree, the next page through the cursor;
* detail (with its ETag: the profile's content hash);
* search by a name typed without diacritics, alone and within a subtree.

Baselines in the same run: the plain ORM query behind the first page (the floor), and DRF's
default ``LimitOffsetPagination`` (COUNT + OFFSET) against the cursor, on the first page and
deep in the list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_api \\
        .venv/bin/python bench/bench_api.py --count 300000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
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


def p95(ms: list[float]) -> float:
    ms = sorted(ms)
    return ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def line(label: str, ms: list[float]) -> str:
    rps = 1000 / statistics.mean(ms)
    return (f"  {label:44s} {rps:7.1f} req/s   median {statistics.median(ms):7.1f} ms   "
            f"p95 {p95(ms):7.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--divisions", type=int, default=49)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database(keepdb=args.keepdb):
        run(args)


def run(args) -> None:
    from bench_profiles import build_tree
    from django.db import connection
    from django.test import Client
    from rest_framework.pagination import LimitOffsetPagination

    from orgtree.apikeys import issue_key
    from orgtree.models import IntegrationClient
    from orgtree.text import fold
    from orgtree.tree import subtree_q
    from profiles.api.views import ProfileViewSet
    from profiles.codelists import load_codelists
    from profiles.models import Profile
    from profiles.synthetic import generate_people

    load_codelists()
    from orgtree.models import Unit

    if Unit.objects.filter(code="H40").exists():  # --keepdb: reuse the generated data
        root, other = Unit.objects.get(code="H40"), Unit.objects.get(code="H42")
    else:
        root, other = build_tree(args.departments, args.divisions)
    if not Profile.objects.exists():
        gen = generate_people(root, args.count, seed=2026, validate=False)
        generate_people(other, max(args.count // 50, 10), seed=7, validate=False)
        print(f"generation: {gen.profiles} profiles in {gen.seconds:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    total = Profile.objects.count()
    client_app = IntegrationClient.objects.create(name="Bench", unit=root)
    token = issue_key(client_app, rate_per_minute=10**9).token
    auth = {"Authorization": f"Bearer {token}"}
    client = Client(headers=auth)
    dept = root.get_children().order_by("code")[3]
    in_dept = Profile.objects.filter(subtree_q(dept, "unit")).count()
    sample = Profile.objects.filter(subtree_q(dept, "unit")).order_by("pk").first()
    typed = fold(sample.full_name)
    base = "/api/v1/profiles/"

    def get(url: str, params: dict | None = None):
        r = client.get(url, params or {})
        assert r.status_code == 200, (url, params, r.status_code, r.content[:300])
        return r

    next_url = get(base).json()["next"]
    print(f"API ({total} profiles; subtree {dept.code}: {in_dept}; search “{typed}”; "
          f"{args.repeat} requests each):")  # fmt: skip
    cases = {
        "list, first page (50)": (base, {}),
        "list, next page via cursor": (next_url, {}),
        "list, subtree filter": (base, {"unit": dept.pk}),
        "detail (with ETag)": (f"{base}{sample.pk}/", {}),
        "search folded name": (base, {"q": typed}),
        "search + subtree": (base, {"q": typed, "unit": dept.pk}),
        "list ordered by name": (base, {"ordering": "folded_name"}),
    }
    for label, (url, params) in cases.items():
        get(url, params)
        print(line(label, timed(lambda u=url, p=params: get(u, p), args.repeat)))

    # -- baselines ----------------------------------------------------------------------------
    def orm_first_page():
        list(Profile.objects.select_related("unit").filter(subtree_q(root, "unit"))
             .order_by("id")[:51])  # fmt: skip

    print("baselines (same run):")
    print(line("plain ORM query of the first page (floor)", timed(orm_first_page, args.repeat)))

    from django.urls import resolve

    class LimitOffsetProfiles(ProfileViewSet):
        pagination_class = LimitOffsetPagination

    cursor_view = resolve(base).func
    offset_view = LimitOffsetProfiles.as_view({"get": "list"})
    from rest_framework.test import APIRequestFactory

    factory = APIRequestFactory()
    deep = total // 2

    def call(view, params):
        request = factory.get(base, params, HTTP_AUTHORIZATION=auth["Authorization"])
        response = view(request)
        assert response.status_code == 200, response.data
        response.render()

    # a cursor pointing at the middle of the list (what following ``next`` would reach)
    from rest_framework.pagination import Cursor

    walked = deep
    middle_id = (
        Profile.objects.filter(subtree_q(root, "unit")).order_by("id")
        .values_list("id", flat=True)[walked]
    )  # fmt: skip
    paginator = ProfileViewSet.pagination_class()
    paginator.base_url = "http://testserver" + base
    deep_url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(middle_id)))
    deep_params = {"cursor": deep_url.split("cursor=", 1)[1].split("&", 1)[0]}
    from urllib.parse import unquote

    deep_params = {k: unquote(v) for k, v in deep_params.items()}
    rows = [
        ("first page, cursor", cursor_view, {}),
        ("first page, LimitOffset (COUNT + OFFSET 0)", offset_view, {"limit": 50}),
        (f"page at {walked}, cursor", cursor_view, deep_params),
        (f"page at {walked}, LimitOffset", offset_view, {"limit": 50, "offset": walked}),
    ]
    results = {}
    for label, view, params in rows:
        call(view, params)
        ms = timed(lambda v=view, p=params: call(v, p), args.repeat)
        results[label] = statistics.mean(ms)
        print(line(label, ms))
    keys = list(results)
    print(f"  ratio LimitOffset / cursor: first page {results[keys[1]] / results[keys[0]]:.1f}x, "
          f"deep page {results[keys[3]] / results[keys[2]]:.1f}x")  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for label, sql, params in (
                ("first page", 'EXPLAIN SELECT p.id FROM profiles_profile p JOIN orgtree_unit u '
                 'ON u.id = p.unit_id WHERE u.tree_id = %s AND u.lft >= %s AND u.rght <= %s '
                 'ORDER BY p.id LIMIT 51', [root.tree_id, root.lft, root.rght]),
                ("search", "EXPLAIN SELECT p.id FROM profiles_profile p WHERE "
                 "p.folded_name LIKE %s ORDER BY p.id LIMIT 51", [f"%{typed}%"]),
            ):  # fmt: skip
                cur.execute(sql, params)
                plan = " / ".join(r[0].strip() for r in cur.fetchall()[:4])
                print(f"  plan {label}: {plan[:300]}")


if __name__ == "__main__":
    main()
