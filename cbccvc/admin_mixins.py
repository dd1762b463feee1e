"""Small admin building blocks every app uses."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation


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


class SiteLanguageHistoryMixin:
    """The admin's history (LogEntry) keeps ``str(obj)``; a name carrying a translatable choice
    (a batch's status, a connection's destination, a code list's key) is stored as the site
    writes it (Vietnamese), whatever the acting user's language. Every admin that edits
    records uses it (through ScopedAdminMixin or NationalAdminEditsMixin)."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        with translation.override("vi"):
            return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        with translation.override("vi"):
            return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        with translation.override("vi"):
            return super().log_deletions(request, queryset)  # type: ignore[misc]


class HistoryIdMixin:
    """django-simple-history's history page looks its object up by the id as written in the
    URL: ``abc/history/`` on an integer key raised ValueError, a 500 where Django's own pages
    answer "not found". An id the primary key cannot hold is a 404 here too. Put it before
    SimpleHistoryAdmin among the bases."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        try:
            self.model._meta.pk.to_python(unquote(object_id))  # type: ignore[attr-defined]
        except ValidationError:
            raise Http404 from None
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]
