"""Formula injection ("CSV injection") in exported spreadsheets.

A text cell whose first character is ``= + - @`` (or TAB / CR, which some spreadsheet
programs skip before reading a formula) may be run as a formula when a user opens the file.
Every export writes text cells through :func:`safe_cell`, which prefixes such text with an
apostrophe-like quote character (``'``) so it is shown verbatim and never evaluated. Numbers
and dates are left alone (a negative number is data, not a formula). Importers that read
our own exports back call :func:`unsafe_cell` to drop the prefix again.
"""

from __future__ import annotations

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
