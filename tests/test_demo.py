"""The README's first command: the demo sets up a merged province and starts the app."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from cbccvc.demo import DEMO_PASSWORD, DEMO_USERS
from orgtree.models import Unit, UnitAssignment
from orgtree.tree import subtree_q, successors, tree_as_of
from profiles.models import Profile

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 300


def _run_demo() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.slow
@pytest.mark.django_db(databases=["default", "national"])
def test_demo_sets_up_the_merged_province_once(reference_data, django_user_model, monkeypatch):
    # every demo step runs as in ``./run demo``; a tenth of the people keeps the test short
    monkeypatch.setenv("CBCCVC_DEMO_PEOPLE", str(PEOPLE))
    out, err = _run_demo()
    assert out == "H25\n"  # scripts read the merged committee's identifier code
    assert "Hồ sơ mẫu" in err

    committee = Unit.objects.active().get(code="H25")
    in_province = Unit.objects.filter(subtree_q(committee)).active()
    assert in_province.filter(kind=Unit.Kind.COMMUNE_PC).count() == 148  # GSO: Phú Thọ, 2025
    assert in_province.filter(kind=Unit.Kind.DEPARTMENT).count() >= 5
    assert Profile.objects.filter(subtree_q(committee, "unit")).count() == PEOPLE
    # the old provinces existed on 30/6/2025 and were merged into the new one on 1/7/2025
    before = {node.code for node in tree_as_of(date(2025, 6, 30))}
    assert {"000.00.00.H44", "000.00.00.H62", "000.00.00.H29"} <= before
    old_hoa_binh = Unit.objects.get(code="000.00.00.H29")
    assert successors(old_hoa_binh) == [committee]

    # the approver signed some profiles with the TEST key; the signatures verify
    from profiles.models import ProfileSignature
    from profiles.signatures.versions import verify_version

    signatures = ProfileSignature.objects.filter(version__profile__unit__tree_id=committee.tree_id)
    # 20 by the signing step, and a few of each kind the population registry disagrees with
    # (the reconciliation step)
    assert signatures.count() >= 20
    result = verify_version(signatures.first().version)
    assert result.ok, result
    # every signed demo document validates against the XSD of its version (schema 1.1)
    from profiles.document import validate_document

    for signature in signatures:
        assert validate_document(bytes(signature.signed_document)) == [], signature.pk

    # a few rows of an old system's export wait in the review queue (đối khớp hồ sơ trùng)
    from profiles.models import MergeCandidate

    assert MergeCandidate.objects.filter(status="open").count() == 3

    for spec in DEMO_USERS:
        # django-axes needs the request to throttle by address
        request = RequestFactory().post("/admin/login/")
        user = authenticate(request, username=spec.username, password=DEMO_PASSWORD)
        assert user is not None and user.is_staff, spec.username
        if spec.role:
            assert UnitAssignment.objects.filter(user=user, role=spec.role).exists()
        for name in spec.permissions:
            assert user.has_perm(name), (spec.username, name)
    # the sensitive groups: a few people only
    viewer = get_user_model().objects.get(username="phutho.xem")
    assert not viewer.has_perm("profiles.view_health")
    assert get_user_model().objects.get(username="phutho.nhansu").has_perm("profiles.view_health")

    # the emulator of the national side: a key for Phú Thọ's software, handed over in a file
    from syncing.emulator.demo import read_handoff
    from syncing.emulator.models import ConnectionKey, NationalUnit, PopulationRecord

    handoff = read_handoff()
    key = ConnectionKey.objects.get(key_id=handoff["key_id"])
    assert (key.agency_code, key.status) == ("H25", ConnectionKey.Status.ACTIVE)
    assert NationalUnit.objects.filter(agency_code="H25", kind="commune_pc").count() == 148
    # a few people are "not found" on purpose
    assert PEOPLE * 0.95 < PopulationRecord.objects.count() < PEOPLE

    # our side: Phú Thọ's connection from that key, the signed profiles queued for sync
    from syncing.models import Connection, SyncItem

    connection = Connection.objects.get(unit=committee, destination="national")
    assert (connection.key_id, connection.secret()) == (handoff["key_id"], handoff["secret"])
    assert SyncItem.objects.filter(connection=connection).count() == signatures.count()

    # reconciliation: the queue delivered, the national side reconciled, Phú Thọ pulled its
    # mismatches and its national tree; the day's progress is recorded
    from syncing.models import Mismatch, ProgressSnapshot, UnitMatch

    assert SyncItem.objects.filter(connection=connection, status="synced").exists()
    kinds = set(Mismatch.objects.values_list("kind", flat=True))
    assert {"spelling", "dob", "sex"} <= kinds
    assert UnitMatch.objects.filter(status="confirmed").count() >= 149  # H25 and its communes
    assert ProgressSnapshot.objects.filter(agency=committee).exists()

    # letter 5034: the three old provinces' systems and keys, the choice, the report received,
    # the old keys revoked and the chosen one the only active key
    from syncing.emulator.models import ReceivedReport
    from syncing.models import HrSystem, ReportSubmission

    old_systems = HrSystem.objects.filter(agency=committee, is_chosen=False)
    assert {u.code for s in old_systems for u in s.units_served.all()} == {
        "000.00.00.H44",
        "000.00.00.H62",
        "000.00.00.H29",
    }
    old_keys = [k.key_id for s in old_systems for k in s.keys.all()]
    assert len(old_keys) == 3
    states = ConnectionKey.objects.filter(key_id__in=old_keys).values_list("status", flat=True)
    assert set(states) == {"revoked"}
    active = ConnectionKey.objects.filter(agency_code="H25", status="active")
    assert list(active.values_list("key_id", flat=True)) == [handoff["key_id"]]
    submission = ReportSubmission.objects.get(report__agency=committee)
    assert ReceivedReport.objects.filter(receipt_id=submission.receipt_id).exists()

    counts = (Unit.objects.count(), Profile.objects.count(), django_user_model.objects.count())
    again, _ = _run_demo()
    assert again == "H25\n"
    assert (Unit.objects.count(), Profile.objects.count(), django_user_model.objects.count()) == (
        counts
    )
    assert read_handoff()["key_id"] == handoff["key_id"]  # the key is kept
    assert MergeCandidate.objects.count() == 3
    assert ReceivedReport.objects.count() == 1 and ReportSubmission.objects.count() == 1


def _demo_counts() -> dict[str, int]:
    """The rows of every kind the demo makes, on both sides of the contract."""
    from django.contrib.auth import get_user_model

    from profiles.models import MergeCandidate, ProfileSignature
    from syncing.emulator.models import (
        ConnectionKey,
        NationalUnit,
        PopulationRecord,
        ReceivedProfile,
        ReceivedReport,
    )
    from syncing.models import (
        HrSystem,
        MinistryReport,
        Mismatch,
        ReportSubmission,
        SyncItem,
        SystemKey,
        UnitMatch,
    )

    models = [Unit, Profile, ProfileSignature, MergeCandidate, get_user_model()]
    models += [SyncItem, Mismatch, UnitMatch, HrSystem, SystemKey, MinistryReport]
    models += [ReportSubmission, NationalUnit, PopulationRecord, ConnectionKey]
    models += [ReceivedProfile, ReceivedReport]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["UnitMatch confirmed"] = UnitMatch.objects.filter(status="confirmed").count()
    return counts


def _figures(err: str) -> dict[str, tuple[str, ...]]:
    """The counts the demo reports for the national tree and the population registry."""
    import re

    patterns = {
        "national_tree": r"Cây tổ chức quốc gia: (\d+) đơn vị, (\d+) mã",
        "population": r"CSDL dân cư mô phỏng: (\d+) người, (\d+) sai lệch, (\d+) người",
        "province": r"hợp nhất từ .*?: (\d+) đơn vị đang hoạt động",
        "communes": r"(\d+) UBND xã, phường mới",
    }
    found = {name: re.search(pattern, err) for name, pattern in patterns.items()}
    assert all(found.values()), {k: v for k, v in found.items() if not v}
    return {name: match.groups() for name, match in found.items() if match}


@pytest.mark.slow
@pytest.mark.django_db(databases=["default", "national"])
def test_a_second_run_leaves_the_same_counts(reference_data, monkeypatch):
    """``./run demo`` twice: the second run adds nothing on either side and reports the same
    figures (it once grew the national tree 149 → 160 units in its report, re-counted the
    population registry 3000 → 2980 and signed more profiles for the reconciliation)."""
    monkeypatch.setenv("CBCCVC_DEMO_PEOPLE", "60")  # a small province is enough here
    _, first_err = _run_demo()
    first = _demo_counts()
    assert first["PopulationRecord"] and first["NationalUnit"] and first["ProfileSignature"]
    assert first["ReceivedReport"] == 1  # the signed report to the ministry was accepted
    _, second_err = _run_demo()
    assert _demo_counts() == first
    assert _figures(second_err) == _figures(first_err)
    # the figures are what the national side holds, every code matched
    from syncing.emulator.models import NationalUnit

    national = NationalUnit.objects.filter(agency_code="H25").count()
    assert _figures(first_err)["national_tree"] == (str(national), str(national))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.database_free  # always a fresh SQLite file: DATABASE_URL is removed below
def test_demo_serves_the_web_app_and_worker(tmp_path):
    """``manage.py demo`` on a fresh SQLite file answers HTTP and stops cleanly on Ctrl-C."""
    port, national_port = _free_port(), _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "NATIONAL_DATABASE_URL"}
    }
    env.update(
        CBCCVC_VAR_DIR=str(tmp_path),
        CBCCVC_DEMO_PEOPLE="300",  # this test is about serving: a small demo is enough
        PYTHONUNBUFFERED="1",
        NATIONAL_EMULATOR_PORT=str(national_port),
    )
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        body = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/") as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert "Tên đăng nhập" in body, "the login page did not answer in Vietnamese"
        assert (tmp_path / "cbccvc.sqlite3").exists()
        # the emulator of the national side answers too, and the handed-over key works
        import json

        from syncing.client import NationalClient

        handoff = json.loads((tmp_path / "national-demo-key.json").read_text(encoding="utf-8"))
        assert handoff["base_url"] == f"http://127.0.0.1:{national_port}"
        with NationalClient(handoff["base_url"], handoff["key_id"], handoff["secret"]) as client:
            for _ in range(30):
                try:
                    assert client.health()["status"] == "ok"
                    break
                except Exception:
                    time.sleep(1)
            assert client.check_auth()["key"]["agency_code"] == "H25"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            output, _ = proc.communicate(timeout=60)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # never leave a server behind
            except ProcessLookupError:
                pass
    assert proc.returncode == 0, output
    assert "phutho.pheduyet" in output  # the logins are printed
    assert f"http://127.0.0.1:{port}/admin/" in output
    assert f"http://127.0.0.1:{national_port}/api/v1/health" in output
    assert "qcluster" in output.lower() or "cluster" in output.lower()  # the worker started


@pytest.mark.database_free
def test_demo_refuses_the_emulators_port_before_setting_up(settings):
    """``--port`` equal to the emulator's port would fail minutes later with "Address already
    in use": it is refused at once, naming the setting, and nothing is set up."""
    from django.core.management.base import CommandError

    settings.NATIONAL_EMULATOR_PORT = 8765
    with pytest.raises(CommandError, match="NATIONAL_EMULATOR_PORT"):
        call_command("demo", "--port", "8765")
