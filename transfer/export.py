"""Streaming export of profiles to .xlsx: one sheet per table, the catalogue's canonical headers
(:mod:`.columns`), so that an export re-imports to the same data ("unchanged" on every row).

Memory stays flat: XlsxWriter's ``constant_memory`` mode writes each row to a temporary file as
soon as the next begins, and the profiles are read in id order, chunk by chunk, with the child
rows of each chunk fetched in one query per table. Group 9 (assets and income) and group 10
(health) only when the caller says the user holds their permissions; a left-out group is named
in the workbook's comments.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import translation

from cbccvc.xlsx_safety import write_cell
from orgtree.models import Unit
from profiles.models import CHILD_MODELS, Profile
from profiles.services import HIDDEN_NOTES

from .columns import CHILD_SHEETS, PID_FIELD, PROFILE, Column, SheetSpec

CHUNK = 2000


@dataclass
class ExportResult:
    profiles: int
    rows: int
    seconds: float


def choice_labels(model, name: str) -> dict[str, str]:
    """A field's values by their Vietnamese names: the file is read back by the import, which
    reads the Vietnamese names, whatever the exporting user's language."""
    f = model._meta.get_field(name)
    with translation.override("vi"):
        return {str(v): str(label) for v, label in (f.choices or [])}


class _SheetWriter:
    def __init__(self, workbook, spec: SheetSpec, formats: dict[str, Any]):
        self.spec = spec
        self.ws = workbook.add_worksheet(spec.title[:31])
        self.cols: list[Column] = spec.exported()
        self.formats = formats
        self.row = 0
        model = Profile if spec.key == "profile" else CHILD_MODELS[spec.key]
        self.choices = {
            c.field: choice_labels(model, c.field) for c in self.cols if c.kind == "choice"
        }
        for i, col in enumerate(self.cols):
            write_cell(self.ws, 0, i, col.header, formats["header"])
            self.ws.set_column(i, i, max(12, min(40, len(col.header) + 2)))
        self.ws.freeze_panes(1, 0)
        self.row = 1

    def write(self, values: dict[str, Any], units: dict[int, str]) -> None:
        ws, r = self.ws, self.row
        for i, col in enumerate(self.cols):
            name = col.field
            if col.kind == "unit":
                value: Any = units.get(values.get("unit_id") or 0, "")
            elif col.kind == "dob":
                value = _partial_date(values.get(name), values.get("birth_date_precision"))
            else:
                value = values.get(name)
            if value is None or value == "":
                continue
            if col.kind == "choice":
                write_cell(ws, r, i, self.choices[name].get(str(value), str(value)))
            elif isinstance(value, bool):
                ws.write_boolean(r, i, value)
            elif isinstance(value, (date, datetime)):
                ws.write_datetime(r, i, datetime(value.year, value.month, value.day),
                                  self.formats["date"])  # fmt: skip
            elif isinstance(value, (int, float, Decimal)) and col.kind in ("int", "decimal"):
                ws.write_number(r, i, float(value))
            else:  # text: quoted when it would read as a formula
                write_cell(ws, r, i, str(value))
        self.row += 1


def _partial_date(value: date | None, precision: str | None) -> Any:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{value.month:02d}/{value.year}"
    return value


def export_profiles(
    profiles: QuerySet[Profile],
    out: Path | str | IO[bytes],
    *,
    with_assets: bool = False,
    with_health: bool = False,
    chunk_size: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write ``profiles`` (already limited to the user's scope by the caller) to ``out``;
    ``progress(profiles written so far)`` after each chunk."""
    import xlsxwriter

    started = time.perf_counter()
    target = str(out) if isinstance(out, (str, Path)) else out
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_numbers": False, "in_memory": False}
    )
    formats = {
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
    }
    allowed = {"asset_declarations": with_assets, "health": with_health}
    sheets = [s for s in (PROFILE, *CHILD_SHEETS) if allowed.get(s.key, True)]
    hidden = [str(HIDDEN_NOTES[key]) for key, ok in allowed.items() if not ok]
    if hidden:
        workbook.set_properties({"comments": " ".join(hidden)})
    writers = {s.key: _SheetWriter(workbook, s, formats) for s in sheets}
    unit_codes: dict[int, str] = dict(Unit.objects.values_list("pk", "code").iterator())
    profile_fields = [f.attname for f in Profile._meta.concrete_fields]
    ids = profiles.order_by("pk").values_list("pk", flat=True)
    count = rows = 0
    chunk: list[int] = []

    def flush(chunk: list[int]) -> int:
        written = 0
        pid_of: dict[int, str] = {}
        for values in Profile.objects.filter(pk__in=chunk).order_by("pk").values(*profile_fields):
            pid_of[values["id"]] = values[PID_FIELD]
            writers["profile"].write(values, unit_codes)
            written += 1
        for spec in sheets[1:]:
            model = CHILD_MODELS[spec.key]
            grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for values in model.objects.filter(profile_id__in=chunk).order_by("pk").values():
                grouped[values["profile_id"]].append(values)
            for pk in chunk:
                for values in grouped.get(pk, ()):
                    values[PID_FIELD] = pid_of[pk]
                    writers[spec.key].write(values, unit_codes)
                    written += 1
        return written

    for pk in ids.iterator(chunk_size=chunk_size):
        chunk.append(pk)
        if len(chunk) >= chunk_size:
            rows += flush(chunk)
            count += len(chunk)
            chunk = []
            if progress is not None:
                progress(count)
    if chunk:
        rows += flush(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count)
    workbook.close()
    return ExportResult(count, rows, time.perf_counter() - started)
