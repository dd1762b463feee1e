"""A throw-away certificate authority for tests and the demo. TEST MATERIAL ONLY.

Creates a root CA "CA THỬ NGHIỆM cbccvc — KHÔNG DÙNG THẬT", an intermediate CA that issues
the signing certificates, one RSA-2048 signing certificate per user (plus one ECDSA P-256
certificate for the first user) as PIN-protected PKCS#12 files, and one extra certificate that
the intermediate's CRL revokes. Every name carries "THỬ NGHIỆM" so nobody mistakes it for a real
Government CA certificate.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_NAME = "CA THỬ NGHIỆM cbccvc — KHÔNG DÙNG THẬT"
INTERMEDIATE_NAME = "CA trung gian THỬ NGHIỆM cbccvc — KHÔNG DÙNG THẬT"
ORGANISATION = "cbccvc — TÀI LIỆU THỬ NGHIỆM"
REVOKED_USER = "thu-hoi"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def subject_name(common_name: str, unit: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


_KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def key_usages(*allowed: str) -> x509.KeyUsage:
    """A KeyUsage extension allowing only the usages named (KeyUsage's own argument names)."""
    unknown = set(allowed) - set(_KEY_USAGE_FLAGS)
    if unknown:
        raise ValueError(f"unknown key usages: {sorted(unknown)}")
    return x509.KeyUsage(**{flag: flag in allowed for flag in _KEY_USAGE_FLAGS})


def issue_certificate(
    subject: x509.Name,
    public_key: Any,
    *,
    issuer_cert: x509.Certificate | None,
    issuer_key: PrivateKey,
    not_before: datetime,
    not_after: datetime,
    ca: bool = False,
    path_length: int | None = None,
    key_usage: x509.KeyUsage | None = None,
    extended_key_usage: Sequence[x509.ObjectIdentifier] = (
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ),
    extensions: Sequence[x509.ExtensionType] = (),
) -> x509.Certificate:
    """One X.509 v3 certificate; ``issuer_cert=None`` makes it self-signed. A certificate that
    is no CA gets ``extended_key_usage`` (a signer's by default); ``extensions`` are added as
    non-critical (e.g. a server's subject alternative names)."""
    issuer_name = issuer_cert.subject if issuer_cert is not None else subject
    issuer_public = issuer_cert.public_key() if issuer_cert is not None else public_key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if key_usage is None:
        key_usage = (
            key_usages("key_cert_sign", "crl_sign")
            if ca
            else key_usages("digital_signature", "content_commitment")
        )
    builder = builder.add_extension(key_usage, critical=True)
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(extended_key_usage)), critical=False
        )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_crl(
    issuer_cert: x509.Certificate,
    issuer_key: PrivateKey,
    revoked: list[tuple[x509.Certificate, datetime]],
    *,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(this_update)
        .next_update(next_update)
    )
    for cert, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_pkcs12(
    friendly_name: str,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    pin: str,
) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"),
        key,
        cert,
        chain,
        serialization.BestAvailableEncryption(pin.encode("utf-8")),
    )


def new_pin() -> str:
    return f"{secrets.randbelow(10**8):08d}"


@dataclass
class IssuedCredential:
    username: str
    kind: str  # "rsa" | "ec"
    certificate: x509.Certificate
    pkcs12: bytes
    pin: str
    key: PrivateKey = field(repr=False)

    @property
    def file_name(self) -> str:
        return f"{self.username}{'-ecdsa' if self.kind == 'ec' else ''}.p12"


PIN_FILE_NAME = "PIN-THU-NGHIEM.txt"


def read_pins(directory: Path) -> dict[str, str]:
    """The PINs that :meth:`TestCA.write` put in ``directory``: key file name → PIN."""
    lines = (directory / PIN_FILE_NAME).read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if "\t" in line)


@dataclass
class TestCA:
    root_cert: x509.Certificate
    root_key: PrivateKey = field(repr=False)
    intermediate_cert: x509.Certificate = field(repr=False)
    intermediate_key: PrivateKey = field(repr=False)
    root_crl: x509.CertificateRevocationList = field(repr=False)
    crl: x509.CertificateRevocationList = field(repr=False)
    credentials: list[IssuedCredential] = field(default_factory=list)
    revoked: IssuedCredential | None = None

    __test__ = False  # not a pytest test class

    def issue(
        self,
        username: str,
        common_name: str,
        *,
        kind: str = "rsa",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        pin: str | None = None,
        key_usage: x509.KeyUsage | None = None,
        key: PrivateKey | None = None,
    ) -> IssuedCredential:
        """A signing certificate from the intermediate CA, packed as a PKCS#12 file."""
        now = datetime.now(UTC)
        key = key or new_key(kind)
        cert = issue_certificate(
            subject_name(f"{common_name} (THỬ NGHIỆM)", "Người ký thử nghiệm"),
            key.public_key(),
            issuer_cert=self.intermediate_cert,
            issuer_key=self.intermediate_key,
            not_before=not_before or now - timedelta(days=1),
            not_after=not_after or now + timedelta(days=730),
            key_usage=key_usage,
        )
        pin = pin or new_pin()
        p12 = make_pkcs12(f"{username} (THỬ NGHIỆM)", key, cert, [self.intermediate_cert], pin)
        return IssuedCredential(username, kind, cert, p12, pin, key)

    def trust_store(self) -> Any:
        from .trust import TrustStore

        return TrustStore(anchors=[self.root_cert], crls=[self.root_crl, self.crl])

    def write(self, out_dir: Path) -> list[Path]:
        """Write the CA certificates, CRLs, PKCS#12 files and their PINs (test material)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        files = {
            "ca-goc-thu-nghiem.pem": self.root_cert.public_bytes(pem),
            "ca-trung-gian-thu-nghiem.pem": self.intermediate_cert.public_bytes(pem),
            "ca-goc-thu-nghiem.crl": self.root_crl.public_bytes(pem),
            "ca-trung-gian-thu-nghiem.crl": self.crl.public_bytes(pem),
        }
        everyone = [*self.credentials, *([self.revoked] if self.revoked else [])]
        for cred in everyone:
            files[cred.file_name] = cred.pkcs12
        pins = [
            "TÀI LIỆU THỬ NGHIỆM — KHÔNG DÙNG THẬT. Mã PIN của các tệp khóa thử nghiệm.",
            "",
        ]
        pins += [f"{cred.file_name}\t{cred.pin}" for cred in everyone]
        written = []
        for name, data in files.items():
            path = out_dir / name
            path.write_bytes(data)
            written.append(path)
        pin_path = out_dir / PIN_FILE_NAME
        pin_path.write_text("\n".join(pins) + "\n", encoding="utf-8")
        pin_path.chmod(0o600)
        for path in out_dir.glob("*.p12"):
            path.chmod(0o600)
        written.append(pin_path)
        return written


def make_test_ca(
    users: list[tuple[str, str]] | list[str] = (), *, with_ecdsa: bool = True
) -> TestCA:  # type: ignore[assignment]
    """Build the test CA and credentials for ``users`` (usernames, or (username, full name))."""
    now = datetime.now(UTC).replace(microsecond=0)
    root_key = new_key("rsa")
    root_cert = issue_certificate(
        subject_name(ROOT_NAME),
        root_key.public_key(),
        issuer_cert=None,
        issuer_key=root_key,
        # Back-dated so tests can issue certificates that were valid (and expired) in the past.
        not_before=now - timedelta(days=800),
        not_after=now + timedelta(days=3650),
        ca=True,
        path_length=1,
    )
    # The intermediate is an ECDSA P-256 key: cheap to create, and it exercises mixed chains.
    inter_key = new_key("ec")
    inter_cert = issue_certificate(
        subject_name(INTERMEDIATE_NAME),
        inter_key.public_key(),
        issuer_cert=root_cert,
        issuer_key=root_key,
        not_before=now - timedelta(days=800),
        not_after=now + timedelta(days=1825),
        ca=True,
        path_length=0,
    )
    root_crl = make_crl(
        root_cert, root_key, [], this_update=now, next_update=now + timedelta(days=30)
    )
    ca = TestCA(
        root_cert=root_cert,
        root_key=root_key,
        intermediate_cert=inter_cert,
        intermediate_key=inter_key,
        root_crl=root_crl,
        crl=root_crl,
    )
    for index, user in enumerate(users):
        username, full_name = (user, user) if isinstance(user, str) else user
        ca.credentials.append(ca.issue(username, full_name))
        if index == 0 and with_ecdsa:
            ca.credentials.append(ca.issue(username, full_name, kind="ec"))
    ca.revoked = ca.issue(REVOKED_USER, "Chứng thư đã thu hồi")
    ca.crl = make_crl(
        inter_cert,
        inter_key,
        [(ca.revoked.certificate, now - timedelta(hours=1))],
        this_update=now,
        next_update=now + timedelta(days=7),
    )
    return ca


def load_test_ca(ca: TestCA, *, load_credentials: bool = True) -> dict[str, Any]:
    """Put the test CA and its CRLs in the trust store and the users' keys in
    :class:`SigningCredential` (users must exist). Runs in one transaction."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from .credentials import add_pkcs12_credential, add_revocation_list, add_trusted_certificate

    pem = serialization.Encoding.PEM
    user_model = get_user_model()
    with transaction.atomic():
        anchors = add_trusted_certificate(
            ca.root_cert.public_bytes(pem), label="CA gốc THỬ NGHIỆM (không dùng thật)"
        )
        crls = [
            add_revocation_list(ca.root_crl.public_bytes(pem), label="CRL CA gốc THỬ NGHIỆM"),
            add_revocation_list(ca.crl.public_bytes(pem), label="CRL CA trung gian THỬ NGHIỆM"),
        ]
        credentials = []
        if load_credentials:
            for cred in ca.credentials:
                try:
                    owner = user_model.objects.get(username=cred.username)
                except user_model.DoesNotExist as exc:
                    raise ValidationError(
                        f"Không có người dùng '{cred.username}' để gán khóa thử nghiệm."
                    ) from exc
                credentials.append(
                    add_pkcs12_credential(
                        owner,
                        cred.pkcs12,
                        cred.pin,
                        label=f"Khóa THỬ NGHIỆM {cred.kind.upper()} — {cred.username}",
                    )
                )
    return {"anchors": anchors, "crls": crls, "credentials": credentials}


def issue_on_token(
    ca: TestCA,
    *,
    token_label: str,
    pin: str,
    username: str,
    common_name: str,
    key_id: str,
    kind: str = "rsa",
    module: str = "",
    allow_decrypt: bool = False,
) -> x509.Certificate:
    """Generate a key pair *on* a PKCS#11 token (sensitive, not extractable, signing only:
    CKA_SIGN true, CKA_DECRYPT/CKA_UNWRAP/CKA_DERIVE false), have the test CA certify its
    public key, and store the certificate on the token next to the key. ``allow_decrypt``
    makes a key that may also decrypt, which registration refuses (for its tests)."""
    from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
    from pkcs11.util.x509 import decode_x509_certificate

    from .keys import default_pkcs11_module, pkcs11_library, signing_only_template

    lib = pkcs11_library(module or default_pkcs11_module())
    token = lib.get_token(token_label=token_label)
    ident = bytes.fromhex(key_id)
    # Signing only: the private key may sign, never decrypt, unwrap or derive (a key that can
    # also decrypt turns every signature request into a possible decryption oracle).
    capabilities = MechanismFlag.SIGN | MechanismFlag.VERIFY
    private_template = {
        **signing_only_template(),
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
    }
    public_template = {Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False}
    if allow_decrypt:  # only to test that such a key is refused at registration
        capabilities |= MechanismFlag.DECRYPT | MechanismFlag.ENCRYPT
        private_template[Attribute.DECRYPT] = True
        public_template[Attribute.ENCRYPT] = True
    with token.open(user_pin=pin, rw=True) as session:
        if kind == "ec":
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            pub, _priv = params.generate_keypair(
                store=True,
                id=ident,
                label=username,
                capabilities=capabilities,
                public_template=public_template,
                private_template=private_template,
            )
            public_key = serialization.load_der_public_key(encode_ec_public_key(pub))
        else:
            pub, _priv = session.generate_keypair(
                KeyType.RSA,
                2048,
                store=True,
                id=ident,
                label=username,
                capabilities=capabilities,
                public_template=public_template,
                private_template=private_template,
            )
            public_key = rsa.RSAPublicNumbers(
                int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                int.from_bytes(pub[Attribute.MODULUS], "big"),
            ).public_key()
        now = datetime.now(UTC)
        cert = issue_certificate(
            subject_name(f"{common_name} (THỬ NGHIỆM)", "Người ký thử nghiệm"),
            public_key,
            issuer_cert=ca.intermediate_cert,
            issuer_key=ca.intermediate_key,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=730),
        )
        attrs = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        attrs.update({Attribute.ID: ident, Attribute.LABEL: username, Attribute.TOKEN: True})
        session.create_object(attrs)
        assert attrs[Attribute.CLASS] == ObjectClass.CERTIFICATE
    return cert
