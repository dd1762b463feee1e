"""Signing a version queues it for sync, once per destination, in the signing transaction."""

from __future__ import annotations

import pytest

from profiles.models import Membership
from syncing.destinations import PARTY_MEMBERSHIP_FIELDS, PARTY_PROFILE_FIELDS, party_record
from syncing.models import Connection, Destination, SyncItem, SyncStatus
from syncing.queue import enqueue, idempotency_key

from .helpers import sign_people

pytestmark = pytest.mark.django_db


def test_signing_queues_the_version_for_the_national_database(tree, hr, approver, signer):
    (version,) = sign_people(tree["H40.10"], 1, hr_user=hr, approver_user=approver, signer=signer)
    item = SyncItem.objects.get()
    assert item.version == version
    assert item.destination == Destination.NATIONAL
    assert item.status == SyncStatus.PENDING
    assert item.idempotency_key == f"{version.profile.personal_id}:{version.content_hash}"
    assert item.connection is None  # the agency has no connection yet
    assert item.changed_at == version.submitted_at
    # queuing again is a no-op
    assert enqueue(version) == [item]
    assert SyncItem.objects.count() == 1


def test_party_members_are_also_queued_for_the_party_database(
    tree, hr, approver, signer, user_with
):
    conn = Connection(
        unit=tree["H40"],
        destination=Destination.PARTY,
        software_name="HRM",
        base_url="http://127.0.0.1:9/",
        key_id="party-1",
    )
    conn.set_secret("s")
    conn.save()
    versions = sign_people(
        tree["H40.10"], 6, hr_user=hr, approver_user=approver, signer=signer, seed=3
    )
    members = {
        v.pk
        for v in versions
        if Membership.objects.filter(
            profile=v.profile, organisation="party", left_date__isnull=True
        ).exists()
    }
    assert members, "the generated people include Party members"
    party = SyncItem.objects.filter(destination=Destination.PARTY)
    assert set(party.values_list("version", flat=True)) == members
    assert party.filter(connection=conn).count() == len(members)
    assert SyncItem.objects.filter(destination=Destination.NATIONAL).count() == 6
    for v in versions:
        assert idempotency_key(v) in set(SyncItem.objects.values_list("idempotency_key", flat=True))


def test_the_party_record_holds_only_the_entitled_fields(tree, hr, approver, signer):
    (version,) = sign_people(
        tree["H40.10"], 1, hr_user=hr, approver_user=approver, signer=signer, seed=5
    )
    record = party_record(version)
    assert set(record) == set(PARTY_PROFILE_FIELDS) | {"unit_code", "party_membership"}
    for m in record["party_membership"]:
        assert set(m) == set(PARTY_MEMBERSHIP_FIELDS)
    text = str(record)
    row = version.snapshot["profile"]
    for secret_field in (
        "phone",
        "email",
        "permanent_residence",
        "current_residence",
        "religion",
        "birthplace_text",
        "hometown_text",
    ):
        value = row.get(secret_field)
        if value:
            assert str(value) not in text, secret_field
    for table in ("family", "salary_history", "asset_declarations", "health", "disciplines"):
        assert table not in text
