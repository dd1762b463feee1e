#!/usr/bin/env python
"""Benchmark: the sync queue end to end against the national emulator on loopback.

Run: ``.venv/bin/python bench/bench_sync.py [--count 10000] [--throughput 1000] [--workers 2]
[--setup auto|workflow|fast]``

Sets up its own throw-away databases in a temporary directory (SQLite files, so that worker
processes share them; with ``DATABASE_URL`` set to PostgreSQL it creates a ``test_…`` database
there instead), loads the code lists, generates people and takes every one of them through the
real workflow (submit, approve, sign with a test CA's RSA-2048 key; above 1,000 profiles the
same signed versions are written in bulk instead, see :func:`sign_people_fast`, because the
workflow costs ~0.2 s per profile on a shared machine). The emulator runs as its
own process (``manage.py national_emulator``) and verifies every signature on arrival
(XSD + XML signature + chain + CRL); the queue workers are ``manage.py sync_send`` processes,
which check each signature again before sending (the set-up writes the rows the signing path
writes, the server's mark included: the workers check the mark and the certificate, not the
signature's cryptography). Then it measures:

1. **throughput** — ``--throughput`` signed profiles queued, ``--workers`` workers, no faults:
   profiles/s from start until the last one is confirmed, and the CPU time per profile of the
   workers and of the emulator over the same span (read from ``/proc``: on a machine shared
   with other work these move far less than the rate); and, in the same run, the
   **baseline** of sending ``--baseline`` of them one by one without the queue (verify + one
   HTTP request per profile), with the ratio;
   and the **floor**: XSD + signature verification of the same documents in-process with our
   own verifier, with the ratio (the floor rises when verification gets faster; compare
   ratios, not rates), and the **emulator's floor**: the same documents through the
   emulator's own checks in-process (XSD + its independent xmlsec verifier, chain, CRLs),
   which every profile must pass on the same two cores, with the ratio;
2. **latency** — with one worker running, ``--latency`` profiles are signed at ``--rate`` per
   second: the time from signing (the change entering the queue) to "synced", median and p95;
3. **reliability** — ``--count`` profiles, the emulator failing 20 % of the calls (10 % 503
   before processing, 10 % 500 after storing), ``--workers`` workers, one of them killed with
   SIGKILL mid-run and replaced: missing and duplicate versions counted in the emulator's
   database.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="bench-sync-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
os.environ["CBCCVC_VAR_DIR"] = str(TMP)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/cbccvc.sqlite3")
os.environ["NATIONAL_DATABASE_URL"] = f"sqlite:///{TMP}/national.sqlite3"
os.environ["CBCCVC_SYNC_KICK"] = "0"
os.environ.pop("CBCCVC_KEY_ENCRYPTION_KEY", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

settings.CBCCVC_SYNC_KICK = False
WORKER_CONFIG = [
    "--batch-size",
    "100",
    "--lease-seconds",
    "20",
    "--max-attempts",
    "100",
    "--backoff-base",
    "0.05",
    "--backoff-cap",
    "1",
    "--breaker-threshold",
    "1000",
]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": _database_url(), "CBCCVC_REQUIRE_POSTGRES": ""}


def setup_databases() -> None:
    if connection.vendor == "postgresql":
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        atexit.register(_drop_test_database, old_name)
    else:
        call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate", database="national", verbosity=0, interactive=False)


def _drop_test_database(old_name: str) -> None:
    """The PostgreSQL test database goes when the bench ends (it was left behind, and the
    next bench to create ``test_…`` stopped on it)."""
    try:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    except Exception as exc:  # a worker still connected: say so, do not hide the bench's end
        print(f"the test database was not dropped: {exc}", file=sys.stderr)


def setup_people(count: int, *, fast: bool = False):
    """An agency, its HR officer and approver, a trusted test CA; ``count`` signed people
    (``fast``: see :func:`sign_people_fast`)."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from orgtree.models import Role, Unit, UnitAssignment
    from profiles.codelists import clear_cache, load_codelists
    from signing.keys import KeyFileSigner
    from signing.testca import load_test_ca, make_test_ca

    load_codelists()
    clear_cache()
    root = Unit.objects.create(
        name="UBND tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    dept = Unit.objects.create(
        name="Sở Nội vụ", code="H25.01", parent=root, valid_from=date(2025, 7, 1)
    )
    users = get_user_model().objects
    hr = users.create_user("bench_hr", is_staff=True)
    approver = users.create_user("bench_approver", is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=root, role=Role.HR_OFFICER)
    UnitAssignment.objects.create(user=approver, unit=root, role=Role.APPROVER)
    ca = make_test_ca([("bench_approver", "Người ký đo hiệu năng")], with_ecdsa=False)
    load_test_ca(ca, load_credentials=False)
    cred = ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    started = time.perf_counter()
    if fast:
        sign_people_fast(dept, count, hr, approver, signer, seed=1)
        how = "signed (fast set-up: no workflow)"
    else:
        sign_new_people(dept, count, hr, approver, signer, seed=1)
        how = "submitted, approved and signed"
    print(
        f"set-up: {count} people generated, {how} in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return ca, root, dept, hr, approver, signer


def generated_chunks(unit, count: int, *, seed: int, chunk: int = 500):
    """Generate ``count`` people under ``unit`` in chunks; yield each chunk's new profiles and
    how many have been generated so far."""
    from profiles.models import Profile
    from profiles.synthetic import generate_people

    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        before = Profile.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        generate_people(unit, n, seed=seed + start)
        yield list(Profile.objects.filter(pk__gt=before).order_by("pk")), start + n


def sign_new_people(unit, count, hr, approver, signer, *, seed, rate: float = 0.0) -> list:
    from profiles import workflow
    from profiles.signatures.versions import sign_version

    done = []
    for profiles, _ in generated_chunks(unit, count, seed=seed):
        for profile in profiles:
            t0 = time.perf_counter()
            version = workflow.approve(workflow.submit(profile, hr), approver)
            sign_version(version, signer, approver)
            done.append(version.pk)
            if rate:
                time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - t0)))
    return done


def sign_people_fast(unit, count, hr, approver, signer, *, seed) -> list:
    """The set-up of large runs: the same signed versions as the workflow makes (snapshot and
    its hash, the canonical document signed with the test CA's key, the signature row), but
    written in bulk without the workflow's per-profile validation, locking and history, which
    cost ~0.2 s per profile on the shared machine (10,000 profiles: over half an hour) and are
    not what this benchmark measures. The queue items are created by :func:`attach_items`."""
    from django.db import transaction
    from django.utils import timezone

    from profiles.document import assets_included_by_default
    from profiles.models import (
        Profile,
        ProfileSignature,
        ProfileStatus,
        ProfileVersion,
        VersionStatus,
    )
    from profiles.services import content_hash, snapshot
    from profiles.signatures.versions import describe_signed, new_signature
    from profiles.signatures.versions import render_valid_document as render
    from signing.keys import serial_hex
    from signing.xmlsig import sign_document

    cert = signer.certificate
    include_assets = assets_included_by_default()
    done = []
    for profiles, generated in generated_chunks(unit, count, seed=seed):
        now = timezone.now()
        versions = []
        for profile in profiles:
            data = snapshot(profile)
            versions.append(
                ProfileVersion(
                    profile=profile, number=1, status=VersionStatus.SIGNED, snapshot=data,
                    content_hash=content_hash(data), submitted_by=hr, submitted_at=now,
                    decided_by=approver, decided_at=now, signed_by=approver, signed_at=now,
                    signature_reference=serial_hex(cert),
                )
            )  # fmt: skip
        signed = [
            sign_document(render(version, include_assets=include_assets), signer)
            for version in versions
        ]
        with transaction.atomic():
            ProfileVersion.objects.bulk_create(versions)
            # the row the signing path writes, the server's mark included (made for the
            # version's id: after the versions are written)
            ProfileSignature.objects.bulk_create(
                [
                    new_signature(
                        version, doc, approver, describe_signed(doc), credential=None,
                        includes_assets=include_assets,
                    )
                    for version, doc in zip(versions, signed, strict=True)
                ]
            )  # fmt: skip
            Profile.objects.filter(pk__in=[p.pk for p in profiles]).update(
                status=ProfileStatus.SIGNED
            )
        done += [v.pk for v in versions]
        print(f"  … {generated} signed", flush=True)
    return done


def attach_items(conn) -> None:
    """Every signed version without a queue item gets one (as ``enqueue`` makes it), and every
    item is attached to ``conn``."""
    from django.utils import timezone

    from profiles.models import ProfileVersion
    from syncing.models import SyncItem
    from syncing.queue import idempotency_key

    now = timezone.now()
    missing = ProfileVersion.objects.filter(sync_items__isnull=True).select_related("profile")
    SyncItem.objects.bulk_create(
        [
            SyncItem(
                version=v, destination="national", connection=conn, status="pending",
                next_attempt_at=now, changed_at=v.submitted_at or now,
                idempotency_key=idempotency_key(v),
            )
            for v in missing.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )  # fmt: skip
    SyncItem.objects.update(connection=conn)


def seed_emulator(ca, agency: str, units: list[str]) -> tuple[str, str]:
    from cryptography.hazmat.primitives.serialization import Encoding

    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import NationalUnit
    from syncing.emulator.services import add_trust

    add_trust(ca.root_cert.public_bytes(Encoding.PEM), "CA THỬ NGHIỆM")
    add_trust(ca.crl.public_bytes(Encoding.PEM), "CRL THỬ NGHIỆM")
    root = NationalUnit.objects.create(
        code=agency,
        name="UBND tỉnh Phú Thọ",
        kind="province_pc",
        agency_code=agency,
        source="national",
    )
    for code in units:
        NationalUnit.objects.create(
            code=code, name=code, parent=root, agency_code=agency, source="national"
        )
    issued = issue_key(
        agency_code=agency,
        software_name="Bench",
        admin_name="Đo Hiệu Năng",
        rate_limit_per_minute=10_000_000,
        activate=True,
    )
    return issued.key.key_id, issued.secret


class Emulator:
    def __init__(self, port: int, faults: dict | None = None) -> None:
        args = [
            sys.executable,
            str(ROOT / "manage.py"),
            "national_emulator",
            "--port",
            str(port),
            "--no-migrate",
        ]
        if faults:
            args += ["--faults", json.dumps(faults)]
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(200):
            try:
                httpx.get(self.url + "/api/v1/health", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def worker(max_seconds: float = 3600, idle: float = 30.0) -> subprocess.Popen:
    args = [
        sys.executable,
        str(ROOT / "manage.py"),
        "sync_send",
        "--max-seconds",
        str(max_seconds),
        "--idle-seconds",
        str(idle),
        "--poll",
        "0.1",
        *WORKER_CONFIG,
    ]
    return subprocess.Popen(
        args, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def counts() -> dict[str, int]:
    from django.db.models import Count

    from syncing.models import SyncItem

    return dict(SyncItem.objects.values_list("status").annotate(n=Count("pk")))


def wait_all_synced(total: int, timeout: float, on_progress=None) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        synced = counts().get("synced", 0)
        if on_progress:
            on_progress(synced)
        if synced >= total:
            return time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError(f"not all synced after {timeout} s: {counts()}")


def reset_queue(version_ids: list[int] | None = None) -> None:
    """Back to "signed, not sent" (and empty the emulator's received profiles)."""
    from django.utils import timezone

    from profiles.models import Profile, ProfileStatus, ProfileVersion, VersionStatus
    from syncing.emulator.models import ReceivedProfile
    from syncing.models import Connection, SyncItem

    ReceivedProfile.objects.all().delete()
    items = SyncItem.objects.all()
    versions = ProfileVersion.objects.all()
    if version_ids is not None:  # the others are parked in the dead letter
        items.exclude(version_id__in=version_ids).update(status="dead")
        items = items.filter(version_id__in=version_ids)
        versions = versions.filter(pk__in=version_ids)
    items.update(
        status="pending",
        attempts=0,
        next_attempt_at=timezone.now(),
        lease_until=None,
        claim_token="",
        synced_at=None,
        last_error_code="",
        last_error_message="",
    )
    versions.update(status=VersionStatus.SIGNED, synced_at=None, sync_reference="")
    Profile.objects.filter(versions__in=versions).update(status=ProfileStatus.SIGNED)
    Connection.objects.update(consecutive_failures=0, circuit_open_until=None)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_throughput(
    version_ids: list[int], workers: int, emulator: Emulator
) -> tuple[float, float, float]:
    """Workers start first (idle), then the items are released and timed until confirmed.
    Returns profiles/s and the CPU time per profile (ms) of the workers together and of the
    emulator, over the same span: unlike the rate, these hardly move when other processes
    share the machine."""
    reset_queue([])
    procs = [worker() for _ in range(workers)]
    time.sleep(8)  # the workers' Django start-up is not part of the throughput
    n = len(version_ids)
    before = [cpu_seconds(p.pid) for p in procs], cpu_seconds(emulator.proc.pid)
    reset_queue(version_ids)
    try:
        seconds = wait_all_synced(n, timeout=max(600, n))
        workers_cpu = sum(cpu_seconds(p.pid) for p in procs) - sum(before[0])
        emulator_cpu = cpu_seconds(emulator.proc.pid) - before[1]
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    return n / seconds, workers_cpu / n * 1000, emulator_cpu / n * 1000


def measure_baseline(conn, version_ids: list[int]) -> float:
    """The same work without the queue: verify, then one HTTP request per profile."""
    from profiles.models import ProfileSignature, ProfileVersion
    from profiles.signatures.versions import verify_version
    from signing.trust import TrustStore
    from syncing.destinations import adapter_for

    adapter = adapter_for(conn)
    trust = TrustStore.from_database()
    versions = list(
        ProfileVersion.objects.filter(pk__in=version_ids).select_related("profile__unit")
    )
    docs = dict(
        ProfileSignature.objects.filter(version__in=versions).values_list(
            "version_id", "signed_document"
        )
    )
    started = time.perf_counter()
    for v in versions:
        assert verify_version(v, trust_store=trust).ok
        (result,) = adapter.submit([adapter.build_item(v, bytes(docs[v.pk]))])
        assert result.confirmed, result
    seconds = time.perf_counter() - started
    adapter.close()
    return len(versions) / seconds


def _signed_documents(version_ids: list[int]) -> list[bytes]:
    """The signed documents of these versions, as the floors read them."""
    from profiles.models import ProfileSignature

    return [
        bytes(d)
        for d in ProfileSignature.objects.filter(version_id__in=version_ids).values_list(
            "signed_document", flat=True
        )
    ]


def measure_floor(version_ids: list[int]) -> float:
    """The verification floor, in-process: XSD validation + signature verification of the same
    signed documents with our own verifier (the emulator checks them with its own, see
    :func:`measure_national_floor`), without HTTP or a database."""
    from lxml import etree

    from profiles import document
    from signing.trust import TrustStore
    from signing.xmlsig import verify_document

    docs = _signed_documents(version_ids)
    schema = document.schema()
    trust = TrustStore.from_database()
    started = time.perf_counter()
    for doc in docs:
        assert schema.validate(etree.fromstring(doc))
        assert verify_document(doc, trust).ok
    return len(docs) / (time.perf_counter() - started)


def measure_national_floor(version_ids: list[int]) -> float:
    """The emulator's own floor, in-process: what its intake does per profile before storing it
    (parse, XSD validation of the document's version, and the independent check of
    :mod:`syncing.emulator.xmlsec_verify`: libxmlsec1 references and signature value, signing
    certificate, chain, CRLs), on the same documents, without HTTP or a database."""
    from lxml import etree

    from profiles.document_schema import validation_errors
    from syncing.emulator.services import trust_store
    from syncing.emulator.xmlsec_verify import verify

    docs = _signed_documents(version_ids)
    trust = trust_store()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    started = time.perf_counter()
    for doc in docs:
        root = etree.fromstring(doc, parser=parser)
        assert not validation_errors(root)
        assert verify(doc, trust, parsed=root).ok
    return len(docs) / (time.perf_counter() - started)


def measure_latency(dept, hr, approver, signer, n: int, rate: float) -> tuple[float, float]:
    from syncing.models import SyncItem

    proc = worker(idle=3600)
    try:
        ids = sign_new_people(dept, n, hr, approver, signer, seed=900_000, rate=rate)
        wait_all_synced(n, timeout=300)
    finally:
        proc.terminate()
        proc.wait(10)
    lags = [
        (item.synced_at - item.version.signed_at).total_seconds()
        for item in SyncItem.objects.filter(version_id__in=ids).select_related("version")
    ]
    return statistics.median(lags), statistics.quantiles(lags, n=20)[-1]


def measure_reliability(version_ids: list[int], workers: int) -> dict[str, int | float]:
    from django.db.models import Count

    from profiles.models import ProfileVersion
    from syncing.emulator.models import ReceivedProfile

    n = len(version_ids)
    procs = [worker() for _ in range(workers)]
    killed = {"done": False}

    def kill_one(synced: int) -> None:
        if not killed["done"] and synced >= n * 0.3:
            os.kill(procs[0].pid, signal.SIGKILL)
            procs[0].wait(10)
            killed["done"] = True
            killed["at"] = synced
            procs.append(worker())

    try:
        seconds = wait_all_synced(n, timeout=max(1800, n), on_progress=kill_one)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
    held = set(ReceivedProfile.objects.values_list("personal_id", "version_hash"))
    wanted = set(
        ProfileVersion.objects.filter(pk__in=version_ids).values_list(
            "profile__personal_id", "content_hash"
        )
    )
    duplicates = (
        ReceivedProfile.objects.values("personal_id", "version_hash")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "seconds": seconds,
        "missing": len(wanted - held),
        "duplicates": duplicates,
        "unexpected": len(held - wanted),
        "killed_at": killed.get("at", -1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000, help="reliability scenario size")
    parser.add_argument("--throughput", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=200)
    parser.add_argument("--latency", type=int, default=60)
    parser.add_argument("--rate", type=float, default=4.0, help="profiles signed per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument(
        "--setup",
        choices=["auto", "workflow", "fast"],
        default="auto",
        help="how the profiles are signed: through the workflow, or in bulk (sign_people_fast); "
        "auto: in bulk above 1,000 profiles",
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="measure the throughput (and its CPU per profile) only: no baseline, floor, "
        "latency or reliability",
    )
    args = parser.parse_args()
    setup_databases()
    size = max(args.count, args.throughput)
    fast = args.setup == "fast" or (args.setup == "auto" and size > 1000)
    ca, root, dept, hr, approver, signer = setup_people(size, fast=fast)
    key_id, secret = seed_emulator(ca, "H25", ["H25.01"])
    from profiles.models import ProfileVersion
    from syncing.connections import create_connection

    emulator = Emulator(args.port)
    conn = create_connection(
        unit=root,
        destination="national",
        software_name="Bench",
        base_url=emulator.url,
        key_id=key_id,
        secret=secret,
    )
    attach_items(conn)  # signed before the connection existed: attach them
    ids = list(ProfileVersion.objects.order_by("pk").values_list("pk", flat=True))
    print(
        f"database: {connection.vendor}; workers: {args.workers}; "
        f"emulator verifies every signature on arrival",
        flush=True,
    )
    try:
        rate, workers_ms, emulator_ms = measure_throughput(
            ids[: args.throughput], args.workers, emulator
        )
        if args.throughput_only:
            print(
                f"throughput: {rate:.1f} profiles/s through the queue ({args.throughput} "
                f"profiles, {args.workers} workers, batches of 100); cpu: {workers_ms:.2f} ms "
                f"per profile in the workers, {emulator_ms:.2f} ms in the emulator; load "
                f"average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            return
        reset_queue(ids[: args.baseline])
        base = measure_baseline(conn, ids[: args.baseline])
        floor = measure_floor(ids[: args.baseline])
        national_floor = measure_national_floor(ids[: args.baseline])
        print(
            f"throughput: {rate:.1f} profiles/s through the queue ({args.throughput} profiles, "
            f"{args.workers} workers, batches of 100)"
        )
        print(
            f"cpu:        {workers_ms:.2f} ms per profile in the {args.workers} workers, "
            f"{emulator_ms:.2f} ms in the emulator (user + system, over the same span)"
        )
        print(
            f"baseline:   {base:.1f} profiles/s one by one without the queue "
            f"({args.baseline} profiles, verify + one request each)"
        )
        print(f"ratio:      {rate / base:.2f}× the baseline")
        print(
            f"floor:      {floor:.1f} profiles/s XSD + signature verification in-process "
            f"({args.baseline} documents, no HTTP, no database)"
        )
        print(f"ratio:      {rate / floor:.2f}× the floor")
        print(
            f"national:   {national_floor:.1f} profiles/s the emulator's own checks in-process "
            f"(XSD + its independent xmlsec verifier, chain and CRLs; {args.baseline} documents, "
            f"no HTTP, no database)"
        )
        print(
            f"ratio:      {rate / national_floor:.2f}× the emulator's floor (the emulator runs on "
            f"the same two cores as the workers); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        reset_queue([])
        median, p95 = measure_latency(dept, hr, approver, signer, args.latency, args.rate)
        print(
            f"latency signed → synced ({args.latency} profiles signed at {args.rate}/s, "
            f"1 worker): median {median:.2f} s, p95 {p95:.2f} s",
            flush=True,
        )
    finally:
        emulator.stop()
    emulator = Emulator(args.port, {"seed": 2026, "error_rate": 0.1, "error_after_rate": 0.1})
    try:
        reset_queue(ids[: args.count])
        out = measure_reliability(ids[: args.count], args.workers)
    finally:
        emulator.stop()
    print(
        f"reliability: {args.count} profiles, 20 % of calls failing, a worker killed "
        f"(SIGKILL) at {out['killed_at']} synced and replaced: all synced in "
        f"{out['seconds']:.0f} s; missing {out['missing']}, duplicates {out['duplicates']}, "
        f"unexpected {out['unexpected']}"
    )


if __name__ == "__main__":
    main()
