"""The verification fast path and the signer's overrides give what signxml gives.

``verify_document`` first tries ``_fast_verify`` (our exact signature shape, checked on the tree
already parsed) and asks signxml's verifier whenever the fast path does not accept. These tests
check both halves of that contract: a good signature is accepted by the fast path with the same
signed bytes signxml returns, and every tampered document is *not* accepted by the fast path —
so it reaches signxml, which refuses it with its problem code.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

from signing import fastsign, xmlsig
from signing.keys import KeyFileSigner
from signing.xmlsig import sign_document, verify_document

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}


def _parts(signed: bytes) -> tuple:
    """The document's root, its signature, the embedded certificates and the signer's, as
    ``verify_document`` finds them."""
    root = etree.fromstring(signed)
    signature = root.find("ds:Signature", NS)
    certs = [
        xmlsig._certificate_from_base64(n.text)
        for n in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    ]
    return root, signature, certs, xmlsig._pick_leaf(certs)


def _fast(signed: bytes) -> xmlsig._FastVerified | None:
    """Run the fast path the way ``verify_document`` does."""
    root, signature, certs, leaf = _parts(signed)
    method = SignatureMethod(
        signature.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm")
    )
    return xmlsig._fast_verify(root, signature, leaf, certs, method)


def _signxml_signed_data(signed: bytes, test_ca) -> bytes | None:
    """The signed bytes according to signxml alone (None: signxml refuses)."""
    root, _, _, leaf = _parts(signed)
    config = xmlsig.XAdESSignatureConfiguration(
        location="./",
        signature_methods=frozenset(xmlsig.ALGORITHM_LABELS),
        digest_algorithms=frozenset({xmlsig.DigestAlgorithm.SHA256}),
        verification_time=leaf.not_valid_before_utc,
    )
    result = xmlsig.VerificationResult()
    props: list = []
    if not xmlsig._verify_with_signxml(signed, root, leaf, config, result, props):
        return None
    return result.signed_content


@pytest.fixture(scope="module")
def signed_doc(rsa_signer, sample_doc) -> bytes:
    return sign_document(sample_doc, rsa_signer)


def test_good_signatures_take_the_fast_path_with_signxmls_signed_bytes(
    signed_doc, sample_doc, ec_cred, test_ca
):
    with KeyFileSigner.from_pkcs12(ec_cred.pkcs12, ec_cred.pin) as signer:
        ec_signed = sign_document(sample_doc, signer)
    for signed in (signed_doc, ec_signed):
        fast = _fast(signed)
        assert fast is not None
        assert fast.signed_data == _signxml_signed_data(signed, test_ca)
        assert fast.signed_data == etree.tostring(
            etree.fromstring(sample_doc), method="c14n", exclusive=True, with_comments=False
        )
        assert fast.signed_properties.findtext("xades:SigningTime", namespaces=NS)


def _mutate(signed: bytes, fn: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(signed)
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _first_leaf(root):
    return next(el for el in root.iter() if len(el) == 0 and el.text)


def _change_text(root):
    _first_leaf(root).text += "x"


def _change_root_attribute(root):
    root.set("them", "1")


def _change_signing_time(root):
    root.find(".//xades:SigningTime", NS).text = "2020-01-01T00:00:00+00:00"


def _flip_signature_bit(root):
    node = root.find("ds:Signature/ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode(node.text))
    raw[10] ^= 0x01
    node.text = base64.b64encode(bytes(raw)).decode()


def _change_digest_value(root):
    node = root.find("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue", NS)
    raw = bytearray(base64.b64decode(node.text))
    raw[0] ^= 0x01
    node.text = base64.b64encode(bytes(raw)).decode()


def _duplicate_signed_properties_id(root):
    props = root.find(".//xades:SignedProperties", NS)
    etree.SubElement(root, "Extra", Id=props.get("Id"))
    root.append(root.find("ds:Signature", NS))  # the signature stays the last child


def _comment_in_digest_value(root):
    node = root.find("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue", NS)
    text = node.text
    node.text = text[:4]
    comment = etree.Comment("x")
    comment.tail = text[4:]
    node.append(comment)


def _key_value_added(root):
    key_info = root.find("ds:Signature/ds:KeyInfo", NS)
    etree.SubElement(key_info, f"{{{DS}}}KeyValue")


def _certificate_digest_changed(root):
    node = root.find(".//xades:SigningCertificateV2/xades:Cert/xades:CertDigest/ds:DigestValue", NS)
    node.text = base64.b64encode(b"\0" * 32).decode()


def _reference_to_other_element(root):
    ref = root.findall("ds:Signature/ds:SignedInfo/ds:Reference", NS)[2]
    ref.set("URI", "#" + root.find(".//xades:SignedProperties", NS).get("Id"))


def _signature_moved_first(root):
    root.insert(0, root.find("ds:Signature", NS))


TAMPERS = [
    _change_text,
    _change_root_attribute,
    _change_signing_time,
    _flip_signature_bit,
    _change_digest_value,
    _duplicate_signed_properties_id,
    _key_value_added,
    _certificate_digest_changed,
    _reference_to_other_element,
]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__.strip("_"))
def test_tampered_document_is_not_accepted_by_the_fast_path(signed_doc, test_ca, tamper):
    tampered = _mutate(signed_doc, tamper)
    assert _fast(tampered) is None
    result = verify_document(tampered, test_ca.trust_store())
    assert not result.ok, result.codes
    assert result.signed_content is None


def test_substituted_certificate_is_not_accepted_by_the_fast_path(signed_doc, test_ca):
    other = next(c for c in test_ca.credentials if c.username == "binh")

    def change(root):
        nodes = root.findall("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
        nodes[0].text = base64.b64encode(other.certificate.public_bytes(Encoding.DER)).decode()

    tampered = _mutate(signed_doc, change)
    assert _fast(tampered) is None
    assert not verify_document(tampered, test_ca.trust_store()).ok


def test_signature_moved_first_same_signed_bytes_as_signxml(signed_doc, test_ca):
    moved = _mutate(signed_doc, _signature_moved_first)
    fast = _fast(moved)
    assert fast is not None
    assert fast.signed_data == _signxml_signed_data(moved, test_ca)


def test_comment_in_signed_info_is_left_to_signxml(signed_doc, test_ca):
    """A comment inside the signature is not the fast path's shape; exclusive C14N drops it, so
    the signature still holds: signxml alone judges it, with the same signed content."""
    changed = _mutate(signed_doc, _comment_in_digest_value)
    assert _fast(changed) is None
    expected = _signxml_signed_data(changed, test_ca)
    result = verify_document(changed, test_ca.trust_store())
    assert result.signed_content == expected
    assert result.ok == (expected is not None)


def test_signer_overrides_write_the_same_bytes_as_signxml(rsa_signer, sample_doc, monkeypatch):
    """``_Signer`` (the signxml reference signer) caches certificate text and digests and
    copies the tree without re-parsing; the signed document is byte for byte what signxml's
    own methods write."""

    class PlainSigner(xmlsig._Signer):
        get_root = XAdESSigner.get_root
        _add_key_info = XAdESSigner._add_key_info
        add_signing_certificate = XAdESSigner.add_signing_certificate

    # A fixed signing time inside the certificate's validity, whatever today's date is.
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=1)
    outputs = []
    for cls in (xmlsig._Signer, PlainSigner):
        tokens = (f"{n:08X}" for n in itertools.count())
        monkeypatch.setattr(XAdESSigner, "_get_token", lambda self, length=4, t=tokens: next(t))
        monkeypatch.setattr(xmlsig, "_Signer", cls)
        outputs.append(xmlsig.sign_document_with_signxml(sample_doc, rsa_signer, signing_time=at))
    assert outputs[0] == outputs[1]


def test_signed_document_with_an_id_used_twice_is_refused(rsa_signer, test_ca, monkeypatch):
    """Every digest and the signature hold, but the KeyInfo id also names an element of the
    document: signxml refuses the ambiguous reference, and the fast path must not accept it."""

    def sign_with_fixed_ids(xml: bytes) -> bytes:
        counter = itertools.count()
        monkeypatch.setattr(fastsign, "_token", lambda: f"{next(counter):08X}")
        return sign_document(xml, rsa_signer)

    plain = sign_with_fixed_ids(b'<HoSo xmlns="urn:x"><Muc>1</Muc></HoSo>')
    key_info_id = etree.fromstring(plain).find("ds:Signature/ds:KeyInfo", NS).get("Id")
    signed = sign_with_fixed_ids(
        f'<HoSo xmlns="urn:x"><Muc Id="{key_info_id}">1</Muc></HoSo>'.encode()
    )
    assert etree.fromstring(signed).find("ds:Signature/ds:KeyInfo", NS).get("Id") == key_info_id
    assert _fast(signed) is None
    result = verify_document(signed, test_ca.trust_store())
    assert not result.ok
    assert "signature_structure" in result.codes


@pytest.mark.parametrize("wrong", ["unknown", "not_the_signer_first"])
def test_signed_wrong_certificate_reference_is_refused(
    rsa_signer, sample_doc, test_ca, monkeypatch, wrong
):
    """A signature whose (signed) SigningCertificateV2 names a certificate that is not
    embedded, or does not name the signer's first: refused by signxml and not accepted by the
    fast path, although every digest and the signature value hold."""
    from cryptography.hazmat.primitives import hashes

    intermediate = rsa_signer.chain[0]

    def fake_digest(cert):
        if wrong == "unknown":  # the signer's digest is right, the intermediate's unknown
            return b"\0" * 32 if cert == intermediate else cert.fingerprint(hashes.SHA256())
        return intermediate.fingerprint(hashes.SHA256())

    monkeypatch.setattr(fastsign, "_certificate_digest", fake_digest)
    fastsign.clear_caches()  # the template holds the certificate digests
    try:
        signed = sign_document(sample_doc, rsa_signer)
    finally:
        monkeypatch.undo()
        fastsign.clear_caches()
    assert _fast(signed) is None
    result = verify_document(signed, test_ca.trust_store())
    assert not result.ok
    assert "certificate_mismatch" in result.codes


@pytest.mark.parametrize("tamper", [None, _change_text], ids=["good", "content_changed"])
def test_fast_path_leaves_the_parsed_tree_as_it_was(signed_doc, tamper):
    """The document digest is computed with the signature taken out of the tree and put back:
    afterwards the tree is the same, whether the fast path accepts or not."""
    data = signed_doc if tamper is None else _mutate(signed_doc, tamper)
    root, signature, certs, leaf = _parts(data)
    before = etree.tostring(root)
    method = SignatureMethod(
        signature.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm")
    )
    fast = xmlsig._fast_verify(root, signature, leaf, certs, method)
    assert (fast is not None) == (tamper is None)
    assert etree.tostring(root) == before
    assert root[-1] is signature
