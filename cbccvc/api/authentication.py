"""``Authorization: Bearer <key>`` (or ``Api-Key <key>``) for integration clients."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from orgtree.access import scope_for_key
from orgtree.apikeys import KeyRejected, authenticate_token, service_user_for

KEYWORDS = ("bearer", "api-key")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the client's service account, with the scope of the key only."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        keyword, _sep, token = header.partition(" ")
        if keyword.lower() not in KEYWORDS:
            return None
        if not token.strip():
            raise exceptions.AuthenticationFailed(_("The API key is missing."))
        try:
            key = authenticate_token(token)
        except KeyRejected as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        user = key.client.service_user or service_user_for(key.client)
        scope_for_key(user, key)
        return user, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="cbccvc"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "cbccvc.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Khóa API do quản trị cơ quan cấp: `Authorization: Bearer cbk_…`.",
        }
