"""Project rule as a system check: every admin page declares how far it reaches.

A ModelAdmin of ours says, with the class attribute ``access_scope``, which rows a user sees:

- ``"subtree"``: rows whose unit lies in one of the user's subtrees (:class:`ScopedAdminMixin`,
  or an admin that filters its queryset by the user's scope itself);
- ``"owner"``: only the user's own rows (signing keys, signing batches);
- ``"reference"``: shared reference data every staff user reads (code lists, place names);
- ``"national"``: the national admin alone (audit log, calendar, trust store).

Admins that other packages register (users, the task queue, login attempts) are closed to agency
users by Django's model permissions, which only the national admin holds; they are listed by
model label in ``settings.CBCCVC_NATIONAL_ADMIN_MODELS``. Anything else is an error, so a new
admin page cannot open a path around the org-tree scope by being forgotten.
``tests/test_access_matrix.py`` then checks the behaviour of every registered admin.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning

from . import native

ACCESS_SCOPES = frozenset({"subtree", "owner", "reference", "national"})


def access_scope_of(model_admin: admin.ModelAdmin) -> str | None:
    """The declared scope of ``model_admin``, ``"national"`` for a listed third-party admin."""
    scope = getattr(model_admin, "access_scope", None)
    if scope is not None:
        return scope
    if model_admin.model._meta.label_lower in settings.CBCCVC_NATIONAL_ADMIN_MODELS:
        return "national"
    return None


@register(Tags.admin, Tags.security)
def check_admin_access_scope(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for model, model_admin in admin.site._registry.items():
        scope = access_scope_of(model_admin)
        if scope in ACCESS_SCOPES:
            continue
        label = model._meta.label_lower
        errors.append(
            Error(
                f"{type(model_admin).__qualname__} (admin of {label}) declares no access scope"
                if scope is None
                else f"{type(model_admin).__qualname__} has an unknown access_scope {scope!r}",
                hint=(
                    "Base it on orgtree.admin.scoped.ScopedAdminMixin, or set access_scope to "
                    f"one of {sorted(ACCESS_SCOPES)}; a third-party admin closed by model "
                    "permissions goes in settings.CBCCVC_NATIONAL_ADMIN_MODELS."
                ),
                obj=model_admin,
                id="orgtree.E001",
            )
        )
    return errors


@register()
def check_native_resolver(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """The place resolver runs compiled when a build of its sources exists (orgtree/native.py);
    a plain run is correct but slower, so it is said, unless asked for."""
    if native.disabled() or native.installed():
        return []
    return [
        CheckWarning(
            "The place resolver runs as plain Python (about 1.5 times slower): there is no "
            "compiled build of its current sources.",
            hint="Run ./run setup (it runs tools/build_native.py), or set CBCCVC_NATIVE=0 "
            "to run the plain modules on purpose.",
            id="orgtree.W010",
        )
    ]
