"""The destinations the queue delivers to, behind the adapter protocol of
:mod:`syncing.adapters`, plus what the sender needs to build a payload from a version.

* national — the signed XML document of the version, as is (:class:`NationalAdapter`);
* party — the Party members database ("CSDL tổ chức đảng, đảng viên") receives only the fields
  it is entitled to (:data:`PARTY_FIELDS`, see ``docs/party-api.md``), never the signed
  document (which holds every data group).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from profiles.models import ProfileVersion

from . import contract
from .adapters import NationalDestination
from .client import ItemResult, NationalClient, ProfileItem
from .models import Connection, Destination

# -- national ----------------------------------------------------------------------------------


class NationalAdapter(NationalDestination):
    def build_item(self, version: ProfileVersion, signed_document: bytes) -> ProfileItem:
        profile = version.profile
        return ProfileItem(
            personal_id=profile.personal_id,
            version_hash=version.content_hash,
            unit_code=profile.unit.code,
            document=signed_document,
        )

    @staticmethod
    def version_hash_of(item: ProfileItem) -> str:
        return item.version_hash

    def test_sync(self, items: Sequence[ProfileItem]) -> dict[str, Any]:
        return self.client.test_sync(items)

    def close(self) -> None:
        self.client.close()


# -- party -------------------------------------------------------------------------------------

PARTY_PATH_BATCHES = "/party/v1/members/batches"
PARTY_PATH_HEALTH = "/party/v1/health"
PARTY_MAX_BATCH = 100

# The field policy: what the Party members database is entitled to receive, per part of the
# signed snapshot. Everything else (addresses, contacts, family, salary, assets, health,
# discipline, religion, training, …) is never sent there.
PARTY_PROFILE_FIELDS = (
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "position_code",
    "title_code",
)
PARTY_MEMBERSHIP_FIELDS = (
    "admission_date",
    "full_membership_date",
    "card_number",
    "left_date",
    "highest_post",
)
PARTY_FIELDS = {"profile": PARTY_PROFILE_FIELDS, "party_membership": PARTY_MEMBERSHIP_FIELDS}


def party_record(version: ProfileVersion) -> dict[str, Any]:
    """The Party record of a version: identity, current position and Party membership only."""
    snap = version.snapshot
    row = snap.get("profile") or {}
    record: dict[str, Any] = {k: row.get(k) for k in PARTY_PROFILE_FIELDS}
    record["unit_code"] = version.profile.unit.code
    record["party_membership"] = [
        {k: m.get(k) for k in PARTY_MEMBERSHIP_FIELDS}
        for m in snap.get("memberships") or []
        if m.get("organisation") == "party"
    ]
    return record


@dataclass(frozen=True)
class PartyItem:
    personal_id: str
    version_hash: str
    record: dict[str, Any]

    @property
    def idempotency_key(self) -> str:
        return contract.idempotency_key(self.personal_id, self.version_hash)

    def as_json(self) -> dict[str, Any]:
        body = json.dumps(self.record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return {
            "personal_id": self.personal_id,
            "version_hash": self.version_hash,
            "record": self.record,
            "record_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        }


class PartyAdapter:
    """The Party members database, same signed-request scheme, its own small contract."""

    name = Destination.PARTY.value
    label = Destination.PARTY.label
    max_batch = PARTY_MAX_BATCH

    def __init__(self, client: NationalClient) -> None:
        self.client = client

    def build_item(self, version: ProfileVersion, signed_document: bytes) -> PartyItem:
        return PartyItem(version.profile.personal_id, version.content_hash, party_record(version))

    @staticmethod
    def version_hash_of(item: PartyItem) -> str:
        return item.version_hash

    def submit(self, items: Sequence[PartyItem]) -> list[ItemResult]:
        data = self.client.request(
            "POST", PARTY_PATH_BATCHES, json_body={"items": [i.as_json() for i in items]}
        )
        return self.client._results(data, len(items))

    def health(self) -> dict[str, Any]:
        return self.client.request("GET", PARTY_PATH_HEALTH, signed=False)

    def close(self) -> None:
        self.client.close()


def adapter_for(conn: Connection, *, timeout: float = 30.0) -> Any:
    client = NationalClient(conn.base_url, conn.key_id, conn.secret(), timeout=timeout)
    if conn.destination == Destination.PARTY:
        return PartyAdapter(client)
    return NationalAdapter(client)
