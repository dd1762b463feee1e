#!/usr/bin/env python
"""Benchmark: batch signing of approved profiles with a key file, on 1 process against 2.

Run: ``.venv/bin/python bench/bench_batch_signing.py [--count 10000] [--processes 2]``

Sets up its own throw-away test database (SQLite in memory unless DATABASE_URL says otherwise),
loads the code lists and reference data, generates 40 real people (synthetic generator) and
makes ``2 × --count`` approved profile versions from them (each a copy of one of the 40 with its
own personal ID, snapshot and hash, written in bulk: the workflow's per-profile submission and
approval are not what is measured). A test CA's RSA-2048 key file is stored as the approver's
credential. Then the real batch task (:func:`profiles.signing.tasks.run_batch`, the real
provider :func:`~profiles.signing.profile_signing.provide_profile_version` and store
:func:`~profiles.signing.profile_signing.record_signature`) signs ``--count`` of them in this
process (``CBCCVC_SIGNING_PROCESSES=1``) and the other ``--count`` with ``--processes``
worker processes, in the same run; it prints the time and profiles/s of each, and how this
process's time splits between reading + rendering and storing (the part the workers do not
take), to tell whether rendering in the workers would help; and, per run, the CPU time per
profile of this process and of the workers (the wall time on a shared machine depends on the
others' load; with the CPU split, the wall time on an idle machine is bounded by the busiest
process).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402


def set_up(count: int):
    """The approver, its key file credential and ``2 × count`` approved versions."""
    import copy
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from orgtree.models import Role, Unit, UnitAssignment
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists
    from profiles.models import Profile, ProfileStatus, ProfileVersion, VersionStatus
    from profiles.services import content_hash, snapshot
    from profiles.signing.credentials import add_pkcs12_credential
    from profiles.signing.testca import make_test_ca
    from profiles.synthetic import generate_people

    load_codelists()
    load_reference_data()
    unit = Unit.objects.create(
        name="UBND tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    generate_people(unit, 40, seed=7)
    users = get_user_model()
    hr = users.objects.create_user("canbo", is_staff=True)
    approver = users.objects.create_user("lanhdao", is_staff=True)
    UnitAssignment.objects.create(user=approver, unit=unit, role=Role.APPROVER)
    ca = make_test_ca([("lanhdao", "Người ký lô")], with_ecdsa=False)
    cred = ca.credentials[0]
    credential = add_pkcs12_credential(approver, cred.pkcs12, cred.pin)
    models = list(Profile.objects.filter(unit=unit))
    snapshots = [snapshot(p) for p in models]
    now = timezone.now()
    total = 4 * count
    for start in range(0, total, 1000):
        profiles, versions = [], []
        for n in range(start, min(start + 1000, total)):
            i = n % len(models)
            profile = copy.copy(models[i])
            profile.pk = None
            profile.personal_id = f"0{n:011d}"
            profile.status = ProfileStatus.APPROVED
            profiles.append(profile)
        Profile.objects.bulk_create(profiles)
        for n, profile in zip(range(start, start + len(profiles)), profiles, strict=True):
            data = copy.deepcopy(snapshots[n % len(models)])
            data["profile"]["personal_id"] = profile.personal_id
            versions.append(
                ProfileVersion(
                    profile=profile, number=1, status=VersionStatus.APPROVED, snapshot=data,
                    content_hash=content_hash(data), submitted_by=hr, submitted_at=now,
                    decided_by=approver, decided_at=now,
                )
            )  # fmt: skip
        ProfileVersion.objects.bulk_create(versions)
        print(f"  … {start + len(profiles)} approved versions", flush=True)
    ids = list(
        ProfileVersion.objects.filter(profile__personal_id__startswith="0")
        .order_by("profile__personal_id")
        .values_list("pk", flat=True)
    )
    return approver, credential, cred, ids


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process, and of its finished children (the workers,
    counted once they have exited): a shared, loaded machine changes the wall time of each
    run, not this."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def run(
    approver, credential, pin: str, version_ids: list[int], processes: int, in_workers: bool
) -> float:
    from profiles.signing.keys import seal
    from profiles.signing.models import SigningBatch
    from profiles.signing.profile_signing import PROVIDER
    from profiles.signing.tasks import run_batch

    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=[f"{v}:{approver.pk}" for v in version_ids],
        total=len(version_ids),
        sealed_pin=seal(pin.encode("utf-8")),
    )
    with override_settings(
        CBCCVC_SIGNING_PROCESSES=processes,
        CBCCVC_SIGNING_POOL_MIN_ITEMS=2,
        CBCCVC_SIGNING_ITEMS_IN_WORKERS=in_workers,
    ):
        started = time.perf_counter()
        cpu = _cpu()
        outcome = run_batch(batch.pk)
        elapsed = time.perf_counter() - started
        parent, workers = (after - before for after, before in zip(_cpu(), cpu, strict=True))
    n = len(version_ids)
    print(
        f"    CPU per profile: this process {1000 * parent / n:.1f} ms, "
        f"workers {1000 * workers / n:.1f} ms (all workers together)",
        flush=True,
    )
    if outcome["failed"]:
        batch.refresh_from_db()
        raise SystemExit(f"{outcome['failed']} items failed: {list(batch.failures().items())[:3]}")
    return elapsed


def split(version_ids: list[int], user_pk: int, pkcs12: bytes, pin: str) -> dict[str, float]:
    """Milliseconds per item of each step, on a sample signed in one process and rolled back:
    read + render + validate (the provider), sign, store (record_signature). With workers,
    this process still does the first and the last."""
    from django.db import transaction

    from profiles.signing.keys import KeyFileSigner
    from profiles.signing.profile_signing import provide_profile_version
    from profiles.signing.xmlsig import sign_document

    signer = KeyFileSigner.from_pkcs12(pkcs12, pin)
    spent = {"read + render": 0.0, "sign": 0.0, "store": 0.0}
    with transaction.atomic():
        for v in version_ids:
            t0 = time.perf_counter()
            xml, store = provide_profile_version(f"{v}:{user_pk}")
            t1 = time.perf_counter()
            signed = sign_document(xml, signer)
            t2 = time.perf_counter()
            store(signed)
            t3 = time.perf_counter()
            spent["read + render"] += t1 - t0
            spent["sign"] += t2 - t1
            spent["store"] += t3 - t2
        transaction.set_rollback(True)
    return {k: 1000 * v / len(version_ids) for k, v in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    print(f"setting up {4 * args.count} approved versions …", flush=True)
    approver, credential, cred, ids = set_up(args.count)
    pin = cred.pin
    n = args.count
    first, second, third, fourth = ids[:n], ids[n : 2 * n], ids[2 * n : 3 * n], ids[3 * n :]
    steps = split(third[:200], approver.pk, cred.pkcs12, pin)
    print(
        "one process, per item (200, rolled back): "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in steps.items()),
        flush=True,
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    one = run(approver, credential, pin, first, 1, False)
    print(
        f"  1 process:                        {one:7.1f} s  {n / one:6.0f} profiles/s", flush=True
    )
    p = args.processes
    runs = [(f"{p} processes, render + store here", second, False)]
    if connection.vendor == "postgresql":
        runs.append((f"{p} processes, render + store in them", third, True))
    else:
        print("  (SQLite: the workers cannot share the database; only signing goes to them)")
    for label, version_ids, in_workers in runs:
        took = run(approver, credential, pin, version_ids, p, in_workers)
        print(f"  {label:32} {took:7.1f} s  {n / took:6.0f} profiles/s  (× {one / took:.2f})")
    # the first run also warms up (caches, the database's buffers): once more, at the end
    again = run(approver, credential, pin, fourth, 1, False)
    print(f"  {'1 process, again':32} {again:7.1f} s  {n / again:6.0f} profiles/s", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
