"""The outgoing queue: enqueue signed versions, find the connection that serves a profile.

The sender (claiming due items, delivering them, retries, the circuit breaker) is in
:mod:`syncing.sender`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from orgtree.models import Unit
from orgtree.tree import is_within
from profiles.models import ProfileVersion

from .models import Connection, Destination, SyncItem, SyncStatus


def idempotency_key(version: ProfileVersion) -> str:
    """``<personal ID>:<version hash>``: the same version always has the same key."""
    return f"{version.profile.personal_id}:{version.content_hash}"


def official_connections(destination: str) -> list[Connection]:
    """The official connections to ``destination``, with their units (see :func:`nearest`)."""
    return list(
        Connection.objects.filter(destination=destination, is_official=True).select_related("unit")
    )


def nearest(unit: Unit, connections: Sequence[Connection]) -> Connection | None:
    """Of ``connections``, the one of the agency whose subtree holds ``unit`` (the nearest)."""
    best: Connection | None = None
    for conn in connections:
        if is_within(unit, conn.unit) and (best is None or conn.unit.level > best.unit.level):
            best = conn
    return best


def connection_for(unit: Unit, destination: str) -> Connection | None:
    """The connection of the agency whose subtree holds ``unit`` (the nearest one)."""
    return nearest(unit, official_connections(destination))


def is_party_member(snapshot: dict[str, Any]) -> bool:
    """A current member of the Communist Party of Vietnam, as the signed snapshot says."""
    return any(
        m.get("organisation") == "party" and not m.get("left_date")
        for m in snapshot.get("memberships") or []
    )


def destinations_for(version: ProfileVersion) -> list[str]:
    """Every signed version goes to the national database; Party members' versions also go to
    the Party members database when the agency has a connection to it."""
    out = [Destination.NATIONAL.value]
    if is_party_member(version.snapshot) and connection_for(
        version.profile.unit, Destination.PARTY
    ):
        out.append(Destination.PARTY.value)
    return out


def enqueue(version: ProfileVersion, destinations: list[str] | None = None) -> list[SyncItem]:
    """Queue ``version`` for each destination (once: the idempotency key is unique)."""
    version = ProfileVersion.objects.select_related("profile__unit").get(pk=version.pk)
    items = []
    now = timezone.now()
    for destination in destinations or destinations_for(version):
        key = idempotency_key(version)
        existing = SyncItem.objects.filter(destination=destination, idempotency_key=key).first()
        if existing is not None:
            items.append(existing)
            continue
        try:
            with transaction.atomic():
                items.append(
                    SyncItem.objects.create(
                        version=version,
                        destination=destination,
                        connection=connection_for(version.profile.unit, destination),
                        status=SyncStatus.PENDING,
                        next_attempt_at=now,
                        changed_at=version.submitted_at or now,
                        idempotency_key=key,
                    )
                )
        except IntegrityError:  # a concurrent enqueue of the same version won
            items.append(SyncItem.objects.get(destination=destination, idempotency_key=key))
    return items


def enqueue_many(versions: Sequence[ProfileVersion]) -> int:
    """:func:`enqueue` for many signed versions at once (batch signing stores a chunk of
    versions in one transaction): the connections are read once, the versions already queued
    in one query, the new items written in one statement. ``versions`` carry their profile and
    its unit (loaded by the caller). Exactly once, as :func:`enqueue`: the idempotency key is
    unique per destination, and a row a concurrent enqueue wrote first is left as it is
    (``ignore_conflicts``). Returns the number of items written."""
    if not versions:
        return 0
    now = timezone.now()
    connections = {
        destination: official_connections(destination) for destination in Destination.values
    }
    wanted: list[tuple[ProfileVersion, str, str]] = []
    for version in versions:
        destinations = [Destination.NATIONAL.value]
        if is_party_member(version.snapshot) and nearest(
            version.profile.unit, connections[Destination.PARTY]
        ):
            destinations.append(Destination.PARTY.value)
        key = idempotency_key(version)
        wanted += [(version, destination, key) for destination in destinations]
    queued = set(
        SyncItem.objects.filter(idempotency_key__in={key for _, _, key in wanted}).values_list(
            "destination", "idempotency_key"
        )
    )
    items = [
        SyncItem(
            version=version,
            destination=destination,
            connection=nearest(version.profile.unit, connections[destination]),
            status=SyncStatus.PENDING,
            next_attempt_at=now,
            changed_at=version.submitted_at or now,
            idempotency_key=key,
        )
        for version, destination, key in wanted
        if (destination, key) not in queued
    ]
    SyncItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)
