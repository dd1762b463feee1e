"""A running import job says it is alive; a job whose process died is found and failed.

* :class:`Heartbeat` — per run of :func:`transfer.jobs.run_job` (the shared
  :class:`cbccvc.heartbeat.Heartbeat`): the job's ``heartbeat_at`` is set when the run claims
  the job, with each progress update outside a transaction, and every :data:`BEAT_SECONDS` by
  a light timer thread (its own database connection, so a long chunk or an all-or-nothing
  transaction does not silence it; it also touches a file next to the job's files, which
  SQLite's single writer cannot block). Each
  committed chunk is recorded as an :class:`~transfer.models.ImportChunk` inside the
  chunk's own transaction (:attr:`Heartbeat.on_chunk`), so the record is exactly what was
  committed: a rolled-back chunk, or a rolled-back all-or-nothing import, leaves none.
* :func:`reap_stale_import_jobs` — a job "running" whose last sign of life is older than
  :data:`STALE_AFTER` is marked failed, with what was written before it stopped
  (:func:`cbccvc.heartbeat.reap`). It runs as a
  django-q2 schedule every minute (:func:`ensure_schedule`) and whenever a job's status is
  read (``jobs.visible_jobs`` / ``jobs.get_job``, the admin list), so nobody sees "running"
  forever. The rows already written are matched as existing when the file is imported again
  (``jobs.resume_job`` re-runs the stored files).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cbccvc import heartbeat as beats
from cbccvc import schedules

from .models import ImportChunk, ImportJob

log = logging.getLogger(__name__)

#: the timer thread's period
BEAT_SECONDS = beats.BEAT_SECONDS
#: a running job silent for longer than this is taken as dead
STALE_AFTER = timedelta(seconds=60)
SCHEDULE_NAME = "profiles-import-reaper"
#: chunks listed one by one in the report of an interrupted job (the totals count them all)
LISTED_CHUNKS = 200

TABLE_LABELS = {"profile": "hồ sơ", "children": "dòng của các bảng con"}


def beat_file(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / str(job_id) / "heartbeat"


def claim(job_id: int) -> bool:
    """Mark a pending job running (with a first heartbeat) and forget the chunks of an earlier
    attempt; ``False`` when the job is not pending (e.g. django-q re-delivers the task of a
    job that was killed and has since been failed, resumed or finished)."""
    with transaction.atomic():
        claimed = beats.claim(
            ImportJob.objects.filter(pk=job_id),
            state="status",
            pending=ImportJob.Status.PENDING,
            running=ImportJob.Status.RUNNING,
            error="",
        )
        if claimed:
            ImportChunk.objects.filter(job_id=job_id).delete()
    return claimed


class Heartbeat(beats.Heartbeat):
    """The signs of life of one run; use as a context manager around the run."""

    def __init__(self, job_id: int, seconds: float = BEAT_SECONDS):
        self.job_id = job_id
        super().__init__(
            f"import-heartbeat-{job_id}",
            write=self._write,
            stamp=beat_file(job_id),
            seconds=seconds,
        )

    def _write(self, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=self.job_id, status=ImportJob.Status.RUNNING).update(
            done=done, total=total, heartbeat_at=timezone.now()
        )

    def on_chunk(self, table: str, rows: list[Any]) -> None:
        """Called by the writer inside the chunk's transaction: one insert per chunk."""
        numbers = [r.row for r in rows]
        ImportChunk.objects.create(
            job_id=self.job_id,
            table=table,
            rows=len(rows),
            first_row=min(numbers, default=0),
            last_row=max(numbers, default=0),
        )


def _file_beat(job_id: int) -> datetime | None:
    found = beats.read_stamp(beat_file(job_id))
    return found["at"] if found else None


def written_before_stop(job: ImportJob) -> dict[str, Any]:
    """What the committed chunks of the job's last run wrote."""
    chunks = list(
        ImportChunk.objects.filter(job=job).values(
            "table", "rows", "first_row", "last_row", "committed_at"
        )
    )
    by_table: dict[str, int] = {}
    for c in chunks:
        by_table[c["table"]] = by_table.get(c["table"], 0) + c["rows"]
    return {
        "chunks": len(chunks),
        "rows": sum(by_table.values()),
        "by_table": by_table,
        "chunk_list": [
            {**c, "committed_at": c["committed_at"].isoformat()} for c in chunks[:LISTED_CHUNKS]
        ],
    }


def interrupted_message(job: ImportJob, last: datetime | None, written: dict[str, Any]) -> str:
    head = f"Lượt nhập bị dừng đột ngột: tiến trình xử lý không còn báo hiệu từ {beats.when(last)}."
    if job.mode != ImportJob.Mode.COMMIT:
        return head + " Đây là lượt xem trước nên không ghi gì; hãy xem trước lại."
    if not written["rows"]:
        kept = (
            " theo lựa chọn “tất cả hoặc không”, cơ sở dữ liệu giữ nguyên như trước khi nhập."
            if job.all_or_nothing
            else " cơ sở dữ liệu giữ nguyên như trước khi nhập."
        )
        return head + " Chưa ghi dòng nào:" + kept + " Có thể chạy lại lượt nhập."
    parts = ", ".join(
        f"{TABLE_LABELS.get(table, table)}: {rows}" for table, rows in written["by_table"].items()
    )
    return (
        f"{head} Trước khi dừng đã ghi {written['rows']} dòng trong {written['chunks']} nhóm "
        f"({parts}); phần còn lại chưa ghi. Chạy tiếp (nhập lại cùng tệp) để ghi phần còn lại: "
        "các dòng đã ghi được nhận là đã có, không tạo hồ sơ trùng."
    )


def last_sign_of_life(job: ImportJob) -> datetime | None:
    return beats.last_sign_of_life(job, _file_beat(job.pk))


def _interrupted(job: ImportJob, last: datetime | None, now: datetime) -> dict[str, Any]:
    """The failed job's fields: what it wrote before it stopped."""
    written = written_before_stop(job)
    report = {
        **(job.report or {}),
        "interrupted": {
            "last_heartbeat": last.isoformat() if last else None,
            "detected_at": now.isoformat(),
            **written,
        },
    }
    return {
        "status": ImportJob.Status.FAILED,
        "error": interrupted_message(job, last, written),
        "report": report,
        "done": written["rows"],
        "finished_at": now,
    }


REAPER: beats.Reaper[ImportJob] = beats.Reaper(
    state="status",
    running=ImportJob.Status.RUNNING,
    stale_after=STALE_AFTER,
    last_sign=last_sign_of_life,
    failure=_interrupted,
)


def fail_if_stale(job: ImportJob, now: datetime | None = None) -> bool:
    """Fail ``job`` if it is running and silent for longer than :data:`STALE_AFTER`; the
    update is conditional, so a job that just beat again (or finished) is left alone."""
    failed = REAPER.fail_if_silent(job, now)
    if failed:
        job.refresh_from_db()
    return failed


def reap_stale_import_jobs(
    now: datetime | None = None, jobs: QuerySet[ImportJob] | None = None
) -> list[int]:
    """Fail the running jobs (of ``jobs``, default all) silent for longer than
    :data:`STALE_AFTER`; the ids of those failed. The django-q2 task of the schedule."""
    now = now or timezone.now()
    qs = jobs if jobs is not None else ImportJob.objects.all()
    candidates = (
        qs.filter(status=ImportJob.Status.RUNNING)
        .annotate(last_beat=Coalesce("heartbeat_at", "created_at"))
        .filter(last_beat__lt=now - STALE_AFTER)
    )
    return REAPER.reap(candidates, now)


def ensure_schedule() -> Any:
    """The django-q2 schedule of the reaper, every minute (idempotent)."""
    return schedules.ensure_schedule(
        SCHEDULE_NAME, "transfer.heartbeat.reap_stale_import_jobs", every_minutes=1
    )
