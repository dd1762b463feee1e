"""Signal receivers: a signed profile version is queued for sync in the signing transaction,
and a sender is kicked once the transaction commits."""

from __future__ import annotations

from django.dispatch import receiver

from profiles.signals import version_signed

from .queue import enqueue
from .tasks import kick


@receiver(version_signed, dispatch_uid="syncing-enqueue-signed")
def enqueue_signed(sender, version, **kwargs) -> None:
    enqueue(version)
    kick()
