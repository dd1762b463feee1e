"""Bulk writes for the import: rows and their simple-history rows in a few statements.

On PostgreSQL new rows take their ids from the sequence and go in with ``COPY``; updates are
one ``UPDATE … FROM (VALUES …)`` per 5,000 rows (Django's ``bulk_update`` builds a ``CASE``
per field and row, which is slow at this size). Elsewhere (SQLite in tests) the ORM's
``bulk_create``/``bulk_update`` do the same job. History rows are built exactly like
simple-history's ``bulk_history_create`` (tracked fields, user, date, reason from
``_change_reason``) and inserted the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models
from simple_history.utils import get_change_reason_from_object

BATCH = 5000


#: field types whose Python values psycopg sends as they are (no ``get_db_prep_save`` needed)
_PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DateTimeField", "DecimalField", "EmailField", "ForeignKey", "IntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
}  # fmt: skip


def _getter(f: models.Field):
    if f.get_internal_type() in _PLAIN:
        name = f.attname
        return lambda obj: getattr(obj, name)
    return lambda obj: f.get_db_prep_save(getattr(obj, f.attname), connection)


def _copy_rows(model: type[models.Model], fields: Sequence[models.Field], rows) -> None:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy(model: type[models.Model], objs: Sequence[models.Model], with_pk: bool) -> None:
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    getters = [_getter(f) for f in fields]
    _copy_rows(model, fields, ([g(obj) for g in getters] for obj in objs))


def _draw_ids(model: type[models.Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new rows and set their ids (no signals, no ``save``)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    for obj, pk in zip(objs, _draw_ids(model, len(objs)), strict=True):
        obj.pk = pk
    _copy(model, objs, with_pk=True)
    for obj in objs:
        obj._state.adding = False


def insert_history(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    user: Any,
    when: datetime,
    update: bool = False,
) -> None:
    """The history rows of ``objs`` ("+" created or "~" changed), reason per object."""
    if not objs:
        return
    history_model = model.history.model
    tracked = history_model.tracked_fields
    if connection.vendor == "postgresql" and _copy_history(history_model, objs, user, when, update):
        return
    rows = [
        history_model(
            history_date=when,
            history_user=user,
            history_change_reason=(get_change_reason_from_object(obj) or "")[:100],
            history_type="~" if update else "+",
            **{f.attname: getattr(obj, f.attname) for f in tracked},
        )
        for obj in objs
    ]
    if connection.vendor != "postgresql":
        history_model.objects.bulk_create(rows, batch_size=BATCH)
        return
    _copy(history_model, rows, with_pk=False)


def update(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Write ``names`` of ``objs`` (existing rows)."""
    if not objs or not names:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, list(names), batch_size=1000)
        return
    qn = connection.ops.quote_name
    fields = [model._meta.get_field(n) for n in names]
    pk = model._meta.pk
    aliases = ["pk_", *[f"v{i}" for i in range(len(fields))]]
    set_sql = ", ".join(
        f"{qn(f.column)} = v.{a}::{f.db_type(connection)}"
        for f, a in zip(fields, aliases[1:], strict=True)
    )
    for start in range(0, len(objs), BATCH):
        batch = objs[start : start + BATCH]
        row_sql = "(" + ", ".join(["%s"] * len(aliases)) + ")"
        params: list[Any] = []
        for obj in batch:
            params.append(obj.pk)
            params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)
        sql = (
            f"UPDATE {qn(model._meta.db_table)} AS t SET {set_sql} "
            f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({', '.join(aliases)}) "
            f"WHERE t.{qn(pk.column)} = v.pk_"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _copy_history(history_model, objs, user: Any, when: datetime, update: bool) -> bool:
    """History rows straight from the objects (no historical model instances to build)."""
    names = {f.attname for f in history_model.tracked_fields}
    fields = [f for f in history_model._meta.concrete_fields if not f.primary_key]
    extra = {"history_date", "history_change_reason", "history_type", "history_user_id"}
    if any(f.attname not in names | extra for f in fields):
        return False
    kind = "~" if update else "+"
    user_id = getattr(user, "pk", None)

    def reason(obj: Any) -> str:
        return (get_change_reason_from_object(obj) or "")[:100]

    getters = []
    for f in fields:
        if f.attname in names:
            getters.append(_getter(f))
        elif f.attname == "history_date":
            getters.append(lambda obj: when)
        elif f.attname == "history_type":
            getters.append(lambda obj: kind)
        elif f.attname == "history_user_id":
            getters.append(lambda obj: user_id)
        else:
            getters.append(reason)
    _copy_rows(history_model, fields, ([g(o) for g in getters] for o in objs))
    return True
