"""A demo TLS certificate for the emulator, issued by the test CA (:mod:`signing.testca`).
TEST MATERIAL ONLY: every name says "THỬ NGHIỆM".

``write_demo_certificate(out_dir)`` writes ``ca-tls-thu-nghiem.pem`` (the root to trust:
``CBCCVC_NATIONAL_CA_BUNDLE``), ``emulator-tls.pem`` (the server certificate and the
intermediate) and ``emulator-tls.key`` (its key), for ``national_emulator --tls-cert
--tls-key``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.testca import (
    TestCA,
    issue_certificate,
    key_usages,
    make_test_ca,
    new_key,
    subject_name,
)

DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TLSFiles:
    ca: Path
    cert: Path
    key: Path

    @property
    def pair(self) -> tuple[str, str]:
        """``(certfile, keyfile)`` as ``make_server(tls=...)`` takes them."""
        return str(self.cert), str(self.key)


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def issue_server_certificate(
    ca: TestCA,
    hosts: tuple[str, ...] = DEFAULT_HOSTS,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> tuple[x509.Certificate, bytes]:
    """A TLS server certificate from the test CA's intermediate for ``hosts`` (IP addresses or
    DNS names); returns the certificate and its unencrypted PEM private key."""
    now = datetime.now(UTC).replace(microsecond=0)
    key = new_key("ec")
    cert = issue_certificate(
        subject_name(f"{hosts[0]} (THỬ NGHIỆM)"),
        key.public_key(),
        issuer_cert=ca.intermediate_cert,
        issuer_key=ca.intermediate_key,
        not_before=not_before or now - timedelta(days=1),
        not_after=not_after or now + timedelta(days=365),
        key_usage=key_usages("digital_signature"),
        extended_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        extensions=[_san(hosts)],
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert, key_pem


def write_server_files(
    ca: TestCA, out_dir: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS, **validity: datetime
) -> TLSFiles:
    """Write the root to trust, the server chain and its key under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cert, key_pem = issue_server_certificate(ca, hosts, **validity)
    pem = serialization.Encoding.PEM
    files = TLSFiles(
        ca=out_dir / "ca-tls-thu-nghiem.pem",
        cert=out_dir / "emulator-tls.pem",
        key=out_dir / "emulator-tls.key",
    )
    files.ca.write_bytes(ca.root_cert.public_bytes(pem))
    files.cert.write_bytes(cert.public_bytes(pem) + ca.intermediate_cert.public_bytes(pem))
    files.key.write_bytes(key_pem)
    files.key.chmod(0o600)
    return files


def write_demo_certificate(out_dir: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> TLSFiles:
    """A fresh test CA and a server certificate for the loopback emulator."""
    return write_server_files(make_test_ca(), out_dir, hosts)
