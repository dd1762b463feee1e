"""A person listed again under a section row whose unit cannot be resolved.

Lists by function put one person under several section rows: the director under "I. LÃNH
ĐẠO" and again under "II. ĐẢNG ỦY". A section row that looks like a unit but names no unit of
the scope holds the rows below it (:mod:`.sections`); when such a row's *only* problem is that
unit and the same person (same personal ID, same name, same birth date) arrives from another
row of the same file whose unit is known, the row is a repeat of that row: it is skipped with
a warning naming file, sheet and both rows, not held, and nothing is written twice.

A repeat that carries something the other row does not (another phone, another post) is not
dropped silently: the differing fields are named in a warning on both rows and the repeat's
values are kept with the person's source data (under "<header> (dòng N)").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from .cleaning import as_text, is_empty
from .columns import PID_FIELD, PROFILE, SHEETS
from .report import RowPlan, UnresolvedUnit

#: fields that say where the person is or who they are (compared apart or not at all)
_NOT_COMPARED = frozenset({"unit", "unit_id", PID_FIELD, "full_name", "date_of_birth"})


def _name_key(name: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", as_text(name)).casefold().split())


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return a == b


def _only_unit_unresolved(plan: RowPlan) -> bool:
    return (
        plan.table == "profile"
        and plan.action == "error"
        and bool(plan.errors)
        and all(isinstance(e, UnresolvedUnit) for e in plan.errors)
    )


def _label(plan: RowPlan, table: str, name: str) -> str:
    if table == "profile" and name in plan.headers:
        return plan.headers[name]
    spec = PROFILE if table == "profile" else SHEETS.get(table, PROFILE)
    col = spec.by_field.get(name) or spec.by_field.get(name.removesuffix("_id"))
    return col.header if col is not None else name


def differences(repeat: RowPlan, first: RowPlan) -> list[tuple[str, str, str]]:
    """What ``repeat`` carries that ``first`` does not: (header, repeat's value, first's value)
    for each filled field, flat column or kept extra column whose value differs."""
    out: list[tuple[str, str, str]] = []
    parts: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("profile", repeat.values, first.values)
    ]
    for table, vals in repeat.embedded.items():
        parts.append((table, vals, first.embedded.get(table, {})))
    for table, mine, theirs in parts:
        for name, value in mine.items():
            if name in _NOT_COMPARED or is_empty(value):
                continue
            other = theirs.get(name)
            if not _same_value(value, other):
                out.append((_label(repeat, table, name), as_text(value), as_text(other)))
    for part in ("extra", "unrecognised"):
        theirs_kept = first.source.get(part, {})
        for header, text in repeat.source.get(part, {}).items():
            if not is_empty(text) and not _same_value(text, theirs_kept.get(header)):
                out.append((header, text, as_text(theirs_kept.get(header))))
    return out


def skip_repeats(rows: Iterable[RowPlan]) -> None:
    """Rows held only for an unresolvable section unit whose person arrives from another row
    of the same file with a known unit: skipped as repeats of that row (see the module)."""
    rows = list(rows)
    candidates = [r for r in rows if _only_unit_unresolved(r)]
    if not candidates:
        return
    arrivals: dict[tuple[str, str], list[RowPlan]] = {}
    for r in rows:
        if r.table == "profile" and r.action != "error" and len(r.personal_id) == 12:
            arrivals.setdefault((r.file, r.personal_id), []).append(r)
    for plan in candidates:
        if len(plan.personal_id) != 12:
            continue
        first = next(
            (
                r
                for r in arrivals.get((plan.file, plan.personal_id), [])
                if _name_key(r.values.get("full_name")) == _name_key(plan.values.get("full_name"))
                and r.values.get("date_of_birth") == plan.values.get("date_of_birth")
                and not is_empty(r.values.get("date_of_birth"))
            ),
            None,
        )
        if first is not None:
            _skip_as_repeat(plan, first)


def _skip_as_repeat(plan: RowPlan, first: RowPlan) -> None:
    where = {"file": first.file, "sheet": first.sheet, "row": first.row}
    plan.action = "skip"
    plan.errors = []
    plan.reason = (
        _(
            "Dòng lặp lại người của tệp %(file)s, trang %(sheet)s, dòng %(row)s (cùng số định "
            "danh, họ tên, ngày sinh): không nhập lần nữa."
        )
        % where
    )
    plan.warnings.append(plan.reason)
    diff = differences(plan, first)
    if not diff:
        return
    listed = "; ".join(
        _("“%(header)s”: “%(value)s” (dòng %(row)s ghi “%(other)s”)")
        % {"header": h, "value": v, "other": o, "row": first.row}
        for h, v, o in diff
    )
    plan.warnings.append(
        _(
            "Dòng này ghi khác dòng %(row)s: %(fields)s; giá trị của dòng này được lưu vào dữ "
            "liệu gốc của hồ sơ, cần kiểm tra."
        )
        % {"row": first.row, "fields": listed}
    )
    first.warnings.append(
        _(
            "Người này có dòng lặp lại (tệp %(file)s, trang %(sheet)s, dòng %(row)s) ghi khác: "
            "%(fields)s; đã lưu vào dữ liệu gốc của hồ sơ, cần kiểm tra."
        )
        % {"file": plan.file, "sheet": plan.sheet, "row": plan.row, "fields": listed}
    )
    kept = first.source.setdefault("extra", {})
    for header, value, _other in diff:
        kept[f"{header} (dòng {plan.row})"] = value
