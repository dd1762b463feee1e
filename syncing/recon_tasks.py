"""Daily jobs of reconciliation and the dashboard, run by django-q2 (and by
``manage.py pull_reconciliation``): pull every connected agency's reconciliation results, then
record the day's counts by kind and the progress snapshot of every agency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError

from cbccvc import schedules
from orgtree.models import Unit

from . import dashboard, orgsync, reconciliation

SCHEDULE_NAME = "Tải kết quả đối khớp và chốt tiến độ hằng ngày"


@dataclass
class DailyRun:
    pulled: dict[str, int] = field(default_factory=dict)  # agency code → results received
    errors: dict[str, str] = field(default_factory=dict)  # agency code → why the pull failed
    snapshots: int = 0


def connected_agencies() -> list[Unit]:
    """Agencies with a national connection (the ones the national side reconciles)."""
    from .models import Connection, Destination

    ids = Connection.objects.filter(destination=Destination.NATIONAL, is_official=True).values(
        "unit_id"
    )
    return list(Unit.objects.filter(pk__in=ids).order_by("code"))


def pull_one(agency: Unit) -> reconciliation.PullResult:
    client = orgsync.client_for_agency(agency)
    try:
        return reconciliation.pull_mismatches(agency, client)
    finally:
        client.close()


def daily(agency_codes: list[str] | None = None) -> DailyRun:
    """Pull each agency's results (one failing agency does not stop the others), then take the
    day's snapshots."""
    run = DailyRun()
    agencies = connected_agencies()
    if agency_codes:
        agencies = [a for a in agencies if a.code in {c.upper() for c in agency_codes}]
    for agency in agencies:
        try:
            run.pulled[agency.code] = pull_one(agency).received
        except ValidationError as exc:
            run.errors[agency.code] = " ".join(exc.messages)
        except Exception as exc:  # the client's typed errors: recorded, the next agency goes on
            run.errors[agency.code] = str(exc) or type(exc).__name__
        reconciliation.snapshot_counts(agency)
    run.snapshots = dashboard.take_snapshots()
    return run


def daily_task() -> dict[str, Any]:
    """The django-q2 task body (a plain dict for the task result page)."""
    run = daily()
    return {"pulled": run.pulled, "errors": run.errors, "snapshots": run.snapshots}


def ensure_schedule(hour: int = 7) -> Any:
    """Register the daily job (after the national side's 6:00 reconciliation); idempotent."""
    return schedules.ensure_schedule(
        SCHEDULE_NAME, "syncing.recon_tasks.daily_task", daily_at=time(hour, 0)
    )
