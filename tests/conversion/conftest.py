"""The profiles fixtures (code lists, a small tree, users, valid people) for the conversion."""

from tests.profiles.conftest import (  # noqa: F401
    _codelists,
    approver,
    hr,
    make_profile,
    tree,
    user_with,
)
