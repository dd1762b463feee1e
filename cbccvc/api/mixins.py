"""What every API view shares: the per-key request log, Idempotency-Key on POST, ETag and
If-Match, the reason for a change (``X-Change-Reason`` header or ``change_reason`` field), and
a length limit on query values."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from orgtree.models import ApiKey, ApiRequestLog, IdempotencyRecord

from .problems import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    PreconditionFailed,
    PreconditionRequired,
)

IDEMPOTENCY_TTL = timedelta(hours=24)
#: the longest query value any API view takes (issue #14): ``?q=`` of 100,000 characters was a
#: LIKE pattern SQLite refuses (a 500); no filter needs a page of text
MAX_QUERY_VALUE = 1000
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


class _Replay(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _caller(request: Request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


def _body(request: Request) -> bytes:
    try:
        return request.body
    except RawPostDataException:  # a multipart body already parsed (CSRF check): its parts
        parts = [f"{k}={v}" for k, v in sorted(request.POST.items())]
        parts += [f"{k}:{f.name}:{f.size}" for k, f in sorted(request.FILES.items())]
        return "\n".join(parts).encode("utf-8")


class ApiViewMixin:
    """Mixed into every API view (before the DRF view class)."""

    _idempotency: IdempotencyRecord | None = None

    # -- request log ----------------------------------------------------------------------
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.perf_counter()
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        drf_request = getattr(self, "request", None)
        key = getattr(drf_request, "_auth", None)
        if isinstance(key, ApiKey):
            ApiRequestLog.objects.create(
                api_key=key,
                method=request.method[:10],
                path=request.get_full_path()[:500],
                status=response.status_code,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        return response

    # -- Idempotency-Key ------------------------------------------------------------------
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        too_long = {
            name: [
                gettext("Giá trị dài %(length)s ký tự, tối đa %(max)s.")
                % {"length": len(value), "max": MAX_QUERY_VALUE}
            ]
            for name, values in request.query_params.lists()
            for value in values
            if len(value) > MAX_QUERY_VALUE
        }
        if too_long:
            raise ValidationError(too_long)
        key = request.headers.get("Idempotency-Key", "").strip()
        if request.method != "POST" or not key:
            return
        digest = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), _body(request)])
        ).hexdigest()
        caller = _caller(request)
        IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
        try:
            with transaction.atomic():
                self._idempotency = IdempotencyRecord.objects.create(
                    caller=caller, key=key[:255], request_hash=digest
                )
            return
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.get(caller=caller, key=key[:255])
        if record.request_hash != digest:
            raise IdempotencyKeyReused()
        if record.status_code is None:
            raise IdempotencyInProgress()
        replay = HttpResponse(bytes(record.response_body or b""), status=record.status_code)
        for name, value in record.response_headers.items():
            replay[name] = value
        replay["Idempotent-Replayed"] = "true"
        raise _Replay(replay)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record = self._idempotency
        if record is not None:
            self._idempotency = None
            if response.status_code >= 500:
                record.delete()
            else:
                response.render()
                record.status_code = response.status_code
                record.response_body = response.content
                record.response_headers = {
                    h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)
                }
                record.save(update_fields=["status_code", "response_body", "response_headers"])
        return response

    # -- who and why ----------------------------------------------------------------------
    def change_reason(self, default: str) -> str:
        request = self.request  # type: ignore[attr-defined]
        reason = unquote(request.headers.get("X-Change-Reason", "")).strip()
        if not reason and isinstance(request.data, dict):
            reason = str(request.data.get("change_reason", "") or "").strip()
        reason = reason or default
        if isinstance(request.auth, ApiKey):
            reason = f"{reason} [API {request.auth.client.name}, khóa {request.auth.prefix}]"
        return reason[:100]


def etag_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40] + '"'


class ConditionalMixin:
    """ETag on detail; If-Match required on PUT, PATCH and DELETE (428 without, 412 stale).

    ``current_etag(obj)`` must be recomputed under the row lock the write holds, so two clients
    holding the same ETag cannot both write: the second sees the new ETag and gets 412.
    """

    def current_etag(self, obj: Any) -> str:
        return etag_of(self.get_serializer(obj).data)  # type: ignore[attr-defined]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        response = Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]
        response["ETag"] = self.current_etag(obj)
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        # every object read carries an ETag (the schema says so), also where a view builds
        # its own answer: the hash of the body then
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            getattr(self, "action", None) == "retrieve"
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, Response)
            and not response.has_header("ETag")
        ):
            response["ETag"] = etag_of(response.data)
        return response

    def check_if_match(self, obj: Any) -> None:
        request = self.request  # type: ignore[attr-defined]
        given = request.headers.get("If-Match", "").strip()
        if not given:
            raise PreconditionRequired()
        tags = {t.strip().removeprefix("W/") for t in given.split(",")}
        if "*" not in tags and self.current_etag(obj) not in tags:
            raise PreconditionFailed()
