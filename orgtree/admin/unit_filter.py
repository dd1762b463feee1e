"""A unit list filter that scales to a province: a search box and a short tree, not a list.

The profile list's old filter listed every unit in scope (~200 for a province, an 8,400-px
page). This one shows a search box (the admin's autocomplete over the unit admin's folded-name
search, static JS only) and, around the chosen unit, its path from the user's own units and
its direct children as links, so the tree can be walked one level at a time.

Every unit shown or accepted lies in the user's part of the tree: a unit outside it filters to
nothing and is never named.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..access import ALL_ROLES, scope_for
from ..models import Unit, UnitAssignment
from ..tree import is_within, subtree_q

#: children listed under the chosen unit; more are reached through the search box
CHILDREN_SHOWN = 30


class UnitTreeFilter(admin.SimpleListFilter):
    """Filter rows to a unit's subtree; subclasses name the path to the unit (``unit_field``).

    ``autocomplete`` names the (app label, model, field) whose admin autocomplete answers the
    search box: a model admin listing that field in ``autocomplete_fields``.
    """

    title = _("cây đơn vị")
    parameter_name = "unit_tree"
    template = "admin/orgtree/unit_tree_filter.html"
    unit_field = "unit"
    autocomplete: tuple[str, str, str] = ("profiles", "profile", "unit")

    #: with "1", the chosen unit's own rows only, not its subtree (links from per-unit counts)
    own_parameter_name = "unit_tree_own"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        own = params.pop(self.own_parameter_name, None)
        self.own_only = bool(own) and own[-1] == "1"
        super().__init__(request, params, model, model_admin)
        self.scope = scope_for(request.user)
        self.selected: Unit | None = None
        value = self.value()
        if value and str(value).isdigit():
            unit = Unit.objects.filter(pk=int(value)).first()
            if unit is not None and self.scope.covers(unit, ALL_ROLES):
                self.selected = unit

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        return []  # the choices come from the search box and the tree (see choices())

    def has_output(self) -> bool:
        return self.scope.has_any(ALL_ROLES)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        if self.selected is None:  # unknown, malformed or outside the user's tree
            return queryset.none()
        if self.own_only:
            return queryset.filter(**{self.unit_field: self.selected})
        return queryset.filter(subtree_q(self.selected, self.unit_field))

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter_name, self.own_parameter_name]

    # -- what the template shows ---------------------------------------------------------------
    def _path(self) -> list[Unit]:
        """The chosen unit's ancestors inside the user's scope, then the unit itself."""
        if self.selected is None:
            return []
        ancestors = self.selected.get_ancestors(include_self=True)
        return [u for u in ancestors if self.scope.covers(u, ALL_ROLES)]

    def _children(self) -> tuple[list[Unit], bool]:
        if self.selected is not None:
            qs = self.selected.get_children().filter(status=Unit.Status.ACTIVE)
        elif self.scope.is_national:
            qs = Unit.objects.filter(parent__isnull=True, status=Unit.Status.ACTIVE)
        else:
            roots = {u.pk: u for u in self.scope.roots(ALL_ROLES)}
            # a root inside another root's subtree is reached through that one
            top = [
                u for u in roots.values()
                if not any(o.pk != u.pk and is_within(u, o) for o in roots.values())
            ]  # fmt: skip
            top.sort(key=lambda u: u.name)
            return top[:CHILDREN_SHOWN], len(top) > CHILDREN_SHOWN
        units = list(qs.order_by("name")[: CHILDREN_SHOWN + 1])
        return units[:CHILDREN_SHOWN], len(units) > CHILDREN_SHOWN

    def choices(self, changelist: ChangeList) -> Iterator[Any]:  # one item: the template's data
        def link(unit: Unit) -> str:
            return changelist.get_query_string(
                {self.parameter_name: unit.pk}, ["p", self.own_parameter_name]
            )

        children, more = self._children()
        app_label, model_name, field_name = self.autocomplete
        yield {
            "selected": self.selected,
            "own_only": self.own_only,
            "clear_query_string": changelist.get_query_string(
                remove=[self.parameter_name, self.own_parameter_name, "p"]
            ),
            "path": [(u, link(u)) for u in self._path()],
            "children": [(u, link(u)) for u in children],
            "more_children": more,
            "hidden": [
                (k, v)
                for k, v in changelist.params.items()
                if k not in (self.parameter_name, self.own_parameter_name, "p")
            ],
            "parameter_name": self.parameter_name,
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
        }


def unit_picker() -> AutocompleteSelect:
    """A unit field's widget for forms outside a model admin: a search box over the unit
    admin's folded-name search (active units of the user's scope), not a select of every unit.
    The form field's queryset still decides what is accepted."""
    return AutocompleteSelect(
        UnitAssignment._meta.get_field("unit"),
        admin.site,
        attrs={"data-placeholder": _("Gõ tên hoặc mã đơn vị…"), "style": "width: 28em"},
    )
