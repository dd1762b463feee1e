"""Sync state of a profile and the reconciliation items ("đối khớp"), read through the API.

Deciding a mismatch (accept, dispute) stays in the admin's worklist, where the person who
decides is recorded; an integration only reads.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from cbccvc.api.viewsets import ReadOnlyViewSet
from orgtree.access import scope_for
from profiles.services import visible_profiles

from ..models import Mismatch, SyncItem
from .filtersets import MismatchFilterSet
from .serializers import MismatchSerializer, SyncItemSerializer


class ProfileSyncViewSet(ReadOnlyViewSet):
    """Trạng thái đồng bộ với CSDL quốc gia của các phiên bản đã ký số của hồ sơ."""

    serializer_class = SyncItemSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[SyncItem]:
        if getattr(self, "swagger_fake_view", False):
            return SyncItem.objects.none()
        profile = get_object_or_404(
            visible_profiles(self.request.user), pk=self.kwargs["profile_pk"]
        )
        return (
            SyncItem.objects.filter(version__profile=profile)
            .select_related("version")
            .order_by("-created_at", "-id")
        )

    @extend_schema(responses=SyncItemSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


class MismatchViewSet(ReadOnlyViewSet):
    """Sai lệch đối khớp với CSDL dân cư của các hồ sơ trong phạm vi của khóa."""

    serializer_class = MismatchSerializer
    filterset_class = MismatchFilterSet
    ordering_fields = ["id", "since", "last_seen_at"]
    ordering = ["id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Mismatch]:
        return (
            scope_for(self.request.user)
            .filter(Mismatch.objects.all(), "profile__unit")
            .select_related("profile", "decided_by")
            .order_by("id")
        )
