"""The django-q2 schedules of the apps' background work, registered the one way.

Each app names its schedules with :func:`ensure_schedule` (idempotent: found by name, its
settings brought up to date), and registers them after ``migrate`` with
:func:`on_migrate`, so every database the project is migrated into runs them without anyone
creating them by hand.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.module_loading import import_string


def next_daily_run(at: time, now: datetime | None = None) -> datetime:
    """The next local moment at ``at`` (today if still to come, else tomorrow)."""
    now = timezone.localtime(now)
    moment = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def ensure_schedule(
    name: str,
    func: str,
    *,
    every_minutes: int | None = None,
    daily_at: time | None = None,
) -> Any:
    """The django-q2 schedule ``name`` running the dotted ``func`` for ever (idempotent).

    ``every_minutes``: every so many minutes; otherwise daily, first at the next
    ``daily_at`` when one is given (else django-q2's default, now). Returns the
    ``Schedule`` row.
    """
    from django_q.models import Schedule

    defaults: dict[str, Any] = {"func": func, "repeats": -1}
    if every_minutes is not None:
        defaults.update(schedule_type=Schedule.MINUTES, minutes=every_minutes)
    else:
        defaults["schedule_type"] = Schedule.DAILY
        if daily_at is not None:
            defaults["next_run"] = next_daily_run(daily_at)
    schedule, _created = Schedule.objects.update_or_create(name=name, defaults=defaults)
    return schedule


def on_migrate(app_config: AppConfig, *ensure: str) -> None:
    """After ``migrate`` of ``app_config`` on the default database, call each dotted
    function of ``ensure`` (imported then, so ``ready()`` imports no models). Call from the
    app's ``ready()``."""

    def _ensure_schedules(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
        if using != DEFAULT_DB_ALIAS:
            return
        for path in ensure:
            import_string(path)()

    post_migrate.connect(
        _ensure_schedules,
        sender=app_config,
        weak=False,
        dispatch_uid=f"{app_config.label}-schedules",
    )
