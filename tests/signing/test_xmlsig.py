"""Signing and verifying XML documents: a valid signature passes, any change is caught."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing.errors import SigningError
from signing.keys import KeyFileSigner
from signing.sample import SAMPLE_NS, sample_profile_document
from signing.xmlsig import PROBLEM_MESSAGES, sign_document, verify_document

# Pure functions: no database; the PostgreSQL run leaves these to the SQLite run.
pytestmark = pytest.mark.database_free

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES, "h": SAMPLE_NS}


@pytest.fixture(scope="module")
def signed_doc(rsa_signer, sample_doc) -> bytes:
    return sign_document(sample_doc, rsa_signer)


def _mutate(signed: bytes, fn) -> bytes:
    root = etree.fromstring(signed)
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- a good signature ---------------------------------------------------------------------------


def test_rsa_signature_verifies_with_signer_details(signed_doc, rsa_cred, test_ca):
    before = datetime.now(UTC).replace(microsecond=0)
    result = verify_document(signed_doc, test_ca.trust_store())
    assert result.ok, result.problems
    assert [p.code for p in result.errors] == []
    cert = rsa_cred.certificate
    assert result.serial == format(cert.serial_number, "X")
    assert result.signer_name == "Nguyễn Văn An (THỬ NGHIỆM)"
    assert "CA trung gian THỬ NGHIỆM" in result.issuer
    assert result.algorithm == "RSA-SHA256 (2048 bit)"
    assert result.revocation == "good"
    assert result.ocsp_checked is False
    assert "ocsp_skipped" in result.codes
    assert result.signing_time is not None and result.signing_time <= before
    assert len(result.chain) == 3
    # The verified bytes are the document without the signature, canonicalised.
    assert b"Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b Minh Khai" in result.signed_content
    assert b"Signature" not in result.signed_content


def test_ecdsa_p256_signature_verifies(ec_cred, sample_doc, test_ca):
    with KeyFileSigner.from_pkcs12(ec_cred.pkcs12, ec_cred.pin) as signer:
        signed = sign_document(sample_doc, signer)
    result = verify_document(signed, test_ca.trust_store())
    assert result.ok, result.problems
    assert result.algorithm == "ECDSA-SHA256 (secp256r1)"
    assert b"ecdsa-sha256" in signed


def test_signature_shape_enveloped_exc_c14n_xades(signed_doc, rsa_cred, test_ca):
    root = etree.fromstring(signed_doc)
    sig = root.find("ds:Signature", NS)
    assert sig is not None and sig.getparent() is root
    assert sig.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).get("Algorithm") == (
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    )
    refs = sig.findall("ds:SignedInfo/ds:Reference", NS)
    assert refs[0].get("URI") == ""
    transforms = [t.get("Algorithm") for t in refs[0].findall("ds:Transforms/ds:Transform", NS)]
    assert f"{DS}enveloped-signature" in transforms
    assert sig.find(".//xades:SigningTime", NS) is not None
    assert sig.find(".//xades:SigningCertificateV2", NS) is not None
    cert_nodes = sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    embedded = [base64.b64decode(n.text) for n in cert_nodes]
    assert rsa_cred.certificate.public_bytes(Encoding.DER) in embedded
    assert test_ca.intermediate_cert.public_bytes(Encoding.DER) in embedded
    # No bare KeyValue next to the certificate (ambiguous key information).
    assert sig.find("ds:KeyInfo/ds:KeyValue", NS) is None


def test_signing_twice_is_refused(signed_doc, rsa_signer):
    with pytest.raises(SigningError, match="đã có chữ ký"):
        sign_document(signed_doc, rsa_signer)


def test_not_xml_and_doctype_are_refused(rsa_signer, test_ca):
    with pytest.raises(SigningError):
        sign_document(b"<a><b></a>", rsa_signer)
    doctype = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    with pytest.raises(SigningError):
        sign_document(doctype, rsa_signer)
    assert verify_document(b"not xml", test_ca.trust_store()).codes == ["malformed"]
    assert verify_document(doctype, test_ca.trust_store()).codes == ["malformed"]


def test_unsigned_document(sample_doc, test_ca):
    result = verify_document(sample_doc, test_ca.trust_store())
    assert not result.ok and result.codes == ["signature_missing"]
    assert result.problems[0].message == PROBLEM_MESSAGES["signature_missing"]


def test_every_problem_message_is_vietnamese():
    for code, message in PROBLEM_MESSAGES.items():
        assert message and message[0].isupper(), code
        assert any(ch in message for ch in "ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữự"), code


# -- tampering with the content: one case per element and per attribute --------------------------

_SAMPLE = etree.fromstring(sample_profile_document())
_TREE = _SAMPLE.getroottree()
ELEMENT_PATHS = [_TREE.getpath(el) for el in _SAMPLE.iter()]
ATTRIBUTE_PATHS = [(_TREE.getpath(el), name) for el in _SAMPLE.iter() for name in el.attrib]


def _find(root, path):
    found = root.getroottree().xpath(path)
    assert len(found) == 1, path
    return found[0]


@pytest.mark.parametrize("path", ELEMENT_PATHS)
def test_changed_element_text_is_detected(signed_doc, test_ca, path):
    def change(root):
        el = _find(root, path)
        el.text = (el.text or "") + "x" if len(el) == 0 else (el.text or "") + " "

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert not result.ok
    assert "content_modified" in result.codes


@pytest.mark.parametrize("path", ELEMENT_PATHS)
def test_added_attribute_or_renamed_element_is_detected(signed_doc, test_ca, path):
    def change(root):
        el = _find(root, path)
        if el is root:
            el.set("them", "1")
        else:
            el.tag = el.tag + "X"

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert not result.ok
    assert "content_modified" in result.codes


@pytest.mark.parametrize(("path", "name"), ATTRIBUTE_PATHS)
def test_changed_attribute_is_detected(signed_doc, test_ca, path, name):
    def change(root):
        el = _find(root, path)
        el.set(name, el.get(name) + "1")

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert not result.ok
    assert "content_modified" in result.codes


@pytest.mark.parametrize(("path", "name"), ATTRIBUTE_PATHS)
def test_removed_attribute_is_detected(signed_doc, test_ca, path, name):
    def change(root):
        del _find(root, path).attrib[name]

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert "content_modified" in result.codes


def test_removed_and_reordered_rows_are_detected(signed_doc, test_ca):
    def remove(root):
        row = root.find("h:QuaTrinhCongTac/h:DongQuaTrinh", NS)
        row.getparent().remove(row)

    def swap(root):
        rows = root.findall("h:QuaTrinhCongTac/h:DongQuaTrinh", NS)
        rows[0].addprevious(rows[1])  # row 2 now comes before row 1

    for change in (remove, swap):
        result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
        assert "content_modified" in result.codes, change.__name__


# -- tampering with the signature itself ----------------------------------------------------------


def test_changed_signing_time_is_detected(signed_doc, test_ca):
    def change(root):
        root.find(".//xades:SigningTime", NS).text = "2020-01-01T00:00:00+00:00"

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert result.codes[0] == "properties_modified"
    assert not result.ok


def test_changed_signature_value_is_detected(signed_doc, test_ca):
    def change(root):
        node = root.find("ds:Signature/ds:SignatureValue", NS)
        raw = bytearray(base64.b64decode(node.text))
        raw[10] ^= 0x01
        node.text = base64.b64encode(bytes(raw)).decode()

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert "signature_invalid" in result.codes


def test_substituted_certificate_is_detected(signed_doc, test_ca):
    """Another certificate from the same CA put in place of the signer's."""
    other = next(c for c in test_ca.credentials if c.username == "binh")

    def change(root):
        nodes = root.findall("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
        nodes[0].text = base64.b64encode(other.certificate.public_bytes(Encoding.DER)).decode()

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert not result.ok
    assert {"signature_invalid", "properties_modified", "certificate_mismatch"} & set(result.codes)


def test_re_signed_content_with_forged_key_is_untrusted(sample_doc, test_ca, other_ca):
    forger = other_ca.credentials[0]
    with KeyFileSigner.from_pkcs12(forger.pkcs12, forger.pin) as signer:
        signed = sign_document(sample_doc, signer)
    result = verify_document(signed, test_ca.trust_store())
    assert result.codes[0] == "untrusted"
    assert not result.ok


def test_wrapped_signed_document_is_refused(signed_doc, test_ca):
    """Signature wrapping: the signed document is moved inside a new root."""
    inner = etree.fromstring(signed_doc)
    wrapper = etree.Element("Wrapper")
    wrapper.append(inner)
    data = etree.tostring(wrapper)
    result = verify_document(data, test_ca.trust_store())
    assert result.codes == ["signature_structure"]


def test_second_signature_is_refused(signed_doc, test_ca):
    def change(root):
        sig = root.find("ds:Signature", NS)
        root.append(etree.fromstring(etree.tostring(sig)))

    result = verify_document(_mutate(signed_doc, change), test_ca.trust_store())
    assert result.codes == ["signature_multiple"]


ID_DOC = (
    '<HoSo xmlns="urn:cbccvc:sample:ho-so:1" Id="hs-1"><HoVaTen>Lê Thị Hòa</HoVaTen>'
    '<Muc Id="muc-1"><GhiChu>Quyết định 12/QĐ</GhiChu></Muc></HoSo>'
).encode()


def test_root_with_id_is_signed_whole_and_checked(rsa_signer, test_ca):
    signed = sign_document(ID_DOC, rsa_signer)
    assert verify_document(signed, test_ca.trust_store()).ok

    def rename_id(root):
        root.set("Id", "hs-2")

    assert not verify_document(_mutate(signed, rename_id), test_ca.trust_store()).ok

    def duplicate_id(root):
        root.find("h:Muc", NS).set("Id", "hs-1")

    result = verify_document(_mutate(signed, duplicate_id), test_ca.trust_store())
    assert not result.ok and "signature_structure" in result.codes


def test_signature_over_a_part_only_is_refused(rsa_cred, test_ca):
    """Signed with a reference to an inner element: the rest could be changed freely."""
    from signxml import SignatureMethod
    from signxml.xades import XAdESSigner

    root = XAdESSigner(signature_algorithm=SignatureMethod.RSA_SHA256).sign(
        etree.fromstring(ID_DOC),
        key=rsa_cred.key,
        cert=[rsa_cred.certificate, test_ca.intermediate_cert],
        reference_uri="#muc-1",
        always_add_key_value=False,
    )
    root.find("h:HoVaTen", NS).text = "Người khác"
    result = verify_document(etree.tostring(root), test_ca.trust_store())
    assert result.codes == ["signature_structure"]
