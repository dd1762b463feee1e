"""Formula injection ("CSV injection") in exported spreadsheets.

A text cell whose first character is ``= + - @`` (or TAB / CR, which some spreadsheet
programs skip before reading a formula) may be run as a formula when a user opens the file.
Every export writes text cells through :func:`safe_cell` (xlsxwriter: :func:`write_cell`;
django-import-export: :class:`FormulaSafeResource`), which prefixes such text with an
apostrophe-like quote character (``'``) so it is shown verbatim and never evaluated. Numbers
and dates are left alone (a negative number is data, not a formula). Importers that read
our own exports back call :func:`unsafe_cell` to drop the prefix again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
QUOTE = "'"


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def unsafe_cell(value: Any) -> Any:
    """Undo :func:`safe_cell` when reading back a file we exported."""
    if (
        isinstance(value, str)
        and value.startswith(QUOTE)
        and value[1:2]
        and value[1:].startswith(FORMULA_STARTS)
    ):
        return value[1:]
    return value


def write_cell(sheet: Any, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    """Write ``value`` to an xlsxwriter ``sheet``: numbers and booleans as such, everything
    else as text through :func:`safe_cell` with ``write_string`` (never ``write``, which turns
    a text starting with ``=`` into a live formula). Dates are the caller's (a date format)."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value), cell_format)
    else:
        sheet.write_string(row, col, safe_cell(str(value)), cell_format)


class FormulaSafeResource:
    """Mixin for a django-import-export ``ModelResource``: every exported text value goes
    through :func:`safe_cell` (xlsx, csv, ods alike)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return safe_cell(super().export_field(field, instance, **kwargs))  # type: ignore[misc]
