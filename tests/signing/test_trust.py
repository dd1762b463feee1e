"""Certificate checks of verification: validity dates, chain to a trusted CA, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ValidationError
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

from signing.credentials import add_revocation_list, add_trusted_certificate
from signing.errors import UnusableKey
from signing.keys import KeyFileSigner
from signing.models import TrustedCertificate
from signing.testca import issue_certificate, key_usages, make_crl, new_key, subject_name
from signing.trust import TrustStore
from signing.xmlsig import sign_document, verify_document

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def expired(test_ca):
    return test_ca.issue(
        "het-han",
        "Chứng thư hết hạn",
        not_before=NOW - timedelta(days=300),
        not_after=NOW - timedelta(days=10),
    )


@pytest.fixture(scope="module")
def future(test_ca):
    return test_ca.issue(
        "chua-hieu-luc",
        "Chứng thư chưa hiệu lực",
        not_before=NOW + timedelta(days=10),
        not_after=NOW + timedelta(days=400),
    )


def _sign(cred, doc, **kw) -> bytes:
    with KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin) as signer:
        return sign_document(doc, signer, **kw)


def test_expired_certificate_fails_with_its_own_code(expired, sample_doc, test_ca):
    signed = _sign(expired, sample_doc, signing_time=NOW - timedelta(days=100))
    result = verify_document(signed, test_ca.trust_store())
    assert not result.ok
    assert [p.code for p in result.errors] == ["cert_expired"]
    assert "hết hạn" in result.errors[0].message
    # Signed while valid, checked at a time it was valid: fine.
    assert verify_document(signed, test_ca.trust_store(), at=NOW - timedelta(days=50)).ok


def test_signing_with_an_expired_certificate_is_refused(expired, sample_doc):
    with pytest.raises(UnusableKey, match="hết hạn"):
        _sign(expired, sample_doc)


def test_not_yet_valid_certificate_fails_with_its_own_code(future, sample_doc, test_ca):
    with pytest.raises(UnusableKey, match="chưa có hiệu lực"):
        _sign(future, sample_doc)
    signed = _sign(future, sample_doc, signing_time=NOW + timedelta(days=20))
    result = verify_document(signed, test_ca.trust_store())
    assert "cert_not_yet_valid" in result.codes
    assert "signing_time_in_future" in result.codes
    assert not result.ok
    assert verify_document(signed, test_ca.trust_store(), at=NOW + timedelta(days=30)).ok


def test_signed_outside_the_validity_period(expired, sample_doc, test_ca):
    """A signature made (by another tool) with an already expired certificate."""
    from lxml import etree

    signer = XAdESSigner(signature_algorithm=SignatureMethod.RSA_SHA256)
    root = signer.sign(
        etree.fromstring(sample_doc),
        key=expired.key,
        cert=[expired.certificate, test_ca.intermediate_cert],
        always_add_key_value=False,
    )
    signed = etree.tostring(root)
    result = verify_document(signed, test_ca.trust_store())
    assert "signed_outside_validity" in result.codes
    assert "cert_expired" in result.codes
    assert "content_modified" not in result.codes


def test_untrusted_ca_fails_with_its_own_code(other_ca, sample_doc, test_ca):
    signed = _sign(other_ca.credentials[0], sample_doc)
    result = verify_document(signed, test_ca.trust_store())
    assert [p.code for p in result.errors] == ["untrusted"]
    assert "CA tin cậy" in result.errors[0].message
    assert result.errors[0].technical  # the path builder's own words, kept apart
    assert result.errors[0].technical not in result.errors[0].message
    # The same document is fine for a verifier that trusts the other CA.
    assert verify_document(signed, other_ca.trust_store()).ok


def test_revoked_certificate_fails_with_its_own_code(test_ca, sample_doc):
    signed = _sign(test_ca.revoked, sample_doc)
    result = verify_document(signed, test_ca.trust_store())
    assert [p.code for p in result.errors] == ["revoked"]
    assert format(test_ca.revoked.certificate.serial_number, "X") in result.errors[0].message
    assert result.revocation == "revoked"


def test_without_crl_revocation_is_unknown_but_not_fatal(test_ca, sample_doc):
    signed = _sign(test_ca.revoked, sample_doc)
    store = TrustStore(anchors=[test_ca.root_cert])
    result = verify_document(signed, store)
    assert result.ok
    assert result.revocation == "unknown"
    assert "revocation_unknown" in result.codes


def test_crl_signed_by_another_ca_is_ignored(test_ca, other_ca, sample_doc):
    forged = make_crl(
        other_ca.intermediate_cert,
        other_ca.intermediate_key,
        [],
        this_update=NOW,
        next_update=NOW + timedelta(days=1),
    )
    # Same issuer name as the real CA, so only the CRL signature tells them apart.
    assert forged.issuer == test_ca.intermediate_cert.subject
    store = TrustStore(anchors=[test_ca.root_cert], crls=[forged, test_ca.root_crl])
    result = verify_document(_sign(test_ca.revoked, sample_doc), store)
    assert result.revocation == "unknown"


def test_stale_crl_is_a_warning(test_ca, rsa_cred, sample_doc):
    stale = make_crl(
        test_ca.intermediate_cert,
        test_ca.intermediate_key,
        [],
        this_update=NOW - timedelta(days=20),
        next_update=NOW - timedelta(days=1),
    )
    store = TrustStore(anchors=[test_ca.root_cert], crls=[test_ca.root_crl, stale])
    result = verify_document(_sign(rsa_cred, sample_doc), store)
    assert result.ok
    assert "crl_stale" in result.codes


def test_empty_trust_store(rsa_cred, sample_doc):
    result = verify_document(_sign(rsa_cred, sample_doc), TrustStore())
    assert [p.code for p in result.errors] == ["trust_store_empty"]


def test_certificate_issued_by_a_non_ca_is_untrusted(test_ca, rsa_cred, sample_doc):
    key = new_key()
    cert = issue_certificate(
        subject_name("Người ký do người dùng tự cấp"),
        key.public_key(),
        issuer_cert=rsa_cred.certificate,
        issuer_key=rsa_cred.key,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=10),
    )
    signer = KeyFileSigner(key, cert, [rsa_cred.certificate, test_ca.intermediate_cert])
    result = verify_document(sign_document(sample_doc, signer), test_ca.trust_store())
    assert "untrusted" in result.codes


def test_certificate_not_for_signing_is_refused(test_ca, sample_doc):
    cred = test_ca.issue("ma-hoa", "Chỉ mã hóa", key_usage=key_usages("key_encipherment"))
    with pytest.raises(UnusableKey, match="KeyUsage"):
        _sign(cred, sample_doc)


# -- the trust store in the database --------------------------------------------------------------


@pytest.mark.django_db
def test_trust_store_from_database(test_ca, rsa_cred, sample_doc):
    pem = Encoding.PEM
    add_trusted_certificate(test_ca.root_cert.public_bytes(pem), label="CA gốc")
    add_revocation_list(test_ca.crl.public_bytes(Encoding.DER))
    store = TrustStore.from_database()
    assert verify_document(_sign(rsa_cred, sample_doc), store).ok
    assert verify_document(_sign(test_ca.revoked, sample_doc), store).codes[0] == "revoked"

    TrustedCertificate.objects.update(active=False)
    result = verify_document(_sign(rsa_cred, sample_doc), TrustStore.from_database())
    assert result.codes[0] == "trust_store_empty"


@pytest.mark.django_db
def test_trust_store_refuses_bad_uploads(test_ca, rsa_cred):
    with pytest.raises(ValidationError, match="không phải chứng thư CA"):
        add_trusted_certificate(rsa_cred.certificate.public_bytes(Encoding.PEM))
    with pytest.raises(ValidationError, match="không phải chứng thư số"):
        add_trusted_certificate(b"-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n")
    der = test_ca.root_cert.public_bytes(Encoding.DER)
    (row,) = add_trusted_certificate(der)
    assert row.is_self_signed and row.common_name.startswith("CA THỬ NGHIỆM")
    with pytest.raises(ValidationError, match="đã có trong kho"):
        add_trusted_certificate(der)
    with pytest.raises(ValidationError, match="CRL"):
        add_revocation_list(b"not a crl")
    crl = add_revocation_list(test_ca.crl.public_bytes(Encoding.PEM))
    assert crl.revoked_count == 1 and "CA trung gian" in crl.issuer


def test_weak_rsa_key_is_refused_for_signing_and_flagged_in_verification(test_ca, sample_doc):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from lxml import etree

    weak = test_ca.issue("yeu", "Khóa yếu", key=rsa.generate_private_key(65537, 1024))
    with pytest.raises(UnusableKey, match="1024 bit"):
        _sign(weak, sample_doc)
    signer = XAdESSigner(signature_algorithm=SignatureMethod.RSA_SHA256)
    root = signer.sign(
        etree.fromstring(sample_doc),
        key=weak.key,
        cert=[weak.certificate, test_ca.intermediate_cert],
        always_add_key_value=False,
    )
    result = verify_document(etree.tostring(root), test_ca.trust_store())
    assert [p.code for p in result.errors] == ["weak_key"]


def test_result_summary_is_json_ready(rsa_cred, sample_doc, test_ca):
    import json

    summary = verify_document(_sign(rsa_cred, sample_doc), test_ca.trust_store()).as_dict()
    again = json.loads(json.dumps(summary))
    assert again["ok"] is True and again["serial"] == format(
        rsa_cred.certificate.serial_number, "X"
    )
    assert again["ocsp_checked"] is False
    assert [p["code"] for p in again["problems"]] == ["ocsp_skipped"]


# -- what a trust store remembers between verifications ------------------------------------------


def _revoking_crl(test_ca, cert: x509.Certificate) -> x509.CertificateRevocationList:
    """A newer CRL of the intermediate CA that also revokes ``cert``."""
    return make_crl(
        test_ca.intermediate_cert,
        test_ca.intermediate_key,
        [
            (test_ca.revoked.certificate, NOW - timedelta(hours=1)),
            (cert, NOW - timedelta(minutes=1)),
        ],
        this_update=NOW,
        next_update=NOW + timedelta(days=7),
    )


@pytest.mark.parametrize("how", ["append", "replace"])
def test_crl_added_after_a_cached_success_is_seen_at_the_next_verification(
    test_ca, rsa_cred, sample_doc, how
):
    store = test_ca.trust_store()
    signed = _sign(rsa_cred, sample_doc)
    for _ in range(2):  # the second time from the store's caches
        result = verify_document(signed, store)
        assert result.ok and result.revocation == "good"
    crl = _revoking_crl(test_ca, rsa_cred.certificate)
    if how == "append":
        store.crls.append(crl)
    else:
        store.crls[store.crls.index(test_ca.crl)] = crl
    result = verify_document(signed, store)
    assert [p.code for p in result.errors] == ["revoked"]
    assert result.revocation == "revoked"


def test_anchor_removed_after_a_cached_chain_is_seen_at_the_next_verification(
    test_ca, other_ca, rsa_cred, sample_doc
):
    store = test_ca.trust_store()
    signed = _sign(rsa_cred, sample_doc)
    assert verify_document(signed, store).ok
    assert verify_document(signed, store).ok
    store.anchors[:] = [other_ca.root_cert]
    assert [p.code for p in verify_document(signed, store).errors] == ["untrusted"]
    store.anchors.clear()
    assert [p.code for p in verify_document(signed, store).errors] == ["trust_store_empty"]


def test_cached_chain_still_checks_the_time_of_each_verification(test_ca, rsa_cred, sample_doc):
    store = test_ca.trust_store()
    signed = _sign(rsa_cred, sample_doc)
    assert verify_document(signed, store).ok
    later = rsa_cred.certificate.not_valid_after_utc + timedelta(days=1)
    result = verify_document(signed, store, at=later)
    assert "cert_expired" in [p.code for p in result.errors]


def test_stale_crl_warning_follows_the_time_of_each_verification(test_ca, rsa_cred, sample_doc):
    store = test_ca.trust_store()
    signed = _sign(rsa_cred, sample_doc)
    assert "crl_stale" not in verify_document(signed, store).codes
    after_next_update = test_ca.crl.next_update_utc + timedelta(hours=1)
    assert "crl_stale" in verify_document(signed, store, at=after_next_update).codes


@pytest.mark.django_db
def test_crl_loaded_in_the_database_after_a_success_is_seen(test_ca, rsa_cred, sample_doc):
    pem = Encoding.PEM
    add_trusted_certificate(test_ca.root_cert.public_bytes(pem), label="CA gốc")
    add_revocation_list(test_ca.crl.public_bytes(pem))
    signed = _sign(rsa_cred, sample_doc)
    assert verify_document(signed, TrustStore.from_database()).ok
    add_revocation_list(_revoking_crl(test_ca, rsa_cred.certificate).public_bytes(pem))
    result = verify_document(signed, TrustStore.from_database())
    assert [p.code for p in result.errors] == ["revoked"]


def test_the_trust_revision_changes_with_every_change_of_what_is_trusted(test_ca, other_ca):
    from signing.trust import TrustStore

    store = test_ca.trust_store()
    revision = store.revision
    # the same certificates and CRLs, in another order, in another store: the same revision
    same = TrustStore(anchors=list(store.anchors), crls=list(reversed(store.crls)))
    assert same.revision == revision
    store.crls.append(other_ca.crl)  # changed in place: noticed
    with_crl = store.revision
    assert with_crl != revision
    store.anchors.append(other_ca.root_cert)
    assert store.revision not in {revision, with_crl}
    store.crls.pop()
    store.anchors.pop()
    assert store.revision == revision
