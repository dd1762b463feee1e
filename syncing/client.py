"""The client of the national API (our side of :mod:`syncing.contract`).

One method per operation; every request is signed with the connection key. The client never
retries: the sync queue owns retries, backoff and the circuit breaker. Failures come out as
typed exceptions:

* :class:`KeyRevoked` — the key was revoked (or never activated): stop all calls;
* :class:`AuthFailed` — any other authentication refusal (wrong secret, clock skew …);
* :class:`RateLimited` — 429, with ``retry_after`` in seconds;
* :class:`NationalUnavailable` — 5xx, timeouts, refused or dropped connections: retry later;
* :class:`ContractError` — any other answer the contract does not allow (4xx, bad JSON);
* :class:`InsecureTransport` — the address is refused by the transport policy (plain HTTP
  outside the loopback demo, see :mod:`syncing.transport`): nothing is sent;
* :class:`CertificateError` — the server's TLS certificate failed verification.

Over the network the client speaks HTTPS (TLS 1.2 or later, certificate verified against the
system's CAs or ``CBCCVC_NATIONAL_CA_BUNDLE``); plain HTTP only as :mod:`syncing.transport`
allows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.utils.translation import gettext as _

from . import contract
from . import transport as transport_policy

logger = logging.getLogger(__name__)


class NationalError(Exception):
    """Base class: ``code`` (contract error code), ``message`` (Vietnamese), ``status``."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class AuthFailed(NationalError):
    pass


class KeyRevoked(AuthFailed):
    """The connection key is revoked or not active: no call can succeed with it."""


class RateLimited(NationalError):
    def __init__(self, message: str, *, retry_after: float, code: str = "rate_limited") -> None:
        super().__init__(message, code=code, status=429)
        self.retry_after = retry_after


class NationalUnavailable(NationalError):
    """Transient: the national side did not answer usefully (5xx, timeout, connection)."""


class ContractError(NationalError):
    """An answer outside the contract, or a request the national side refused as invalid."""


class InsecureTransport(ContractError):
    """The address may not be used (plain HTTP outside the loopback demo): nothing is sent."""


class CertificateError(NationalUnavailable):
    """The server's TLS certificate is not trusted (unknown CA, wrong name, expired)."""


@dataclass(frozen=True)
class ProfileItem:
    """One signed profile document to send (``document``: the signed XML bytes)."""

    personal_id: str
    version_hash: str
    unit_code: str
    document: bytes

    @property
    def idempotency_key(self) -> str:
        return contract.idempotency_key(self.personal_id, self.version_hash)

    def as_json(self) -> dict[str, str]:
        return {
            "personal_id": self.personal_id,
            "version_hash": self.version_hash,
            "unit_code": self.unit_code,
            "document": base64.b64encode(self.document).decode("ascii"),
        }


@dataclass(frozen=True)
class ItemResult:
    """The national answer for one item of a batch (or of an M51 test sync)."""

    index: int
    personal_id: str
    version_hash: str
    status: str  # accepted | already_received | rejected | valid | invalid
    code: str = ""
    message: str = ""
    receipt_id: str = ""
    received_at: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        """The national side holds this version (first delivery or a duplicate)."""
        return self.status in contract.CONFIRMED_STATUSES

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemResult:
        try:
            return cls(
                index=int(data["index"]),
                personal_id=str(data.get("personal_id", "")),
                version_hash=str(data.get("version_hash", "")),
                status=str(data["status"]),
                code=str(data.get("code") or ""),
                message=str(data.get("message") or ""),
                receipt_id=str(data.get("receipt_id") or ""),
                received_at=str(data.get("received_at") or ""),
                problems=list(data.get("problems") or []),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ContractError(f"Kết quả từng hồ sơ không đúng hợp đồng API: {exc}") from exc


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


class NationalClient:
    """Signed HTTP calls to the national API. ``transport`` lets tests and benchmarks pass an
    ``httpx`` transport (e.g. ``httpx.WSGITransport``); by default a real connection pool over
    HTTPS. The transport policy (:mod:`syncing.transport`) applies to the real network only: an
    address it refuses makes every call raise :class:`InsecureTransport` before sending."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self._secret = secret
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._refusal = ""
        verify: Any = True
        if transport is None:
            self._refusal = transport_policy.refusal(self.base_url)
            if not self._refusal and urlsplit(self.base_url).scheme.lower() == "https":
                try:
                    verify = transport_policy.ssl_context()
                except (OSError, ssl.SSLError) as exc:
                    self._refusal = _(
                        "Không đọc được tệp chứng thư CA %(path)s (CBCCVC_NATIONAL_CA_BUNDLE): "
                        "%(error)s"
                    ) % {"path": transport_policy.ca_bundle(), "error": exc}
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            verify=verify,
            headers={"Accept": "application/json", "User-Agent": "cbccvc-national-client/1.0"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NationalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        signed: bool = True,
    ) -> Any:
        """Send one request and return the decoded JSON answer (2xx) or raise."""
        query = urlencode([(k, str(v)) for k, v in (params or {}).items() if v is not None])
        body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"} if json_body is not None else {}
        if signed:
            headers.update(
                contract.signed_headers(
                    self.key_id, self._secret, method, self._base_path + path, query, body
                )
            )
        url = path + (f"?{query}" if query else "")
        if self._refusal:
            raise InsecureTransport(self._refusal, code="insecure_transport")
        try:
            response = self._http.request(method, url, content=body or None, headers=headers)
        except httpx.TimeoutException as exc:
            raise NationalUnavailable(
                f"CSDL quốc gia không trả lời trong thời hạn ({type(exc).__name__}).",
                code="timeout",
            ) from exc
        except httpx.TransportError as exc:
            problem = transport_policy.certificate_problem(exc)
            if problem is not None:
                raise CertificateError(
                    _(
                        "Chứng thư TLS của máy chủ %(host)s không được tin cậy (%(reason)s): "
                        "kiểm tra địa chỉ API và tệp CA (CBCCVC_NATIONAL_CA_BUNDLE)."
                    )
                    % {
                        "host": urlsplit(self.base_url).netloc,
                        "reason": problem.verify_message or problem.reason or str(problem),
                    },
                    code="tls_certificate",
                ) from exc
            raise NationalUnavailable(
                f"Không kết nối được CSDL quốc gia hoặc kết nối bị ngắt ({type(exc).__name__}).",
                code="connection",
            ) from exc
        if "Deprecation" in response.headers or "Sunset" in response.headers:
            # docs/national-api.md, "Versioning and deprecation" (RFC 9745, RFC 8594)
            logger.warning(
                "National API %s %s is deprecated (Deprecation: %s, Sunset: %s)",
                method,
                self._base_path + path,
                response.headers.get("Deprecation", "-"),
                response.headers.get("Sunset", "-"),
            )
        return self._decode(response)

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        status = response.status_code
        try:
            data = response.json() if response.content else None
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            data = None
        if 200 <= status < 300:
            if data is None and response.content:
                raise ContractError("Câu trả lời của CSDL quốc gia không phải JSON.", status=status)
            return data
        code = str(data.get("code", "")) if isinstance(data, dict) else ""
        detail = str(data.get("detail", "")) if isinstance(data, dict) else ""
        message = detail or (contract.message_for(code) if code else f"HTTP {status}")
        if status == 429:
            try:
                retry_after = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                retry_after = 1.0
            raise RateLimited(message, retry_after=retry_after, code=code or "rate_limited")
        if status >= 500:
            raise NationalUnavailable(
                message or f"CSDL quốc gia lỗi HTTP {status}.", code=code, status=status
            )
        if code in {"auth_key_revoked", "auth_key_not_active"}:
            raise KeyRevoked(message, code=code, status=status)
        if status in (401, 403) or code.startswith("auth_"):
            raise AuthFailed(message, code=code, status=status)
        raise ContractError(message, code=code, status=status)

    def _page(self, data: Any) -> Page:
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ContractError("Trang kết quả không đúng hợp đồng API (thiếu items).")
        return Page(items=data["items"], next_cursor=data.get("next_cursor") or None)

    def _results(self, data: Any, expected: int) -> list[ItemResult]:
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ContractError("Câu trả lời lô hồ sơ không đúng hợp đồng API (thiếu results).")
        results = sorted((ItemResult.from_json(r) for r in data["results"]), key=lambda r: r.index)
        if [r.index for r in results] != list(range(expected)):
            raise ContractError("Câu trả lời lô hồ sơ không có đúng một kết quả cho mỗi hồ sơ.")
        return results

    # -- operations -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Unauthenticated liveness of the national side."""
        return self.request("GET", contract.PATH_HEALTH, signed=False)

    def check_auth(self) -> dict[str, Any]:
        """The key as the national side sees it (agency, software, status)."""
        return self.request("GET", contract.PATH_AUTH_CHECK)

    def pull_units(self, *, since: str | None = None, cursor: str | None = None,
                   limit: int | None = None) -> Page:  # fmt: skip
        """One page of the national unit tree of the key's agency."""
        data = self.request(
            "GET", contract.PATH_UNITS, params={"since": since, "cursor": cursor, "limit": limit}
        )
        return self._page(data)

    def pull_all_units(self, *, since: str | None = None) -> list[dict[str, Any]]:
        units: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.pull_units(since=since, cursor=cursor, limit=contract.MAX_PAGE)
            units.extend(page.items)
            if not page.next_cursor:
                return units
            cursor = page.next_cursor

    def push_units(self, units: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Push local units (``code``, ``name``, ``parent_code``, optional ``kind``,
        ``short_name``); one result per unit, in order."""
        data = self.request("POST", contract.PATH_UNITS, json_body={"units": list(units)})
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ContractError("Câu trả lời đẩy đơn vị không đúng hợp đồng API.")
        return data["results"]

    def submit_profiles(self, items: Sequence[ProfileItem]) -> list[ItemResult]:
        """Send a batch of signed profiles; one :class:`ItemResult` per item, in order."""
        body = {"items": [item.as_json() for item in items]}
        data = self.request("POST", contract.PATH_PROFILE_BATCHES, json_body=body)
        return self._results(data, len(items))

    def test_sync(self, items: Sequence[ProfileItem]) -> dict[str, Any]:
        """The M51 test sync of 1–10 profiles: validated and answered in full, never stored.
        Returns the whole answer (``results`` as :class:`ItemResult`)."""
        body = {"items": [item.as_json() for item in items]}
        data = self.request("POST", contract.PATH_M51, json_body=body)
        results = self._results(data, len(items))
        return {**data, "results": results}

    def profile_status(self, keys: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Whether the national side holds each (personal ID, version hash)."""
        body = {"items": [{"personal_id": p, "version_hash": h} for p, h in keys]}
        data = self.request("POST", contract.PATH_PROFILE_STATUS, json_body=body)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ContractError("Câu trả lời tra cứu trạng thái không đúng hợp đồng API.")
        return data["items"]

    def sync_status(self) -> dict[str, Any]:
        """The agency's sync summary as the national side counts it."""
        return self.request("GET", contract.PATH_SYNC_STATUS)

    def reconciliation(self, *, since: str | None = None, cursor: str | None = None,
                       limit: int | None = None) -> Page:  # fmt: skip
        """One page of reconciliation results (mismatches with the population database)."""
        data = self.request(
            "GET",
            contract.PATH_RECONCILIATION,
            params={"since": since, "cursor": cursor, "limit": limit},
        )
        return self._page(data)

    def report_schedule(self, schedule: Mapping[str, Any]) -> dict[str, Any]:
        """Report the agency's sync schedule (``windows``: start, end, mode, note)."""
        return self.request("PUT", contract.PATH_SCHEDULE, json_body=dict(schedule))

    def get_schedule(self) -> dict[str, Any]:
        return self.request("GET", contract.PATH_SCHEDULE)

    # -- connection keys of the agency (letter 5034) --------------------------------------------

    def list_keys(self) -> list[dict[str, Any]]:
        """Every connection key the national side issued to this key's agency."""
        data = self.request("GET", contract.PATH_KEYS)
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ContractError("Danh sách khóa kết nối không đúng hợp đồng API (thiếu keys).")
        return data["keys"]

    def request_key_revocation(self, key_ids: Sequence[str], reason: str) -> list[dict[str, Any]]:
        """Ask the national side to revoke the agency's keys of software no longer used; one
        result per key id (``revoked``, ``already_revoked`` or ``rejected`` with a code)."""
        body = {"key_ids": list(key_ids), "reason": reason}
        data = self.request("POST", contract.PATH_KEY_REVOCATIONS, json_body=body)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ContractError("Câu trả lời thu hồi khóa không đúng hợp đồng API.")
        if len(data["results"]) != len(body["key_ids"]):
            raise ContractError("Câu trả lời thu hồi khóa không có đúng một kết quả mỗi khóa.")
        return data["results"]

    def activate_key(self, *, revoke_other_software: bool, reason: str = "") -> dict[str, Any]:
        """Activate this client's key (issued by the national side, not yet active). With
        ``revoke_other_software`` the agency's active keys of other software are revoked in the
        same operation; without it the national side refuses with ``key_conflict``
        (:class:`ContractError`) while one is active. The answer: ``status`` (``activated`` or
        ``already_active``), ``key`` and the ``revoked`` keys."""
        body = {"revoke_other_software": revoke_other_software, "reason": reason}
        data = self.request("POST", contract.PATH_KEY_ACTIVATION, json_body=body)
        if (
            not isinstance(data, dict)
            or data.get("status") not in ("activated", "already_active")
            or not isinstance(data.get("key"), dict)
            or not isinstance(data.get("revoked"), list)
        ):
            raise ContractError("Câu trả lời kích hoạt khóa không đúng hợp đồng API.")
        return data

    # -- reports to the ministry (letter 5034 and its follow-up) --------------------------------

    def submit_report(
        self,
        *,
        kind: str,
        number: str,
        report_date: str,
        title: str,
        document: bytes,
        signature: bytes | None,
        signer_name: str = "",
    ) -> dict[str, Any]:
        """Send one report (its PDF, with the agency's signed XML envelope over the PDF's
        SHA-256) to the ministry; idempotent on the document's SHA-256: a second sending of
        the same bytes answers ``already_received`` with the first receipt. ``signature=None``
        sends none (the ministry refuses it: ``report_unsigned``)."""
        body = {
            "kind": kind,
            "number": number,
            "report_date": report_date,
            "title": title,
            "signer_name": signer_name,
            "document": base64.b64encode(document).decode("ascii"),
            "document_sha256": hashlib.sha256(document).hexdigest(),
        }
        if signature is not None:
            body["signature"] = base64.b64encode(signature).decode("ascii")
        data = self.request("POST", contract.PATH_REPORTS, json_body=body)
        if not isinstance(data, dict) or data.get("status") not in ("accepted", "already_received"):
            raise ContractError("Câu trả lời tiếp nhận báo cáo không đúng hợp đồng API.")
        if not data.get("receipt_id"):
            raise ContractError("Câu trả lời tiếp nhận báo cáo thiếu mã tiếp nhận.")
        return data

    def list_reports(self) -> list[dict[str, Any]]:
        """The reports the ministry holds from this key's agency, newest first."""
        data = self.request("GET", contract.PATH_REPORTS)
        if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
            raise ContractError("Danh sách báo cáo không đúng hợp đồng API (thiếu reports).")
        return data["reports"]
