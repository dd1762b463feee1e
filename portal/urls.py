"""The portal's own pages (mounted under ``/admin/hop-duyet/`` by :mod:`cbccvc.urls`), each
behind the admin's login (``admin.site.admin_view``)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from . import inbox

app_name = "portal"

urlpatterns = [
    path("", admin.site.admin_view(inbox.inbox), name="inbox"),
    path("<int:profile_id>/", admin.site.admin_view(inbox.detail), name="inbox_detail"),
]
