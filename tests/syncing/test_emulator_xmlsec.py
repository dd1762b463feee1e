"""The emulator checks our signatures with libxmlsec1 (``syncing.emulator.xmlsec_verify``), not
with our own verifier: documents our signer produces pass it, any tampering is refused."""

from __future__ import annotations

import ast
import base64
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from signing.keys import KeyFileSigner
from signing.sample import sample_profile_document
from signing.testca import TestCA, make_test_ca
from signing.xmlsig import sign_document
from syncing.emulator import services
from syncing.emulator.xmlsec_verify import MESSAGES, Trust, verify

from .conftest import AGENCY

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return make_test_ca([("an", "Nguyễn Văn An")])


@pytest.fixture(scope="module")
def trust(ca) -> Trust:
    return Trust(anchors=[ca.root_cert], crls=[ca.root_crl, ca.crl])


def _signed(cred, doc: bytes | None = None) -> bytes:
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    # A fixed signing time inside the certificate's validity: nothing depends on today.
    at = cred.certificate.not_valid_before_utc + timedelta(hours=2)
    return sign_document(doc or sample_profile_document(), signer, signing_time=at)


@pytest.fixture(scope="module")
def signed(ca) -> dict[str, bytes]:
    return {cred.kind: _signed(cred) for cred in ca.credentials}


def _at(ca):  # the verification time: a day after the signature, inside every validity
    return ca.credentials[0].certificate.not_valid_before_utc + timedelta(days=1)


def _mutate(data: bytes, fn) -> bytes:
    root = etree.fromstring(data)
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_our_signatures_verify_with_xmlsec(signed, trust, ca, kind):
    result = verify(signed[kind], trust, at=_at(ca))
    assert result.ok, result.problems
    assert result.codes == []
    assert result.signer_name == "Nguyễn Văn An (THỬ NGHIỆM)"
    assert result.algorithm == {"rsa": "RSA-SHA256", "ec": "ECDSA-SHA256"}[kind]
    cert = next(c for c in ca.credentials if c.kind == kind).certificate
    assert result.signing_time == cert.not_valid_before_utc + timedelta(hours=2)


def _text(root):
    node = next(n for n in root.iter() if n.text and "Minh Khai" in n.text)
    node.text = node.text.replace("Minh Khai", "Minh Khải")


def _attribute(root):
    root.set("them", "1")


def _signing_time(root):
    root.find(".//xades:SigningTime", NS).text = "2001-01-01T00:00:00+00:00"


def _cert_digest(root):
    node = root.find(".//xades:CertDigest/ds:DigestValue", NS)
    node.text = base64.b64encode(b"\0" * 32).decode()


def _signature_value(root):
    node = root.find(".//ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode(node.text))
    raw[5] ^= 1
    node.text = base64.b64encode(bytes(raw)).decode()


def _digest_value(root):
    node = root.find(".//ds:Reference/ds:DigestValue", NS)
    raw = bytearray(base64.b64decode(node.text))
    raw[0] ^= 1
    node.text = base64.b64encode(bytes(raw)).decode()


def _second_signature(root):
    root.insert(0, etree.fromstring(etree.tostring(root[-1])))


def _moved_signature(root):
    signature = root[-1]
    root[0].append(signature)


def _external_reference(root):
    root.find(".//ds:Reference", NS).set("URI", "http://example.invalid/x.xml")


def _no_enveloped_transform(root):
    transform = root.find(".//ds:Reference/ds:Transforms/ds:Transform", NS)
    transform.getparent().remove(transform)


def _weak_method(root):
    root.find(".//ds:SignatureMethod", NS).set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    )


def _no_certificate(root):
    x509_data = root.find(".//ds:X509Data", NS)
    for child in list(x509_data):
        x509_data.remove(child)


def _duplicate_id(root):
    props = root.find(".//xades:SignedProperties", NS)
    twin = etree.SubElement(root, "Them")
    twin.set("Id", props.get("Id"))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_text, "content_modified"),
        (_attribute, "content_modified"),
        (_digest_value, "content_modified"),
        (_signing_time, "properties_modified"),
        (_cert_digest, "properties_modified"),
        (_signature_value, "signature_invalid"),
        (_second_signature, "signature_multiple"),
        (_moved_signature, "signature_structure"),
        (_external_reference, "signature_structure"),
        (_no_enveloped_transform, "signature_structure"),
        (_weak_method, "algorithm_not_allowed"),
        (_no_certificate, "certificate_missing"),
        (_duplicate_id, "signature_structure"),
    ],
)
@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_tampering_is_refused_with_its_reason(signed, trust, ca, kind, change, code):
    result = verify(_mutate(signed[kind], change), trust, at=_at(ca))
    assert not result.ok
    assert result.codes == [code], result.problems
    assert result.problems[0]["message"].startswith(MESSAGES[code])


def test_another_certificate_than_the_signer_is_refused(signed, trust, ca):
    other = ca.issue("binh", "Trần Thị Bình")

    def swap(root):
        node = root.find(".//ds:X509Certificate", NS)
        node.text = base64.b64encode(other.certificate.public_bytes(_der())).decode()

    result = verify(_mutate(signed["rsa"], swap), trust, at=_at(ca))
    assert not result.ok
    assert result.codes[0] in {"signature_invalid", "properties_modified"}


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def test_trust_revocation_and_dates(signed, trust, ca):
    assert verify(signed["rsa"], Trust(), at=_at(ca)).codes == ["trust_store_empty"]
    stranger = make_test_ca([("la", "Người Lạ")], with_ecdsa=False)
    assert verify(signed["rsa"], Trust([stranger.root_cert]), at=_at(ca)).codes == ["untrusted"]
    no_crl = verify(signed["rsa"], Trust([ca.root_cert]), at=_at(ca))
    assert no_crl.ok and "revocation_unknown" in no_crl.codes
    revoked = verify(_signed(ca.revoked), trust, at=_at(ca))
    assert revoked.codes == ["revoked"]
    cert = ca.credentials[0].certificate
    late = verify(signed["rsa"], trust, at=cert.not_valid_after_utc + timedelta(days=1))
    assert "cert_expired" in late.codes
    early = verify(signed["rsa"], trust, at=cert.not_valid_before_utc + timedelta(minutes=30))
    assert early.codes == ["signing_time_in_future"]


def test_a_kept_chain_is_only_given_again_inside_every_certificate_s_validity(ca):
    """The trust store keeps a chain that verified (issue 19); at a time outside a
    certificate's validity the chain is verified again and refused, as before."""
    from cryptography.x509.verification import VerificationError

    trust = Trust(anchors=[ca.root_cert], crls=[ca.root_crl, ca.crl])
    leaf = ca.credentials[0].certificate
    chain = trust.chain(leaf, [ca.intermediate_cert], _at(ca))
    assert chain[0] == leaf and chain[-1] == ca.root_cert
    assert trust.chain(leaf, [ca.intermediate_cert], _at(ca) + timedelta(hours=1)) == chain
    with pytest.raises(VerificationError):
        trust.chain(leaf, [ca.intermediate_cert], leaf.not_valid_before_utc - timedelta(days=1))
    with pytest.raises(VerificationError):
        trust.chain(leaf, [ca.intermediate_cert], leaf.not_valid_after_utc + timedelta(days=1))
    # the revocation status, kept per certificate and issuer, is that of this store's CRLs
    assert trust.revocation(ca.revoked.certificate, ca.intermediate_cert)[0] == "revoked"
    assert Trust([ca.root_cert]).revocation(ca.revoked.certificate, ca.intermediate_cert) == (
        "unknown",
        None,
    )


def test_garbage_is_refused_without_raising(trust):
    assert verify(b"not xml", trust).codes == ["malformed"]
    assert verify(sample_profile_document(), trust).codes == ["signature_missing"]
    doctype = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert verify(doctype, trust).codes == ["malformed"]


def test_the_emulator_does_not_verify_with_our_signing_engine():
    """The intake's signature check must stay independent of ``signing``."""
    root = Path(services.__file__).parent
    for name in ("services.py", "xmlsec_verify.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in imported if m.startswith("signing")], name
    assert services.verify is verify


@pytest.mark.django_db(databases=["default", "national"])
def test_the_intake_refuses_tampering_through_xmlsec(signed_profiles, national_ca):
    trust = Trust(anchors=[national_ca.root_cert], crls=[national_ca.root_crl, national_ca.crl])
    profile = signed_profiles[0]

    def item(document: bytes) -> dict:
        return {
            "personal_id": profile.personal_id,
            "version_hash": profile.version_hash,
            "unit_code": AGENCY,
            "document": base64.b64encode(document).decode(),
        }

    good = services.check_item(None, 0, item(profile.document), {AGENCY}, trust)
    assert good.ok and good.signer_name == "Lê Văn Duyệt (THỬ NGHIỆM)"
    tampered = profile.document.replace(profile.full_name.encode(), "Nguyễn Văn Sửa".encode(), 1)
    assert tampered != profile.document
    bad = services.check_item(None, 0, item(tampered), {AGENCY}, trust)
    assert not bad.ok and bad.code == "signature_invalid"
    assert [p["code"] for p in bad.problems] == ["content_modified"]
    assert "xmlsec" in bad.problems[0]["technical"]


@pytest.mark.django_db(databases=["default", "national"])
def test_the_trust_store_follows_the_anchors_content_when_a_row_id_comes_back(ca):
    """A rollback or a flush hands the same row id to another CA: the emulator's cached trust
    store must follow the content (it once kept the old CA, and a signed report of the demo
    was refused as untrusted after another test had run in the same process)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from syncing.emulator.models import TrustAnchor

    other = make_test_ca([("binh", "Trần Thị Bình")])
    first = services.add_trust(ca.root_cert.public_bytes(Encoding.PEM), "first CA")
    assert services.trust_store().anchors == [ca.root_cert]
    pem = other.root_cert.public_bytes(Encoding.PEM)
    replaced = services.add_trust(pem, "second CA")
    TrustAnchor.objects.filter(pk=replaced.pk).delete()
    # the same id, another certificate: what a rolled-back test leaves for the next one
    TrustAnchor.objects.filter(pk=first.pk).update(
        pem=pem.decode(), fingerprint=replaced.fingerprint, label="second CA"
    )
    assert services.trust_store().anchors == [other.root_cert]
