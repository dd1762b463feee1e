"""Request signing over real HTTP: only a correctly signed, fresh, never-seen request with an
active key gets through; each refusal names its contract error code."""

from __future__ import annotations

import time

import httpx
import pytest

from syncing import contract
from syncing.client import AuthFailed, KeyRevoked, RateLimited

from .conftest import NATIONAL_DB

pytestmark = NATIONAL_DB

PATH = contract.PATH_SYNC_STATUS


def _send(server, issued, *, secret=None, body=b"", sign_body=None, method="GET", path=PATH,
          timestamp=None, nonce=None):  # fmt: skip
    headers = contract.signed_headers(
        issued.key.key_id, secret or issued.secret, method, path, "",
        body if sign_body is None else sign_body, timestamp=timestamp, nonce=nonce,
    )  # fmt: skip
    return httpx.request(method, server.url + path, headers=headers, content=body or None)


def test_good_signature_passes(national_server):
    issued = national_server.issue_key()
    response = _send(national_server, issued)
    assert response.status_code == 200, response.text
    assert response.json()["key"]["key_id"] == issued.key.key_id


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("wrong_secret", 401, "auth_signature_invalid"),
        ("tampered_body", 401, "auth_body_hash_mismatch"),
        ("old_timestamp", 401, "auth_timestamp_skew"),
        ("future_timestamp", 401, "auth_timestamp_skew"),
        ("unknown_key", 401, "auth_key_unknown"),
        ("no_headers", 401, "auth_missing"),
    ],
)
def test_bad_requests_are_refused(national_server, case, status, code):
    issued = national_server.issue_key()
    path = contract.PATH_SCHEDULE
    if case == "wrong_secret":
        response = _send(national_server, issued, secret="not-the-secret")
    elif case == "tampered_body":
        # signed for one body, another body sent with the original body hash and signature
        signed = b'{"windows": [{"start": "2025-09-01", "mode": "official"}]}'
        headers = contract.signed_headers(issued.key.key_id, issued.secret, "PUT", path, "", signed)
        response = httpx.put(
            national_server.url + path,
            headers=headers,
            content=b'{"windows": [{"start": "2025-09-02", "mode": "official"}]}',
        )
    elif case == "old_timestamp":
        response = _send(national_server, issued, timestamp=int(time.time()) - 301)
    elif case == "future_timestamp":
        response = _send(national_server, issued, timestamp=int(time.time()) + 400)
    elif case == "unknown_key":
        issued.key.key_id = "KN-NOPE-000000"
        response = _send(national_server, issued)
    else:
        response = httpx.get(national_server.url + PATH)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(contract.PROBLEM_CONTENT_TYPE)
    body = response.json()
    assert body["code"] == code
    assert body["detail"]  # a Vietnamese message
    if case == "tampered_body":
        from syncing.emulator.models import ScheduleReport

        assert not ScheduleReport.objects.exists()


def test_replayed_request_is_refused(national_server):
    issued = national_server.issue_key()
    headers = contract.signed_headers(issued.key.key_id, issued.secret, "GET", PATH)
    first = httpx.get(national_server.url + PATH, headers=headers)
    replay = httpx.get(national_server.url + PATH, headers=headers)
    assert first.status_code == 200
    assert replay.status_code == 401
    assert replay.json()["code"] == "auth_nonce_replayed"


def test_signature_covers_path_and_query(national_server):
    issued = national_server.issue_key()
    headers = contract.signed_headers(
        issued.key.key_id, issued.secret, "GET", contract.PATH_UNITS, "limit=1"
    )
    response = httpx.get(national_server.url + contract.PATH_UNITS + "?limit=2", headers=headers)
    assert response.json()["code"] == "auth_signature_invalid"


def test_revoked_key_stops_every_call(national_server):
    from syncing.emulator.keys import revoke_key

    issued = national_server.issue_key()
    client = national_server.client(issued)
    assert client.check_auth()["key"]["status"] == "active"
    revoke_key(issued.key.key_id, "Phần mềm không còn sử dụng sau hợp nhất")
    for call in (client.check_auth, client.sync_status, lambda: client.submit_profiles([])):
        with pytest.raises(KeyRevoked) as info:
            call()
        assert info.value.code == "auth_key_revoked"
        assert info.value.status == 403
        assert "thu hồi" in info.value.message


def test_issued_but_not_activated_key_is_refused(national_server):
    client = national_server.client(national_server.issue_key(activate=False))
    with pytest.raises(KeyRevoked) as info:
        client.check_auth()
    assert info.value.code == "auth_key_not_active"


def test_wrong_secret_raises_auth_failed(national_server):
    issued = national_server.issue_key()
    from syncing.client import NationalClient

    with NationalClient(national_server.url, issued.key.key_id, "wrong") as client:
        with pytest.raises(AuthFailed) as info:
            client.check_auth()
    assert info.value.code == "auth_signature_invalid"
    assert not isinstance(info.value, KeyRevoked)


def test_rate_limit_answers_429_with_retry_after(national_server):
    issued = national_server.issue_key(rate_limit_per_minute=3)
    client = national_server.client(issued)
    for _ in range(3):
        client.check_auth()
    with pytest.raises(RateLimited) as info:
        client.check_auth()
    assert info.value.retry_after >= 1
    raw = _send(national_server, issued)
    assert raw.status_code == 429
    assert int(raw.headers["Retry-After"]) >= 1
    assert raw.json()["code"] == "rate_limited"
    # another key of the same agency has its own budget
    national_server.client(national_server.issue_key()).check_auth()
