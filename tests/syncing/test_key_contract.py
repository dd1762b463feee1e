"""The key operations of letter 5034 through the HTTP contract, on both sides.

Emulator side: signed requests made here with :mod:`syncing.contract` and plain httpx (not our
client) get answers that validate against docs/national-api.yaml — the key list, the
revocation request and the activation, and its ``409 key_conflict``: the national side refuses
a second active software key for one agency unless the first is revoked in the same operation.
Client side: what :class:`~syncing.client.NationalClient` puts on the wire validates against the
request schemas, and the inventory's activation records what the ministry answered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from django.core import mail

from syncing import contract
from syncing.client import ContractError, KeyRevoked
from syncing.emulator.models import ConnectionKey
from syncing.inventory_actions import activate_chosen_key
from syncing.models import HrSystem, KeyState, SystemKey

from .conftest import NATIONAL_DB

pytestmark = NATIONAL_DB

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "docs" / "national-api.yaml").read_text("utf-8")
)
OLD = "Phần mềm QLCB Vĩnh Phúc"
NEW = "cbccvc"


def _schema(operation: dict, status: str | None = None) -> dict:
    """The JSON schema of an operation's request (``status`` None) or of one answer, with
    the document's references resolvable (a shared response resolved by hand)."""
    if status is None:
        node = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        answer = operation["responses"][status]
        if "$ref" in answer:
            answer = SPEC["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        content = answer["content"]
        node = (content.get("application/json") or content["application/problem+json"])["schema"]
    return {**node, "components": SPEC["components"]}


def _validate(instance: Any, schema: dict) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        instance
    )


ACTIVATION = SPEC["paths"][contract.PATH_KEY_ACTIVATION]["post"]
REVOCATIONS = SPEC["paths"][contract.PATH_KEY_REVOCATIONS]["post"]
KEYS = SPEC["paths"][contract.PATH_KEYS]["get"]


def _call(server, issued, method: str, path: str, body: Any = None) -> httpx.Response:
    """A request signed by hand with the contract's rules (not with our client)."""
    raw = b"" if body is None else json.dumps(body).encode()
    headers = contract.signed_headers(issued.key.key_id, issued.secret, method, path, "", raw)
    if body is not None:
        headers["Content-Type"] = "application/json"
    return httpx.request(method, server.url + path, content=raw or None, headers=headers)


def _status(issued) -> str:
    return ConnectionKey.objects.get(key_id=issued.key.key_id).status


def test_the_emulator_refuses_a_second_active_software_unless_revoked_in_the_same_call(
    national_server,
):
    old = national_server.issue_key("H40", software_name=OLD, admin_email="vp@example.gov.vn")
    new = national_server.issue_key(
        "H40", software_name=NEW, admin_email="moi@example.gov.vn", activate=False
    )
    mail.outbox.clear()
    refused = _call(national_server, new, "POST", contract.PATH_KEY_ACTIVATION, {"reason": "x"})
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == contract.PROBLEM_CONTENT_TYPE
    _validate(refused.json(), _schema(ACTIVATION, "409"))
    assert refused.json()["code"] == "key_conflict" and old.key.key_id in refused.json()["detail"]
    assert (_status(old), _status(new)) == ("active", "issued")
    assert mail.outbox == []  # nothing changed, nobody told
    # the issued key may call nothing else
    listing = _call(national_server, new, "GET", contract.PATH_KEYS)
    assert listing.status_code == 403 and listing.json()["code"] == "auth_key_not_active"

    body = {"revoke_other_software": True, "reason": "Chọn cbccvc theo Công văn 5034."}
    _validate(body, _schema(ACTIVATION))
    done = _call(national_server, new, "POST", contract.PATH_KEY_ACTIVATION, body)
    assert done.status_code == 200, done.text
    answer = done.json()
    _validate(answer, _schema(ACTIVATION, "200"))
    assert answer["status"] == "activated" and answer["key"]["status"] == "active"
    assert [k["key_id"] for k in answer["revoked"]] == [old.key.key_id]
    assert "Chọn cbccvc theo Công văn 5034." in answer["revoked"][0]["revoked_reason"]
    assert (_status(old), _status(new)) == ("revoked", "active")
    told = {m.to[0]: m.subject for m in mail.outbox}
    assert "thu hồi" in told["vp@example.gov.vn"] and "kích hoạt" in told["moi@example.gov.vn"]

    again = _call(national_server, new, "POST", contract.PATH_KEY_ACTIVATION)
    _validate(again.json(), _schema(ACTIVATION, "200"))
    assert again.json()["status"] == "already_active" and again.json()["revoked"] == []
    # the revoked key is told so, whatever it calls
    gone = _call(national_server, old, "POST", contract.PATH_KEY_ACTIVATION, body)
    assert gone.status_code == 403 and gone.json()["code"] == "auth_key_revoked"
    _validate(gone.json(), _schema(ACTIVATION, "403"))


@pytest.mark.parametrize(
    "body", [{"revoke_other_software": "yes"}, {"reason": 5}, ["revoke"], {"reason": "x" * 501}]
)
def test_a_malformed_activation_is_a_documented_problem(national_server, body):
    new = national_server.issue_key("H40", software_name=NEW, activate=False)
    answer = _call(national_server, new, "POST", contract.PATH_KEY_ACTIVATION, body)
    assert answer.status_code == 400 and answer.json()["code"] == "request_invalid"
    _validate(answer.json(), _schema(ACTIVATION, "400"))
    assert _status(new) == "issued"


def test_the_key_list_and_the_revocation_answer_by_the_contract(national_server):
    own = national_server.issue_key("H40", software_name=NEW)
    old = national_server.issue_key("H40", software_name=OLD, activate=False)
    listing = _call(national_server, own, "GET", contract.PATH_KEYS)
    _validate(listing.json(), _schema(KEYS, "200"))
    assert [k["key_id"] for k in listing.json()["keys"]] == [own.key.key_id, old.key.key_id]
    body = {"key_ids": [old.key.key_id, "KN-KHONG-CO"], "reason": "Đã dừng"}
    _validate(body, _schema(REVOCATIONS))
    answer = _call(national_server, own, "POST", contract.PATH_KEY_REVOCATIONS, body)
    _validate(answer.json(), _schema(REVOCATIONS, "200"))
    assert [r["status"] for r in answer.json()["results"]] == ["revoked", "rejected"]
    empty = _call(national_server, own, "POST", contract.PATH_KEY_REVOCATIONS, {"key_ids": []})
    assert empty.status_code == 400
    _validate(empty.json(), _schema(REVOCATIONS, "400"))


def _sent_bodies(client) -> list[dict]:
    """The JSON bodies our client really puts on the wire (an httpx request hook)."""
    bodies: list[dict] = []
    client._http.event_hooks["request"].append(
        lambda request: bodies.append(json.loads(request.content)) if request.content else None
    )
    return bodies


def test_our_client_speaks_the_contract_for_the_key_operations(national_server):
    old = national_server.issue_key("H40", software_name=OLD)
    new = national_server.issue_key("H40", software_name=NEW, activate=False)
    client = national_server.client(new)
    sent = _sent_bodies(client)
    with pytest.raises(ContractError) as refused:
        client.activate_key(revoke_other_software=False, reason="Thử")
    assert (refused.value.code, refused.value.status) == ("key_conflict", 409)
    assert _status(old) == "active"
    answer = client.activate_key(revoke_other_software=True, reason="Chọn cbccvc")
    for body in sent:
        _validate(body, _schema(ACTIVATION))
    _validate(answer, _schema(ACTIVATION, "200"))
    assert [k["key_id"] for k in answer["revoked"]] == [old.key.key_id]
    keys = client.list_keys()
    assert {k["key_id"]: k["status"] for k in keys} == {
        old.key.key_id: "revoked",
        new.key.key_id: "active",
    }
    results = client.request_key_revocation([old.key.key_id], "Đã dừng")
    _validate(sent[-1], _schema(REVOCATIONS))
    assert results[0]["status"] == "already_revoked"
    with pytest.raises(KeyRevoked):
        national_server.client(old).list_keys()


def test_the_inventory_activates_the_chosen_key_and_records_the_revoked_ones(
    national, connection, tree, django_user_model, settings, tmp_path
):
    # the demo's mail backend: each letter a file (production: SMTP, see below)
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    agency = tree["H40"]
    # the ministry issued the chosen software's key; the old software's key is still active
    ConnectionKey.objects.filter(key_id=connection.key_id).update(
        status="issued", activated_at=None
    )
    old = national.issue_key("H40", software_name=OLD, admin_email="vp@example.gov.vn")
    chosen = HrSystem.objects.create(
        agency=agency, name=NEW, is_chosen=True, choice_reason="Dùng chung toàn tỉnh."
    )
    SystemKey.objects.create(
        system=chosen, key_id=connection.key_id, connection=connection, state=KeyState.ISSUED
    )
    old_system = HrSystem.objects.create(agency=agency, name=OLD)
    SystemKey.objects.create(
        system=old_system, key_id=old.key.key_id, admin_name="Trần Thị Vĩnh",
        admin_email="vinh@vinhphuc.gov.vn",
    )  # fmt: skip
    for sent in tmp_path.iterdir():
        sent.unlink()
    admin = django_user_model.objects.create_user("quantri")
    outcome = activate_chosen_key(agency, acting_user=admin)
    assert outcome.revoked == [old.key.key_id] and not outcome.already_active
    assert old.key.key_id in outcome.summary()
    states = dict(SystemKey.objects.values_list("key_id", "state"))
    assert states == {connection.key_id: KeyState.ACTIVE, old.key.key_id: KeyState.REVOKED}
    recorded = SystemKey.objects.get(key_id=old.key.key_id)
    assert NEW in recorded.state_note
    assert recorded.history.first().history_user == admin
    assert _status(old) == "revoked"
    # the ministry told the administrator it knows, we told the one our inventory names
    letters = [f.read_text("utf-8") for f in tmp_path.iterdir()]
    ours = [t for t in letters if "To: vinh@vinhphuc.gov.vn" in t]
    theirs = [t for t in letters if "To: vp@example.gov.vn" in t]
    assert len(ours) == 1 and len(theirs) == 1, letters
    assert "Trần Thị Vĩnh" in ours[0] and old.key.key_id in ours[0]
    assert activate_chosen_key(agency, acting_user=admin).already_active


@pytest.mark.parametrize(
    ("status", "activated"),
    [("pending", True), ("suspended", True), ("revoked", False)],
)
def test_activation_takes_an_official_connection_unless_it_is_revoked(
    national, connection, tree, django_user_model, status, activated
):
    """The official connection of a key not yet active may still be pending activation (or
    suspended); a revoked one is refused before anything is sent, and nothing changes."""
    from django.core.exceptions import ValidationError

    from syncing.models import ConnectionStatus

    agency = tree["H40"]
    ConnectionKey.objects.filter(key_id=connection.key_id).update(
        status="issued", activated_at=None
    )
    type(connection).objects.filter(pk=connection.pk).update(status=ConnectionStatus(status))
    chosen = HrSystem.objects.create(agency=agency, name=NEW, is_chosen=True)
    SystemKey.objects.create(
        system=chosen, key_id=connection.key_id, connection=connection, state=KeyState.ISSUED
    )
    admin = django_user_model.objects.create_user("quantri")
    if activated:
        activate_chosen_key(agency, acting_user=admin)
        assert SystemKey.objects.get(key_id=connection.key_id).state == KeyState.ACTIVE
        assert ConnectionKey.objects.get(key_id=connection.key_id).status == "active"
        return
    with pytest.raises(ValidationError, match="chưa có kết nối chính thức dùng được"):
        activate_chosen_key(agency, acting_user=admin)
    assert SystemKey.objects.get(key_id=connection.key_id).state == KeyState.ISSUED
    assert ConnectionKey.objects.get(key_id=connection.key_id).status == "issued"


def test_production_sends_the_letters_by_smtp(tmp_path):
    import os
    import secrets
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "cbccvc.settings_production",
        "CBCCVC_PRODUCTION": "1",
        "CBCCVC_SECRET_KEY": secrets.token_urlsafe(64),
        "CBCCVC_ALLOWED_HOSTS": "cbccvc.example.gov.vn",
        "CBCCVC_VAR_DIR": str(tmp_path),
    }
    env.pop("CBCCVC_EMAIL_BACKEND", None)
    probe = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    last = result.stdout.strip().splitlines()[-1:]  # after the shell's auto-import notice
    assert last == ["django.core.mail.backends.smtp.EmailBackend"], result.stdout + result.stderr
