"""Fixtures shared by the org-tree tests.

``reference_data`` loads the shipped administrative-unit releases once per test session
(about 3 s on SQLite) outside the per-test transactions, so every test that asks for it sees
them and the per-test rollback leaves them in place. Tests that flush the database
(``transactional_db``) remove them; ask for ``reference_data`` again after such a test and it
reloads them (the loader is idempotent and cheap when nothing is missing).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _reference_data_session(django_db_setup, django_db_blocker):
    from orgtree.refdata import load_reference_data

    with django_db_blocker.unblock():
        return load_reference_data()


@pytest.fixture
def reference_data(_reference_data_session, django_db_blocker, db):
    """The loaded releases (list of ``LoadResult``); reloads them if a flush removed them."""
    from orgtree.models import AdminUnitRelease
    from orgtree.refdata import load_reference_data, read_manifest

    if AdminUnitRelease.objects.count() < len(read_manifest()):
        with django_db_blocker.unblock():
            return load_reference_data()
    return _reference_data_session
