"""Base classes of every API view: request log, idempotency, ETag/If-Match, key scopes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import mixins, parsers, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from .mixins import ApiViewMixin, ConditionalMixin
from .permissions import KeyScopePermission

PERMISSIONS = [IsAuthenticated, KeyScopePermission]


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with arrays or objects nested deeper than Python's decoder can
    follow (``[[[[…`` a few thousand deep, RecursionError, which DRF does not catch) a 400
    like any other malformed body, not a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Nội dung JSON lồng nhau quá sâu.")) from None


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
