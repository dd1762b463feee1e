"""One migration per test run instead of one per xdist worker and database.

Creating a test database is almost all Django rendering the migration states (112
migrations; the history tables relate nearly every model to the user model, so each
operation re-renders some forty models): about 40 s of CPU per database, and every worker
migrates two (``default`` and the emulator's ``national``). Under xdist, the first worker that
needs a database builds a migrated *template* of each one, the two migrations side by side in
their own processes, while the other workers wait; then every worker copies the templates into
its own test databases and Django's normal set-up finds them migrated (``keepdb``), so it runs
only what a finished migration does (post-migrate signals, the cache table, serialising).

The copy is the database's own: ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, the SQLite
backup API into the worker's in-memory database, a file copy for an SQLite file. The template
is built by ``manage.py migrate``'s own command on a database of the same engine and settings,
so a worker's database is the one Django would have built. Without xdist, or with
``--reuse-db``, nothing here runs and pytest-django sets up the databases as always.

The controller (``pytest_configure_node``) gives each worker a directory and an id shared by
the run; it drops the PostgreSQL templates and the directory at the end of the session.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WORKER_INPUT_KEY = "cbccvc_db_templates"
READY = "ready"
FAILED = "failed"
POSTGRES_TEMPLATES = "postgres-templates"
REPOSITORY = Path(__file__).resolve().parent.parent


def new_run() -> dict[str, str]:
    """The controller's share for every worker: a directory and an id for this run."""
    return {
        "directory": tempfile.mkdtemp(prefix="cbccvc-db-templates-"),
        "run": uuid.uuid4().hex[:12],
    }


def _aliases(needed: set[str] | None = None) -> list[str]:
    """The databases to template: those the session's tests use (all when not known), not
    the mirrors (a replica's test database is its primary's)."""
    from django.conf import settings

    return [
        alias
        for alias, database in settings.DATABASES.items()
        if not database.get("TEST", {}).get("MIRROR") and (needed is None or alias in needed)
    ]


def _is_postgres(alias: str) -> bool:
    from django.db import connections

    return connections[alias].vendor == "postgresql"


def template_name(alias: str, run: dict[str, str]) -> str:
    """The template of ``alias``: a database of the same server, or an SQLite file."""
    if _is_postgres(alias):
        return f"cbccvc_template_{run['run']}_{alias}"[:63]
    return str(Path(run["directory"]) / f"{alias}.sqlite3")


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build(run: dict[str, str], aliases: list[str]) -> None:
    """Migrate every template, each in its own process, at the same time."""
    directory = Path(run["directory"])
    env = dict(os.environ, CBCCVC_VAR_DIR=str(directory / "var"))
    processes = {
        alias: subprocess.Popen(
            [sys.executable, "-m", "tests.template_databases", alias, template_name(alias, run)],
            cwd=REPOSITORY,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for alias in aliases
    }
    failures = []
    for alias, process in processes.items():
        output, _ = process.communicate()
        if process.returncode:
            failures.append(f"migrating the template of {alias!r} failed:\n{output}")
    # the aliases whose template is a PostgreSQL database, for the controller to drop
    postgres = [alias for alias in processes if _is_postgres(alias)]
    (directory / POSTGRES_TEMPLATES).write_text("\n".join(postgres))
    if failures:
        (directory / FAILED).write_text("\n".join(failures))
        raise RuntimeError("\n".join(failures))
    (directory / READY).write_text("")


_memory_holders: list[sqlite3.Connection] = []


def _copy(alias: str, template: str) -> str:
    """Copy ``template`` into the worker's test database of ``alias``; its name."""
    from django.db import connections

    connection = connections[alias]
    target = connection.creation._get_test_db_name()
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(template)}")
    elif connection.vendor == "sqlite" and connection.creation.is_in_memory_db(target):
        # a shared-cache in-memory database lives while one connection to it is open: this
        # one, kept for the session, holds it until Django's own connections open it
        holder = sqlite3.connect(target, uri=True, check_same_thread=False)
        source = sqlite3.connect(template)
        try:
            source.backup(holder)
        finally:
            source.close()
        _memory_holders.append(holder)
    elif connection.vendor == "sqlite":
        shutil.copyfile(template, target)
    else:
        raise RuntimeError(f"no template copy for the {connection.vendor} database {alias!r}")
    return target


def prepare_worker(run: dict[str, str], needed: set[str] | None) -> list[tuple[str, str]]:
    """Build the templates if no worker has, then copy them into this worker's databases.
    ``needed``: the aliases the session's tests use (every worker collects the same tests).
    Returns what to drop at the end: (alias, PostgreSQL database) pairs."""
    directory = Path(run["directory"])
    aliases = _aliases(needed)
    with _locked(directory):
        if (directory / FAILED).exists():
            raise RuntimeError((directory / FAILED).read_text())
        if not (directory / READY).exists():
            _build(run, aliases)
        copies = [(alias, _copy(alias, template_name(alias, run))) for alias in aliases]
    return [(alias, name) for alias, name in copies if _is_postgres(alias)]


def drop_postgres(databases: list[tuple[str, str]]) -> None:
    """Drop the databases through a connection of their own to the server's ``postgres``
    database (the controller has no unblocked Django connection at the end of the run)."""
    import psycopg
    from django.db import connections

    for alias, name in databases:
        connection = connections[alias]
        connection.close()
        params = {**connection.get_connection_params(), "dbname": "postgres"}
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as server:
            # FORCE: a connection a test left open must not keep the database alive
            server.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)
                )
            )


def finish_run(run: dict[str, str]) -> None:
    """The controller, at the end: drop the PostgreSQL templates, remove the directory."""
    directory = Path(run["directory"])
    listed = directory / POSTGRES_TEMPLATES
    aliases = listed.read_text().split() if listed.exists() else []
    drop_postgres([(alias, template_name(alias, run)) for alias in aliases])
    shutil.rmtree(directory, ignore_errors=True)


def _migrate_template(alias: str, name: str) -> None:
    """``python -m tests.template_databases ALIAS NAME``: create and migrate one template
    the way Django's test set-up migrates a test database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    connection = connections[alias]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)}")
    else:
        Path(name).unlink(missing_ok=True)
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", database=alias, interactive=False, verbosity=0, run_syncdb=True)
    connection.close()


if __name__ == "__main__":
    _migrate_template(*sys.argv[1:])
