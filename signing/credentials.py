"""Services for signing credentials and the trust store (the admin and commands call these)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .errors import SigningError, UnusableKey
from .keys import (
    KeyFileSigner,
    Signer,
    TokenSigner,
    certificate_fingerprint,
    certificates_pem,
    check_certificate_usable,
    key_algorithm,
    load_certificates,
    seal,
    unseal,
    vn_time,
)
from .models import RevocationList, SigningCredential, TrustedCertificate
from .trust import describe_name, load_crl


def _check_new_certificate(cert: x509.Certificate) -> str:
    algorithm = key_algorithm(cert.public_key())
    now = datetime.now(UTC)
    if now > cert.not_valid_after_utc:
        raise UnusableKey(
            f"Chứng thư số đã hết hạn lúc {vn_time(cert.not_valid_after_utc)}; không thể thêm."
        )
    if SigningCredential.objects.filter(fingerprint=certificate_fingerprint(cert)).exists():
        raise UnusableKey("Chứng thư số này đã được đăng ký.")
    return algorithm


def build_pkcs12_credential(
    owner: Any, data: bytes, pin: str, label: str = ""
) -> SigningCredential:
    """An unsaved credential for a PKCS#12 file that opens with ``pin``; the PIN is not kept."""
    with KeyFileSigner.from_pkcs12(data, pin) as signer:
        cert, chain = signer.certificate, signer.chain
    algorithm = _check_new_certificate(cert)
    credential = SigningCredential(
        owner=owner,
        kind=SigningCredential.Kind.PKCS12,
        key_algorithm=algorithm,
        chain_pem=certificates_pem(chain),
        sealed_pkcs12=seal(bytes(data)),
    )
    credential.fill_certificate_fields(cert)
    credential.label = label or credential.common_name or "Khóa ký số"
    return credential


@transaction.atomic
def add_pkcs12_credential(owner: Any, data: bytes, pin: str, label: str = "") -> SigningCredential:
    """Check the PKCS#12 file opens with ``pin`` and store it sealed; the PIN is not kept."""
    credential = build_pkcs12_credential(owner, data, pin, label)
    credential.save()
    return credential


@transaction.atomic
def add_token_credential(
    owner: Any,
    *,
    token_label: str,
    pin: str,
    key_id: str = "",
    key_label: str = "",
    module: str = "",
    certificate: x509.Certificate | None = None,
    chain: list[x509.Certificate] | None = None,
    label: str = "",
) -> SigningCredential:
    """Register a key on a PKCS#11 token; opens the token once with ``pin`` to check it."""
    with TokenSigner(
        token_label=token_label,
        pin=pin,
        key_id=key_id,
        key_label=key_label,
        module=module,
        certificate=certificate,
        chain=chain,
    ) as signer:
        cert = signer.certificate
        # Signing keys only: a key that may also decrypt or unwrap is refused (see README).
        forbidden = signer.key_use_problems()
        if forbidden:
            raise UnusableKey(
                "Khóa trên thiết bị ký không chỉ dùng để ký số ("
                + ", ".join(forbidden)
                + "). Chỉ đăng ký khóa dành riêng cho ký số: tạo khóa mới trên thiết bị với "
                "CKA_SIGN=true, CKA_DECRYPT=false, CKA_UNWRAP=false."
            )
        # Prove the token key matches the certificate: sign a probe and verify it.
        _probe(signer)
    algorithm = _check_new_certificate(cert)
    credential = SigningCredential(
        owner=owner,
        kind=SigningCredential.Kind.PKCS11,
        key_algorithm=algorithm,
        chain_pem=certificates_pem(chain or []),
        token_module=module,
        token_label=token_label,
        token_key_id=key_id,
        token_key_label=key_label,
    )
    credential.fill_certificate_fields(cert)
    credential.label = label or credential.common_name or "Thiết bị ký"
    credential.save()
    return credential


def _probe(signer: Signer) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    data = b"cbccvc-probe"
    public_key = signer.certificate.public_key()
    try:
        if signer.algorithm == "rsa":
            sig = signer.signing_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            public_key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg, union-attr]
        else:
            sig = signer.signing_key.sign(data, ec.ECDSA(hashes.SHA256()))
            public_key.verify(sig, data, ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, union-attr]
    except InvalidSignature as exc:
        raise UnusableKey("Khóa trên thiết bị không khớp với chứng thư số.") from exc


def open_signer(credential: SigningCredential, pin: str, *, user: Any = None) -> Signer:
    """The credential's key, opened with ``pin``. Only its owner may open it."""
    if user is not None and credential.owner_id != user.pk:
        raise PermissionDenied("Chỉ người sở hữu khóa mới được dùng khóa này để ký.")
    if not credential.active:
        raise UnusableKey("Khóa ký số này đã ngừng sử dụng.")
    check_certificate_usable(credential.certificate, datetime.now(UTC))
    if credential.kind == SigningCredential.Kind.PKCS12:
        if not credential.sealed_pkcs12:
            raise UnusableKey("Không có tệp khóa đã lưu.")
        signer: Signer = KeyFileSigner.from_pkcs12(unseal(bytes(credential.sealed_pkcs12)), pin)
    else:
        signer = TokenSigner(
            token_label=credential.token_label,
            pin=pin,
            key_id=credential.token_key_id,
            key_label=credential.token_key_label,
            module=credential.token_module,
            certificate=credential.certificate,
            chain=credential.chain,
        )
    if certificate_fingerprint(signer.certificate) != credential.fingerprint:
        signer.close()
        raise UnusableKey("Khóa đã lưu không khớp với chứng thư số đã đăng ký.")
    SigningCredential.objects.filter(pk=credential.pk).update(last_used_at=datetime.now(UTC))
    return signer


# -- trust store ----------------------------------------------------------------------------------


def build_trusted_certificates(
    data: bytes, *, label: str = "", user: Any = None
) -> list[TrustedCertificate]:
    """Unsaved trust-store rows for the CA certificate(s) in a PEM or DER file."""
    try:
        certs = load_certificates(data)
    except ValueError as exc:
        raise ValidationError("Tệp không phải chứng thư số PEM hoặc DER hợp lệ.") from exc
    if not certs:
        raise ValidationError("Tệp không chứa chứng thư số nào.")
    added = []
    for index, cert in enumerate(certs, start=1):
        try:
            bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            bc = None
        if bc is None or not bc.ca:
            raise ValidationError(
                f"Chứng thư thứ {index} ({describe_name(cert.subject)}) không phải chứng thư CA."
            )
        fingerprint = certificate_fingerprint(cert)
        if TrustedCertificate.objects.filter(fingerprint=fingerprint).exists():
            raise ValidationError(
                f"Chứng thư thứ {index} ({describe_name(cert.subject)}) đã có trong kho tin cậy."
            )
        row = TrustedCertificate(
            is_self_signed=cert.issuer == cert.subject, added_by=user if user else None
        )
        row.fill_certificate_fields(cert)
        row.label = (label if len(certs) == 1 else "") or row.common_name or row.subject
        added.append(row)
    return added


@transaction.atomic
def add_trusted_certificate(
    data: bytes, *, label: str = "", user: Any = None
) -> list[TrustedCertificate]:
    """Add the CA certificate(s) in a PEM or DER file to the trust store."""
    rows = build_trusted_certificates(data, label=label, user=user)
    for row in rows:
        row.save()
    return rows


def build_revocation_list(data: bytes, *, label: str = "", user: Any = None) -> RevocationList:
    """An unsaved CRL row from PEM or DER bytes. Its signature is checked at verification time,
    against the certificate of the CA that issued the certificate being checked."""
    try:
        crl = load_crl(data)
    except ValueError as exc:
        raise ValidationError(
            "Tệp không phải danh sách thu hồi (CRL) PEM hoặc DER hợp lệ."
        ) from exc
    der = crl.public_bytes(Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    if RevocationList.objects.filter(fingerprint=fingerprint).exists():
        raise ValidationError("CRL này đã được nạp.")
    return RevocationList(
        label=label,
        issuer=describe_name(crl.issuer)[:500],
        crl_der=der,
        fingerprint=fingerprint,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        revoked_count=len(crl),
        added_by=user if user else None,
    )


@transaction.atomic
def add_revocation_list(data: bytes, *, label: str = "", user: Any = None) -> RevocationList:
    """Load a CRL (PEM or DER) into the trust store."""
    row = build_revocation_list(data, label=label, user=user)
    row.save()
    return row


__all__ = [
    "SigningError",
    "add_pkcs12_credential",
    "add_revocation_list",
    "add_token_credential",
    "add_trusted_certificate",
    "open_signer",
]
