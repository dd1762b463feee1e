"""The django-q2 schedules: one helper registers them all, after migrate, idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django_q.models import Schedule

from cbccvc import schedules

# 06:30 on 4 May 2030 in Hà Nội (UTC+7)
MORNING = datetime(2030, 5, 3, 23, 30, tzinfo=UTC)


def test_the_next_daily_run_is_today_if_still_to_come_else_tomorrow():
    assert schedules.next_daily_run(time(7, 0), MORNING).isoformat() == "2030-05-04T07:00:00+07:00"
    assert schedules.next_daily_run(time(0, 5), MORNING).isoformat() == "2030-05-05T00:05:00+07:00"
    at_the_minute = datetime(2030, 5, 4, 0, 5, tzinfo=UTC)  # 07:05 local
    assert schedules.next_daily_run(time(7, 5), at_the_minute).day == 5


@pytest.mark.django_db
def test_every_app_schedule_exists_after_migrate():
    """Registered by the apps' post_migrate handlers (the test database was migrated)."""
    found = {
        s.name: (s.func, s.schedule_type, s.minutes, s.repeats)
        for s in Schedule.objects.filter(
            name__in=[
                "syncing-sender",
                "syncing-health",
                "profiles-import-reaper",
                "conversion-campaign-reaper",
                "orgtree-apply-scheduled-operations",
            ]
        )
    }
    assert found == {
        "syncing-sender": ("syncing.tasks.run_sender", Schedule.MINUTES, 1, -1),
        "syncing-health": ("syncing.tasks.check_connections", Schedule.DAILY, None, -1),
        "profiles-import-reaper": (
            "transfer.heartbeat.reap_stale_import_jobs",
            Schedule.MINUTES,
            1,
            -1,
        ),
        "conversion-campaign-reaper": ("conversion.jobs.reap_stale", Schedule.MINUTES, 1, -1),
        "orgtree-apply-scheduled-operations": (
            "orgtree.scheduling.daily_task",
            Schedule.DAILY,
            None,
            -1,
        ),
    }


@pytest.mark.django_db
def test_ensure_schedule_updates_the_one_row_of_its_name():
    first = schedules.ensure_schedule("t-every", "x.y", every_minutes=5)
    again = schedules.ensure_schedule("t-every", "x.z", every_minutes=1)
    assert first.pk == again.pk and Schedule.objects.filter(name="t-every").count() == 1
    again.refresh_from_db()
    assert (again.func, again.minutes) == ("x.z", 1)
    daily = schedules.ensure_schedule("t-daily", "x.y", daily_at=time(7, 0))
    local = daily.next_run.astimezone(schedules.timezone.get_current_timezone())
    assert (daily.schedule_type, local.hour, local.minute) == (Schedule.DAILY, 7, 0)
