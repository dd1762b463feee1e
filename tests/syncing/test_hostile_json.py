"""JSON nested deeper than Python's decoder follows (RecursionError, not ValueError): the
emulator of the national side answers it as an invalid request, and our client takes such an
answer for what it is, a contract error (issue #14)."""

from __future__ import annotations

import httpx
import pytest

from syncing import contract
from syncing.client import ContractError, NationalClient

from .conftest import NATIONAL_DB

DEEP = b"[" * 100_000 + b"]" * 100_000


@NATIONAL_DB
def test_the_emulator_refuses_a_body_nested_too_deep_as_invalid(national_server):
    issued = national_server.issue_key()
    path = contract.PATH_PROFILE_BATCHES
    headers = contract.signed_headers(issued.key.key_id, issued.secret, "POST", path, "", DEEP)
    headers["Content-Type"] = "application/json"
    response = httpx.post(national_server.url + path, headers=headers, content=DEEP)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request_invalid"


@pytest.mark.database_free
def test_an_answer_nested_too_deep_is_a_contract_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=DEEP))
    client = NationalClient("http://national.test", "k1", "secret", transport=transport)
    with pytest.raises(ContractError):
        client.sync_status()
