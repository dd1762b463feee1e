"""docs/national-api.yaml is valid OpenAPI 3.1 and matches what the emulator serves."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.urls import URLPattern, get_resolver
from schemathesis.specs.openapi.definitions import OPENAPI_31

from syncing import contract

# Pure functions: no database; the PostgreSQL run leaves these to the SQLite run.
pytestmark = pytest.mark.database_free

YAML = Path(__file__).resolve().parents[2] / "docs" / "national-api.yaml"


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(YAML.read_text(encoding="utf-8"))


def test_valid_openapi_31(spec):
    jsonschema.Draft202012Validator(OPENAPI_31).validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_ref_resolves(spec):
    text = YAML.read_text(encoding="utf-8")
    for ref in set(re.findall(r'\$ref: "#/([^"]+)"', text)):
        node = spec
        for part in ref.split("/"):
            node = node[part]  # KeyError names a dangling reference


def _served() -> set[tuple[str, str]]:
    """The API operations the emulator serves (its HTML pages, if any, are not the API)."""
    out = set()
    for pattern in get_resolver("syncing.emulator.urls").url_patterns:
        if not ("/" + str(pattern.pattern)).startswith(contract.API_PREFIX + "/"):
            continue
        assert isinstance(pattern, URLPattern)
        for method in pattern.callback.http_methods:
            out.add(("/" + str(pattern.pattern), method.lower()))
    return out


def test_paths_served_equal_paths_documented(spec):
    documented = {
        (path, method)
        for path, ops in spec["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == _served()


def test_error_codes_documented(spec):
    text = YAML.read_text(encoding="utf-8")
    for code, spec_code in contract.ERROR_CODES.items():
        row = re.search(rf"^\s*\| `{code}` \| (\w+) \|", text, re.M)
        assert row, f"{code} missing from the error table"
        assert row.group(1) == (str(spec_code.status) if spec_code.status else "item")
    problem_codes = spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
    assert set(problem_codes) == {c for c, s in contract.ERROR_CODES.items() if s.status}


def test_auth_headers_documented(spec):
    names = {s["name"] for s in spec["components"]["securitySchemes"].values()}
    assert names == {
        contract.HEADER_KEY_ID,
        contract.HEADER_TIMESTAMP,
        contract.HEADER_NONCE,
        contract.HEADER_CONTENT_SHA256,
        contract.HEADER_SIGNATURE,
    }
