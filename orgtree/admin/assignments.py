"""Admin for (unit, role) assignments: agency admins manage the roles in their subtree."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import ForeignKey, Q
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ..access import MANAGE_UNIT_ROLES, scope_for
from ..models import UnitAssignment
from .scoped import ScopedAdminMixin


@admin.register(UnitAssignment)
class UnitAssignmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "unit"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = MANAGE_UNIT_ROLES
    allow_delete = True  # revoking a role is a delete; the history keeps who and when
    list_display = ["user", "role", "unit", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__search_text"]
    list_select_related = ["user", "unit", "granted_by"]
    autocomplete_fields: list[str] = []
    exclude = ["granted_by"]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "user":
            scope = scope_for(request.user)
            users = get_user_model().objects.filter(is_active=True)
            if not scope.is_national:
                # Only people already inside the admin's subtree, or not yet placed anywhere:
                # an agency admin never sees the accounts of another agency.
                users = users.filter(
                    Q(unit_assignments__isnull=True)
                    | Q(pk__in=UnitAssignment.objects.filter(scope.q("unit")).values("user_id"))
                ).filter(is_superuser=False)
            kwargs["queryset"] = users.distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: UnitAssignment, form: Any, change: bool):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
