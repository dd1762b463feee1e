"""Parsing: every sheet of every file read (:mod:`.readers`), its header row and table
recognised (:mod:`.columns`), its layout rows (column numbers, sections, subtotals, footers) set
aside, and each data row cleaned (:mod:`.cleaning`) into a :class:`~.report.RowPlan`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _

from orgtree.models import Unit
from orgtree.tree import subtree_q
from profiles.models import CHILD_MODELS, Profile
from profiles.services import SENSITIVE_GROUPS

from .cleaning import Cleaner, UnitResolver, as_text, clean_text, column_encoding, is_empty
from .columns import PID_FIELD, PROFILE, Column, SheetSpec, recognise
from .readers import FileReadError, SheetData, read_file
from .report import FileReport, Problem, RowPlan, UnresolvedUnit
from .rows import (
    LAYOUT_LABELS,
    RowSorter,
    assemble,
    complete_person,
    extra_columns,
    fix_personal_id,
)
from .sections import UNIT_HEADER, SectionUnits, Unresolved, read_title_unit
from .tables import CarryDown, continued_table, date_orders, next_table, repeats_header

if TYPE_CHECKING:
    from .headers import TableMatch
    from .pipeline import SourceFile


@dataclass
class _Sheet:
    """What the data rows of one recognised sheet are read with."""

    spec: SheetSpec
    model: type[models.Model]
    people: bool  # the people table (the profile sheet)
    #: (column index, field, header as written, catalogue column), composite columns last
    cols: list[tuple[int, str, str, Column]]
    headers: dict[str, str]  # field → header as the file writes it
    shown: list[tuple[int, str]]  # the (column index, header) pairs of the original values
    extras: list[tuple[int, str]]  # columns no field takes, kept as source data
    encodings: dict[int, Any]  # a text column's legacy encoding, a date column's order
    carry: CarryDown
    provinces: set[str]  # the province codes of a personal ID
    pid_col: int | None
    sections: SectionUnits | None
    no_id: bool  # a people sheet without an ID column: every row held, nobody lost
    unit_cols: list[int]
    extend: Callable[[list[Any]], tuple[list[Any], list[str]]]  # the composite columns added


class Parser:
    """Reads the files of one import into plan rows, with the import's cleaner and units."""

    def __init__(
        self,
        unit: Unit,
        root: Unit,
        allowed_units: set[int],
        cleaner: Cleaner,
        units: UnitResolver,
        *,
        overrides: dict[str, Any],
        mapping: Any,
        readable: set[str],
    ):
        self.unit = unit
        self.root = root
        self.allowed_units = allowed_units
        self.cleaner = cleaner
        self.units = units
        self.overrides = overrides
        self.mapping = mapping  # an ImportMapping or None (its skipped columns)
        # groups 9 and 10 are imported only by a user who may read them: otherwise whether a
        # row came back "unchanged" would tell the existing values
        self.readable = readable
        self._section_units: list[Unit] | None = None
        self._people_table: TableMatch | None = None  # the file's last people table

    def parse(self, files: Iterable[SourceFile]) -> tuple[list[RowPlan], list[FileReport]]:
        rows: list[RowPlan] = []
        reports: list[FileReport] = []
        for src in files:
            report = FileReport(src.name)
            reports.append(report)
            self._people_table = None
            try:
                sheets = read_file(src.path, src.name)
                for sheet in sheets:
                    self._parse_sheet(src, sheet, report, rows)
                    if sheet.notes and report.sheets:  # how the file was decoded (CSV)
                        entry = report.sheets[-1]
                        entry["notes"] = [*sheet.notes, *entry.get("notes", ())]
            except FileReadError as exc:
                report.add_error(Problem(src.name, "", None, "", "", str(exc)))
        return rows, reports

    def section_units(self) -> SectionUnits:
        """What the section rows of a new sheet say about units (the tree read once, when a
        section row first needs it)."""
        return SectionUnits(self._tree_units, self.allowed_units, self.unit)

    def _tree_units(self) -> list[Unit]:
        if self._section_units is None:
            self._section_units = list(
                Unit.objects.filter(subtree_q(self.root)).only(
                    "pk", "code", "name", "status", "parent_id"
                )
            )
        return self._section_units

    # -- a sheet ----------------------------------------------------------------------------
    def _parse_sheet(
        self, src: SourceFile, sheet: SheetData, report: FileReport, out: list[RowPlan]
    ) -> None:
        match = recognise(sheet.head, sheet.merged, sheet.name, self.overrides)
        if match is None:
            match = continued_table(self._people_table, sheet)
            if match is None:
                _unrecognised(src, sheet, report)
                return
            sheet.notes.append(
                f"Trang “{sheet.name}” không có dòng tên cột: các dòng tiếp nối bảng người của "
                "trang trước (cùng cột số định danh, cột họ tên), đọc theo các cột của bảng đó."
            )
        elif match.spec is PROFILE:
            self._people_table = match
        spec = match.spec
        entry = _recognised(sheet, match)
        report.sheets.append(entry)
        if spec.key in SENSITIVE_GROUPS and spec.key not in self.readable:
            group = SENSITIVE_GROUPS[spec.key][0]
            _sheet_error(
                src,
                sheet,
                report,
                f"Bạn không có quyền nhập thông tin {spec.title.lower()} (nhóm {group}): "
                "trang bị bỏ qua.",
            )
            return
        first = match.header_row + 1
        sample = sheet.head[first:]
        s = self._sheet(match, sample)
        sorter = RowSorter(match, sheet.head[match.first_header_row : first])
        sections = s.sections
        if sections is not None:  # "ĐƠN VỊ: Sở Nội vụ" above the table
            note = read_title_unit(
                sections, sheet.head[: match.first_header_row], sheet.first_row, clean_text
            )
            if note:
                sheet.notes.append(note)
        number = first + sheet.first_row
        stream = _chain(iter(sample), sheet.rows)
        read_before = report.rows_read
        for original in stream:
            number += 1
            if not any(not is_empty(v) for v in original):
                continue
            kind = sorter.layout(original)
            if kind in (None, "header_repeat"):  # another table's header: read it on its own
                stacked = next_table(sheet, match, original, number, stream)
                if stacked is not None:
                    report.count_data_rows(entry, read_before)
                    self._parse_sheet(src, stacked, report, out)
                    return
                if kind is None and repeats_header(match, original):
                    kind = "header_repeat"  # the header in other words ("HO_TEN" …)
            if kind is not None:
                text = " ".join(as_text(v) for v in original if not is_empty(v))
                found = (
                    sections.section(clean_text(text), number)
                    if sections is not None and kind == "section"
                    else None
                )
                unit = {"unit": found.code} if isinstance(found, Unit) else {}
                report.add_skipped(sheet.name, number, kind, LAYOUT_LABELS[kind], text, **unit)
                if kind == "continuation" and out and out[-1].sheet == sheet.name:
                    _continue_row(out[-1], original, s, number)
                continue
            report.rows_read += 1
            out.append(self._row(src, sheet, number, original, s, report))
        report.count_data_rows(entry, read_before)

    def _sheet(self, match: TableMatch, sample: list[list[Any]]) -> _Sheet:
        """The columns of a recognised sheet and what its first rows say about them."""
        spec = match.spec
        width = match.width
        composites = match.composites
        by_field = spec.by_field
        people = spec is PROFILE
        cols = [(c, f, match.headers[c], by_field[f]) for c, f in match.columns.items()]
        cols += [
            (width + k, comp.field, comp.header, by_field[comp.field])
            for k, comp in enumerate(composites)
        ]
        skip = set((getattr(self.mapping, "skipped_columns", None) or {}).get(spec.key, ()))

        def extend(cells: list[Any]) -> tuple[list[Any], list[str]]:
            if not composites:
                return cells, []
            values, notes = assemble(composites, cells)
            row = list(cells[:width])
            row.extend([None] * (width - len(row)))
            return row + values, notes

        ext_sample = [extend(r)[0] for r in sample]
        encodings = {
            c: column_encoding(r[c] for r in ext_sample if c < len(r))
            for c, f, _, col in cols
            if col.kind in ("text", "name", "code", "choice", "unit")
        }
        encodings.update(date_orders(cols, ext_sample))  # a date column: its day/month order
        return _Sheet(
            spec=spec,
            model=Profile if spec.key == "profile" else CHILD_MODELS[spec.key],
            people=people,
            cols=cols,
            headers={f: h for _, f, h, _ in cols},
            shown=sorted(match.written.items()),
            extras=[(c, h) for c, h in extra_columns(match) if h not in skip] if people else [],
            encodings=encodings,
            carry=CarryDown(match, ext_sample),
            provinces=set(self.cleaner.codes("cccd-province")),
            pid_col=next((c for c, f in match.columns.items() if f == PID_FIELD), None),
            sections=self.section_units() if people else None,
            no_id=people and PID_FIELD in match.missing,
            unit_cols=[c for c, f, _, _ in cols if f == "unit"],
            extend=extend,
        )

    # -- a data row -------------------------------------------------------------------------
    def _row(
        self,
        src: SourceFile,
        sheet: SheetData,
        number: int,
        original: list[Any],
        s: _Sheet,
        report: FileReport,
    ) -> RowPlan:
        """One data row, cleaned: its values, warnings and errors."""
        cells, notes = s.extend(original)
        if s.carry:
            cells = s.carry(cells)
        plan = RowPlan(
            src.name, sheet.name, number, s.spec.key, "", headers=s.headers, cells=original,
            columns=s.shown,
        )  # fmt: skip
        plan.warnings.extend(notes)
        if sheet.row_notes and number in sheet.row_notes:  # a line in a legacy encoding
            plan.warnings.append(sheet.row_notes[number])
        self._clean_cells(plan, cells, s, report)
        if self.cleaner.notes:  # a date read in the other day/month order
            plan.warnings.extend(self.cleaner.notes)
            self.cleaner.notes.clear()
        _personal_id(plan, original, s)
        if s.people:
            _complete_person(plan, original, cells, s)
        if s.no_id:
            _without_id(plan, sheet.name)
        _required(plan, s)
        return plan

    def _clean_cells(self, plan: RowPlan, cells: list[Any], s: _Sheet, report: FileReport):
        """Each non-empty cell into its field (or the flat columns' child row); a bad value
        fails the row, or in a person's row is kept as written (:meth:`_soft_failure`)."""
        model, people, encodings = s.model, s.people, s.encodings
        cells_width = len(cells)
        for c, f, header, col in s.cols:
            raw = cells[c] if c < cells_width else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # is_empty, inline: this runs once per cell
            try:
                value = (
                    self.units.resolve(raw)
                    if col.kind == "unit"
                    else self.cleaner.value(
                        col,
                        raw,
                        CHILD_MODELS[col.embedded] if col.embedded else model,
                        encodings.get(c),
                    )
                )
            except ValueError as exc:
                if col.kind == "code" and col.code_list:
                    report.add_unknown_value(
                        plan.sheet,
                        s.spec.key,
                        header,
                        col.code_list,
                        clean_text(as_text(raw).strip(), encodings.get(c)),
                    )
                if people and f not in (PID_FIELD, "full_name"):
                    self._soft_failure(plan, col, header, raw, exc, encodings.get(c))
                else:
                    plan.fail(header, raw, f"{header}: {exc}")
                continue
            if col.embedded:
                plan.embedded.setdefault(col.embedded, {})[f] = value
            elif col.kind == "dob":
                plan.values[f], plan.values["birth_date_precision"] = value
            else:
                plan.values[f] = value

    def _soft_failure(
        self, plan: RowPlan, col: Column, header: str, raw: Any, exc: ValueError, prefer: str | None
    ) -> None:
        """A bad value in a person's row that does not identify them: the person still imports;
        the value is kept as written with a warning. A grade title in the position column
        ("Chuyên viên", as lists write it for staff without a leadership post) is the grade."""
        if col.field == "position_code":
            try:
                grade = self.cleaner.code("grade", raw, prefer)
            except ValueError:
                grade = ""
            if grade:
                salary = plan.embedded.setdefault("salary_history", {})
                salary.setdefault("grade_code", grade)
                plan.source.setdefault("unrecognised", {})[header] = as_text(raw)
                plan.warnings.append(
                    f"{header} “{as_text(raw)}” là tên ngạch, không phải chức vụ lãnh đạo: "
                    f"ghi nhận ngạch {grade}, không ghi chức vụ."
                )
                return
        plan.keep(
            header,
            raw,
            f"{header} “{as_text(raw)}”: {exc} "
            "Vẫn nhập người này; giữ nguyên văn giá trị để xử lý.",
        )


def _chain(*iterables: Iterable[Any]) -> Iterable[Any]:
    for it in iterables:
        yield from it


def _unrecognised(src: SourceFile, sheet: SheetData, report: FileReport) -> None:
    """A sheet with no table we know: its first row shown, an error if it has any data."""
    first = next((r for r in sheet.head if any(not is_empty(v) for v in r)), [])
    report.sheets.append(
        {
            "sheet": sheet.name,
            "table": None,
            "columns": {},
            "first_row": [as_text(v) for v in first if not is_empty(v)],
        }
    )
    if any(any(not is_empty(v) for v in r) for r in sheet.head):
        _sheet_error(
            src,
            sheet,
            report,
            "Không nhận ra bảng dữ liệu của trang này (thiếu cột bắt buộc, ví dụ "
            "“Số định danh cá nhân”, “Họ và tên”).",
        )


def _sheet_error(src: SourceFile, sheet: SheetData, report: FileReport, message: str) -> None:
    """A problem of a whole sheet (no row, no column) in the file's report."""
    report.add_error(Problem(src.name, sheet.name, None, "", "", message))


def _recognised(sheet: SheetData, match: TableMatch) -> dict[str, Any]:
    """What the report says of a recognised sheet: its table and how each column was read."""
    return {
        "sheet": sheet.name,
        "table": match.spec.key,
        "header_row": match.header_row + 1,
        "columns": {match.headers[c]: f for c, f in sorted(match.columns.items())},
        "composite_columns": {comp.header: comp.field for comp in match.composites},
        "recognised_by": {
            match.headers.get(c, str(c)): r for c, r in sorted(match.reasons.items())
        },
        "unknown_columns": match.unknown,
        **(
            {"missing_columns": [by_field_header(f) for f in match.missing]}
            if match.missing
            else {}
        ),
    }


def _personal_id(plan: RowPlan, original: Sequence[Any], s: _Sheet) -> None:
    """The row's personal ID: a short one completed (leading zeros Excel dropped), a 9-digit
    one in the people table taken as the old ID."""
    pid = plan.values.get(PID_FIELD, "")
    if pid and len(pid) < 12 and s.pid_col is not None:
        raw = original[s.pid_col] if s.pid_col < len(original) else None
        pid, warning = fix_personal_id(
            pid,
            s.provinces,
            isinstance(raw, (int, float)),
            plan.values.get("date_of_birth") if s.people else None,
        )
        if warning:
            plan.values[PID_FIELD] = pid
            plan.warnings.append(warning)
    if pid and len(pid) == 9 and s.people:
        plan.values.setdefault("old_id_number", pid)
        plan.values[PID_FIELD] = pid = ""
    plan.personal_id = pid


def _complete_person(
    plan: RowPlan, original: Sequence[Any], cells: Sequence[Any], s: _Sheet
) -> None:
    """A person's row: what the ID says of sex and birth, the extra columns kept, the unit of
    the section row above when no cell names one."""
    plan.warnings.extend(
        complete_person(
            plan.values,
            s.headers.get("sex", "Giới tính"),
            s.headers.get("date_of_birth", "Ngày sinh"),
        )
    )
    for c, header in s.extras:
        if c < len(original) and not is_empty(original[c]):
            plan.source.setdefault("extra", {})[header] = as_text(original[c])
    if s.sections is not None and not any(
        c < len(cells) and not is_empty(cells[c]) for c in s.unit_cols
    ):
        _section_unit(plan, s.sections.current())


def _continue_row(plan: RowPlan, cells: Sequence[Any], s: _Sheet, number: int) -> None:
    """Row ``number`` continues the cells of ``plan``'s row (a long post or note wrapped into a
    second physical row): its text is joined to the row's kept extra columns; text under a
    field's column is named in a warning (the field keeps the first row's value)."""
    extras = dict(s.extras)
    shown = dict(s.shown)
    for c, v in enumerate(cells):
        if is_empty(v):
            continue
        text = as_text(v).strip()
        header = extras.get(c)
        if header is not None:
            kept = plan.source.setdefault("extra", {})
            kept[header] = f"{kept[header]} {text}" if kept.get(header) else text
            plan.warnings.append(
                f"Dòng {number} viết tiếp ô “{header}” của dòng {plan.row}: đã nối “{text}”."
            )
        else:
            written = shown.get(c, f"cột {c + 1}")
            plan.warnings.append(
                f"Dòng {number} viết tiếp ô “{written}” của dòng {plan.row}: “{text}”; trường "
                "này giữ giá trị của dòng trên, cần kiểm tra."
            )


def _required(plan: RowPlan, s: _Sheet) -> None:
    """A required field left empty fails the row (unless a problem already names its cell)."""
    for col in s.spec.columns:
        if s.people and col.field == PID_FIELD:
            continue  # no ID: the old ID or the matcher may still find the person
        if col.required and not col.embedded and is_empty(plan.values.get(col.field)):
            written = s.headers.get(col.field, col.header)
            if not any(e.column == written for e in (*plan.errors, *plan.soft)):
                plan.fail(written, "", f"Thiếu {written}.")


def by_field_header(name: str) -> str:
    """The catalogue's header of a people field ("personal_id" → "Số định danh cá nhân")."""
    col = PROFILE.by_field.get(name)
    return col.header if col is not None else name


def _without_id(plan: RowPlan, sheet: str) -> None:
    """A person of a sheet that has no personal-ID column: held, with an empty ID cell the
    officer fills in the holding area (or the column is mapped in the wizard)."""
    header = by_field_header(PID_FIELD)
    at = len(plan.cells)
    plan.cells = [*plan.cells, ""]
    plan.columns = [*plan.columns, (at, header)]
    plan.fail(
        header,
        "",
        _(
            "Thiếu số định danh: trang “%(sheet)s” không có cột “%(column)s”; hãy điền số "
            "định danh ở dòng chờ xử lý, hoặc chọn cột chứa số định danh ở bước ánh xạ cột."
        )
        % {"sheet": sheet, "column": header},
    )


def _section_unit(plan: RowPlan, state: Unit | Unresolved | None) -> None:
    """A person below a section row that names a unit: that unit, shown (and held) under
    the column "Đơn vị"; below one that no unit (or several) of the scope matches: held."""
    if state is None:
        return
    at = len(plan.cells)
    plan.cells = [*plan.cells, state.name if isinstance(state, Unit) else state.text]
    plan.columns = [*plan.columns, (at, UNIT_HEADER)]
    if isinstance(state, Unit):
        plan.values["unit"] = state
        plan.headers = {**plan.headers, "unit": UNIT_HEADER}
    else:
        plan.errors.append(
            UnresolvedUnit(
                plan.file, plan.sheet, plan.row, UNIT_HEADER, state.text,
                f"{UNIT_HEADER}: {state.message}",
            )
        )  # fmt: skip
        plan.action = "error"
