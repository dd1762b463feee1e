"""What an import reports: a plan row per data row (:class:`RowPlan`), a report per file
(:class:`FileReport`), the plan as a whole (:class:`Plan`) with its digest, and the error that
stops an import altogether (:class:`ImportError_`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from orgtree.models import Unit

from .cleaning import as_text, is_empty

ACTIONS = ("create", "update", "unchanged", "merge", "skip", "review", "error")
#: what a person reads for each action (the preview, the report's totals)
ACTION_LABELS = {
    "create": "Tạo mới",
    "update": "Cập nhật",
    "unchanged": "Không đổi",
    "merge": "Gộp",
    "skip": "Bỏ qua",
    "review": "Chờ xem xét",
    "error": "Lỗi",
}
#: above this many rows the report lists only the rows that need a look (not create/unchanged)
ROWS_IN_REPORT = 20_000


class ImportError_(ValueError):
    """The import cannot run at all (no target unit in scope, a changed plan …)."""


@dataclass
class Problem:
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class UnresolvedUnit(Problem):
    """The problem of a row whose unit a section row above it names but no unit of the scope
    (or several) matches: the only problem of such a row may be lifted when the same person
    arrives from another row of the file (:mod:`.repeats`)."""


@dataclass
class RowPlan:
    file: str
    sheet: str
    row: int
    table: str
    personal_id: str
    action: str = "create"
    reason: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    #: the row's cells as read and the (column index, header) pairs of its sheet: the
    #: original values are built from them only when shown (100,000 rows stay small)
    cells: Sequence[Any] = ()
    columns: Sequence[tuple[int, str]] = ()
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    target_id: int | None = None  # the existing row (profile or child) this row updates
    embedded: dict[str, dict[str, Any]] = field(default_factory=dict)  # flat child values
    headers: dict[str, str] = field(default_factory=dict)  # field → header as the file writes it
    #: what the row carries that no field takes: {"unrecognised": {header: text}, "extra": …}
    source: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the problems that did not stop the row (reported with its errors if something else does)
    soft: list[Problem] = field(default_factory=list)

    def header(self, name: str, default: str) -> str:
        return self.headers.get(name, default)

    @property
    def original(self) -> dict[str, str]:
        cells = self.cells
        return {
            header: as_text(cells[c])
            for c, header in self.columns
            if c < len(cells) and not is_empty(cells[c])
        }

    def fail(self, column: str, value: Any, message: str) -> None:
        self.errors.append(
            Problem(self.file, self.sheet, self.row, column, as_text(value), message)
        )
        self.action = "error"

    def keep(self, column: str, value: Any, message: str) -> None:
        """A value no field takes: a warning naming it, the original kept as source data."""
        self.warnings.append(message)
        self.source.setdefault("unrecognised", {})[column] = as_text(value)
        self.soft.append(Problem(self.file, self.sheet, self.row, column, as_text(value), message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "table": self.table,
            "personal_id": self.personal_id,
            "action": self.action,
            "reason": self.reason,
            "original": self.original,
            "changes": {k: [jsonable(a), jsonable(b)] for k, (a, b) in self.changes.items()},
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "kept": self.source,
            "stored": self.stored(),
        }

    def stored(self) -> dict[str, list[Any]]:
        """``{header: [field, value to store]}`` for the cells whose stored form differs from
        the text as written (a date, a code, a padded ID): the preview shows both."""
        original = self.original
        out: dict[str, list[Any]] = {}
        for values in (self.values, *self.embedded.values()):
            for name, value in values.items():
                header = self.headers.get(name)
                if header is None or value is None or value == "":
                    continue
                shown = jsonable(value)
                if not isinstance(shown, (str, int, float, bool)):
                    shown = str(shown)  # a unit: its name
                if str(shown) != original.get(header):
                    out[header] = [name, shown]
        return out

    def digest_key(self) -> list[Any]:
        return [
            self.file,
            self.sheet,
            self.row,
            self.action,
            self.target_id,
            # dates and decimals become text in json.dumps(default=_digest_value), as jsonable
            # would make them: the same digest without a Python call per value
            sorted(self.values.items()),
            sorted(self.embedded.items()),
        ]


def no_data_rows_note(file: str, sheet: str) -> str:
    return gettext(
        "Không có dòng dữ liệu nào: tệp “%(file)s”, trang “%(sheet)s” chỉ có dòng tiêu đề "
        "(hoặc chỉ có dòng tiêu đề mục, dòng tổng cộng): không có gì để nhập."
    ) % {"file": file, "sheet": sheet}


@dataclass
class FileReport:
    file: str
    sheets: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    rows_read: int = 0
    errors: list[Problem] = field(default_factory=list)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table → action → rows
    #: layout rows (column numbers, sections, subtotals, footer): never people, never errors
    skipped_rows: list[dict[str, Any]] = field(default_factory=list)
    #: coded values no code list knows: (sheet, table, header, code list) → {value: rows}
    unknown_values: dict[tuple[str, str, str, str], dict[str, int]] = field(default_factory=dict)

    def add_unknown_value(self, sheet: str, table: str, header: str, kind: str, value: str):
        counts = self.unknown_values.setdefault((sheet, table, header, kind), {})
        counts[value] = counts.get(value, 0) + 1

    def add_skipped(
        self, sheet: str, row: int, kind: str, label: str, text: str, **extra: str
    ) -> None:
        self.skipped_rows.append(
            {"sheet": sheet, "row": row, "kind": kind, "reason": label, "text": text[:120], **extra}
        )
        self.counts["skip"] += 1

    def people(self) -> dict[str, int]:
        """What became of the rows of people (the profile table) of this file."""
        t = self.tables.get("profile", {})
        return {
            "rows": sum(t.values()),
            "created": t.get("create", 0),
            "updated": t.get("update", 0),
            "unchanged": t.get("unchanged", 0),
            "merged": t.get("merge", 0),
            "held": t.get("review", 0) + t.get("error", 0),
            "sent_to_review": t.get("review", 0),
            "rejected": t.get("error", 0),
            "skipped": t.get("skip", 0),
            "layout_rows_skipped": len(self.skipped_rows),
        }

    def count_data_rows(self, sheet: dict[str, Any], read_before: int) -> None:
        """The data rows of a recognised table (its entry in :attr:`sheets`), read since
        ``rows_read`` was ``read_before``; none at all (a file of headers only) is said in the
        entry's notes, naming file and sheet, and the preview shows it."""
        sheet["data_rows"] = self.rows_read - read_before
        if not sheet["data_rows"]:
            sheet.setdefault("notes", []).append(no_data_rows_note(self.file, sheet["sheet"]))

    def add_error(self, problem: Problem) -> None:
        """An error of the file or a sheet as a whole (not of one row): listed and counted."""
        self.errors.append(problem)
        self.counts["error"] += 1

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "file": self.file,
            "sheets": self.sheets,
            "rows_read": self.rows_read,
            "created": c["create"],
            "updated": c["update"],
            "unchanged": c["unchanged"],
            "merged": c["merge"],
            "skipped": c["skip"],
            "sent_to_review": c["review"],
            "errors": c["error"],
            "tables": self.tables,
            "people": self.people(),
            "skipped_rows": self.skipped_rows[:ROWS_IN_REPORT],
            "error_list": [e.as_dict() for e in self.errors],
            "unknown_values": [
                {
                    "sheet": sheet,
                    "table": table,
                    "column": header,
                    "kind": kind,
                    "values": [
                        {"value": v, "count": n}
                        for v, n in sorted(counts.items(), key=lambda vn: (-vn[1], vn[0]))
                    ],
                }
                for (sheet, table, header, kind), counts in self.unknown_values.items()
            ],
        }


@dataclass
class Plan:
    rows: list[RowPlan]
    files: list[FileReport]
    unit: Unit
    digest: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    committed: bool = False
    reviews: list[Review] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        total = dict.fromkeys(ACTIONS, 0)
        for f in self.files:
            for k, v in f.counts.items():
                total[k] += v
        return total

    def report(self, *, include_rows: bool = False, mode: str = "dry_run") -> dict[str, Any]:
        files = [f.as_dict() for f in self.files]
        totals = {
            "rows_read": sum(f["rows_read"] for f in files),
            **{
                k: sum(f[k] for f in files)
                for k in (
                    "created",
                    "updated",
                    "unchanged",
                    "merged",
                    "skipped",
                    "sent_to_review",
                    "errors",
                )
            },
        }
        out: dict[str, Any] = {
            "mode": mode,
            "committed": self.committed,
            "unit": {"code": self.unit.code, "name": self.unit.name},
            "plan_sha256": self.digest,
            "totals": totals,
            "files": files,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }
        if include_rows:
            many = len(self.rows) > ROWS_IN_REPORT
            out["rows"] = [
                r.as_dict()
                for r in self.rows
                if not many or r.action not in ("create", "unchanged") or r.warnings
            ]
            out["rows_complete"] = not many
        return out


@dataclass
class Review:
    """A row sent to the review queue: the pair the matcher was not sure of."""

    row: RowPlan
    result: Any
    profile_id: int | None  # an existing profile
    partner: RowPlan | None  # or a row of the files (its profile exists after the commit)


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _digest_value(value: Any) -> Any:
    """What the plan digest writes for a value JSON has no type for (see ``jsonable``)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def plan_digest(unit_pk: int, rows: Sequence[RowPlan]) -> str:
    """The SHA-256 of a plan: the same files against the same database give the same digest."""
    return hashlib.sha256(
        json.dumps(
            [unit_pk, [r.digest_key() for r in rows]],
            default=_digest_value,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
