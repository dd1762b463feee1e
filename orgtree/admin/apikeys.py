"""Admin for integration clients and their API keys: issue (the secret is shown once), revoke,
and the per-key request log. Agency admins manage the clients of their own subtree."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from .. import apikeys
from ..access import MANAGE_UNIT_ROLES
from ..models import ApiKey, ApiRequestLog, IntegrationClient
from .scoped import ScopedAdminMixin


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("label", "prefix", "scope_list", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("quyền"))
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)


@admin.register(IntegrationClient)
class IntegrationClientAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "unit"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = MANAGE_UNIT_ROLES
    list_display = ("name", "unit", "contact_name", "contact_email", "created_at")
    search_fields = ("name", "contact_name", "unit__search_text")
    list_select_related = ("unit",)
    fields = ("name", "unit", "contact_name", "contact_email", "contact_phone")
    inlines = [ApiKeyInline]

    def save_model(self, request: HttpRequest, obj: IntegrationClient, form: Any, change: bool):
        super().save_model(request, obj, form, change)
        apikeys.service_user_for(obj)


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "client__unit"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = MANAGE_UNIT_ROLES
    list_display = ("__str__", "client", "scope_list", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("can_write", "can_import")
    search_fields = ("label", "prefix", "client__name")
    list_select_related = ("client",)
    readonly_fields = ("prefix", "created_by", "created_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        editable = ["client", "label", "can_read", "can_write", "can_import", "rate_per_minute"]
        if obj is None:
            return [*editable, "expires_at"]
        return [*editable, "expires_at", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None):
        if obj is None:
            return ()
        # a key's grant is fixed once issued: issue a new key for other scopes
        return ("client", "can_read", "can_write", "can_import", *self.readonly_fields)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "client":
            from ..access import scope_for

            kwargs["queryset"] = scope_for(request.user).filter(
                IntegrationClient.objects.all(), "unit", MANAGE_UNIT_ROLES
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("quyền"))
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        self.check_unit_in_scope(request, obj.client.unit)
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = apikeys.issue_key(obj.client, created_by=request.user, key=obj)
        request._issued_token = issued.token  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):
        token = getattr(request, "_issued_token", None)
        if token is None:  # pragma: no cover - save_model always sets it
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Khóa API vừa cấp"),
            "key": obj,
            "token": token,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/orgtree/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Thu hồi các khóa đã chọn"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse | None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            self.check_unit_in_scope(request, key.client.unit)
            apikeys.revoke_key(key, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("Đã thu hồi %(count)d khóa.", "Đã thu hồi %(count)d khóa.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        return None


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "api_key__client__unit"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = frozenset()
    list_display = ("at", "api_key", "method", "path", "status", "duration_ms")
    list_filter = ("method", "status")
    search_fields = ("path", "api_key__prefix", "api_key__client__name")
    list_select_related = ("api_key", "api_key__client")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
