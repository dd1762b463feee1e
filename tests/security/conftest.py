"""The profile fixtures (code lists, a small tree, users with roles, valid people)."""

from tests.profiles.conftest import (  # noqa: F401
    _codelists,
    approver,
    codelists_loaded,
    hr,
    make_profile,
    tree,
    user_with,
)
