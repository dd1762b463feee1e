"""The shared fixtures survive a flush: under xdist's work stealing, a worker may run ordinary
tests after a flushing (transactional) one, and those tests expect the reference data and the
code lists to be there."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_code_lists_are_back_right_after_a_flush(codelists_loaded):
    from profiles import codelists
    from profiles.models import CodeItem

    before = CodeItem.objects.count()
    assert before > 0
    call_command("flush", interactive=False, verbosity=0)
    codelists.clear_cache()
    assert CodeItem.objects.count() == before
    assert codelists.items("sex")


@pytest.mark.django_db(transaction=True)
def test_reference_data_rows_are_restored_after_a_flush(_reference_data_session):
    from tests.conftest import _restore_reference_rows

    _, copies = _reference_data_session
    call_command("flush", interactive=False, verbosity=0)
    _restore_reference_rows(copies)
    for model, _, rows in copies:
        assert model.objects.count() == len(rows) > 0


@pytest.mark.django_db(databases=["default", "national"])
@pytest.mark.parametrize("alias", ["default", "national"])
def test_each_test_database_is_fully_migrated(alias):
    """Under xdist a worker's databases are copies of templates (tests/template_databases.py):
    each must be what ``migrate`` makes, every migration recorded and every table there that
    the router sends to it."""
    from django.apps import apps
    from django.db import connections, router
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[alias]
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    expected = {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and router.allow_migrate_model(alias, model)
    }
    assert expected
    assert expected <= set(connection.introspection.table_names())
