"""The signals the profiles app sends (definitions only; its receivers are in
:mod:`profiles.receivers`, connected in :meth:`profiles.apps.ProfilesConfig.ready`)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by :func:`profiles.workflow.mark_signed` inside its transaction, with ``version``: the
# sync queue enqueues the signed version (a failing receiver rolls the signing back).
version_signed = Signal()

# Sent by batch signing (:mod:`profiles.signatures.batch`) inside the transaction that
# stores a chunk of signed versions, with ``versions`` (a list, each with its profile and unit
# loaded): the sync queue enqueues them all at once (a failing receiver rolls the chunk back).
versions_signed = Signal()
