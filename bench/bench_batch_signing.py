#!/usr/bin/env python
"""Benchmark: batch signing of approved profiles with a key file, on 1 process against 2,
stored in chunks against one item per transaction.

Run: ``.venv/bin/python bench/bench_batch_signing.py [--count 10000] [--processes 2]
[--chunk 200]``

Sets up its own throw-away test database (SQLite in memory unless DATABASE_URL says otherwise),
loads the code lists and reference data, generates 40 real people (synthetic generator) and
makes ``runs × --count`` approved profile versions from them (each a copy of one of the 40 with
its own personal ID, snapshot and hash, written in bulk: the workflow's per-profile submission
and approval are not what is measured). A test CA's RSA-2048 key file is stored as the
approver's credential. Then the real batch task (:func:`signing.tasks.run_batch`)
signs ``--count`` versions per run, in the same run of the bench:

* one process, one item per transaction through the one-version path (the provider called per
  item, :func:`~profiles.signatures.versions.record_signature`: what every batch did
  before chunks): the baseline;
* one process, chunks of ``--chunk`` items (the real provider's set-based
  ``read_chunk``/``store_chunk``, :mod:`profiles.signatures.batch`);
* ``--processes`` worker processes signing, this process reading and storing chunks; on
  PostgreSQL also the workers doing whole items (one transaction each);
* the first two again at the end (the first runs also warm up caches and the database).

It prints the time and profiles/s of each, how this process's time per item splits between
reading + rendering, signing and storing (per item and per chunk, rolled back), and, per run,
the CPU time per profile of this process and of the workers (the wall time on a shared machine
depends on the others' load; with the CPU split, the wall time on an idle machine is bounded by
the busiest process).
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


def set_up(count: int, runs: int):
    """The approver, its key file credential and ``runs × count`` approved versions."""
    import copy
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from orgtree.models import Role, Unit, UnitAssignment
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists
    from profiles.models import Profile, ProfileStatus, ProfileVersion, VersionStatus
    from profiles.services import content_hash, snapshot
    from profiles.synthetic import generate_people
    from signing.credentials import add_pkcs12_credential
    from signing.testca import make_test_ca

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
    total = runs * count
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


def per_item(item_id: str):
    """The profiles' provider seen as a plain one (read, render and store one item at a time:
    :func:`~profiles.signatures.versions.record_signature`), for the baseline run."""
    from profiles.signatures.versions import provide_profile_version

    return provide_profile_version(item_id)


def run(
    approver,
    credential,
    pin: str,
    version_ids: list[int],
    processes: int,
    in_workers: bool,
    chunk: int,
    provider: str = "",
) -> float:
    from profiles.signatures.versions import PROVIDER
    from signing.keys import seal
    from signing.models import SigningBatch
    from signing.tasks import run_batch

    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=provider or PROVIDER,
        item_ids=[f"{v}:{approver.pk}" for v in version_ids],
        total=len(version_ids),
        sealed_pin=seal(pin.encode("utf-8")),
    )
    with override_settings(
        CBCCVC_SIGNING_PROCESSES=processes,
        CBCCVC_SIGNING_POOL_MIN_ITEMS=2,
        CBCCVC_SIGNING_ITEMS_IN_WORKERS=in_workers,
        CBCCVC_SIGNING_CHUNK_ITEMS=chunk,
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
    # every version signed, with its signature row, and queued for sync once
    from profiles.models import ProfileSignature, ProfileVersion, VersionStatus
    from syncing.models import SyncItem

    counts = (
        ProfileVersion.objects.filter(pk__in=version_ids, status=VersionStatus.SIGNED).count(),
        ProfileSignature.objects.filter(version_id__in=version_ids).count(),
        SyncItem.objects.filter(version_id__in=version_ids).count(),
    )
    if counts != (n, n, n):
        raise SystemExit(f"signed, signature rows, queued: {counts}, expected {n} each")
    return elapsed


def split(version_ids: list[int], user_pk: int, pkcs12: bytes, pin: str) -> dict[str, float]:
    """Milliseconds per item of each step, on a sample signed in one process and rolled back:
    read + render + validate (the provider), sign, store (record_signature). With workers,
    this process still does the first and the last."""
    from django.db import transaction

    from profiles.signatures.versions import provide_profile_version
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

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


def split_chunk(version_ids: list[int], user_pk: int, pkcs12: bytes, pin: str) -> dict[str, float]:
    """The same per item, for one chunk read and stored at once (set-based), rolled back."""
    from django.db import transaction

    from profiles.signatures.versions import provide_profile_version
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

    signer = KeyFileSigner.from_pkcs12(pkcs12, pin)
    with transaction.atomic():
        t0 = time.perf_counter()
        items = provide_profile_version.read_chunk([f"{v}:{user_pk}" for v in version_ids])
        t1 = time.perf_counter()
        signed = [(item, sign_document(item.document, signer)) for item in items]
        t2 = time.perf_counter()
        refused = provide_profile_version.store_chunk(signed)
        t3 = time.perf_counter()
        transaction.set_rollback(True)
    assert not refused and not any(item.error for item in items)
    n = len(version_ids)
    return {
        "read + render": 1000 * (t1 - t0) / n,
        "sign": 1000 * (t2 - t1) / n,
        "store": 1000 * (t3 - t2) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=200, help="items per transaction")
    parser.add_argument(
        "--chunks-only",
        action="store_true",
        help="leave out the slow runs (one item per transaction, whole items in the workers)",
    )
    args = parser.parse_args()
    n, p, chunk = args.count, args.processes, args.chunk
    per_item_provider = "__main__.per_item"
    # (label, processes, in the workers, items per transaction, provider)
    runs = [
        ("1 process, one item per transaction", 1, False, 1, per_item_provider),
        (f"1 process, chunks of {chunk}", 1, False, chunk, ""),
        (f"{p} processes, chunks of {chunk} here", p, False, chunk, ""),
    ]
    if connection.vendor == "postgresql":
        runs.append((f"{p} processes, items in them", p, True, 1, ""))
    runs += [(f"{label}, again", *rest) for label, *rest in runs[:2]]
    if args.chunks_only:
        runs = [r for r in runs if r[3] > 1]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    print(f"setting up {len(runs) * n} approved versions …", flush=True)
    approver, credential, cred, ids = set_up(n, len(runs))
    pin = cred.pin
    sample = ids[-200:]
    for label, measure in (("one item at a time", split), ("a chunk of 200", split_chunk)):
        steps = measure(sample, approver.pk, cred.pkcs12, pin)
        print(
            f"one process, per item, {label} (200, rolled back): "
            + ", ".join(f"{k} {v:.2f} ms" for k, v in steps.items()),
            flush=True,
        )
    if connection.vendor != "postgresql":
        print("  (SQLite: the workers cannot share the database; only signing goes to them)")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    baseline = 0.0
    for index, (label, processes, in_workers, size, provider) in enumerate(runs):
        version_ids = ids[index * n : (index + 1) * n]
        took = run(approver, credential, pin, version_ids, processes, in_workers, size, provider)
        baseline = baseline or took
        print(
            f"  {label:45} {took:7.1f} s  {n / took:6.0f} profiles/s  (× {baseline / took:.2f})",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
