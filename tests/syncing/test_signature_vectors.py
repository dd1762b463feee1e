"""The request signature of the national contract against its published test vectors
(``data/hmac_request_signature_vectors.json``, computed with openssl; the steps are in
docs/national-api.md, "The request signature"), on both sides:

* the vectors themselves, recomputed with the openssl command line when it is installed;
* our client: the contract's functions, and what a :class:`NationalClient` call really sends
  (clock and nonce fixed through the standard library);
* the emulator: the vector's exact request, over HTTP, passes the signature and body-hash
  checks (it is then refused for its old timestamp, the next check), and the same request
  with one character of the signature changed is refused for the signature.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncing import contract
from syncing.client import AuthFailed, NationalClient

from .conftest import NATIONAL_DB

VECTORS_FILE = Path(__file__).parent / "data" / "hmac_request_signature_vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]
IDS = [v["name"][:40] for v in VECTORS]


def test_the_vectors_cover_the_cases_the_steps_describe():
    assert len(VECTORS) >= 5
    assert {v["method"] for v in VECTORS} >= {"GET", "POST", "PUT"}
    assert any(not v["body"] for v in VECTORS) and any("ễ" in v["body"] for v in VECTORS)
    assert any("+" in v["query"] and "%2B" in v["query"] for v in VECTORS)
    assert len({v["key_id"] for v in VECTORS}) >= 2


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command line is absent")
@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_openssl_gives_the_vectors_values(vector):
    expected = vector["expected"]

    def openssl(*args: str, data: bytes) -> bytes:
        return subprocess.run(
            ["openssl", "dgst", "-sha256", *args], input=data, capture_output=True, check=True
        ).stdout

    assert (
        openssl("-r", data=vector["body"].encode()).split()[0].decode()
        == (expected["content_sha256"])
    )
    mac = openssl("-hmac", vector["secret"], "-binary", data=expected["canonical_string"].encode())
    assert base64.b64encode(mac).decode() == expected["signature"]


# -- our client -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_the_contract_functions_give_the_vectors_values(vector):
    expected = vector["expected"]
    body = vector["body"].encode("utf-8")
    assert contract.body_sha256(body) == expected["content_sha256"]
    assert contract.canonical_query(vector["query"]) == expected["canonical_query"]
    canonical = contract.canonical_string(
        vector["method"],
        vector["path"],
        vector["query"],
        vector["timestamp"],
        vector["nonce"],
        expected["content_sha256"],
    )
    assert canonical == expected["canonical_string"]
    assert contract.sign(vector["secret"], canonical) == expected["signature"]
    headers = contract.signed_headers(
        vector["key_id"],
        vector["secret"],
        vector["method"],
        vector["path"],
        vector["query"],
        body,
        timestamp=int(vector["timestamp"]),
        nonce=vector["nonce"],
    )
    assert headers == {
        contract.HEADER_KEY_ID: vector["key_id"],
        contract.HEADER_TIMESTAMP: vector["timestamp"],
        contract.HEADER_NONCE: vector["nonce"],
        contract.HEADER_CONTENT_SHA256: expected["content_sha256"],
        contract.HEADER_SIGNATURE: expected["signature"],
    }


CLIENT_VECTORS = [v for v in VECTORS if v["client"] is not None]


@pytest.mark.parametrize("vector", CLIENT_VECTORS, ids=[v["name"][:40] for v in CLIENT_VECTORS])
def test_the_client_sends_the_vectors_request_and_signature(vector, monkeypatch):
    """A real :class:`NationalClient` call, its clock and nonce fixed (standard library), sends
    the vector's path, query and body bytes with the vector's headers."""
    monkeypatch.setattr(time, "time", lambda: float(vector["timestamp"]))
    monkeypatch.setattr(secrets, "token_hex", lambda nbytes=None: vector["nonce"])
    sent: list[httpx.Request] = []

    def national(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = NationalClient(
        "https://csdl.example.gov.vn",
        vector["key_id"],
        vector["secret"],
        transport=httpx.MockTransport(national),
    )
    with client:
        client.request(
            vector["method"],
            vector["path"],
            params=vector["client"]["params"],
            json_body=vector["client"]["json"],
        )
    (request,) = sent
    expected = vector["expected"]
    assert request.method == vector["method"]
    assert request.url.path == vector["path"]
    assert request.url.query.decode() == vector["query"]
    assert request.content == vector["body"].encode("utf-8")
    assert request.headers[contract.HEADER_TIMESTAMP] == vector["timestamp"]
    assert request.headers[contract.HEADER_NONCE] == vector["nonce"]
    assert request.headers[contract.HEADER_CONTENT_SHA256] == expected["content_sha256"]
    assert request.headers[contract.HEADER_SIGNATURE] == expected["signature"]


# -- the emulator -------------------------------------------------------------------------------


def _with_vector_keys(server) -> None:
    """The emulator holds each vector's key (id and secret), active."""
    from syncing.emulator.keys import encrypt_secret
    from syncing.emulator.models import ConnectionKey

    for key_id, secret in {(v["key_id"], v["secret"]) for v in VECTORS}:
        issued = server.issue_key()
        ConnectionKey.objects.filter(pk=issued.key.pk).update(
            key_id=key_id, secret_encrypted=encrypt_secret(secret)
        )


def _send(server, vector: dict[str, Any], signature: str) -> httpx.Response:
    expected = vector["expected"]
    url = server.url + vector["path"] + (f"?{vector['query']}" if vector["query"] else "")
    headers = {
        contract.HEADER_KEY_ID: vector["key_id"],
        contract.HEADER_TIMESTAMP: vector["timestamp"],
        contract.HEADER_NONCE: vector["nonce"],
        contract.HEADER_CONTENT_SHA256: expected["content_sha256"],
        contract.HEADER_SIGNATURE: signature,
    }
    body = vector["body"].encode("utf-8")
    if body:
        headers["Content-Type"] = "application/json"
    return httpx.request(vector["method"], url, headers=headers, content=body or None)


@NATIONAL_DB
def test_the_emulator_checks_the_vectors_signatures(national_server):
    _with_vector_keys(national_server)
    for vector in VECTORS:
        signature = vector["expected"]["signature"]
        response = _send(national_server, vector, signature)
        # signature and body hash accepted: refused only at the next check, the old timestamp
        assert response.status_code == 401, (vector["name"], response.text)
        assert response.json()["code"] == "auth_timestamp_skew", (vector["name"], response.text)
        flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
        response = _send(national_server, vector, flipped)
        assert response.json()["code"] == "auth_signature_invalid", (vector["name"], response.text)


@NATIONAL_DB
def test_the_client_signs_as_the_emulator_checks_with_a_vectors_key(national_server):
    """The same key (a vector's) through our client to the emulator, at the real time: the
    request is signed and accepted; with the secret of the other vector's key it is refused."""
    _with_vector_keys(national_server)
    vector = VECTORS[0]
    with NationalClient(national_server.url, vector["key_id"], vector["secret"]) as client:
        assert client.request("GET", contract.PATH_AUTH_CHECK)["key"]["key_id"] == vector["key_id"]
    other = next(v["secret"] for v in VECTORS if v["secret"] != vector["secret"])
    with NationalClient(national_server.url, vector["key_id"], other) as client:
        with pytest.raises(AuthFailed):
            client.request("GET", contract.PATH_AUTH_CHECK)
