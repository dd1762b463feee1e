"""What a table's rows say about the table itself, beyond its header (used by the pipeline's
sheet loop):

* :func:`date_orders`: the day/month order of each date column (:func:`.dates.column_order`);
* :class:`CarryDown`: a unit written once per group of people — in the first row of the group
  with the cells below left empty, or in a cell merged down over the group — is carried down
  to the rows below it;
* :func:`next_table`: several people tables stacked on one sheet, each with its own header (in
  another column order, with other columns): the row that starts the next table ends the
  current one, and the rest of the sheet is read as a sheet of its own;
* :func:`continued_table`: a sheet without a header whose rows go on with the people table of
  the sheet before it (a long list split over "Sheet1", "Sheet2"): read with that table's
  columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from .cleaning import is_empty
from .dates import column_order
from .header_columns import PID_FIELD_NAME
from .headers import TableMatch, holds_id
from .readers import SheetData
from .rows import digits_in, same_columns

#: fields whose value, written once for a group of rows, holds for the rows below it
CARRIED_FIELDS = frozenset({"unit"})


def date_orders(cols: Sequence[tuple[int, str, str, Any]], sample: Sequence[Sequence[Any]]):
    """{column index: "dmy" | "mdy"} for the date columns (``cols`` as the pipeline has them:
    index, field, header as written, Column)."""
    return {
        c: column_order(header, (r[c] for r in sample if c < len(r)))
        for c, _f, header, col in cols
        if col.kind in ("date", "dob")
    }


class CarryDown:
    """Fill the empty unit cells of a row from the last row that had one. Active only when the
    sample shows the pattern: the first row of people has a unit and a later one has none."""

    def __init__(self, match: TableMatch, sample: Sequence[Sequence[Any]]):
        pid_cols = [c for c, f in match.columns.items() if f == PID_FIELD_NAME]
        carried = [c for c, f in match.columns.items() if f in CARRIED_FIELDS]
        people = [r for r in sample if any(c < len(r) and digits_in(r[c]) >= 9 for c in pid_cols)]
        self.columns = [
            c
            for c in carried
            if people
            and c < len(people[0])
            and not is_empty(people[0][c])
            and any(c >= len(r) or is_empty(r[c]) for r in people[1:])
        ]
        self.pid_cols = pid_cols
        self.last: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.columns)

    def __call__(self, cells: list[Any]) -> list[Any]:
        out = cells
        for c in self.columns:
            value = cells[c] if c < len(cells) else None
            if not is_empty(value):
                self.last[c] = value
            elif c in self.last:
                if out is cells:
                    out = list(cells)  # never change the row as read (kept for held rows)
                out.extend([None] * (c + 1 - len(out)))
                out[c] = self.last[c]
        return out


def _looks_like_header(row: Sequence[Any], pid_cols: Sequence[int]) -> bool:
    """Cheap test first (this runs on every row): no personal ID in the ID column, three text
    cells or more, most of them without digits."""
    for c in pid_cols:
        if c < len(row) and digits_in(row[c]) >= 9:
            return False
    texts = [v for v in row if isinstance(v, str) and v.strip()]
    if len(texts) < 3:
        return False
    return sum(1 for t in texts if not any(ch.isdigit() for ch in t)) * 4 >= len(texts) * 3


def _under_header(sheet: SheetData, match: TableMatch, number: int) -> bool:
    """Whether row ``number`` of the sheet comes before the first person of the table."""
    index = number - 1 - sheet.first_row
    if index > len(sheet.head):
        return False
    return not any(holds_id(r) for r in sheet.head[match.header_row + 1 : index])


def _same_table(found: TableMatch, match: TableMatch) -> bool:
    return found.columns == match.columns and [(c.field, c.sources) for c in found.composites] == [
        (c.field, c.sources) for c in match.composites
    ]


def repeats_header(match: TableMatch, row: list[Any]) -> bool:
    """Whether ``row`` is a header naming exactly the fields of ``match`` in the same columns,
    in other words (a template's field codes "HO_TEN", "MA_DAN_TOC" under the people's header,
    English names): the table's header again, a layout row wherever it stands, never a
    person."""
    pid_cols = [c for c, f in match.columns.items() if f == PID_FIELD_NAME]
    if not _looks_like_header(row, pid_cols):
        return False
    from .columns import PROFILE
    from .headers import recognise_table

    found = recognise_table([row], specs=[match.spec] if match.spec.key == "profile" else [PROFILE])
    return found is not None and found.header_row == 0 and _same_table(found, match)


def next_table(
    sheet: SheetData,
    match: TableMatch,
    row: list[Any],
    number: int,
    stream: Iterable[list[Any]],
) -> SheetData | None:
    """When ``row`` (row ``number`` of the sheet) is the header of another people table — its
    columns hold other fields than the current header's, or the same fields in other
    places — the rest of the sheet from that row as a sheet of its own, else ``None``."""
    pid_cols = [c for c, f in match.columns.items() if f == PID_FIELD_NAME]
    if not _looks_like_header(row, pid_cols):
        return None
    if _under_header(sheet, match, number) and same_columns(match, row):
        return None  # a second header line (field codes, English names): a layout row
    from .columns import PROFILE
    from .headers import recognise_table

    found = recognise_table([row], specs=[match.spec] if match.spec.key == "profile" else [PROFILE])
    if found is None or found.header_row != 0:
        return None
    if _same_table(found, match):
        return None  # the header repeated (a printed list's pages): a layout row
    rest = iter(stream)
    head = [row]
    for more in rest:
        head.append(more)
        if len(head) >= 60:
            break
    return SheetData(
        sheet.name,
        rest,
        head,
        [],
        total=0,
        row_notes=sheet.row_notes,
        first_row=number - 1,
    )


def continued_table(previous: TableMatch | None, sheet: SheetData) -> TableMatch | None:
    """The people table of the sheet before, read from the first row of ``sheet``, when
    ``sheet`` has no header of its own and its first rows are that table's people: a personal
    ID (nine digits or more) in its ID column and a name (letters, no digits) in its name
    column, in four rows of five or more (every row when fewer)."""
    if previous is None or previous.spec.key != "profile":
        return None
    pid_cols = [c for c, f in previous.columns.items() if f == PID_FIELD_NAME]
    name_cols = [c for c, f in previous.columns.items() if f == "full_name"]
    if len(pid_cols) != 1 or len(name_cols) != 1:
        return None
    pid, name = pid_cols[0], name_cols[0]
    rows = [r for r in sheet.head if any(not is_empty(v) for v in r)][:10]
    if not rows or any(len(r) > previous.width + 1 for r in rows):
        return None

    def fits(row: Sequence[Any]) -> bool:
        text = row[name] if name < len(row) else None
        return (
            pid < len(row)
            and digits_in(row[pid]) >= 9
            and isinstance(text, str)
            and any(ch.isalpha() for ch in text)
            and not any(ch.isdigit() for ch in text)
        )

    if sum(map(fits, rows)) * 5 < len(rows) * 4:
        return None
    return dataclasses.replace(previous, header_row=-1, first_header_row=0)
