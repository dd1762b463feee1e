"""The security audit log in the admin: read-only, for superusers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cbccvc.admin_mixins import ViewOnlyAdminMixin

from . import otp_admin  # noqa: F401 - replaces django-otp's TOTP device admin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    access_scope = "national"
    list_display = ("at", "kind", "username", "ip_address", "object_type", "object_repr")
    list_filter = ("kind", "at")
    search_fields = ("username", "object_repr", "object_id", "ip_address", "request_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)
