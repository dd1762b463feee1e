"""The read replica: reports and exports read from ``replica`` inside :func:`use_replica`.

Everything else (and every write) goes to ``default``. Without a ``replica`` database the
context manager changes nothing, so callers need not know whether one is configured.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "cbccvc_replica", default=False
)


def replica_alias() -> str:
    return REPLICA if REPLICA in settings.DATABASES else "default"


@contextmanager
def use_replica() -> Iterator[str]:
    """Reads inside the block go to the replica (when there is one); yields the alias used.

    Only for reads that may lag the primary by a few seconds: reports and exports. Writes are
    always routed to ``default``."""
    token = _reading_from_replica.set(True)
    try:
        yield replica_alias()
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading_from_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same data as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA
