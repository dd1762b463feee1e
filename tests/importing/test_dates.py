"""Dates: every accepted format with its precision, every rejection with the original value."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from profiles.models import DatePrecision
from transfer.dates import DateParseError, excel_serial_to_date, parse_date

# Pure functions: no database; the PostgreSQL run leaves these to the SQLite run.
pytestmark = pytest.mark.database_free

TODAY = date(2026, 11, 21)
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        (date(1980, 1, 5), date(1980, 1, 5), DAY),
        (datetime(1980, 1, 5, 13, 30), date(1980, 1, 5), DAY),
        (29225, date(1980, 1, 5), DAY),  # Excel: 1/1/1980 is 29221
        (29225.75, date(1980, 1, 5), DAY),  # a time fraction is dropped
        ("29225", date(1980, 1, 5), DAY),  # a serial as text (CSV saved from Excel)
        ("29225.75", date(1980, 1, 5), DAY),
        (1980, date(1980, 1, 1), YEAR),
        (1980.0, date(1980, 1, 1), YEAR),
        ("05/01/1980", date(1980, 1, 5), DAY),
        ("5/1/1980", date(1980, 1, 5), DAY),
        ("5/1/80", date(1980, 1, 5), DAY),
        ("05-01-1980", date(1980, 1, 5), DAY),
        ("05.01.1980", date(1980, 1, 5), DAY),
        ("1980-01-05", date(1980, 1, 5), DAY),
        ("1980-01-05 00:00:00", date(1980, 1, 5), DAY),
        ("1980-01-05T00:00:00", date(1980, 1, 5), DAY),
        ("19800105", date(1980, 1, 5), DAY),
        ("  05/01/1980  ", date(1980, 1, 5), DAY),
        ("ngày 05 tháng 01 năm 1980", date(1980, 1, 5), DAY),
        ("Ngày 5 tháng 1 năm 1980", date(1980, 1, 5), DAY),
        ("5/1980", date(1980, 5, 1), MONTH),
        ("05/1980", date(1980, 5, 1), MONTH),
        ("1980-05", date(1980, 5, 1), MONTH),
        ("tháng 5 năm 1980", date(1980, 5, 1), MONTH),
        ("1980", date(1980, 1, 1), YEAR),
        ("năm 1980", date(1980, 1, 1), YEAR),
        ("29/02/1984", date(1984, 2, 29), DAY),
        # the month by its English name, as an en-US Excel shows dates and saves them to CSV
        ("5-Mar-85", date(1985, 3, 5), DAY),
        ("05-Mar-1985", date(1985, 3, 5), DAY),
        ("Mar 5, 1985", date(1985, 3, 5), DAY),
        ("5 March 1985", date(1985, 3, 5), DAY),
        ("12-Sept-1990", date(1990, 9, 12), DAY),
        ("1985-Mar-05", date(1985, 3, 5), DAY),
        ("Mar-85", date(1985, 3, 1), MONTH),
        ("December 1980", date(1980, 12, 1), MONTH),
    ],
)
def test_accepted(value, expected, precision):
    parsed = parse_date(value, context="birth", today=TODAY)
    assert (parsed.value, parsed.precision) == (expected, precision)
    assert parsed.original == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, date(1900, 1, 1)), (59, date(1900, 2, 28)),
     (61, date(1900, 3, 1))],  # after Excel's fictitious 29/02/1900
)  # fmt: skip
def test_serials_of_1900(value, expected):
    """Read as dates, but never as birth dates (a day, an age or a count in that column)."""
    assert parse_date(value, today=TODAY).value == expected
    with pytest.raises(DateParseError):
        parse_date(value, context="birth", today=TODAY)


def test_two_digit_year_window():
    # birth dates: 20yy only up to 15 years ago
    assert parse_date("5/1/08", context="birth", today=TODAY).value == date(2008, 1, 5)
    assert parse_date("5/1/15", context="birth", today=TODAY).value == date(1915, 1, 5)
    # other dates: 20yy up to this year
    assert parse_date("5/1/15", today=TODAY).value == date(2015, 1, 5)
    assert parse_date("5/1/26", today=TODAY).value == date(2026, 1, 5)
    assert parse_date("5/1/27", today=TODAY).value == date(1927, 1, 5)


def test_excel_serial_helper():
    assert excel_serial_to_date(45658) == date(2025, 1, 1)
    with pytest.raises(DateParseError):
        excel_serial_to_date(60)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/1980", "không có ngày 31"),
        ("30/02/1981", "không có ngày 30"),
        ("29/02/1981", "không có ngày 29"),
        ("13/13/1980", "tháng 13"),
        ("12/13/1980", "tháng 13"),  # never swapped into 13/12/1980
        ("01/00/1980", "tháng 0"),
        # "00/01/1980" and "0/1980" are no longer refused: a zero day or month before a
        # four-digit year is how lists write "unknown" (month and year precision,
        # tests/importing/test_unseen_parsers_4.py)
        ("13/1980", "tháng 13"),
        ("1980-13-01", "tháng 13"),
        ("01/01/2030", "tương lai"),
        ("2030", "tương lai"),
        (2030, "tương lai"),
        (60, "29/02/1900"),
        (0, "ngoài khoảng"),
        (-5, "ngoài khoảng"),
        (1899, "trước năm 1900"),
        ("12/1850", "trước năm 1900"),
        ("abc", "không đọc được"),
        ("05/01", "mm/yyyy"),
        ("5/1/198", "không đọc được"),
        ("292251", "không đọc được"),
        ("00060", "29/02/1900"),
        ("05/01/1980/1", "quá nhiều"),
        ("khoảng 1980", "không đọc được"),
        ("31-Feb-1980", "không có ngày 31"),
        ("5-Mar-198", "không đọc được"),
        ("Mar-Apr-1980", "không đọc được"),
        ("", "ô trống"),
        ("   ", "ô trống"),
        (None, "ô trống"),
        (True, "không phải ngày"),
        (float("nan"), "ô trống"),
        ([1980], "không phải ngày"),
    ],
)
def test_rejected_with_the_original_value(value, reason):
    with pytest.raises(DateParseError) as info:
        parse_date(value, context="birth", today=TODAY)
    message = str(info.value)
    assert f"“{value}”" in message
    assert reason in message


def test_future_is_fine_without_a_past_context():
    assert parse_date("01/01/2030", today=TODAY).value == date(2030, 1, 1)
    with pytest.raises(DateParseError, match="tương lai"):
        parse_date("01/01/2030", context="past", today=TODAY)
    # this month and this year are not in the future
    assert parse_date("11/2026", context="birth", today=TODAY).precision == MONTH
