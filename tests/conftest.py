"""Shared fixtures. The PostgreSQL run (``./run test-postgres``, used by CI) refuses to start
on any other database, so a misconfigured CI can never pass on SQLite by accident."""

from __future__ import annotations

import os
from datetime import date

import pytest

from tests import template_databases

# Passwords are hashed with a cheap hasher in tests (Django's "Speeding up the tests"): the
# default PBKDF2 costs about 0.3 s a hash, and fixtures create and log in hundreds of accounts.
# The project's hashers follow, so a hash made with them still checks. Servers that tests start
# as separate processes keep the production list.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    production = [name for name in settings.PASSWORD_HASHERS if name not in TEST_PASSWORD_HASHERS]
    settings.PASSWORD_HASHERS = [*TEST_PASSWORD_HASHERS, *production]
    if os.environ.get("CBCCVC_REQUIRE_POSTGRES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(
                f"CBCCVC_REQUIRE_POSTGRES=1 but DATABASE_URL selects {engine}; refusing to run."
            )


# Under xdist the databases are migrated once per run, into templates every worker copies
# (tests/template_databases.py): the controller shares a directory and an id with the workers.


def _database_templates(config: pytest.Config) -> dict[str, str] | None:
    return getattr(config, "workerinput", {}).get(template_databases.WORKER_INPUT_KEY)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    config = node.config
    if config.getvalue("reuse_db"):
        return  # pytest-django keeps its own databases between runs
    if not hasattr(config, "_cbccvc_database_templates"):
        config._cbccvc_database_templates = template_databases.new_run()
    node.workerinput[template_databases.WORKER_INPUT_KEY] = config._cbccvc_database_templates


def pytest_sessionfinish(session: pytest.Session) -> None:
    run = getattr(session.config, "_cbccvc_database_templates", None)
    if run is not None:
        template_databases.finish_run(run)


@pytest.fixture(scope="session")
def django_db_keepdb(request: pytest.FixtureRequest) -> bool:
    """pytest-django's, and also on when the worker's databases are copies of the templates
    (already migrated; tests/template_databases.py drops them at the end)."""
    return (
        bool(request.config.getvalue("reuse_db")) or _database_templates(request.config) is not None
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_blocker, request
):
    """After pytest-django's per-worker names: copy the migrated templates into them."""
    run = _database_templates(request.config)
    if run is None:
        yield
        return
    try:  # the aliases pytest-django will set up (a private helper: all of them if it moved)
        from pytest_django.fixtures import _get_databases_for_setup

        needed: set[str] | None = _get_databases_for_setup(request.session.items)[0]
    except ImportError:
        needed = None
    with django_db_blocker.unblock():
        copies = template_databases.prepare_worker(run, needed)
    yield
    with django_db_blocker.unblock():
        template_databases.drop_postgres(copies)


# Fixtures through which a test reaches the test database.
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``database_free`` tests give the same result on every database, so the PostgreSQL run
    (``CBCCVC_SKIP_DATABASE_FREE=1``, set by ``./run test-postgres``) leaves them to the SQLite
    run. A test marked so that reaches the database is an error, not a silent skip."""
    free = [item for item in items if item.get_closest_marker("database_free")]
    wrong = [
        item.nodeid
        for item in free
        if item.get_closest_marker("django_db")
        or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    if wrong:
        raise pytest.UsageError(f"marked database_free but use the database: {wrong[:5]}")
    if os.environ.get("CBCCVC_SKIP_DATABASE_FREE") == "1" and free:
        config.hook.pytest_deselected(items=free)
        items[:] = [item for item in items if not item.get_closest_marker("database_free")]
        config._cbccvc_database_free = len(free)  # type: ignore[attr-defined]
        if hasattr(config, "workeroutput"):  # an xdist worker: tell the controller
            config.workeroutput["database_free"] = len(free)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist's controller: take the count the workers deselected, for the summary line."""
    count = getattr(node, "workeroutput", {}).get("database_free")
    if count:
        node.config._cbccvc_database_free = count


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    if os.environ.get("CBCCVC_SKIP_DATABASE_FREE") == "1":
        lines.append("database-free tests (marker database_free) are left to the SQLite run")
    if os.environ.get("FAKETIME"):  # ./run test-clock-ahead
        clock = os.environ["FAKETIME"]
        lines.append(f"clock moved {clock} by libfaketime: today is {date.today()}")
    return lines


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    count = getattr(config, "_cbccvc_database_free", 0)
    if count:
        terminalreporter.write_line(
            f"{count} database-free tests were left to the SQLite run "
            "(CBCCVC_SKIP_DATABASE_FREE=1)."
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
# outside the per-test transactions, so every test that asks for it sees them and the per-test
# rollback leaves them in place. Tests that flush the database (``transactional_db``, every
# browser journey) remove them; the fixture then restores them from a copy of the rows taken
# after the first load, which is several times faster than reading and parsing the files again.


def _reference_models() -> list:
    from orgtree.models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName

    return [AdminUnitRelease, AdminUnit, AdminUnitConversion, HistoricPlaceName]


def _copy_reference_rows() -> list[tuple[type, list[str], list[tuple]]]:
    copies = []
    for model in _reference_models():
        names = [field.attname for field in model._meta.concrete_fields]
        copies.append((model, names, list(model.objects.order_by("pk").values_list(*names))))
    return copies


def _restore_reference_rows(copies: list[tuple[type, list[str], list[tuple]]]) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from orgtree.places import invalidate_indexes

    with transaction.atomic():
        for model, names, rows in copies:
            if connection.vendor == "postgresql":
                _copy_in(connection, model, names, rows)
            else:
                model.objects.bulk_create(
                    (model(**dict(zip(names, row, strict=True))) for row in rows), batch_size=2000
                )
        statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _, _ in copies])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    invalidate_indexes()


def _copy_in(connection, model, names: list[str], rows: list[tuple]) -> None:
    """PostgreSQL's COPY (psycopg's ``Cursor.copy``): about three times faster than
    ``bulk_create`` for the 26,000 rows, restored after every flushing test."""
    from psycopg import sql

    columns = [model._meta.get_field(name).column for name in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@pytest.fixture(scope="session")
def _reference_data_session(django_db_setup, django_db_blocker):
    from orgtree.refdata import load_reference_data

    with django_db_blocker.unblock():
        results = load_reference_data()
        return results, _copy_reference_rows()


@pytest.fixture
def reference_data(_reference_data_session, django_db_blocker, db):
    """The loaded releases (list of ``LoadResult``); restores them if a flush removed them."""
    from orgtree.models import AdminUnitRelease

    results, copies = _reference_data_session
    if not AdminUnitRelease.objects.exists():
        with django_db_blocker.unblock():
            _restore_reference_rows(copies)
    elif AdminUnitRelease.objects.count() < len(results):
        from orgtree.refdata import load_reference_data

        with django_db_blocker.unblock():
            load_reference_data()  # idempotent: loads only the missing releases
    return results


# ``codelists_loaded`` loads the shipped code lists (danh mục) once per test session, outside
# the per-test transactions. A flushing test (``transactional_db``) removes them, and under
# xdist's work stealing a worker may run ordinary tests after one, so the fixture also reloads
# the lists (about 0.1 s) as soon as a flush of the default database announces itself through
# ``post_migrate``, outside any test transaction.


@pytest.fixture(scope="session")
def codelists_loaded(django_db_setup, django_db_blocker):
    from django.db.models.signals import post_migrate

    from profiles.codelists import clear_cache, load_codelists

    def reload_after_flush(sender, using="default", **kwargs) -> None:
        if sender.label == "profiles" and using == "default":
            with django_db_blocker.unblock():
                load_codelists()

    from django.db import connection

    if connection.in_atomic_block:
        # loaded inside a test's transaction, the lists would vanish at its rollback and every
        # later test of the session would run without them: request the fixture before ``db``
        # (a test asks for ``db`` as an argument, not through the ``django_db`` marker)
        raise RuntimeError("codelists_loaded was first requested inside a test transaction")
    with django_db_blocker.unblock():
        load_codelists()
    post_migrate.connect(reload_after_flush, weak=False, dispatch_uid="tests-reload-codelists")
    clear_cache()
    yield
    post_migrate.disconnect(dispatch_uid="tests-reload-codelists")
    clear_cache()


@pytest.fixture(autouse=True)
def _throwaway_var_dir(monkeypatch, tmp_path_factory):
    """No test writes under the repository's ``var/``: each gets its own var dir, and signing
    keys are sealed with a throw-away master key file there."""
    from django.conf import settings

    monkeypatch.delenv("CBCCVC_KEY_ENCRYPTION_KEY", raising=False)
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path_factory.mktemp("var"))


@pytest.fixture(autouse=True)
def _site_language_for_each_test():
    """Every test starts (and ends) in the site's language. A request through LocaleMiddleware
    leaves its language active in the thread (a user's saved English, an Accept-Language), and
    in a worker that ran such a test first, the next test's Vietnamese labels came back in
    English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
