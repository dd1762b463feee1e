"""The system check that every admin page declares how far it reaches (orgtree/checks.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import checks

from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.checks import ACCESS_SCOPES, access_scope_of, check_admin_access_scope

pytestmark = pytest.mark.database_free


def test_every_registered_admin_declares_a_known_scope():
    assert check_admin_access_scope() == []
    for model_admin in admin.site._registry.values():
        assert access_scope_of(model_admin) in ACCESS_SCOPES, model_admin
        if isinstance(model_admin, ScopedAdminMixin):
            assert access_scope_of(model_admin) == "subtree"


@pytest.fixture
def registered(request):
    """Registers ``request.param`` (a ModelAdmin class) for ContentType while the test runs."""
    admin.site.register(ContentType, request.param)
    yield
    admin.site.unregister(ContentType)


class ForgottenAdmin(admin.ModelAdmin):
    pass


class MisspelledAdmin(admin.ModelAdmin):
    access_scope = "everyone"


class DeclaredAdmin(admin.ModelAdmin):
    access_scope = "national"


@pytest.mark.parametrize("registered", [ForgottenAdmin], indirect=True)
def test_an_admin_without_a_scope_is_an_error(registered):
    errors = [e for e in checks.run_checks(tags=["admin"]) if e.id == "orgtree.E001"]
    assert len(errors) == 1
    assert "ForgottenAdmin" in errors[0].msg and "contenttypes.contenttype" in errors[0].msg


@pytest.mark.parametrize("registered", [MisspelledAdmin], indirect=True)
def test_an_unknown_scope_is_an_error(registered):
    errors = [e for e in checks.run_checks(tags=["admin"]) if e.id == "orgtree.E001"]
    assert len(errors) == 1 and "'everyone'" in errors[0].msg


@pytest.mark.parametrize("registered", [DeclaredAdmin], indirect=True)
def test_a_declared_scope_passes(registered):
    assert [e for e in checks.run_checks(tags=["admin"]) if e.id == "orgtree.E001"] == []
