"""Working days: weekends, Vietnamese public holidays, extra days off and compensation days;
the "not synced within 3 working days" flag in the admin filter and the counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from syncing.models import ExtraHoliday
from syncing.workdays import Calendar, overdue_since


@pytest.mark.django_db
def test_weekends_and_national_holidays_are_not_working_days():
    cal = Calendar()
    assert cal.is_working_day(date(2025, 9, 3))  # Wednesday
    assert not cal.is_working_day(date(2025, 9, 6))  # Saturday
    assert not cal.is_working_day(date(2025, 9, 1))  # National Day (Monday)
    assert not cal.is_working_day(date(2025, 9, 2))  # National Day
    # Friday 29/8/2025 + 3 working days: Wed 3/9, Thu 4/9, Fri 5/9 (weekend and 1–2/9 skipped)
    assert cal.add_working_days(date(2025, 8, 29), 3) == date(2025, 9, 5)
    assert cal.working_days_between(date(2025, 8, 29), date(2025, 9, 8)) == 4


@pytest.mark.django_db
def test_extra_days_off_and_compensation_days_from_the_database_and_settings():
    ExtraHoliday.objects.create(day=date(2025, 9, 3), name="Nghỉ bù thử", kind="off")
    ExtraHoliday.objects.create(day=date(2025, 9, 6), name="Làm bù thứ Bảy", kind="work")
    cal = Calendar()
    assert not cal.is_working_day(date(2025, 9, 3))
    assert cal.is_working_day(date(2025, 9, 6))
    # Fri 29/8 → Thu 4/9, Fri 5/9, Sat 6/9 (worked)
    assert cal.add_working_days(date(2025, 8, 29), 3) == date(2025, 9, 6)
    with override_settings(CBCCVC_EXTRA_HOLIDAYS=["2025-09-04"]):
        assert not Calendar().is_working_day(date(2025, 9, 4))


@pytest.mark.django_db
def test_overdue_cutoff_counts_three_full_working_days():
    cal = Calendar()
    # A change on Monday 8/9/2025 is due by the end of Thursday 11/9: overdue on Friday 12/9.
    assert cal.overdue_cutoff(date(2025, 9, 12)) == date(2025, 9, 9)
    assert date(2025, 9, 8) < cal.overdue_cutoff(date(2025, 9, 12))
    assert not date(2025, 9, 9) < cal.overdue_cutoff(date(2025, 9, 12))
    # A change on Friday 29/8 (before the 1–2/9 holiday) is overdue on Monday 8/9, not Friday 5/9
    assert not date(2025, 8, 29) < cal.overdue_cutoff(date(2025, 9, 5))
    assert date(2025, 8, 29) < cal.overdue_cutoff(date(2025, 9, 8))
    since = overdue_since(date(2025, 9, 12))
    assert timezone.localtime(since) == timezone.make_aware(datetime(2025, 9, 9))
    assert since - timedelta(seconds=1) < since
