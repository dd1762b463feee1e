"""The throw-away database the benchmarks run in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def test_database(*, keepdb: bool = False) -> Iterator[str]:
    """Django's test environment and a test database next to ``DATABASE_URL``'s (SQLite in
    memory by default), destroyed afterwards unless ``keepdb``. Prints which one it is."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # also lets the test client's "testserver" host in
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, keepdb=keepdb)
    print(f"database: {connection.vendor} {name}")
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keepdb)
