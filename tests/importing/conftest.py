"""Fixtures for the import tests: the shipped code lists, loaded once per session."""

from __future__ import annotations

import pytest


@pytest.fixture
def codes(codelists_loaded, db):
    from profiles.codelists import clear_cache

    clear_cache()
    yield
    clear_cache()
