"""The sync status for dashboards, as JSON, limited to the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .stats import sync_overview


@require_GET
@login_required
def sync_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(sync_overview(request.user), json_dumps_params={"ensure_ascii": False})
