"""A sheet that is one person's CV form ("Sơ yếu lý lịch", Mẫu 2C-BNV/2008, 2C-TCTW-98), not a
table: read as a table of one row.

Old HR software and offices keep a workbook of forms, one person per sheet: the agency lines,
the title, then numbered items written as label and value ("1) Họ và tên khai sinh (viết chữ in
hoa):" | "NGUYỄN VĂN AN"), the value in the label's own cell after a colon ("5) Dân tộc: Kinh")
or right after the label ("3) Sinh ngày 15 tháng 3 năm 1985"), two items on one line ("Sinh
ngày" … "Giới tính (nam, nữ):" "Nam"), then the form's tables (training, work history, family)
and the signatures.

:func:`read_form` finds the items of a person's own data by the same header catalogue as the
tables (the label's numbering, annotations and colon left out, matched exactly, never fuzzily),
each item's first occurrence only, up to the first row of labels side by side (the header of
the form's tables: the family's has a "Họ và tên" too), and turns the sheet into a header row
of the labels as written and one row of their values, numbered as the name's row of the sheet.
A label's value is in its own cell after a colon, in the next filled cell, or (a date) right
after the label. A sheet is read so only when its title says it is a CV ("lý lịch"), it names
the person and gives an ID or a birth date, and it is not a list of people (a table with IDs).
"""

from __future__ import annotations

import re
from typing import Any

from orgtree.text import fold

from .readers import SheetData

#: the items of a person's own data a form is read for (the rest of the form is not a person's)
FORM_FIELDS = frozenset(
    {
        "full_name",
        "date_of_birth",
        "sex",
        "personal_id",
        "old_id_number",
        "ethnicity",
        "religion",
        "hometown_text",
        "birthplace_text",
        "permanent_residence",
        "current_residence",
    }
)
_TITLE = re.compile(r"\bly lich\b")
_TITLE_ROWS = 15
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[IVX]{1,4}|[a-z])\s*[.)/-]\s*", re.IGNORECASE)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


def _field(label: str) -> str | None:
    from .header_words import header_catalogue, header_keys

    index, _ = header_catalogue("profile")
    full, stripped = header_keys(label)
    found = index.get(full) or index.get(stripped)
    return found if found in FORM_FIELDS else None


def _label(text: str) -> tuple[str, str, str | None] | None:
    """(field, label as written, the value in the same cell or ``None``) of a cell that is an
    item's label, else ``None``."""
    body = _NUMBERING.sub("", text, count=1).strip()
    if not body:
        return None
    if ":" in body:
        label, value = body.split(":", 1)
        field = _field(label)
        if field:
            return field, label.strip(), value.strip() or None
    words = body.split()
    for k in range(min(len(words), 10), 0, -1):  # "Sinh ngày 15 tháng 3 năm 1985"
        if any(ch.isdigit() for ch in words[k - 1]):
            continue  # a label never ends with a number ("Sinh ngày 15" is "Sinh ngày")
        label = " ".join(words[:k])
        field = _field(label)
        if field:
            value = " ".join(words[k:]).strip()
            if value and not value[:1].isdigit():
                return None  # "Quê quán, nghề nghiệp": a longer label, not a value
            return field, label, value or None
    return None


def _looks_like_form(head: list[list[Any]]) -> bool:
    return any(_TITLE.search(fold(_cell_text(v))) for row in head[:_TITLE_ROWS] for v in row if v)


def read_form(sheet: SheetData) -> SheetData | None:
    """The sheet as a one-row table when it is one person's CV form, else ``None``."""
    if not _looks_like_form(sheet.head):
        return None
    items: dict[str, tuple[str, Any, int]] = {}  # field → (label, value, 1-based row)
    table = False
    for r, row in enumerate(sheet.head, start=1):
        if table:
            break
        c = 0
        while c < len(row):
            text = _cell_text(row[c])
            found = _label(text) if text else None
            if found is None:
                c += 1
                continue
            field, label, value = found
            nxt = c + 1
            if value is None:  # the value in the next filled cell of the row, not a label
                while nxt < len(row) and not _cell_text(row[nxt]):
                    nxt += 1
                if nxt < len(row) and _label(_cell_text(row[nxt])) is not None:
                    table = True  # labels side by side: the header of one of the form's tables
                    break
                if nxt < len(row):
                    value = row[nxt]
                    nxt += 1
            if field not in items and value not in (None, ""):
                items[field] = (label, value, r)
            c = nxt
    if "full_name" not in items or not ({"personal_id", "date_of_birth"} & set(items)):
        return None
    from .headers import holds_id, recognise_table

    match = recognise_table(sheet.head, sheet.merged, sheet.name)
    if match is not None and sum(map(holds_id, sheet.head[match.header_row + 1 :])) >= 2:
        return None  # a list of people under a "lý lịch" title
    fields = sorted(items, key=lambda f: items[f][2])
    name_row = items["full_name"][2]
    labels = [items[f][0] for f in fields]
    return SheetData(
        sheet.name,
        iter(()),
        [labels, [items[f][1] for f in fields]],
        [],
        total=1,
        notes=[
            *sheet.notes,
            f"Trang “{sheet.name}” là sơ yếu lý lịch của một người (không phải bảng): đã đọc "
            f"các mục {', '.join(f'“{x}”' for x in labels)}.",
        ],
        first_row=max(name_row - 2, 0),
    )
