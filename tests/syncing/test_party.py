"""The second destination, the Party members database: the same queue and adapter protocol,
only Party members, and only the fields that destination is entitled to."""

from __future__ import annotations

from profiles.models import Membership
from syncing.connections import create_connection
from syncing.destinations import (
    PARTY_MEMBERSHIP_FIELDS,
    PARTY_PROFILE_FIELDS,
    PartyAdapter,
    PartyItem,
)
from syncing.emulator.models import ReceivedPartyRecord, ReceivedProfile
from syncing.models import Destination, SyncItem, SyncStatus
from syncing.sender import SenderConfig, run

from .conftest import NATIONAL_DB
from .helpers import sign_people

pytestmark = NATIONAL_DB

FAST = SenderConfig(batch_size=20, lease_seconds=5, backoff_base=0.01, backoff_cap=0.05)


def test_party_members_reach_the_party_database_with_the_entitled_fields_only(
    connection, national, tree, hr, approver, signer
):
    issued = national.issue_key(
        "H40", software_name="Phần mềm QLCB – kết nối CSDL đảng viên", destination="party"
    )
    party = create_connection(
        unit=tree["H40"],
        destination=Destination.PARTY,
        software_name="Phần mềm QLCB",
        base_url=national.url,
        key_id=issued.key.key_id,
        secret=issued.secret,
    )
    versions = sign_people(
        tree["H40.10"], 8, hr_user=hr, approver_user=approver, signer=signer, seed=3
    )
    members = [
        v
        for v in versions
        if Membership.objects.filter(
            profile=v.profile, organisation="party", left_date__isnull=True
        ).exists()
    ]
    assert 0 < len(members) < len(versions)
    run(max_seconds=20, idle_seconds=0.3, poll=0.02, config=FAST)
    assert SyncItem.objects.exclude(status=SyncStatus.SYNCED).count() == 0
    assert ReceivedProfile.objects.count() == len(versions)
    received = {r.personal_id: r for r in ReceivedPartyRecord.objects.all()}
    assert set(received) == {v.profile.personal_id for v in members}
    allowed = set(PARTY_PROFILE_FIELDS) | {"unit_code", "party_membership"}
    for v in members:
        record = received[v.profile.personal_id].record
        assert set(record) <= allowed
        assert record["full_name"] == v.profile.full_name
        assert record["party_membership"]
        assert all(set(m) <= set(PARTY_MEMBERSHIP_FIELDS) for m in record["party_membership"])
        text = str(record)
        for field in ("phone", "email", "permanent_residence", "current_residence"):
            value = getattr(v.profile, field)
            assert not value or value not in text, field
    assert SyncItem.objects.filter(connection=party, status=SyncStatus.SYNCED).count() == len(
        members
    )


def test_the_party_database_refuses_fields_it_is_not_entitled_to(national, connection):
    issued = national.issue_key(
        "H40", software_name="Phần mềm QLCB – CSDL đảng viên", destination="party"
    )
    adapter = PartyAdapter(national.client(issued))
    record = {"personal_id": "001085001234", "full_name": "Nguyễn Văn A", "phone": "0912"}
    (result,) = adapter.submit([PartyItem("001085001234", "a" * 64, record)])
    assert result.status == "rejected"
    assert result.code == "fields_not_allowed"
    assert "phone" in result.message
    assert ReceivedPartyRecord.objects.count() == 0
    good = {"personal_id": "001085001234", "full_name": "Nguyễn Văn A", "party_membership": []}
    (first,) = adapter.submit([PartyItem("001085001234", "a" * 64, good)])
    (again,) = adapter.submit([PartyItem("001085001234", "a" * 64, good)])
    assert (first.status, again.status) == ("accepted", "already_received")
    assert ReceivedPartyRecord.objects.count() == 1
