"""Start, run, read and clean up background exports.

An export's ``kind`` is the dotted path of its *writer* (set by our code, never from a
request), a function ``writer(export, out, progress) -> int``: it writes the file to the
binary stream ``out``, calls ``progress(done, total)`` as it goes, and returns the number of
rows written. It finds its rows again from ``export.params`` and ``export.user``, inside that
user's scope as it stands when the task runs.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from cbccvc.audit import Kind, record

from .models import ExportFile

log = logging.getLogger(__name__)

Writer = Callable[[ExportFile, IO[bytes], Callable[[int, int], None]], int]


def threshold() -> int:
    """Exports of more rows than this run in the background."""
    return int(getattr(settings, "EXPORT_ASYNC_THRESHOLD_ROWS", 300))


def expiry_days() -> int:
    return int(getattr(settings, "EXPORT_EXPIRY_DAYS", 7))


def storage() -> Storage:
    """Where the files go: the ``"exports"`` storage if the settings name one, else the
    default (MEDIA_ROOT), so that several hosts can share one."""
    return storages["exports"] if "exports" in settings.STORAGES else storages["default"]


def visible_exports(user: Any) -> QuerySet[ExportFile]:
    """A person's own exports, and nobody else's (not even a superuser's view of others)."""
    if not getattr(user, "is_authenticated", False):
        return ExportFile.objects.none()
    return ExportFile.objects.filter(user=user)


def start_export(
    user: Any,
    *,
    kind: str,
    title: str,
    file_name: str,
    params: dict[str, Any],
    total: int,
    request: Any = None,
    run: str = "task",
) -> ExportFile:
    """Store the export and queue its task (``run="inline"``: run it now; ``"none"``: leave
    it pending, for a worker started later). The request is audited now, the file when
    written."""
    import_string(kind)  # a wrong writer fails here, in the request, not in the worker
    unfinished = (ExportFile.Status.PENDING, ExportFile.Status.RUNNING)
    same = visible_exports(user).filter(kind=kind, status__in=unfinished)
    for earlier in same:  # a second click while the first is still on its way: no new task
        if earlier.params == params:
            return earlier
    export = ExportFile.objects.create(
        user=user,
        kind=kind,
        title=title[:200],
        file_name=file_name[:200],
        params=params,
        total=total,
        expires_at=timezone.now() + timedelta(days=expiry_days()),
    )
    record(
        Kind.EXPORT,
        request=request,
        user=user,
        obj=export,
        export=kind,
        background=True,
        stage="requested",
        expected_rows=total,
        params=params,
    )
    if run == "task":
        from django_q.tasks import async_task

        export.task_id = async_task(
            "cbccvc.exports.jobs.run_export", export.pk, task_name=f"Xuất tệp #{export.pk}"
        )
        ExportFile.objects.filter(pk=export.pk).update(task_id=export.task_id)
    elif run == "inline":
        run_export(export.pk)
        export.refresh_from_db()
    return export


def _claim(export_id: int) -> bool:
    return bool(
        ExportFile.objects.filter(pk=export_id, status=ExportFile.Status.PENDING).update(
            status=ExportFile.Status.RUNNING, updated_at=timezone.now()
        )
    )


def run_export(export_id: int) -> dict[str, Any]:
    """The task body. Only a pending export runs (a re-delivered task does nothing)."""
    if not _claim(export_id):
        return {"skipped": export_id}
    export = ExportFile.objects.select_related("user").get(pk=export_id)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = timezone.now().timestamp()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        ExportFile.objects.filter(pk=export_id).update(
            done=done, total=max(total, 0), updated_at=timezone.now()
        )

    try:
        writer: Writer = import_string(export.kind)
        with tempfile.TemporaryFile() as tmp:
            rows = writer(export, tmp, progress)
            tmp.seek(0)
            name = str(
                PurePosixPath("exports")
                / str(export.user_id)
                / f"{export.token}-{export.file_name}"
            )
            stored = storage().save(name, File(tmp, name=export.file_name))
        size = storage().size(stored)
    except Exception as exc:
        log.exception("export %s failed", export_id)
        ExportFile.objects.filter(pk=export_id).update(
            status=ExportFile.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return {"failed": export_id}
    ExportFile.objects.filter(pk=export_id).update(
        status=ExportFile.Status.DONE,
        storage_name=stored,
        size=size,
        rows=rows,
        done=export.total,
        finished_at=timezone.now(),
    )
    record(
        Kind.EXPORT,
        user=export.user,
        obj=export,
        export=export.kind,
        background=True,
        stage="written",
        rows=rows,
        size=size,
    )
    return {"done": export_id, "rows": rows}


def status(export: ExportFile) -> dict[str, Any]:
    """What the download centre's progress bar polls."""
    return {
        "id": str(export.token),
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "done": export.done,
        "total": export.total,
        "percent": export.percent,
        "rows": export.rows,
        "size": export.size,
        "error": export.error,
    }


def open_file(export: ExportFile) -> IO[bytes]:
    return storage().open(export.storage_name, "rb")


# -- expiry ------------------------------------------------------------------------------------
#: a running export without news for this long has lost its worker
STALE_AFTER = timedelta(hours=1)


def delete_file(export: ExportFile) -> None:
    if export.storage_name:
        storage().delete(export.storage_name)


def cleanup_expired(now: Any = None) -> int:
    """Delete the exports (file and row) past their expiry; fail those whose worker died.
    The hourly schedule's task; returns how many were deleted."""
    now = now or timezone.now()
    ExportFile.objects.filter(
        status__in=(ExportFile.Status.RUNNING,), updated_at__lt=now - STALE_AFTER
    ).update(status=ExportFile.Status.FAILED, error="stale: the worker stopped", finished_at=now)
    deleted = 0
    for export in ExportFile.objects.filter(expires_at__lte=now).iterator():
        delete_file(export)
        export.delete()
        deleted += 1
    if deleted:
        log.info("exports: %d expired file(s) deleted", deleted)
    return deleted


def ensure_schedules() -> None:
    from cbccvc.schedules import ensure_schedule

    # hourly: an export whose worker died shows as failed within the hour after STALE_AFTER
    ensure_schedule("Xóa tệp xuất quá hạn", "cbccvc.exports.jobs.cleanup_expired", every_minutes=60)
