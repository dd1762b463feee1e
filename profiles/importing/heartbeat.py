"""A running import job says it is alive; a job whose process died is found and failed.

* :class:`Heartbeat` — per run of :func:`profiles.importing.jobs.run_job`: the job's
  ``heartbeat_at`` is set when the run claims the job, with each progress update outside a
  transaction, and every :data:`BEAT_SECONDS` by a light timer thread (its own database
  connection, so a long chunk or an all-or-nothing transaction does not silence it; it also
  touches a file next to the job's files, which SQLite's single writer cannot block). Each
  committed chunk is recorded as an :class:`~profiles.importing.models.ImportChunk` inside the
  chunk's own transaction (:attr:`Heartbeat.on_chunk`), so the record is exactly what was
  committed: a rolled-back chunk, or a rolled-back all-or-nothing import, leaves none.
* :func:`reap_stale_import_jobs` — a job "running" whose last sign of life is older than
  :data:`STALE_AFTER` is marked failed, with what was written before it stopped. It runs as a
  django-q2 schedule every minute (:func:`ensure_schedule`) and whenever a job's status is
  read (``jobs.visible_jobs`` / ``jobs.get_job``, the admin list), so nobody sees "running"
  forever. The rows already written are matched as existing when the file is imported again
  (``jobs.resume_job`` re-runs the stored files).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cbccvc import schedules

from .models import ImportChunk, ImportJob

log = logging.getLogger(__name__)

#: the timer thread's period
BEAT_SECONDS = 5.0
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
    now = timezone.now()
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.RUNNING, error="", heartbeat_at=now
        )
        if claimed:
            ImportChunk.objects.filter(job_id=job_id).delete()
    return bool(claimed)


class Heartbeat:
    """The signs of life of one run; use as a context manager around the run."""

    def __init__(self, job_id: int, seconds: float = BEAT_SECONDS):
        self.job_id = job_id
        self.seconds = seconds
        self.done = 0
        self.total = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._touch()
        # Inside a transaction (a request or a test wrapped in one) the job row is not yet
        # visible to another connection: a timer thread could not update it.
        # An in-memory SQLite database (tests) has no other process to tell, and a second
        # connection to its shared cache would make the writer's tables "locked".
        in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
        if not connection.in_atomic_block and not in_memory:
            self._thread = threading.Thread(
                target=self._run, name=f"import-heartbeat-{self.job_id}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def progress(self, done: int, total: int) -> None:
        """Progress of the plan or the commit; written now unless inside a transaction (an
        all-or-nothing commit), where the timer thread writes it."""
        self.done, self.total = done, total
        if connection.in_atomic_block:
            return
        ImportJob.objects.filter(pk=self.job_id).update(
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

    def _touch(self) -> None:
        try:
            path = beat_file(self.job_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            # the time itself, from the clock the reaper and heartbeat_at use (a file's mtime
            # comes from the file system's clock); replaced whole, so never read half written
            partial = path.with_suffix(".tmp")
            partial.write_text(timezone.now().isoformat(), encoding="ascii")
            partial.replace(path)
        except OSError:  # the database heartbeat still counts
            log.debug("import job %s: heartbeat file not written", self.job_id, exc_info=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.seconds):
                self._touch()
                try:
                    ImportJob.objects.filter(
                        pk=self.job_id, status=ImportJob.Status.RUNNING
                    ).update(heartbeat_at=timezone.now(), done=self.done, total=self.total)
                except DatabaseError:  # e.g. SQLite busy with a long write: next time
                    log.debug("import job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def _file_beat(job_id: int) -> datetime | None:
    try:
        return datetime.fromisoformat(beat_file(job_id).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


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


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S ngày %d/%m/%Y") if moment else "?"


def interrupted_message(job: ImportJob, last: datetime | None, written: dict[str, Any]) -> str:
    head = f"Lượt nhập bị dừng đột ngột: tiến trình xử lý không còn báo hiệu từ {_when(last)}."
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
    beats = [t for t in (job.heartbeat_at, _file_beat(job.pk)) if t is not None]
    return max(beats) if beats else job.created_at


def fail_if_stale(job: ImportJob, now: datetime | None = None) -> bool:
    """Fail ``job`` if it is running and silent for longer than :data:`STALE_AFTER`; the
    update is conditional, so a job that just beat again (or finished) is left alone."""
    if job.status != ImportJob.Status.RUNNING:
        return False
    now = now or timezone.now()
    last = last_sign_of_life(job)
    if last is not None and last >= now - STALE_AFTER:
        return False
    written = written_before_stop(job)
    report = {
        **(job.report or {}),
        "interrupted": {
            "last_heartbeat": last.isoformat() if last else None,
            "detected_at": now.isoformat(),
            **written,
        },
    }
    failed = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.RUNNING, heartbeat_at=job.heartbeat_at
    ).update(
        status=ImportJob.Status.FAILED,
        error=interrupted_message(job, last, written),
        report=report,
        done=written["rows"],
        finished_at=now,
    )
    if failed:
        log.warning(
            "import job %s: no heartbeat since %s, marked failed (%s rows in %s chunks written)",
            job.pk,
            last,
            written["rows"],
            written["chunks"],
        )
        job.refresh_from_db()
    return bool(failed)


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
    return [job.pk for job in candidates if fail_if_stale(job, now)]


def ensure_schedule() -> Any:
    """The django-q2 schedule of the reaper, every minute (idempotent)."""
    return schedules.ensure_schedule(
        SCHEDULE_NAME, "profiles.importing.heartbeat.reap_stale_import_jobs", every_minutes=1
    )
