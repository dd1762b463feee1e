"""The API root: links to the collections (DRF's browsable API renders it in a browser)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .problems import PROBLEM_CONTENT_TYPE, problem
from .viewsets import ApiView

COLLECTIONS = [
    "unit-list",
    "profile-list",
    "codelist-list",
    "place-resolve",
    "import-list",
    "mismatch-list",
    "schema",
]


class ApiRootView(ApiView):
    """API tích hợp của hệ thống hồ sơ CBCCVC."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({name: reverse(f"api:{name}", request=request) for name in COLLECTIONS})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: under ``/api/`` a problem-details answer, elsewhere the default."""
    if request.path.startswith("/api/"):
        body = problem(404, str(_("The requested resource was not found.")), request, code="404")
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]
