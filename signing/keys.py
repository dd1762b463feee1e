"""Signing keys: the master key that seals secrets at rest, and the :class:`Signer` kinds.

* **Master key.** Uploaded PKCS#12 files (and a batch's PIN while the batch runs) are stored
  sealed under the installation's key-encryption key (:mod:`cbccvc.crypto`, not in the
  database). Losing the key makes the stored PKCS#12 files unusable (upload them again); a
  stolen database alone does not reveal them.
* **Signers.** :class:`KeyFileSigner` holds a private key opened from a PKCS#12 file with the
  approver's PIN (kept in memory only while signing). :class:`TokenSigner` keeps the private key
  on a PKCS#11 token (a USB token, or SoftHSM2 in tests): signxml is given an adapter whose
  ``sign()`` calls the token, so the key never leaves it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from cbccvc import crypto
from cbccvc.crypto import MASTER_KEY_ENV, master_key_path  # noqa: F401 (the signing engine's names)

from .errors import KeyEncryptionError, TokenError, UnusableKey, WrongPin

MIN_RSA_BITS = 2048
DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

# -- master key ---------------------------------------------------------------------------------
# The keyring is the installation's (cbccvc.crypto); here its errors are the signing engine's.


def seal(data: bytes) -> bytes:
    """Encrypt ``data`` with the master key."""
    try:
        return crypto.seal(data)
    except crypto.KeyringError as exc:
        raise KeyEncryptionError(str(exc)) from exc


def unseal(token: bytes) -> bytes:
    try:
        return crypto.unseal(token)
    except crypto.KeyringError as exc:
        raise KeyEncryptionError(str(exc)) from exc


# -- certificates ---------------------------------------------------------------------------------


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode("ascii")


def certificates_pem(certs: Iterable[x509.Certificate]) -> str:
    return "".join(certificate_pem(c) for c in certs)


def load_certificates(data: bytes | str) -> list[x509.Certificate]:
    """Certificates from PEM (one or several) or DER bytes."""
    if isinstance(data, str):
        data = data.encode("ascii")
    if not data.strip():
        return []
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def key_algorithm(public_key: Any) -> str:
    """'rsa' or 'ec' (P-256 only); anything else is refused."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise UnusableKey(
                f"Khóa RSA {public_key.key_size} bit quá ngắn (tối thiểu {MIN_RSA_BITS} bit)."
            )
        return "rsa"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise UnusableKey(f"Đường cong {public_key.curve.name} không được hỗ trợ (chỉ P-256).")
        return "ec"
    raise UnusableKey("Chỉ hỗ trợ khóa RSA (từ 2048 bit) hoặc ECDSA P-256.")


VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_time(d: datetime) -> str:
    """A time as Vietnamese users read it (ICT, UTC+7)."""
    return d.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y (giờ Việt Nam)")


def check_certificate_usable(cert: x509.Certificate, at: datetime) -> None:
    """Refuse to sign with a certificate that is not valid at ``at`` or not meant for signing."""
    if at < cert.not_valid_before_utc:
        raise UnusableKey(
            f"Chứng thư số chưa có hiệu lực (hiệu lực từ {vn_time(cert.not_valid_before_utc)})."
        )
    if at > cert.not_valid_after_utc:
        raise UnusableKey(f"Chứng thư số đã hết hạn lúc {vn_time(cert.not_valid_after_utc)}.")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise UnusableKey("Chứng thư số không cho phép dùng để ký số (KeyUsage).")


# -- signers ----------------------------------------------------------------------------------


class Signer(ABC):
    """A private key able to sign, with its certificate and the intermediates to embed.

    ``signing_key`` is what signxml receives: it has the ``sign()`` of a ``cryptography``
    private key (``sign(data, padding, algorithm)`` for RSA, ``sign(data, signature_algorithm)``
    and ``key_size`` for EC). Use a signer as a context manager so a token session is closed.
    """

    certificate: x509.Certificate
    chain: list[x509.Certificate]

    @property
    @abstractmethod
    def signing_key(self) -> Any: ...

    @property
    def algorithm(self) -> str:
        return key_algorithm(self.certificate.public_key())

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class KeyFileSigner(Signer):
    """A private key held in memory (opened from a PKCS#12 file)."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: list[x509.Certificate] | None = None,
    ) -> None:
        self._key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = private_key
        self.certificate = certificate
        self.chain = list(chain or [])
        if private_key.public_key().public_numbers() != certificate.public_key().public_numbers():
            raise UnusableKey("Khóa bí mật không khớp với chứng thư số.")
        key_algorithm(certificate.public_key())

    @property
    def signing_key(self) -> Any:
        if self._key is None:
            raise UnusableKey("Khóa đã được đóng.")
        return self._key

    def close(self) -> None:
        # Drop the reference; the key object is freed by the garbage collector.
        self._key = None

    @classmethod
    def from_pkcs12(cls, data: bytes, pin: str) -> KeyFileSigner:
        key, cert, extra = open_pkcs12(data, pin)
        return cls(key, cert, extra)


def open_pkcs12(
    data: bytes, pin: str
) -> tuple[
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate, list[x509.Certificate]
]:
    """Open a PKCS#12 file with its PIN. Wrong PIN → :class:`WrongPin`."""
    if not pin:
        raise WrongPin("Chưa nhập mã PIN.")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(bytes(data), pin.encode("utf-8"))
    except ValueError as exc:
        raise WrongPin() from exc
    if key is None or cert is None:
        raise UnusableKey("Tệp PKCS#12 phải chứa cả khóa bí mật và chứng thư số.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise UnusableKey("Chỉ hỗ trợ khóa RSA (từ 2048 bit) hoặc ECDSA P-256.")
    leaf_fp = certificate_fingerprint(cert)
    chain = [c for c in extra if certificate_fingerprint(c) != leaf_fp]
    return key, cert, chain


# -- PKCS#11 --------------------------------------------------------------------------------------

_libs: dict[str, Any] = {}
_libs_lock = threading.Lock()


def pkcs11_library(module: str) -> Any:
    """The loaded PKCS#11 module (one per process, loaded on first use)."""
    import pkcs11

    with _libs_lock:
        if module not in _libs:
            if not Path(module).exists():
                raise TokenError(f"Không tìm thấy thư viện PKCS#11 '{module}'.")
            _libs[module] = pkcs11.lib(module)
        return _libs[module]


class _TokenKey:
    """The part of a ``cryptography`` private key that signxml calls, backed by a token."""

    def __init__(self, private_key: Any, public_key: Any) -> None:
        self._priv = private_key
        self._pub = public_key

    def public_key(self) -> Any:
        return self._pub

    @property
    def key_size(self) -> int:
        return self._pub.key_size


class _TokenRSAKey(_TokenKey):
    def sign(self, data: bytes, padding: asym_padding.AsymmetricPadding, algorithm: Any) -> bytes:
        from pkcs11 import Mechanism
        from pkcs11.exceptions import PKCS11Error

        if not isinstance(padding, asym_padding.PKCS1v15) or not isinstance(
            algorithm, hashes.SHA256
        ):
            raise UnusableKey("Thiết bị ký chỉ được dùng với RSA-SHA256 (PKCS#1 v1.5).")
        try:
            return bytes(self._priv.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
        except PKCS11Error as exc:
            raise TokenError(f"Thiết bị ký từ chối thao tác ký: {type(exc).__name__}.") from exc


class _TokenECKey(_TokenKey):
    def __init__(self, private_key: Any, public_key: Any, hash_on_token: bool) -> None:
        super().__init__(private_key, public_key)
        self._hash_on_token = hash_on_token

    def sign(self, data: bytes, signature_algorithm: ec.ECDSA) -> bytes:
        from pkcs11 import Mechanism
        from pkcs11.exceptions import PKCS11Error

        if not isinstance(signature_algorithm.algorithm, hashes.SHA256):
            raise UnusableKey("Thiết bị ký chỉ được dùng với ECDSA-SHA256.")
        try:
            if self._hash_on_token:
                raw = self._priv.sign(data, mechanism=Mechanism.ECDSA_SHA256)
            else:
                # Tokens without CKM_ECDSA_SHA256 (SoftHSM2) sign a digest computed here;
                # only the public digest leaves the process, never the key.
                digest = hashes.Hash(hashes.SHA256())
                digest.update(data)
                raw = self._priv.sign(digest.finalize(), mechanism=Mechanism.ECDSA)
        except PKCS11Error as exc:
            raise TokenError(f"Thiết bị ký từ chối thao tác ký: {type(exc).__name__}.") from exc
        raw = bytes(raw)
        half = len(raw) // 2
        # PKCS#11 returns r||s; cryptography's interface (and signxml) expects DER.
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )


class TokenSigner(Signer):
    """A private key on a PKCS#11 token, found by key id (hex) or label.

    The certificate is the one given, or read from the token (a certificate object with the
    same id/label). The token session stays open until :meth:`close`.
    """

    def __init__(
        self,
        *,
        token_label: str,
        pin: str,
        key_id: str = "",
        key_label: str = "",
        module: str = "",
        certificate: x509.Certificate | None = None,
        chain: list[x509.Certificate] | None = None,
    ) -> None:
        import pkcs11
        from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
        from pkcs11.exceptions import (
            NoSuchKey,
            NoSuchToken,
            PinIncorrect,
            PinLenRange,
            PinLocked,
            PKCS11Error,
        )

        if not key_id and not key_label:
            raise TokenError("Cần mã (ID) hoặc nhãn của khóa trên thiết bị ký.")
        lib = pkcs11_library(module or default_pkcs11_module())
        try:
            token = lib.get_token(token_label=token_label)
        except NoSuchToken as exc:
            raise TokenError(f"Không tìm thấy thiết bị ký có nhãn '{token_label}'.") from exc
        except pkcs11.exceptions.MultipleTokensReturned as exc:
            raise TokenError(f"Có nhiều thiết bị ký cùng nhãn '{token_label}'.") from exc
        try:
            self._session = token.open(user_pin=pin)
        except (PinIncorrect, PinLenRange) as exc:
            raise WrongPin("Mã PIN của thiết bị ký không đúng.") from exc
        except PinLocked as exc:
            raise TokenError("Thiết bị ký đã bị khóa do nhập sai PIN quá số lần.") from exc
        except PKCS11Error as exc:
            raise TokenError(f"Không mở được thiết bị ký: {type(exc).__name__}.") from exc
        try:
            query: dict[Any, Any] = {}
            if key_id:
                query[Attribute.ID] = bytes.fromhex(key_id)
            if key_label:
                query[Attribute.LABEL] = key_label
            try:
                priv = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, **_kw(query))
            except NoSuchKey as exc:
                raise TokenError("Không tìm thấy khóa bí mật trên thiết bị ký.") from exc
            if certificate is None:
                certificate = self._read_certificate(query)
            self.certificate = certificate
            self.chain = list(chain or [])
            self._priv = priv
            public_key = certificate.public_key()
            algorithm = key_algorithm(public_key)
            if algorithm == "rsa":
                if priv.key_type != KeyType.RSA:
                    raise UnusableKey("Khóa trên thiết bị không khớp với chứng thư số.")
                self._key: _TokenKey = _TokenRSAKey(priv, public_key)
            else:
                if priv.key_type != KeyType.EC:
                    raise UnusableKey("Khóa trên thiết bị không khớp với chứng thư số.")
                mechanisms = token.slot.get_mechanisms()
                self._key = _TokenECKey(priv, public_key, Mechanism.ECDSA_SHA256 in mechanisms)
        except BaseException:
            self._session.close()
            raise

    def key_use_problems(self) -> list[str]:
        """The PKCS#11 attributes of the private key that break "signing only" (see
        :data:`REQUIRED_KEY_USES`), e.g. ``["CKA_DECRYPT=true"]``; an attribute the token
        does not report is not held against the key."""
        from pkcs11 import Attribute
        from pkcs11.exceptions import PKCS11Error

        problems = []
        for name, wanted in REQUIRED_KEY_USES.items():
            try:
                value = bool(self._priv[getattr(Attribute, name.removeprefix("CKA_"))])
            except (PKCS11Error, KeyError):
                continue
            if value != wanted:
                problems.append(f"{name}={'true' if value else 'false'}")
        return problems

    def _read_certificate(self, query: dict[Any, Any]) -> x509.Certificate:
        from pkcs11 import Attribute, ObjectClass

        for obj in self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **query}):
            return x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
        raise TokenError("Không tìm thấy chứng thư số trên thiết bị ký.")

    @property
    def signing_key(self) -> Any:
        return self._key

    def close(self) -> None:
        session, self._session = getattr(self, "_session", None), None
        if session is not None:
            session.close()


def signing_only_template() -> dict[Any, bool]:
    """PKCS#11 attributes of a private key that may sign and nothing else."""
    from pkcs11 import Attribute

    return {
        Attribute.SIGN: True,
        Attribute.DECRYPT: False,
        Attribute.UNWRAP: False,
        Attribute.DERIVE: False,
    }


# What a registered token key must allow (True) or must not allow (False).
REQUIRED_KEY_USES = {"CKA_SIGN": True, "CKA_DECRYPT": False, "CKA_UNWRAP": False}


def _kw(query: dict[Any, Any]) -> dict[str, Any]:
    from pkcs11 import Attribute

    out: dict[str, Any] = {}
    if Attribute.ID in query:
        out["id"] = query[Attribute.ID]
    if Attribute.LABEL in query:
        out["label"] = query[Attribute.LABEL]
    return out


def default_pkcs11_module() -> str:
    from django.conf import settings

    return (
        os.environ.get("CBCCVC_PKCS11_MODULE")
        or getattr(settings, "CBCCVC_PKCS11_MODULE", "")
        or DEFAULT_PKCS11_MODULE
    )
