"""drf-spectacular post-processing: every operation documents its problem-details answers."""

from __future__ import annotations

from typing import Any

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
    "412": "ETag trong If-Match đã cũ: đối tượng đã bị sửa.",
    "415": "Định dạng dữ liệu gửi lên không được hỗ trợ.",
    "422": "Idempotency-Key đã dùng cho một yêu cầu khác.",
    "428": "Thiếu If-Match.",
    "429": "Vượt giới hạn số yêu cầu của khóa.",
}


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


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    _drop_db_bounds(result.get("components", {}))
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
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
            if method in ("put", "patch", "delete"):
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    return result
