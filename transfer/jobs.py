"""Import jobs: the service the three doors call (command, admin wizard, REST endpoint).

* :func:`start_import` stores the uploaded files with their SHA-256, creates an
  :class:`~transfer.models.ImportJob` and runs it now (small files) or as a django-q2
  task (large files);
* :func:`run_job` is the task body: plan, and for a commit apply the plan;
* :func:`confirm_job` turns a previewed (dry-run) job into a commit of exactly that plan;
* :func:`job_status` and :func:`visible_jobs` answer only inside the user's scope: a job of
  another agency is like an unknown id (:class:`JobNotFound`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit

from . import heartbeat, results
from .models import ImportJob, ImportMapping
from .pipeline import Options, Pipeline, SourceFile
from .report import ImportError_
from .upload_checks import UploadRefused, check_stored

log = logging.getLogger(__name__)

#: files above this total size run as a background task (progress bar in the admin)
ASYNC_THRESHOLD_BYTES = 512 * 1024


class JobNotFound(LookupError):
    """No such job for this user (unknown, or outside the user's scope: the same answer)."""


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\- ]+", "_", base)[:120] or "tep"


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    jobs = scope_for(user).filter(ImportJob.objects.all(), "unit", EDIT_PROFILE_ROLES)
    heartbeat.reap_stale_import_jobs(jobs=jobs)  # a dead job is never shown "running"
    return jobs


def get_job(user: Any, job_id: Any) -> ImportJob:
    try:
        return visible_jobs(user).get(pk=int(job_id))
    except (ImportJob.DoesNotExist, TypeError, ValueError):
        raise JobNotFound(job_id) from None


def job_status(user: Any, job_id: Any) -> dict[str, Any]:
    return get_job(user, job_id).status_json()


def job_report(user: Any, job_id: Any) -> dict[str, Any]:
    """The job's whole report, its rows included."""
    return results.full_report(get_job(user, job_id))


def resolve_mapping(user: Any, unit: Unit, name: str | None) -> ImportMapping | None:
    """A mapping by name among those of the user's scope; ``None``/"auto" → none."""
    if not name or name == "auto":
        return None
    qs = scope_for(user).filter(ImportMapping.objects.all(), "unit")
    mapping = qs.filter(name=name).first()
    if mapping is None:
        raise ImportError_(f"Không có cấu hình nhập “{name}” trong phạm vi của bạn.")
    return mapping


def start_import(
    *,
    user: Any,
    unit: Unit,
    files: Iterable[tuple[str, BinaryIO | Path | str]],
    dry_run: bool = True,
    mapping: ImportMapping | None = None,
    all_or_nothing: bool = False,
    unit_mapping: dict[str, str] | None = None,
    run: str = "auto",  # "auto" | "now" | "task" | "none"
) -> ImportJob:
    """Create a job for ``files`` ([(name, file object or path)]) and run it."""
    if not scope_for(user).covers(unit, EDIT_PROFILE_ROLES):
        raise ImportError_("Đơn vị nhận nằm ngoài phạm vi được phân quyền nhập hồ sơ.")
    if mapping is not None and not scope_for(user).covers(mapping.unit):
        raise ImportError_("Cấu hình nhập nằm ngoài phạm vi của bạn.")
    job = ImportJob.objects.create(
        created_by=user,
        unit=unit,
        mapping=mapping,
        mode=ImportJob.Mode.DRY_RUN if dry_run else ImportJob.Mode.COMMIT,
        all_or_nothing=all_or_nothing,
        unit_mapping=unit_mapping or {},
    )
    folder = imports_dir() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for n, (name, source) in enumerate(files):
        target = folder / f"{n:02d}-{_safe_name(name)}"
        digest = hashlib.sha256()
        with target.open("wb") as out:
            if isinstance(source, (str, Path)):
                with Path(source).open("rb") as fh:
                    _copy(fh, out, digest)
            else:
                _copy(source, out, digest)
        try:  # size, type, zip bomb, XML entities: before anything reads the file
            checked = check_stored(target, Path(name).name)
        except UploadRefused as exc:
            shutil.rmtree(folder, ignore_errors=True)
            job.delete()
            raise exc from None
        stored.append(
            {
                "name": Path(name).name,
                "path": str(target),
                "sha256": digest.hexdigest(),
                "size": target.stat().st_size,
                "unzipped": checked.uncompressed_size or 0,
            }
        )
    job.files = stored
    job.save(update_fields=["files"])
    dispatch(job, run)
    return job


def _copy(src: BinaryIO, out: BinaryIO, digest: Any) -> None:
    while True:
        block = src.read(1024 * 1024)
        if not block:
            break
        digest.update(block)
        out.write(block)


def dispatch(job: ImportJob, run: str = "auto") -> None:
    if run == "none":
        return
    # an xlsx is zipped: what the reader will hold is its uncompressed size
    size = sum(max(f.get("size", 0), f.get("unzipped", 0)) for f in job.files)
    if run == "task" or (run == "auto" and size > ASYNC_THRESHOLD_BYTES):
        from django_q.tasks import async_task

        job.task_id = async_task(
            "transfer.jobs.run_job",
            job.pk,
            task_name=f"Nhập hồ sơ #{job.pk}",
        )
        job.save(update_fields=["task_id"])
        return
    run_job(job.pk)


def confirm_job(user: Any, job: ImportJob, run: str = "auto") -> ImportJob:
    """Commit a previewed job: the same files, the plan checked against the preview's digest."""
    if job.mode != ImportJob.Mode.DRY_RUN or job.status != ImportJob.Status.PLANNED:
        raise ImportError_("Chỉ xác nhận được lượt nhập đã xem trước.")
    if not scope_for(user).covers(job.unit, EDIT_PROFILE_ROLES):
        raise JobNotFound(job.pk)
    job.mode = ImportJob.Mode.COMMIT
    job.status = ImportJob.Status.PENDING
    job.done = 0
    job.save(update_fields=["mode", "status", "done"])
    dispatch(job, run)
    job.refresh_from_db()
    return job


def rerun_preview(user: Any, job: ImportJob, mapping: ImportMapping | None) -> ImportJob:
    """The preview again, e.g. after the mapping was fixed."""
    if job.mode != ImportJob.Mode.DRY_RUN or job.status == ImportJob.Status.RUNNING:
        raise ImportError_("Chỉ xem trước lại được lượt nhập chưa ghi.")
    job.mapping = mapping
    job.status = ImportJob.Status.PENDING
    job.plan_hash = ""
    job.done = 0
    job.save(update_fields=["mapping", "status", "plan_hash", "done"])
    dispatch(job)
    job.refresh_from_db()
    return job


def resume_job(user: Any, job: ImportJob, run: str = "auto") -> ImportJob:
    """Run a failed job again from its stored files (e.g. after its worker was killed): the
    rows it had written are matched as existing, so the rerun finishes the work without
    duplicates. The plan is recomputed against today's data (no preview digest to match)."""
    if job.status != ImportJob.Status.FAILED:
        raise ImportError_("Chỉ chạy tiếp được lượt nhập đã thất bại hoặc bị dừng.")
    if not scope_for(user).covers(job.unit, EDIT_PROFILE_ROLES):
        raise JobNotFound(job.pk)
    if not job.files or not all(Path(f["path"]).exists() for f in job.files):
        raise ImportError_("Không còn tệp đã tải lên của lượt nhập này; hãy tải tệp lên lại.")
    previous = {"error": job.error, **(job.report or {}).get("interrupted", {})}
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=ImportJob.Status.PENDING,
        error="",
        plan_hash="",
        done=0,
        report={"previous_attempt": previous},
        finished_at=None,
    )
    if not updated:
        raise ImportError_("Lượt nhập đã được chạy tiếp.")
    results.clear(job)  # the failed run's rows are not this run's
    job.refresh_from_db()
    dispatch(job, run)
    job.refresh_from_db()
    return job


def run_job(job_id: int, as_of: date | None = None) -> dict[str, Any]:
    """The task body: plan (dry run) or plan and commit; the report is stored on the job, in
    the site's language (the same report from every door, whatever the uploader's language).
    Only a pending job runs: a task django-q re-delivers after its worker died finds the job
    failed by the reaper (or resumed, or done) and does nothing."""
    if not heartbeat.claim(job_id):
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        log.warning("import job %s not pending (%s): not run again", job_id, status)
        return {"skipped": status}
    beat = heartbeat.Heartbeat(job_id)  # the import's own (its __enter__ is typed as the base)
    # what the import stores (the report, the held rows' problems, the findings) is in the
    # site's language whatever the door: the command and a django-q2 worker have no request,
    # and a held row is read by every officer of the unit, not only by the one who uploaded
    with translation.override(settings.LANGUAGE_CODE), beat:
        return _run_claimed_job(job_id, as_of, beat)


def _run_claimed_job(job_id: int, as_of: date | None, beat: heartbeat.Heartbeat) -> dict[str, Any]:
    job = ImportJob.objects.select_related("unit", "created_by", "mapping").get(pk=job_id)
    progress = beat.progress

    files = [SourceFile(Path(f["path"]), f["name"]) for f in job.files]
    commit = job.mode == ImportJob.Mode.COMMIT
    try:
        for f in files:  # checked at upload; again here, before any parsing
            check_stored(f.path, f.name)
        pipeline = Pipeline(
            files,
            job.unit,
            job.created_by,
            Options(
                mapping=job.mapping,
                unit_mapping=job.unit_mapping or {},
                all_or_nothing=job.all_or_nothing,
                as_of=as_of,
                job_id=str(job.pk),
                on_chunk=beat.on_chunk if commit else None,
            ),
            progress=progress,
        )
        plan = pipeline.plan()
        progress(0, len(plan.rows))
        if commit:
            pipeline.commit(plan, expected_digest=job.plan_hash)
        report = plan.report(include_rows=True, mode=job.mode)
        if commit and plan.committed:  # refused rows held, re-imported ones resolve theirs
            from .holding import record as hold_rows

            report["holding"] = hold_rows(job, plan)
    except ImportError_ as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return {"error": str(exc)}
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error=f"Lỗi không mong đợi khi nhập: {type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return {"error": str(exc)}
    report["files_sha256"] = {f["name"]: f["sha256"] for f in job.files}
    if "previous_attempt" in (job.report or {}):  # a resumed job keeps what stopped it
        report["previous_attempt"] = job.report["previous_attempt"]
    if commit and job.all_or_nothing and not plan.committed:
        status = ImportJob.Status.FAILED
        error = "Tệp có lỗi; theo lựa chọn “tất cả hoặc không”, không ghi dòng nào."
    else:
        status = ImportJob.Status.DONE if commit else ImportJob.Status.PLANNED
        error = ""
    folder = imports_dir() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    # the rows go to their table (the preview reads one page of them), the rest to the job
    stored = {k: v for k, v in report.items() if k != "rows"}
    stored[results.IN_TABLE] = True
    with transaction.atomic():
        results.store(job, report.get("rows", []))
        ImportJob.objects.filter(pk=job.pk).update(
            status=status,
            error=error,
            report=stored,
            plan_hash=plan.digest,
            done=len(plan.rows),
            total=len(plan.rows),
            finished_at=timezone.now(),
        )
    return report["totals"]


def validate_ids_task(ids: list[int]) -> int:
    from profiles.models import Profile
    from profiles.validation import validate_profiles

    return validate_profiles(Profile.objects.filter(pk__in=ids)).profiles


def delete_files(job: ImportJob) -> None:
    shutil.rmtree(imports_dir() / str(job.pk), ignore_errors=True)
