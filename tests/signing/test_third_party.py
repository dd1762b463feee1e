"""verify_document accepts XAdES-BES signatures of other implementations within the documented
profile (README "Accepted profile") and names what it refuses. The documents are signed at test
time by libxmlsec1 (tests/signing/third_party.py) with the test CA's keys, at a fixed time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from signing.xmlsig import verify_document

from .third_party import C14N, sign_third_party

pytestmark = pytest.mark.database_free


def _key_pem(cred) -> bytes:
    return cred.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _sign(cred, test_ca, doc, **options) -> tuple[bytes, object]:
    at = cred.certificate.not_valid_before_utc + timedelta(hours=2)
    signed = sign_third_party(
        doc, _key_pem(cred), cred.certificate, [test_ca.intermediate_cert], at, **options
    )
    return signed, at


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("envelope", ["enveloped", "xpath"])
@pytest.mark.parametrize("c14n", sorted(C14N))
@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_third_party_signatures_in_the_profile_verify(
    test_ca, rsa_cred, ec_cred, sample_doc, kind, c14n, envelope, version
):
    cred = {"rsa": rsa_cred, "ec": ec_cred}[kind]
    signed, at = _sign(
        cred, test_ca, sample_doc, c14n=c14n, envelope=envelope, signing_certificate=version
    )
    result = verify_document(signed, test_ca.trust_store(), at=at + timedelta(days=1))
    assert result.ok, result.problems
    assert result.signing_time == at
    assert result.signer_name == "Nguyễn Văn An (THỬ NGHIỆM)"
    # ... and any change of the content is caught, with its reason.
    tampered = signed.replace(b"Minh Khai", "Minh Khải".encode(), 1)
    assert tampered != signed
    refused = verify_document(tampered, test_ca.trust_store(), at=at + timedelta(days=1))
    assert [p.code for p in refused.errors] == ["content_modified"]


def test_another_xpath_filter_is_refused_by_name(test_ca, rsa_cred, sample_doc):
    # An XPath filter that keeps only part of the document: the rest would be unsigned.
    signed, at = _sign(
        rsa_cred, test_ca, sample_doc, envelope="xpath",
        xpath="not(ancestor-or-self::ds:Signature) and not(self::text())",
    )  # fmt: skip
    result = verify_document(signed, test_ca.trust_store(), at=at + timedelta(days=1))
    assert [p.code for p in result.errors] == ["transform_not_allowed"]
