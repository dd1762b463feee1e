"""Helpers of the queue tests: signed profiles of a small tree, taken through the real
workflow (submit as HR, approve, sign with a key of a test CA that both our trust store and
the emulator trust). The fixtures are in ``conftest.py`` (queue section)."""

from __future__ import annotations

from typing import Any

from profiles import workflow
from profiles.models import Profile, ProfileVersion
from profiles.signatures.versions import sign_version
from profiles.synthetic import generate_people

AGENCY = "H40"
UNITS = ("H40.10", "H40.11", "H40.10.01")


def trust_test_ca(ca: Any) -> None:
    """Put the test CA (and its CRLs) in the database trust store, as the sender reads it."""
    from signing.testca import load_test_ca

    load_test_ca(ca, load_credentials=False)


def sign_people(
    unit, count: int, *, hr_user, approver_user, signer, seed: int = 1
) -> list[ProfileVersion]:
    """``count`` new people in ``unit``, each with one signed version (which the signing
    transaction queues for sync)."""
    before = set(Profile.objects.values_list("pk", flat=True))
    generate_people(unit, count, seed=seed)
    versions = []
    for profile in Profile.objects.exclude(pk__in=before).order_by("pk"):
        version = workflow.submit(profile, hr_user)
        version = workflow.approve(version, approver_user)
        sign_version(version, signer, approver_user)
        versions.append(ProfileVersion.objects.get(pk=version.pk))
    return versions
