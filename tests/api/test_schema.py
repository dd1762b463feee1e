"""The committed OpenAPI schema is current, and the app keeps it: schemathesis generates
requests from ``docs/openapi.yaml`` and sends them to the WSGI app (no 5xx; status codes,
content types and bodies as documented)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cbccvc.wsgi import application

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
# Generated requests per operation: 2 in CI (about 100 operations); raise it for a deeper run.
EXAMPLES = int(os.environ.get("CBCCVC_API_FUZZ_EXAMPLES", "2"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,  # ETag, Location … where the schema says they are required
    response_schema_conformance,
]

# Schemathesis's coverage phase adds, per operation, every boundary and invalid value the
# schema defines (hundreds of requests per operation, generated at collection). CI runs its
# valid ("positive") half, which finds 5xx on edge values; CBCCVC_API_FUZZ_COVERAGE=all adds the
# invalid half (4xx conformance of every rejected input), =off leaves the phase out.
COVERAGE = os.environ.get("CBCCVC_API_FUZZ_COVERAGE", "positive")

schema = schemathesis.openapi.from_path(SCHEMA_FILE)
schema.app = application
if COVERAGE == "off":
    schema.config.phases.coverage.enabled = False
elif COVERAGE == "positive":
    schema.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]
elif COVERAGE != "all":
    raise ValueError(f"CBCCVC_API_FUZZ_COVERAGE must be off, positive or all, not {COVERAGE!r}")


def test_committed_schema_is_current():
    call_command("check_openapi_schema")  # raises CommandError with a diff when stale


@pytest.fixture
def _keep_test_connection():
    """Calls go straight to the WSGI app (not Django's test client), so Django would close the
    test's database connection at each request's end, as the test client avoids doing."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(make_unit, _keep_test_connection):
    from orgtree.apikeys import issue_key
    from orgtree.models import IntegrationClient

    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    make_unit("Sở Nội vụ", parent=unit, code="H25.01")
    client = IntegrationClient.objects.create(name="Phần mềm lương", unit=unit)
    return issue_key(client, write=True, rate_per_minute=1_000_000).token


@pytest.mark.django_db
@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(
        base_url="http://testserver/api/v1",  # the schema's server: paths are relative
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )
