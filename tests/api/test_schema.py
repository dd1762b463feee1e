"""The committed OpenAPI schema is current, and the app keeps it: schemathesis generates
requests from ``docs/openapi.yaml`` and sends them to the WSGI app (no 5xx; status codes,
content types and bodies as documented)."""

from __future__ import annotations

import itertools
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
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cbccvc.wsgi import application

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
# CBCCVC_API_FUZZ_DEEP=1 is the nightly run: 25 examples per operation, every check schemathesis
# has (negative data rejected, positive data accepted, missing auth and required headers,
# unsupported methods, use after free …), the whole coverage phase and the stateful phase.
DEEP = os.environ.get("CBCCVC_API_FUZZ_DEEP", "") not in ("", "0")
# Generated requests per operation: 2 in CI (about 100 operations); raise it for a deeper run.
EXAMPLES = int(os.environ.get("CBCCVC_API_FUZZ_EXAMPLES", "25" if DEEP else "2"))
SHALLOW_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,  # ETag, Location … where the schema says they are required
    response_schema_conformance,
]
CHECKS = None if DEEP else SHALLOW_CHECKS  # None: every check enabled in schemathesis's config

# Schemathesis's coverage phase adds, per operation, every boundary and invalid value the
# schema defines (hundreds of requests per operation, generated at collection). CI runs its
# valid ("positive") half, which finds 5xx on edge values; CBCCVC_API_FUZZ_COVERAGE=all adds the
# invalid half (4xx conformance of every rejected input), =off leaves the phase out.
COVERAGE = os.environ.get("CBCCVC_API_FUZZ_COVERAGE", "all" if DEEP else "positive")

schema: BaseSchema = schemathesis.openapi.from_path(SCHEMA_FILE)
schema.app = application
# CBCCVC_API_FUZZ_PATHS=<regex>: only the operations whose path matches (a deep run in parts)
if only := os.environ.get("CBCCVC_API_FUZZ_PATHS"):
    schema = schema.include(path_regex=only)
if COVERAGE == "off":
    schema.config.phases.coverage.enabled = False
elif COVERAGE == "positive":
    schema.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]
elif COVERAGE != "all":
    raise ValueError(f"CBCCVC_API_FUZZ_COVERAGE must be off, positive or all, not {COVERAGE!r}")
# DRF refuses a NUL character in any text (PostgreSQL cannot store it), which JSON Schema has no
# keyword for: valid data is generated without it.
schema.config.generation.update(allow_x00=False)
# An invalid body sent with a stale If-Match may be answered 412: preconditions are evaluated
# before the request content is processed (RFC 9110, 13.2.1).
schema.config.checks.negative_data_rejection.expected_statuses.append("412")


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


def _settings() -> hsettings:
    return hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


_calls = itertools.count()


def _own_idempotency_key(case) -> None:
    """Generated cases share a few Idempotency-Key values ("0" …), and the same key with another
    body is rightly a 422 (draft-ietf-httpapi-idempotency-key-header): each call gets its own
    key, keeping the generated one as its prefix."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and key.strip():
        case.headers["Idempotency-Key"] = f"{key.strip()}-{next(_calls)}"


# A request the schema allows may still be refused for a rule no JSON schema can state: it
# names a unit or code that does not exist (``does_not_exist``), repeats a row that must be
# unique (``unique``, ``unique_together``: a second assessment for the same year), its text is
# spaces only (trimmed, then ``blank``: minLength counts the spaces), or its pagination cursor
# is not one the server issued (an opaque token). That refusal is a 400 problem each of whose
# errors is one of these; an If-Match that is not the current ETag is a 412. Any other refusal
# of a schema-valid request still fails (schemathesis's positive_data_acceptance).
REFERENCE_ERROR_CODES = {"does_not_exist", "unique", "unique_together", "blank"}
OPAQUE_FIELDS = {"cursor"}


def positive_data_acceptance_but_references(ctx, response, case):
    if response.status_code == 412 and (case.headers or {}).get("If-Match"):
        return None
    if response.status_code == 400:
        try:
            errors = response.json().get("errors") or []
        except ValueError:
            errors = []
        if errors and all(
            error.get("code") in REFERENCE_ERROR_CODES or error.get("field") in OPAQUE_FIELDS
            for error in errors
        ):
            return None
    return positive_data_acceptance(ctx, response, case)


DEEP_CHECK_CHANGES = {
    "excluded_checks": [positive_data_acceptance],
    "additional_checks": [positive_data_acceptance_but_references],
}


# the deep run's profile needs the code lists (loaded once per session, outside the tests'
# transactions); the shallow run does without them
pytestmark = [pytest.mark.usefixtures("codelists_loaded")] if DEEP else []


@pytest.fixture
def deep_profile(token) -> int | None:
    """A profile in the key's scope for the deep run to aim at."""
    from datetime import date

    if not DEEP:
        return None

    from orgtree.models import Unit
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    fields = valid_fields(last_verified_at=date(2024, 5, 2))
    return create_profile(unit=Unit.objects.get(code="H25.01"), **fields).pk


def _aim_at_a_real_profile(case, profile_id: int) -> None:
    """Deep run: an integer profile id in the path becomes an existing profile's, so that child
    rows, versions, findings and submission are written and read, not only answered 404 (the
    ids of child rows stay generated; a non-integer id stays as generated)."""
    name = "profile_pk" if case.path.startswith("/profiles/{profile_pk}") else "id"
    params = case.path_parameters or {}
    value = params.get(name)
    if (
        case.path.startswith("/profiles/{")
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        params[name] = profile_id


@pytest.mark.django_db
@schema.parametrize()
@_settings()
def test_api_conforms_to_its_schema(case, token, deep_profile):
    _own_idempotency_key(case)
    if deep_profile is not None:
        _aim_at_a_real_profile(case, deep_profile)
    case.call_and_validate(
        base_url="http://testserver/api/v1",  # the schema's server: paths are relative
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
        **({} if CHECKS else DEEP_CHECK_CHANGES),
    )


@pytest.mark.skipif(not DEEP, reason="stateful phase only in the deep run (CBCCVC_API_FUZZ_DEEP=1)")
@pytest.mark.django_db
def test_api_stateful_sequences(token):
    """Sequences of calls linked by the ids one response gives the next request (links inferred
    by schemathesis from the schema): create, read, update, delete … with every check."""
    headers = {"Authorization": f"Bearer {token}"}

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            _own_idempotency_key(case)
            return {"base_url": "http://testserver/api/v1", "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                **DEEP_CHECK_CHANGES,
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(settings=hsettings(_settings(), max_examples=EXAMPLES, stateful_step_count=6))
