"""Migrate the test database to given nodes and get the models as they were there (for tests
of data migrations: write rows in the old state, migrate forward, read them in the new)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(
    targets: list[tuple[str, str | None]], *, also: Iterable[tuple[str, str]] = ()
) -> Apps:
    """Apply or unapply migrations until ``targets`` (``(app, None)``: none of that app's);
    the historical models at those nodes (and at ``also``, for apps the targets do not
    depend on)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    nodes = [(app, name) for app, name in targets if name] + list(also)
    return executor.loader.project_state(nodes).apps


def migrate_to_latest() -> None:
    """Every app at its last migration again (as the test database was created)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@contextmanager
def migrated_back() -> Iterator[None]:
    """Within: move the database with :func:`migrate_to`; after: back to the latest state,
    whatever the test did (a test that leaves an app unapplied breaks the next ones)."""
    try:
        yield
    finally:
        migrate_to_latest()
