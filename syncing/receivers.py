"""Signal receivers: a signed profile version (or a chunk of them, from batch signing) is queued
for sync in the signing transaction, and a sender is kicked once the transaction commits."""

from __future__ import annotations

from django.dispatch import receiver

from profiles.signals import version_signed, versions_signed

from .queue import enqueue, enqueue_many
from .tasks import kick


@receiver(version_signed, dispatch_uid="syncing-enqueue-signed")
def enqueue_signed(sender, version, **kwargs) -> None:
    enqueue(version)
    kick()


@receiver(versions_signed, dispatch_uid="syncing-enqueue-signed-chunk")
def enqueue_signed_chunk(sender, versions, **kwargs) -> None:
    enqueue_many(versions)
    kick()
