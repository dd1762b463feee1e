"""Signs of life of background jobs, and the reaper of the jobs whose process died.

A job row (an import job, a conversion campaign's step) has a state and ``heartbeat_at``:

* :func:`claim` — a worker takes a *pending* job (state "running", first heartbeat); a task
  that django-q re-delivers after its worker died finds the job failed (or done) and does
  nothing;
* :class:`Heartbeat` — around one run: a light timer thread, on its own database connection,
  writes the progress (at most every :data:`PROGRESS_SECONDS`, when it moved) and a sign of
  life (every :data:`BEAT_SECONDS`), so that a long chunk or an all-or-nothing transaction does
  not silence the job; optionally a stamp file as well (:func:`write_stamp`), for SQLite, whose
  single writer a long transaction holds;
* :class:`Reaper` — a job "running" whose last sign of life is older
  than the job kind's limit is marked failed; the update is conditional (same state, same
  ``heartbeat_at``), so a job that just beat again or finished is left alone.

:class:`JobProgress <cbccvc.models.JobProgress>` (:func:`record_progress`,
:func:`read_progress`) keeps the progress of a job whose own row its run keeps locked.
"""

from __future__ import annotations

import json
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from django.db import DatabaseError, connection
from django.db.models import Model, QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)

#: a sign of life at least this often while a job runs
BEAT_SECONDS = 5.0
#: the progress written at most this often
PROGRESS_SECONDS = 0.5


class BeatingJob(Protocol):
    """What the reaper reads of a job row."""

    pk: Any
    heartbeat_at: datetime | None
    created_at: datetime


J = TypeVar("J", bound=Model)


def other_connection_can_write() -> bool:
    """Whether a thread's own connection can write the job now: not inside a transaction (the
    job row is not yet visible to another connection, and a row written in it stays locked)
    and not an in-memory SQLite database (tests: no other process to tell, and a second
    connection to its shared cache makes the writer's tables "locked")."""
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    return not connection.in_atomic_block and not in_memory


# -- stamp files -----------------------------------------------------------------------------------
def write_stamp(path: Path, **values: Any) -> None:
    """Write ``{"at": now, **values}`` to ``path``, replaced whole (never read half written);
    the time comes from the clock the reaper uses (a file's mtime is the file system's)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(
            json.dumps({**values, "at": timezone.now().isoformat()}), encoding="ascii"
        )
        partial.replace(path)
    except OSError:  # the database's signs of life still count
        log.debug("stamp %s not written", path, exc_info=True)


def read_stamp(path: Path) -> dict[str, Any] | None:
    """What :func:`write_stamp` wrote, ``at`` as a datetime; ``None`` if missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="ascii"))
        data["at"] = datetime.fromisoformat(data["at"])
        return data
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- progress of a job whose own row is locked while it runs ---------------------------------------
def record_progress(job: str, done: int, total: int) -> None:
    """Store the progress of ``job`` (a key such as ``"conversion.campaign:12"``), now."""
    from .models import JobProgress

    JobProgress.objects.update_or_create(
        job=job, defaults={"done": done, "total": total, "beat_at": timezone.now()}
    )


def read_progress(job: str) -> dict[str, Any] | None:
    """``{"done", "total", "at"}`` of ``job``, or ``None`` if none was recorded."""
    from .models import JobProgress

    row = JobProgress.objects.filter(job=job).values("done", "total", "beat_at").first()
    if row is None:
        return None
    return {"done": row["done"], "total": row["total"], "at": row["beat_at"]}


# -- the run ---------------------------------------------------------------------------------------
class Wakeup:
    """A stop signal a thread can wait on with a timeout: like :class:`threading.Event`, but the
    wait is a poll of a socket pair with a *relative* timeout. A thread lock's timed wait takes an
    absolute deadline on the monotonic clock, which a process whose clocks are shifted
    (libfaketime, in ``./run test-clock-ahead``) puts a year away: the timer would never fire."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._reader, selectors.EVENT_READ)
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            self._writer.send(b"x")

    def wait(self, seconds: float) -> bool:
        """Whether the signal was set, waiting at most ``seconds`` for it."""
        return self._set or bool(self._selector.select(seconds)) or self._set

    def close(self) -> None:
        self._selector.close()
        self._reader.close()
        self._writer.close()


class Heartbeat:
    """The signs of life and the progress of one run; use as a context manager around it.

    ``write(done, total)`` stores them in the database: called by :meth:`progress` itself when
    not inside a transaction, else by the timer thread on its own connection (when
    :func:`other_connection_can_write` at the start). ``stamp``: a file that the thread also
    writes (``done``, ``total``, ``at``), which no database lock can hold up.
    """

    def __init__(
        self,
        name: str,
        *,
        write: Callable[[int, int], None] | None = None,
        stamp: Path | None = None,
        seconds: float = BEAT_SECONDS,
        progress_seconds: float = PROGRESS_SECONDS,
    ) -> None:
        self.name = name
        self.write = write
        self.stamp = stamp
        self.seconds = seconds
        self.progress_seconds = min(progress_seconds, seconds)
        self.done = 0
        self.total = 0
        self._stop: Wakeup | None = None
        self._thread: threading.Thread | None = None
        self._thread_writes = False

    def __enter__(self) -> Heartbeat:
        self.touch()
        self._thread_writes = self.write is not None and other_connection_can_write()
        if self._thread_writes or self.stamp is not None:
            self._stop = Wakeup()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._thread is None or self._stop is None:
            return
        self._stop.set()
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._stop.close()

    def progress(self, done: int, total: int) -> None:
        """Progress of the run: written now unless inside a transaction (a step written all
        or nothing), where the timer thread writes it."""
        self.done, self.total = done, total
        if self.write is not None and not connection.in_atomic_block:
            self.write(done, total)

    def touch(self) -> None:
        """Write the stamp file (if any) now."""
        if self.stamp is not None:
            write_stamp(self.stamp, done=self.done, total=self.total)

    def _run(self, stop: Wakeup) -> None:
        written: tuple[int, int] | None = None
        last_beat = time.monotonic()
        try:
            while not stop.wait(self.progress_seconds):
                now = (self.done, self.total)
                if now == written and time.monotonic() - last_beat < self.seconds:
                    continue
                written, last_beat = now, time.monotonic()
                self.touch()
                if self._thread_writes and self.write is not None:
                    try:
                        self.write(*now)
                    except DatabaseError:  # e.g. SQLite busy with a long write: next time
                        log.debug("%s: heartbeat not written", self.name, exc_info=True)
        finally:
            if self._thread_writes:
                connection.close()  # this thread's own connection


# -- claim and reap --------------------------------------------------------------------------------
def claim(jobs: QuerySet[J], *, state: str, pending: str, running: str, **fields: Any) -> bool:
    """Take the job of ``jobs`` (filtered to its pk) if it is ``pending``: ``running``, with a
    first heartbeat and ``fields``. ``False`` when it is not pending."""
    return bool(
        jobs.filter(**{state: pending}).update(
            **{state: running}, heartbeat_at=timezone.now(), **fields
        )
    )


def last_sign_of_life(job: BeatingJob, *others: datetime | None) -> datetime | None:
    """The latest of the job's ``heartbeat_at`` and ``others`` (stamp file, progress row);
    its creation if none."""
    beats = [t for t in (job.heartbeat_at, *others) if t is not None]
    return max(beats) if beats else job.created_at


def is_silent(last: datetime | None, stale_after: timedelta, now: datetime) -> bool:
    return last is None or last < now - stale_after


def when(moment: datetime | None) -> str:
    """A moment as people read it in messages ("14:05:09 ngày 06/12/2026")."""
    return timezone.localtime(moment).strftime("%H:%M:%S ngày %d/%m/%Y") if moment else "?"


@dataclass(frozen=True)
class Reaper(Generic[J]):
    """How the jobs of one kind are found dead and failed: the ``state`` field and its
    ``running`` value, the silence allowed, the job's last sign of life, and the fields a
    failed job gets (``failure(job, last sign of life, now)``: its state, error, …)."""

    state: str
    running: str
    stale_after: timedelta
    last_sign: Callable[[J], datetime | None]
    failure: Callable[[J, datetime | None, datetime], dict[str, Any]]

    def fail_if_silent(self, job: J, now: datetime | None = None) -> bool:
        """Fail ``job`` if it is running and silent for longer than allowed, by a conditional
        update (same state, same ``heartbeat_at``)."""
        if getattr(job, self.state) != self.running:
            return False
        now = now or timezone.now()
        last = self.last_sign(job)
        if not is_silent(last, self.stale_after, now):
            return False
        failed = (
            type(job)
            ._default_manager.filter(
                pk=job.pk,
                **{self.state: self.running},
                heartbeat_at=getattr(job, "heartbeat_at", None),
            )
            .update(**self.failure(job, last, now))
        )
        if failed:
            log.warning("%s %s: silent since %s, marked failed", job._meta.label, job.pk, last)
        return bool(failed)

    def reap(self, jobs: Iterable[J], now: datetime | None = None) -> list[int]:
        """:meth:`fail_if_silent` over ``jobs``; the ids of those failed."""
        now = now or timezone.now()
        return [job.pk for job in jobs if self.fail_if_silent(job, now)]
