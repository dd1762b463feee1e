"""The import wizard's mapping step and its preview, without JSON.

* :func:`unknowns` reads a job's report: every column nobody knows (per table, with the files
  and sheets that carry it) and every coded value no code list knows, grouped by distinct value
  with its number of rows ("Chuyên viên — 142 dòng"), each with its choices, the best guesses
  first (rapidfuzz similarity to the column catalogue or to the code list);
* :func:`save_choices` writes the officer's choices into an
  :class:`~transfer.models.ImportMapping` of the user's scope (a new one or the
  chosen one; simple-history keeps who changed what) and computes the preview again with it;
* :func:`preview_page` filters a job's rows (read a page at a time from their table,
  :mod:`.results`): new, updated, unchanged, held = refused or sent to review, refused, sent to
  review, with a warning; it pages them on the server; each row shows the value as written
  beside the value that will be stored (a date, a code and its name, a padded ID) and every
  problem of the row.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils.translation import gettext as _

from cbccvc.history import attribute
from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.text import fold
from profiles import codelists

from . import results
from .columns import SHEETS
from .header_words import header_keys
from .models import ImportJob, ImportMapping
from .report import ACTION_LABELS, ImportError_
from .rows import HOLDING_KEYS, ROW_NUMBER_KEYS

#: column choices besides a field
KEEP = "__keep__"  # keep the values as the source's extra data (the default for people)
SKIP = "__skip__"  # ignore the column
#: value choice: no mapping, the value is kept as written (with a finding)
AS_WRITTEN = ""

SUGGESTIONS = 3
#: distinct unknown values offered at once (the most frequent)
MAX_VALUES = 150
#: cells of an unrecognised sheet's first row offered for mapping
UNRECOGNISED_COLUMNS = 60
PER_PAGE = 100

#: filter key → (label, test on a report row)
FILTERS: dict[str, str] = {
    "all": "Tất cả",
    "create": "Tạo mới",
    "update": "Cập nhật",
    "unchanged": "Không đổi",
    "held": "Giữ lại (lỗi hoặc chờ xem xét)",
    "error": "Lỗi (vào dòng chờ xử lý)",
    "review": "Chờ xem xét",
    "warning": "Có cảnh báo",
}


def _filter_label(key: str) -> str:
    return _(FILTERS[key])


def _matches(row: Mapping[str, Any], key: str) -> bool:
    action = row.get("action")
    if key == "all":
        return True
    if key == "update":
        return action in ("update", "merge")
    if key == "held":  # as the report counts people held: refused or sent to review
        return action in ("error", "review")
    if key == "warning":
        return bool(row.get("warnings"))
    return action == key


# -- what the wizard asks ---------------------------------------------------------------------
@dataclass
class Choice:
    value: str
    label: str
    suggested: bool = False


@dataclass
class ColumnItem:
    table: str
    header: str
    where: list[str] = field(default_factory=list)  # "file › sheet"
    current: str = KEEP
    suggestions: list[Choice] = field(default_factory=list)
    others: list[Choice] = field(default_factory=list)

    @property
    def key(self) -> str:
        return json.dumps([self.table, self.header], ensure_ascii=False)

    @property
    def table_title(self) -> str:
        spec = SHEETS.get(self.table)
        return spec.title if spec else self.table


@dataclass
class ValueItem:
    kind: str
    value: str
    count: int | None  # None: a mapping saved before, not met in this job's files
    columns: list[str] = field(default_factory=list)
    current: str = AS_WRITTEN
    suggestions: list[Choice] = field(default_factory=list)
    others: list[Choice] = field(default_factory=list)

    @property
    def key(self) -> str:
        return json.dumps([self.kind, self.value], ensure_ascii=False)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def where(self) -> list[str]:
        """The file's column headers, when they do not just repeat the code list's name."""
        return [c for c in self.columns if fold(c) != fold(self.kind_label)]


KIND_LABELS = {
    "sex": "Giới tính",
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "grade": "Ngạch",
    "education-level": "Trình độ giáo dục phổ thông / chuyên môn",
    "title": "Chức danh",
    "position": "Chức vụ",
    "salary-scale": "Bảng lương",
    "political-theory": "Lý luận chính trị",
    "state-management": "Quản lý nhà nước",
    "relationship": "Quan hệ",
}


def _score(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    if not a or not b:
        return 0.0
    return max(fuzz.WRatio(a, b), fuzz.token_set_ratio(a, b))


def field_choices(table: str, header: str, exclude: Iterable[str] = ()) -> list[Choice]:
    """The fields of ``table``, the most similar to ``header`` first (a score per field: its
    best header or synonym)."""
    spec = SHEETS[table]
    key = header_keys(header)[1]
    words = fold(header)
    excluded = set(exclude)
    scored: list[tuple[float, int, Choice]] = []
    for n, col in enumerate(spec.columns):
        if col.field in excluded:
            continue
        best = 0.0
        for text in (col.header, *col.synonyms):
            best = max(best, _score(key, header_keys(text)[1]), _score(words, fold(text)))
        scored.append((best, n, Choice(col.field, f"{col.header} ({col.field})")))
    scored.sort(key=lambda t: (-t[0], t[1]))
    out = [c for _, _, c in scored]
    for c, (score, _n, _c) in zip(out, scored, strict=True):
        c.suggested = score >= 50
    return out


def code_choices(kind: str, value: str) -> list[Choice]:
    """The codes of list ``kind``, the names most similar to ``value`` first."""
    folded = fold(value)
    scored: list[tuple[float, int, Choice]] = []
    for n, (code, item) in enumerate(codelists.items(kind).items()):
        score = max(_score(folded, fold(item.name)), 100.0 if fold(code) == folded else 0.0)
        scored.append((score, n, Choice(code, f"{item.name} [{code}]")))
    scored.sort(key=lambda t: (-t[0], t[1]))
    out = [c for _, _, c in scored]
    for c, (score, _n, _c) in zip(out, scored, strict=True):
        c.suggested = score >= 50
    return out


def _split(choices: list[Choice]) -> tuple[list[Choice], list[Choice]]:
    best = [c for c in choices[:SUGGESTIONS] if c.suggested]
    return best, [c for c in choices if c not in best]


def unknowns(
    report: Mapping[str, Any], mapping: ImportMapping | None = None
) -> tuple[list[ColumnItem], list[ValueItem]]:
    """The unknown columns and the unknown coded values of a report, and what ``mapping``
    already says about columns and values (so that a choice can be changed)."""
    columns: dict[tuple[str, str], ColumnItem] = {}
    taken: dict[str, set[str]] = {}
    values: dict[tuple[str, str], ValueItem] = {}
    for f in report.get("files", []):
        for s in f.get("sheets", []):
            table = s.get("table")
            if not table:  # a sheet not recognised: its first row is likely its header; a
                # people sheet is the likely table (a required column named otherwise)
                for header in s.get("first_row", [])[:UNRECOGNISED_COLUMNS]:
                    if not header.strip() or header_keys(header)[1].isdigit():
                        continue
                    item = columns.setdefault(("profile", header), ColumnItem("profile", header))
                    item.where.append(
                        f"{f['file']} › {s['sheet']} ({_('trang chưa nhận ra bảng')})"
                    )
                continue
            if table not in SHEETS:
                continue
            taken.setdefault(table, set()).update(s.get("columns", {}).values())
            for header in s.get("unknown_columns", []):
                if header_keys(header)[1] in ROW_NUMBER_KEYS | HOLDING_KEYS:
                    continue  # "STT", the holding area's own columns: nothing to map
                item = columns.setdefault((table, header), ColumnItem(table, header))
                item.where.append(f"{f['file']} › {s['sheet']}")
        for u in f.get("unknown_values", []):
            for v in u["values"]:
                item2 = values.setdefault(
                    (u["kind"], v["value"]), ValueItem(u["kind"], v["value"], 0)
                )
                item2.count = (item2.count or 0) + v["count"]
                if u["column"] not in item2.columns:
                    item2.columns.append(u["column"])
    if mapping is not None:
        for table, headers in (mapping.column_overrides or {}).items():
            if table not in SHEETS:
                continue
            for header, target in headers.items():
                item = columns.setdefault((table, header), ColumnItem(table, header))
                item.current = target
        for table, headers in (mapping.skipped_columns or {}).items():
            if table not in SHEETS:
                continue
            for header in headers:
                columns.setdefault((table, header), ColumnItem(table, header)).current = SKIP
        for kind, pairs in (mapping.value_mappings or {}).items():
            for original, code in pairs.items():
                item2 = values.setdefault((kind, original), ValueItem(kind, original, None))
                item2.current = code
    for item in columns.values():
        exclude = taken.get(item.table, set()) - {item.current}
        item.suggestions, item.others = _split(field_choices(item.table, item.header, exclude))
    for item2 in values.values():
        item2.suggestions, item2.others = _split(code_choices(item2.kind, item2.value))
    return (
        sorted(columns.values(), key=lambda c: (c.table != "profile", c.table, c.header)),
        sorted(values.values(), key=lambda v: (v.kind, -(v.count or 0), v.value)),
    )


# -- saving the choices -----------------------------------------------------------------------
def mappings_for(user: Any):
    """The mappings the user may pick and change: those of units in their editing scope."""
    return scope_for(user).filter(ImportMapping.objects.all(), "unit", EDIT_PROFILE_ROLES)


def default_name(job: ImportJob) -> str:
    names = [f.get("name", "") for f in job.files]
    base = names[0].rsplit(".", 1)[0] if names else f"#{job.pk}"
    return _("Cấu hình nhập từ %(file)s") % {"file": base}


def save_choices(
    user: Any,
    job: ImportJob,
    *,
    mapping: ImportMapping | None = None,
    name: str = "",
    source_software: str = "",
    columns: Mapping[tuple[str, str], str] | None = None,
    values: Mapping[tuple[str, str], str] | None = None,
) -> ImportMapping:
    """Write the choices into ``mapping`` (or a new mapping of the job's unit named ``name``),
    attributed to ``user`` in its history. Raises :class:`ImportError_` naming the bad choice."""
    scope = scope_for(user)
    if not scope.covers(job.unit, EDIT_PROFILE_ROLES):
        raise ImportError_(_("Lượt nhập nằm ngoài phạm vi của bạn."))
    if mapping is not None and not mappings_for(user).filter(pk=mapping.pk).exists():
        raise ImportError_(_("Cấu hình nhập nằm ngoài phạm vi của bạn."))
    with transaction.atomic():
        if mapping is None:
            name = (name or default_name(job)).strip()[:100]
            mapping = (
                mappings_for(user).filter(unit=job.unit, name=name).select_for_update().first()
            )
            if mapping is None:
                if ImportMapping.objects.filter(unit=job.unit, name=name).exists():
                    raise ImportError_(
                        _("Đã có cấu hình nhập “%(name)s” của đơn vị này.") % {"name": name}
                    )
                mapping = ImportMapping(name=name, unit=job.unit)
        else:
            mapping = ImportMapping.objects.select_for_update().get(pk=mapping.pk)
        if source_software:
            mapping.source_software = source_software[:200]
        overrides = {t: dict(h) for t, h in (mapping.column_overrides or {}).items()}
        skipped = {t: list(h) for t, h in (mapping.skipped_columns or {}).items()}
        for (table, header), target in (columns or {}).items():
            spec = SHEETS.get(table)
            if spec is None:
                raise ImportError_(_("Bảng “%(table)s” không có.") % {"table": table})
            if target not in (KEEP, SKIP) and target not in spec.by_field:
                raise ImportError_(
                    _("Cột “%(header)s”: trường “%(field)s” không có trong bảng %(table)s.")
                    % {"header": header, "field": target, "table": spec.title}
                )
            overrides.setdefault(table, {}).pop(header, None)
            if header in skipped.get(table, []):
                skipped[table].remove(header)
            if target == SKIP:
                skipped.setdefault(table, []).append(header)
            elif target != KEEP:
                overrides[table][header] = target
        pairs = {k: dict(v) for k, v in (mapping.value_mappings or {}).items()}
        for (kind, original), code in (values or {}).items():
            if code and code not in codelists.items(kind):
                raise ImportError_(
                    _("Giá trị “%(value)s”: mã “%(code)s” không có trong danh mục %(kind)s.")
                    % {"value": original, "code": code, "kind": KIND_LABELS.get(kind, kind)}
                )
            pairs.setdefault(kind, {}).pop(original, None)
            if code:
                pairs[kind][original] = code
        mapping.column_overrides = {t: h for t, h in overrides.items() if h}
        mapping.skipped_columns = {t: h for t, h in skipped.items() if h}
        mapping.value_mappings = {k: v for k, v in pairs.items() if v}
        reason = _("Chọn trong trình nhập, lượt nhập #%(job)s") % {"job": job.pk}
        attribute(mapping, acting_user=user, reason=reason)
        mapping.save()
    return mapping


def parse_choices(
    post: Mapping[str, Any],
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """The choices of the wizard's form: ``col-key-N``/``col-N`` and ``val-key-N``/``val-N``."""
    columns: dict[tuple[str, str], str] = {}
    values: dict[tuple[str, str], str] = {}
    for name, raw in post.items():
        for prefix, out in (("col-key-", columns), ("val-key-", values)):
            if not name.startswith(prefix):
                continue
            try:
                a, b = json.loads(raw)
            except (TypeError, ValueError, RecursionError):  # RecursionError: nested too deep
                raise ImportError_(_("Dữ liệu biểu mẫu không hợp lệ.")) from None
            choice = post.get(name.replace("-key-", "-", 1))
            if choice is not None:
                out[(str(a), str(b))] = str(choice)
    return columns, values


# -- the preview ------------------------------------------------------------------------------
def _stored_text(table: str, name: str, value: Any) -> str:
    spec = SHEETS.get(table)
    col = spec.by_field.get(name) if spec else None
    if col is not None and col.kind == "code" and col.code_list and value:
        label = codelists.name_of(col.code_list, str(value))
        return f"{label} [{value}]" if label != str(value) else str(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    return str(value)


def _same_to_the_eye(shown: str, text: str) -> bool:
    if shown.endswith("]") and " [" in shown:  # a code's name: the same name is no news
        shown = shown.rsplit(" [", 1)[0]
    return fold(" ".join(shown.split())) == fold(" ".join(text.split())) and (
        unicodedata.normalize("NFC", shown).casefold()
        == unicodedata.normalize("NFC", " ".join(text.split())).casefold()
    )


def _decorate(row: Mapping[str, Any]) -> dict[str, Any]:
    stored = row.get("stored") or {}
    cells = []
    for header, text in (row.get("original") or {}).items():
        pair = stored.get(header)
        shown = _stored_text(row["table"], pair[0], pair[1]) if pair else None
        if shown is not None and _same_to_the_eye(shown, text):
            shown = None  # NFD → NFC, spacing, "Nam" → "Nam [1]": nothing a person would see
        cells.append({"header": header, "original": text, "stored": shown})
    problems = [e.get("message", "") for e in row.get("errors", [])]
    spec = SHEETS.get(row["table"])
    updates = []
    for name, pair in (row.get("changes") or {}).items():
        if not isinstance(pair, list) or len(pair) != 2:
            continue
        col = spec.by_field.get(name) if spec else None
        old, new = (
            _stored_text(row["table"], name, v) if v not in (None, "") else "—" for v in pair
        )
        updates.append({"label": col.header if col else name, "old": old, "new": new})
    return {
        **row,
        "action_label": ACTION_LABELS.get(row["action"], row["action"]),
        "cells": cells,
        "problems": problems,
        "updates": updates,
    }


def filter_counts(source: ImportJob | Iterable[Mapping[str, Any]]) -> list[tuple[str, str, int]]:
    """(key, label, number of rows) of each filter: of a job (counted in its rows' table, or
    in its report for a job of before the table) or of a list of report rows."""
    if isinstance(source, ImportJob):
        if results.has_table(source.report):
            found = results.counts(source, list(FILTERS))
            return [(k, _filter_label(k), found[k]) for k in FILTERS]
        rows = list((source.report or {}).get("rows", []))
    else:
        rows = list(source)
    return [(k, _filter_label(k), sum(1 for r in rows if _matches(r, k))) for k in FILTERS]


def preview_page(
    source: ImportJob | Mapping[str, Any],
    filter_key: str = "all",
    page: Any = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """One page of a job's (or a report's) rows under ``filter_key``: the refused rows first,
    then in the files' order. Each row carries ``cells`` (header, original, stored) and
    ``problems``. A job's rows are read from their table, one page at a time; a job of before
    the table keeps them in its report, read whole as before."""
    if filter_key not in FILTERS:
        filter_key = "all"
    if isinstance(source, ImportJob) and results.has_table(source.report):
        found = Paginator(results.filtered(source, filter_key), per_page).get_page(page)
        found.object_list = [_decorate(r.as_report_row()) for r in found.object_list]  # type: ignore[misc]
        return found
    report = (source.report or {}) if isinstance(source, ImportJob) else source
    rows = [r for r in report.get("rows", []) if _matches(r, filter_key)]
    rows.sort(key=results.preview_order)
    paged = Paginator(rows, per_page).get_page(page)
    paged.object_list = [_decorate(r) for r in paged.object_list]
    return paged
