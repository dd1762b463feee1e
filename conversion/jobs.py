"""The campaign's steps as background tasks (django-q2), with a progress bar.

The admin (and anyone else) asks for a step with :func:`start_preview` / :func:`start_step`;
the step runs in a worker (:func:`run_task`), or in the request with ``run="now"`` (the
command line). Like the import (:mod:`transfer.jobs`):

* the campaign row says which step was asked for and where it is (``task``, ``task_state``,
  ``done``/``total``, ``task_error``); only a *pending* step is claimed, so a task that
  django-q re-delivers after its worker died does nothing;
* a step writes in one transaction (all or nothing) that keeps the campaign row locked, so its
  progress goes to a row of its own (:class:`cbccvc.models.JobProgress`, key
  :func:`progress_key`), written by the step's :class:`~cbccvc.heartbeat.Heartbeat` thread on
  a connection of its own, at most every half second and every :data:`BEAT_SECONDS` at
  least, and read by the status view (:func:`status_json`) from any app host. With SQLite
  (one host's file, whose single writer the step holds) the thread writes a small file next to
  the campaign instead (:func:`progress_file`);
* a step "running" whose last sign of life is older than :data:`STALE_AFTER` is failed by
  :func:`reap_stale` (run whenever a status is read, and as a django-q2 schedule): its
  transaction was rolled back with the process, so nothing was written and it may be asked
  again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cbccvc import heartbeat, schedules
from orgtree.models import Unit

from . import services
from .models import Campaign, Task, TaskState

log = logging.getLogger(__name__)

BEAT_SECONDS = heartbeat.BEAT_SECONDS
STALE_AFTER = timedelta(seconds=90)
SCHEDULE_NAME = "conversion-campaign-reaper"
ACTIVE = (TaskState.PENDING, TaskState.RUNNING)

#: the campaign status each step needs
NEEDS = {
    Task.PREVIEW: Campaign.Status.PREPARING,
    Task.COMMIT: Campaign.Status.PREVIEWED,
    Task.UNDO: Campaign.Status.COMMITTED,
}


def progress_key(campaign_id: int) -> str:
    return f"conversion.campaign:{campaign_id}"


def progress_file(campaign_id: int) -> Path:
    return Path(settings.VAR_DIR) / "conversion" / str(campaign_id) / "progress.json"


def _progress_in_file() -> bool:
    """SQLite: another connection cannot write while a step's transaction is open."""
    return connection.vendor == "sqlite"


def _write_progress(campaign_id: int, done: int, total: int) -> None:
    if _progress_in_file():
        heartbeat.write_stamp(progress_file(campaign_id), done=done, total=total)
    else:
        heartbeat.record_progress(progress_key(campaign_id), done, total)


def read_progress(campaign_id: int) -> dict[str, Any] | None:
    """The step's latest progress (``done``, ``total``, ``at``), or ``None``."""
    if _progress_in_file():
        return heartbeat.read_stamp(progress_file(campaign_id))
    return heartbeat.read_progress(progress_key(campaign_id))


def step_heartbeat(campaign_id: int, seconds: float = BEAT_SECONDS) -> heartbeat.Heartbeat:
    """The signs of life and the progress of one run of a step."""
    if _progress_in_file():
        return heartbeat.Heartbeat(
            f"conversion-beat-{campaign_id}", stamp=progress_file(campaign_id), seconds=seconds
        )
    key = progress_key(campaign_id)
    return heartbeat.Heartbeat(
        f"conversion-beat-{campaign_id}",
        write=lambda done, total: heartbeat.record_progress(key, done, total),
        seconds=seconds,
    )


# -- asking for a step ----------------------------------------------------------------------------
def start_preview(
    *, user: Any, unit: Unit, as_of: Any, title: str = "", run: str = "task"
) -> Campaign:
    """Create a campaign over ``unit``'s subtree and compute its preview in the background."""
    campaign = services.create_campaign(unit=unit, as_of=as_of, user=user, title=title)
    return start_step(user, campaign, Task.PREVIEW, run=run)


def start_step(user: Any, campaign: Campaign, task: str, run: str = "task") -> Campaign:
    """Ask for ``task`` (preview again after a failure, commit, undo) on ``campaign``."""
    services.check_scope(user, campaign.scope_unit)
    reap_stale(Campaign.objects.filter(pk=campaign.pk))
    with transaction.atomic():
        current = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if current.task_state in ACTIVE:
            raise services.ConversionError(
                _("Đợt chuyển đổi đang có một bước chạy (%(task)s); hãy chờ bước đó xong.")
                % {"task": current.get_task_display()}
            )
        if current.status != NEEDS[Task(task)]:
            raise services.ConversionError(
                _("Không thực hiện được bước “%(task)s” khi đợt chuyển đổi “%(status)s”.")
                % {"task": Task(task).label, "status": current.get_status_display()}
            )
        Campaign.objects.filter(pk=campaign.pk).update(
            task=task,
            task_state=TaskState.PENDING,
            task_error="",
            task_id="",
            done=0,
            total=0,
            heartbeat_at=timezone.now(),
        )
    _write_progress(campaign.pk, 0, 0)  # not the last step's bar
    user_id = getattr(user, "pk", None)
    if run == "now":
        run_task(campaign.pk, user_id)
    elif run == "task":
        from django_q.tasks import async_task

        task_id = async_task(
            "conversion.jobs.run_task",
            campaign.pk,
            user_id,
            task_name=f"Chuyển đổi hồ sơ #{campaign.pk}: {task}",
            # read now (django-q reads its settings once): tests run the task in-process
            sync=bool(getattr(settings, "Q_CLUSTER", {}).get("sync", False)),
        )
        Campaign.objects.filter(pk=campaign.pk, task_id="").update(task_id=str(task_id or ""))
    campaign.refresh_from_db()
    return campaign


# -- the task body ---------------------------------------------------------------------------------
def _claim(campaign_id: int) -> bool:
    return heartbeat.claim(
        Campaign.objects.filter(pk=campaign_id),
        state="task_state",
        pending=TaskState.PENDING,
        running=TaskState.RUNNING,
    )


def run_task(campaign_id: int, user_id: int | None = None) -> dict[str, Any]:
    """Run the step asked for on the campaign; its outcome is stored on the campaign."""
    if not _claim(campaign_id):
        state = Campaign.objects.filter(pk=campaign_id).values_list("task_state", flat=True)
        log.warning("campaign %s: step not pending (%s), not run again", campaign_id, state)
        return {"skipped": list(state)}
    campaign = Campaign.objects.select_related("scope_unit").get(pk=campaign_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    outcome: dict[str, Any] = {}
    error = ""
    with step_heartbeat(campaign_id) as beat:
        try:
            if campaign.task == Task.PREVIEW:
                done = services.fill_preview(campaign, user, progress=beat.progress)
                outcome = {"profiles": done.profile_count}
            elif campaign.task == Task.COMMIT:
                result = services.commit(campaign, user, progress=beat.progress)
                outcome = {"profiles": result.profiles, "values": result.values}
            elif campaign.task == Task.UNDO:
                undone = services.undo(campaign, user, progress=beat.progress)
                outcome = {"profiles": undone.profiles, "blockers": undone.blockers}
                if undone.blockers:
                    error = blockers_message(undone.blockers)
            else:
                error = f"Bước không rõ: {campaign.task!r}"
        except (PermissionDenied, ValidationError) as exc:
            error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        except Exception as exc:
            log.exception("campaign %s: step %s failed", campaign_id, campaign.task)
            error = f"Lỗi không mong đợi: {type(exc).__name__}: {exc}"[:2000]
        done_n, total_n = beat.done, beat.total
    fields: dict[str, Any] = {
        "task_state": TaskState.FAILED if error else TaskState.DONE,
        "task_error": error,
        "done": done_n,
        "total": total_n,
        "heartbeat_at": timezone.now(),
    }
    if campaign.task == Task.UNDO:
        fresh = Campaign.objects.get(pk=campaign_id)
        fields["counts"] = {**fresh.counts, "undo_blockers": outcome.get("blockers", [])}
    Campaign.objects.filter(pk=campaign_id).update(**fields)
    return outcome | ({"error": error} if error else {})


def blockers_message(blockers: list[dict[str, Any]], shown: int = 20) -> str:
    names = "; ".join(
        f"{b.get('full_name') or b['profile_id']} (#{b['profile_id']}): {b['reason']}"
        for b in blockers[:shown]
    )
    more = len(blockers) - shown
    return _(
        "Chưa hoàn tác được: %(n)s hồ sơ đã được sửa sau khi chuyển đổi: %(names)s%(more)s"
    ) % {
        "n": len(blockers),
        "names": names,
        "more": (_(" … và %(n)s hồ sơ khác") % {"n": more}) if more > 0 else "",
    }


# -- status and the reaper -------------------------------------------------------------------------
def last_sign_of_life(campaign: Campaign) -> datetime | None:
    found = read_progress(campaign.pk)
    return heartbeat.last_sign_of_life(campaign, found["at"] if found else None)


def _stopped(campaign: Campaign, last: datetime | None, now: datetime) -> dict[str, Any]:
    message = _(
        "Bước “%(task)s” bị dừng đột ngột: tiến trình xử lý không còn báo hiệu từ %(when)s. "
        "Bước này ghi trong một giao dịch nên chưa ghi gì; có thể chạy lại."
    ) % {"task": campaign.get_task_display(), "when": heartbeat.when(last)}
    return {"task_state": TaskState.FAILED, "task_error": message}


REAPER: heartbeat.Reaper[Campaign] = heartbeat.Reaper(
    state="task_state",
    running=TaskState.RUNNING,
    stale_after=STALE_AFTER,
    last_sign=last_sign_of_life,
    failure=_stopped,
)


def reap_stale(campaigns: Any = None, now: datetime | None = None) -> list[int]:
    """Fail the running steps silent for longer than :data:`STALE_AFTER` (their process died:
    the step's transaction was rolled back with it). The django-q2 schedule's task."""
    qs = campaigns if campaigns is not None else Campaign.objects.all()
    return REAPER.reap(qs.filter(task_state=TaskState.RUNNING), now)


def ensure_schedule() -> Any:
    """The django-q2 schedule of the reaper, every minute (idempotent)."""
    return schedules.ensure_schedule(SCHEDULE_NAME, "conversion.jobs.reap_stale", every_minutes=1)


def status_json(campaign: Campaign) -> dict[str, Any]:
    """What the progress bar shows."""
    reap_stale(Campaign.objects.filter(pk=campaign.pk))
    campaign.refresh_from_db()
    done, total = campaign.done, campaign.total
    if campaign.task_state in ACTIVE:
        found = read_progress(campaign.pk)
        if found is not None:
            done, total = found["done"], found["total"]
    percent = (
        100 if campaign.task_state == TaskState.DONE else (int(100 * done / total) if total else 0)
    )
    return {
        "id": campaign.pk,
        "status": campaign.status,
        "status_display": campaign.get_status_display(),
        "task": campaign.task,
        "task_display": campaign.get_task_display() if campaign.task else "",
        "task_state": campaign.task_state,
        "task_state_display": campaign.get_task_state_display() if campaign.task_state else "",
        "done": done,
        "total": total,
        "percent": min(percent, 100),
        "error": campaign.task_error,
        "finished": campaign.task_state not in ACTIVE,
        "outcomes": campaign.counts.get("outcomes", {}),
    }
