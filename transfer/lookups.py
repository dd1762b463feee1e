"""The database look-ups of an import, in batches of :data:`LOOKUP_BATCH` values (profiles by
personal ID, their child rows, their ids)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

from profiles.matching import MATCH_FIELDS
from profiles.models import Profile

LOOKUP_BATCH = 5000


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


#: the profile columns the matcher and the plan read whatever the files carry
PROFILE_KEYS = frozenset({"id", "unit_id", *MATCH_FIELDS})


def load_profiles(pids: set[str], fields: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Profiles by personal ID: every concrete column, or only ``fields`` (plus the keys)."""
    wanted = None if fields is None else set(fields) | PROFILE_KEYS
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


def load_children(model, profile_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ids = sorted(profile_ids)
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = ids[start : start + LOOKUP_BATCH]
        for row in _where_in(model.objects.all(), "profile_id", batch).values().order_by("pk"):
            out[row["profile_id"]].append(row)
    return out


def load_ids(pids: set[str]) -> dict[str, int]:
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
