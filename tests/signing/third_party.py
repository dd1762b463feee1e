"""XAdES-BES signatures made by another implementation (libxmlsec1 through the xmlsec binding)
over our documents, in shapes our signer never writes: inclusive C14N 1.0/1.1 with or without
comments, an XPath filter instead of the enveloped transform, SigningCertificate v1 or v2.
Built at test time from the test CA fixtures, with a fixed signing time."""

from __future__ import annotations

import base64
from datetime import datetime

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C = xmlsec.constants
C14N = {
    "c14n": C.TransformInclC14N,
    "c14n-comments": C.TransformInclC14NWithComments,
    "c14n11": C.TransformInclC14N11,
    "c14n11-comments": C.TransformInclC14N11WithComments,
    "exc-c14n": C.TransformExclC14N,
}
ENVELOPED_XPATH = "not(ancestor-or-self::ds:Signature)"


def sign_third_party(
    xml: bytes,
    key_pem: bytes,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    signing_time: datetime,
    *,
    c14n: str = "c14n",
    envelope: str = "enveloped",  # or "xpath"
    signing_certificate: str = "v2",  # or "v1"
    xpath: str = ENVELOPED_XPATH,
    extra_transform: object = None,
) -> bytes:
    root = etree.fromstring(xml)
    is_ec = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    method = C.TransformEcdsaSha256 if is_ec else C.TransformRsaSha256
    sig = xmlsec.template.create(root, C14N[c14n], method, ns="ds", name="Sig-1")
    root.append(sig)
    ref = xmlsec.template.add_reference(sig, C.TransformSha256, uri="")
    if envelope == "enveloped":
        xmlsec.template.add_transform(ref, C.TransformEnveloped)
    elif envelope == "xpath":
        node = xmlsec.template.add_transform(ref, C.TransformXPath)
        expr = etree.SubElement(node, f"{{{DS}}}XPath", nsmap={"ds": DS})
        expr.text = xpath
    if extra_transform is not None:
        xmlsec.template.add_transform(ref, extra_transform)
    xmlsec.template.add_transform(ref, C14N[c14n])
    props_ref = xmlsec.template.add_reference(sig, C.TransformSha256, uri="#Sig-1-props")
    props_ref.set("Type", "http://uri.etsi.org/01903#SignedProperties")
    xmlsec.template.add_transform(props_ref, C14N[c14n])
    key_info = xmlsec.template.ensure_key_info(sig)
    x509_data = xmlsec.template.add_x509_data(key_info)
    xmlsec.template.x509_data_add_certificate(x509_data)
    obj = etree.SubElement(sig, f"{{{DS}}}Object")
    qp = etree.SubElement(obj, f"{{{XADES}}}QualifyingProperties", nsmap={"xades": XADES})
    qp.set("Target", "#Sig-1")
    sp = etree.SubElement(qp, f"{{{XADES}}}SignedProperties", Id="Sig-1-props")
    ssp = etree.SubElement(sp, f"{{{XADES}}}SignedSignatureProperties")
    etree.SubElement(ssp, f"{{{XADES}}}SigningTime").text = signing_time.isoformat()
    if signing_certificate == "v1":
        sc = etree.SubElement(ssp, f"{{{XADES}}}SigningCertificate")
    else:
        sc = etree.SubElement(ssp, f"{{{XADES}}}SigningCertificateV2")
    cert_node = etree.SubElement(sc, f"{{{XADES}}}Cert")
    digest = etree.SubElement(cert_node, f"{{{XADES}}}CertDigest")
    etree.SubElement(digest, f"{{{DS}}}DigestMethod", Algorithm=C.TransformSha256.href)
    etree.SubElement(digest, f"{{{DS}}}DigestValue").text = base64.b64encode(
        cert.fingerprint(hashes.SHA256())
    ).decode()
    if signing_certificate == "v1":
        issuer_serial = etree.SubElement(cert_node, f"{{{XADES}}}IssuerSerial")
        etree.SubElement(
            issuer_serial, f"{{{DS}}}X509IssuerName"
        ).text = cert.issuer.rfc4514_string()
        etree.SubElement(issuer_serial, f"{{{DS}}}X509SerialNumber").text = str(cert.serial_number)
    xmlsec.tree.add_ids(root, ["Id"])
    ctx = xmlsec.SignatureContext()
    key = xmlsec.Key.from_memory(key_pem, C.KeyDataFormatPem)
    key.load_cert_from_memory(cert.public_bytes(serialization.Encoding.PEM), C.KeyDataFormatPem)
    ctx.key = key
    ctx.sign(sig)
    # the intermediates, as our signer embeds them
    for extra in chain:
        etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = base64.b64encode(
            extra.public_bytes(serialization.Encoding.DER)
        ).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
