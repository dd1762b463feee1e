"""Working days for the "not synced within 3 working days" flag.

A working day is Monday–Friday that is not a Vietnamese public holiday (the ``holidays``
package, which includes the substituted days off it knows of), plus two corrections kept in
the database (:class:`~syncing.models.ExtraHoliday`) and in the setting
``CBCCVC_EXTRA_HOLIDAYS`` (ISO dates): extra days off, and compensation working days (a
Saturday worked to make up for a bridge day off).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

SYNC_DEADLINE_WORKING_DAYS = 3


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.Vietnam(years=year).keys())


class Calendar:
    """Working-day arithmetic, with the database corrections read once."""

    def __init__(self) -> None:
        from .models import ExtraHoliday

        self.extra_off: set[date] = set()
        self.extra_work: set[date] = set()
        for value in getattr(settings, "CBCCVC_EXTRA_HOLIDAYS", ()):
            self.extra_off.add(date.fromisoformat(str(value)))
        for day, kind in ExtraHoliday.objects.values_list("day", "kind"):
            (self.extra_work if kind == ExtraHoliday.Kind.WORKING_DAY else self.extra_off).add(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_work:
            return True
        if day in self.extra_off or day.weekday() >= 5:
            return False
        return day not in _national(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def overdue_cutoff(self, today: date, n: int = SYNC_DEADLINE_WORKING_DAYS) -> date:
        """Changes made on a day before the returned date are overdue on ``today``: the ``n``
        working days after them have all ended before today."""
        day, seen = today, 0
        while seen < n:
            day -= timedelta(days=1)
            seen += self.is_working_day(day)
        return day


def sync_deadline(changed_at: datetime, n: int = SYNC_DEADLINE_WORKING_DAYS) -> date:
    """The last day on which a change made at ``changed_at`` may still be synced in time."""
    return Calendar().add_working_days(timezone.localtime(changed_at).date(), n)


def overdue_since(today: date | None = None) -> datetime:
    """The instant before which an unsynced change is overdue today (local midnight)."""
    today = today or timezone.localdate()
    cutoff = Calendar().overdue_cutoff(today)
    return timezone.make_aware(datetime.combine(cutoff, time.min))
