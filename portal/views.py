"""The 403 and 404 pages in the admin's layout and the user's language (Django's own are bare
English). Under ``/api/`` a 404 stays the API's problem-details answer."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _context(request: HttpRequest, title: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "site_url": admin.site.site_url,
        "title": title,
    }
    if hasattr(request, "user"):
        try:
            context.update(admin.site.each_context(request))
        except Exception:  # an error page must render even if the admin's context cannot
            logger.exception("admin context unavailable for the error page")
    context["title"] = title
    context["is_popup"] = False
    context["is_nav_sidebar_enabled"] = False
    return context


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = _context(request, _("Không có quyền truy cập"))
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        from cbccvc.api.views import not_found

        return not_found(request, exception)
    context = _context(request, _("Không tìm thấy trang"))
    context["request_path"] = request.path
    return render(request, "404.html", context, status=404)
