"""Throttling per API key (each key has its own rate); browser sessions per user."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from orgtree.models import ApiKey

SESSION_RATE = "1200/min"


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def __init__(self) -> None:  # the rate depends on the key: decided in allow_request
        pass

    def allow_request(self, request: Any, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        self.rate = f"{key.rate_per_minute}/min" if key is not None else SESSION_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
