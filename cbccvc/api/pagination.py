"""Cursor pagination: stable pages on large, changing lists (no COUNT, no OFFSET scan)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def get_page_size(self, request: Any) -> int:
        # DRF falls back to the default on ``page_size=null`` or ``page_size=`` and cuts a
        # size above the maximum: a client sending a wrong value must learn it, not get pages
        # of another size (400)
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (
            raw.strip().isascii() and raw.strip().isdigit() and 0 < int(raw) <= self.max_page_size
        ):
            message = _("Cần một số nguyên dương (tối đa %(max)d).") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return super().get_page_size(request)

    def decode_cursor(self, request: Any) -> Any:
        # a malformed cursor is a bad request (400), not a missing page (DRF answers 404)
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = str(self.invalid_cursor_message)
            raise ValidationError({self.cursor_query_param: [message]}) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # the bounds get_page_size enforces, so that a client (and schemathesis) knows them
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # DRF's examples name another API and the ``next`` one ends in a stray quote (an
        # invalid URI): examples of this API instead
        result = super().get_paginated_response_schema(schema)
        base = "https://cbccvc.example/api/v1/profiles/?" + self.cursor_query_param
        result["properties"]["next"]["example"] = base + "=cD00ODY%3D"
        result["properties"]["previous"]["example"] = base + "=cj0xJnA9NDg3"
        return result
