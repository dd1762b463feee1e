"""django-q2 tasks of the sync queue.

* :func:`run_sender` — the sender loop (:func:`syncing.sender.run`): it sends until the queue
  has been idle a few seconds. It is started by a django-q2 schedule every minute
  (:func:`ensure_schedule`, so stuck leases and retries are picked up) and kicked right after
  a version is queued (:func:`kick`, at most once every few seconds per process), so that a
  signed profile is synced within seconds under normal load.
* :func:`check_connections` — the daily health check of every connection.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from cbccvc import schedules

KICK_KEY = "syncing:kick"
KICK_EVERY = 3  # seconds


def run_sender(max_seconds: float = 55.0, idle_seconds: float = 5.0) -> dict[str, Any]:
    from .sender import run

    stats = run(max_seconds=max_seconds, idle_seconds=idle_seconds)
    return {
        "claimed": stats.claimed,
        "synced": stats.synced,
        "failed": stats.failed,
        "dead": stats.dead,
        "batches": stats.batches,
    }


def kick() -> None:
    """Start a sender soon (after the current transaction commits), unless one was started
    by this process a moment ago or the queue runs synchronously (tests)."""
    q_cluster = getattr(settings, "Q_CLUSTER", {})
    if q_cluster.get("sync") or not getattr(settings, "CBCCVC_SYNC_KICK", True):
        return

    def start() -> None:
        from django_q.tasks import async_task

        if cache.add(KICK_KEY, 1, timeout=KICK_EVERY):
            async_task("syncing.tasks.run_sender", task_name="Đồng bộ hồ sơ (gửi ngay)")

    transaction.on_commit(start)


def check_connections() -> dict[str, Any]:
    from .connections import health_check
    from .models import Connection

    out = {}
    for conn in Connection.objects.all():
        ok, message = health_check(conn)
        out[str(conn.pk)] = {"ok": ok, "message": message}
    return out


def ensure_schedule() -> None:
    """The django-q2 schedules of the sync queue (idempotent)."""
    schedules.ensure_schedule("syncing-sender", "syncing.tasks.run_sender", every_minutes=1)
    schedules.ensure_schedule("syncing-health", "syncing.tasks.check_connections")
