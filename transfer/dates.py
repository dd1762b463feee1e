"""Dates as old HR software writes them, with their precision; impossible dates are refused.

Accepted (surrounding spaces and the words "ngày", "tháng", "năm", "sinh" are ignored):

* ``date`` / ``datetime`` objects (what a reader gives for a date-formatted cell);
* Excel serial numbers (``int``/``float``) in the 1900 date system, including Excel's
  fictitious 29/02/1900 (serial 60), which is refused; a fraction (the time) is dropped;
  a five-digit serial written as text ("29225", from a CSV saved by Excel) too. A birth date
  (``context="birth"``) is never a serial of 1900 (below 367): such a number is refused.
  Integers from 1000 to 2999 are read as a **year**, not a serial (serial 1980 would be
  1905-06-02, which no HR file means), so 1899 is refused as a year before 1900;
* ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``d/m/yyyy``, ``d/m/yy``, ``yyyy-mm-dd``
  (optionally with a time, "12:00:00 SA"/"AM" included, which is dropped), ``yyyymmdd``;
* ``5/1980``, ``05/1980``, ``1980-05`` (month precision), ``1980`` (year precision);
* an unknown day or month written as ``x`` or as zero: ``x/1985``, ``x/x/1985``,
  ``00/00/1985`` (year), ``x/03/1985``, ``00/03/1985`` (month).

Two-digit years: ``yy`` is 20yy when that year is not later than a bound, else 19yy. The
bound is this year, or this year minus 15 for birth dates (``context="birth"``: nobody under
15 is a civil servant). In 2026 a birth date "5/1/08" is 2008-01-05 and "5/1/15" is
1915-01-05; a decree date "5/1/15" is 2015-01-05.

* ``T5/1980``, ``Th05/1980`` (month precision), "ngày 12 tháng 5 năm 1980", "Sinh ngày …";
  Excel's vi-VN "dd-mmm-yy" (``15-Thg3-85``, ``15-Thg03-1985``).
* the month as an English name or abbreviation, as an en-US Excel shows dates and saves them
  to CSV: ``5-Mar-85``, ``05-Mar-1985``, ``Mar 5, 1985``, ``5 March 1985`` (day), ``Mar-85``
  (month precision).

Refused with :class:`DateParseError` (a Vietnamese message naming the original value): month
0 or > 12, a day the month does not have (31/02), years before 1900, future dates when the
context is ``"birth"`` or ``"past"``, anything else.

**Day and month order.** Without ``order`` a date is read day first and never swapped. The
import passes the order of the cell's column (:func:`column_order`: what its header declares,
"mm/dd/yyyy", else what its values prove, a first number above 12 proving day first and a
second above 12 month first, else day first, the Vietnamese order). Then:

* a value that can only be read in the other order (its "month" above 12, its "day" not) is
  read in that order, with a note (a warning on the row): the swap is certain, not a guess;
* in a month-first column a value that reads both ways ("03/04/1980") is read month first,
  the column's order, with a note asking to check it; in a day-first column it is read day
  first without a note (the normal case);
* nothing else is ever swapped ("31/02/1980" stays refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from orgtree.text import fold
from profiles.models import DatePrecision

__all__ = [
    "DateContext",
    "DateOrder",
    "DateParseError",
    "ParsedDate",
    "column_order",
    "excel_serial_to_date",
    "parse_date",
]

DateContext = Literal["birth", "past"] | None
MIN_YEAR = 1900
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 and later; before the fictitious 29/02/1900
_MAX_SERIAL = 2958465  # 31/12/9999
#: birth dates as Excel serials start after 1900 (serial 367 is 01/01/1901): a smaller number
#: in a birth-date column is a day, an age or a count ("Ngày sinh" | "Tháng sinh" | "Năm sinh")
_MIN_BIRTH_SERIAL = 367
#: a time after the date, with the AM/PM mark of en-US or vi-VN ("SA" sáng, "CH" chiều), as
#: .NET's DateTime.ToString() writes it in web applications' exports
_TIME = re.compile(
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:AM|PM|SA|CH|a\.m\.|p\.m\.))?)$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\b(?:ngay|thang|nam|sinh)\b")
_TEXT_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?$")
_UNKNOWN_PART = frozenset({"x", "xx"})
#: "T5/1980", "Th05/1980"; "Thg3" as Excel in the vi-VN locale shows a month ("15-Thg3-85")
_MONTH_MARK = re.compile(r"\b(?:thg\s?|th|t)(?=\d{1,2}\b)")
#: a day or month written as zero for "unknown" ("00/00/1985", "00/03/1985"), before a year
_ZERO_PART = frozenset({"0", "00"})
#: English month names and abbreviations (folded) → month
_MONTH_NAMES = {
    name: n
    for n, full in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
    for name in {full, full[:3], "sept" if n == 9 else full[:3]}
}


class DateParseError(ValueError):
    """A date that cannot be read or does not exist; the message names the original value."""


DateOrder = Literal["dmy", "mdy"] | None


@dataclass(frozen=True)
class ParsedDate:
    value: date  # the first day of the month/year for month/year precision
    precision: DatePrecision
    original: object = None
    #: what the reader must be told (a day and month read in the other order), else ""
    note: str = ""


def _error(original: object, reason: str) -> DateParseError:
    return DateParseError(f"Ngày “{original}” không hợp lệ: {reason}.")


def excel_serial_to_date(serial: float, original: object = None) -> date:
    """A 1900-system Excel serial number as a date (29/02/1900 refused: it never existed)."""
    original = serial if original is None else original
    whole = int(serial)
    if whole < 1 or whole > _MAX_SERIAL:
        raise _error(original, "số ngày kiểu Excel nằm ngoài khoảng cho phép")
    if whole == 60:
        raise _error(original, "Excel coi 29/02/1900 là một ngày nhưng ngày này không tồn tại")
    if whole < 60:
        return date(1899, 12, 31) + timedelta(days=whole)
    return _EXCEL_EPOCH + timedelta(days=whole)


def _year(token: str, original: object, today: date, context: DateContext) -> int:
    if len(token) == 4:
        return int(token)
    if len(token) == 2:
        yy = int(token)
        bound = today.year - 15 if context == "birth" else today.year
        return 2000 + yy if 2000 + yy <= bound else 1900 + yy
    raise _error(original, f"năm “{token}” phải có 2 hoặc 4 chữ số")


def _build(
    year: int, month: int, day: int | None, original: object, today: date, context: DateContext
) -> date:
    if not 1 <= month <= 12:
        raise _error(original, f"tháng {month} không tồn tại")
    if year < MIN_YEAR:
        raise _error(original, f"năm {year} trước năm {MIN_YEAR}")
    try:
        value = date(year, month, day or 1)
    except ValueError:
        raise _error(original, f"tháng {month}/{year} không có ngày {day}") from None
    if context in ("birth", "past"):
        # a month or a year that has begun is not in the future
        if value > today:
            what = "ngày sinh" if context == "birth" else "ngày"
            raise _error(original, f"{what} ở tương lai")
    return value


def _check_range(value: date, original: object, today: date, context: DateContext) -> date:
    return _build(value.year, value.month, value.day, original, today, context)


def parse_date(
    value: object,
    *,
    context: DateContext = None,
    today: date | None = None,
    order: DateOrder = None,
) -> ParsedDate:
    """Read one cell as a date with its precision; raise :class:`DateParseError` otherwise.

    ``order``: the order of day and month the cell's column is written in (see
    :func:`column_order`); ``None`` reads day first and never swaps."""
    today = today or date.today()
    original = value
    if isinstance(value, datetime):
        return ParsedDate(
            _check_range(value.date(), original, today, context), DatePrecision.DAY, original
        )
    if isinstance(value, date):
        return ParsedDate(
            _check_range(value, original, today, context), DatePrecision.DAY, original
        )
    if isinstance(value, bool) or value is None:
        raise _error(original, "ô trống hoặc không phải ngày")
    if isinstance(value, int | float):
        if isinstance(value, float) and value != value:  # NaN
            raise _error(original, "ô trống")
        if float(value).is_integer() and 1000 <= value <= 2999:
            year = int(value)
            return ParsedDate(
                _build(year, 1, None, original, today, context), DatePrecision.YEAR, original
            )
        serial_date = excel_serial_to_date(value, original)
        if context == "birth" and value < _MIN_BIRTH_SERIAL:
            # a day (1–31), an age or a count in a birth-date column, not a date of 1900
            raise _error(original, "số quá nhỏ để là ngày kiểu Excel (sẽ là một ngày năm 1900)")
        return ParsedDate(
            _check_range(serial_date, original, today, context), DatePrecision.DAY, original
        )
    if not isinstance(value, str):
        raise _error(original, "không phải ngày")
    if _TEXT_SERIAL.match(value.strip()):
        # a serial number that reached us as text (a CSV saved from Excel); no date format
        # has five digits, so this is no guess
        serial_date = excel_serial_to_date(float(value.strip().replace(",", ".")), original)
        return ParsedDate(
            _check_range(serial_date, original, today, context), DatePrecision.DAY, original
        )
    text = _TIME.sub("", value.strip())
    folded = _MONTH_MARK.sub("", _WORDS.sub(" ", fold(text)))
    if not folded.strip():
        raise _error(original, "ô trống")
    tokens = folded.split()
    # an unknown day or month written as "x" ("x/1985", "x/x/1985", "xx/03/1985")
    while len(tokens) > 1 and (
        tokens[0] in _UNKNOWN_PART or (tokens[0] in _ZERO_PART and len(tokens[-1]) == 4)
    ):
        tokens.pop(0)
    named = _month_named(tokens, original, today, context)
    if named is not None:
        return named
    if not all(t.isdigit() for t in tokens):
        raise _error(
            original, "không đọc được (dạng nhận được: dd/mm/yyyy, yyyy-mm-dd, mm/yyyy, yyyy)"
        )
    if len(tokens) == 1:
        token = tokens[0]
        if len(token) == 4:
            year = int(token)
            return ParsedDate(
                _build(year, 1, None, original, today, context), DatePrecision.YEAR, original
            )
        if len(token) == 8:
            year, month, day = int(token[:4]), int(token[4:6]), int(token[6:])
            return ParsedDate(
                _build(year, month, day, original, today, context), DatePrecision.DAY, original
            )
        raise _error(original, "không đọc được (một số đơn lẻ phải là năm có 4 chữ số)")
    if len(tokens) == 2:
        first, second = tokens
        if len(first) == 4 and len(second) <= 2:
            year, month = int(first), int(second)
        elif len(second) == 4 and len(first) <= 2:
            year, month = int(second), int(first)
        else:
            raise _error(original, "tháng/năm phải có dạng mm/yyyy")
        return ParsedDate(
            _build(year, month, None, original, today, context), DatePrecision.MONTH, original
        )
    if len(tokens) == 3:
        a, b, c = tokens
        note = ""
        if len(a) == 4 and len(b) <= 2 and len(c) <= 2:
            year, month, day = int(a), int(b), int(c)
        elif len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4):
            year = _year(c, original, today, context)
            day, month = (int(b), int(a)) if order == "mdy" else (int(a), int(b))
            if order and month > 12 and day <= 12:  # only the other order makes a date
                day, month = month, day
                note = (
                    f"Ngày “{original}” ghi tháng trước ngày (không phải thứ tự của cột)"
                    if order == "dmy"
                    else f"Ngày “{original}” ghi ngày trước tháng (không phải thứ tự của cột)"
                ) + f": số {day} > 12 chỉ có thể là ngày, đọc là {day:02d}/{month:02d}/{year}."
            elif order == "mdy" and day != month and day <= 12:
                note = (
                    f"Ngày “{original}”: cột này ghi tháng trước ngày (mm/dd/yyyy), đọc là "
                    f"{day:02d}/{month:02d}/{year}; cần kiểm tra."
                )
        else:
            raise _error(original, "không đọc được (dạng nhận được: dd/mm/yyyy, yyyy-mm-dd)")
        if day == 0:
            raise _error(original, "ngày 0 không tồn tại")
        return ParsedDate(
            _build(year, month, day, original, today, context), DatePrecision.DAY, original, note
        )
    raise _error(original, "không đọc được (quá nhiều thành phần)")


def _month_named(
    tokens: list[str], original: object, today: date, context: DateContext
) -> ParsedDate | None:
    """A date whose month is an English name ("5-Mar-85", "Mar 5, 1985", "Mar-85"), else
    ``None``. The day and the year are told by their length and place: four digits are the
    year; of two short numbers the one after the month's name when it comes first (en-US
    "Mar 5 85"), else the first, is the day."""
    months = [i for i, t in enumerate(tokens) if t in _MONTH_NAMES]
    if len(months) != 1 or len(tokens) not in (2, 3):
        return None
    i = months[0]
    month = _MONTH_NAMES[tokens[i]]
    numbers = [t for k, t in enumerate(tokens) if k != i]
    if not all(t.isdigit() for t in numbers):
        return None
    if len(numbers) == 1:  # "Mar-85", "March 1985"
        year = _year(numbers[0], original, today, context)
        return ParsedDate(
            _build(year, month, None, original, today, context), DatePrecision.MONTH, original
        )
    first, second = numbers
    if len(first) == 4 and len(second) <= 2:
        year, day = int(first), int(second)
    elif len(first) <= 2 and len(second) in (2, 4):
        day, year = int(first), _year(second, original, today, context)
    else:
        raise _error(original, "không đọc được ngày và năm bên cạnh tên tháng")
    if day == 0:
        raise _error(original, "ngày 0 không tồn tại")
    return ParsedDate(
        _build(year, month, day, original, today, context), DatePrecision.DAY, original
    )


_DMY_PAIR = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*\d{2,4}\b")
_DECLARED_MDY = re.compile(r"mm\W?dd\W?(yy|yyyy)\b")
_DECLARED_DMY = re.compile(r"dd\W?mm\W?(yy|yyyy)\b")


def column_order(header: str, values: Iterable[object]) -> Literal["dmy", "mdy"]:
    """The order of day and month in a date column: what the header declares ("Ngày sinh
    (mm/dd/yyyy)"), else what the values prove (a first number above 12 is a day: day first;
    a second above 12: month first; the larger count wins, a tie is day first), else day
    first."""
    folded = fold(header or "")
    if _DECLARED_MDY.search(folded):
        return "mdy"
    if _DECLARED_DMY.search(folded):
        return "dmy"
    dmy = mdy = 0
    for v in values:
        if not isinstance(v, str):
            continue
        m = _DMY_PAIR.match(v)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            dmy += a > 12 >= b
            mdy += b > 12 >= a
    return "mdy" if mdy > dmy else "dmy"
