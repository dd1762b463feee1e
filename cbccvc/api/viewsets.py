"""Base classes of every API view: request log, idempotency, ETag/If-Match, key scopes."""

from __future__ import annotations

from rest_framework import mixins, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from .mixins import ApiViewMixin, ConditionalMixin
from .permissions import KeyScopePermission

PERMISSIONS = [IsAuthenticated, KeyScopePermission]
# Bodies are JSON: a form encoding cannot say null (``null`` arrives as the text "null") nor
# carry lists, so it was a second, lossy way to send the same data. The file upload of
# imports declares its own parsers.
PARSERS = [JSONParser]


class ApiView(ApiViewMixin, APIView):
    permission_classes = PERMISSIONS
    parser_classes = PARSERS


class ReadOnlyViewSet(ApiViewMixin, ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = PERMISSIONS
    parser_classes = PARSERS


class GenericViewSet(ApiViewMixin, ConditionalMixin, viewsets.GenericViewSet):
    permission_classes = PERMISSIONS
    parser_classes = PARSERS


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
    parser_classes = PARSERS
