"""The server's mark on a signature made here (#19): what it spares the sync queue (the
signature's own cryptography, verified when it was made) and what it does not (the
certificate's validity, chain and revocation now, the snapshot against its hash). Real signing
with the test CA, real verification: every outcome by the mark is compared with the full
verification of the same bytes at the same time."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.utils import timezone

from cbccvc.crypto import MASTER_KEY_ENV, make_mark, mark_matches
from profiles.models import ProfileSignature, ProfileVersion
from profiles.signatures.versions import (
    MARK_PURPOSE,
    _mark_message,
    sign_version,
    verify_version,
)
from signing.keys import KeyFileSigner
from signing.testca import make_crl
from signing.trust import TrustStore

from .profile_helpers import approved_version, generated_person


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


@pytest.fixture(scope="module")
def approver_key(test_ca):
    return test_ca.issue("lanh_dao_dau", "Phạm Thị Dấu")


@pytest.fixture(scope="module")
def signer(approver_key) -> KeyFileSigner:
    return KeyFileSigner.from_pkcs12(approver_key.pkcs12, approver_key.pin)


@pytest.fixture
def signed(tree, reference_data, hr, approver, signer):
    """Two people, each with a version signed here (``sign_version``)."""
    out = []
    for seed in (21, 22):
        version = approved_version(generated_person(tree["H40.10"], seed=seed), hr, approver)
        sign_version(version, signer, approver)
        out.append(ProfileVersion.objects.select_related("profile").get(pk=version.pk))
    return out


def _both(version, trust: TrustStore, at=None):
    """The verification by the mark and the full one, of the same row at the same time."""
    at = at or timezone.now()
    signature = ProfileSignature.objects.get(version=version)
    marked = verify_version(version, trust_store=trust, at=at, store=False, trust_mark=True)
    full = verify_version(version, trust_store=trust, at=at, store=False, signature=signature)
    return marked, full


def _same_outcome(marked, full) -> None:
    """Everything the stored verification says, except how it was made."""
    a, b = marked.as_dict(), full.as_dict()
    assert (a.pop("by_mark"), b.pop("by_mark")) == (True, False)
    assert a == b
    assert marked.ok == full.ok and marked.messages == full.messages


def test_a_signature_made_here_is_checked_by_its_mark_with_the_full_outcome(signed, test_ca):
    trust = test_ca.trust_store()
    for version in signed:
        signature = ProfileSignature.objects.get(version=version)
        assert signature.signing_mark.startswith("mac1:")
        marked, full = _both(version, trust)
        # the signature's cryptography was not checked again: nothing was canonicalised
        assert marked.by_mark and marked.result.signed_content is None
        assert full.result.signed_content is not None
        assert marked.ok, marked.messages
        _same_outcome(marked, full)


def test_changed_bytes_are_verified_in_full_and_refused(signed, test_ca):
    version = signed[0]
    signature = ProfileSignature.objects.get(version=version)
    doc = bytes(signature.signed_document)
    name = version.profile.full_name.encode()
    assert name in doc
    signature.signed_document = doc.replace(name, "Kẻ Giả Danh".encode(), 1)
    signature.save()  # the mark stays as it was
    marked, full = _both(version, test_ca.trust_store())
    assert not marked.by_mark
    assert not marked.ok and "content_modified" in marked.result.codes
    assert marked.as_dict() == full.as_dict()


def test_a_mark_is_not_moved_to_another_row_nor_made_without_the_master_key(
    signed, test_ca, signer
):
    first, second = (ProfileSignature.objects.get(version=v) for v in signed)
    trust = test_ca.trust_store()
    # the first row's mark copied onto the second: it vouches for the first version only
    ProfileSignature.objects.filter(pk=second.pk).update(signing_mark=first.signing_mark)
    marked, _ = _both(signed[1], trust)
    assert not marked.by_mark and marked.ok  # verified in full (and valid)
    # the right message under another key (the Django secret, which the database may leak
    # through a backup of the settings) is no mark; nor is the master key's mark of another
    message = _mark_message(
        signed[1],
        hashlib.sha256(bytes(second.signed_document)).hexdigest(),
        signer.certificate.fingerprint(hashes.SHA256()).hex(),
    )
    forged = "mac1:" + hmac.new(settings.SECRET_KEY.encode(), message, "sha256").hexdigest()
    for mark in (forged, make_mark(MARK_PURPOSE, message + b" ")):
        ProfileSignature.objects.filter(pk=second.pk).update(signing_mark=mark)
        assert not _both(signed[1], trust)[0].by_mark
    right = make_mark(MARK_PURPOSE, message)
    ProfileSignature.objects.filter(pk=second.pk).update(signing_mark=right)
    assert _both(signed[1], trust)[0].by_mark  # the check above is of the key, not the message
    # the first row, untouched, is still checked by its mark
    assert _both(signed[0], trust)[0].by_mark


def test_a_certificate_revoked_after_signing_is_refused_by_the_mark_as_in_full(
    signed, test_ca, signer
):
    now = timezone.now()
    crl = make_crl(
        test_ca.intermediate_cert,
        test_ca.intermediate_key,
        [(signer.certificate, now - timedelta(minutes=1))],
        this_update=now - timedelta(minutes=1),
        next_update=now + timedelta(days=7),
    )
    base = test_ca.trust_store()
    trust = TrustStore(anchors=list(base.anchors), crls=[*base.crls, crl])
    marked, full = _both(signed[0], trust, at=now)
    assert marked.by_mark
    assert not marked.ok and "revoked" in marked.result.codes
    _same_outcome(marked, full)


def test_an_expired_or_untrusted_certificate_is_refused_by_the_mark_as_in_full(
    signed, test_ca, other_ca, signer
):
    after = signer.certificate.not_valid_after_utc + timedelta(days=1)
    marked, full = _both(signed[0], test_ca.trust_store(), at=after)
    assert marked.by_mark and "cert_expired" in marked.result.codes
    _same_outcome(marked, full)
    marked, full = _both(signed[0], other_ca.trust_store())
    assert marked.by_mark and "untrusted" in marked.result.codes
    _same_outcome(marked, full)


def test_rows_signed_before_marks_existed_are_verified_in_full(signed, test_ca):
    ProfileSignature.objects.update(signing_mark="")
    for version in signed:
        marked, full = _both(version, test_ca.trust_store())
        assert not marked.by_mark and marked.ok
        assert marked.as_dict() == full.as_dict()


def test_a_snapshot_changed_after_signing_is_verified_in_full_and_named(signed, test_ca):
    version = signed[0]
    snapshot = dict(version.snapshot)
    snapshot["profile"] = {**snapshot["profile"], "phone": "0900000000"}
    ProfileVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
    version = ProfileVersion.objects.select_related("profile").get(pk=version.pk)
    marked, full = _both(version, test_ca.trust_store())
    assert not marked.by_mark
    assert not marked.ok and "snapshot_hash" in [p["code"] for p in marked.problems]
    assert marked.as_dict() == full.as_dict()


def test_marks_follow_the_master_key_through_a_rotation(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(MASTER_KEY_ENV, old)
    mark = make_mark("essai", b"message")
    assert mark_matches("essai", b"message", mark)
    assert not mark_matches("essai", b"message!", mark)
    assert not mark_matches("autre usage", b"message", mark)
    monkeypatch.setenv(MASTER_KEY_ENV, new)
    assert not mark_matches("essai", b"message", mark)
    monkeypatch.setenv(MASTER_KEY_ENV, f"{new},{old}")  # the new key first, the old still read
    assert mark_matches("essai", b"message", mark)
    assert make_mark("essai", b"message") != mark
    assert not mark_matches("essai", b"message", "") and not mark_matches("essai", b"x", "mac1:zz")
