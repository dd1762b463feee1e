"""Org tree push/pull, the schedule report, the population registry and the reconciliation
results, over real HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from syncing.client import ContractError

from .conftest import AGENCY, NATIONAL_DB

pytestmark = NATIONAL_DB


def test_seed_national_units_from_the_skeleton():
    from syncing.emulator.models import NationalUnit
    from syncing.emulator.seeding import seed_national_units

    created = seed_national_units(communes_of=())
    assert created == NationalUnit.objects.count() == 36
    assert seed_national_units(communes_of=()) == 0
    h25 = NationalUnit.objects.get(code="H25")
    assert h25.agency_code == "H25" and h25.parent is None
    assert NationalUnit.objects.get(code="000.00.00.G09").name == "Bộ Nội vụ"


def test_push_then_pull_units(national_server):
    national_server.add_units(AGENCY)
    client = national_server.client(national_server.issue_key())
    results = client.push_units(
        [
            {"code": "H25.10", "name": "Sở Nội vụ", "parent_code": "H25", "kind": "department"},
            {"code": "H25.10.01", "name": "Phòng Công chức", "parent_code": "H25.10"},
            {"code": "H25.99", "name": "", "parent_code": "H25"},
            {"code": "H12.10", "name": "Sở khác", "parent_code": "H12"},
        ]
    )
    assert [r["status"] for r in results] == ["created", "created", "rejected", "rejected"]
    again = client.push_units([{"code": "H25.10", "name": "Sở Nội vụ tỉnh Phú Thọ",
                                "parent_code": "H25"}])  # fmt: skip
    assert again[0]["status"] == "updated"
    pulled = {u["code"]: u for u in client.pull_all_units()}
    assert set(pulled) == {"H25", "H25.10", "H25.10.01"}
    assert pulled["H25.10.01"]["parent_code"] == "H25.10"
    assert pulled["H25.10"]["name"] == "Sở Nội vụ tỉnh Phú Thọ"


def test_schedule_report(national_server):
    client = national_server.client(national_server.issue_key())
    assert client.get_schedule()["windows"] == []
    report = client.report_schedule(
        {
            "windows": [
                {"start": "2025-09-01", "end": "2025-09-10", "mode": "official"},
                {"start": "2025-09-11", "end": None, "mode": "continuous", "note": "Hằng ngày"},
            ]
        }
    )
    assert report["reported_at"]
    assert client.get_schedule()["windows"][1]["mode"] == "continuous"
    assert client.sync_status()["schedule_reported_at"] == report["reported_at"]
    with pytest.raises(ContractError) as info:
        client.report_schedule({"windows": [{"start": "2025-09-10", "end": "2025-09-01",
                                             "mode": "official"}]})  # fmt: skip
    assert info.value.code == "request_invalid"


def test_population_registry_has_the_requested_mismatches():
    from syncing.emulator.models import PopulationRecord
    from syncing.emulator.reconciliation import Person, seed_population

    people = [
        Person(f"0250850{i:05d}", "Nguyễn Thị Hòa", date(1985, 3, 4) + timedelta(days=i), "2")
        for i in range(200)
    ]
    ratios = {"spelling": 0.1, "date_of_birth": 0.1, "sex": 0.1, "not_found": 0.1, "deceased": 0.1}
    counts = seed_population(people, ratios=ratios, seed=1)
    assert counts == seed_population(people, ratios=ratios, seed=1)  # reproducible
    assert sum(counts.values()) == 200
    assert set(counts) == {"exact", "spelling", "date_of_birth", "sex", "not_found", "deceased"}
    assert PopulationRecord.objects.count() == 200 - counts["not_found"]
    for record in PopulationRecord.objects.filter(variant="spelling"):
        assert record.full_name != "Nguyễn Thị Hòa"
    assert all(r.sex == "1" for r in PopulationRecord.objects.filter(variant="sex"))


def test_reconciliation_results(national_server, national_ca, signed_profiles):
    from syncing.emulator.models import PopulationRecord
    from syncing.emulator.reconciliation import Person, reconcile, seed_population

    national_server.trust(national_ca)
    national_server.add_units(AGENCY)
    client = national_server.client(national_server.issue_key())
    people = signed_profiles[:6]
    assert all(r.confirmed for r in client.submit_profiles([p.item() for p in people]))
    seed_population(
        [Person(p.personal_id, p.full_name, date.fromisoformat(p.date_of_birth), p.sex)
         for p in people],
        ratios={k: 0 for k in ("spelling", "date_of_birth", "sex", "not_found", "deceased")},
    )  # fmt: skip
    # deliberate mismatches, one of each kind
    PopulationRecord.objects.filter(personal_id=people[0].personal_id).update(full_name="X Y Z")
    PopulationRecord.objects.filter(personal_id=people[1].personal_id).update(
        date_of_birth=date(1900, 1, 1)
    )
    PopulationRecord.objects.filter(personal_id=people[2].personal_id).update(
        sex="1" if people[2].sex == "2" else "2"
    )
    PopulationRecord.objects.filter(personal_id=people[3].personal_id).delete()
    PopulationRecord.objects.filter(personal_id=people[4].personal_id).update(
        deceased_on=date(2025, 5, 1)
    )
    day1 = date(2025, 9, 11)
    run = reconcile(day1)
    assert (run.checked, run.mismatches) == (6, 5)
    page = client.reconciliation(limit=2)
    assert len(page.items) == 2 and page.next_cursor
    items = page.items
    while page.next_cursor:
        page = client.reconciliation(cursor=page.next_cursor, limit=2)
        items += page.items
    by_person = {i["personal_id"]: i for i in items}
    assert len(items) == 5
    assert by_person[people[0].personal_id]["kind"] == "spelling"
    assert by_person[people[0].personal_id]["our_value"] == people[0].full_name
    assert by_person[people[0].personal_id]["population_value"] == "X Y Z"
    assert by_person[people[1].personal_id]["field"] == "date_of_birth"
    assert by_person[people[1].personal_id]["population_value"] == "1900-01-01"
    assert by_person[people[2].personal_id]["kind"] == "sex"
    assert by_person[people[3].personal_id]["kind"] == "not_found"
    assert by_person[people[4].personal_id]["kind"] == "deceased"
    assert {i["since"] for i in items} == {"2025-09-11"}
    assert {i["status"] for i in items} == {"open"}
    for item in items:
        assert set(item) >= {"personal_id", "field", "our_value", "population_value", "since",
                             "kind", "unit_code", "version_hash", "status"}  # fmt: skip

    # next day: the name was corrected in the registry; "since" of the others stays
    PopulationRecord.objects.filter(personal_id=people[0].personal_id).update(
        full_name=people[0].full_name
    )
    marker = items[-1]["updated_at"]
    reconcile(day1 + timedelta(days=1))
    changed = client.reconciliation(since=marker).items
    resolved = {i["personal_id"]: i for i in changed if i["status"] == "resolved"}
    assert set(resolved) == {people[0].personal_id}
    assert resolved[people[0].personal_id]["resolved_on"] == "2025-09-12"
    everything = client.reconciliation(limit=500).items
    still_open = [i for i in everything if i["status"] == "open"]
    assert len(still_open) == 4 and {i["since"] for i in still_open} == {"2025-09-11"}
