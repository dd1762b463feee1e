"""Documents we sign verify with the ``xmlsec1`` command line (libxmlsec1, not our verifier):
RSA and ECDSA keys from PKCS#12 files and keys on a PKCS#11 token, chain to the test CA root.

CI installs ``xmlsec1`` (``./run setup``); a missing command fails these tests, never skips them.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing.keys import KeyFileSigner, TokenSigner
from signing.xmlsig import sign_built_tree, sign_document

from .conftest import SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN

pytestmark = pytest.mark.database_free

XADES = "http://uri.etsi.org/01903/v1.3.2#"
DS = "http://www.w3.org/2000/09/xmldsig#"


def xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path is None:
        pytest.fail(
            "The xmlsec1 command is missing: run `./run setup` (Debian package xmlsec1).",
            pytrace=False,
        )
    return path


def _verify_cli(tmp_path: Path, document: bytes, test_ca, cert) -> subprocess.CompletedProcess:
    (tmp_path / "root.pem").write_bytes(test_ca.root_cert.public_bytes(Encoding.PEM))
    (tmp_path / "intermediate.pem").write_bytes(
        test_ca.intermediate_cert.public_bytes(Encoding.PEM)
    )
    (tmp_path / "signed.xml").write_bytes(document)
    # Certificates are checked at a fixed time inside their validity, not today.
    at = (cert.not_valid_before_utc + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    return subprocess.run(
        [
            xmlsec1(),
            "--verify",
            "--trusted-pem",
            str(tmp_path / "root.pem"),
            "--untrusted-pem",
            str(tmp_path / "intermediate.pem"),
            "--verification-gmt-time",
            at,
            "--id-attr:Id",
            f"{XADES}:SignedProperties",
            "--id-attr:Id",
            f"{DS}:KeyInfo",
            "--enabled-reference-uris",
            "empty,same-doc",
            str(tmp_path / "signed.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _sign(doc: bytes, signer, cert, *, canonical: bool = False) -> bytes:
    at = cert.not_valid_before_utc + timedelta(hours=2)
    if not canonical:
        return sign_document(doc, signer, signing_time=at)
    # as sign_version signs a document written in canonical form: the tree parsed from its
    # exclusive C14N, those bytes signed as they are
    c14n = etree.tostring(etree.fromstring(doc), method="c14n", exclusive=True)
    signed = sign_built_tree(etree.fromstring(c14n), signer, signing_time=at, canonical=c14n)
    assert c14n[: -len(b"</HoSo>")] in signed
    return signed


@pytest.mark.parametrize("canonical", [False, True], ids=["serialised", "canonical"])
@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_xmlsec1_verifies_our_signature(
    tmp_path, test_ca, sample_doc, rsa_cred, ec_cred, kind, canonical
):
    cred = {"rsa": rsa_cred, "ec": ec_cred}[kind]
    with KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin) as signer:
        signed = _sign(sample_doc, signer, cred.certificate, canonical=canonical)
    done = _verify_cli(tmp_path, signed, test_ca, cred.certificate)
    assert done.returncode == 0, done.stderr
    assert "SignedInfo References (ok/all): 3/3" in done.stdout + done.stderr

    # The same command refuses the document once changed: the check above can fail.
    tampered = signed.replace(b"Minh Khai", "Minh Khải".encode(), 1)
    assert tampered != signed
    refused = _verify_cli(tmp_path, tampered, test_ca, cred.certificate)
    assert refused.returncode != 0
    assert "FAIL" in refused.stdout + refused.stderr


def test_xmlsec1_refuses_a_signer_outside_the_trusted_ca(tmp_path, test_ca, other_ca, sample_doc):
    cred = other_ca.credentials[0]
    with KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin) as signer:
        signed = _sign(sample_doc, signer, cred.certificate)
    done = _verify_cli(tmp_path, signed, test_ca, cred.certificate)
    assert done.returncode != 0


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_xmlsec1_verifies_a_token_signature(tmp_path, token, test_ca, sample_doc, kind):
    key_id = {"rsa": "01", "ec": "02"}[kind]
    with TokenSigner(
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_id=key_id,
        module=SOFTHSM_MODULE,
        chain=[test_ca.intermediate_cert],
    ) as signer:
        signed = _sign(sample_doc, signer, token[kind])
    done = _verify_cli(tmp_path, signed, test_ca, token[kind])
    assert done.returncode == 0, done.stderr
