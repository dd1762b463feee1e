"""Connection keys: sealed at rest, rotation that keeps the old key until the new one is
confirmed, the health check, and the M51 test sync from the queue list."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from syncing.connections import confirm_rotation, health_check, start_rotation
from syncing.emulator.keys import revoke_key
from syncing.emulator.models import ReceivedProfile
from syncing.models import Connection, ConnectionStatus, SyncItem
from syncing.models import TestSyncRun as M51Run

from .conftest import NATIONAL_DB
from .helpers import sign_people

pytestmark = NATIONAL_DB


def test_the_secret_is_sealed_at_rest(connection):
    secret = connection.issued.secret
    raw = Connection.objects.filter(pk=connection.pk).values_list("secret_sealed", flat=True)[0]
    assert secret.encode() not in bytes(raw)
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM syncing_connection")
        assert secret not in repr(cursor.fetchall())
    assert Connection.objects.get(pk=connection.pk).secret() == secret
    # the history never holds the secret either
    assert "secret_sealed" not in {f.name for f in Connection.history.model._meta.fields}


def test_rotation_keeps_the_old_key_until_the_new_one_is_confirmed(connection, national):
    old = connection.key_id
    with pytest.raises(ValidationError, match="chưa dùng được"):
        confirm_rotation(start_rotation(connection, "KN-SAI", "khong-dung"))
    connection.refresh_from_db()
    assert connection.key_id == old and connection.pending_key_id == "KN-SAI"
    new = national.issue_key("H40", software_name="Phần mềm QLCB thử nghiệm")
    start_rotation(connection, new.key.key_id, new.secret)
    connection = confirm_rotation(connection)
    assert connection.key_id == new.key.key_id
    assert connection.secret() == new.secret
    assert connection.pending_key_id == "" and connection.rotated_at is not None
    assert health_check(connection)[0]


def test_health_check_records_the_outcome_and_a_revoked_key(connection):
    ok, message = health_check(connection)
    assert ok and "Kết nối tốt" in message
    connection.refresh_from_db()
    assert connection.last_health_ok and connection.last_health_at
    revoke_key(connection.key_id, "Phần mềm không còn sử dụng")
    ok, message = health_check(connection)
    assert not ok
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert "thu hồi" in connection.last_health_message


def test_m51_test_sync_from_the_queue_list_shows_the_national_answer(
    connection, tree, hr, approver, signer
):
    versions = sign_people(tree["H40.10"], 3, hr_user=hr, approver_user=approver, signer=signer)
    client = Client()
    client.force_login(hr)
    url = reverse("admin:syncing_syncitem_changelist")
    items = list(SyncItem.objects.values_list("pk", flat=True))
    response = client.post(url, {"action": "m51_test_sync", "_selected_action": items})
    run = M51Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:syncing_testsyncrun_change", args=[run.pk])
    assert run.ok and len(run.results) == 3
    assert {r["status"] for r in run.results} == {"valid"}
    page = client.get(response["Location"]).content.decode()
    for v in versions:
        assert v.profile.personal_id in page
    assert "Hợp lệ" in page
    assert ReceivedProfile.objects.count() == 0  # a test sync stores nothing
    # more than 10 profiles are refused with a clear message
    many = sign_people(tree["H40.10"], 8, hr_user=hr, approver_user=approver, signer=signer, seed=9)
    assert len(many) == 8
    form = client.post(
        reverse("admin:syncing_testsyncrun_add"),
        {"personal_ids": "\n".join(v.profile.personal_id for v in versions + many)},
    )
    assert "từ 1 đến 10" in form.content.decode()
    assert M51Run.objects.count() == 1
