"""drf-spectacular post-processing: what a client generated from the schema needs to succeed.

- every operation documents its problem-details answers (``ProblemDetails``, RFC 9457);
- the conditional-write contract: ``If-Match`` (required) on PUT, PATCH and DELETE with 412
  and 428, the ``ETag`` response header on every object read and write answer;
- ``Idempotency-Key`` (optional) on every POST with 409/422, ``X-Change-Reason`` on the writes
  that record a reason, ``Retry-After`` on 429;
- fixes of what drf-spectacular emits that OpenAPI 3.0 validators reject (``nullable`` beside
  ``allOf`` without a ``type``) or that a generated client cannot use (a file upload offered
  form-urlencoded too).

The headers are declared once under ``components`` and referenced by every operation.
"""

from __future__ import annotations

import re
from typing import Any

PROBLEM_COMPONENT = "ProblemDetails"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

DESCRIPTIONS = {
    "400": "Dữ liệu không hợp lệ (lỗi theo từng trường trong `errors`).",
    "401": "Chưa xác thực, khóa sai, hết hạn hoặc đã thu hồi.",
    "403": "Khóa không có quyền (phạm vi) cho thao tác này.",
    "404": "Không tìm thấy (hoặc nằm ngoài phạm vi của khóa).",
    "405": "Phương thức không được hỗ trợ.",
    "406": "Không trả được định dạng yêu cầu.",
    "409": "Yêu cầu cùng Idempotency-Key đang được xử lý.",
    "412": "ETag trong If-Match đã cũ: đối tượng đã bị sửa. Đọc lại rồi gửi lại thay đổi.",
    "415": "Định dạng dữ liệu gửi lên không được hỗ trợ.",
    "422": "Idempotency-Key đã dùng cho một yêu cầu khác (khác nội dung).",
    "428": "Thiếu If-Match.",
    "429": "Vượt giới hạn số yêu cầu của khóa; chờ `Retry-After` giây.",
}

#: request headers, referenced as ``#/components/parameters/<name>``
PARAMETERS: dict[str, dict[str, Any]] = {
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "description": (
            "ETag của lần đọc gần nhất (header `ETag` của GET hoặc của lần ghi trước), "
            "nguyên văn kể cả dấu nháy kép; `*` bỏ qua kiểm tra. Thiếu: 428; đã cũ: 412."
        ),
        "schema": {"type": "string", "minLength": 1},
        "example": '"5d41402abc4b2a76b9719d911017c592"',
    },
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": (
            "Khóa do máy khách sinh (ví dụ UUID) cho mỗi thao tác. Gửi lại cùng khóa với cùng "
            "nội dung trong 24 giờ: nhận lại đúng câu trả lời đầu (header "
            "`Idempotent-Replayed: true`); cùng khóa với nội dung khác: 422; lần đầu còn "
            "đang xử lý: 409. Chỉ 255 ký tự đầu có nghĩa."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "example": "7f9c2ba4-e88f-4d5a-9b1e-2c3d4e5f6a7b",
    },
    "XChangeReason": {
        "name": "X-Change-Reason",
        "in": "header",
        "required": False,
        "description": (
            "Lý do thay đổi, ghi vào lịch sử hồ sơ (UTF-8, mã hóa phần trăm như một thành "
            "phần URL). Thay cho trường `change_reason` trong nội dung."
        ),
        "schema": {"type": "string", "pattern": "^[!-~ ]*$"},
        "example": "C%E1%BA%ADp%20nh%E1%BA%ADt%20s%E1%BB%91%20%C4%91i%E1%BB%87n%20tho%E1%BA%A1i",
    },
}

#: response headers, referenced as ``#/components/headers/<name>``
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "Phiên bản hiện tại của đối tượng: gửi lại trong `If-Match` khi sửa, xóa.",
        "required": True,
        "schema": {"type": "string", "pattern": '^"[^"]+"$'},
    },
    "Location": {
        "description": "Địa chỉ của đối tượng vừa tạo.",
        "required": True,
        "schema": {"type": "string"},
    },
    "IdempotentReplayed": {
        "description": "`true` khi đây là câu trả lời đã lưu cho cùng `Idempotency-Key`.",
        "required": False,
        "schema": {"type": "string", "enum": ["true"]},
    },
    "RetryAfter": {
        "description": "Số giây cần chờ trước khi gọi lại.",
        "required": False,
        "schema": {"type": "integer", "minimum": 0},
    },
}

WRITE_METHODS = ("put", "patch", "delete")

#: integer bounds that come from the database's column types (SQLite and PostgreSQL differ):
#: dropped, so that the committed schema does not depend on the database it was built on
DB_INTEGER_BOUNDS = {32767, 2147483647, 9223372036854775807}


def _drop_db_bounds(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer" and node.get("maximum") in DB_INTEGER_BOUNDS:
            node.pop("maximum")
            if node.get("format") == "int64":
                node.pop("format")
        for value in node.values():
            _drop_db_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _drop_db_bounds(value)


#: drf-spectacular's pattern of a decimal string: every part optional, so "", "-" and "." match
#: it although DRF refuses them
LOOSE_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _strict_decimal_patterns(node: Any) -> None:
    """At least one digit: ``^-?(?:\\d{1,3}(?:\\.\\d{0,2})?|\\.\\d{1,2})$``."""
    if isinstance(node, dict):
        match = LOOSE_DECIMAL.match(str(node.get("pattern", "")))
        if node.get("format") == "decimal" and match and "0" not in match.groups():
            whole, places = match.groups()
            node["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        for value in node.values():
            _strict_decimal_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _strict_decimal_patterns(value)


def _typed_nullable(node: Any, schemas: dict[str, Any]) -> None:
    """OpenAPI 3.0 allows ``nullable`` only beside a ``type``: drf-spectacular wraps a nullable
    reference as ``{allOf: [$ref], nullable: true}``; give it the referenced schema's type."""
    if isinstance(node, dict):
        if node.get("nullable") and "type" not in node and len(node.get("allOf", [])) == 1:
            ref = node["allOf"][0].get("$ref", "")
            target = schemas.get(ref.rsplit("/", 1)[-1], {})
            if "type" in target:
                node["type"] = target["type"]
        for value in node.values():
            _typed_nullable(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _typed_nullable(value, schemas)


#: the problem answers, referenced as ``#/components/responses/<name>``
RESPONSE_NAMES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "405": "MethodNotAllowed",
    "406": "NotAcceptable",
    "409": "IdempotencyConflict",
    "412": "PreconditionFailed",
    "415": "UnsupportedMediaType",
    "422": "IdempotencyKeyReused",
    "428": "PreconditionRequired",
    "429": "TooManyRequests",
}


def _problem_response(code: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[code],
        "content": {
            "application/problem+json": {
                "schema": {"$ref": f"#/components/schemas/{PROBLEM_COMPONENT}"}
            }
        },
    }
    if code == "429":
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def _has_file(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return any(p.get("format") == "binary" for p in schema.get("properties", {}).values())


def _uploads_as_multipart_only(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body with a file (``format: binary``) cannot be sent form-urlencoded: document it as
    ``multipart/form-data`` only (a generated client offered both sends the file as a form
    field, and the parser of a view that accepts forms too is no promise to clients)."""
    for operations in paths.values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            multipart = content.get("multipart/form-data", {}).get("schema", {})
            if "application/x-www-form-urlencoded" in content and _has_file(multipart, schemas):
                del content["application/x-www-form-urlencoded"]


#: a viewset's standard actions; other operations (custom actions, plain views) are summed up
#: by the first phrase of their own description
ACTION_VERBS = {
    "list": "Liệt kê",
    "create": "Tạo",
    "retrieve": "Xem",
    "update": "Cập nhật toàn bộ",
    "partial_update": "Cập nhật một phần",
    "destroy": "Xóa",
}


def _head(description: str) -> str:
    """The first phrase of a description without its asides in parentheses: up to the first
    colon or sentence end."""
    text = re.sub(r"\s*\([^()]*\)", "", description.strip())
    return re.split(r":|\.\s|\n", text, maxsplit=1)[0].strip().rstrip(".")


def _endpoint_actions(generator: Any) -> dict[tuple[str, str], str]:
    """``(path as in the schema, method) → viewset action`` from the generator's endpoints."""
    from drf_spectacular.settings import spectacular_settings

    prefix = spectacular_settings.SCHEMA_PATH_PREFIX or ""
    out = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        action = (getattr(callback, "actions", None) or {}).get(method.lower())
        if action:
            short = re.sub(f"^{prefix}", "", path).replace("{pk}", "{id}")
            out[short, method.lower()] = action
    return out


def _add_summaries(result: dict[str, Any], generator: Any) -> None:
    """Every operation gets a short ``summary`` (the title a reader of the documentation and a
    generated client's docstring show): the verb of a standard action and what the view is
    about ("Cập nhật một phần hồ sơ CBCCVC …"), or a custom action's own first phrase."""
    actions = _endpoint_actions(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            description = operation.get("description") or ""
            if operation.get("summary") or not description:
                continue
            head = _head(description)
            verb = ACTION_VERBS.get(actions.get((path, method), ""))
            if verb:
                # "Hồ sơ …" → "hồ sơ …"; an acronym ("CSDL …") keeps its case
                if not head[1:2].isupper():
                    head = head[:1].lower() + head[1:]
                head = f"{verb} {head}"
            operation["summary"] = head


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    _add_summaries(result, generator)
    components = result.setdefault("components", {})
    _drop_db_bounds(components)
    _strict_decimal_patterns(components)
    components.setdefault("schemas", {})[PROBLEM_COMPONENT] = PROBLEM_SCHEMA
    _typed_nullable(result, components["schemas"])
    _uploads_as_multipart_only(result.get("paths", {}), components["schemas"])
    components.setdefault("responses", {}).update(
        {name: _problem_response(code) for code, name in RESPONSE_NAMES.items()}
    )
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["401", "403", "405", "406", "429"]
            if "{" in path:
                codes.append("404")
            if method in ("get",):
                codes.append("400")
            if method in ("post", "put", "patch"):
                codes += ["400", "415"]
            if method == "post":
                codes += ["409", "422"]
            if method in WRITE_METHODS:
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                ref = f"#/components/responses/{RESPONSE_NAMES[code]}"
                responses.setdefault(code, {"$ref": ref})
    return result


def _is_object_path(path: str) -> bool:
    """``/units/{id}/``: one object (not a collection, not an action on an object)."""
    return path.rstrip("/").endswith("}")


def _editable_collections(paths: dict[str, Any]) -> set[str]:
    """Collections whose items are written with If-Match: a POST there creates such an item
    (the answer carries its ETag and Location; the history records a reason)."""
    out = set()
    for path, operations in paths.items():
        if _is_object_path(path) and any(m in operations for m in WRITE_METHODS):
            out.add(path.rstrip("/").rsplit("/", 1)[0] + "/")
    return out


def _add_parameter(operation: dict[str, Any], name: str) -> None:
    ref = {"$ref": f"#/components/parameters/{name}"}
    parameters = operation.setdefault("parameters", [])
    if ref not in parameters:
        parameters.append(ref)


def _add_header(response: dict[str, Any], name: str, component: str) -> None:
    response.setdefault("headers", {})[name] = {"$ref": f"#/components/headers/{component}"}


def _success(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for code, r in operation.get("responses", {}).items() if code.startswith("2")]


def add_http_headers(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """Request and response headers of the write contract (runs after add_problem_responses)."""
    components = result.setdefault("components", {})
    components.setdefault("parameters", {}).update(PARAMETERS)
    components.setdefault("headers", {}).update(HEADERS)
    paths = result.get("paths", {})
    creates = _editable_collections(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if method == "get" and _is_object_path(path) and "200" in responses:
                _add_header(responses["200"], "ETag", "ETag")
            if method in WRITE_METHODS:
                _add_parameter(operation, "IfMatch")
                _add_parameter(operation, "XChangeReason")
                if method != "delete" and "200" in responses:
                    _add_header(responses["200"], "ETag", "ETag")
            if method == "post":
                _add_parameter(operation, "IdempotencyKey")
                for response in _success(operation):
                    _add_header(response, "Idempotent-Replayed", "IdempotentReplayed")
                if path in creates:
                    _add_parameter(operation, "XChangeReason")
                    if "201" in responses:
                        _add_header(responses["201"], "ETag", "ETag")
                        _add_header(responses["201"], "Location", "Location")
    return result
