"""The adapter interface between the sync queue and a destination database.

The queue only talks to a :class:`Destination`: the national database
(:class:`NationalDestination`, over :class:`~syncing.client.NationalClient`) is one; a second
destination (e.g. the Party members database) implements the same small protocol.
Implementations raise the exceptions of :mod:`syncing.client` (``KeyRevoked``, ``AuthFailed``,
``RateLimited``, ``NationalUnavailable``, ``ContractError``) and never retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from .client import ItemResult, NationalClient, ProfileItem


@runtime_checkable
class Destination(Protocol):
    """What the sync queue needs from a destination."""

    name: str  # short machine name, e.g. "national"
    label: str  # Vietnamese, for the admin
    max_batch: int

    def submit(self, items: Sequence[ProfileItem]) -> list[ItemResult]:
        """Deliver the items; one result per item, in order. Idempotent per item key."""
        ...

    def health(self) -> dict[str, Any]:
        """Liveness and the key's status; raises on failure."""
        ...


class NationalDestination:
    """The national database of cadres, civil servants and public employees."""

    name = "national"
    label = "CSDL quốc gia về CBCCVC (Bộ Nội vụ)"

    def __init__(self, client: NationalClient, *, max_batch: int | None = None) -> None:
        from . import contract

        self.client = client
        self.max_batch = max_batch or contract.MAX_BATCH

    def submit(self, items: Sequence[ProfileItem]) -> list[ItemResult]:
        return self.client.submit_profiles(items)

    def health(self) -> dict[str, Any]:
        health = self.client.health()
        return {**health, "key": self.client.check_auth()}
