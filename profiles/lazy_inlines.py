"""The profile page loads a data group's tables when its tab is opened (issue 17 item 10).

Rendering every inline table of the thirteen data groups cost ~0.25 s of CPU per page (~370
widgets). The change page now renders the main form and the overview tab's read-only tables;
each other inline is a placeholder whose rows :meth:`LazyInlinesMixin.inline_view` answers,
which ``profiles/static/profiles/profile_tabs.js`` puts in place when its tab is opened.

Saving stays the admin's: a group whose table was loaded posts its management form and is
saved through ``save_related`` (``profiles.actions.editing_children``, with history) as before;
a group that was never loaded posts nothing and is left as it is: its formset is not built at
all, so it can neither fail for a missing management form nor touch a row. ``?nhom=tat-ca``
renders the whole page at once (the page without JavaScript, and the benchmark's baseline).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.admin.utils import unquote
from django.forms import Media
from django.forms.models import _get_foreign_key
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import get_language

from .services import SENSITIVE_GROUPS, audit_sensitive_read

#: ``?nhom=tat-ca``: every table in the page
FULL_PAGE_PARAM, FULL_PAGE_VALUE = "nhom", "tat-ca"
#: read-only tables of the overview tab, the one opened first: rendered with the page
EAGER_PREFIXES = frozenset({"findings", "versions"})


def inline_prefix(inline: Any) -> str:
    """The formset prefix the admin gives ``inline`` (``BaseInlineFormSet.get_default_prefix``)
    without building its formset class."""
    fk = _get_foreign_key(inline.parent_model, inline.model, fk_name=inline.fk_name)
    return fk.remote_field.get_accessor_name(model=inline.model).replace("+", "")


class LazyInlinesMixin:
    """For a ``ModelAdmin`` whose change page is in tabs (see the module's docstring)."""

    _widget_media: dict[tuple[type, bool, str], Media] = {}

    def lazy_page(self, request: HttpRequest, obj: Any) -> bool:
        """Whether the change page of ``obj`` leaves its data tables to their tabs."""
        return obj is not None and request.GET.get(FULL_PAGE_PARAM) != FULL_PAGE_VALUE

    def _left_out(self, request: HttpRequest, obj: Any, inline: Any) -> bool:
        if obj is None:
            return False  # a new profile has no rows to load
        prefix = inline_prefix(inline)
        if request.method == "POST":
            # a group whose table the browser never loaded sent no management form: left as is
            return f"{prefix}-TOTAL_FORMS" not in request.POST
        return prefix not in EAGER_PREFIXES and self.lazy_page(request, obj)

    def get_formsets_with_inlines(
        self, request: HttpRequest, obj: Any = None
    ) -> Iterator[tuple[Any, Any]]:
        for inline in self.get_inline_instances(request, obj):  # type: ignore[attr-defined]
            if not self._left_out(request, obj, inline):
                yield inline.get_formset(request, obj), inline

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        """The page's parts in the inlines' order: a rendered table, or a placeholder with the
        address of its rows; the placeholders' scripts and styles in the page's media."""
        rendered = {f.formset.prefix: f for f in context.get("inline_admin_formsets", [])}
        parts: list[dict[str, Any]] = []
        media = context.get("media") or Media()
        for inline in self.get_inline_instances(request, obj):  # type: ignore[attr-defined]
            prefix = inline_prefix(inline)
            if prefix in rendered:
                parts.append({"formset": rendered[prefix]})
                continue
            if obj is None:
                continue
            parts.append(
                {
                    "prefix": prefix,
                    "title": capfirst(inline.verbose_name_plural),
                    "url": reverse(
                        f"{self.admin_site.name}:profiles_profile_inline",  # type: ignore[attr-defined]
                        args=[obj.pk, prefix],
                    ),
                }
            )
            media += self._media_of(request, obj, inline)
        context["profile_inline_parts"] = parts
        context["media"] = media
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _media_of(self, request: HttpRequest, obj: Any, inline: Any) -> Media:
        """The scripts a group's table needs once it arrives (inlines.js, calendar, select2):
        the page has to carry them, as scripts in a loaded fragment do not run."""
        # select2's messages come in the user's language
        key = (type(inline), bool(inline.has_change_permission(request, obj)), get_language())
        if key not in self._widget_media:
            form = inline.get_formset(request, obj).form()
            self._widget_media[key] = inline.media + form.media
        return self._widget_media[key]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/nhom/<str:prefix>/",
                self.admin_site.admin_view(self.inline_view),  # type: ignore[attr-defined]
                name="profiles_profile_inline",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def inline_view(self, request: HttpRequest, object_id: str, prefix: str) -> HttpResponse:
        """One group's table of ``object_id`` as the change page renders it (management form
        included), for the user's permissions; 404 outside the user's scope or for a group the
        user may not see. A sensitive group's read is audited here, where it is shown."""
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is None or not self.has_view_permission(request, obj):  # type: ignore[attr-defined]
            raise Http404
        inline = next(
            (
                i
                for i in self.get_inline_instances(request, obj)  # type: ignore[attr-defined]
                if inline_prefix(i) == prefix
            ),
            None,
        )
        if inline is None:
            raise Http404
        formset_class = inline.get_formset(request, obj)
        formset = formset_class(
            **self.get_formset_kwargs(request, obj, inline, prefix)  # type: ignore[attr-defined]
        )
        [admin_formset] = self.get_inline_formsets(  # type: ignore[attr-defined]
            request, [formset], [inline], obj
        )
        html = render_to_string(inline.template, {"inline_admin_formset": admin_formset}, request)
        if prefix in SENSITIVE_GROUPS:
            audit_sensitive_read([prefix], request=request, obj=obj, via="admin")
        return HttpResponse(html)
