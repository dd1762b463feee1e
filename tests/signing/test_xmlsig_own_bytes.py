"""The byte path of verification (``fastsign.verify_own_bytes``) accepts exactly our signer's
documents whose digests and value hold, with signxml's signed bytes, and leaves everything else
to the tree paths, which then give the same result they always gave.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from lxml import etree

from signing import fastsign, xmlsig
from signing.keys import KeyFileSigner
from signing.xmlsig import sign_document, sign_document_with_signxml, verify_document
from tests.signing.test_trust import _revoking_crl
from tests.signing.test_xmlsig_fast import NS, TAMPERS, _mutate, _signxml_signed_data


def _own(signed: bytes) -> fastsign.OwnSignature | None:
    return fastsign.verify_own_bytes(signed, xmlsig._certificate_from_base64, xmlsig._parse)


def _unsigned_c14n(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n", exclusive=True)


@pytest.fixture(scope="module", params=["serialised", "canonical"])
def signed_doc(request, rsa_signer, sample_doc) -> bytes:
    """The sample signed as ``sign_document`` writes it, and as ``sign_version`` writes a
    document rendered in canonical form (the byte path digests it without parsing it)."""
    if request.param == "serialised":
        return sign_document(sample_doc, rsa_signer)
    c14n = _unsigned_c14n(sample_doc)
    return xmlsig.sign_built_tree(etree.fromstring(c14n), rsa_signer, canonical=c14n)


def test_our_signatures_and_signxmls_take_the_byte_path_with_signxmls_signed_bytes(
    signed_doc, sample_doc, rsa_signer, ec_cred, test_ca
):
    with KeyFileSigner.from_pkcs12(ec_cred.pkcs12, ec_cred.pin) as ec_signer:
        ec_signed = sign_document(sample_doc, ec_signer)
    by_signxml = sign_document_with_signxml(sample_doc, rsa_signer)
    for signed, algorithm in ((signed_doc, "rsa"), (ec_signed, "ec"), (by_signxml, "rsa")):
        own = _own(signed)
        assert own is not None
        assert own.algorithm == algorithm
        assert own.signed_data == _signxml_signed_data(signed, test_ca)
        assert own.signed_data == _unsigned_c14n(sample_doc)
        assert own.signing_time == etree.fromstring(signed).findtext(
            ".//xades:SigningTime", namespaces=NS
        )
        result = verify_document(signed, test_ca.trust_store())
        assert result.ok, result.codes
        # a document in canonical form is not parsed (see the next test)
        if own.root is not None:
            assert result.signed_root is not None
            assert result.signed_root.find("ds:Signature", NS) is None


def test_a_document_written_in_canonical_form_is_verified_without_parsing_it(
    sample_doc, rsa_signer, test_ca, monkeypatch
):
    c14n = _unsigned_c14n(sample_doc)
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    signed = xmlsig.sign_built_tree(
        etree.fromstring(c14n), rsa_signer, signing_time=at, canonical=c14n
    )
    later = at + timedelta(days=1)

    def no_parse(xml):
        raise AssertionError("parsed a document written in canonical form")

    own = fastsign.verify_own_bytes(signed, xmlsig._certificate_from_base64, no_parse)
    assert own is not None and own.root is None
    assert own.signed_data == c14n == _signxml_signed_data(signed, test_ca)
    result = verify_document(signed, test_ca.trust_store(), at=later)
    assert result.ok, result.codes
    assert result.signed_root is None and result.signed_content == c14n
    # the same bytes with one text changed, still in canonical form: parsed, and refused
    changed = signed.replace(b"<HoVaTen>", b"<HoVaTen>x", 1)
    assert changed != signed
    assert _own(changed) is None
    assert not verify_document(changed, test_ca.trust_store(), at=later).ok


def test_the_byte_path_gives_the_result_of_the_tree_path(signed_doc, test_ca, rsa_signer):
    """A newline after the root end tag keeps the signature valid but leaves the byte path's
    shape: the tree path judges it, with the same result (problems included: checked also
    after the certificate expired)."""
    store = test_ca.trust_store()
    signed_at = verify_document(signed_doc, store).signing_time
    expired = rsa_signer.certificate.not_valid_after_utc + timedelta(days=1)
    for at in (signed_at + timedelta(hours=1), expired):
        own_result = verify_document(signed_doc, store, at=at)
        assert _own(signed_doc + b"\n") is None
        tree_result = verify_document(signed_doc + b"\n", store, at=at)
        assert own_result.as_dict() == tree_result.as_dict()
        assert own_result.signed_content == tree_result.signed_content
        assert own_result.certificate == tree_result.certificate
    assert "cert_expired" in verify_document(signed_doc, store, at=expired).codes


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__.strip("_"))
def test_tampered_document_is_not_accepted_by_the_byte_path(signed_doc, test_ca, tamper):
    tampered = _mutate(signed_doc, tamper)
    assert _own(tampered) is None
    result = verify_document(tampered, test_ca.trust_store())
    assert not result.ok, result.codes
    assert result.signed_content is None


def _replace(old: bytes, new: bytes):
    def change(signed: bytes) -> bytes:
        assert old in signed
        return signed.replace(old, new, 1)

    return change


BYTE_CHANGES = {
    # name: (change, the byte path accepts, the signature holds)
    "comment_before_signature": (_replace(b"<ds:Signature ", b"<!--x--><ds:Signature "), 1, 1),
    "comment_after_root": (lambda s: s + b"<!-- x -->", 0, 1),
    "space_in_signature_value": (_replace(b"<ds:SignatureValue>", b"<ds:SignatureValue> "), 0, 1),
    # the signature's own Id is not signed (QualifyingProperties names it outside SignedInfo)
    "signature_id_changed": (_replace(b'Id="SignXMLSignature', b'Id="SignXMLSignatureA'), 0, 1),
    "ascii_declaration": (_replace(b"encoding='UTF-8'", b"encoding='US-ASCII'"), 0, 0),
    "text_changed": (_replace(b"<HoVaTen>", b"<HoVaTen>x"), 0, 0),
    "element_after_signature": (_replace(b"</ds:Signature>", b"</ds:Signature><a/>"), 0, 0),
}


@pytest.mark.parametrize("name", BYTE_CHANGES)
def test_bytes_in_another_shape_are_left_to_the_tree_paths(signed_doc, test_ca, name):
    change, own_accepts, still_valid = BYTE_CHANGES[name]
    changed = change(signed_doc)
    assert (_own(changed) is not None) == bool(own_accepts)
    result = verify_document(changed, test_ca.trust_store())
    assert result.ok == bool(still_valid), result.codes
    if still_valid:
        assert result.signed_content == _signxml_signed_data(changed, test_ca)


def test_an_id_of_the_signature_carried_in_the_document_is_not_accepted(
    rsa_signer, test_ca, monkeypatch
):
    """As in the tree path: every digest and the value hold, but an element of the document
    carries the KeyInfo's id (an ambiguous reference, refused by signxml)."""

    def sign_with_fixed_ids(xml: bytes) -> bytes:
        counter = itertools.count()
        monkeypatch.setattr(fastsign, "_token", lambda: f"{next(counter):08X}")
        return sign_document(xml, rsa_signer)

    plain = sign_with_fixed_ids(b'<HoSo xmlns="urn:x"><Muc>1</Muc></HoSo>')
    assert _own(plain) is not None
    key_info_id = etree.fromstring(plain).find("ds:Signature/ds:KeyInfo", NS).get("Id")
    signed = sign_with_fixed_ids(
        f'<HoSo xmlns="urn:x"><Muc Id="{key_info_id}">1</Muc></HoSo>'.encode()
    )
    assert _own(signed) is None
    assert "signature_structure" in verify_document(signed, test_ca.trust_store()).codes


def test_a_second_signature_or_dsig_element_inside_the_document_is_not_accepted(
    rsa_signer, sample_doc, test_ca
):
    """An element of the XML-DSig namespace in the document is left to the tree paths: a
    second signature (made here without the signer's check) is refused as such, another
    element accepted."""
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=1)
    inner = etree.fromstring(sign_document(b"<Muc>1</Muc>", rsa_signer, signing_time=at))
    for extra, valid in ((inner, False), (etree.Element(f"{{{xmlsig._NS['ds']}}}Object"), True)):
        root = etree.fromstring(sample_doc)
        root[0].append(extra)
        signed = fastsign.sign_tree(root, rsa_signer, at)
        assert _own(signed) is None
        result = verify_document(signed, test_ca.trust_store(), at=at)
        assert result.ok == valid, result.codes
        assert ("signature_multiple" in result.codes) == (not valid)


def test_the_byte_path_remembers_certificates_but_judges_as_the_tree_path(
    test_ca, other_ca, sample_doc, rsa_cred
):
    """The byte path reads the embedded certificates' names, dates and key usage once, and the
    trust store remembers the chain and what its CRLs say of each link (``checked_chain``): in
    every trust situation, verified again and again, at times inside and outside the
    certificates' validity and after the CRL's next update, the result is the tree path's.
    The tree path judges the same signature with a newline after the root (see above)."""
    from signing.trust import TrustStore

    with KeyFileSigner.from_pkcs12(test_ca.revoked.pkcs12, test_ca.revoked.pin) as signer:
        revoked = sign_document(sample_doc, signer)
    with KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, rsa_cred.pin) as signer:
        good = sign_document(sample_doc, signer)
    signing_time = verify_document(good, test_ca.trust_store()).signing_time
    assert signing_time is not None
    times = (
        signing_time + timedelta(minutes=1),
        test_ca.crl.next_update_utc + timedelta(hours=1),  # stale CRL
        rsa_cred.certificate.not_valid_after_utc + timedelta(days=1),  # expired
        signing_time - timedelta(days=1),  # signed in the future
        signing_time + timedelta(minutes=2),
    )
    stores = {
        "trusted": test_ca.trust_store(),
        "no_crl": TrustStore(anchors=[test_ca.root_cert]),
        "other_ca": other_ca.trust_store(),
        "empty": TrustStore(),
    }
    seen = set()
    for name, store in stores.items():
        for signed in (good, revoked):
            assert _own(signed) is not None and _own(signed + b"\n") is None
            for at in (*times, *times):  # the second round from the caches
                own_result = verify_document(signed, store, at=at)
                tree_result = verify_document(signed + b"\n", store, at=at)
                assert own_result.as_dict() == tree_result.as_dict(), (name, at)
                seen.update(own_result.codes)
    assert {
        "revoked",
        "revocation_unknown",
        "crl_stale",
        "cert_expired",
        "signing_time_in_future",
        "untrusted",
        "trust_store_empty",
    } <= seen
    # a CRL revoking the good signer, appended to a store that has remembered its chain
    store = stores["trusted"]
    assert verify_document(good, store).ok
    store.crls.append(_revoking_crl(test_ca, rsa_cred.certificate))
    assert verify_document(good, store).codes == verify_document(good + b"\n", store).codes
    assert "revoked" in verify_document(good, store).codes
