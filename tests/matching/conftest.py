"""Fixtures of the matching tests: the profiles fixtures (a small tree, users, a valid person);
the code lists are loaded only for tests that use the database, so the pure matcher tests run
without one."""

from __future__ import annotations

import pytest

from tests.profiles.conftest import (  # noqa: F401
    approver,
    hr,
    make_profile,
    tree,
    user_with,
)


@pytest.fixture(autouse=True)
def _codelists(request):
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from profiles.codelists import clear_cache

        request.getfixturevalue("codelists_loaded")
        clear_cache()
    yield
