"""``manage.py national_emulator``: the key registry and the data commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db(databases=["default", "national"])


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("national_emulator", *args, stdout=out)
    return out.getvalue()


def test_key_lifecycle():
    from syncing.emulator.keys import decrypt_secret
    from syncing.emulator.models import ConnectionKey

    issued = json.loads(
        _run("keys", "issue", "--agency", "H25", "--software", "Phần mềm A",
             "--admin-name", "Nguyễn Văn Quản", "--admin-phone", "0912000111", "--json")
    )  # fmt: skip
    key = ConnectionKey.objects.get(key_id=issued["key_id"])
    assert key.status == "issued" and key.admin_phone == "0912000111"
    assert issued["secret"] not in key.secret_encrypted  # stored encrypted
    assert decrypt_secret(key) == issued["secret"]
    _run("keys", "activate", key.key_id)
    key.refresh_from_db()
    assert key.status == "active" and key.activated_at
    _run("keys", "revoke", key.key_id, "--reason", "Không còn sử dụng")
    key.refresh_from_db()
    assert key.status == "revoked" and key.revoked_reason == "Không còn sử dụng"
    with pytest.raises(CommandError, match="thu hồi"):
        _run("keys", "activate", key.key_id)
    listing = _run("keys", "list")
    assert key.key_id in listing and "Nguyễn Văn Quản" in listing
    with pytest.raises(CommandError, match="Không có khóa"):
        _run("keys", "revoke", "KN-NOPE")


def test_trust_seed_and_reconcile_commands(tmp_path):
    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.testca import make_test_ca
    from syncing.emulator.models import NationalUnit, ReconciliationRun, TrustAnchor

    ca = make_test_ca([], with_ecdsa=False)
    pem = tmp_path / "root.pem"
    pem.write_bytes(ca.root_cert.public_bytes(Encoding.PEM))
    crl = tmp_path / "ca.crl"
    crl.write_bytes(ca.crl.public_bytes(Encoding.PEM))
    _run("trust", "add", str(pem), str(crl))
    _run("trust", "add", str(pem))  # idempotent
    assert sorted(TrustAnchor.objects.values_list("kind", flat=True)) == ["certificate", "crl"]
    assert "36" in _run("seed-units", "--communes-of")
    assert NationalUnit.objects.count() == 36
    assert "0 hồ sơ" in _run("reconcile", "--on", "2025-09-11")
    assert ReconciliationRun.objects.get().run_on.isoformat() == "2025-09-11"


def test_daily_reconciliation_schedule_is_registered_once():
    from django_q.models import Schedule

    first = _run("schedule-reconcile", "--hour", "6")
    _run("schedule-reconcile", "--hour", "7")
    [schedule] = Schedule.objects.filter(func="syncing.emulator.reconciliation.reconcile")
    assert schedule.schedule_type == Schedule.DAILY
    from django.utils import timezone

    assert timezone.localtime(schedule.next_run).hour == 7
    assert "Đối khớp hằng ngày" in first
