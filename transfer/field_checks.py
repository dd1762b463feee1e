"""The model's own field checks on every imported value before anything is written.

The cleaning step knows the import's column kinds; the database knows the columns: an e-mail
of 305 characters, a code longer than its column, a number outside a small integer's range or
a value outside a field's choices passed the cleaning and then failed the whole bulk write
(on PostgreSQL a COPY with one value too long loses every row of the chunk). Each value is now
checked with the model field's ``clean`` (length, choices, validators such as the e-mail
format and the integer ranges of the database); a bad value fails its row only, with the
column and the message, and the other rows are written.

Uniqueness: a profile's personal ID and the one-a-year children (assessments, asset
declarations) are matched by their key before planning (:mod:`.pipeline`), so a row never
inserts a duplicate of a stored row; two rows of the files with the same key are one person /
one row (merge or skip).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from .cleaning import as_text

__all__ = ["check_row", "check_values"]


@lru_cache(maxsize=1024)
def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or field.is_relation or field.primary_key:
        return None  # foreign keys are resolved (and scoped) by the pipeline itself
    return field


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def check_values(model: type[models.Model], values: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """(field, message) for each value ``model``'s field would refuse."""
    for name, value in values.items():
        if value is None or value == "" or name.startswith("_"):
            continue
        field = _field(model, name)
        if field is None:
            continue
        try:
            field.clean(value, None)
        except ValidationError as exc:
            yield name, _message(exc)


#: the fields of a person's row whose refusal fails the row: they say who the person is
#: (``columns.PID_FIELD`` and the name)
IDENTIFYING = frozenset({"personal_id", "full_name"})


def check_row(plan: Any) -> None:
    """Check each value of ``plan`` (an import row) that its table's model would refuse, its
    flat child columns included. In a person's row only the values that identify the person
    (personal ID, name) fail the row; any other refused value is left out with a warning and
    kept as written (``plan.keep``), so the person still imports, as the cleaning step does
    (:meth:`transfer.parsing.SheetParser._soft_failure`). Rows of other tables fail as before."""
    from profiles.models import CHILD_MODELS, Profile

    from .columns import SHEETS

    people = plan.table == "profile"
    parts = [(plan.table, plan.values), *plan.embedded.items()]
    for table, values in parts:
        model = Profile if table == "profile" else CHILD_MODELS.get(table)
        if model is None:
            continue
        spec = SHEETS.get(table)
        for name, message in list(check_values(model, values)):
            if name not in values:  # its whole flat child was left out below
                continue
            header = _header(plan, spec, name)
            value = values[name]
            own = table == plan.table
            if not people or (own and (name in IDENTIFYING or not _can_leave_out(model, name))):
                plan.fail(header, value, f"{header}: {message}")
                continue
            if own or _can_leave_out(model, name):
                del values[name]
                what = "không ghi giá trị này"
            else:  # a child row cannot be written without it: the whole flat child left out
                _keep_child(plan, table, spec, skip=name)
                what = "không ghi dòng này của bảng con"
            plan.keep(
                header,
                value,
                f"{header} “{as_text(value)}”: {message} "
                f"Vẫn nhập người này, {what}; giữ nguyên văn để xử lý.",
            )
    for table in [t for t, values in plan.embedded.items() if not values]:
        del plan.embedded[table]  # every value of a flat child left out: no empty child row


def _header(plan: Any, spec: Any, name: str) -> str:
    """The header of field ``name`` as the row's file writes it (the catalogue's if none)."""
    column = spec.by_field.get(name) if spec is not None else None
    return plan.header(name, column.header if column is not None else name)


def _can_leave_out(model: type[models.Model], name: str) -> bool:
    """Whether a row can be written without this field's value (it may be blank or null, has
    a default, or stores "" when given nothing)."""
    field = _field(model, name)
    return field is None or bool(
        field.blank or field.null or field.has_default() or field.empty_strings_allowed
    )


def _keep_child(plan: Any, table: str, spec: Any, *, skip: str) -> None:
    """Leave out every value of ``plan``'s flat child ``table``, each kept as written."""
    values = plan.embedded.get(table, {})
    for name, value in list(values.items()):
        if name != skip:
            plan.source.setdefault("unrecognised", {})[_header(plan, spec, name)] = as_text(value)
    values.clear()
