"""Reading the cells of one sheet of a spreadsheet file, through the project's one reader,
python-calamine (.xlsx, .xlsm, .xlsb, .xls and .ods, told apart by the file's bytes).

:func:`worksheet_rows` is the small generic reader for a plain table (the unit tree's import,
:mod:`orgtree.unit_io`). The profile import has its own, richer reader in
:mod:`transfer.readers` (CSV and HTML tables, merged cells, size limits, CV forms). Writing is
XlsxWriter with every text cell through :func:`cbccvc.xlsx_safety.write_cell`; a file read
back that we exported undoes the formula guard with :func:`cbccvc.xlsx_safety.unsafe_cell`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any

import python_calamine as pc


class UnreadableSpreadsheet(ValueError):
    """The file cannot be opened as a spreadsheet (damaged, encrypted, another format, or a
    workbook without worksheets); the message is calamine's."""


def worksheet_rows(source: str | os.PathLike[str] | IO[bytes]) -> Iterator[list[Any]]:
    """The rows of the workbook's first worksheet (chart sheets skipped), placed as Excel
    numbers them: the first row yielded is row 1, empty rows above the data included, and
    item 0 of a row is column A. All rows have the same length (to the last used column). A
    workbook without a worksheet yields no row, as an empty sheet does.

    A cell is ``None`` when empty (an error cell such as ``#N/A`` reads as empty too), a
    ``str``, an ``int`` for a whole number (Excel keeps every number as a float: a code typed
    12 reads 12, never 12.0), a ``float``, a ``bool``, or a ``date``, ``datetime``, ``time``
    or ``timedelta`` by the cell's number format. A formula gives its last computed value.

    A stream is read whole, from its first byte. The file is opened and the sheet loaded
    before this returns: :class:`UnreadableSpreadsheet` is raised here, not while iterating.
    """
    try:
        if isinstance(source, str | os.PathLike):
            workbook = pc.CalamineWorkbook.from_path(os.fspath(source))
        else:
            source.seek(0)
            workbook = pc.CalamineWorkbook.from_filelike(source)
        with workbook:
            names = [
                sheet.name
                for sheet in workbook.sheets_metadata
                if sheet.typ == pc.SheetTypeEnum.WorkSheet
            ]
            if not names:
                return iter(())
            sheet = workbook.get_sheet_by_name(names[0])
    except Exception as exc:  # calamine raises several kinds (format, zip, XML, password)
        raise UnreadableSpreadsheet(str(exc) or type(exc).__name__) from exc
    return _rows(sheet)


def _rows(sheet: pc.CalamineSheet) -> Iterator[list[Any]]:
    # calamine's rows start at row 1 but at the first used column: put column A back at 0
    before = [None] * (sheet.start or (0, 0))[1]
    for row in sheet.iter_rows():
        yield [*before, *(_value(value) for value in row)]


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return value or None  # calamine reads an empty cell as ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
