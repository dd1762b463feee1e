"""The OpenAPI schema is enough to make a write succeed: it documents If-Match, ETag,
Idempotency-Key, X-Change-Reason, Retry-After, the problem answers, servers and tags; it is a
valid OpenAPI 3.0 document; and a client that uses only what ``docs/openapi.yaml`` says reads,
updates, creates (twice, idempotently) and deletes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
WRITES = ("put", "patch", "delete")


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(spec: dict[str, Any]):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def header_params(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params = [resolve(spec, p) for p in op.get("parameters", [])]
    return {p["name"]: p for p in params if p["in"] == "header"}


def response_headers(spec: dict[str, Any], op: dict[str, Any], code: str) -> dict[str, Any]:
    response = resolve(spec, op["responses"][code])
    return {name: resolve(spec, h) for name, h in response.get("headers", {}).items()}


def is_object_path(path: str) -> bool:
    return path.rstrip("/").endswith("}")


# -- (1) the generated schema documents every header and status a client needs ---------------


def test_every_write_documents_if_match_412_428_and_the_change_reason(generated):
    writes = [(p, m, op) for p, m, op in operations(generated) if m in WRITES]
    assert len(writes) >= 30  # profiles and their child tables
    for path, method, op in writes:
        headers = header_params(generated, op)
        assert headers["If-Match"]["required"] is True, (method, path)
        assert headers["X-Change-Reason"]["required"] is False, (method, path)
        assert {"412", "428"} <= set(op["responses"]), (method, path)


def test_every_post_documents_an_optional_idempotency_key_and_its_422(generated):
    posts = [(p, op) for p, m, op in operations(generated) if m == "post"]
    assert posts
    for path, op in posts:
        key = header_params(generated, op)["Idempotency-Key"]
        assert key["required"] is False, path
        assert key["schema"]["type"] == "string"
        assert {"409", "422"} <= set(op["responses"]), path
        assert "If-Match" not in header_params(generated, op), path


def test_every_object_read_and_write_answer_documents_the_etag(generated):
    reads = 0
    for path, method, op in operations(generated):
        if (method == "get" and is_object_path(path)) or method in ("put", "patch"):
            reads += method == "get"
            etag = response_headers(generated, op, "200")["ETag"]
            assert etag["required"] is True, (method, path)
    assert reads >= 15
    # a POST that creates an object written with If-Match answers its ETag and Location
    create = generated["paths"]["/profiles/{profile_pk}/work-history/"]["post"]
    assert {"ETag", "Location"} <= set(response_headers(generated, create, "201"))
    assert "X-Change-Reason" in header_params(generated, create)


def test_problem_answers_retry_after_servers_and_tags(generated):
    problem = generated["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    for path, method, op in operations(generated):
        codes = ["401", "403", "429"] + (["404"] if "{" in path else [])
        for code in codes:
            response = resolve(generated, op["responses"][code])
            ref = response["content"]["application/problem+json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ProblemDetails", (method, path, code)
        assert "Retry-After" in response_headers(generated, op, "429"), (method, path)
    assert generated["servers"] and all(s["url"] for s in generated["servers"])
    declared = {t["name"]: t.get("description") for t in generated["tags"]}
    used = {t for _p, _m, op in operations(generated) for t in op.get("tags", [])}
    assert used <= set(declared) and all(declared[t] for t in used), used - set(declared)


def test_every_operation_has_a_summary_and_an_upload_is_multipart_only(generated):
    summaries = {}
    for path, method, op in operations(generated):
        assert op.get("summary"), (method, path)  # Redocly's operation-summary
        summaries[op["operationId"]] = op["summary"]
        for media, body in op.get("requestBody", {}).get("content", {}).items():
            fields = resolve(generated, body["schema"]).get("properties", {}).values()
            if any(f.get("format") == "binary" for f in fields):
                assert media == "multipart/form-data", (method, path, media)
    # a standard action: its verb and what the view is about; a custom one: its own words
    assert summaries["profiles_work_history_destroy"] == "Xóa quá trình công tác của hồ sơ"
    assert summaries["profiles_partial_update"].startswith("Cập nhật một phần hồ sơ CBCCVC")
    assert summaries["units_history_retrieve"] == "Các giai đoạn và sự kiện thay đổi của đơn vị"
    assert summaries["imports_confirm_create"] == "Ghi thật đúng kế hoạch đã xem trước"
    upload = generated["paths"]["/imports/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


@pytest.mark.django_db
def test_an_object_read_answered_by_the_view_itself_still_carries_the_etag(
    key_for, agencies, tmp_path, reference_data
):
    from tests.importing.pipeline_fixtures import PROFILE_HEADERS, person_row, write_xlsx

    book = write_xlsx(tmp_path / "a.xlsx", {"DS": [PROFILE_HEADERS, person_row(1)]})
    _key, token = key_for("a", write=False, import_=True)
    http = Client(headers={"Authorization": f"Bearer {token}"})
    with book.open("rb") as fh:
        job = http.post("/api/v1/imports/", {"file": fh, "unit": agencies["a_dept"].pk})
    assert job.status_code == 201, job.content
    read = http.get(f"/api/v1/imports/{job.json()['id']}/")
    assert read.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{40}"', read["ETag"])


# -- (2) the committed schema is a valid OpenAPI 3.0 document --------------------------------


def _walk(node: Any, where: str = "#"):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def test_the_committed_schema_validates_against_the_openapi_3_0_meta_schema(committed):
    # the OAS 3.0 JSON Schema shipped inside drf-spectacular (what `spectacular --validate` uses)
    import drf_spectacular

    meta = Path(drf_spectacular.__file__).parent / "validation" / "openapi_3_0_schema.json"
    assert committed["openapi"].startswith("3.0")
    jsonschema.validate(committed, json.loads(meta.read_text(encoding="utf-8")))


def test_no_nullable_without_type_and_no_dangling_refs(committed):
    for where, node in _walk(committed):
        if node.get("nullable") is True:
            assert "type" in node, where
        if "$ref" in node:
            resolve(committed, node)  # KeyError when the target is missing


URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def test_examples_are_valid_for_their_schemas(committed):
    checked = 0
    for where, node in _walk(committed):
        if "example" not in node:
            continue
        schema = node.get("schema", node)  # a parameter's example, or a schema's own
        example = node["example"]
        bare = {k: v for k, v in schema.items() if k not in ("example", "nullable", "format")}
        jsonschema.validate(example, bare)
        if schema.get("format") == "uri":
            assert URI.match(example), (where, example)
        checked += 1
    assert checked >= 4


# -- (3) a client that knows only docs/openapi.yaml ------------------------------------------


class SchemaClient:
    """Finds operations by operationId and header names by the schema's components."""

    def __init__(self, spec: dict[str, Any], http: Any):
        self.spec = spec
        self.http = http
        self.base = spec["servers"][0]["url"].rstrip("/")
        self.ops = {op["operationId"]: (p, m, op) for p, m, op in operations(spec)}

    def header(self, component: str) -> str:
        return self.spec["components"]["parameters"][component]["name"]

    def etag_header(self, operation_id: str, code: str) -> str:
        _path, _method, op = self.ops[operation_id]
        names = [
            name
            for name, h in op["responses"][code].get("headers", {}).items()
            if h.get("$ref") == "#/components/headers/ETag"
        ]
        assert len(names) == 1, names
        return names[0]

    def call(self, operation_id: str, body: Any = None, headers: Any = None, **path_params: Any):
        path, method, op = self.ops[operation_id]
        declared = {p["name"] for p in (resolve(self.spec, x) for x in op.get("parameters", []))}
        for name in headers or {}:
            assert name in declared, f"{name} is not documented for {operation_id}"
        for name in [p for p in declared if p not in (headers or {})]:
            param = next(
                resolve(self.spec, x)
                for x in op.get("parameters", [])
                if resolve(self.spec, x)["name"] == name
            )
            assert not (param["in"] == "header" and param.get("required")), (
                f"{operation_id} requires {name}"
            )
        url = self.base + path.format(**path_params)
        response = self.http.request(method, url, body, **(headers or {}))
        assert str(response.status_code) in op["responses"], (operation_id, response.status_code)
        return response


@pytest.mark.django_db
def test_a_client_driven_by_the_schema_reads_updates_creates_and_deletes(committed, api, agencies):
    from profiles.models import Profile, WorkHistory

    client = SchemaClient(committed, api("a"))
    if_match = client.header("IfMatch")
    reason = client.header("XChangeReason")
    idem = client.header("IdempotencyKey")
    pid = agencies["a_profile"].pk

    # read: the ETag header named in the schema
    read = client.call("profiles_retrieve", id=pid)
    assert read.status_code == 200
    etag = read[client.etag_header("profiles_retrieve", "200")]

    # write without the precondition: the documented 428; with it: 200 and a new ETag
    with pytest.raises(AssertionError, match="requires If-Match"):
        client.call("profiles_partial_update", {"phone": "0912345678"}, id=pid)
    missing = client.http.patch(f"{client.base}/profiles/{pid}/", {"phone": "0912345678"})
    assert missing.status_code == 428
    assert missing["Content-Type"] == "application/problem+json"
    changed = client.call(
        "profiles_partial_update",
        {"phone": "0912345678"},
        {if_match: etag, reason: quote("Cập nhật số điện thoại")},
        id=pid,
    )
    assert changed.status_code == 200, changed.content
    new_etag = changed[client.etag_header("profiles_partial_update", "200")]
    assert new_etag != etag
    record = Profile.history.filter(id=pid).latest("history_id")
    assert record.history_change_reason.startswith("Cập nhật số điện thoại [API")
    assert Profile.objects.get(pk=pid).phone == "0912345678"
    stale = client.call(
        "profiles_partial_update", {"phone": "0987654321"}, {if_match: etag}, id=pid
    )
    assert stale.status_code == 412

    # create twice with the same Idempotency-Key: one row, the same answer
    body = {"start_date": "2022-03-01", "description": "Phó trưởng phòng"}
    before = WorkHistory.objects.filter(profile_id=pid).count()
    first = client.call("profiles_work_history_create", body, {idem: "wh-2022-03"}, profile_pk=pid)
    again = client.call("profiles_work_history_create", body, {idem: "wh-2022-03"}, profile_pk=pid)
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert WorkHistory.objects.filter(profile_id=pid).count() == before + 1
    other = client.call(
        "profiles_work_history_create",
        {**body, "description": "Trưởng phòng"},
        {idem: "wh-2022-03"},
        profile_pk=pid,
    )
    assert other.status_code == 422

    # delete the new row with the ETag its creation answered
    row_etag = first[client.etag_header("profiles_work_history_create", "201")]
    gone = client.call(
        "profiles_work_history_destroy",
        headers={if_match: row_etag, reason: quote("Nhập trùng")},
        profile_pk=pid,
        id=first.json()["id"],
    )
    assert gone.status_code == 204
    assert WorkHistory.objects.filter(profile_id=pid).count() == before


def test_a_decimal_string_needs_a_digit():
    """drf-spectacular's decimal pattern let "", "-" and "." through (the deep schemathesis run
    posted ``"coefficient": ""`` as valid data and got a 400): the schema now asks for a digit."""
    import re
    from pathlib import Path

    import yaml
    from django.conf import settings

    schema = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())
    pattern = schema["components"]["schemas"]["SalaryHistoryRequest"]["properties"]["coefficient"][
        "pattern"
    ]
    accepted = [
        v for v in ["", "-", ".", "5", "5.", ".5", "-1.25", "12345"] if re.match(pattern, v)
    ]
    assert accepted == ["5", "5.", ".5", "-1.25"]
