"""Reliability acceptance of the sync queue (issue 6): with the emulator failing 20 % of the
calls and a worker killed mid-batch, every profile ends up synced exactly once — none missing,
none duplicated on the national side (counted in the emulator's own database).

The worker killed with SIGKILL is a real process (``manage.py sync_send``) sharing the test
database, so this variant needs a database another process can open: PostgreSQL (CI's
``test-postgres``) or a file-based SQLite test database; on the default in-memory SQLite test
database it is skipped, and :func:`test_a_worker_dying_after_delivery_loses_and_duplicates_
nothing` leaves exactly the state such a kill leaves (a claimed batch delivered to the national
side, never recorded) in-process, on every database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as db
from django.db.models import Count

from profiles.models import ProfileVersion, VersionStatus
from syncing.emulator.models import ReceivedProfile
from syncing.models import SyncItem, SyncStatus
from syncing.sender import SenderConfig, claim, default_adapter, run

from .conftest import NATIONAL_DB
from .helpers import sign_people

pytestmark = NATIONAL_DB

ROOT = Path(__file__).resolve().parents[2]
COUNT = 40
FAULTS = {"seed": 20261121, "error_rate": 0.1, "error_after_rate": 0.1, "latency_ms": 20}
CONFIG = SenderConfig(
    batch_size=5,
    lease_seconds=2,
    max_attempts=50,
    backoff_base=0.02,
    backoff_cap=0.2,
    breaker_threshold=1000,
    breaker_cooldown=0.1,
    timeout=5,
)


def _assert_each_synced_exactly_once(versions: list[ProfileVersion]) -> None:
    keys = {(v.profile.personal_id, v.content_hash) for v in versions}
    held = list(ReceivedProfile.objects.values_list("personal_id", "version_hash"))
    assert len(held) == len(set(held)), "a version is held twice on the national side"
    assert set(held) == keys, f"missing: {len(keys - set(held))}, unexpected: {set(held) - keys}"
    dupes = ReceivedProfile.objects.values("personal_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert not dupes.exists()
    assert SyncItem.objects.count() == len(versions)
    assert set(SyncItem.objects.values_list("status", flat=True)) == {SyncStatus.SYNCED}
    assert set(ProfileVersion.objects.values_list("status", flat=True)) == {VersionStatus.SYNCED}


def _shared_database() -> bool:
    if db.vendor == "postgresql":
        return True
    return db.vendor == "sqlite" and not db.is_in_memory_db()


def _database_url() -> str:
    s = db.settings_dict
    if db.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CBCCVC_VAR_DIR": str(settings.VAR_DIR),
        "NATIONAL_DATABASE_URL": f"sqlite:///{settings.VAR_DIR}/worker-national.sqlite3",
        "CBCCVC_REQUIRE_POSTGRES": "",
    }
    args = [
        sys.executable,
        str(ROOT / "manage.py"),
        "sync_send",
        "--max-seconds",
        "120",
        "--idle-seconds",
        "3",
        "--poll",
        "0.05",
    ]
    for name, value in CONFIG.__dict__.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_twenty_percent_failures_and_a_killed_worker_sync_each_profile_exactly_once(
    connection, national, tree, hr, approver, signer
):
    if not _shared_database():
        pytest.skip("the killed worker needs a database another process can open (PostgreSQL)")
    versions = sign_people(
        tree["H40.10"], COUNT, hr_user=hr, approver_user=approver, signer=signer, seed=77
    )
    national.set_faults(**FAULTS)
    worker = _worker()
    deadline = time.monotonic() + 60
    try:
        # kill it mid-batch: once something is synced and a batch is out
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(
                    "the worker ended before it could be killed: "
                    + worker.stderr.read().decode()[-2000:]
                )
            synced = SyncItem.objects.filter(status=SyncStatus.SYNCED).count()
            if synced >= 5 and SyncItem.objects.filter(status=SyncStatus.SENDING).exists():
                break
            time.sleep(0.005)
        else:
            pytest.fail("the worker never had a batch out")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert worker.returncode == -signal.SIGKILL
    left = SyncItem.objects.exclude(status=SyncStatus.SYNCED).count()
    assert left > 0, "the worker had finished everything before it was killed"
    # a second worker picks up everything, the abandoned batch once its lease runs out
    stats = run(max_seconds=60, idle_seconds=CONFIG.lease_seconds + 1, poll=0.05, config=CONFIG)
    assert stats.failed > 0, "the emulator's faults were not exercised"
    _assert_each_synced_exactly_once(versions)


def test_a_worker_dying_after_delivery_loses_and_duplicates_nothing(
    connection, national, tree, hr, approver, signer
):
    versions = sign_people(
        tree["H40.10"], 12, hr_user=hr, approver_user=approver, signer=signer, seed=78
    )
    national.set_faults(**FAULTS)
    # a worker claims a batch, the national side stores it, and the worker dies before
    # recording anything: the items stay "sending" with its claim
    batch = claim(connection, 5, CONFIG)
    adapter = default_adapter(connection, CONFIG)
    national.set_faults()
    from profiles.models import ProfileSignature

    docs = dict(ProfileSignature.objects.values_list("version_id", "signed_document"))
    adapter.submit([adapter.build_item(i.version, bytes(docs[i.version_id])) for i in batch])
    adapter.close()
    assert ReceivedProfile.objects.count() == 5
    assert SyncItem.objects.filter(status=SyncStatus.SENDING).count() == 5
    national.set_faults(**FAULTS)
    stats = run(max_seconds=60, idle_seconds=CONFIG.lease_seconds + 1, poll=0.05, config=CONFIG)
    assert stats.synced == 12
    _assert_each_synced_exactly_once(versions)
