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

__all__ = ["check_values"]


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


def check_row(plan: Any) -> None:
    """Fail ``plan`` (an import row) on each value its table's model refuses, its flat child
    columns included."""
    from profiles.models import CHILD_MODELS, Profile

    from .columns import SHEETS

    parts = [(plan.table, plan.values), *plan.embedded.items()]
    for table, values in parts:
        model = Profile if table == "profile" else CHILD_MODELS.get(table)
        if model is None:
            continue
        spec = SHEETS.get(table)
        for name, message in check_values(model, values):
            column = spec.by_field.get(name) if spec is not None else None
            header = plan.header(name, column.header if column is not None else name)
            plan.fail(header, values[name], f"{header}: {message}")
