"""Fixtures for the import tests: the shipped code lists, loaded once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def codelists_loaded(django_db_setup, django_db_blocker):
    from profiles.codelists import clear_cache, load_codelists

    with django_db_blocker.unblock():
        load_codelists()
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def codes(codelists_loaded, db):
    from profiles.codelists import clear_cache

    clear_cache()
    yield
    clear_cache()
