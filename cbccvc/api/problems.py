"""Every API error as RFC 9457 problem details (``application/problem+json``).

Titles are translated (Vietnamese by default, English with ``Accept-Language: en``); field
errors go in ``errors`` as ``[{"field": …, "message": …, "code": …}]``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://cbccvc.example/problems/"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The resource has changed since you read it: read it again and resend your change."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("This request must carry an If-Match header with the ETag you read.")
    default_code = "precondition_required"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_key_reused"


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed.")
    default_code = "idempotency_in_progress"


class StateConflict(exceptions.APIException):
    """The request is well formed but the resource's state refuses it (a profile not in draft
    cannot be submitted): 409, not a 400 that would blame the request."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource's current state does not allow this operation.")
    default_code = "state_conflict"


TITLES: dict[int, Any] = {
    400: _("Invalid request"),
    401: _("Not authenticated"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    415: _("Unsupported media type"),
    422: _("Unprocessable request"),
    428: _("Precondition required"),
    429: _("Too many requests"),
    500: _("Server error"),
}


def _field_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_field_errors(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list)):
                out.extend(_field_errors(value, f"{prefix}[{index}]"))
            else:
                out.extend(_field_errors(value, prefix))
    else:
        code = getattr(data, "code", "invalid")
        out.append({"field": prefix or "non_field_errors", "message": str(data), "code": code})
    return out


def problem(
    status_code: int, detail: str, request: Any = None, *, code: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (code or str(status_code)),
        "title": str(TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.get_full_path()
    body.update(extra)
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    assert isinstance(exc, exceptions.APIException)
    code = exc.get_codes() if not isinstance(exc, exceptions.ValidationError) else "invalid"
    code = code if isinstance(code, str) else "invalid"
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        detail = str(_("The request has %(count)d errors: see “errors”.")) % {"count": len(errors)}
        if len(errors) == 1:
            detail = f"{errors[0]['field']}: {errors[0]['message']}"
        body = problem(response.status_code, detail, request, code="validation", errors=errors)
    else:
        body = problem(response.status_code, str(exc.detail), request, code=code)
    response.data = body
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or getattr(renderer, "format", "") == "json":
        response.content_type = PROBLEM_CONTENT_TYPE
    return response
