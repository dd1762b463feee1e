"""Admin of the systems inventory (letter 5034): the agency's HR systems with the keys each
holds, the choice of one system, and the revocation request for the old systems' keys. Scoped
to the user's subtree; behaviour lives in :mod:`.inventory_actions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from orgtree.access import ALL_ROLES, MANAGE_UNIT_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.models import Unit

from . import inventory_actions
from .inventory import HrSystem, SystemKey
from .models import Connection


class SystemKeyInline(admin.TabularInline):
    model = SystemKey
    extra = 0
    fields = [
        "key_id",
        "destination",
        "state",
        "admin_name",
        "admin_position",
        "admin_phone",
        "admin_email",
        "connection",
        "state_note",
    ]
    readonly_fields = ["state_note"]

    # the keys belong to the system: its agency decides access (not Django's model
    # permissions, which agency admins do not hold)
    def _covers(self, request: HttpRequest, obj: HrSystem | None, roles: Any) -> bool:
        scope = scope_for(request.user)
        return scope.has_any(roles) if obj is None else scope.covers(obj.agency, roles)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._covers(request, obj, ALL_ROLES)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._covers(request, obj, MANAGE_UNIT_ROLES)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._covers(request, obj, MANAGE_UNIT_ROLES)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._covers(request, obj, MANAGE_UNIT_ROLES)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Connection:
            kwargs["queryset"] = scope_for(request.user).filter(
                Connection.objects.all(), "unit", MANAGE_UNIT_ROLES
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(HrSystem)
class HrSystemAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "agency"
    edit_roles = MANAGE_UNIT_ROLES
    inlines = [SystemKeyInline]
    list_display = [
        "name",
        "agency",
        "vendor",
        "product",
        "version",
        "profile_count",
        "status",
        "is_chosen",
    ]
    list_filter = ["status", "is_chosen"]
    search_fields = ["name", "vendor", "product", "agency__code", "agency__name"]
    filter_horizontal = ["units_served"]
    fieldsets = [
        (None, {"fields": ["agency", "name", "vendor", "product", "version", "profile_count"]}),
        ("Sử dụng", {"fields": ["units_served", "status", "in_use_since", "retired_on"]}),
        ("Lựa chọn (Công văn 5034)", {"fields": ["is_chosen", "choice_reason", "chosen_on"]}),
        (None, {"fields": ["note"]}),
    ]
    actions = ["activate_chosen", "request_revocation", "refresh_states"]

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Unit:
            # old (dissolved) units count too: they are the ones that used the old systems
            kwargs["queryset"] = scope_for(request.user).units(self.edit_roles)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _agencies(self, request: HttpRequest, queryset: QuerySet[HrSystem]) -> list[Unit]:
        scope = scope_for(request.user)
        seen: dict[int, Unit] = {}
        for system in queryset.select_related("agency"):
            if scope.covers(system.agency, self.edit_roles):
                seen.setdefault(system.agency_id, system.agency)
        return list(seen.values())

    @admin.action(
        description=_(
            "Kích hoạt khóa của hệ thống được chọn trên CSDL quốc gia "
            "(thu hồi cùng lúc khóa của phần mềm khác)"
        )
    )
    def activate_chosen(self, request: HttpRequest, queryset: QuerySet[HrSystem]) -> None:
        def run(agency: Unit) -> tuple[str, int]:
            outcome = inventory_actions.activate_chosen_key(agency, acting_user=request.user)
            return outcome.summary(), messages.SUCCESS

        self._per_agency(request, queryset, run)

    @admin.action(description=_("Đề nghị CSDL quốc gia thu hồi khóa của các hệ thống không chọn"))
    def request_revocation(self, request: HttpRequest, queryset: QuerySet[HrSystem]) -> None:
        def run(agency: Unit) -> tuple[str, int]:
            outcome = inventory_actions.request_old_key_revocation(agency, acting_user=request.user)
            return outcome.summary(), messages.WARNING if outcome.rejected else messages.SUCCESS

        self._per_agency(request, queryset, run)

    @admin.action(description=_("Cập nhật trạng thái khóa theo CSDL quốc gia"))
    def refresh_states(self, request: HttpRequest, queryset: QuerySet[HrSystem]) -> None:
        def run(agency: Unit) -> tuple[str, int]:
            changed = inventory_actions.refresh_key_states(agency, acting_user=request.user)
            text = ngettext(
                "%(count)s khóa đổi trạng thái.", "%(count)s khóa đổi trạng thái.", changed
            )
            return text % {"count": changed}, messages.SUCCESS

        self._per_agency(request, queryset, run)

    def _per_agency(
        self,
        request: HttpRequest,
        queryset: QuerySet[HrSystem],
        run: Callable[[Unit], tuple[str, int]],
    ) -> None:
        """``run`` for each agency of the selected systems the user may edit, its answer
        (text, message level) shown under the agency's name; a ValidationError it raises (the
        ministry refused, no key, …) is shown as an error and the next agency still runs."""
        for agency in self._agencies(request, queryset):
            try:
                text, level = run(agency)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"{agency}: {text}", level)


@admin.register(SystemKey)
class SystemKeyAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "system__agency"
    edit_roles = MANAGE_UNIT_ROLES
    list_display = [
        "key_id",
        "system",
        "destination",
        "state",
        "admin_name",
        "admin_position",
        "admin_phone",
        "admin_email",
    ]
    list_filter = ["destination", "state", "system__is_chosen"]
    search_fields = ["key_id", "system__name", "admin_name", "system__agency__code"]
    readonly_fields = ["state_changed_at", "state_note"]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        scope = scope_for(request.user)
        if db_field.related_model is HrSystem:
            kwargs["queryset"] = scope.filter(HrSystem.objects.all(), "agency", self.edit_roles)
        elif db_field.related_model is Connection:
            kwargs["queryset"] = scope.filter(Connection.objects.all(), "unit", self.edit_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
