"""Navigation of the unit tree that scales: active units by default, the tree as of a date,
and change events that name their units.

Kept beside :mod:`orgtree.admin.units` (the tree's forms and actions) so that module stays
about writes; :class:`UnitNavigationMixin` adds the pages to the unit admin.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from ..access import ALL_ROLES, Scope, scope_for
from ..models import Unit, UnitChangeEvent, UnitEventLink
from ..tree import TreeNode, tree_as_of

#: roles of an event's units named in the events list (units that merely moved along with
#: their parent are on the event's page)
NAMED_ROLES = (
    UnitEventLink.Role.SUBJECT,
    UnitEventLink.Role.SOURCE,
    UnitEventLink.Role.TARGET,
)


class UnitStatusFilter(admin.SimpleListFilter):
    """The unit's status, active units by default: merged, split and dissolved units are
    history, shown on request (and always when searching, to find where an old unit went)."""

    title = _("trạng thái")
    parameter_name = "status__exact"  # the field filter's parameter, so old links still work
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            *((value, label) for value, label in Unit.Status.choices if value != "active"),
            (self.ALL, _("Tất cả, kể cả đơn vị đã đóng")),
        ]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() in (None, Unit.Status.ACTIVE),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": Unit.Status.ACTIVE.label,
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in Unit.Status.values:
            return queryset.filter(status=value)
        if request.GET.get("q"):
            return queryset  # a search finds old units too
        return queryset.filter(status=Unit.Status.ACTIVE)


class AsOfForm(forms.Form):
    on = forms.DateField(
        label=_("Cây đơn vị tại ngày"),
        widget=AdminDateWidget(attrs={"placeholder": "dd/mm/yyyy"}),
    )


def _visible_forest(nodes: list[TreeNode], visible: set[int] | None) -> list[TreeNode]:
    """The nodes the user may see: a hidden node's visible descendants take its place."""
    if visible is None:
        return nodes
    kept: list[TreeNode] = []
    for node in nodes:
        if node.unit_id in visible:
            node.children = _visible_forest(node.children, visible)
            kept.append(node)
        else:
            kept.extend(_visible_forest(node.children, visible))
    return kept


def _render(nodes: list[TreeNode], depth: int = 0) -> SafeString:
    """Nested <details>: the first two levels open, deeper ones closed (no script needed)."""
    items = []
    for node in nodes:
        link = format_html(
            '<a href="{}">{}</a> <span class="unit-code">[{}]</span>',
            reverse("admin:orgtree_unit_change", args=[node.unit_id]),
            node.name,
            node.code,
        )
        if node.children:
            items.append(
                format_html(
                    '<li><details{}><summary>{} <span class="unit-count">({})</span>'
                    "</summary>{}</details></li>",
                    mark_safe(" open") if depth < 1 else "",
                    link,
                    len(node.children),
                    _render(node.children, depth + 1),
                )
            )
        else:
            items.append(format_html('<li class="unit-leaf">{}</li>', link))
    return format_html('<ul class="unit-as-of">{}</ul>', mark_safe("".join(items)))


def _count(nodes: list[TreeNode]) -> int:
    return sum(1 + _count(n.children) for n in nodes)


class UnitNavigationMixin:
    """Adds the tree-as-of-a-date page to the unit admin."""

    admin_site: Any
    model: type[Unit]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "theo-ngay/",
                self.admin_site.admin_view(self.as_of_view),
                name="orgtree_unit_as_of",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def as_of_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        form = AsOfForm(request.GET or {"on": timezone.localdate().strftime("%d/%m/%Y")})
        on: date | None = form.cleaned_data["on"] if form.is_valid() else None
        forest: list[TreeNode] = []
        if on is not None:
            scope = scope_for(request.user)
            visible = (
                None
                if scope.is_national
                else set(scope.units(ALL_ROLES).values_list("pk", flat=True))
            )
            forest = _visible_forest(tree_as_of(on), visible)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Cây đơn vị theo ngày"),
            "form": form,
            "on": on,
            "tree_html": _render(forest) if forest else "",
            "unit_count": _count(forest),
        }
        return TemplateResponse(request, "admin/orgtree/unit_as_of.html", context)


def events_with_units(
    queryset: QuerySet[UnitChangeEvent], scope: Scope
) -> QuerySet[UnitChangeEvent]:
    """Events with their named units inside ``scope`` loaded in one more query."""
    links = (
        UnitEventLink.objects.filter(role__in=NAMED_ROLES)
        .filter(scope.q("unit", ALL_ROLES))
        .select_related("unit")
        .order_by("role", "unit__name")
    )
    return queryset.prefetch_related(Prefetch("links", queryset=links, to_attr="named_links"))


def event_units(event: UnitChangeEvent) -> SafeString | str:
    """The event's units (subject, sources, targets) by name, as loaded by
    :func:`events_with_units` (an event loaded otherwise names none)."""
    links = getattr(event, "named_links", [])
    if not links:
        return "—"
    return format_html_join(
        mark_safe("<br>"), "{} [{}]", ((link.unit.name, link.unit.code) for link in links)
    )
