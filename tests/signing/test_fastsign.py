"""The template signer (``fastsign``, behind ``sign_document``) against signxml, the reference.

The same documents are signed both ways with the same ids and signing time: the bytes are the
same (RSA PKCS#1 v1.5 is deterministic; ECDSA is not, so there everything but the signature
value), and signxml's own verifier accepts what the template signer writes — for keys in
PKCS#12 files and on a PKCS#11 token. ``test_xmlsec1_cli.py`` has ``xmlsec1`` verify it too
(it signs through ``sign_document``).
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from lxml import etree
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

from signing import fastsign, xmlsig
from signing.errors import SigningError
from signing.keys import KeyFileSigner, Signer, TokenSigner
from signing.xmlsig import sign_document, sign_document_with_signxml, verify_document

from .conftest import SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}

DOCUMENTS = {
    "default_namespace": '<HoSo xmlns="urn:x" a="1"><Muc>Lê Thị Hòa</Muc>\n</HoSo>'.encode(),
    "prefixed_root_declaring_ds": (
        f'<h:HoSo xmlns:h="urn:h" xmlns:ds="{DS}"><ds:Ghi>1</ds:Ghi>t<h:Muc/></h:HoSo>'
    ).encode(),
    "empty_root": b"<HoSo/>",
    "root_with_id": b'<HoSo xmlns="urn:x" Id="hs-1"><Muc Id="m-1">1</Muc></HoSo>',
    "comment_and_pi": b"<HoSo><!-- ghi chu --><?pi x?><Muc>&lt;&amp;&gt;</Muc></HoSo>",
    "top_level_comments": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b"<!-- dau --><?pi a?><HoSo>x</HoSo><!-- cuoi -->"
    ),
    "root_ID_and_another_xades_prefix": (
        b'<HoSo xmlns:xades="urn:khac" ID="q&quot;1"><xades:a/></HoSo>'
    ),
    "latin1": '<?xml version="1.0" encoding="ISO-8859-1"?><HoSo>\xe9</HoSo>'.encode("latin-1"),
    "prefixed_root": b'<h:HoSo xmlns:h="urn:h" b="2" a="1"><h:Muc>1</h:Muc>x</h:HoSo>',
    "ds_declared_below_the_root": (
        f'<HoSo xmlns="urn:x"><ds:Ghi xmlns:ds="{DS}">1</ds:Ghi><Muc>&amp;</Muc></HoSo>'
    ).encode(),
}


def _fixed_tokens(monkeypatch) -> None:
    """The same ids for both signers: 00000000, 00000001, … in the order signxml asks."""
    signxml_tokens = itertools.count()
    monkeypatch.setattr(
        XAdESSigner, "_get_token", lambda self, length=4: f"{next(signxml_tokens):08X}"
    )
    fast_tokens = itertools.count()
    monkeypatch.setattr(fastsign, "_token", lambda: f"{next(fast_tokens):08X}")


def _both(doc: bytes, signer, monkeypatch) -> tuple[bytes, bytes]:
    """(template signer, signxml) signatures of ``doc`` with the same ids and a signing time
    inside the certificate's validity, whatever today's date is."""
    at = signer.certificate.not_valid_before_utc + timedelta(hours=3)
    _fixed_tokens(monkeypatch)
    fast = sign_document(doc, signer, signing_time=at)
    reference = sign_document_with_signxml(doc, signer, signing_time=at)
    return fast, reference


def _accepted_by_signxml(signed: bytes) -> bytes | None:
    """The signed bytes according to signxml's XAdES verifier alone (None: refused)."""
    root = etree.fromstring(signed)
    certs = [
        xmlsig._certificate_from_base64(n.text)
        for n in root.findall("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    ]
    leaf = xmlsig._pick_leaf(certs)
    config = xmlsig.XAdESSignatureConfiguration(
        location="./",
        signature_methods=frozenset(xmlsig.ALGORITHM_LABELS),
        digest_algorithms=frozenset({xmlsig.DigestAlgorithm.SHA256}),
        verification_time=leaf.not_valid_before_utc,
        expect_references=True,
    )
    result = xmlsig.VerificationResult()
    if not xmlsig._verify_with_signxml(signed, root, leaf, config, result, []):
        return None
    return result.signed_content


def _without_signature_value(signed: bytes) -> bytes:
    return re.sub(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>", b"", signed)


def _c14n_unsigned(doc: bytes) -> bytes:
    return etree.tostring(etree.fromstring(doc), method="c14n", exclusive=True, with_comments=False)


@pytest.mark.parametrize("name", [*DOCUMENTS, "sample_profile"])
def test_rsa_same_bytes_as_signxml_and_signxml_accepts_them(
    name, rsa_signer, sample_doc, test_ca, monkeypatch
):
    doc = sample_doc if name == "sample_profile" else DOCUMENTS[name]
    fast, reference = _both(doc, rsa_signer, monkeypatch)
    assert fast == reference
    assert _accepted_by_signxml(fast) == _c14n_unsigned(doc)
    result = verify_document(fast, test_ca.trust_store())
    assert result.ok, result.codes


@pytest.mark.parametrize("name", ["default_namespace", "root_with_id"])
def test_ecdsa_same_bytes_but_the_signature_value(name, ec_cred, test_ca, monkeypatch):
    with KeyFileSigner.from_pkcs12(ec_cred.pkcs12, ec_cred.pin) as signer:
        fast, reference = _both(DOCUMENTS[name], signer, monkeypatch)
    assert fast != reference  # ECDSA signatures are randomised
    assert _without_signature_value(fast) == _without_signature_value(reference)
    value = etree.fromstring(fast).findtext("ds:Signature/ds:SignatureValue", namespaces=NS)
    assert len(value.strip()) == 88  # r || s, 2 × 32 bytes in base64, not DER
    assert _accepted_by_signxml(fast) == _c14n_unsigned(DOCUMENTS[name])
    assert verify_document(fast, test_ca.trust_store()).ok


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_token_signature_is_accepted_by_signxml(kind, token, test_ca, sample_doc, monkeypatch):
    with TokenSigner(
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_id={"rsa": "01", "ec": "02"}[kind],
        module=SOFTHSM_MODULE,
        chain=[test_ca.intermediate_cert],
    ) as signer:
        fast, reference = _both(sample_doc, signer, monkeypatch)
    if kind == "rsa":
        assert fast == reference
    else:
        assert _without_signature_value(fast) == _without_signature_value(reference)
    assert _accepted_by_signxml(fast) == _c14n_unsigned(sample_doc)
    assert verify_document(fast, test_ca.trust_store()).ok


def test_each_document_gets_its_own_ids_and_the_template_stays_blank(rsa_signer, test_ca):
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(days=2)
    first = sign_document(DOCUMENTS["default_namespace"], rsa_signer, signing_time=at)
    second = sign_document(
        DOCUMENTS["default_namespace"], rsa_signer, signing_time=at + timedelta(minutes=1)
    )

    def ids(signed: bytes) -> set[str]:
        return set(re.findall(rb'Id="([^"]+)"', signed))

    assert len(ids(first)) == 4 and ids(first).isdisjoint(ids(second))
    for signed, when in ((first, at), (second, at + timedelta(minutes=1))):
        result = verify_document(signed, test_ca.trust_store(), at=at + timedelta(days=1))
        assert result.ok, result.codes
        assert result.signing_time == when
    template = fastsign._template((rsa_signer.certificate, *rsa_signer.chain))
    assert template.signature.getparent() is None
    assert template.signature.findtext(".//xades:SigningTime", namespaces=NS) == ""


def test_signature_method_follows_the_key(rsa_signer, ec_cred):
    with KeyFileSigner.from_pkcs12(ec_cred.pkcs12, ec_cred.pin) as ec_signer:
        for signer, method in (
            (rsa_signer, SignatureMethod.RSA_SHA256),
            (ec_signer, SignatureMethod.ECDSA_SHA256),
        ):
            signed = sign_document(
                b"<a/>",
                signer,
                signing_time=signer.certificate.not_valid_before_utc + timedelta(hours=1),
            )
            node = etree.fromstring(signed).find(
                "ds:Signature/ds:SignedInfo/ds:SignatureMethod", NS
            )
            assert node.get("Algorithm") == method.value


def _built_tree() -> etree._Element:
    """A document built in Python, not parsed: a default namespace, another one declared on a
    child only, an attribute in a namespace, text that serialising escapes, a root Id."""
    root = etree.Element("{urn:hs}HoSo", nsmap={None: "urn:hs"}, Id="hs-7")
    group = etree.SubElement(root, "{urn:hs}Nhom1", nsmap={"t": "urn:them"})
    etree.SubElement(group, "{urn:hs}HoTen").text = 'Lê Thị Hòa <&> "x"\r\n'
    etree.SubElement(group, "{urn:them}Ghi", {"{urn:them}loai": "a b"}).text = "1"
    etree.SubElement(root, "{urn:hs}Trong")
    return root


@pytest.mark.parametrize("document", ["built", "sample_profile"])
def test_a_built_tree_is_signed_as_its_bytes_would_be(
    document, rsa_signer, sample_doc, test_ca, monkeypatch
):
    """``sign_built_tree`` (what ``sign_version`` uses: no serialising and parsing again)
    writes exactly what ``sign_document`` writes for the tree's bytes, and both verifiers
    accept it."""
    tree = _built_tree() if document == "built" else etree.fromstring(sample_doc)
    doc = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    _fixed_tokens(monkeypatch)
    from_tree = xmlsig.sign_built_tree(tree, rsa_signer, signing_time=at)
    _fixed_tokens(monkeypatch)
    from_bytes = sign_document(doc, rsa_signer, signing_time=at)
    assert from_tree == from_bytes
    assert _accepted_by_signxml(from_tree) == _c14n_unsigned(doc)
    result = verify_document(from_tree, test_ca.trust_store(), at=at + timedelta(days=1))
    assert result.ok, result.codes
    assert result.signed_content == _c14n_unsigned(doc)


def test_a_built_tree_is_refused_unless_it_is_an_unsigned_root(rsa_signer):
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    root = _built_tree()
    with pytest.raises(xmlsig.SigningError, match="phần tử gốc"):
        xmlsig.sign_built_tree(root[0], rsa_signer, signing_time=at)
    signed = etree.fromstring(xmlsig.sign_built_tree(root, rsa_signer, signing_time=at))
    with pytest.raises(xmlsig.SigningError, match="đã có chữ ký số"):
        xmlsig.sign_built_tree(signed, rsa_signer, signing_time=at)


@pytest.mark.parametrize("name", [*DOCUMENTS, "sample_profile"])
def test_the_signature_written_into_the_bytes_is_the_one_built_as_elements(
    name, rsa_signer, sample_doc, monkeypatch
):
    """The template signer writes the signature into the document's bytes when the root
    allows it (no id, no siblings, no ds/xades declarations: the profile documents) and
    builds it as elements otherwise: the same bytes either way."""
    doc = sample_doc if name == "sample_profile" else DOCUMENTS[name]
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    takes_bytes = fastsign._end_tag(etree.fromstring(doc)) is not None
    if name in ("sample_profile", "default_namespace", "prefixed_root", "comment_and_pi"):
        assert takes_bytes
    _fixed_tokens(monkeypatch)
    written = sign_document(doc, rsa_signer, signing_time=at)
    monkeypatch.setattr(fastsign, "_end_tag", lambda root: None)
    _fixed_tokens(monkeypatch)
    built = sign_document(doc, rsa_signer, signing_time=at)
    assert written == built


# -- the signer checks the value it makes -------------------------------------------------------


class _OtherKey(Signer):
    """A signer whose key is not its certificate's: a token holding several keys."""

    def __init__(self, certificate, chain, key) -> None:
        self.certificate, self.chain, self._key = certificate, chain, key

    @property
    def signing_key(self):
        return self._key


def test_the_signer_refuses_a_signature_its_certificate_does_not_verify(
    test_ca, rsa_signer, sample_doc
):
    other = KeyFileSigner.from_pkcs12(
        *next(
            (c.pkcs12, c.pin)
            for c in test_ca.credentials
            if c.username == "binh" and c.kind == "rsa"
        )
    )
    wrong = _OtherKey(rsa_signer.certificate, rsa_signer.chain, other.signing_key)
    with pytest.raises(SigningError, match="không phải khóa của chứng thư"):
        sign_document(sample_doc, wrong)
    assert sign_document(sample_doc, rsa_signer)  # the right key signs as before


def test_a_key_swapped_after_its_check_is_verified_again(test_ca, rsa_cred, sample_doc):
    # an in-memory RSA key is checked against the certificate once per signer (OpenSSL
    # checks every RSA-CRT result itself); a key that is not that very key is verified at
    # every signature, as before
    signer = KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, rsa_cred.pin)
    at = signer.certificate.not_valid_before_utc + timedelta(hours=3)
    signed = sign_document(sample_doc, signer, signing_time=at)
    assert verify_document(signed, test_ca.trust_store(), at=at + timedelta(days=1)).ok
    other = next(c for c in test_ca.credentials if c.username == "binh" and c.kind == "rsa")
    signer._key = KeyFileSigner.from_pkcs12(other.pkcs12, other.pin).signing_key
    with pytest.raises(SigningError, match="không phải khóa của chứng thư"):
        sign_document(sample_doc, signer, signing_time=at)


class _FaultyKey:
    """A key computed outside OpenSSL (as on a token) that returns a wrong value."""

    def __init__(self, key) -> None:
        self._key = key

    def public_key(self):
        return self._key.public_key()

    @property
    def key_size(self) -> int:
        return self._key.key_size

    def sign(self, data, pad, algorithm) -> bytes:
        value = bytearray(self._key.sign(data, pad, algorithm))
        value[-1] ^= 1
        return bytes(value)


def test_a_faulty_value_from_a_key_outside_openssl_is_refused(rsa_signer, sample_doc):
    faulty = _OtherKey(rsa_signer.certificate, rsa_signer.chain, _FaultyKey(rsa_signer.signing_key))
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    with pytest.raises(SigningError, match="không phải khóa của chứng thư"):
        sign_document(sample_doc, faulty, signing_time=at)


# -- a document written in canonical form (profiles.document_text) ------------------------------


def test_a_document_written_in_canonical_form_is_signed_as_those_bytes(
    rsa_signer, sample_doc, test_ca, monkeypatch
):
    """``sign_built_tree(..., canonical=)`` writes the document as its canonical bytes and
    digests them as they are: the signature is the one ``sign_document`` makes of the same
    document (same digest, same value), signxml and our verifier accept it, and verifying
    finds those very bytes as the signed content."""
    c14n = _c14n_unsigned(sample_doc)
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    _fixed_tokens(monkeypatch)
    written = xmlsig.sign_built_tree(
        etree.fromstring(c14n), rsa_signer, signing_time=at, canonical=c14n
    )
    _fixed_tokens(monkeypatch)
    serialised = sign_document(sample_doc, rsa_signer, signing_time=at)
    start = written.index(b"<ds:Signature ")
    assert written[:start] == fastsign._DECLARATION + c14n[: -len(b"</HoSo>")]
    assert written[start:] == serialised[serialised.index(b"<ds:Signature ") :]
    assert _accepted_by_signxml(written) == c14n
    result = verify_document(written, test_ca.trust_store(), at=at + timedelta(days=1))
    assert result.ok, result.codes
    assert result.signed_content == c14n

    # the verifier digests such a document as it is written: no C14N needed
    def no_c14n(node):
        raise AssertionError("canonicalised a document written in canonical form")

    monkeypatch.setattr(fastsign, "_c14n", no_c14n)
    own = fastsign.verify_own_bytes(written, xmlsig._certificate_from_base64, xmlsig._parse)
    assert own is not None and own.signed_data == c14n
    monkeypatch.undo()

    # a signed document, given with its canonical bytes, is still refused
    again = etree.tostring(etree.fromstring(written), method="c14n", exclusive=True)
    with pytest.raises(xmlsig.SigningError, match="đã có chữ ký số"):
        xmlsig.sign_built_tree(
            etree.fromstring(again), rsa_signer, signing_time=at, canonical=again
        )


def test_the_verifier_canonicalises_what_is_not_written_in_canonical_form(
    rsa_signer, sample_doc, test_ca
):
    """The digest over the bytes as written is a shortcut for a canonical document only:
    the same signed document written otherwise (empty elements closed short, attributes in
    another order) still verifies through C14N, and a changed text is refused either way."""
    c14n = _c14n_unsigned(sample_doc)
    at = rsa_signer.certificate.not_valid_before_utc + timedelta(hours=3)
    written = xmlsig.sign_built_tree(
        etree.fromstring(c14n), rsa_signer, signing_time=at, canonical=c14n
    )
    store, later = test_ca.trust_store(), at + timedelta(days=1)
    root = etree.fromstring(written)
    attributes = dict(root.attrib)
    root.attrib.clear()
    for name in reversed(list(attributes)):
        root.set(name, attributes[name])
    rewritten = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert rewritten != written
    assert rewritten[: rewritten.index(b"<ds:Signature ")] != written[: written.index(b"<ds:")]
    result = verify_document(rewritten, store, at=later)
    assert result.ok, result.codes
    assert result.signed_content == c14n
    assert fastsign.verify_own_bytes(rewritten, xmlsig._certificate_from_base64, xmlsig._parse)
    for signed in (written, rewritten):
        changed = signed.replace(b"Minh Khai", "Minh Khải".encode(), 1)
        assert changed != signed
        assert not verify_document(changed, store, at=later).ok
