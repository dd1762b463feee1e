"""Bulk writes (the import, the bulk actions, the reform conversion): rows and their
simple-history rows in a few statements.

On PostgreSQL new rows take their ids from the sequence and go in with ``COPY``; updates are
one ``UPDATE … FROM unnest(…)`` per 5,000 rows, an array per column (Django's ``bulk_update``
builds a ``CASE`` per field and row, which is slow at this size). Elsewhere (SQLite in tests)
the ORM's ``bulk_create``/``bulk_update`` do the same job. History rows are built exactly like
simple-history's ``bulk_history_create`` (tracked fields, user, date, reason from
``_change_reason``) and inserted the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, partial
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models.lookups import In
from simple_history.utils import get_change_reason_from_object

BATCH = 5000


class InArray(In):
    """``field__in_array=ids``: on PostgreSQL ``field = ANY(%s)`` with the ids as one array
    parameter; elsewhere ``IN (…)``. For the bulk paths' lists of thousands of ids: ``__in``
    sends one placeholder per id, and building and parsing those (Django's per-value
    preparation, the driver's query split) cost more than the query (validation of 2,000
    profiles: a dozen such queries)."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if self.rhs_is_direct_value():
            lhs, lhs_params = self.process_lhs(compiler, connection)
            values = [v for v in self.rhs if v is not None]
            return f"{lhs} = ANY({_array(self.lhs.output_field, connection)})", [
                *lhs_params,
                values,
            ]
        return super().as_sql(compiler, connection)


def _array(field: models.Field, connection: Any) -> str:
    """An array placeholder cast to the column's type: the driver sends a list of small ints
    as ``smallint[]``, and ``bigint = ANY(smallint[])`` can neither use a hash of the array
    nor, at times, the column's index (a 2,000-id filter: 90 ms → 0.9 s)."""
    db_type = field.db_type(connection)
    return f"%s::{db_type}[]" if db_type else "%s"


def register_lookups() -> None:
    """Called from the app's ``ready()``."""
    models.Field.register_lookup(InArray)
    models.ForeignObject.register_lookup(InArray)  # foreign keys look up only their own class's


def by_pk(model: type[models.Model], pks: Sequence[Any]) -> dict[Any, Any]:
    """``in_bulk`` for many ids (:class:`InArray`): id → instance."""
    return {obj.pk: obj for obj in model._default_manager.filter(pk__in_array=list(pks))}


#: field types whose Python values psycopg sends as they are (no ``get_db_prep_save`` needed)
_PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DateTimeField", "DecimalField", "EmailField", "ForeignKey", "IntegerField",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallIntegerField", "TextField",
}  # fmt: skip


class Draft:
    """A new row as plain attributes, for :func:`insert` and :func:`insert_history`.

    What a model instance holds after ``Model(**values)`` (every concrete field's attribute,
    defaults filled in), without what ``Model.__init__`` costs per instance (the pre/post-init
    signals, descriptor look-ups, ~0.2 ms each: a third of the commit at 100,000 rows). It has
    no ``save``: it only goes to the database through this module. Code that reads or sets
    field attributes (``normalise_profile_text``, ``apply_current`` …) works on it unchanged.
    """

    def __init__(self, model: type[models.Model], values: dict[str, Any]):
        self.__dict__.update(values)
        self._model = model

    @property
    def pk(self) -> Any:
        return getattr(self, self._model._meta.pk.attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._model._meta.pk.attname, value)

    def instance(self) -> models.Model:
        """The model instance with the same field values (for the ORM path)."""
        return self._model(**{f.attname: getattr(self, f.attname) for f in _fields(self._model)})


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(model._meta.concrete_fields)


@cache
def _defaults(
    model: type[models.Model],
) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...], frozenset[str]]:
    """The constant defaults, the callable ones (called per row) and the attribute names."""
    const: dict[str, Any] = {}
    calls: list[tuple[str, Callable[[], Any]]] = []
    for f in _fields(model):
        if f.has_default() and callable(f.default):
            calls.append((f.attname, f.default))
        else:
            const[f.attname] = f.get_default()
    return const, tuple(calls), frozenset(f.attname for f in _fields(model))


def draft(model: type[models.Model], **values: Any) -> Draft:
    """A new ``model`` row: the field defaults, then ``values`` (keyed by attribute name)."""
    const, calls, names = _defaults(model)
    if not names.issuperset(values):
        unknown = ", ".join(sorted(set(values) - names))
        raise TypeError(f"{model.__name__} has no field {unknown}")
    row = dict(const)
    for name, fn in calls:
        row[name] = fn()
    row.update(values)
    return Draft(model, row)


def _row_getter(fields: Sequence[models.Field]) -> Callable[[Any], tuple[Any, ...]]:
    """obj → the tuple of its column values: one C call for the attributes, then the
    preparation of the few fields that need it (a JSON column) in place."""
    if not fields:
        return lambda obj: ()
    get = attrgetter(*[f.attname for f in fields])
    if len(fields) == 1:
        if fields[0].get_internal_type() in _PLAIN:
            return lambda obj: (get(obj),)
        prepare = _copy_prep(fields[0])
        return lambda obj: (prepare(get(obj)),)
    prepared = [
        (i, _copy_prep(f)) for i, f in enumerate(fields) if f.get_internal_type() not in _PLAIN
    ]
    if not prepared:
        return get  # type: ignore[return-value]

    def row(obj: Any) -> tuple[Any, ...]:
        values = list(get(obj))
        for i, prepare in prepared:
            values[i] = prepare(values[i])
        return tuple(values)

    return row


def _copy_prep(f: models.Field) -> Callable[[Any], Any]:
    """value → what ``COPY`` writes for a field that is not plain. A plain ``JSONField``'s
    value goes as its text, ``json.dumps`` with the field's encoder as Django's ``Jsonb``
    adapter would (the server parses the text into ``jsonb``), without the adapter's layers
    per value (about a tenth of a conversion preview's profile: a JSON column per change row);
    ``None`` stays SQL ``NULL``. Subclasses (the sealed JSON fields encrypt parts of the value)
    go through their own preparation."""
    if type(f) is models.JSONField:
        dumps = json.dumps if f.encoder is None else partial(json.dumps, cls=f.encoder)  # type: ignore[attr-defined]
        return lambda value: None if value is None else dumps(value)
    return lambda value: f.get_db_prep_save(value, connection)


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


def copy_objects(model: type[models.Model], objs: Sequence[Any], with_pk: bool) -> None:
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    row = _row_getter(fields)
    _copy_rows(model, fields, map(row, objs))


def _draw_ids(model: type[models.Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model: type[models.Model], objs: Sequence[Any]) -> None:
    """Insert new rows (model instances or :class:`Draft` rows) and set their ids (no
    signals, no ``save``)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        instances = [o.instance() if isinstance(o, Draft) else o for o in objs]
        model.objects.bulk_create(instances, batch_size=BATCH)
        for obj, inst in zip(objs, instances, strict=True):
            obj.pk = inst.pk
        return
    for obj, pk in zip(objs, _draw_ids(model, len(objs)), strict=True):
        obj.pk = pk
    copy_objects(model, objs, with_pk=True)
    for obj in objs:
        if not isinstance(obj, Draft):
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
    copy_objects(history_model, rows, with_pk=False)


def update(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Write ``names`` of ``objs`` (existing rows).

    On PostgreSQL one ``UPDATE … FROM unnest(%s, %s, …)`` per :data:`BATCH` rows: one array
    parameter per column. A ``VALUES`` list with one placeholder per row and column (100,000
    at 5,000 profiles) spent more time in the driver's query parsing than in the server."""
    if not objs or not names:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, list(names), batch_size=1000)
        return
    qn = connection.ops.quote_name
    fields = [model._meta.get_field(n) for n in names]
    pk = model._meta.pk
    aliases = ["pk_", *[f"v{i}" for i in range(len(fields))]]
    set_sql = ", ".join(f"{qn(f.column)} = v.{a}" for f, a in zip(fields, aliases[1:], strict=True))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [pk, *fields])
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET {set_sql} "
        f"FROM unnest({arrays}) AS v({', '.join(aliases)}) "
        f"WHERE t.{qn(pk.column)} = v.pk_"
    )
    getters = [_getter(f) for f in fields]
    for start in range(0, len(objs), BATCH):
        batch = objs[start : start + BATCH]
        params = [[obj.pk for obj in batch], *[list(map(g, batch)) for g in getters]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def set_values(model: type[models.Model], pks: Sequence[Any], **values: Any) -> int:
    """Set the same ``values`` on the rows ``pks``: on PostgreSQL one ``UPDATE … WHERE id =
    ANY(%s)`` (one array parameter; ``pk__in`` sends one parameter per id, which costs the
    planner and the driver more than the update itself at tens of thousands of ids); elsewhere
    the ORM in batches. No signals, no history: for bookkeeping columns only."""
    if not pks or not values:
        return 0
    if connection.vendor != "postgresql":
        done = 0
        for start in range(0, len(pks), 500):
            done += model._default_manager.filter(pk__in=pks[start : start + 500]).update(**values)
        return done
    qn = connection.ops.quote_name
    fields = [(model._meta.get_field(name), value) for name, value in values.items()]
    set_sql = ", ".join(f"{qn(f.column)} = %s" for f, _ in fields)
    params = [f.get_db_prep_save(value, connection) for f, value in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(model._meta.db_table)} SET {set_sql} "
            f"WHERE {qn(model._meta.pk.column)} = ANY({_array(model._meta.pk, connection)})",
            [*params, list(pks)],
        )
        return cursor.rowcount


def analyze(model: type[models.Model]) -> None:
    """Refresh the planner's statistics of ``model``'s table after a bulk load (PostgreSQL):
    autovacuum comes later, and a table just filled looks empty to the planner (a
    conversion's rows read per 2,000 profiles through the wrong index: 14 ms → 0.9 s a query,
    growing with the campaign)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _copy_history(history_model, objs, user: Any, when: datetime, update: bool) -> bool:
    """History rows straight from the objects (no historical model instances to build)."""
    names = {f.attname for f in history_model.tracked_fields}
    fields = [f for f in history_model._meta.concrete_fields if not f.primary_key]
    extra = {"history_date", "history_change_reason", "history_type", "history_user_id"}
    if any(f.attname not in names | extra for f in fields):
        return False
    kind = "~" if update else "+"
    user_id = getattr(user, "pk", None)
    tracked = [f for f in fields if f.attname in names]
    rest = [f.attname for f in fields if f.attname not in names]
    values = _row_getter(tracked)
    extras: dict[str, Callable[[Any], Any]] = {
        "history_date": lambda obj: when,
        "history_type": lambda obj: kind,
        "history_user_id": lambda obj: user_id,
        "history_change_reason": lambda obj: (get_change_reason_from_object(obj) or "")[:100],
    }
    tail = [extras[name] for name in rest]
    _copy_rows(
        history_model,
        tracked + [history_model._meta.get_field(n) for n in rest],
        (values(o) + tuple(g(o) for g in tail) for o in objs),
    )
    return True
