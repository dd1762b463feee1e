"""The API root: links to the collections (DRF's browsable API renders it in a browser)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .viewsets import ApiView

COLLECTIONS = ["unit-list", "profile-list", "codelist-list", "place-resolve", "schema"]


class ApiRootView(ApiView):
    """API tích hợp của hệ thống hồ sơ CBCCVC."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({name: reverse(f"api:{name}", request=request) for name in COLLECTIONS})
