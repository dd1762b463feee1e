"""ModelAdmin base that limits every admin path to the user's part of the org tree."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from cbccvc.admin_mixins import SiteLanguageHistoryMixin

from ..access import ALL_ROLES, EDIT_PROFILE_ROLES, scope_for, unit_of
from ..models import Unit


class ScopedAdminMixin(SiteLanguageHistoryMixin):
    """Rows are visible when their unit is inside one of the user's subtrees.

    ``scope_field`` is the path from the model to its Unit ("" when the model *is* Unit).
    ``view_roles`` may see, ``edit_roles`` may add and change; nobody deletes unless
    ``allow_delete`` (records are closed, not deleted). Objects outside the scope do not exist
    for the user: the admin answers as for an unknown id.
    """

    access_scope = "subtree"  # see orgtree/checks.py
    scope_field: str = "unit"
    view_roles: Collection[str] = ALL_ROLES
    edit_roles: Collection[str] = EDIT_PROFILE_ROLES
    allow_delete: bool = False

    # -- rows ---------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scope_for(request.user).filter(qs, self.scope_field, self.view_roles)

    def _unit(self, obj: Model | None) -> Unit | None:
        if obj is None:
            return None
        return unit_of(obj, self.scope_field)

    # -- permissions --------------------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and scope_for(request.user).has_any(self.view_roles)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        scope = scope_for(request.user)
        if obj is None:
            return scope.has_any(self.view_roles)
        return scope.covers(self._unit(obj), self.view_roles)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        scope = scope_for(request.user)
        if obj is None:
            return scope.has_any(self.edit_roles)
        return scope.covers(self._unit(obj), self.edit_roles)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return scope_for(request.user).has_any(self.edit_roles)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not self.allow_delete:
            return False
        return self.has_change_permission(request, obj)

    # -- object pages outside the scope answer as for an unknown id ---------------------------
    def _ensure_visible(self, request: HttpRequest, object_id: str) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError):
            visible = False
        if not visible:
            raise Http404("Không tìm thấy đối tượng.")

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # simple-history falls back to historical rows for ids the queryset hides, and would
        # answer 403 instead of 404: that would confirm the id exists in another agency.
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self._ensure_visible(request, object_id)
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )

    # -- writes -------------------------------------------------------------------------------
    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Unit and "queryset" not in kwargs:
            kwargs["queryset"] = scope_for(request.user).units(self.edit_roles).active()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        self.check_unit_in_scope(request, self._unit(obj))
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def check_unit_in_scope(self, request: HttpRequest, unit: Unit | None) -> None:
        if not scope_for(request.user).covers(unit, self.edit_roles):
            raise PermissionDenied("Đơn vị nằm ngoài phạm vi được phân quyền.")


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass
