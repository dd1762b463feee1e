"""Cursor pagination: stable pages on large, changing lists (no COUNT, no OFFSET scan)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def decode_cursor(self, request: Any) -> Any:
        # a malformed cursor is a bad request (400), not a missing page (DRF answers 404)
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = str(self.invalid_cursor_message)
            raise ValidationError({self.cursor_query_param: [message]}) from None
