"""Admin pages given query values they cannot use answer 400 naming them, never 500.

One middleware for every registered admin, ours and the third-party ones (users, django-q,
axes): a probe of every change list with each filter's parameters found 56 parameters on 24
lists whose values broke the page (issue #14):

- a number wider than 64 bits (``?campaign=<23 digits>``, ``?groups__in=…``, ``?status__in=…``)
  passes Django's lookups and fails only when SQLite binds it (OverflowError);
- a year beyond the calendar (``?at__year=<23 digits>``) fails in the date hierarchy
  (OverflowError, where Django catches only ValueError);
- a NUL character in a filter or search value is refused by PostgreSQL when the query runs
  (ValueError from the driver): refused here before any view;
- a search of 60,000 characters is a LIKE pattern SQLite refuses (OperationalError, 71 of 172
  long searches on the lists with a search box): a list's query value is at most 1,000
  characters.

Values Django itself refuses (``?campaign=abc``) made the list redirect to ``?e=1``, which
showed the whole list unfiltered without a word, and with ``e=1`` already present a "database
error" page: both become the same 400 page, naming the parameters and linking the full list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

#: parameters of the list itself, not filters: never named as the culprit
_LIST_PARAMS = frozenset({ERROR_FLAG, "p", "o", "all", "_popup", "_to_field"})
#: a value is shown up to this many characters
_SHOWN = 60
#: the longest query value a list takes: SQLite refuses a LIKE pattern over 50,000 bytes (a
#: 60,000-character search was a 500 on 24 lists), and no filter or search needs a page of text
MAX_QUERY_VALUE = 1000


def _is_admin(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.namespaces


def _is_changelist(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        match is not None and _is_admin(request) and (match.url_name or "").endswith("_changelist")
    )


def _shown(value: str) -> str:
    value = value.replace("\x00", "\\x00")
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def bad_query_response(request: HttpRequest) -> HttpResponse:
    """The 400 page: which parameters the list was given, a link to the list without them."""
    from django.contrib import admin

    params = [
        (_shown(key), _shown(value))
        for key, values in request.GET.lists()
        if key not in _LIST_PARAMS
        for value in values
    ]
    context = {
        **admin.site.each_context(request),
        "title": gettext("Bộ lọc không hợp lệ"),
        "params": params,
        "list_url": request.path,
    }
    # rendered now (it may replace a response whose rendering failed) and still a template
    # response (it may replace one before rendering)
    return TemplateResponse(request, "admin/bad_query.html", context, status=400).render()


class AdminQueryMiddleware:
    """Put it after the authentication middleware: the page is an admin page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 302
            and response.get("Location") == f"{request.path}?{ERROR_FLAG}=1"
            and _is_changelist(request)
        ):
            # Django's answer to a lookup it refused (IncorrectLookupParameters)
            return bad_query_response(request)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not _is_admin(request):
            return None
        values = [(key, value) for key, values in request.GET.lists() for value in values]
        if any("\x00" in key or "\x00" in value for key, value in values):
            return bad_query_response(request)
        if _is_changelist(request) and any(len(value) > MAX_QUERY_VALUE for _k, value in values):
            return bad_query_response(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # a number no database column holds: a request error wherever it was typed
        if isinstance(exception, OverflowError) and _is_admin(request):
            return bad_query_response(request)
        return None

    def process_template_response(self, request: HttpRequest, response: Any) -> Any:
        # the "database error" page Django shows when the list is asked again with e=1
        if response.template_name == "admin/invalid_setup.html" and _is_changelist(request):
            return bad_query_response(request)
        return response
