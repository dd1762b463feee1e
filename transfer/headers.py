"""Header recognition that generalises to exports it has never seen: the table.

:func:`recognise_table` finds a sheet's header (one to three rows, merged group cells above
their sub-columns) and tells which column holds which field, each with a score and a reason a
person can read:

* a header cell is compared as written, then without its annotations, line breaks, footnote
  marks and numbering ("Giới tính (1: Nam, 0: Nữ)", "Số CCCD\\n(12 số)", "Hệ số lương*",
  "3. Quê quán"), then by a fuzzy score (rapidfuzz) against every known header, for small typos;
* a group cell above its sub-columns is read as parent + child ("Ngạch công chức" over "Tên
  ngạch" | "Mã ngạch");
* composite columns are assembled into one field per row (:class:`Composite`): the date of
  birth written in the column that gives the sex ("Ngày, tháng, năm sinh" over "Nam" | "Nữ"),
  sex as an "x" under "Nam" | "Nữ", the name split into "Họ và đệm" | "Tên" or "Họ" | "Đệm" |
  "Tên", a date in "Ngày" | "Tháng" | "Năm" under its group cell or in top-level "Ngày sinh" |
  "Tháng sinh" | "Năm sinh" (the first holding the day only), an address split
  into "Xã" | "Huyện" | "Tỉnh", the name and the birth date in one cell ("Họ và tên\nNgày
  sinh", each half of the header naming its field exactly), the report forms' lone "Nữ" tick
  column when there is no sex column ("Trong đó: Nữ | Đảng viên | DTTS"), and a second column
  of a field already found (read when the first is empty).

Columns nobody knows are listed (:attr:`TableMatch.unknown_columns`) so that the pipeline keeps
their values as the source's extra data. The words of a header cell are read in
:mod:`.header_words`, one column's header in :mod:`.header_columns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .header_columns import (
    PARENT,
    PID_FIELD_NAME,
    ColumnFind,
    date_part_columns,
    find_column,
    name_and_date_fields,
    parent_field,
)
from .header_words import (
    ADDRESS_PART_KEYS,
    DATE_PART_KEYS,
    FAMILY_NAME_KEYS,
    FEMALE_KEYS,
    GIVEN_NAME_KEYS,
    MALE_KEYS,
    MIDDLE_NAME_KEYS,
    folded_key,
    header_keys,
    unicode_header,
)

#: rows searched for the header (templates put long notes above it)
HEADER_SCAN_ROWS = 60

ADDRESS_FIELDS = {"hometown_text", "birthplace_text", "permanent_residence", "current_residence"}


@dataclass(frozen=True)
class Composite:
    """One field assembled from several columns of a row."""

    field: str
    kind: str  # dob_by_sex sex_marks name_parts date_parts address_parts fallback
    sources: tuple[int, ...]  # column indexes, in the order they are read
    header: str  # how the report names it
    #: dob_by_sex and sex_marks: the sex of each source column ("Nam"/"Nữ"); date_parts:
    #: the part of each ("ngay", "thang", "nam")
    labels: tuple[str, ...] = ()


@dataclass
class TableMatch:
    spec: Any  # columns.SheetSpec
    header_row: int  # 0-based index of the last header row
    columns: dict[int, str]
    headers: dict[int, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    score: float = 0.0
    first_header_row: int = 0
    composites: list[Composite] = field(default_factory=list)
    #: column index → how its field was found ({"field", "score", "reason"})
    reasons: dict[int, dict[str, Any]] = field(default_factory=dict)
    unknown_columns: dict[int, str] = field(default_factory=dict)  # index → header as written
    width: int = 0  # columns of the header area
    written: dict[int, str] = field(default_factory=dict)  # index → header text, every column

    #: required fields the table has no column for (a people sheet without personal IDs)
    missing: list[str] = field(default_factory=list)

    def fields(self) -> set[str]:
        return set(self.columns.values()) | {c.field for c in self.composites}


# -- the header area ---------------------------------------------------------------------------
def fill_merged(rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]]) -> None:
    """Copy the value of each merged range's top-left cell into the range (header area)."""
    for r0, c0, r1, c1 in merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if row[c] in (None, ""):
                    row[c] = value


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _levels(texts: list[list[str]], r: int, c: int, depth: int) -> list[str]:
    """The header texts of column ``c`` from row ``r - depth + 1`` down to ``r``, a group cell
    written once over its sub-columns (no merge recorded) carried to the right."""
    out: list[str] = []
    for rr in range(max(0, r - depth + 1), r + 1):
        row = texts[rr]
        value = row[c] if c < len(row) else ""
        if not value and rr < r:
            # a group cell not merged in the file: carried over the sub-columns below it
            below = texts[r]
            k = c
            while k > 0 and not (row[k] if k < len(row) else "") and k < len(below) and below[k]:
                k -= 1
                if k < len(row) and row[k] and k < len(below) and below[k]:
                    value = row[k]
                    break
        if value and (not out or out[-1] != value):
            out.append(value)
    return out


def _match_at(
    spec: Any,
    texts: list[list[str]],
    r: int,
    depth: int,
    overrides: dict[str, str],
) -> TableMatch:
    width = max((len(t) for t in texts[max(0, r - depth + 1) : r + 1]), default=0)
    levels = {c: _levels(texts, r, c, depth) for c in range(width)}
    columns: dict[int, str] = {}
    headers: dict[int, str] = {}
    reasons: dict[int, dict[str, Any]] = {}
    composites: list[Composite] = []
    used: set[int] = set()
    spec_key = spec.key

    # 1. composite columns, told by their group cell and sub-column names
    child_keys = {c: header_keys(lv[-1])[1] if lv else "" for c, lv in levels.items()}
    parents = {c: parent_field(spec_key, lv, overrides) for c, lv in levels.items()}
    by_parent: dict[tuple[str, str], list[int]] = {}
    date_fields = {col.field for col in spec.columns if col.kind in ("date", "dob")}
    parts: dict[str, list[int]] = {}
    for c in range(width):  # "Ngày" | "Tháng" | "Năm" under a date's group cell
        if parents[c] in date_fields and child_keys[c] in DATE_PART_KEYS:
            parts.setdefault(parents[c] or "", []).append(c)
    for p, cols in parts.items():
        keys = {child_keys[c] for c in cols}
        if not {"thang", "nam"} <= keys or len(keys) != len(cols):
            continue  # "Nam" | "Nữ" under the date: the date written in the sex's column
        ordered = tuple(sorted(cols, key=lambda c: DATE_PART_KEYS[child_keys[c]]))
        head = levels[cols[0]][-2]
        composites.append(
            Composite(
                p,
                "date_parts",
                ordered,
                f"{head} ({' | '.join(levels[c][-1] for c in ordered)})",
                tuple(child_keys[c] for c in ordered),
            )
        )
        used.update(cols)
    # "Ngày sinh" | "Tháng sinh" | "Năm sinh" as top-level columns: "Ngày sinh" is the day
    for p, sources, labels in date_part_columns(spec_key, child_keys, width, used):
        head = " | ".join(levels[k][-1] for k in sources)
        composites.append(Composite(p, "date_parts", sources, head, labels))
    for c in range(width):
        if c in used:
            continue
        p = parents[c]
        key = child_keys[c]
        if p in ("date_of_birth", "sex") and key in MALE_KEYS | FEMALE_KEYS:
            by_parent.setdefault((p, "sex"), []).append(c)
        elif p in ADDRESS_FIELDS and key in ADDRESS_PART_KEYS:
            by_parent.setdefault((p, "address"), []).append(c)
    for (p, kind), cols in by_parent.items():
        if kind == "sex":
            labels = tuple("Nam" if child_keys[c] in MALE_KEYS else "Nữ" for c in cols)
            if len(set(labels)) < 2:
                continue
            head = levels[cols[0]][-2]
            composites.append(
                Composite(
                    p,
                    "dob_by_sex" if p == "date_of_birth" else "sex_marks",
                    tuple(cols),
                    f"{head} ({'/'.join(labels)})",
                    labels,
                )
            )
            if p == "date_of_birth":
                composites.append(
                    Composite("sex", "sex_of_dob", tuple(cols), f"{head} (cột Nam/Nữ)", labels)
                )
        else:
            ordered = tuple(sorted(cols, key=lambda c: (ADDRESS_PART_KEYS[child_keys[c]], c)))
            head = levels[cols[0]][-2]
            composites.append(
                Composite(
                    p,
                    "address_parts",
                    ordered,
                    f"{head} ({', '.join(levels[c][-1] for c in cols)})",
                )
            )
        used.update(cols)
    for c in range(width):  # "Họ và đệm" | "Tên", "Họ" | "Đệm" | "Tên"
        if c in used or child_keys[c] not in FAMILY_NAME_KEYS:
            continue
        run = [c]
        nxt = c + 1
        while (
            nxt < width and nxt not in used and child_keys[nxt] in MIDDLE_NAME_KEYS and len(run) < 3
        ):
            run.append(nxt)
            nxt += 1
        if nxt < width and nxt not in used and child_keys[nxt] in GIVEN_NAME_KEYS:
            run.append(nxt)
            composites.append(
                Composite(
                    "full_name",
                    "name_parts",
                    tuple(run),
                    " + ".join(levels[k][-1] for k in run),
                )
            )
            used.update(run)
            break

    for c in range(width):  # "Họ và tên\nNgày sinh": the name and the birth date in one cell
        if c in used or not levels[c]:
            continue
        order = name_and_date_fields(spec_key, levels[c][-1], overrides)
        if order:
            head = " ".join(levels[c][-1].split())
            for f, label in order:
                composites.append(Composite(f, "name_and_date", (c,), head, (label,)))
            used.add(c)

    # 2. plain columns: exact matches first, then fuzzy and group-only ones
    taken = {comp.field for comp in composites if comp.kind != "sex_of_dob"}
    pending: list[tuple[int, ColumnFind]] = []
    for strict in (True, False):
        for c in range(width):
            if c in used or c in columns or not levels[c]:
                continue
            found = find_column(spec_key, levels[c], overrides, strict)
            if found is None:
                continue
            if found.field in taken:
                if not strict:
                    pending.append((c, found))
                continue
            columns[c] = found.field
            headers[c] = found.header
            reasons[c] = {"field": found.field, "score": found.score, "reason": found.reason}
            taken.add(found.field)
    for c, found in pending:  # a second column of a field: read when the first is empty
        if found.field in ("full_name", PID_FIELD_NAME):
            continue
        first = next((k for k, f in columns.items() if f == found.field), None)
        if first is None:
            continue
        composites.append(
            Composite(found.field, "fallback", (first, c), f"{headers[first]} / {found.header}")
        )
        del columns[first]
        used.update((first, c))
        reasons[c] = {"field": found.field, "score": found.score, "reason": found.reason}

    if spec.key == "profile" and PID_FIELD_NAME not in columns.values():
        # "Số CMND" the table's only ID column: lists kept that header when the 12-digit CCCD
        # replaced the 9-digit card; a 9-digit value in it is still read as the old card
        old = next((c for c, f in columns.items() if f == "old_id_number"), None)
        if old is not None:
            columns[old] = PID_FIELD_NAME
            reasons[old] = {
                "field": PID_FIELD_NAME,
                "score": reasons[old]["score"],
                "reason": f"{reasons[old]['reason']}; cột số giấy tờ duy nhất của bảng: đọc là "
                "số định danh (số 9 chữ số là CMND cũ)",
            }
    if "sex" in columns.values():  # a sex column of its own wins over the Nam/Nữ date pair
        composites = [comp for comp in composites if comp.kind != "sex_of_dob"]
    elif (
        spec_key == "profile"
        and not any(comp.field == "sex" for comp in composites)
        and not any(child_keys[c] in MALE_KEYS for c in range(width))
    ):
        # a lone "Nữ" column of ticks (the report forms' "Trong đó: Nữ | Đảng viên | DTTS"
        # block): a tick is a woman, no tick a man
        for c in range(width):
            if c in used or c in columns or child_keys[c] not in FEMALE_KEYS:
                continue
            if parents[c] in date_fields:
                continue
            head = " ".join(levels[c])
            composites.append(Composite("sex", "female_mark", (c,), head, ("Nữ",)))
            used.add(c)
            break
    unknown_columns = {
        c: " ".join(levels[c])
        for c in range(width)
        if levels[c] and c not in columns and c not in used
    }
    have = set(columns.values()) | {comp.field for comp in composites}
    required = [col.field for col in spec.columns if col.required]
    score = len(have) + 3 * sum(1 for f in required if f in have)
    # a header found only through the cell above it, or by a fuzzy score, counts a little less:
    # the first data row under a two-row header is not the header
    score -= sum(
        0.5 if x["reason"] == PARENT else 0.2 if x["score"] < 100 else 0 for x in reasons.values()
    )
    # a reading that takes two columns for one field counts a little less than one that tells
    # them apart ("Chức vụ" beside "Hệ số phụ cấp" over "Chức vụ": the allowance's group cell)
    score -= 0.1 * sum(1 for comp in composites if comp.kind == "fallback")
    if spec.key != "profile" and PID_FIELD_NAME not in have:
        score = 0
    return TableMatch(
        spec,
        r,
        columns,
        headers,
        list(unknown_columns.values()),
        float(score),
        max(0, r - depth + 1),
        composites,
        reasons,
        unknown_columns,
        width,
        {c: " ".join(levels[c]) for c in range(width) if levels[c]},
    )


#: fields a sheet of people must have a column for (the others can be derived from the ID)
PEOPLE_REQUIRED = ("personal_id", "full_name")
#: a sheet of people without an ID column is still read (its rows held, none lost) when it
#: names the people and gives one of these
PEOPLE_WITHOUT_ID = frozenset({"date_of_birth", "sex"})


def recognise_table(
    rows: list[list[Any]],
    merged: Sequence[tuple[int, int, int, int]] = (),
    sheet_name: str = "",
    overrides: dict[str, dict[str, str]] | None = None,
    specs: Sequence[Any] | None = None,
    without: frozenset[str] = frozenset(),
) -> TableMatch | None:
    """The header rows and the table of a sheet from its first rows, or ``None``.

    When no table has its required columns, a sheet whose header names people (the full
    name and a birth date or sex) but has no personal-ID column is the people table with
    ``missing == ["personal_id"]``: its rows are held, none lost."""
    from .columns import SHEETS, header_encoding

    rows = [list(r) for r in rows[:HEADER_SCAN_ROWS]]
    fill_merged(rows, merged)
    prefer = header_encoding(rows)
    texts = [
        [
            unicode_header(_text(c), prefer) if isinstance(c, str) and c.strip() else _text(c)
            for c in r
        ]
        for r in rows
    ]
    name_key = folded_key(sheet_name)
    data_rows = {r for r, row in enumerate(rows) if _data_row(row)}
    best: TableMatch | None = None
    for spec in specs or SHEETS.values():
        ov: dict[str, str] = {}
        for k, v in ((overrides or {}).get(spec.key) or {}).items():
            full, stripped = header_keys(unicode_header(str(k)))
            ov.setdefault(full, v)
            ov.setdefault(stripped, v)
        if spec.key == "profile":
            required = [f for f in PEOPLE_REQUIRED if f not in without]
        else:
            required = [
                c.field
                for c in spec.columns
                if c.required and not c.embedded and c.field not in without
            ]
        synonyms = {folded_key(s) for s in spec.synonyms}
        for r in range(len(texts)):
            if r in data_rows or sum(1 for t in texts[r] if t) < 2:
                continue  # a header row names two columns or more, and holds no person
            for depth in (1, 2, 3):
                if depth > 1 and (r - depth + 1 < 0 or not any(texts[r - depth + 1])):
                    break
                m = _match_at(spec, texts, r, depth, ov)
                if m.score <= 0:
                    continue
                have = m.fields()
                if any(f not in have for f in required):
                    continue
                if spec.key == "profile" and not (
                    have & PEOPLE_WITHOUT_ID
                    or (len(have) >= len(required) + 2 and "personal_id" in required)
                ):
                    continue
                if name_key and name_key in synonyms:
                    m.score += 2
                if (
                    best is None
                    or m.score > best.score
                    # a deeper header of the same table, or its lower row: the fuller reading
                    or (
                        best.spec is spec
                        and m.score == best.score
                        and r > best.header_row
                        # not the same header repeated further down (a printed list's pages)
                        and m.first_header_row <= best.header_row + 1
                        # nor a line under the header that names the same fields in the same
                        # columns (a template's field codes "HO_TEN", the English names): the
                        # header is the upper line, as written for people
                        and (m.columns, m.composites) != (best.columns, best.composites)
                    )
                ):
                    best = m
    if best is not None and best.first_header_row > 1:
        # several tables stacked on one sheet: the best header may be a later table's; an
        # earlier header with people (personal IDs) below it starts the sheet's first table
        earlier = recognise_table(
            rows[: best.first_header_row], merged, sheet_name, overrides, [best.spec]
        )
        if earlier is not None and any(
            holds_id(r) for r in rows[earlier.header_row + 1 : best.first_header_row]
        ):
            return earlier
    if best is None and not without:
        # every table again without its ID column: when the people table reads the header
        # best (not the family's, say, whose rows are relatives), it is a list of people
        relaxed_id = frozenset({"personal_id"})
        relaxed = recognise_table(rows, merged, sheet_name, overrides, specs, relaxed_id)
        if relaxed is not None and relaxed.spec.key == "profile":
            depth = relaxed.header_row - relaxed.first_header_row + 1
            for spec in specs or SHEETS.values():
                if spec.key != "profile" and _own_fields(
                    _match_at(spec, texts, relaxed.header_row, depth, {}), relaxed.spec
                ):
                    return None  # e.g. relatives ("Quan hệ"): not people to hold for an ID
            relaxed.missing = ["personal_id"]
            return relaxed
    return best


def _own_fields(match: TableMatch, people: Any) -> set[str]:
    """The required columns of ``match``'s table that no people column is (a family sheet's
    "Quan hệ"), when the header has them all."""
    own = {
        c.field
        for c in match.spec.columns
        if c.required and c.field != "personal_id" and c.field not in people.by_field
    }
    return own if own and own <= match.fields() else set()


def _data_row(row: Sequence[Any]) -> bool:
    """A row that holds a person's data, never a header: a cell of nine digits or more (an
    ID), a date cell, or two cells with six digits or more (dates written as text)."""
    dated = 0
    for v in row:
        if isinstance(v, date):
            return True
        if isinstance(v, str):
            digits = sum(ch.isdigit() for ch in v)
            if digits >= 9:
                return True
            dated += digits >= 6
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 100_000_000:
            return True
    return dated >= 2


def holds_id(row: Sequence[Any]) -> bool:
    """A cell of nine digits or more (a personal ID or an old CMND)."""
    for v in row:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if float(v).is_integer() and abs(v) >= 100_000_000:
                return True
        elif isinstance(v, str) and sum(ch.isdigit() for ch in v) >= 9:
            return True
    return False
