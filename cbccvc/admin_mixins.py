"""Small admin building blocks every app uses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ViewOnlyAdminMixin:
    """A record kept by the system (a log, a signature, an event, a file): shown, never added,
    changed or deleted in the admin. Put it first among the bases so it wins over the admin's
    own permission checks; who may *see* it stays the concern of the class using it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
