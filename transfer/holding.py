"""The holding area ("Dòng chờ xử lý"): rows an import refused, kept until they are imported.

* :func:`record` runs after every committed import job (:func:`.jobs.run_job`): each refused
  row is stored as a :class:`~.holding_models.HeldRow` with its file, sheet, row number, every
  original cell and every problem, linked to the job and the target unit; each imported row
  resolves the held rows it stands for (with the profile it became);
* :func:`build_workbook` writes held rows as an .xlsx (formula-safe cells), one sheet per table,
  with the columns "Mã dòng chờ" and "Lý do" in front of the original ones. Those two columns
  are recognised and ignored by an import (:data:`.rows.HOLDING_KEYS`): an officer downloads the
  file, fixes it and uploads it again through the normal import;
* :func:`reimport` imports rows fixed in the browser: the same workbook, built in memory, goes
  through the same job service and pipeline as any file.

An imported row resolves a held row when it carries the held row's "Mã dòng chờ", or it comes
from the same file, sheet and row (with the same personal ID or name), or it is of the same
table with the same personal ID. A row refused again updates its held row (new problems).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cbccvc.xlsx_safety import write_cell
from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.text import fold

from .columns import SHEETS
from .header_words import header_keys
from .holding_models import HeldRow
from .models import ImportJob
from .rows import HOLDING_KEYS

HOLD_ID_HEADER = "Mã dòng chờ"
REASON_HEADER = "Lý do"
_HOLD_ID_KEY = header_keys(HOLD_ID_HEADER)[1]
#: what a row of the plan became, when it was written (or found unchanged)
IMPORTED_ACTIONS = frozenset({"create", "update", "unchanged", "merge"})


def cell_text(value: Any) -> str:
    """A cell as the officer reads and types it: dates dd/mm/yyyy, whole numbers without
    ".0" (an ID stored as a number)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_cells(row: Any) -> list[list[str]]:
    """Every cell of a plan row under its header as written (empty ones too), the holding
    area's own columns left out."""
    cells = row.cells
    return [
        [header, cell_text(cells[c]) if c < len(cells) else ""]
        for c, header in row.columns
        if header_keys(header)[1] not in HOLDING_KEYS
    ]


def _hold_id(row: Any) -> int | None:
    cells = row.cells
    for c, header in row.columns:
        if c < len(cells) and header_keys(header)[1] == _HOLD_ID_KEY:
            try:
                return int(float(str(cells[c]).strip()))
            except (TypeError, ValueError):
                return None
    return None


def _problems(row: Any) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in (*row.errors, *row.soft):
        key = (p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append({"column": p.column, "value": p.value, "message": p.message})
    return out


def _open_in_scope(job: ImportJob) -> QuerySet[HeldRow]:
    qs = HeldRow.objects.filter(status=HeldRow.Status.OPEN)
    return scope_for(job.created_by).filter(qs, "unit", EDIT_PROFILE_ROLES)


def _name(row: Any) -> str:
    return str(row.values.get("full_name") or "")


def record(job: ImportJob, plan: Any) -> dict[str, int]:
    """Hold the refused rows of a committed plan and resolve what its imported rows stand for.
    Returns ``{"held": refused rows now held, "resolved": held rows resolved}``."""
    rows = [r for r in plan.rows if r.action == "error" or r.action in IMPORTED_ACTIONS]
    if not rows:
        return {"held": 0, "resolved": 0}
    open_rows = _open_in_scope(job)
    ids = {i for i in (_hold_id(r) for r in rows) if i is not None}
    keys = {(r.file, r.sheet, r.row) for r in rows}
    pids = {r.personal_id for r in rows if r.personal_id and r.action in IMPORTED_ACTIONS}
    files = {f for f, _, _ in keys}
    candidates = list(
        open_rows.filter(Q(pk__in=ids) | Q(unit=job.unit, file__in=files) | Q(personal_id__in=pids))
    )
    by_id = {h.pk: h for h in candidates}
    by_place = {(h.file, h.sheet, h.row): h for h in candidates if h.unit_id == job.unit_id}
    by_pid: dict[tuple[str, str], list[HeldRow]] = defaultdict(list)
    for h in candidates:
        if h.personal_id:
            by_pid[(h.table, h.personal_id)].append(h)

    from profiles.models import Profile

    profile_of = dict(Profile.objects.filter(personal_id__in=pids).values_list("personal_id", "pk"))
    now = timezone.now()
    resolved: dict[int, HeldRow] = {}
    held = 0
    for row in rows:
        if row.action not in IMPORTED_ACTIONS:
            continue
        profile_id = profile_of.get(row.personal_id)
        if profile_id is None and row.table == "profile":
            profile_id = row.target_id
        matches: list[HeldRow | None] = [by_id.get(_hold_id(row) or 0)]
        same_place = by_place.get((row.file, row.sheet, row.row))
        if same_place is not None and (
            (same_place.personal_id and same_place.personal_id == row.personal_id)
            or (same_place.full_name and fold(same_place.full_name) == fold(_name(row)))
        ):
            matches.append(same_place)
        if row.personal_id:
            matches.extend(by_pid.get((row.table, row.personal_id), ()))
        for match in matches:
            if match is None or match.pk in resolved:
                continue
            match.status = HeldRow.Status.RESOLVED
            match.profile_id = profile_id
            match.resolved_job = job
            match.resolved_at = now
            resolved[match.pk] = match
    if resolved:
        HeldRow.objects.bulk_update(
            resolved.values(), ["status", "profile", "resolved_job", "resolved_at", "updated_at"]
        )
    creates: list[HeldRow] = []
    updates: list[HeldRow] = []
    for row in rows:
        if row.action != "error":
            continue
        held += 1
        same = by_id.get(_hold_id(row) or 0) or by_place.get((row.file, row.sheet, row.row))
        fields = {
            "job": job,
            "table": row.table,
            "personal_id": (row.personal_id or str(row.values.get("personal_id") or ""))[:40],
            "full_name": _name(row)[:255],
            "cells": row_cells(row),
            "problems": _problems(row),
        }
        if same is not None and same.pk not in resolved:
            for k, v in fields.items():
                setattr(same, k, v)
            same.updated_at = now
            updates.append(same)
        else:
            creates.append(
                HeldRow(unit=job.unit, file=row.file, sheet=row.sheet, row=row.row, **fields)
            )
    if creates:
        HeldRow.objects.bulk_create(creates)
    if updates:
        HeldRow.objects.bulk_update(
            updates,
            ["job", "table", "personal_id", "full_name", "cells", "problems", "updated_at"],
        )
    return {"held": held, "resolved": len(resolved)}


# -- the workbook -------------------------------------------------------------------------------
def held_headers(rows: Sequence[HeldRow]) -> list[tuple[str, int]]:
    """The union of the rows' headers, in the order first seen: (header, occurrence)."""
    out: dict[tuple[str, int], None] = {}
    for h in rows:
        count: dict[str, int] = defaultdict(int)
        for header, _ in h.cells:
            out.setdefault((header, count[header]), None)
            count[header] += 1
    return list(out)


def build_workbook(held: Iterable[HeldRow], *, reasons: bool = True) -> bytes:
    """Held rows as an .xlsx: one sheet per table (named as the export names it), the columns
    "Mã dòng chờ" (and "Lý do" when ``reasons``) before the original ones."""
    import xlsxwriter

    by_table: dict[str, list[HeldRow]] = defaultdict(list)
    for h in held:
        by_table[h.table].append(h)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for table, rows in by_table.items():
        spec = SHEETS.get(table)
        sheet = book.add_worksheet((spec.title if spec else table)[:31])
        headers = held_headers(rows)
        front = [HOLD_ID_HEADER, *([REASON_HEADER] if reasons else [])]
        for c, text in enumerate([*front, *(h for h, _ in headers)]):
            write_cell(sheet, 0, c, text, bold)
        if reasons:
            sheet.set_column(1, 1, 60)
        for r, h in enumerate(rows, start=1):
            write_cell(sheet, r, 0, h.pk)
            if reasons:
                write_cell(sheet, r, 1, h.reasons(), wrap)
            values: dict[tuple[str, int], str] = {}
            count: dict[str, int] = defaultdict(int)
            for header, value in h.cells:
                values[(header, count[header])] = value
                count[header] += 1
            for c, key in enumerate(headers, start=len(front)):
                write_cell(sheet, r, c, values.get(key, ""))  # text: an ID keeps its zeros
    book.close()
    return buffer.getvalue()


def reimport(user: Any, held: Iterable[HeldRow]) -> list[ImportJob]:
    """Import held rows (fixed in the browser) again, through the job service like a file: one
    committed job per target unit. Rows that still fail stay held with their new problems."""
    from .jobs import start_import

    by_unit: dict[int, list[HeldRow]] = defaultdict(list)
    for h in held:
        if h.status == HeldRow.Status.OPEN:
            by_unit[h.unit_id].append(h)
    started = []
    for rows in by_unit.values():
        unit = rows[0].unit
        data = build_workbook(rows, reasons=False)
        name = f"dong-cho-xu-ly-{unit.code}.xlsx"
        started.append(
            start_import(
                user=user, unit=unit, files=[(name, io.BytesIO(data))], dry_run=False, run="auto"
            )
        )
    return started
