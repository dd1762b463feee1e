"""Base classes of every API view: request log, idempotency, ETag/If-Match, key scopes."""

from __future__ import annotations

from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from .mixins import ApiViewMixin, ConditionalMixin
from .permissions import KeyScopePermission

PERMISSIONS = [IsAuthenticated, KeyScopePermission]


class ApiView(ApiViewMixin, APIView):
    permission_classes = PERMISSIONS


class ReadOnlyViewSet(ApiViewMixin, ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = PERMISSIONS


class GenericViewSet(ApiViewMixin, ConditionalMixin, viewsets.GenericViewSet):
    permission_classes = PERMISSIONS


class ModelViewSet(
    ApiViewMixin,
    ConditionalMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = PERMISSIONS
