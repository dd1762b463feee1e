#!/usr/bin/env python
"""Benchmark of the reform conversion campaign (app ``conversion``).

Creates its own test database, loads the shipped reference data and code lists, makes
``--count`` profiles (bulk) whose place texts are drawn from a pool of old addresses (from the
official conversion table: "Xã A, Huyện B, Tỉnh C", with a house number in front for the
residences), current ones and split communes, with ``--family`` family rows each (their
residences from the same pool) and one past workplace outside the tree ("Ủy ban nhân dân
huyện B, Tỉnh C"), then measures in the same run:

* preview of the whole campaign (profiles/s), and a per-profile baseline on a sample: one
  ``resolve_place`` call per value (no cache per distinct text) and one ``ChangeRow.save()``
  per row;
* commit (profiles/s), and a per-profile baseline on a sample: ``profile.save()`` through the
  normal receivers (resolution, workflow, validation per profile).

    .venv/bin/python bench/bench_conversion.py            # 2,000 profiles
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_conversion.py --count 300000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

AS_OF = date(2026, 1, 10)
SETUP_BATCH = 10_000


def address_pool(rng: random.Random, size: int) -> list[str]:
    from orgtree.models import AdminUnitConversion

    rows = list(
        AdminUnitConversion.objects.order_by("pk").values_list(
            "old_commune_name",
            "old_district_name",
            "old_province_name",
            "new_commune_name",
            "new_province_name",
        )
    )
    pool = []
    for old_c, old_d, old_p, new_c, new_p in rng.sample(rows, min(size, len(rows))):
        pool.append(f"{old_c}, {old_d}, {old_p}".strip(", "))
        pool.append(f"{new_c}, {new_p}")
    return pool


def make_people(count: int, unit, rng: random.Random, family: int = 2) -> None:
    """The profiles, their family rows and a past work row each, written per 10,000 so that
    the setup does not set the peak memory the campaign is measured by (same rows, same
    random draws as when built in one list)."""
    from profiles.models import FamilyMember, Profile, WorkHistory
    from profiles.receivers import suspended

    pool = address_pool(rng, max(50, count // 20))
    people = []
    for i in range(count):
        dob = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        people.append(
            Profile(
                personal_id=f"040{(dob.year // 100 - 19) * 2}{dob.year % 100:02d}{i:06d}",
                full_name=f"Người Thứ {i}",
                folded_name=f"nguoi thu {i}",
                sex="1",
                date_of_birth=dob,
                birthplace_text=rng.choice(pool),
                hometown_text=rng.choice(pool),
                permanent_residence=f"Số {rng.randint(1, 300)}, {rng.choice(pool)}",
                current_residence=rng.choice(pool),
                unit=unit,
            )
        )
        if len(people) == SETUP_BATCH or i == count - 1:
            with suspended():
                Profile.objects.bulk_create(people, batch_size=2000)
            people = []
    ids = list(Profile.objects.filter(unit=unit).order_by("pk").values_list("pk", flat=True))
    members, work = [], []
    for n, pid in enumerate(ids, start=1):
        for k in range(family):
            members.append(
                FamilyMember(
                    profile_id=pid,
                    relationship_code=("BO", "ME", "VO", "CON")[k % 4],
                    full_name=f"Người Nhà {pid}-{k}",
                    address=f"Thôn {rng.randint(1, 9)}, {rng.choice(pool)}",
                )
            )
        place = rng.choice(pool).split(", ")
        work.append(
            WorkHistory(
                profile_id=pid,
                start_date=date(2010, 1, 1),
                end_date=date(2015, 12, 31),
                unit_name=f"Ủy ban nhân dân {place[-2].lower()}, {place[-1]}",
            )
        )
        if n % SETUP_BATCH == 0 or n == len(ids):
            FamilyMember.objects.bulk_create(members, batch_size=5000)
            WorkHistory.objects.bulk_create(work, batch_size=5000)
            members, work = [], []


def peak_mb() -> float:
    """The process's peak resident memory (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=100, help="profiles for the baselines")
    parser.add_argument("--family", type=int, default=2, help="family rows per profile")
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database():
        run(args)


def run(args) -> None:
    from django.contrib.auth import get_user_model

    from conversion import services
    from conversion.models import ChangeRow
    from orgtree.models import Unit
    from orgtree.places import resolve_place
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists
    from profiles.models import FamilyMember, Profile, WorkHistory

    load_reference_data()
    load_codelists()
    resolve_place("Hà Nội", AS_OF)  # build the resolver's indexes before timing
    admin = get_user_model().objects.create_superuser("bench", password=None)
    root = Unit.objects.create(
        name="UBND tỉnh", code="H99", kind=Unit.Kind.PROVINCE_PC, valid_from=date(2020, 1, 1)
    )
    rng = random.Random(7)
    t = time.perf_counter()
    make_people(args.count, root, rng, args.family)
    print(f"{args.count} profiles made in {time.perf_counter() - t:.1f} s "
          f"(peak memory so far: {peak_mb():.0f} MB)")  # fmt: skip

    t, cpu = time.perf_counter(), time.process_time()
    campaign = services.preview(unit=root, as_of=AS_OF, user=admin)
    preview_s, preview_cpu = time.perf_counter() - t, time.process_time() - cpu
    stats = campaign.stats
    print(
        f"preview: {args.count / preview_s:8.0f} profiles/s, {preview_s / 60:.1f} min "
        f"({stats.rows} rows, "
        f"{stats.distinct_texts} distinct texts, {stats.resolver_calls} resolver calls)"
    )
    print("  outcomes:", campaign.counts["outcomes"])
    print(f"  this process's CPU {preview_cpu:.0f} s (the rest: database, other load); "
          f"peak memory so far: {peak_mb():.0f} MB")  # fmt: skip

    # baseline: a resolver call per value and a row saved per value (the family and work
    # rows' places included, as the campaign has them)
    sample = list(Profile.objects.order_by("pk")[: args.sample])
    t = time.perf_counter()
    for p in sample:
        texts = [getattr(p, field) for field in ("birthplace_text", "hometown_text",
                 "permanent_residence", "current_residence")]  # fmt: skip
        texts += FamilyMember.objects.filter(profile=p).values_list("address", flat=True)
        texts += WorkHistory.objects.filter(profile=p).values_list("unit_name", flat=True)
        for text in texts:
            r = resolve_place(text, AS_OF)
            ChangeRow(
                campaign=campaign, profile=p, field="hometown", outcome="current", rule="base",
                new_province_code=(r.province or {}).get("code", ""),
            ).save()  # fmt: skip
    base_preview = len(sample) / (time.perf_counter() - t)
    ChangeRow.objects.filter(rule="base").delete()
    print(f"  baseline (per profile): {base_preview:8.0f} profiles/s "
          f"→ campaign ×{args.count / preview_s / base_preview:.1f}")  # fmt: skip

    t, cpu = time.perf_counter(), time.process_time()
    result = services.commit(campaign, admin)
    commit_s, commit_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"commit:  {args.count / commit_s:8.0f} profiles/s, {commit_s / 60:.1f} min "
        f"({result.profiles} profiles, "
        f"{result.values} values written, history and validation included)"
    )
    print(f"  this process's CPU {commit_cpu:.0f} s; peak memory so far: {peak_mb():.0f} MB")

    # baseline: the normal per-profile save (receivers: resolve, workflow, validate)
    sample = list(Profile.objects.order_by("-pk")[: args.sample])
    t = time.perf_counter()
    for p in sample:
        p.hometown_text = p.birthplace_text
        p._change_reason = "bench"
        p._history_user = admin
        p.save()
    base_commit = len(sample) / (time.perf_counter() - t)
    print(f"  baseline (profile.save() each): {base_commit:8.0f} profiles/s "
          f"→ campaign ×{args.count / commit_s / base_commit:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
