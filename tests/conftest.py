"""Shared fixtures. The PostgreSQL run (``./run test-postgres``, used by CI) refuses to start
on any other database, so a misconfigured CI can never pass on SQLite by accident."""

from __future__ import annotations

import os
from datetime import date

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CBCCVC_REQUIRE_POSTGRES") == "1":
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(
                f"CBCCVC_REQUIRE_POSTGRES=1 but DATABASE_URL selects {engine}; refusing to run."
            )


@pytest.fixture
def make_unit(db):
    """Create a unit through the tree services (so periods and events exist)."""
    from orgtree import services
    from orgtree.models import Unit

    def factory(name: str, parent=None, *, code: str, kind=None, valid_from=date(2020, 1, 1), **kw):
        return services.create_unit(
            name=name,
            code=code,
            kind=kind or (Unit.Kind.DEPARTMENT if parent else Unit.Kind.PROVINCE_PC),
            parent=parent,
            valid_from=valid_from,
            **kw,
        )

    return factory


# ``reference_data`` loads the shipped administrative-unit releases once per test session
# (about 3 s on SQLite) outside the per-test transactions, so every test that asks for it sees
# them and the per-test rollback leaves them in place. Tests that flush the database
# (``transactional_db``) remove them; the fixture reloads them when it finds them missing.


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


@pytest.fixture(autouse=True)
def _throwaway_var_dir(monkeypatch, tmp_path_factory):
    """No test writes under the repository's ``var/``: each gets its own var dir, and signing
    keys are sealed with a throw-away master key file there."""
    from django.conf import settings

    monkeypatch.delenv("CBCCVC_KEY_ENCRYPTION_KEY", raising=False)
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path_factory.mktemp("var"))
