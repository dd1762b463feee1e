"""Import and export of a unit tree from and to Excel (.xlsx), parent by identifier code.

One sheet, a header row with the Vietnamese column names of :data:`COLUMNS` (matched without
regard to case, diacritics or extra spaces; unknown columns are ignored), one unit per row,
rows in any order (children before parents is fine). Files are read with the project's one
reader (:func:`cbccvc.spreadsheets.worksheet_rows`, python-calamine) and written with
XlsxWriter, every text cell through :func:`cbccvc.xlsx_safety.write_cell`.

Import rules:

* **All or nothing.** Every row is checked first (format, duplicates, parents, cycles, access);
  then the rows are written in one transaction through :mod:`orgtree.services`, and if any row
  fails there too, the whole import is rolled back. The result lists every error with its row
  number, column, value and message. ``dry_run`` does everything and rolls back.
* A code not held by an active unit creates a unit (``create_unit``; "Hiệu lực từ" is then
  required). A code held by an active unit updates it: name, short name, kind and national
  code through ``update_unit``, the parent through ``move_unit``, both on ``effective_date``
  (default today). "Hiệu lực từ", "Số quyết định" and "Ngày quyết định" describe the unit's
  founding and are not changed for existing units. Re-importing an exported file changes
  nothing.
* **Dated changes wait for their date**, as in the unit's admin page: the updates and moves go
  through :func:`orgtree.scheduling.submit`, so with an ``effective_date`` after today they are
  validated now and stored as scheduled operations (:attr:`ImportResult.scheduled`), and
  nothing users see changes until that date. Importing the same file again before the date
  schedules nothing twice. New units are founded at once with their "Hiệu lực từ", as the
  admin's "Thêm" does.
* With a ``scope`` (the admin passes the user's), every existing unit and every parent must
  lie in a subtree where the user holds a unit-management role; new top-level units need the
  national admin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cbccvc.spreadsheets import UnreadableSpreadsheet, worksheet_rows
from cbccvc.xlsx_safety import unsafe_cell, write_cell

from . import scheduling, services
from .access import MANAGE_UNIT_ROLES, Scope
from .models import IDENTIFIER_CODE_RE, ScheduledOperation, Unit
from .text import clean, fold, in_vietnamese
from .tree import subtree_q

__all__ = [
    "COLUMNS",
    "ImportResult",
    "RowError",
    "export_units",
    "import_units",
    "read_rows",
]

# (field, column header) in the order they are written.
COLUMNS: list[tuple[str, str]] = [
    ("code", "Mã định danh"),
    ("name", "Tên đơn vị"),
    ("short_name", "Tên viết tắt"),
    ("kind", "Loại đơn vị"),
    ("parent_code", "Mã đơn vị cấp trên"),
    ("national_code", "Mã trên cây quốc gia"),
    ("valid_from", "Hiệu lực từ"),
    ("legal_basis_number", "Số quyết định"),
    ("legal_basis_date", "Ngày quyết định"),
]
HEADER = dict(COLUMNS)
REQUIRED = ("code", "name", "kind")
_BY_FOLDED_HEADER = {fold(header): name for name, header in COLUMNS}


@cache
def _kind_by_folded() -> dict[str, str]:
    """A unit kind by its folded Vietnamese name or value: the file is read by the Vietnamese
    names (the labels are translatable for the screen)."""
    return {fold(in_vietnamese(label)): value for value, label in Unit.Kind.choices} | {
        fold(value): value for value in Unit.Kind.values
    }


# Which column a service error about a given argument belongs to.
_FIELD_COLUMN = {
    "code": "code",
    "name": "name",
    "short_name": "short_name",
    "kind": "kind",
    "national_code": "national_code",
    "parent": "parent_code",
    "new_parent": "parent_code",
    "valid_from": "valid_from",
    "legal_basis_number": "legal_basis_number",
    "legal_basis_date": "legal_basis_date",
}
Kind = ScheduledOperation.Kind
_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as Excel shows it (the header is row 1)
    column: str  # the Vietnamese column header, "" when the error is about the whole row
    value: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" + (f", cột “{self.column}”" if self.column else "")
        value = f" (giá trị “{self.value}”)" if self.value else ""
        return f"{where}{value}: {self.message}"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: "code: what, dd/mm/yyyy" of the changes scheduled for their (future) effective date
    scheduled: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        head = "Kiểm tra thử (không ghi): " if self.dry_run else ""
        if self.errors:
            return f"{head}{len(self.errors)} lỗi; không ghi dữ liệu nào."
        waiting = (
            f", đặt lịch {len(self.scheduled)} thay đổi chờ đến ngày hiệu lực"
            if self.scheduled
            else ""
        )
        return (
            f"{head}thêm mới {len(self.created)}, cập nhật {len(self.updated)}, "
            f"chuyển đơn vị cấp trên {len(self.moved)}{waiting}, "
            f"không đổi {len(self.unchanged)}."
        )


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    value = unsafe_cell(value)  # our own exports quote text that looks like a formula
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif type(value) is date:  # a date cell in a text column reads "yyyy-mm-dd 00:00:00"
        value = datetime(value.year, value.month, value.day)
    return str(value).strip()


def _parse_date(value: Any) -> date | None:
    """A date cell, an Excel serial number, "dd/mm/yyyy" or "yyyy-mm-dd"; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    text = str(value).strip()
    if m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _YMD.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError
    return date(year, month, day)


def read_rows(source: str | Path | IO[bytes]) -> tuple[list[_Row], list[RowError]]:
    """The data rows of the first sheet, keyed by field name, and header errors. The header
    is the sheet's row 1; a row's number is the one Excel shows."""
    try:
        rows = worksheet_rows(source)
    except UnreadableSpreadsheet as exc:
        return [], [RowError(0, "", "", f"Không đọc được tệp Excel (.xlsx): {exc}")]
    header = next(rows, None)
    if header is None:
        return [], [RowError(1, "", "", "Tệp không có dòng tiêu đề.")]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _BY_FOLDED_HEADER.get(fold(_text(title)))
        if name and name not in positions:
            positions[name] = index
    missing = [HEADER[name] for name in REQUIRED if name not in positions]
    if missing:
        return [], [
            RowError(1, HEADER[name], "", "Thiếu cột bắt buộc.")
            for name in REQUIRED
            if name not in positions
        ]
    result = []
    for number, values in enumerate(rows, start=2):
        if all(_text(v) == "" for v in values):
            continue
        raw = {
            name: (values[index] if index < len(values) else None)
            for name, index in positions.items()
        }
        result.append(_Row(number, raw))
    return result, []


# ---------------------------------------------------------------------------------------------
# Checking (no writes)
# ---------------------------------------------------------------------------------------------


def _check_row(row: _Row, errors: list[RowError]) -> None:
    def error(name: str, message: str) -> None:
        errors.append(RowError(row.number, HEADER[name], _text(row.raw.get(name)), message))

    v = row.values
    v["code"] = _text(row.raw.get("code")).upper()
    if not v["code"]:
        error("code", "Thiếu mã định danh.")
    elif not IDENTIFIER_CODE_RE.match(v["code"]):
        error(
            "code",
            "Mã định danh không đúng định dạng QĐ 20/2020/QĐ-TTg (ví dụ 000.00.00.G09, H01.151).",
        )
    v["name"] = clean(_text(row.raw.get("name")))
    if not v["name"]:
        error("name", "Thiếu tên đơn vị.")
    v["short_name"] = clean(_text(row.raw.get("short_name")))
    kind_text = _text(row.raw.get("kind"))
    v["kind"] = _kind_by_folded().get(fold(kind_text))
    if v["kind"] is None:
        labels = "; ".join(in_vietnamese(label) for _, label in Unit.Kind.choices)
        error("kind", f"Loại đơn vị không hợp lệ; dùng một trong: {labels}.")
    v["parent_code"] = _text(row.raw.get("parent_code")).upper()
    if v["parent_code"] and v["parent_code"] == v["code"]:
        error("parent_code", "Đơn vị không thể là cấp trên của chính nó.")
    v["national_code"] = _text(row.raw.get("national_code")).upper()
    v["legal_basis_number"] = clean(_text(row.raw.get("legal_basis_number")))
    for name in ("valid_from", "legal_basis_date"):
        try:
            v[name] = _parse_date(row.raw.get(name))
        except (ValueError, OverflowError):
            v[name] = None
            error(name, "Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy.")


def _depths(rows: dict[str, _Row], errors: list[RowError]) -> dict[str, int]:
    """Depth of each code within the file (parents in the file first); reports cycles."""
    depth: dict[str, int] = {}
    for start in rows:
        path: list[str] = []
        code = start
        while code in rows and code not in depth and code not in path:
            path.append(code)
            code = rows[code].values["parent_code"]
        if code in path:  # a cycle inside the file
            cycle = path[path.index(code) :]
            for member in cycle:
                r = rows[member]
                errors.append(
                    RowError(
                        r.number,
                        HEADER["parent_code"],
                        r.values["parent_code"],
                        "Quan hệ cấp trên tạo thành vòng lặp: " + " → ".join([*cycle, code]) + ".",
                    )
                )
                depth[member] = 0
            path = path[: path.index(code)]
        base = depth.get(code, -1) if code in rows else -1
        for offset, member in enumerate(reversed(path), start=1):
            depth[member] = base + offset
    return depth


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def _service_errors(row: _Row, exc: ValidationError) -> list[RowError]:
    out = []
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            name = _FIELD_COLUMN.get(key.rsplit(".", 1)[-1])
            column = HEADER[name] if name else ""
            value = str(row.values.get(name, "") or "") if name else ""
            out += [RowError(row.number, column, value, m) for m in messages]
    else:
        out += [RowError(row.number, "", "", m) for m in exc.messages]
    return out


def import_units(
    source: str | Path | IO[bytes],
    *,
    actor: Any = None,
    dry_run: bool = False,
    effective_date: date | None = None,
    legal_basis_number: str = "",
    legal_basis_date: date | None = None,
    scope: Scope | None = None,
    file_name: str = "",
    today: date | None = None,
) -> ImportResult:
    """Import units from an .xlsx file; see the module docstring for the rules. ``today``
    (default: the local date) decides which changes wait for their date."""
    result = ImportResult(dry_run=dry_run)
    today = today or timezone.localdate()
    effective_date = effective_date or today
    file_name = file_name or (Path(source).name if isinstance(source, str | Path) else "")
    rows, header_errors = read_rows(source)
    if header_errors:
        result.errors = header_errors
        return result
    if not rows:
        result.errors = [RowError(2, "", "", "Tệp không có dòng dữ liệu nào.")]
        return result

    errors: list[RowError] = []
    by_code: dict[str, _Row] = {}
    for row in rows:
        _check_row(row, errors)
        code = row.values["code"]
        if code and code in by_code:
            errors.append(
                RowError(
                    row.number,
                    HEADER["code"],
                    code,
                    f"Mã định danh trùng với dòng {by_code[code].number}.",
                )
            )
        elif code:
            by_code[code] = row
    wanted = set(by_code) | {r.values["parent_code"] for r in rows if r.values["parent_code"]}
    existing = {u.code: u for u in Unit.objects.active().filter(code__in=wanted)}
    for row in by_code.values():
        v = row.values
        parent_code = v["parent_code"]
        if parent_code and parent_code not in by_code and parent_code not in existing:
            errors.append(
                RowError(
                    row.number,
                    HEADER["parent_code"],
                    parent_code,
                    "Không có đơn vị cấp trên đang hoạt động với mã này, trong tệp hay trong hệ "
                    "thống.",
                )
            )
        if v["code"] not in existing and v["valid_from"] is None:
            errors.append(
                RowError(row.number, HEADER["valid_from"], "", "Đơn vị mới cần ngày hiệu lực.")
            )
    depth = _depths(by_code, errors)
    if scope is not None:
        errors += _scope_errors(by_code, existing, scope)
    if errors:
        result.errors = sorted(set(errors), key=lambda e: (e.row, e.column, e.message))
        return result

    reason = "Nhập từ tệp Excel" + (f" {file_name}" if file_name else "")
    common = {
        "actor": actor,
        "reason": reason,
        "legal_basis_number": legal_basis_number,
        "legal_basis_date": legal_basis_date,
        "today": today,
    }
    ordered = sorted(by_code.values(), key=lambda r: (depth[r.values["code"]], r.number))
    units = dict(existing)
    failed: dict[str, int] = {}
    with transaction.atomic():
        for row in ordered:
            v = row.values
            parent_code = v["parent_code"]
            if parent_code in failed:
                errors.append(
                    RowError(
                        row.number,
                        HEADER["parent_code"],
                        parent_code,
                        f"Không xử lý được vì dòng {failed[parent_code]} (đơn vị cấp trên) có lỗi.",
                    )
                )
                failed[v["code"]] = row.number
                continue
            parent = units.get(parent_code) if parent_code else None
            try:
                _import_row(row, units, parent, effective_date, common, result)
            except ValidationError as exc:
                errors += _service_errors(row, exc)
                failed[v["code"]] = row.number
        if errors or dry_run:
            transaction.set_rollback(True)
    result.errors = sorted(errors, key=lambda e: (e.row, e.column))
    return result


def _import_row(
    row: _Row,
    units: dict[str, Unit],
    parent: Unit | None,
    effective_date: date,
    common: dict[str, Any],
    result: ImportResult,
) -> None:
    v = row.values
    unit = units.get(v["code"])
    if unit is None:
        units[v["code"]] = services.create_unit(
            name=v["name"],
            code=v["code"],
            kind=v["kind"],
            parent=parent,
            valid_from=v["valid_from"],
            short_name=v["short_name"],
            national_code=v["national_code"],
            legal_basis_number=v["legal_basis_number"],
            legal_basis_date=v["legal_basis_date"],
            actor=common["actor"],
            reason=common["reason"],
        )
        result.created.append(v["code"])
        return
    basis = {k: val for k, val in common.items() if k != "today"}
    unit.refresh_from_db()
    changes = {
        name: v[name]
        for name in ("name", "short_name", "kind", "national_code")
        if getattr(unit, name) != v[name]
    }
    moving = unit.parent_id != (parent.pk if parent else None)
    operations = [(Kind.UPDATE, changes, result.updated)] if changes else []
    if moving:
        operations.append((Kind.MOVE, {"new_parent": parent}, result.moved))
    for kind, params, done in operations:
        if _already_scheduled(unit, kind, effective_date, params):
            continue
        submitted = scheduling.submit(
            kind, today=common["today"], unit=unit, effective_date=effective_date, **basis, **params
        )
        if submitted.is_scheduled:
            result.scheduled.append(
                f"{v['code']}: {Kind(kind).label.lower()}, {effective_date:%d/%m/%Y}"
            )
        else:
            done.append(v["code"])
    if v["code"] not in {*result.updated, *result.moved} and not any(
        s.startswith(f"{v['code']}: ") for s in result.scheduled
    ):
        result.unchanged.append(v["code"])


def _already_scheduled(unit: Unit, kind: str, on: date, params: dict[str, Any]) -> bool:
    """Whether the same change of ``unit`` already waits for ``on`` (a file imported twice)."""
    for operation in ScheduledOperation.objects.filter(
        unit=unit, kind=kind, effective_date=on, status=ScheduledOperation.Status.SCHEDULED
    ):
        stored = scheduling.parameters_of(operation)
        if all(stored.get(name) == value for name, value in params.items()):
            return True
    return False


def _scope_errors(
    by_code: dict[str, _Row], existing: dict[str, Unit], scope: Scope
) -> list[RowError]:
    """Rows that would touch, or hang units under, something outside the user's subtrees."""
    errors = []
    outside = "Đơn vị nằm ngoài phạm vi được phân quyền quản lý."
    for code, row in by_code.items():
        if code in existing and not scope.covers(existing[code], MANAGE_UNIT_ROLES):
            errors.append(RowError(row.number, HEADER["code"], code, outside))
            continue
        # The nearest ancestor already in the database, following parents inside the file.
        seen = set()
        anchor_code = row.values["parent_code"]
        while anchor_code in by_code and anchor_code not in existing and anchor_code not in seen:
            seen.add(anchor_code)
            anchor_code = by_code[anchor_code].values["parent_code"]
        anchor = existing.get(anchor_code) if anchor_code else None
        if anchor is None and not anchor_code:
            if not scope.is_national:
                errors.append(
                    RowError(
                        row.number,
                        HEADER["parent_code"],
                        "",
                        "Chỉ quản trị cấp quốc gia được tạo đơn vị cấp cao nhất.",
                    )
                )
        elif anchor is not None and not scope.covers(anchor, MANAGE_UNIT_ROLES):
            errors.append(
                RowError(row.number, HEADER["parent_code"], row.values["parent_code"], outside)
            )
    return errors


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def units_for_export(root: Unit | None = None, scope: Scope | None = None) -> Iterable[Unit]:
    """Active units in tree order (every parent before its children)."""
    qs = Unit.objects.active().select_related("parent")
    if root is not None:
        root.refresh_from_db()
        qs = qs.filter(subtree_q(root))
    if scope is not None:
        qs = scope.filter(qs)
    return qs.order_by("tree_id", "lft")


#: the export's column widths in characters, in the order of :data:`COLUMNS`
_WIDTHS = (18, 50, 20, 40, 18, 18, 12, 20, 14)
#: the columns whose cells (empty ones too) show dates as dd/mm/yyyy
_DATE_COLUMNS = {"valid_from", "legal_basis_date"}


def export_units(
    out: str | Path | IO[bytes], *, root: Unit | None = None, scope: Scope | None = None
) -> int:
    """Write the active units (all, or ``root``'s subtree) to ``out``; returns the row count.
    Text cells go through :func:`cbccvc.xlsx_safety.write_cell` (a name starting with ``=``
    is written quoted, as text, never as a formula)."""
    workbook = xlsxwriter.Workbook(
        str(out) if isinstance(out, str | Path) else out,
        {"constant_memory": True, "in_memory": False, "strings_to_numbers": False},
    )
    sheet = workbook.add_worksheet("Đơn vị")
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "DD/MM/YYYY"})
    formats = [day if name in _DATE_COLUMNS else None for name, _ in COLUMNS]
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    for column, (_, header) in enumerate(COLUMNS):
        write_cell(sheet, 0, column, header, bold)
    kind_labels = {value: in_vietnamese(label) for value, label in Unit.Kind.choices}
    row = 0
    for row, unit in enumerate(units_for_export(root, scope), start=1):
        values = (
            unit.code,
            unit.name,
            unit.short_name,
            str(kind_labels.get(unit.kind, unit.kind)),
            unit.parent.code if unit.parent_id else None,
            unit.national_code,
            unit.valid_from,
            unit.legal_basis_number,
            unit.legal_basis_date,
        )
        for column, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(row, column, value, formats[column])
            else:  # text (quoted when it would read as a formula) or an empty cell
                write_cell(sheet, row, column, value, formats[column])
    workbook.close()
    return row  # the header is row 0: the last row's index is the count
