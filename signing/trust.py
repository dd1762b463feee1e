"""The trust store: CA certificates a signature must chain to, and CRLs.

:class:`TrustStore` is a plain in-memory object (so verification can run without the database,
e.g. in the benchmark); :meth:`TrustStore.from_database` builds it from the active
:class:`~signing.models.TrustedCertificate` and
:class:`~signing.models.RevocationList` rows managed in the admin.

Chain building uses ``cryptography``'s ``x509.verification`` (the Rust path builder): the
trusted certificates are the anchors, the certificates embedded in the signature are candidate
intermediates. Revocation is checked against loaded CRLs only; OCSP is not queried (the result
says so), because the verifying server usually cannot reach the CA's responder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from .keys import certificate_fingerprint


@dataclass
class RevocationStatus:
    """Outcome of the CRL check for one certificate."""

    status: str  # "good" | "revoked" | "unknown"
    revoked_at: datetime | None = None
    reason: str = ""
    crl_stale: bool = False


def _check_ca(policy: object, cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    if bc is None or not bc.ca:
        raise ValueError("not a CA certificate (BasicConstraints)")


def _ca_policy() -> ExtensionPolicy:
    # Lenient on purpose: government CAs are not Web PKI CAs. A CA must say it is one; key usage,
    # when present, must allow certificate signing (checked by the path builder).
    return ExtensionPolicy.permit_all().require_present(
        x509.BasicConstraints, Criticality.AGNOSTIC, _check_ca
    )


def _ee_policy() -> ExtensionPolicy:
    return ExtensionPolicy.permit_all()


@dataclass
class TrustStore:
    anchors: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reset_anchors()
        self._reset_crls()

    # Verifying a batch repeats the same signer, chain and CRLs: what was proven is remembered,
    # per trust store. The caches are tied to the anchors and CRLs they were computed from: the
    # lists are public and may be changed in place (a CA added, a CRL appended), so every
    # lookup first compares them, by identity, with the snapshot the caches were built on and
    # starts afresh on any change. (The snapshots keep the old objects alive, so an identity
    # cannot be reused by a new object.) ``TrustStore.from_database`` builds a new store, with
    # empty caches, from the current rows.

    def _reset_anchors(self) -> None:
        self._anchors_seen = tuple(self.anchors)
        self._revision: str | None = None
        self._store = Store(self.anchors) if self.anchors else None
        self._anchor_fps = {certificate_fingerprint(c) for c in self.anchors}
        # A chain is reused only at a time inside the validity of all its certificates.
        self._chains: dict[tuple[bytes, ...], list[x509.Certificate]] = {}
        # checked_chain's memo: its key (an object standing for the certificates) -> result
        self._checked: dict[object, CheckedChain] = {}

    def _reset_crls(self) -> None:
        self._crls_seen = tuple(self.crls)
        self._revision = None
        self._crl_signatures: dict[tuple[int, bytes], bool] = {}
        self._revocations: dict[tuple[x509.Certificate, x509.Certificate], Revocation] = {}
        self._checked = {}

    @staticmethod
    def _same(current: list[Any], seen: tuple[Any, ...]) -> bool:
        return len(current) == len(seen) and all(a is b for a, b in zip(current, seen, strict=True))

    def _check_anchors(self) -> None:
        if not self._same(self.anchors, self._anchors_seen):
            self._reset_anchors()

    def _check_crls(self) -> None:
        if not self._same(self.crls, self._crls_seen):
            self._reset_crls()

    @classmethod
    def from_database(cls) -> TrustStore:
        from .models import RevocationList, TrustedCertificate

        anchors = [t.certificate for t in TrustedCertificate.objects.filter(active=True)]
        crls = [r.crl for r in RevocationList.objects.filter(active=True)]
        return cls(anchors=anchors, crls=crls)

    @property
    def revision(self) -> str:
        """A hash of the trusted certificates and CRLs (SHA-256 fingerprints, order ignored):
        it changes on every change of what is trusted or revoked — a CA or a CRL added,
        removed, deactivated — and on nothing else. A stored verification made against another
        revision is out of date (see :func:`profiles.signatures.versions.
        verification_is_current`)."""
        self._check_anchors()
        self._check_crls()
        if self._revision is None:
            parts = sorted(f"a:{_sha256(c).hex()}" for c in self.anchors)
            parts += sorted(f"c:{crl.fingerprint(hashes.SHA256()).hex()}" for crl in self.crls)
            self._revision = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return self._revision

    @property
    def empty(self) -> bool:
        return not self.anchors

    def is_anchor(self, cert: x509.Certificate) -> bool:
        self._check_anchors()
        return certificate_fingerprint(cert) in self._anchor_fps

    def build_chain(
        self,
        leaf: x509.Certificate,
        intermediates: Iterable[x509.Certificate],
        at: datetime,
    ) -> list[x509.Certificate]:
        """The path leaf → … → trusted anchor valid at ``at``; raises ``VerificationError``."""
        self._check_anchors()
        if self._store is None:
            raise VerificationError("empty trust store")
        intermediates = list(intermediates)
        key = tuple(_sha256(c) for c in [leaf, *intermediates])
        cached = self._chains.get(key)
        if cached is not None and all(
            c.not_valid_before_utc <= at <= c.not_valid_after_utc for c in cached
        ):
            return cached
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(at.astimezone(UTC))
            .extension_policies(ca_policy=_ca_policy(), ee_policy=_ee_policy())
            .build_client_verifier()
        )
        verified = verifier.verify(leaf, intermediates)
        chain = list(verified.chain)
        if len(self._chains) < 1024:
            self._chains[key] = chain
        return chain

    def _crl_signed_by(
        self, index: int, crl: x509.CertificateRevocationList, issuer: x509.Certificate
    ) -> bool:
        key = (index, _sha256(issuer))
        if key not in self._crl_signatures:
            try:
                valid = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
            except TypeError:
                valid = False
            self._crl_signatures[key] = valid
        return self._crl_signatures[key]

    def checked_chain(
        self,
        key: object,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        at: datetime,
    ) -> CheckedChain:
        """:meth:`build_chain` (raising as it does), with the chain's subject names and what
        the loaded CRLs say of each link (:meth:`revocation_status` without the time of the
        check: see :meth:`status_at`), remembered under ``key``: an object that stands for
        exactly these certificates (``xmlsig`` passes the cache entry of the certificates a
        signature embeds) and is kept while remembered. Reused only at a time inside the
        validity of every certificate of the chain, and forgotten with the other caches when
        the anchors or CRLs change."""
        self._check_anchors()
        self._check_crls()
        found = self._checked.get(key)
        if found is not None and found.valid_from <= at <= found.valid_until:
            return found
        chain = self.build_chain(leaf, intermediates, at)
        links = tuple(self._revocation_of(cert, issuer) for cert, issuer in pairwise(chain))
        found = CheckedChain(
            chain=chain,
            names=tuple(describe_name(c.subject) for c in chain),
            links=links,
            valid_from=max(c.not_valid_before_utc for c in chain),
            valid_until=min(c.not_valid_after_utc for c in chain),
        )
        if len(self._checked) >= 1024:
            self._checked.clear()
        self._checked[key] = found
        return found

    def revocation_status(
        self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
    ) -> RevocationStatus:
        """Look ``cert`` up in the CRLs issued (and signed) by ``issuer``."""
        self._check_crls()
        return self.status_at(self._revocation_of(cert, issuer), at)

    def _revocation_of(self, cert: x509.Certificate, issuer: x509.Certificate) -> Revocation:
        key = (cert, issuer)
        found = self._revocations.get(key)
        if found is None:
            found = self._revocation(cert, issuer)
            if len(self._revocations) < 4096:
                self._revocations[key] = found
        return found

    @staticmethod
    def status_at(found: Revocation, at: datetime) -> RevocationStatus:
        """The revocation status checked at ``at`` of what the CRLs say of a certificate."""
        if found.status != "good":
            return RevocationStatus(found.status, found.revoked_at, found.reason)
        # Whether the newest CRL is past its next update depends on the time of the check.
        next_update = found.next_update
        return RevocationStatus("good", crl_stale=next_update is not None and next_update < at)

    def _revocation(self, cert: x509.Certificate, issuer: x509.Certificate) -> Revocation:
        candidates = []
        for index, crl in enumerate(self.crls):
            if crl.issuer != issuer.subject:
                continue
            if self._crl_signed_by(index, crl, issuer):
                candidates.append(crl)
        if not candidates:
            return Revocation("unknown")
        # A revocation stays in force: look at every CRL of this CA, newest first.
        candidates.sort(key=lambda c: c.last_update_utc, reverse=True)
        for crl in candidates:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                reason = ""
                try:
                    reason = entry.extensions.get_extension_for_class(
                        x509.CRLReason
                    ).value.reason.name
                except x509.ExtensionNotFound:
                    pass
                return Revocation("revoked", revoked_at=entry.revocation_date_utc, reason=reason)
        return Revocation("good", next_update=candidates[0].next_update_utc)


@dataclass(frozen=True)
class CheckedChain:
    """See :meth:`TrustStore.checked_chain`."""

    chain: list[x509.Certificate]  # leaf -> ... -> trusted anchor
    names: tuple[str, ...]  # describe_name of each certificate's subject
    links: tuple[Revocation, ...]  # what the CRLs say of each certificate below the anchor
    valid_from: datetime  # the chain holds from / until (every certificate valid)
    valid_until: datetime


@dataclass(frozen=True)
class Revocation:
    """What the loaded CRLs say of one certificate, whatever the time of the check."""

    status: str
    revoked_at: datetime | None = None
    reason: str = ""
    next_update: datetime | None = None  # of the newest CRL of the issuer, when "good"


@lru_cache(maxsize=1024)
def _sha256(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER bytes."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


@lru_cache(maxsize=1024)
def describe_name(name: x509.Name) -> str:
    """A readable distinguished name (RFC 4514, Unicode kept)."""
    return name.rfc4514_string()


def now_utc() -> datetime:
    return datetime.now(UTC)
