"""Request ids in every log line, the health check and the guard in front of /metrics."""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes the proxy's ``X-Request-ID`` (when well formed) or makes one; puts it on the
    request, into every log record of the request, and on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def client_ip(request: HttpRequest) -> str:
    """The client address as django-axes computed it (it knows the proxy count)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "")


def _internal(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in settings.CBCCVC_METRICS_NETWORKS
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only for the internal networks (the scraper); 404 for anyone else.
    The proxy must not forward /metrics either (docs/deployment.md)."""
    if not _internal(request) or "HTTP_X_FORWARDED_FOR" in request.META:
        return HttpResponseNotFound()
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)


# -- health -------------------------------------------------------------------------------------
def _check_database() -> dict[str, Any]:
    from django.db import connections

    result: dict[str, Any] = {"ok": True}
    # The application's databases; the national emulator's ("national") is a separate service.
    for alias in (a for a in connections if a != "national"):
        started = time.monotonic()
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result[f"{alias}_ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _check_cache() -> dict[str, Any]:
    from django.core.cache import cache

    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok}


def _check_queue() -> dict[str, Any]:
    """How long the oldest queued task has waited (ORM broker), and when a task last ran."""
    from django.utils import timezone
    from django_q.brokers import get_broker
    from django_q.models import OrmQ, Success

    now = timezone.now()
    result: dict[str, Any] = {"ok": True}
    broker = get_broker()
    result["broker"] = type(broker).__name__
    result["queued"] = broker.queue_size()
    if "orm" in settings.Q_CLUSTER:
        oldest = OrmQ.objects.order_by("lock", "id").first()
        result["oldest_age_s"] = (
            round((now - oldest.lock).total_seconds()) if oldest and oldest.lock else 0
        )
    last = Success.objects.order_by("-stopped").values_list("stopped", flat=True).first()
    result["last_success_age_s"] = round((now - last).total_seconds()) if last else None
    max_age = int(getattr(settings, "CBCCVC_HEALTH_MAX_QUEUE_AGE_S", 900))
    result["ok"] = result.get("oldest_age_s", 0) <= max_age
    return result


def _check_disk() -> dict[str, Any]:
    usage = shutil.disk_usage(settings.VAR_DIR if settings.VAR_DIR.exists() else "/")
    free_ratio = usage.free / usage.total
    return {"ok": free_ratio > 0.05, "free_bytes": usage.free, "free_ratio": round(free_ratio, 3)}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _check_database,
    "cache": _check_cache,
    "queue": _check_queue,
    "disk": _check_disk,
}


def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"fail", "checks": {...}}``; 503 when any check fails, so the proxy
    takes the host out of rotation. No secrets and no data in the answer."""
    checks: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # a failed check is an answer, not a 500
            checks[name] = {"ok": False, "error": type(exc).__name__}
    ok = all(check.get("ok", False) for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
