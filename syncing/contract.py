"""The contract with the national database (CSDLQG về CBCCVC), shared by our client and the
emulator of the national side: paths, limits, headers, error codes, and request signing.

The real national API is not public (domain brief §7); this is our own documented contract,
described for humans in ``docs/national-api.md`` and formally in ``docs/national-api.yaml``.

Authentication is HMAC-SHA256 request signing with a connection key ("khóa kết nối": a key id
and a secret issued by the national side per agency and software). Every request carries the
key id, a timestamp, a single-use nonce, the SHA-256 of the body and a signature over the
canonical string (:func:`canonical_string`). The server rejects a timestamp more than
:data:`MAX_CLOCK_SKEW` seconds away from its clock and any nonce it has already seen for that
key within the window, so a captured request cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

API_VERSION = "1.0"
API_PREFIX = "/api/v1"

# -- paths (relative to the base URL; the emulator serves exactly these) ------------------------
PATH_HEALTH = f"{API_PREFIX}/health"
PATH_AUTH_CHECK = f"{API_PREFIX}/auth/check"
PATH_UNITS = f"{API_PREFIX}/units"  # GET: pull the national tree; POST: push local units
PATH_PROFILE_BATCHES = f"{API_PREFIX}/profiles/batches"
PATH_PROFILE_STATUS = f"{API_PREFIX}/profiles/status"
PATH_M51 = f"{API_PREFIX}/m51/test-sync"
PATH_SYNC_STATUS = f"{API_PREFIX}/sync/status"
PATH_RECONCILIATION = f"{API_PREFIX}/reconciliation"
PATH_SCHEDULE = f"{API_PREFIX}/schedule"
PATH_KEYS = f"{API_PREFIX}/keys"  # GET: the agency's connection keys
PATH_KEY_REVOCATIONS = f"{API_PREFIX}/keys/revocations"  # POST: revoke old software's keys
PATH_KEY_ACTIVATION = f"{API_PREFIX}/keys/activation"  # POST: activate the calling (issued) key
PATH_REPORTS = f"{API_PREFIX}/reports"  # POST: a report to the ministry (PDF); GET: those sent

# -- limits -------------------------------------------------------------------------------------
MAX_BATCH = 100  # profiles per batch
M51_MIN, M51_MAX = 1, 10  # the M51 test sync takes 1–10 profiles
MAX_STATUS_LOOKUP = 500
MAX_UNITS_PUSH = 1000
MAX_KEY_REVOCATIONS = 50  # keys per revocation request
MAX_REPORT_BYTES = 10 * 1024 * 1024  # one report's PDF
REPORT_KINDS = ("software", "status")  # software review (letter 5034), status report (19/9)
# A report is sent with the agency's signature: an XML envelope naming the report and holding
# the PDF's SHA-256, with one enveloped XAdES-BES signature (docs/national-api.yaml)
REPORT_ENVELOPE_NS = "urn:cbccvc:bao-cao-bo-noi-vu:1.0"
REPORT_ENVELOPE_ROOT = "BaoCaoKySo"
MAX_REPORT_SIGNATURE_BYTES = 256 * 1024
MAX_PAGE = 500
DEFAULT_PAGE = 100
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_CLOCK_SKEW = 300  # seconds: timestamps outside ±5 min are refused
NONCE_MIN_LEN, NONCE_MAX_LEN = 16, 64

# -- headers ------------------------------------------------------------------------------------
HEADER_KEY_ID = "X-CBCCVC-Key-Id"
HEADER_TIMESTAMP = "X-CBCCVC-Timestamp"
HEADER_NONCE = "X-CBCCVC-Nonce"
HEADER_CONTENT_SHA256 = "X-CBCCVC-Content-SHA256"
HEADER_SIGNATURE = "X-CBCCVC-Signature"
HEADER_REQUEST_ID = "X-Request-Id"
SIGNATURE_SCHEME = "CBCCVC-HMAC-SHA256"
PROBLEM_CONTENT_TYPE = "application/problem+json"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# -- per-item outcomes of a profile batch -------------------------------------------------------
ITEM_ACCEPTED = "accepted"  # stored as the official record of that version
ITEM_ALREADY_RECEIVED = "already_received"  # same personal ID + version hash stored before
ITEM_REJECTED = "rejected"  # see the item's code and message
ITEM_VALID = "valid"  # M51 only: would be accepted (nothing stored)
ITEM_INVALID = "invalid"  # M51 only: would be rejected
# A version is confirmed on the national side when its item is accepted or already received.
CONFIRMED_STATUSES = frozenset({ITEM_ACCEPTED, ITEM_ALREADY_RECEIVED})


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int  # HTTP status of a request-level error; 0 for a per-item code
    message: str  # Vietnamese, shown to the user as is


_CODES = [
    # request-level (problem+json bodies)
    ErrorCode(
        "auth_missing", 401, "Thiếu thông tin xác thực (khóa kết nối, thời điểm, nonce, chữ ký)."
    ),
    ErrorCode("auth_key_unknown", 401, "Khóa kết nối không tồn tại trên CSDL quốc gia."),
    ErrorCode("auth_key_not_active", 403, "Khóa kết nối chưa được Bộ Nội vụ kích hoạt."),
    ErrorCode(
        "auth_key_revoked",
        403,
        "Khóa kết nối đã bị thu hồi: phần mềm này không còn được kết nối với CSDL quốc gia. "
        "Liên hệ người quản trị khóa để được cấp, kích hoạt khóa mới.",
    ),
    ErrorCode(
        "auth_signature_invalid",
        401,
        "Chữ ký yêu cầu không đúng (sai khóa bí mật hoặc yêu cầu bị sửa đổi).",
    ),
    ErrorCode(
        "auth_body_hash_mismatch", 401, "Mã băm SHA-256 của nội dung không khớp nội dung gửi lên."
    ),
    ErrorCode(
        "auth_timestamp_skew",
        401,
        "Thời điểm ký yêu cầu lệch quá 5 phút so với máy chủ CSDL quốc gia.",
    ),
    ErrorCode(
        "auth_nonce_replayed", 401, "Nonce đã được dùng: yêu cầu bị gửi lại (replay) và bị từ chối."
    ),
    ErrorCode(
        "rate_limited",
        429,
        "Vượt giới hạn số yêu cầu của khóa kết nối; thử lại sau thời gian Retry-After.",
    ),
    ErrorCode("request_invalid", 400, "Yêu cầu không đúng định dạng của hợp đồng API."),
    ErrorCode("batch_too_large", 413, f"Một lô chỉ được tối đa {MAX_BATCH} hồ sơ."),
    ErrorCode("m51_item_count", 400, f"Đồng bộ thử M51 nhận từ {M51_MIN} đến {M51_MAX} hồ sơ."),
    ErrorCode("not_found", 404, "Không có tài nguyên này."),
    ErrorCode("method_not_allowed", 405, "Phương thức không được hỗ trợ cho đường dẫn này."),
    ErrorCode("body_too_large", 413, "Nội dung yêu cầu quá lớn."),
    ErrorCode("unavailable", 503, "CSDL quốc gia tạm thời không phục vụ được; thử lại sau."),
    ErrorCode("internal_error", 500, "Lỗi máy chủ CSDL quốc gia."),
    ErrorCode(
        "report_unsigned",
        400,
        "Báo cáo chưa được ký số: gửi kèm chữ ký số của cơ quan (“signature”).",
    ),
    ErrorCode(
        "report_signature_invalid",
        400,
        "Chữ ký số của báo cáo không hợp lệ, không được tin cậy hoặc không khớp với tệp báo cáo.",
    ),
    ErrorCode(
        "key_conflict",
        409,
        "Cơ quan đang có khóa kết nối của phần mềm khác còn hoạt động: mỗi cơ quan chỉ dùng một "
        "phần mềm; thu hồi khóa đó cùng lúc kích hoạt khóa mới.",
    ),
    # per-item (inside a batch / M51 answer)
    ErrorCode(
        "document_malformed",
        0,
        "Tài liệu hồ sơ không phải XML hợp lệ hoặc không giải mã được base64.",
    ),
    ErrorCode(
        "xsd_invalid",
        0,
        "Tài liệu hồ sơ không đúng lược đồ XSD của phiên bản của nó (ho-so-cbccvc-1.1; "
        "ho-so-cbccvc-1.0 cho tài liệu ký trước).",
    ),
    ErrorCode("signature_invalid", 0, "Chữ ký số của hồ sơ không hợp lệ hoặc không được tin cậy."),
    ErrorCode(
        "document_mismatch",
        0,
        "Số định danh hoặc mã băm phiên bản khai báo khác với tài liệu đã ký.",
    ),
    ErrorCode("personal_id_invalid", 0, "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ErrorCode(
        "unit_unknown", 0, "Mã định danh đơn vị không có trong cây tổ chức quốc gia của cơ quan."
    ),
    ErrorCode("unit_invalid", 0, "Đơn vị gửi lên thiếu mã, tên hoặc đơn vị cấp trên không hợp lệ."),
]
ERROR_CODES: dict[str, ErrorCode] = {c.code: c for c in _CODES}


def message_for(code: str) -> str:
    return ERROR_CODES[code].message if code in ERROR_CODES else code


def problem(code: str, detail: str = "", **extra: object) -> dict[str, object]:
    """An RFC 9457 problem body for a request-level error code."""
    spec = ERROR_CODES[code]
    body: dict[str, object] = {
        "type": f"urn:cbccvc:national:error:{code}",
        "title": spec.message,
        "status": spec.status,
        "code": code,
        "detail": detail or spec.message,
    }
    body.update(extra)
    return body


# -- request signing ----------------------------------------------------------------------------


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_query(query: str) -> str:
    """The query string in canonical form: pairs sorted by name then value, each part
    percent-encoded (RFC 3986 unreserved characters kept), joined with ``&``."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def canonical_string(
    method: str, path: str, query: str, timestamp: str, nonce: str, content_sha256: str
) -> str:
    """The text that is signed: scheme, method, path, canonical query, timestamp, nonce and
    the body's SHA-256 (hex), one per line."""
    return "\n".join(
        [
            SIGNATURE_SCHEME,
            method.upper(),
            path,
            canonical_query(query),
            timestamp,
            nonce,
            content_sha256.lower(),
        ]
    )


def sign(secret: str, canonical: str) -> str:
    """Base64 of HMAC-SHA256(secret, canonical string)."""
    mac = hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def signatures_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def new_nonce() -> str:
    return secrets.token_hex(16)


def signed_headers(
    key_id: str,
    secret: str,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The authentication headers of one request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    digest = body_sha256(body)
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_CONTENT_SHA256: digest,
        HEADER_SIGNATURE: sign(secret, canonical_string(method, path, query, ts, nonce, digest)),
    }


def idempotency_key(personal_id: str, version_hash: str) -> str:
    """Personal ID + version hash: one national record per version of a profile."""
    return f"{personal_id}:{version_hash}"
