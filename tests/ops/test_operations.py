"""Health check, metrics, structured logs, backups and restore, the read-replica router."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_every_check(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue", "disk"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_fails_when_the_queue_is_stuck(db):
    from django_q.models import OrmQ

    if "orm" not in settings.Q_CLUSTER:
        pytest.skip("the ORM broker measures the oldest task's age")
    OrmQ.objects.create(
        key=settings.Q_CLUSTER["name"], payload="x", lock=timezone.now() - timedelta(hours=2)
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and not body["checks"]["queue"]["ok"]
    assert body["checks"]["queue"]["oldest_age_s"] >= 7200


def test_metrics_only_for_internal_addresses(db):
    Client().get("/healthz")
    inside = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert inside.status_code == 200
    assert b"django_http_requests_total_by_method_total" in inside.content
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
    proxied = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert proxied.status_code == 404


def test_json_logs_carry_the_request_id(db, caplog, django_user_model):
    from pythonjsonlogger.json import JsonFormatter

    from cbccvc.observability import RequestIdFilter

    django_user_model.objects.create_user("nhatky", password="Mat-khau-du-dai-1", is_staff=True)
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler of settings.LOGGING
    with caplog.at_level(logging.INFO, logger="cbccvc.audit"):
        response = Client().post(
            "/admin/login/",
            {"username": "nhatky", "password": "Mat-khau-du-dai-1"},
            HTTP_X_REQUEST_ID="req-42.abc",
        )
    assert response["X-Request-ID"] == "req-42.abc"
    record = next(r for r in caplog.records if "audit login" in r.getMessage())
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    line = json.loads(JsonFormatter(**options).format(record))
    assert line["request_id"] == "req-42.abc" and line["logger"] == "cbccvc.audit"
    assert line["level"] == "INFO" and "audit login" in line["message"]
    # a forged id with odd characters is replaced by one of ours
    odd = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert odd["X-Request-ID"] != "<script>" and len(odd["X-Request-ID"]) == 32


def _units() -> list[tuple[str, str]]:
    from orgtree.models import Unit

    return sorted(Unit.objects.values_list("code", "name"))


def test_backup_change_restore_compare(transactional_db, make_unit, tmp_path):
    from orgtree import services
    from orgtree.models import Unit

    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    make_unit("Sở Nội vụ", parent=province, code="H25.01")
    make_unit("Sở Tài chính", parent=province, code="H25.02")
    before = _units()
    path = tmp_path / "sao-luu.bak"
    call_command("backup_db", "--out", str(path))
    assert path.stat().st_size > 0 and oct(path.stat().st_mode & 0o777) == "0o600"

    Unit.objects.filter(code="H25.01").update(name="Tên bị sửa nhầm")
    services.create_unit(
        name="Sở Xây dựng", code="H25.03", kind=Unit.Kind.DEPARTMENT, parent=province,
        valid_from=province.valid_from,
    )  # fmt: skip
    assert _units() != before

    with pytest.raises(Exception, match="--yes"):
        call_command("restore_db", str(path))
    call_command("restore_db", str(path), "--yes")
    assert _units() == before


REPLICA_SCRIPT = """
import django
django.setup()
from django.db import connections
from cbccvc.db import use_replica
from django_q.models import OrmQ  # a table without foreign keys: enough for the router
for alias in ("default", "replica"):
    with connections[alias].schema_editor() as editor:
        editor.create_model(OrmQ)
OrmQ.objects.using("default").create(key="on-primary", payload="")
OrmQ.objects.using("replica").create(key="on-replica", payload="")
out = {"outside": OrmQ.objects.get().key}
with use_replica() as alias:
    out["alias"] = alias
    out["inside"] = OrmQ.objects.get().key
    OrmQ.objects.create(key="written-inside", payload="")
out["writes_primary"] = OrmQ.objects.using("default").filter(key="written-inside").count()
out["writes_replica"] = OrmQ.objects.using("replica").filter(key="written-inside").count()
print(out)
"""


def test_reports_read_from_the_replica_writes_go_to_the_primary(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbccvc.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
        "CBCCVC_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", REPLICA_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = eval(result.stdout.strip().splitlines()[-1])
    assert out == {
        "outside": "on-primary",
        "alias": "replica",
        "inside": "on-replica",
        "writes_primary": 1,
        "writes_replica": 0,
    }


def test_without_a_replica_use_replica_changes_nothing(db):
    from cbccvc.db import use_replica
    from cbccvc.models import AuditEvent

    AuditEvent.objects.create(kind="login", username="x")
    with use_replica() as alias:
        assert alias == "default"
        assert AuditEvent.objects.filter(username="x").exists()
