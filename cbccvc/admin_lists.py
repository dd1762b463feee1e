"""Change lists that cost less per row (issue 17 item 10: 50 officers on two cores).

Two things Django's admin does once per row of a list, for the same answer each time, took a
third of the profile list's CPU (50 rows):

- the selection checkbox is a form widget rendered through the template engine
  (``ModelAdmin.action_checkbox``);
- the link to each row carries the list's filters back (``_changelist_filters``), and
  ``add_preserved_filters`` resolves the row's URL against every admin URL pattern to learn
  that it is not the list's own URL.

:class:`CheapRowsMixin` writes the same markup directly and adds the filters to each row's
link itself, computed once per page. The HTML is the same as Django's
(tests/profiles/test_list_cost.py compares it with Django's own rendering).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext


class CheapRowsChangeList(ChangeList):
    """The row links carry the preserved filters, added once per page, not per row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # what add_preserved_filters would add to a row's change URL (it is not the list's
        # own URL, so the filters are passed on as they are); the tag then has nothing to do
        self.row_query = self.preserved_filters
        self.preserved_filters = ""

    def url_for_result(self, result: Any) -> str:
        url = super().url_for_result(result)
        return f"{url}?{self.row_query}" if self.row_query else url


class CheapRowsMixin:
    """For a ``ModelAdmin`` with a long list (see the module's docstring)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CheapRowsChangeList

    def action_checkbox(self, obj: Any) -> str:
        # Django's CheckboxInput renders the same tag through a template, once per row
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
