"""The import pipeline: parse → clean → validate → match → plan, then commit the plan.

One pipeline behind three doors (the ``import_profiles`` command, the admin wizard, the REST
endpoint through :mod:`profiles.importing.jobs`).

* **Parse**: every sheet of every file is read (:mod:`.readers`), its header row and table
  recognised (:mod:`.columns`).
* **Clean**: legacy text (TCVN3/VNI/VIQR) converted, NFC and one tone style, dates parsed
  (impossible dates reported, never guessed), values mapped to codes, units mapped to today's
  tree (per-import unit mapping, then the successor chain), places resolved.
* **Validate**: the model's limits and the correctness rules of :mod:`profiles.validation` that
  make a row unusable (personal ID format, birth date) are errors; the row is not written.
* **Match**: the people already in the agency are looked up in bulk (one query per 5,000 IDs);
  an ID held by a profile of another agency is an error, never an update.
* **Plan**: one :class:`RowPlan` per data row: create, update, unchanged, merge, skip, review or
  error, with the reason, the original values and the changed fields.

**Commit applies exactly the plan the dry run showed.** The plan is deterministic: the same
files against the same database give the same plan. A dry run stores the SHA-256 of the plan
(:attr:`Plan.digest`) on the job; the commit recomputes the plan in the same way and refuses
to write when the digest differs (someone changed the data in between, or the files). We chose
to recompute and compare rather than store the plan: a 100,000-row plan is hundreds of MB of
JSON, while the files are stored anyway and recomputing costs seconds.

Writing: in chunks of people, each chunk one transaction (``bulk_create``/``bulk_update`` with
their history rows, reason "Nhập từ tệp X, dòng N", the importing user as author). A chunk that
fails in the database is retried person by person, each in a savepoint, so a bad row is never
half-written and the others still go in. With ``all_or_nothing`` the whole import is one
transaction, and any error row (or failure) leaves the database as it was.

Empty cells never erase stored values; re-importing the same file plans "unchanged" everywhere.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit
from orgtree.text import clean, fold, title_case
from orgtree.tree import subtree_q, successors

from .. import actions, codelists
from ..matching import MATCH_FIELDS
from ..models import (
    CHILD_MODELS,
    Profile,
    SalaryHistory,
    WorkHistory,
)
from ..services import (
    SENSITIVE_GROUPS,
    apply_current,
    current_from_histories,
    readable_groups,
)
from . import bulkio
from .columns import PID_FIELD, PROFILE, SHEETS, Column, SheetSpec, recognise
from .field_checks import check_row
from .mojibake import guard_child_action, guard_text_changes, warner
from .readers import FileReadError, read_file
from .sections import UNIT_HEADER, SectionUnits, Unresolved

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
CHUNK = 2000
LOOKUP_BATCH = 5000
#: above this many rows the report lists only the rows that need a look (not create/unchanged)
ROWS_IN_REPORT = 20_000


# -- the report ---------------------------------------------------------------------------------
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
            header: _text(cells[c])
            for c, header in self.columns
            if c < len(cells) and not _is_empty(cells[c])
        }

    def fail(self, column: str, value: Any, message: str) -> None:
        self.errors.append(Problem(self.file, self.sheet, self.row, column, _text(value), message))
        self.action = "error"

    def keep(self, column: str, value: Any, message: str) -> None:
        """A value no field takes: a warning naming it, the original kept as source data."""
        self.warnings.append(message)
        self.source.setdefault("unrecognised", {})[column] = _text(value)
        self.soft.append(Problem(self.file, self.sheet, self.row, column, _text(value), message))

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
            "changes": {k: [_json(a), _json(b)] for k, (a, b) in self.changes.items()},
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
                shown = _json(value)
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
            # dates and decimals become text in json.dumps(default=_digest_value), as _json
            # would make them: the same digest without a Python call per value
            sorted(self.values.items()),
            sorted(self.embedded.items()),
        ]


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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _digest_value(value: Any) -> Any:
    """What the plan digest writes for a value JSON has no type for (see ``_json``)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


class ImportError_(ValueError):
    """The import cannot run at all (no target unit in scope, a changed plan …)."""


# -- cleaning -----------------------------------------------------------------------------------
@lru_cache(maxsize=200_000)
def _unicode(text: str, prefer: str | None = None) -> str:
    from .legacy_text import to_unicode

    return to_unicode(text, prefer=prefer)


@lru_cache(maxsize=200_000)
def clean_text(text: str, prefer: str | None = None) -> str:
    # legacy_text.to_unicode returns clean() text already (its _finish)
    return _unicode(text, prefer)


@lru_cache(maxsize=200_000)
def clean_name(text: str, prefer: str | None = None) -> str:
    return title_case(_unicode(text, prefer))


def column_encoding(values: Iterable[Any]) -> str | None:
    """The legacy encoding of a column (TCVN3, VNI, VIQR) from a sample of its cells."""
    from .legacy_text import detect_column_encoding

    found = str(detect_column_encoding(v for v in values if isinstance(v, str)))
    return (
        found if found not in ("unicode", "ascii", "Encoding.UNICODE", "Encoding.ASCII") else None
    )


class Cleaner:
    """Turns the cells of one row into field values, with per-import caches."""

    def __init__(self, unit: Unit, value_mappings: dict[str, dict[str, str]], as_of: date | None):
        self.unit = unit
        self.value_mappings = value_mappings or {}
        self.as_of = as_of
        self.today = timezone.localdate()
        self._codes: dict[str, dict[str, Any]] = {}
        self._code_cache: dict[tuple[str, str], str] = {}
        self._date_cache: dict[Any, Any] = {}
        self.notes: list[str] = []  # warnings of the last row's cells (a date's order)

    def codes(self, key: str) -> dict[str, Any]:
        if key not in self._codes:
            self._codes[key] = codelists.items(key, self.today)
        return self._codes[key]

    def value(
        self, col: Column, raw: Any, model: type[models.Model], prefer: str | None = None
    ) -> Any:
        """The field value of a non-empty cell; raises ``ValueError`` with a message."""
        kind = col.kind
        if kind == "text":
            out = clean_text(_text(raw), prefer)
            limit = _max_length(model, col.field)
            if limit and len(out) > limit:
                raise ValueError(f"dài {len(out)} ký tự, tối đa {limit}.")
            return out
        if kind == "name":
            out = clean_name(_text(raw), prefer)
            if len(out) > 120:
                raise ValueError("họ tên dài quá 120 ký tự.")
            return out
        if kind == "pid":
            from .rows import split_id_cell

            pid, rest = split_id_cell(raw)  # "025085012345, 01/01/2021, Cục CS QLHC"
            if rest:
                self.notes.append(
                    f"Số định danh “{_text(raw)}”: lấy “{pid}”, phần sau (ngày cấp, nơi cấp) "
                    "không được ghi."
                )
            return _digits(pid, "số định danh", pad=False)
        if kind == "old_id":
            return _digits(raw, "số CMND")
        if kind in ("date", "dob"):
            return self.date(raw, col, prefer)  # for a date column: its day/month order
        if kind == "int":
            return _int(raw)
        if kind == "decimal":
            return _decimal(raw)
        if kind == "bool":
            return _bool(raw)
        if kind == "code":
            return self.code(col.code_list, raw, prefer)
        if kind == "choice":
            return _choice(model, col.field, _unicode(_text(raw), prefer))
        if kind == "email":
            return _text(raw).strip().lower()
        return clean_text(_text(raw), prefer)

    def date(self, raw: Any, col: Column, order: str | None = None) -> Any:
        """A date cell's value; a day/month order read against the column's ``order``
        (.dates.column_order) leaves its warning in :attr:`notes`."""
        key = (raw, col.kind, order)
        hit = self._date_cache.get(key)
        if hit is None:
            from .dates import DateParseError, parse_date

            note = ""
            try:
                parsed = parse_date(
                    _unicode(raw) if isinstance(raw, str) else raw,
                    context="birth" if col.kind == "dob" else None,
                    today=self.today,
                    order="mdy" if order == "mdy" else "dmy" if order == "dmy" else None,
                )
            except DateParseError as exc:
                value: Any = ValueError(str(exc))
            else:
                note = parsed.note
                if col.kind == "dob":
                    value = (parsed.value, _precision(parsed.precision))
                else:
                    value = parsed.value
            hit = self._date_cache[key] = (value, note)
        value, note = hit
        if note:
            self.notes.append(note)
        if isinstance(value, ValueError):
            raise value
        return value

    def code(self, list_key: str, raw: Any, prefer: str | None = None) -> str:
        text = _unicode(_text(raw).strip(), prefer)
        key = (list_key, text)
        hit = self._code_cache.get(key)
        if hit is not None:
            return hit
        items = self.codes(list_key)
        overrides = (self.value_mappings.get(list_key) or {}) if self.value_mappings else {}
        if text in overrides:
            code = overrides[text]
        elif text in items:
            code = text
        else:
            code = self._map(list_key, text, items, overrides)
        self._code_cache[key] = code
        return code

    def _map(self, list_key: str, text: str, items: dict[str, Any], overrides: dict) -> str:
        from .values import ValueKind, ValueMappingError, map_value

        code: str | None = None
        message = ""
        if list_key in {k.value for k in ValueKind}:
            try:
                code = map_value(list_key, text, overrides or None, on=self.today).code
            except ValueMappingError as exc:
                message = str(exc)
        if code is None or (items and code not in items):
            folded = fold(_unicode(text))
            for c, item in items.items():
                if fold(item.name) == folded:
                    return c
            raise ValueError(message or f"không có trong danh mục “{list_key}”.")
        return code


def _precision(value: Any) -> str:
    text = str(getattr(value, "value", value) or "day").lower()
    return text if text in ("day", "month", "year") else "day"


@lru_cache(maxsize=4096)
def _max_length(model: type[models.Model], name: str) -> int | None:
    try:
        return model._meta.get_field(name).max_length
    except Exception:
        return None


def _digits(raw: Any, what: str, pad: bool = True) -> str:
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"{what} không phải dãy chữ số.")
        text = str(int(raw))
        if not pad:  # the personal ID: padded with a warning (rows.fix_personal_id)
            return text
        # Excel stored the number and dropped the leading zeros: 12-digit IDs start with 0
        if len(text) in (10, 11):
            text = text.zfill(12)
        elif len(text) == 8:
            text = text.zfill(9)
        return text
    written = _text(raw)
    if _SCIENTIFIC.match(written.strip()):  # "2.50185E+11": Excel kept only 6 digits
        raise ValueError(
            f"{what} “{written}” ở dạng số mũ của Excel, đã mất các chữ số cuối: cần nhập lại "
            "số đầy đủ (không tự thêm số)."
        )
    text = "".join(written.split()).translate(_ID_PUNCTUATION).lstrip("'")
    if not text.isdigit():
        raise ValueError(f"{what} “{written}” có ký tự không phải chữ số.")
    return text


#: what people type between the digits of an ID ("001 085 012 345", "001.085.012.345",
#: "001-085-012345", a zero-width space or BOM pasted from a web page); two IDs in one cell
#: ("123456789/001085012345") are not joined
_ID_PUNCTUATION = str.maketrans("", "", ".-\u200b\ufeff")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("không phải số nguyên.")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer():
            return int(raw)
        raise ValueError("không phải số nguyên.")
    text = _text(raw).strip().replace(" ", "")
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ValueError("không phải số nguyên.") from None
        if value.is_integer():
            return int(value)
        raise ValueError("không phải số nguyên.") from None


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Decimal(str(round(float(raw), 4))).normalize() + Decimal("0.00")
    text = _text(raw).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError("không phải số.") from None


_TRUE = {"1", "x", "co", "có", "true", "yes", "y", "dung", "đúng", "da mat", "kiem nhiem"}
_FALSE = {"0", "", "khong", "không", "false", "no", "n", "sai"}


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = fold(_text(raw))
    if text in {fold(t) for t in _TRUE}:
        return True
    if text in {fold(t) for t in _FALSE}:
        return False
    raise ValueError("không hiểu giá trị có/không.")


@lru_cache(maxsize=4096)
def _choice_index(model: type[models.Model], name: str) -> dict[str, str]:
    f = model._meta.get_field(name)
    out: dict[str, str] = {}
    for value, label in f.choices or []:
        out[fold(str(value))] = value
        out[fold(str(label))] = value
    return out


def _choice(model: type[models.Model], name: str, raw: Any) -> str:
    index = _choice_index(model, name)
    value = index.get(fold(_unicode(_text(raw))))
    if value is None:
        labels = ", ".join(str(label) for _, label in model._meta.get_field(name).choices)
        raise ValueError(f"không thuộc các giá trị: {labels}.")
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- units --------------------------------------------------------------------------------------
class UnitResolver:
    """Unit codes and names → units of the target agency today.

    Order: the per-import unit mapping (old name or code → today's code), a unit of the target
    agency's tree by code, by folded name, then any unit (also a closed one) by code or name
    followed along its successor chain into the agency.
    """

    def __init__(self, root: Unit, allowed_ids: set[int], mapping: dict[str, str] | None):
        self.root = root
        self.allowed = allowed_ids
        units = list(Unit.objects.filter(subtree_q(root)).only("pk", "code", "name", "status"))
        self.by_code = {u.code.upper(): u for u in units if u.code}
        self.by_name: dict[str, Unit] = {}
        for u in units:
            if u.status == Unit.Status.ACTIVE:
                self.by_name.setdefault(fold(u.name), u)
        self.mapping = {fold(k): v for k, v in (mapping or {}).items()}
        self._cache: dict[str, Unit | None] = {}

    def resolve(self, raw: Any) -> Unit:
        text = clean_text(_text(raw))
        if text in self._cache:
            unit = self._cache[text]
        else:
            unit = self._resolve(text)
            self._cache[text] = unit
        if unit is None:
            raise ValueError(f"không tìm thấy đơn vị “{text}” trong cây đơn vị của cơ quan.")
        if unit.pk not in self.allowed:
            raise ValueError(f"đơn vị “{text}” nằm ngoài phạm vi được phân quyền nhập.")
        return unit

    def _resolve(self, text: str) -> Unit | None:
        key = fold(text)
        mapped = self.mapping.get(key)
        if mapped:
            return self.by_code.get(mapped.strip().upper())
        unit = self.by_code.get(text.upper()) or self.by_name.get(key)
        if unit is not None and unit.status == Unit.Status.ACTIVE:
            return unit
        old = unit or (
            Unit.objects.filter(code__iexact=text).first()
            or Unit.objects.filter(name__iexact=text).first()
        )
        if old is None:
            return None
        ends = [u for u in successors(old) if u.code.upper() in self.by_code]
        return self.by_code[ends[0].code.upper()] if len(ends) == 1 else None


# -- the pipeline -------------------------------------------------------------------------------
class PlaceCache:
    """Place texts resolved once per distinct text (as of the file's date when known)."""

    def __init__(self, as_of: date | None):
        self.as_of = as_of
        self._cache: dict[str, tuple[str, str, bool]] = {}

    def resolve(self, text: str) -> tuple[str, str, bool]:
        hit = self._cache.get(text)
        if hit is None:
            from orgtree.places import resolve_place

            res = resolve_place(text, self.as_of)
            hit = (
                (res.province or {}).get("code", ""),
                (res.commune or {}).get("code", ""),
                bool(res.needs_review),
            )
            self._cache[text] = hit
        return hit


def _profile_record(row: dict[str, Any], matching: Any) -> Any:
    return matching.PersonRecord(
        personal_id=row["personal_id"] or None,
        old_id_number=row["old_id_number"] or None,
        full_name=row["full_name"],
        date_of_birth=row["date_of_birth"],
        birth_date_precision=row["birth_date_precision"] or "day",
        sex=row["sex"] or "",
        home_province=row["hometown_province_code"] or "",
        profile_id=row["id"],
        ref=row["id"],
    )


@dataclass
class Review:
    """A row sent to the review queue: the pair the matcher was not sure of."""

    row: RowPlan
    result: Any
    profile_id: int | None  # an existing profile
    partner: RowPlan | None  # or a row of the files (its profile exists after the commit)


@dataclass
class SourceFile:
    path: Path
    name: str


@dataclass
class Options:
    mapping: Any = None  # an ImportMapping or None
    unit_mapping: dict[str, str] = field(default_factory=dict)
    all_or_nothing: bool = False
    as_of: date | None = None
    validate_after: bool = True
    job_id: str = ""  # recorded on merges and review-queue entries
    # called inside each chunk's transaction with (table, rows written): a job records its
    # progress there, so after a crash the record is exactly what was committed
    on_chunk: Callable[[str, list[Any]], None] | None = None


ProgressFn = Callable[[int, int], None]


class Pipeline:
    def __init__(
        self,
        files: Sequence[SourceFile],
        unit: Unit,
        actor: Any,
        options: Options | None = None,
        progress: ProgressFn | None = None,
    ):
        self.files = list(files)
        self.unit = unit
        self.actor = actor
        self.options = options or Options()
        self.progress = progress
        scope = scope_for(actor)
        if not scope.covers(unit, EDIT_PROFILE_ROLES):
            raise ImportError_("Đơn vị nhận nằm ngoài phạm vi được phân quyền nhập hồ sơ.")
        self.allowed_units = set(scope.units(EDIT_PROFILE_ROLES).values_list("pk", flat=True))
        self.root = unit.get_root() if unit.parent_id else unit
        self.tree_ids = set(Unit.objects.filter(subtree_q(self.root)).values_list("pk", flat=True))
        mapping = self.options.mapping
        self.cleaner = Cleaner(
            unit, (mapping.value_mappings if mapping else {}) or {}, self.options.as_of
        )
        self.overrides = (mapping.column_overrides if mapping else {}) or {}
        self.units = UnitResolver(self.root, self.allowed_units, self.options.unit_mapping)
        self._section_units: list[Unit] | None = None
        self.places = PlaceCache(self.options.as_of)
        self._records: dict[int, Any] = {}
        self.aliases: dict[str, str] = {}
        # groups 9 and 10 are imported only by a user who may read them: otherwise whether a
        # row came back "unchanged" would tell the existing values
        self.readable = readable_groups(actor) if actor is not None else set()

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

    # -- parse + clean ----------------------------------------------------------------------
    def parse(self) -> tuple[list[RowPlan], list[FileReport]]:
        rows: list[RowPlan] = []
        reports: list[FileReport] = []
        for src in self.files:
            report = FileReport(src.name)
            reports.append(report)
            try:
                sheets = read_file(src.path, src.name)
                for sheet in sheets:
                    self._parse_sheet(src, sheet, report, rows)
                    if sheet.notes and report.sheets:  # how the file was decoded (CSV)
                        report.sheets[-1]["notes"] = list(sheet.notes)
            except FileReadError as exc:
                report.add_error(Problem(src.name, "", None, "", "", str(exc)))
        return rows, reports

    def _parse_sheet(self, src: SourceFile, sheet, report: FileReport, out: list[RowPlan]):
        from .rows import (
            LAYOUT_LABELS,
            RowSorter,
            assemble,
            complete_person,
            extra_columns,
            fix_personal_id,
        )
        from .tables import CarryDown, date_orders, next_table

        match = recognise(sheet.head, sheet.merged, sheet.name, self.overrides)
        if match is None:
            first = next((r for r in sheet.head if any(not _is_empty(v) for v in r)), [])
            report.sheets.append(
                {
                    "sheet": sheet.name,
                    "table": None,
                    "columns": {},
                    "first_row": [_text(v) for v in first if not _is_empty(v)],
                }
            )
            if any(any(not _is_empty(v) for v in r) for r in sheet.head):
                report.add_error(
                    Problem(
                        src.name,
                        sheet.name,
                        None,
                        "",
                        "",
                        "Không nhận ra bảng dữ liệu của trang này (thiếu cột bắt buộc, ví dụ "
                        "“Số định danh cá nhân”, “Họ và tên”).",
                    )
                )
            return
        spec = match.spec
        width = match.width
        composites = match.composites
        report.sheets.append(
            {
                "sheet": sheet.name,
                "table": spec.key,
                "header_row": match.header_row + 1,
                "columns": {match.headers[c]: f for c, f in sorted(match.columns.items())},
                "composite_columns": {comp.header: comp.field for comp in composites},
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
        )
        if spec.key in SENSITIVE_GROUPS and spec.key not in self.readable:
            group = SENSITIVE_GROUPS[spec.key][0]
            report.add_error(
                Problem(
                    src.name,
                    sheet.name,
                    None,
                    "",
                    "",
                    f"Bạn không có quyền nhập thông tin {spec.title.lower()} (nhóm {group}): "
                    "trang bị bỏ qua.",
                )
            )
            return
        model = Profile if spec.key == "profile" else CHILD_MODELS[spec.key]
        by_field = spec.by_field
        people = spec is PROFILE
        cols = [(c, f, match.headers[c], by_field[f]) for c, f in match.columns.items()]
        cols += [
            (width + k, comp.field, comp.header, by_field[comp.field])
            for k, comp in enumerate(composites)
        ]
        headers = {f: h for _, f, h, _ in cols}
        shown = sorted(match.written.items())
        skip = set((getattr(self.options.mapping, "skipped_columns", None) or {}).get(spec.key, ()))
        extras = [(c, h) for c, h in extra_columns(match) if h not in skip] if people else []
        first = match.header_row + 1
        sample = sheet.head[first:]

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
        carry = CarryDown(match, ext_sample)
        provinces = set(self.cleaner.codes("cccd-province"))
        sorter = RowSorter(match, sheet.head[match.first_header_row : first])
        pid_col = next((c for c, f in match.columns.items() if f == PID_FIELD), None)
        sections = self.section_units() if people else None
        no_id = people and PID_FIELD in match.missing  # every row held: nobody lost
        unit_cols = [c for c, f, _, _ in cols if f == "unit"]
        data = iter(sample)
        number = first + sheet.first_row
        stream = _chain(data, sheet.rows)
        for original in stream:
            number += 1
            if not any(not _is_empty(v) for v in original):
                continue
            kind = sorter.layout(original)
            if kind in (None, "header_repeat"):  # another table's header: read it on its own
                stacked = next_table(sheet, match, original, number, stream)
                if stacked is not None:
                    self._parse_sheet(src, stacked, report, out)
                    return
            if kind is not None:
                text = " ".join(_text(v) for v in original if not _is_empty(v))
                found = (
                    sections.section(clean_text(text), number)
                    if sections is not None and kind == "section"
                    else None
                )
                unit = {"unit": found.code} if isinstance(found, Unit) else {}
                report.add_skipped(sheet.name, number, kind, LAYOUT_LABELS[kind], text, **unit)
                continue
            report.rows_read += 1
            cells, notes = extend(original)
            if carry:
                cells = carry(cells)
            plan = RowPlan(
                src.name, sheet.name, number, spec.key, "", headers=headers, cells=original,
                columns=shown,
            )  # fmt: skip
            plan.warnings.extend(notes)
            if sheet.row_notes and number in sheet.row_notes:  # a line in a legacy encoding
                plan.warnings.append(sheet.row_notes[number])
            cells_width = len(cells)
            for c, f, header, col in cols:
                raw = cells[c] if c < cells_width else None
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    continue  # _is_empty, inline: this runs once per cell
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
                            sheet.name,
                            spec.key,
                            header,
                            col.code_list,
                            _unicode(_text(raw).strip(), encodings.get(c)),
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
            if self.cleaner.notes:  # a date read in the other day/month order
                plan.warnings.extend(self.cleaner.notes)
                self.cleaner.notes.clear()
            pid = plan.values.get(PID_FIELD, "")
            if pid and len(pid) < 12 and pid_col is not None:
                raw = original[pid_col] if pid_col < len(original) else None
                pid, warning = fix_personal_id(
                    pid,
                    provinces,
                    isinstance(raw, (int, float)),
                    plan.values.get("date_of_birth") if people else None,
                )
                if warning:
                    plan.values[PID_FIELD] = pid
                    plan.warnings.append(warning)
            if pid and len(pid) == 9 and people:
                plan.values.setdefault("old_id_number", pid)
                plan.values[PID_FIELD] = pid = ""
            plan.personal_id = pid
            if people:
                plan.warnings.extend(
                    complete_person(
                        plan.values,
                        headers.get("sex", "Giới tính"),
                        headers.get("date_of_birth", "Ngày sinh"),
                    )
                )
                for c, header in extras:
                    if c < len(original) and not _is_empty(original[c]):
                        plan.source.setdefault("extra", {})[header] = _text(original[c])
                if sections is not None and not any(
                    c < len(cells) and not _is_empty(cells[c]) for c in unit_cols
                ):
                    _section_unit(plan, sections.current())
            if no_id:
                _without_id(plan, sheet.name)
            for col in spec.columns:
                if people and col.field == PID_FIELD:
                    continue  # no ID: the old ID or the matcher may still find the person
                if col.required and not col.embedded and _is_empty(plan.values.get(col.field)):
                    written = headers.get(col.field, col.header)
                    if not any(e.column == written for e in (*plan.errors, *plan.soft)):
                        plan.fail(written, "", f"Thiếu {written}.")
            out.append(plan)

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
                plan.source.setdefault("unrecognised", {})[header] = _text(raw)
                plan.warnings.append(
                    f"{header} “{_text(raw)}” là tên ngạch, không phải chức vụ lãnh đạo: "
                    f"ghi nhận ngạch {grade}, không ghi chức vụ."
                )
                return
        plan.keep(
            header,
            raw,
            f"{header} “{_text(raw)}”: {exc} Vẫn nhập người này; giữ nguyên văn giá trị để xử lý.",
        )

    # -- validate ---------------------------------------------------------------------------
    def validate(self, rows: list[RowPlan]) -> None:
        from ..validation import build_context, rule_birth_date, rule_old_id, rule_personal_id

        ctx = build_context()
        for plan in rows:  # the model's field checks: a bad value fails its row only
            check_row(plan)
        for plan in rows:
            if plan.action == "error" or plan.table != "profile":
                continue
            v = plan.values
            rec = {
                "personal_id": v.get(PID_FIELD, ""),
                "old_id_number": v.get("old_id_number", ""),
                "date_of_birth": v.get("date_of_birth"),
                "sex": v.get("sex", ""),
                "birth_registration_province": v.get("birth_registration_province", ""),
                "birthplace_province_code": "",
            }
            rules = [rule_old_id, rule_birth_date]
            if rec["personal_id"]:
                rules.insert(0, rule_personal_id)
            for rule in rules:
                for issue in rule(rec, ctx):
                    # an ID that contradicts the sex or birth year is still the person's ID:
                    # imported, and the finding says what to check
                    if issue.severity != "error" or issue.code in _PID_CROSS_CHECKS:
                        plan.warnings.append(issue.message)
                        continue
                    col = PROFILE.by_field.get(issue.field)
                    header = plan.header(issue.field, col.header if col else issue.field)
                    plan.fail(header, v.get(issue.field, ""), issue.message)
            self._embedded_required(plan)

    def _embedded_required(self, plan: RowPlan) -> None:
        emb = plan.embedded
        salary = emb.get("salary_history")
        if salary:
            grade = salary.get("grade_code")
            if grade and not salary.get("salary_scale"):
                item = self.cleaner.codes("grade").get(grade)
                if item is not None and item.extra.get("scale"):
                    salary["salary_scale"] = item.extra["scale"]
            missing = [
                SHEETS["salary_history"].by_field[f].header
                for f in ("effective_date", "grade_code", "salary_scale", "step", "coefficient")
                if _is_empty(salary.get(f))
            ]
            if missing:
                plan.warnings.append(
                    "Không ghi quá trình lương từ các cột lương: thiếu " + ", ".join(missing) + "."
                )
                del emb["salary_history"]
        work = emb.get("work_history")
        if work is not None and _is_empty(work.get("start_date")):
            if any(not _is_empty(x) for x in work.values()):
                plan.warnings.append(
                    "Không ghi quá trình công tác từ các cột chức vụ: thiếu ngày bắt đầu."
                )
            del emb["work_history"]
        party = emb.get("memberships")
        if party is not None:
            if _is_empty(party.get("admission_date")):
                del emb["memberships"]
            else:
                party["organisation"] = "party"

    # -- match + plan -----------------------------------------------------------------------
    def _record(self, plan: RowPlan, matching: Any) -> Any:
        cached = self._records.get(id(plan))
        if cached is not None:
            return cached
        rec = self._records[id(plan)] = self._new_record(plan, matching)
        return rec

    def _new_record(self, plan: RowPlan, matching: Any) -> Any:
        v = plan.values
        home = ""
        if v.get("hometown_text"):
            home = self.places.resolve(v["hometown_text"])[0]
        return matching.PersonRecord.from_row(
            {**v, "hometown_province_code": home},
            source=plan.file,
            ref=(plan.file, plan.sheet, plan.row),
        )

    def match_and_plan(self, rows: list[RowPlan]) -> list[Review]:
        """Who each row is (:mod:`profiles.matching`), then what to do with it.

        * the personal ID of a profile in the database: that profile (an update), unless the
          matcher finds the names too different (then a person reviews the pair);
        * else the matcher against the agency's profiles (ID one edit apart, old 9-digit ID,
          name + date of birth + sex + home province): certain → merged into that profile,
          uncertain → review queue;
        * else the matcher within the files: certain → one person (the later rows merge into
          the first), uncertain → review queue;
        * else a new person (a 12-digit ID is needed to create a profile).
        """
        from .. import matching

        profile_rows = [r for r in rows if r.table == "profile" and r.action != "error"]
        pids = {r.personal_id for r in rows if r.personal_id}
        # only the columns the plan reads: who it is, where, and the fields the files carry
        # (all ~60 columns of 100,000 profiles took ~0.3 GB more on a re-import)
        wanted = {k for r in profile_rows for k in r.values} | _PROFILE_KEYS | {"unit_id"}
        existing = _load_profiles(pids, wanted)
        reviews: list[Review] = []
        index = None
        judge = matching.ProfileIndex()
        fresh: list[RowPlan] = []  # rows of people not (certainly) in the database
        self.aliases: dict[str, str] = {}
        for plan in profile_rows:
            current = existing.get(plan.personal_id) if plan.personal_id else None
            if current is not None:
                if current["unit_id"] not in self.tree_ids or (
                    current["unit_id"] not in self.allowed_units
                ):
                    continue  # reported below with the scope errors
                rec = self._record(plan, matching)
                other = _profile_record(current, matching)
                result = judge.judge(rec, other, {"pid"})
                if not result.is_certain:
                    plan.action = "review"
                    plan.reason = "Cùng số định danh nhưng khác người? " + "; ".join(result.reasons)
                    reviews.append(Review(plan, result, current["id"], None))
                continue
            if index is None:
                index = matching.ProfileIndex.for_unit(self.root)
            rec = self._record(plan, matching)
            result = index.match(rec) if len(index) else matching.no_match()
            if result.is_match and result.profile_id is not None:
                if result.is_certain:
                    target = Profile.objects.filter(pk=result.profile_id).values(
                        *[f.attname for f in Profile._meta.concrete_fields]
                    )[0]
                    if target["unit_id"] not in self.allowed_units:
                        plan.fail(
                            plan.header(PID_FIELD, "Số định danh cá nhân"),
                            plan.personal_id,
                            "Trùng với một hồ sơ ngoài phạm vi được phân quyền nhập.",
                        )
                        continue
                    plan.action = "merge"
                    plan.target_id = result.profile_id
                    plan.reason = (
                        f"Cùng người với hồ sơ {target['personal_id']} ({result.rule}): "
                        + "; ".join(result.reasons)
                    )
                    if plan.personal_id:
                        self.aliases[plan.personal_id] = target["personal_id"]
                    existing.setdefault(target["personal_id"], target)
                else:
                    plan.action = "review"
                    plan.reason = "Có thể trùng một hồ sơ đã có: " + "; ".join(result.reasons)
                    reviews.append(Review(plan, result, result.profile_id, None))
                continue
            fresh.append(plan)
        # the same person in several rows/files
        records = [self._record(p, matching) for p in fresh]
        partner: dict[int, tuple[int, Any]] = {}
        for i, j, result in matching.match_within_batch(records, judge.sex_parity):
            if j not in partner:
                partner[j] = (i, result)
        key_of: dict[int, str] = {}
        planned: dict[str, dict[str, Any]] = {}
        for j, plan in enumerate(fresh):
            if j in partner:
                i, result = partner[j]
                first = fresh[i]
                if result.is_certain and i in key_of:
                    key = key_of[i]
                    key_of[j] = key
                    if plan.personal_id and plan.personal_id != key:
                        self.aliases[plan.personal_id] = key
                    self._merge_into(planned[key], plan, first, result)
                    continue
                if not result.is_certain and i in key_of:
                    plan.action = "review"
                    plan.reason = (
                        f"Có thể trùng {first.file}, trang {first.sheet}, dòng {first.row}: "
                        + "; ".join(result.reasons)
                    )
                    reviews.append(Review(plan, result, None, first))
                    continue
            key = plan.personal_id
            if not key or len(key) != 12:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    plan.values.get("old_id_number", ""),
                    "Thiếu số định danh cá nhân 12 số và không khớp được hồ sơ nào đã có: "
                    "không thể tạo hồ sơ.",
                )
                continue
            if key in planned:  # same ID, the matcher did not pair them: still one person
                self._merge_into(planned[key], plan, planned[key]["plan"], None)
                key_of[j] = key
                continue
            key_of[j] = key
            planned[key] = {
                "plan": plan,
                "values": dict(plan.values),
                "embedded": {k: dict(v) for k, v in plan.embedded.items()},
                "current": None,
            }
        # rows of people already in the database (exact ID)
        fresh_ids = {id(p) for p in fresh}
        for plan in profile_rows:
            if plan.action in ("error", "review", "merge") or id(plan) in fresh_ids:
                continue
            pid = plan.personal_id
            current = existing.get(pid)
            if current is None:
                continue
            if current["unit_id"] not in self.tree_ids:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    pid,
                    f"Số định danh {pid} đã có hồ sơ thuộc cơ quan khác: không thể nhập vào "
                    "cơ quan này (đề nghị cơ quan đang quản lý chuyển hồ sơ).",
                )
                continue
            if current["unit_id"] not in self.allowed_units:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    pid,
                    f"Hồ sơ {pid} thuộc đơn vị ngoài phạm vi được phân quyền nhập.",
                )
                continue
            if pid in planned:
                self._merge_into(planned[pid], plan, planned[pid]["plan"], None)
                continue
            planned[pid] = {
                "plan": plan,
                "values": dict(plan.values),
                "embedded": {k: dict(v) for k, v in plan.embedded.items()},
                "current": current,
            }
        for plan in profile_rows:  # merges into the database: unit and flat columns as ids
            if plan.action == "merge" and plan.target_id:
                plan.values = _unit_ids(plan.values)
                plan.embedded = {t: _unit_ids(v) for t, v in plan.embedded.items()}
        for entry in planned.values():
            plan = entry["plan"]
            current = entry["current"]
            values = entry["values"]
            if "unit" in values:
                values["unit_id"] = values.pop("unit").pk
            work = entry["embedded"].get("work_history")
            if work is not None and "unit" not in work and "unit_id" not in work:
                work["unit_id"] = values.get("unit_id") or (
                    current["unit_id"] if current else self.unit.pk
                )
            if current is None:
                plan.action = "create"
                plan.reason = "Người mới: tạo hồ sơ."
                plan.values = values
            else:
                plan.target_id = current["id"]
                changes = {
                    k: (current.get(k), v)
                    for k, v in values.items()
                    if k in current and not _is_empty(v) and current.get(k) != v
                }
                changes = guard_text_changes(changes, values, warner(plan))
                plan.changes = changes
                plan.values = values
                plan.action = "update" if changes else "unchanged"
                plan.reason = (
                    "Đã có hồ sơ cùng số định danh: cập nhật " + ", ".join(_labels(changes))
                    if changes
                    else "Đã có hồ sơ cùng số định danh, dữ liệu không đổi."
                )
            plan.embedded = entry["embedded"]
        # child rows (their own sheets and the flat columns)
        self._plan_children(rows, planned, existing)
        return reviews

    def _merge_into(
        self, target: dict[str, Any], plan: RowPlan, first: RowPlan, result: Any
    ) -> None:
        """Row ``plan`` is the same person as ``target`` (planned from row ``first``)."""
        plan.action = "merge"
        why = "; ".join(result.reasons) if result is not None else "cùng số định danh"
        plan.reason = (
            f"Cùng người với {first.file}, trang {first.sheet}, dòng {first.row} ({why}): "
            "gộp; ô trống không ghi đè, giá trị sau thay giá trị trước."
        )
        for k, v in plan.values.items():
            if k in (PID_FIELD, "old_id_number") and not _is_empty(target["values"].get(k)):
                continue  # the first row's IDs stay: a typo in a later file must not win
            if not _is_empty(v):
                target["values"][k] = v
        for table, vals in plan.embedded.items():
            target["embedded"].setdefault(table, {}).update(vals)
        for part, vals in plan.source.items():
            target["plan"].source.setdefault(part, {}).update(vals)

    def _plan_children(
        self,
        rows: list[RowPlan],
        planned: dict[str, dict[str, Any]],
        existing: dict[str, dict[str, Any]],
    ) -> None:
        profile_ids = {e["current"]["id"] for e in planned.values() if e["current"]}
        child_rows = [r for r in rows if r.table != "profile" and r.action != "error"]
        for r in child_rows:
            r.personal_id = self.aliases.get(r.personal_id, r.personal_id)
        for r in child_rows:
            if r.personal_id not in planned and r.personal_id in existing:
                cur = existing[r.personal_id]
                if cur["unit_id"] in self.allowed_units:
                    profile_ids.add(cur["id"])
        tables = {r.table for r in child_rows} | {
            t for e in planned.values() for t in e["embedded"]
        }
        stored: dict[str, dict[int, list[dict[str, Any]]]] = {
            t: _load_children(CHILD_MODELS[t], profile_ids) for t in tables
        }
        # flat columns: compared like a row of the child sheet
        for entry in planned.values():
            plan: RowPlan = entry["plan"]
            pid_id = entry["current"]["id"] if entry["current"] else None
            child_changes = []
            for table, values in entry["embedded"].items():
                spec = SHEETS[table]
                values = _unit_ids(values)
                action, target, changes = _child_action(
                    spec, values, stored[table].get(pid_id, []) if pid_id else []
                )
                action, changes = guard_child_action(action, changes, values, warner(plan))
                entry["embedded"][table] = {**values, "_action": action, "_target": target}
                if action != "unchanged":
                    child_changes.append(spec.title)
            plan.embedded = entry["embedded"]
            if plan.action == "unchanged" and child_changes:
                plan.action = "update"
                plan.reason = "Đã có hồ sơ: thêm/cập nhật " + ", ".join(child_changes) + "."
        seen: dict[tuple, RowPlan] = {}
        for r in child_rows:
            spec = SHEETS[r.table]
            if r.personal_id in planned:
                owner = planned[r.personal_id]
                pid_id = owner["current"]["id"] if owner["current"] else None
            elif r.personal_id in existing:
                cur = existing[r.personal_id]
                if cur["unit_id"] not in self.allowed_units:
                    r.fail(
                        r.header(PID_FIELD, "Số định danh cá nhân"),
                        r.personal_id,
                        f"Hồ sơ {r.personal_id} thuộc cơ quan, đơn vị ngoài phạm vi được "
                        "phân quyền nhập.",
                    )
                    continue
                pid_id = cur["id"]
            else:
                r.fail(
                    r.header(PID_FIELD, "Số định danh cá nhân"),
                    r.personal_id,
                    f"Không có hồ sơ số định danh {r.personal_id} (trong tệp hoặc cơ sở dữ liệu).",
                )
                continue
            r.values = _unit_ids(r.values)
            r.values.pop(PID_FIELD, None)
            key = (r.table, r.personal_id, *(_json(r.values.get(f)) for f in spec.natural_key))
            if key in seen:
                first = seen[key]
                r.action = "skip"
                r.reason = f"Trùng dòng {first.row} trang {first.sheet} của {first.file}."
                continue
            seen[key] = r
            action, target, changes = _child_action(
                spec, r.values, stored[r.table].get(pid_id, []) if pid_id else []
            )
            action, changes = guard_child_action(action, changes, r.values, warner(r))
            r.action, r.target_id, r.changes = action, target, changes
            r.reason = {
                "create": f"Thêm {spec.title.lower()}.",
                "update": "Cập nhật " + ", ".join(_labels(changes, spec)),
                "unchanged": "Đã có, không đổi.",
            }[action]

    # -- run --------------------------------------------------------------------------------
    def plan(self) -> Plan:
        with gc_paused():
            return self._plan()

    def _plan(self) -> Plan:
        t0 = time.perf_counter()
        rows, reports = self.parse()
        t1 = time.perf_counter()
        self.validate(rows)
        t2 = time.perf_counter()
        reviews = self.match_and_plan(rows)
        t3 = time.perf_counter()
        by_file = {r.file: r for r in reports}
        for row in rows:
            report = by_file[row.file]
            if row.action == "error" and row.soft:  # a refused row: every problem it has
                row.errors.extend(row.soft)
                row.soft = []
            report.counts[row.action] += 1
            table = report.tables.setdefault(row.table, {})
            table[row.action] = table.get(row.action, 0) + 1
            report.errors.extend(row.errors)
        digest = hashlib.sha256(
            json.dumps(
                [self.unit.pk, [r.digest_key() for r in rows]],
                default=_digest_value,
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
        ).hexdigest()
        plan = Plan(rows, reports, self.unit, digest, reviews=reviews)
        plan.seconds = {"parse_clean": t1 - t0, "validate": t2 - t1, "match_plan": t3 - t2}
        return plan

    def commit(self, plan: Plan, expected_digest: str = "") -> Plan:
        with gc_paused():
            return self._commit(plan, expected_digest)

    def _commit(self, plan: Plan, expected_digest: str = "") -> Plan:
        if expected_digest and expected_digest != plan.digest:
            raise ImportError_(
                "Dữ liệu hoặc tệp đã thay đổi từ lúc xem trước: kế hoạch nhập không còn như đã "
                "xem. Hãy xem trước lại rồi xác nhận."
            )
        t0 = time.perf_counter()
        writer = Writer(self, plan)
        if self.options.all_or_nothing:
            if any(r.action == "error" for r in plan.rows) or any(f.errors for f in plan.files):
                plan.seconds["commit"] = 0.0
                return plan  # nothing written: the report lists the errors
            try:
                with transaction.atomic():
                    writer.write_all(atomic_chunks=False)
            except DatabaseError as exc:
                raise ImportError_(
                    "Không ghi được; cơ sở dữ liệu giữ nguyên như trước khi nhập: "
                    + str(exc).splitlines()[0]
                ) from None
        else:
            writer.write_all(atomic_chunks=True)
        plan.committed = True
        plan.seconds["commit"] = time.perf_counter() - t0
        if self.options.validate_after and writer.touched:
            t1 = time.perf_counter()
            _refresh_findings(sorted(writer.touched))
            plan.seconds["findings"] = time.perf_counter() - t1
        return plan


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic garbage collection during a stage of a large import.

    A 100,000-row plan holds millions of objects, and every full collection walks all of
    them: in a 20,000-row bench_import run, 28 full collections took 25 s of the process's
    time. What the pipeline builds is acyclic and lives until the stage ends; the few cycles
    (query and exception objects) are collected when collection resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chain(*iterables: Iterable[Any]) -> Iterable[Any]:
    for it in iterables:
        yield from it


def _header_of(match, field_name: str) -> str:
    for c, f in match.columns.items():
        if f == field_name:
            return match.headers[c]
    return ""


def _labels(changes: dict[str, Any], spec: SheetSpec = PROFILE) -> list[str]:
    by_field = spec.by_field
    out = []
    for k in changes:
        col = by_field.get(k) or by_field.get(k.removesuffix("_id"))
        out.append(col.header if col else k)
    return out


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
        plan.fail(UNIT_HEADER, state.text, f"{UNIT_HEADER}: {state.message}")


def _unit_ids(values: dict[str, Any]) -> dict[str, Any]:
    if isinstance(values.get("unit"), Unit):
        values = dict(values)
        values["unit_id"] = values.pop("unit").pk
    return values


def _where_in(qs: models.QuerySet, name: str, values: Sequence[Any]) -> models.QuerySet:
    """``qs`` filtered on ``name`` IN ``values``: on PostgreSQL one array parameter
    (``= ANY(%s)``) instead of one placeholder per value, which Django and psycopg process
    one by one (a third of the re-import's loading time at 5,000 values per query)."""
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{name}__in": values})
    f = qs.model._meta.get_field(name)
    qn = connection.ops.quote_name
    column = f"{qn(qs.model._meta.db_table)}.{qn(f.column)}"
    prepared = [f.get_db_prep_value(v, connection, prepared=False) for v in values]
    return qs.extra(where=[f"{column} = ANY(%s)"], params=[prepared])


#: the ID's cross-checks against the sex and birth date: warnings at import, findings after
_PID_CROSS_CHECKS = frozenset({"PID_SEX", "PID_YEAR", "PID_CENTURY"})

#: the profile columns the matcher and the plan read whatever the files carry
_PROFILE_KEYS = frozenset({"id", "unit_id", *MATCH_FIELDS})


def _load_profiles(
    pids: set[str], fields: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Profiles by personal ID: every concrete column, or only ``fields`` (plus the keys)."""
    wanted = None if fields is None else set(fields) | _PROFILE_KEYS
    names = [
        f.attname
        for f in Profile._meta.concrete_fields
        if wanted is None or f.attname in wanted or f.name in wanted
    ]
    out: dict[str, dict[str, Any]] = {}
    ordered = sorted(pids)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        for row in _where_in(Profile.objects.all(), "personal_id", batch).values(*names):
            out[row["personal_id"]] = row
    return out


def _load_by_old_id(old_ids: set[str]) -> dict[str, dict[str, Any]]:
    if not old_ids:
        return {}
    names = [f.attname for f in Profile._meta.concrete_fields]
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in Profile.objects.filter(old_id_number__in=old_ids).values(*names):
        found[row["old_id_number"]].append(row)
    return {k: v[0] for k, v in found.items() if len(v) == 1}


def _load_children(model, profile_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ids = sorted(profile_ids)
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = ids[start : start + LOOKUP_BATCH]
        for row in _where_in(model.objects.all(), "profile_id", batch).values().order_by("pk"):
            out[row["profile_id"]].append(row)
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if value is None:
        return ""
    return value


def _child_action(
    spec: SheetSpec, values: dict[str, Any], stored: list[dict[str, Any]]
) -> tuple[str, int | None, dict[str, tuple[Any, Any]]]:
    key = tuple(_norm(values.get(f, _default(spec, f))) for f in spec.natural_key)
    for row in stored:
        if tuple(_norm(row.get(f)) for f in spec.natural_key) == key:
            changes = {
                k: (row.get(k), v)
                for k, v in values.items()
                if k in row and not _is_empty(v) and _norm(row.get(k)) != _norm(v)
            }
            return ("update" if changes else "unchanged"), row["id"], changes
    # a key field empty on one side (a family member stored without a birth year): the one
    # stored row that agrees on the other key fields is the same row
    loose = [
        row
        for row in stored
        if all(
            _is_empty(k) or _is_empty(_norm(row.get(f))) or _norm(row.get(f)) == k
            for f, k in zip(spec.natural_key, key, strict=True)
        )
    ]
    if len(loose) == 1 and len(spec.natural_key) > 1:
        row = loose[0]
        changes = {
            k: (row.get(k), v)
            for k, v in values.items()
            if k in row and not _is_empty(v) and _norm(row.get(k)) != _norm(v)
        }
        return ("update" if changes else "unchanged"), row["id"], changes
    return "create", None, {}


def _default(spec: SheetSpec, name: str) -> Any:
    model = CHILD_MODELS[spec.key]
    try:
        f = model._meta.get_field(name)
    except Exception:
        return None
    return f.get_default() if f.has_default() else None


# -- writing ------------------------------------------------------------------------------------
def _reason(plan: RowPlan) -> str:
    return f"Nhập từ tệp {plan.file}, dòng {plan.row}"[:100]


class Writer:
    """Applies a plan: bulk writes with history, chunk by chunk."""

    def __init__(self, pipeline: Pipeline, plan: Plan):
        self.p = pipeline
        self.plan = plan
        self.actor = pipeline.actor
        self.touched: set[int] = set()  # profiles written: their findings are recomputed
        self.refresh: set[int] = set()  # profiles whose work/salary rows changed
        self.now = timezone.now()

    def write_all(self, atomic_chunks: bool) -> None:
        rows = [r for r in self.plan.rows if r.action in ("create", "update", "merge")]
        people = [r for r in rows if r.table == "profile" and r.action != "merge"]
        children = [r for r in rows if r.table != "profile"]
        total = len(people) + len(children)
        done = 0
        for start in range(0, len(people), CHUNK):
            chunk = people[start : start + CHUNK]
            self._written("profile", chunk, self._write_people, atomic_chunks)
            done += len(chunk)
            self._progress(done, total)
        for row in [r for r in rows if r.table == "profile" and r.action == "merge"]:
            if row.target_id:  # the same person as a profile in the database
                self._written("profile", [row], self._merge_into_profile, atomic_chunks)
        pid_to_id = _load_ids({r.personal_id for r in children})
        for start in range(0, len(children), CHUNK * 5):
            chunk = children[start : start + CHUNK * 5]
            self._written(
                "children", chunk, lambda c: self._write_children(c, pid_to_id), atomic_chunks
            )
            done += len(chunk)
            self._progress(done, total)
        self._refresh_current(sorted(self.refresh), atomic_chunks)
        self._propose_reviews()

    def _merge_into_profile(self, chunk: list[RowPlan]) -> None:
        from ..merging import FIELD_GROUPS, merge_row_into_profile

        allowed = {n for names in FIELD_GROUPS.values() for n in names}
        for row in chunk:
            profile = Profile.objects.get(pk=row.target_id)
            values = {k: v for k, v in row.values.items() if k in allowed and not _is_empty(v)}
            children = {
                table: [{k: v for k, v in vals.items() if not k.startswith("_")}]
                for table, vals in row.embedded.items()
            }
            _save_source_data([(row, profile.pk)] if row.source else [])
            merge_row_into_profile(
                profile,
                values,
                children=children,
                actor=self.actor,
                reason=_reason(row),
                source=row.file,
                source_date=self.p.options.as_of,
                import_job_id=self.p.options.job_id,
            )
            self.touched.add(profile.pk)

    def _propose_reviews(self) -> None:
        from ..merging import propose_candidate

        fields = {f.attname for f in Profile._meta.concrete_fields}
        for review in self.plan.reviews:
            if review.row.action != "review":
                continue
            if review.profile_id is not None:
                profile = Profile.objects.filter(pk=review.profile_id).first()
            elif review.partner is not None and review.partner.personal_id:
                profile = Profile.objects.filter(personal_id=review.partner.personal_id).first()
            else:
                profile = None
            if profile is None:
                continue
            incoming = {
                k: _json(v)
                for k, v in _unit_ids(review.row.values).items()
                if k in fields and not _is_empty(v)
            }
            propose_candidate(
                profile,
                review.result,
                incoming=incoming,
                source=review.row.file,
                import_job_id=self.p.options.job_id,
            )

    def _progress(self, done: int, total: int) -> None:
        if self.p.progress:
            self.p.progress(done, total)

    def _written(self, table: str, chunk: list[RowPlan], fn, atomic_chunks: bool) -> None:
        """A chunk and its progress record in one transaction (a savepoint around the chunk
        keeps the row-by-row retry of :meth:`_guarded`)."""
        on_chunk = self.p.options.on_chunk
        if on_chunk is None:
            self._guarded(chunk, fn, atomic_chunks)
            return
        with transaction.atomic() if atomic_chunks else _nullcontext():
            self._guarded(chunk, fn, atomic_chunks)
            on_chunk(table, [r for r in chunk if r.action != "error"])

    def _guarded(self, chunk: list[RowPlan], fn, atomic_chunks: bool) -> None:
        if not atomic_chunks:
            fn(chunk)
            return
        try:
            with transaction.atomic():
                fn(chunk)
        except DatabaseError:
            # one bad row spoils the batch: retry row by row, each in its own savepoint
            for row in chunk:
                try:
                    with transaction.atomic():
                        fn([row])
                except DatabaseError as exc:
                    report = next(f for f in self.plan.files if f.file == row.file)
                    report.counts[row.action] -= 1
                    row.fail("", "", f"Không ghi được dòng này: {str(exc).splitlines()[0]}")
                    report.counts["error"] += 1
                    report.errors.extend(row.errors[-1:])

    # -- people ---------------------------------------------------------------------------
    def _place(self, text: str) -> tuple[str, str, bool]:
        return self.p.places.resolve(text)

    def _apply_places(self, profile: Any, fields: Iterable[str]) -> list[str]:
        changed = []
        for prefix in ("birthplace", "hometown"):
            if f"{prefix}_text" not in fields:
                continue
            text = getattr(profile, f"{prefix}_text")
            prov, comm, review = self._place(text) if text else ("", "", False)
            for name, value in (
                (f"{prefix}_province_code", prov),
                (f"{prefix}_commune_code", comm),
                (f"{prefix}_needs_review", review),
            ):
                if getattr(profile, name) != value:
                    setattr(profile, name, value)
                    changed.append(name)
        return changed

    def _write_people(self, chunk: list[RowPlan]) -> None:
        from ..models.profile import normalise_profile_text

        creates: list[Any] = []  # bulkio.Draft rows
        updates: list[Profile] = []
        create_reasons: list[str] = []
        update_reasons: list[str] = []
        update_fields: set[str] = set()
        embedded: list[tuple[RowPlan, Any]] = []
        existing_ids = [r.target_id for r in chunk if r.target_id]
        current = Profile.objects.in_bulk(existing_ids)
        profile_fields = {f.attname for f in Profile._meta.concrete_fields}
        for row in chunk:
            values = {k: v for k, v in row.values.items() if k in profile_fields}
            if row.action == "create":
                values.setdefault("unit_id", self.p.unit.pk)
                pid = values.get(PID_FIELD, "")
                values.setdefault("birth_registration_province", pid[:3])
                profile = bulkio.draft(Profile, created_by_id=self.actor.pk, **values)
                normalise_profile_text(profile)  # a Draft: attributes only
                self._apply_places(profile, ("birthplace_text", "hometown_text"))
                profile.created_at = profile.updated_at = self.now
                _current_from_embedded(profile, row)
                creates.append(profile)
                create_reasons.append(_reason(row))
                embedded.append((row, profile))
            else:
                profile = current.get(row.target_id)
                if profile is None:
                    raise DatabaseError("hồ sơ đã bị xóa trong lúc nhập")
                changed = []
                for k, v in values.items():
                    if _is_empty(v) or getattr(profile, k) == v:
                        continue
                    setattr(profile, k, v)
                    changed.append(k)
                if changed:
                    normalise_profile_text(profile)
                    changed += self._apply_places(profile, changed)
                    changed += ["folded_name", "updated_at"]
                    profile.updated_at = self.now
                    update_fields.update(changed)
                    updates.append(profile)
                    update_reasons.append(_reason(row))
                embedded.append((row, profile))
        actions.do_bulk_create_rows(
            Profile, creates, acting_user=self.actor, reason=create_reasons, when=self.now
        )
        if updates:
            actions.do_bulk_update_profiles(
                updates, update_fields, acting_user=self.actor, reason=update_reasons, when=self.now
            )
            # the workflow rule for edited profiles (the findings follow: _refresh_findings)
            actions.reopen_edited([p.pk for p in updates], unless_unchanged=False)
        self.touched.update(p.pk for p in creates)
        self.touched.update(p.pk for p in updates)
        # the flat columns' child rows
        by_model: dict[type, _Batch] = {}
        for row, profile in embedded:
            for table, vals in row.embedded.items():
                action = vals.get("_action")
                if action not in ("create", "update"):
                    continue
                model = CHILD_MODELS[table]
                data = {k: v for k, v in vals.items() if not k.startswith("_")}
                batch = by_model.setdefault(model, _Batch())
                if action == "create":
                    batch.create(bulkio.draft(model, profile_id=profile.pk, **data), row)
                else:
                    obj = model(pk=vals["_target"], profile_id=profile.pk, **data)
                    batch.update(obj, row, data)
                self.touched.add(profile.pk)
        for model, batch in by_model.items():
            self._save_children(model, batch)
        self.refresh.difference_update(p.pk for p in creates)  # computed before the insert
        _save_source_data([(row, profile.pk) for row, profile in embedded if row.source])

    def _save_children(self, model, batch: _Batch) -> None:
        creates, updates, fields = batch.creates, batch.updates, batch.fields
        for obj in creates + updates:
            for name in model.clean_fields_:
                setattr(obj, name, clean(getattr(obj, name)))
            for name in model.name_fields_:
                setattr(obj, name, title_case(getattr(obj, name) or ""))
        if model in (WorkHistory, SalaryHistory):
            self.refresh.update(o.profile_id for o in creates + updates)
        actions.do_bulk_create_rows(
            model, creates, acting_user=self.actor, reason=batch.create_reasons, when=self.now
        )
        if updates:
            # only the imported fields change: re-read the others for the history rows
            stored = model.objects.in_bulk([o.pk for o in updates])
            full = []
            for obj in updates:
                cur = stored[obj.pk]
                for name in fields:
                    setattr(cur, name, getattr(obj, name))
                full.append(cur)
            actions.do_bulk_update_rows(
                model,
                full,
                fields,
                acting_user=self.actor,
                reason=batch.update_reasons,
                when=self.now,
            )

    def _write_children(self, chunk: list[RowPlan], pid_to_id: dict[str, int]) -> None:
        by_model: dict[type, _Batch] = {}
        for row in chunk:
            profile_id = pid_to_id.get(row.personal_id)
            if profile_id is None:
                raise DatabaseError(f"không có hồ sơ {row.personal_id}")
            model = CHILD_MODELS[row.table]
            batch = by_model.setdefault(model, _Batch())
            if row.action == "create":
                batch.create(bulkio.draft(model, profile_id=profile_id, **row.values), row)
            else:
                data = {k: v for k, v in row.values.items() if k in row.changes}
                batch.update(model(pk=row.target_id, profile_id=profile_id, **data), row, data)
            self.touched.add(profile_id)
        for model, batch in by_model.items():
            self._save_children(model, batch)

    def _refresh_current(self, ids: list[int], atomic_chunks: bool) -> None:
        """The derived current unit, position, grade and salary from the histories."""
        for start in range(0, len(ids), LOOKUP_BATCH):
            chunk = ids[start : start + LOOKUP_BATCH]
            work: dict[int, list] = defaultdict(list)
            salary: dict[int, list] = defaultdict(list)
            for w in WorkHistory.objects.filter(profile_id__in=chunk):
                work[w.profile_id].append(w)
            for s in SalaryHistory.objects.filter(profile_id__in=chunk):
                salary[s.profile_id].append(s)
            changed: list[Profile] = []
            fields: set[str] = set()
            for profile in Profile.objects.filter(pk__in=chunk):
                names = apply_current(
                    profile,
                    current_from_histories(
                        work[profile.pk], salary[profile.pk], default_unit_id=profile.unit_id
                    ),
                )
                if names:
                    changed.append(profile)
                    fields.update(names)
            actions.do_bulk_update_profiles(
                changed,
                fields,
                acting_user=self.actor,
                reason="Nhập từ tệp: cập nhật vị trí, lương hiện tại",
                when=self.now,
            )


@dataclass
class _Batch:
    """New and changed rows of one child table in a chunk, each with its history reason."""

    creates: list[Any] = field(default_factory=list)
    create_reasons: list[str] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    update_reasons: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)

    def create(self, obj: Any, row: RowPlan) -> None:
        self.creates.append(obj)
        self.create_reasons.append(_reason(row))

    def update(self, obj: Any, row: RowPlan, data: dict[str, Any]) -> None:
        self.updates.append(obj)
        self.update_reasons.append(_reason(row))
        self.fields.update(data)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _save_source_data(rows: list[tuple[RowPlan, int]]) -> None:
    """The values no field takes, kept as written (one query for a chunk of people)."""
    if not rows:
        return
    from .models import ImportedSourceData

    ImportedSourceData.objects.bulk_create(
        [
            ImportedSourceData(
                profile_id=pk,
                file=row.file[:255],
                sheet=row.sheet[:100],
                row=row.row,
                data=row.source,
            )
            for row, pk in rows
        ],
        update_conflicts=True,
        unique_fields=["profile"],
        update_fields=["file", "sheet", "row", "data", "updated_at"],
    )


def _load_ids(pids: set[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    ordered = sorted(pids)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        out.update(
            _where_in(Profile.objects.all(), "personal_id", batch)
            .values_list("personal_id", "pk")
            .iterator()
        )
    return out


def _current_from_embedded(profile: Any, row: RowPlan) -> None:
    """A new person's current unit, position and salary from the row's flat columns."""
    from ..synthetic import Row

    work = row.embedded.get("work_history")
    pay = row.embedded.get("salary_history")
    apply_current(
        profile,
        current_from_histories(
            [Row(WorkHistory, **_fields(work))] if work else [],
            [Row(SalaryHistory, **_fields(pay))] if pay else [],
            default_unit_id=profile.unit_id,
        ),
    )


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}


def _refresh_findings(ids: list[int]) -> None:
    """Findings of the touched profiles: now for small imports, else in the background."""
    from ..validation import validate_profiles

    if len(ids) <= 5000:
        validate_profiles(Profile.objects.filter(pk__in=ids))
        return
    from django_q.tasks import async_task

    async_task(
        "profiles.importing.jobs.validate_ids_task",
        ids,
        task_name=f"Kiểm tra {len(ids)} hồ sơ vừa nhập",
    )


def elapsed(since: float) -> timedelta:
    return timedelta(seconds=time.perf_counter() - since)
