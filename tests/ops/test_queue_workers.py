"""Two real django-q2 ``qcluster`` processes against the local Redis share one queue: every
task runs exactly once, and both clusters take a share. CI runs on a machine with Redis on
127.0.0.1:6379, so an unreachable Redis is a failure, not a skip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CBCCVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TASKS = 40

ENQUEUE = """
import sys
import django
django.setup()
from django_q.tasks import async_task
redis_url, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    async_task("cbccvc.tasks.queue_probe", redis_url, key, i)
"""


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); CI expects it on :6379")
    return client


def _env(tmp_path: Path, name: str, label: str = "") -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.q_settings",
        "CBCCVC_REDIS_URL": REDIS_URL,
        "CBCCVC_Q_NAME": name,
        "CBCCVC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    if label:
        env["CBCCVC_WORKER_LABEL"] = label
    return env


# the clusters and the enqueuer use their own SQLite file (DATABASE_URL in _env)
@pytest.mark.database_free
def test_two_worker_clusters_share_the_queue(redis_client, tmp_path):
    name = f"cbccvc-test-{uuid.uuid4().hex[:10]}"
    key = f"{name}:done"
    clusters = {}
    logs = {}
    try:
        for label in ("host-a", "host-b"):
            logs[label] = (tmp_path / f"{label}.log").open("w+")
            clusters[label] = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=_env(tmp_path, name, label),
                stdout=logs[label],
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = [lb for lb in logs if "ready for work" in (tmp_path / f"{lb}.log").read_text()]
            if len(ready) == 2:
                break
            for label, proc in clusters.items():
                assert proc.poll() is None, (tmp_path / f"{label}.log").read_text()
            time.sleep(0.2)
        else:
            pytest.fail(
                "the two clusters did not start: "
                + str({lb: (tmp_path / f"{lb}.log").read_text()[-2000:] for lb in logs})
            )
        subprocess.run(
            [sys.executable, "-c", ENQUEUE, REDIS_URL, key, str(TASKS)],
            cwd=ROOT,
            env=_env(tmp_path, name),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 60
        while redis_client.llen(key) < TASKS and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # a task run twice would show up now
        done = [item.decode().split("|") for item in redis_client.lrange(key, 0, -1)]
    finally:
        for proc in clusters.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in clusters.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for fh in logs.values():
            fh.close()
        redis_client.delete(key)
    numbers = sorted(int(n) for _, n in done)
    assert numbers == list(range(TASKS)), "a task was lost or ran twice"
    per_host = {label: sum(1 for lb, _ in done if lb == label) for label in clusters}
    assert all(count > 0 for count in per_host.values()), per_host
