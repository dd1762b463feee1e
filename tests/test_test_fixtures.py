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
