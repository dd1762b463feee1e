"""Key scopes: ``read`` for GET, ``write`` for changes, ``import`` for the import endpoints."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from orgtree.models import ApiKey


class KeyScopePermission(BasePermission):
    """A view may set ``key_scope`` ("import") to require that scope for every method."""

    message = _("This API key does not have the scope this request needs.")

    def has_permission(self, request: Any, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # a browser session: the user's roles decide, in the services
        needed = getattr(view, "key_scope", None)
        if needed is None:
            needed = "read" if request.method in SAFE_METHODS else "write"
        return needed in key.scopes
