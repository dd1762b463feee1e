"""Fault injection over real HTTP: deterministic with a seed; the client maps each fault to
NationalUnavailable; idempotency absorbs processed-but-unanswered and duplicated deliveries."""

from __future__ import annotations

import pytest

from syncing import contract
from syncing.client import NationalUnavailable

from .conftest import AGENCY, NATIONAL_DB

pytestmark = NATIONAL_DB


def _outcomes(client, n):
    out = []
    for _ in range(n):
        try:
            client.check_auth()
            out.append("ok")
        except NationalUnavailable as exc:
            out.append(exc.code or str(exc.status))
    return out


def test_same_seed_same_faults(national_server):
    client = national_server.client(national_server.issue_key())
    national_server.set_faults(seed=42, error_rate=0.3, drop_rate=0.2)
    first = _outcomes(client, 20)
    national_server.set_faults(seed=42, error_rate=0.3, drop_rate=0.2)
    second = _outcomes(client, 20)
    assert first == second
    assert {"ok", "unavailable", "connection"} <= set(first), first
    national_server.set_faults(seed=43, error_rate=0.3, drop_rate=0.2)
    assert _outcomes(client, 20) != first


def test_health_is_never_faulted(national_server):
    national_server.set_faults(seed=1, error_rate=1.0)
    client = national_server.client(national_server.issue_key())
    assert client.health()["status"] == "ok"
    with pytest.raises(NationalUnavailable) as info:
        client.check_auth()
    assert info.value.status == 503


def test_timeout_surfaces_as_unavailable(national_server):
    national_server.set_faults(seed=1, timeout_rate=1.0, timeout_seconds=1.0)
    client = national_server.client(national_server.issue_key(), timeout=0.3)
    with pytest.raises(NationalUnavailable) as info:
        client.check_auth()
    assert info.value.code == "timeout"


@pytest.mark.parametrize("fault", ["drop_rate", "error_after_rate"])
def test_processed_but_unanswered_batch_is_absorbed_on_retry(
    national_server, national_ca, signed_profiles, fault
):
    from syncing.emulator.models import ReceivedProfile

    national_server.trust(national_ca)
    national_server.add_units(AGENCY)
    client = national_server.client(national_server.issue_key())
    items = [p.item() for p in signed_profiles[:4]]
    national_server.set_faults(seed=5, **{fault: 1.0})
    with pytest.raises(NationalUnavailable):
        client.submit_profiles(items)
    assert ReceivedProfile.objects.count() == 4  # the national side did store them
    national_server.set_faults()
    retry = client.submit_profiles(items)
    assert [r.status for r in retry] == [contract.ITEM_ALREADY_RECEIVED] * 4
    assert all(r.confirmed for r in retry)
    assert ReceivedProfile.objects.count() == 4


def test_duplicate_delivery_never_makes_a_second_record(
    national_server, national_ca, signed_profiles
):
    from syncing.emulator.models import ReceivedProfile

    national_server.trust(national_ca)
    national_server.add_units(AGENCY)
    client = national_server.client(national_server.issue_key())
    national_server.set_faults(seed=9, duplicate_rate=1.0)
    results = client.submit_profiles([p.item() for p in signed_profiles[:3]])
    assert [r.status for r in results] == [contract.ITEM_ALREADY_RECEIVED] * 3
    assert all(r.confirmed for r in results)
    assert ReceivedProfile.objects.count() == 3


def test_fault_plan_from_configuration(tmp_path):
    from syncing.emulator.faults import FaultPlan

    path = tmp_path / "faults.json"
    path.write_text('{"seed": 3, "error_rate": 0.5}', encoding="utf-8")
    plan = FaultPlan.from_config(str(path))
    assert plan.error_rate == 0.5 and plan.active
    assert FaultPlan.from_config('{"seed": 3, "error_rate": 0.5}').error_rate == 0.5
    assert not FaultPlan.from_config("").active
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"error_rate": 2})
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"typo_rate": 0.1})
