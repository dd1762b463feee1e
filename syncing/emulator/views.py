"""HTTP views of the emulated national API: thin wrappers around :mod:`.services`.

Every answer is JSON; errors are ``application/problem+json`` with a contract error code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .. import contract
from . import key_requests, reconciliation, reports, services
from .auth import AuthError, authenticate
from .models import ConnectionKey
from .state import RateLimiter

log = logging.getLogger(__name__)
FAULT_ENV = "national.fault"


def problem_response(code: str, detail: str = "", **extra: Any) -> JsonResponse:
    body = contract.problem(code, detail, **extra)
    response = JsonResponse(
        body,
        status=int(body["status"]),
        content_type=contract.PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    return response


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


Handler = Callable[[HttpRequest, ConnectionKey, Any], Any]


def endpoint(
    *, allow_issued: bool = False, **methods: Handler
) -> Callable[[HttpRequest], HttpResponse]:
    """One view for a path: ``GET=handler, POST=handler``; each handler gets the request,
    the authenticated key and the decoded JSON body (or None). ``allow_issued``: a key issued
    but not yet active may call it (the activation only)."""

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        handler = methods.get(request.method or "")
        if handler is None:
            response = problem_response(
                "method_not_allowed", f"Dùng {', '.join(sorted(methods))} cho đường dẫn này."
            )
            response["Allow"] = ", ".join(sorted(methods))
            return response
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > contract.MAX_BODY_BYTES:
            return problem_response("body_too_large")
        # read the body ourselves: a batch of 100 signed documents is larger than Django's
        # DATA_UPLOAD_MAX_MEMORY_SIZE, which guards form parsing, not this API
        request._body = request.read(length) if length else b""
        try:
            key = authenticate(request, allow_issued=allow_issued)
        except AuthError as exc:
            response = problem_response(exc.code, exc.detail)
            if exc.code == "rate_limited":
                response["Retry-After"] = RateLimiter.retry_after_header(exc.retry_after)
            return response
        body = None
        if request.body:
            try:
                body = json.loads(request.body)
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                return problem_response("request_invalid", "Nội dung không phải JSON hợp lệ.")
        try:
            return _json(handler(request, key, body))
        except services.RequestInvalid as exc:
            return problem_response(exc.code, exc.detail)
        except Exception:
            log.exception("national emulator: %s %s failed", request.method, request.path)
            return problem_response("internal_error")

    wrapped = wraps(next(iter(methods.values())))(view)
    wrapped.http_methods = sorted(methods)  # type: ignore[attr-defined]
    return wrapped


@csrf_exempt
def health(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return problem_response("method_not_allowed")
    return _json(
        {"status": "ok", "api_version": contract.API_VERSION, "time": timezone.now().isoformat()}
    )


def _submit(request: HttpRequest, key: ConnectionKey, body: Any) -> Any:
    answer = services.submit_profiles(key, body)
    if request.META.get(FAULT_ENV) and request.META[FAULT_ENV].duplicate:
        # a duplicate delivery inside the national side: the batch is processed again and the
        # second pass is what the client gets (every new item now answers "already received")
        answer = services.submit_profiles(key, body)
    return answer


auth_check = endpoint(GET=lambda request, key, body: {"key": services.key_json(key)})
units = endpoint(
    GET=lambda request, key, body: services.pull_units(key, request.GET),
    POST=lambda request, key, body: services.push_units(key, body),
)
profile_batches = endpoint(POST=_submit)
profile_status = endpoint(POST=lambda request, key, body: services.profile_status(key, body))
m51 = endpoint(POST=lambda request, key, body: services.test_sync(key, body))
sync_status = endpoint(GET=lambda request, key, body: services.sync_status(key))
reconciliation_results = endpoint(
    GET=lambda request, key, body: reconciliation.results_page(key, request.GET)
)
schedule = endpoint(
    GET=lambda request, key, body: services.schedule_of(key),
    PUT=lambda request, key, body: services.report_schedule(key, body),
)
keys = endpoint(GET=lambda request, key, body: key_requests.list_keys(key))
key_revocations = endpoint(
    POST=lambda request, key, body: key_requests.request_revocations(key, body)
)
key_activation = endpoint(
    allow_issued=True,
    POST=lambda request, key, body: key_requests.activate_calling_key(key, body),
)
ministry_reports = endpoint(
    GET=lambda request, key, body: reports.list_reports(key),
    POST=lambda request, key, body: reports.submit_report(key, body),
)


health.http_methods = ["GET"]  # type: ignore[attr-defined]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response("not_found", f"Không có đường dẫn {request.path}.")


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response("internal_error")
