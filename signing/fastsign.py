"""The template signer: our XAdES-BES signature shape, with the minimum of work per document.

``xmlsig.sign_document`` writes exactly the signature signxml's ``XAdESSigner`` writes with our
settings (see the README, "Signature format"), byte for byte when the ids are the same, but does
not run signxml per document: signxml builds ~40 elements in Python, validates the signature
against the XML-DSig/XAdES schemas, copies the document and canonicalises four times.

Here the whole ``ds:Signature`` element is built **once per certificate chain and algorithm**
(:func:`_template`: the certificates' text, their SHA-256 digests, every algorithm URI, the
``DataObjectFormat``) and, per document:

* four ids, the signing time, three digests and the signature value are written into the
  template's bytes (:class:`_Bytes`: the serialised signature and the canonical forms of its
  ``SignedProperties`` and ``SignedInfo``, prepared once with ``@@field@@`` marks; the values
  are hex, an ISO time and base64, which neither serialisation escapes), and the signature's
  bytes into the document's own just before the root's end tag — where a root does not allow
  that (an id, sibling comments, ``ds``/``xades`` declared on it: see ``_end_tag``), the
  template's elements are deep-copied, filled, canonicalised and appended instead, for the
  same bytes;
* the document is canonicalised once (exclusive C14N, before the signature is added, which is
  what the enveloped-signature transform removes); the ``KeyInfo`` digest comes from its
  canonical form computed with the template, split around its ``Id`` (exclusive C14N of a
  subtree does not depend on where it sits, and the id is hex, which C14N writes as is);
* ``SignedInfo`` is signed through the signer's ``signing_key`` (a ``cryptography`` key, or
  the PKCS#11 adapter of :class:`~.keys.TokenSigner`): RSA PKCS#1 v1.5 SHA-256 or ECDSA
  SHA-256, the ECDSA value written as ``r || s`` as XML-DSig requires.

The tests sign the same documents with signxml (``xmlsig.sign_document_with_signxml``) and
compare the bytes, and have the output verified by signxml's verifier and ``xmlsec1``.
"""

from __future__ import annotations

import binascii
import copy
import hashlib
import re
import secrets
import weakref
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.algorithms import SignatureConstructionMethod
from signxml.util import ds_tag, namespaces, strip_pem_header, xades_tag

from .errors import SigningError
from .keys import Signer, check_certificate_usable, key_algorithm

C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
SHA256 = DigestAlgorithm.SHA256.value
ENVELOPED = SignatureConstructionMethod.enveloped.value
SIGNATURE_METHODS = {"rsa": SignatureMethod.RSA_SHA256, "ec": SignatureMethod.ECDSA_SHA256}
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
DATA_OBJECT_DESCRIPTION = "Tài liệu XML được ký số"
DATA_OBJECT_MIME_TYPE = "text/xml"

# signxml's namespace map, in its order (the order of the xmlns declarations written).
_NSMAP = {"ds": namespaces.ds, "xades": namespaces.xades}
# Placeholder of the KeyInfo id in the template's canonical KeyInfo.
_KEY_INFO_ID = "SignXMLCertificate@ID@"


def _token() -> str:
    """A random id part, as signxml makes them (8 hex digits, upper case)."""
    return secrets.token_hex(4).upper()


def _tokens(count: int) -> list[str]:
    """``count`` distinct tokens (signxml never repeats one within a signature)."""
    tokens: list[str] = []
    while len(tokens) < count:
        token = _token()
        if token not in tokens:
            tokens.append(token)
    return tokens


def _c14n(node: etree._Element) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False)


def _b64_sha256(data: bytes) -> str:
    return b64encode(hashlib.sha256(data).digest()).decode()


def _certificate_digest(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


# A byte template: the literal start, then (field name, literal) pairs (see _split, _fill).
_Parts = tuple[bytes, tuple[tuple[str, bytes], ...]]
_FIELD = re.compile(rb"@@([a-z_]+)@@")


def _split(data: bytes, expected: set[str]) -> _Parts:
    pieces = _FIELD.split(data)
    names = [name.decode() for name in pieces[1::2]]
    assert set(names) == expected, (names, expected)
    return pieces[0], tuple(zip(names, pieces[2::2], strict=True))


def _fill(parts: _Parts, values: dict[str, bytes]) -> bytes:
    out = [parts[0]]
    for name, literal in parts[1]:
        out.append(values[name])
        out.append(literal)
    return b"".join(out)


@dataclass(frozen=True)
class _Bytes:
    """The template's serialised signature and the canonical forms of its SignedProperties
    and SignedInfo, with ``@@field@@`` where the per-document values go (ids, time, digests,
    signature value: hex, ISO time and base64, which neither serialisation escapes)."""

    signature: _Parts  # ds:Signature as serialised inside the document (UTF-8)
    signed_properties: _Parts  # exclusive C14N of xades:SignedProperties
    signed_info: _Parts  # exclusive C14N of ds:SignedInfo


@dataclass(frozen=True)
class _Template:
    signature: etree._Element  # ds:Signature with placeholder ids, time, digests and value
    key_info_c14n: tuple[bytes, bytes]  # canonical KeyInfo before / after its Id value
    algorithm: str  # "rsa" | "ec"
    key_size: int
    parts: _Bytes
    pattern: re.Pattern[bytes]  # the signature's bytes and the root's end tag (see _pattern)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag, nsmap=_NSMAP)
    for name, value in attrs.items():
        node.set(name, value)
    if text is not None:
        node.text = text
    return node


def _reference(signed_info: etree._Element, uri: str, transforms: list[str], **attrs: str) -> None:
    reference = _sub(signed_info, ds_tag("Reference"), URI=uri, **attrs)
    transforms_node = _sub(reference, ds_tag("Transforms"))
    for algorithm in transforms:
        _sub(transforms_node, ds_tag("Transform"), Algorithm=algorithm)
    _sub(reference, ds_tag("DigestMethod"), Algorithm=SHA256)
    _sub(reference, ds_tag("DigestValue"), "")


@lru_cache(maxsize=256)
def _template(certificates: tuple[x509.Certificate, ...]) -> _Template:
    """The signature element for this chain (signer first), in signxml 5.2's layout: element
    order, attribute order and namespace declarations as ``XAdESSigner.sign`` writes them (with
    ``xmlsig._Signer``'s explicit C14N transform on the SignedProperties and KeyInfo
    references)."""
    public_key = certificates[0].public_key()
    algorithm = key_algorithm(public_key)
    signature = etree.Element(ds_tag("Signature"), nsmap=_NSMAP)
    signed_info = _sub(signature, ds_tag("SignedInfo"))
    _sub(signed_info, ds_tag("CanonicalizationMethod"), Algorithm=C14N)
    _sub(signed_info, ds_tag("SignatureMethod"), Algorithm=SIGNATURE_METHODS[algorithm].value)
    # The Id attributes are set after URI, as signxml does (attribute order is written order).
    _reference(signed_info, "", [ENVELOPED, C14N])
    _sub(signature, ds_tag("SignatureValue"), "")
    key_info = _sub(signature, ds_tag("KeyInfo"))
    x509_data = _sub(key_info, ds_tag("X509Data"))
    for cert in certificates:
        text = strip_pem_header(cert.public_bytes(Encoding.PEM))
        _sub(x509_data, ds_tag("X509Certificate"), text)
    ds_object = _sub(signature, ds_tag("Object"))
    signature.set("Id", "SignXMLSignature")
    key_info.set("Id", _KEY_INFO_ID)
    qualifying = _sub(ds_object, xades_tag("QualifyingProperties"), Target="#")
    signed_properties = _sub(qualifying, xades_tag("SignedProperties"), Id="")
    ssp = _sub(signed_properties, xades_tag("SignedSignatureProperties"))
    _sub(ssp, xades_tag("SigningTime"), "")
    signing_certificate = _sub(ssp, xades_tag("SigningCertificateV2"))
    for cert in certificates:
        cert_digest = _sub(_sub(signing_certificate, xades_tag("Cert")), xades_tag("CertDigest"))
        _sub(cert_digest, ds_tag("DigestMethod"), Algorithm=SHA256)
        _sub(cert_digest, ds_tag("DigestValue"), b64encode(_certificate_digest(cert)).decode())
    sdop = _sub(signed_properties, xades_tag("SignedDataObjectProperties"))
    signed_info[2].set("Id", "SignXMLReference")
    data_object_format = _sub(sdop, xades_tag("DataObjectFormat"), ObjectReference="#")
    _sub(data_object_format, xades_tag("Description"), DATA_OBJECT_DESCRIPTION)
    _sub(data_object_format, xades_tag("MimeType"), DATA_OBJECT_MIME_TYPE)
    _reference(signed_info, "#", [C14N], Type=SIGNED_PROPERTIES_TYPE)
    _reference(signed_info, "#", [C14N])
    before, found, after = _c14n(key_info).partition(_KEY_INFO_ID.encode())
    assert found and _KEY_INFO_ID.encode() not in after
    parts = _byte_template(signature)
    return _Template(
        signature, (before, after), algorithm, public_key.key_size, parts, _pattern(parts)
    )


def _fields(signature: etree._Element) -> tuple[etree._Element, ...]:
    """The nodes :func:`sign_tree` fills: signature, SignedInfo, SignatureValue, KeyInfo,
    the three references, QualifyingProperties, SignedProperties."""
    signed_info, signature_value, key_info, ds_object = signature
    return (
        signature,
        signed_info,
        signature_value,
        key_info,
        signed_info[2],
        signed_info[3],
        signed_info[4],
        ds_object[0],
        ds_object[0][0],
    )


def _set_ids(signature: etree._Element, ids: dict[str, str], at: str) -> None:
    """Fill the template's ids and signing time (``ids``: signature, key_info, properties,
    reference), as signxml writes them."""
    sig, _info, _value, key_info, ref_document, ref_properties, ref_key_info, qualifying, props = (
        _fields(signature)
    )
    sig.set("Id", ids["signature"])
    key_info.set("Id", ids["key_info"])
    ref_document.set("Id", ids["reference"])
    qualifying.set("Target", f"#{ids['signature']}")
    props.set("Id", ids["properties"])
    props[0][0].text = at
    props[1][0].set("ObjectReference", f"#{ids['reference']}")
    ref_properties.set("URI", f"#{ids['properties']}")
    ref_key_info.set("URI", f"#{ids['key_info']}")


def _byte_template(template: etree._Element) -> _Bytes:
    signature = copy.deepcopy(template)
    assert b"@@" not in etree.tostring(signature, encoding="UTF-8")
    names = ("signature", "key_info", "properties", "reference")
    _set_ids(signature, {n: f"@@{n}@@" for n in names}, "@@time@@")
    (
        _sig,
        signed_info,
        signature_value,
        _ki,
        ref_document,
        ref_properties,
        ref_key_info,
        _q,
        props,
    ) = _fields(signature)
    ref_document[2].text = "@@document_digest@@"
    ref_properties[2].text = "@@properties_digest@@"
    ref_key_info[2].text = "@@key_info_digest@@"
    signature_value.text = "@@value@@"
    digests = {"document_digest", "properties_digest", "key_info_digest"}
    return _Bytes(
        _split(etree.tostring(signature, encoding="UTF-8"), {*names, *digests, "time", "value"}),
        _split(_c14n(props), {"properties", "time", "reference"}),
        _split(_c14n(signed_info), {"properties", "key_info", "reference", *digests}),
    )


def _signature_value(signer: Signer, template: _Template, signed_info: bytes) -> bytes:
    """The signature value of ``signed_info``, verified with the certificate's public key
    before it is used (tens of microseconds): a key that is not the certificate's (a token
    holding several keys, a wrong PKCS#12) or a faulty computation is refused here, when
    signing, so everything this signer returns has a signature value that verifies.

    Not verified again: an RSA key held in memory that was checked once against this
    certificate (:func:`_checked_key`). OpenSSL checks each of its RSA-CRT results with the
    public exponent itself and computes again without CRT when one is wrong
    (``rsa_ossl_mod_exp`` in ``crypto/rsa/rsa_ossl.c``), so a faulty computation never
    leaves it; a token does its own arithmetic, and is verified every time."""
    key = signer.signing_key
    if template.algorithm == "rsa" and key is _facts(signer).checked_key:
        return key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    public_key = signer.certificate.public_key()
    try:
        if template.algorithm == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
            value = key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
            public_key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA256())
            return value
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            der = key.sign(signed_info, ec.ECDSA(hashes.SHA256()))
            public_key.verify(der, signed_info, ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            size = (template.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    except InvalidSignature as exc:
        raise SigningError(
            "Chữ ký vừa tạo không kiểm tra được bằng khóa công khai của chứng thư số: khóa ký "
            "không phải khóa của chứng thư này. Không lưu chữ ký."
        ) from exc
    raise SigningError("Khóa của chứng thư số không phải RSA hay ECDSA.")


@dataclass(frozen=True, eq=False)
class _SignerFacts:
    """What signing needs to know of a signer's certificates, read once per signer (a batch
    signs thousands of documents with one): reading a date or an extension of a certificate,
    or hashing it as a cache key, costs microseconds each time."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    not_before: datetime
    not_after: datetime
    signs: bool  # no KeyUsage, or one allowing digital signatures or non-repudiation
    template: _Template | None  # None: the key is refused (see keys.key_algorithm)
    checked_key: Any  # see _checked_key


_signer_facts: weakref.WeakKeyDictionary[Signer, _SignerFacts] = weakref.WeakKeyDictionary()


def _facts(signer: Signer) -> _SignerFacts:
    facts = _signer_facts.get(signer)
    chain = tuple(signer.chain)
    # the same certificate objects as when the facts were read (a tuple compares its items by
    # identity first: no certificate comparison when they are the same objects)
    if facts is not None and facts.certificate is signer.certificate and facts.chain == chain:
        return facts
    certificate = signer.certificate
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        signs = usage.digital_signature or usage.content_commitment
    except x509.ExtensionNotFound:
        signs = True
    try:
        template: _Template | None = _template((certificate, *chain))
    except SigningError:
        template = None
    facts = _SignerFacts(
        certificate,
        chain,
        certificate.not_valid_before_utc,
        certificate.not_valid_after_utc,
        signs,
        template,
        _checked_key(signer, certificate),
    )
    _signer_facts[signer] = facts
    return facts


def _checked_key(signer: Signer, certificate: x509.Certificate) -> Any:
    """The signer's private key when it is an RSA key held in memory (``cryptography``'s,
    computed by OpenSSL) whose public half is ``certificate``'s; else None."""
    try:
        key = signer.signing_key
    except Exception:  # a closed signer (or token): refused when it signs
        return None
    public_key = certificate.public_key()
    if not (isinstance(key, rsa.RSAPrivateKey) and isinstance(public_key, rsa.RSAPublicKey)):
        return None
    return key if key.public_key().public_numbers() == public_key.public_numbers() else None


def check_signer(signer: Signer, at: datetime) -> None:
    """Refuse, as ``keys.check_certificate_usable`` and ``keys.key_algorithm`` do (the same
    errors, in the same order), a signer whose certificate is not valid at ``at``, is not meant
    for signing or holds a key we do not sign with; from facts read once per signer."""
    facts = _facts(signer)
    if not (facts.signs and facts.not_before <= at <= facts.not_after):
        check_certificate_usable(signer.certificate, at)  # raises, naming the reason
    if facts.template is None:
        key_algorithm(signer.certificate.public_key())  # raises, naming the key
        raise SigningError("Khóa của chứng thư số không phải RSA hay ECDSA.")


def signer_template(signer: Signer) -> _Template:
    """The signature template of ``signer``'s certificates (see :func:`_template`)."""
    template = _facts(signer).template
    if template is None:
        key_algorithm(signer.certificate.public_key())  # raises, naming the key
        raise SigningError("Khóa của chứng thư số không phải RSA hay ECDSA.")
    return template


def clear_caches() -> None:
    """Forget every template, with the signer facts and embedded certificates holding one (a
    test that changes how templates are made)."""
    _template.cache_clear()
    _signer_facts.clear()
    _embedded.clear()


def _ids() -> dict[str, str]:
    t_signature, t_key_info, t_properties, t_reference = _tokens(4)
    signature_id = f"SignXMLSignature{t_signature}"
    return {
        "signature": signature_id,
        "key_info": f"SignXMLCertificate{t_key_info}",
        "properties": f"{signature_id}-SignedProperties{t_properties}",
        "reference": f"SignXMLReference{t_reference}",
    }


def _end_tag(root: etree._Element) -> bytes | None:
    """The end tag the serialised ``root`` ends with, when the signature can be written into
    those bytes just before it exactly as lxml would write it appended to ``root``: the root
    has no id (its reference is then ``URI=""``), no sibling comments or processing
    instructions, no tail, and declares neither the ``ds``/``xades`` prefixes nor their
    namespaces (lxml would drop the signature's own declarations as redundant). Else None:
    the signature is built as elements."""
    if root.get("Id") is not None or root.get("ID") is not None or root.tail is not None:
        return None
    if root.getprevious() is not None or root.getnext() is not None:
        return None
    nsmap = root.nsmap
    if any(p in nsmap for p in _NSMAP) or any(u in _NSMAP.values() for u in nsmap.values()):
        return None
    local = etree.QName(root).localname
    return f"</{root.prefix}:{local}>".encode() if root.prefix else f"</{local}>".encode()


# What lxml writes before a document's root with xml_declaration=True and UTF-8.
_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def sign_tree(
    root: etree._Element, signer: Signer, at: datetime, canonical: bytes | None = None
) -> bytes:
    """Our XAdES-BES signature of ``root`` (the root of a parsed, unsigned document), returned
    as the signed document's bytes: the document's own bytes with the signature written in
    from the template's bytes (``root`` is left as it is), or — for a root that does not
    allow that (see ``_end_tag``) — built from the template's elements and appended to
    ``root``. The same bytes either way. The caller checks the document and the certificate
    (``xmlsig.sign_document``).

    ``canonical``: the exclusive C14N of ``root``, when the caller wrote the document in that
    form and parsed it (``profiles.document_text``): the document is then written as those
    bytes (after the XML declaration) and they are what is digested, with no serialising of
    the tree. A verifier finds the same canonical bytes (C14N of a canonical document gives
    it back); :func:`verify_own_bytes` then digests them without C14N."""
    template = signer_template(signer)
    end = _end_tag(root)
    if end is not None:
        if canonical is not None and canonical.endswith(end):
            return _sign_bytes(_DECLARATION + canonical, canonical, end, template, signer, at)
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        if document.endswith(end):
            return _sign_bytes(document, _c14n(root), end, template, signer, at)
    return _sign_elements(root, template, signer, at)


def _sign_bytes(
    document: bytes,
    canonical: bytes,
    end: bytes,
    template: _Template,
    signer: Signer,
    at: datetime,
) -> bytes:
    parts = template.parts
    values = {name: value.encode() for name, value in _ids().items()}
    values["time"] = at.astimezone(UTC).isoformat(timespec="seconds").encode()
    values["document_digest"] = _b64_sha256(canonical).encode()
    values["properties_digest"] = _b64_sha256(_fill(parts.signed_properties, values)).encode()
    before, after = template.key_info_c14n
    values["key_info_digest"] = _b64_sha256(before + values["key_info"] + after).encode()
    signed_info = _fill(parts.signed_info, values)
    values["value"] = b64encode(_signature_value(signer, template, signed_info))
    return b"".join((document[: -len(end)], _fill(parts.signature, values), end))


def _sign_elements(
    root: etree._Element, template: _Template, signer: Signer, at: datetime
) -> bytes:
    document_digest = _b64_sha256(_c14n(root))
    signature = copy.deepcopy(template.signature)
    (
        _sig,
        signed_info,
        signature_value,
        _ki,
        ref_document,
        ref_properties,
        ref_key_info,
        _q,
        props,
    ) = _fields(signature)
    ids = _ids()
    _set_ids(signature, ids, at.astimezone(UTC).isoformat(timespec="seconds"))
    root_id = root.get("Id", root.get("ID"))
    if root_id is not None:  # signxml then refers to the root by its id
        ref_document.set("URI", f"#{root_id}")
    ref_document[2].text = document_digest
    ref_properties[2].text = _b64_sha256(_c14n(props))
    before, after = template.key_info_c14n
    ref_key_info[2].text = _b64_sha256(before + ids["key_info"].encode() + after)
    signature_value.text = b64encode(
        _signature_value(signer, template, _c14n(signed_info))
    ).decode()
    root.append(signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- verifying our own shape from its bytes --------------------------------------------------------
#
# A document this signer wrote is the document's bytes with the template's signature bytes, filled,
# just before the root's end tag. ``verify_own_bytes`` recognises exactly that: the bytes from the
# last "<ds:Signature " to the end must be the template's bytes for the embedded certificates, with
# each field in the form the signer writes (ids of signxml's form, a UTC time to the second,
# base64 digests and value), every id and the time written the same wherever the template repeats
# them, and then only the root's end tag. The signature is then, element for element, the template
# this module built and had validated by signxml and xmlsec1 (the tests), filled in: its shape
# needs no checking, and the canonical forms of its SignedProperties, KeyInfo and SignedInfo are
# the template's canonical bytes filled with the same values (exclusive C14N of an element does not
# depend on where it sits, and the values are written as they are). What is left to check is
# checked: the document without the signature (the bytes before it, closed by the root's end tag)
# parsed, canonicalised and its digest compared; the SignedProperties and KeyInfo digests; the
# signature value with the first certificate's key; no element of the document carrying one of
# the signature's ids (signxml refuses an ambiguous reference) or being in the XML-DSig namespace
# (a second signature). Anything else, or any check failing, returns None: the caller verifies
# the document the general way, which names the problem. So this path only ever accepts, and
# only what the general path accepts.

_ID = rb"[0-9A-F]{8}"
_FIELD_PATTERNS = {
    "signature": rb"SignXMLSignature" + _ID,
    "key_info": rb"SignXMLCertificate" + _ID,
    "properties": rb"(?P=signature)-SignedProperties" + _ID,
    "reference": rb"SignXMLReference" + _ID,
    "time": rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00",
    "document_digest": rb"[A-Za-z0-9+/]{43}=",
    "properties_digest": rb"[A-Za-z0-9+/]{43}=",
    "key_info_digest": rb"[A-Za-z0-9+/]{43}=",
    "value": rb"[A-Za-z0-9+/]{4,1400}={0,2}",
}
_ID_FIELDS = ("signature", "key_info", "properties", "reference")
_END_TAG = rb"(?P<end></[A-Za-z_][A-Za-z0-9_.:-]{0,200}>)"
_SIGNATURE_START = b"<ds:Signature "
_CERTIFICATE_TEXT = re.compile(rb"<ds:X509Certificate>([A-Za-z0-9+/=\n]+)</ds:X509Certificate>")
_DSIG_NAMESPACE = namespaces.ds.encode()


def _pattern(parts: _Bytes) -> re.Pattern[bytes]:
    """The serialised signature's bytes with a group per field (a back-reference where the
    template repeats one), followed by the root's end tag (see ``verify_own_bytes``)."""
    start, fields = parts.signature
    out = [re.escape(start)]
    seen: set[str] = set()
    for name, literal in fields:
        if name in seen:
            out.append(b"(?P=" + name.encode() + b")")
        else:
            out.append(b"(?P<" + name.encode() + b">" + _FIELD_PATTERNS[name] + b")")
            seen.add(name)
        out.append(re.escape(literal))
    out.append(_END_TAG)
    return re.compile(b"".join(out))


@dataclass(frozen=True, eq=False)
class Embedded:
    """The certificates a signature of our shape embeds, read from their text once per
    distinct text (a batch repeats the same signer), with their signature template. The
    verifier memoises in ``memo`` what it derives from these very certificates (names,
    dates, the chain it built): the entry stands for them, by identity."""

    certificates: tuple[x509.Certificate, ...]  # as embedded, the signer's first
    template: _Template
    memo: dict[str, Any] = field(default_factory=dict)


_embedded: dict[tuple[Any, bytes], Embedded] = {}
_EMBEDDED_MAX = 256


def _embedded_certificates(
    x509_data: bytes, load_certificate: Callable[[str], x509.Certificate]
) -> Embedded:
    """The :class:`Embedded` of the ``ds:X509Certificate`` texts in ``x509_data`` (the bytes
    of a ``ds:X509Data`` element, found by the same bytes the next time); raises what loading
    them or making their template raises (nothing is remembered then)."""
    key = (load_certificate, x509_data)
    found = _embedded.get(key)
    if found is None:
        texts = _CERTIFICATE_TEXT.findall(x509_data)
        certificates = tuple(load_certificate(text.decode("ascii")) for text in texts)
        if not certificates:
            raise ValueError("no certificate")
        found = Embedded(certificates, _template(certificates))
        if len(_embedded) >= _EMBEDDED_MAX:
            _embedded.clear()
        _embedded[key] = found
    return found


@dataclass(frozen=True)
class OwnSignature:
    """A signature of our own shape whose digests and value hold (see ``verify_own_bytes``)."""

    # the document's root as parsed without the signature; None for a document written in
    # canonical form, which is not parsed (see verify_own_bytes)
    root: etree._Element | None
    signed_data: bytes  # its exclusive C14N: what the signature covers
    certificates: tuple[x509.Certificate, ...]  # as embedded, the signer's first
    algorithm: str  # "rsa" | "ec"
    signing_time: str  # the signed SigningTime, as written
    embedded: Embedded  # the embedded certificates' cache entry (``certificates`` is its own)


def _value_verifies(
    template: _Template, certificate: x509.Certificate, signed_info: bytes, value: bytes
) -> bool:
    public_key = certificate.public_key()
    try:
        if template.algorithm == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA256())
            return True
        if template.algorithm == "ec" and isinstance(public_key, ec.EllipticCurvePublicKey):
            size = (template.key_size + 7) // 8
            if len(value) != 2 * size:
                return False
            der = encode_dss_signature(
                int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
            )
            public_key.verify(der, signed_info, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


def verify_own_bytes(
    xml_bytes: bytes,
    load_certificate: Callable[[str], x509.Certificate],
    parse: Callable[[bytes], etree._Element],
) -> OwnSignature | None:
    """The verified signature of ``xml_bytes`` if they are a document in exactly the shape this
    signer writes and every digest and the signature value hold; else None (see above).
    ``load_certificate``: a ``ds:X509Certificate`` text to a certificate; ``parse``: the
    parser for outside XML (no DTD, no entities). Checks the signature only, not the
    certificates (validity, chain, revocation), as ``xmlsig._fast_verify``."""
    start = xml_bytes.rfind(_SIGNATURE_START)
    data_start = xml_bytes.find(b"<ds:X509Data>", start)
    data_end = xml_bytes.find(b"</ds:X509Data>", data_start)
    if start < 0 or data_start < 0 or data_end < 0:
        return None
    try:
        embedded = _embedded_certificates(xml_bytes[data_start:data_end], load_certificate)
    except (ValueError, TypeError, binascii.Error, SigningError):
        return None
    certificates, template = embedded.certificates, embedded.template
    match = template.pattern.fullmatch(xml_bytes, start)
    if match is None:
        return None
    values = match.groupdict()
    end = values["end"]
    unsigned = xml_bytes[:start] + end
    # A document written in canonical form (sign_tree's ``canonical``) is digested as it is,
    # without parsing it: when the bytes after the declaration hash to the digest that the
    # signature value vouches for (checked below), they are the canonical bytes the signer
    # digested (SHA-256): well-formed, one root closed by ``end``, and C14N of their tree
    # gives them back. The document's root is then not parsed here (``root`` None: a caller
    # who needs the tree parses ``signed_data``). Any other document is parsed and
    # canonicalised.
    root: etree._Element | None = None
    signed_data = unsigned[len(_DECLARATION) :]
    digest_holds = unsigned.startswith(_DECLARATION) and (
        _b64_sha256(signed_data).encode() == values["document_digest"]
    )
    if not digest_holds:
        try:
            root = parse(unsigned)
        except (etree.XMLSyntaxError, ValueError):
            return None
        # the bytes before the signature, closed by the end tag, are the whole root (the
        # signature was its last child), written as this signer writes it (see _end_tag), in
        # UTF-8 (in which the template's bytes are written)
        if _end_tag(root) != end or (root.getroottree().docinfo.encoding or "").upper() != "UTF-8":
            return None
        signed_data = _c14n(root)
        digest_holds = _b64_sha256(signed_data).encode() == values["document_digest"]
    # (every id starts with "SignXML": one search of the document when none is there)
    if _DSIG_NAMESPACE in signed_data or (
        b"SignXML" in signed_data and any(values[name] in signed_data for name in _ID_FIELDS)
    ):
        return None
    parts = template.parts
    before, after = template.key_info_c14n
    if (
        not digest_holds
        or _b64_sha256(_fill(parts.signed_properties, values)).encode()
        != values["properties_digest"]
        or _b64_sha256(before + values["key_info"] + after).encode() != values["key_info_digest"]
    ):
        return None
    try:
        value = b64decode(values["value"], validate=True)
    except binascii.Error:
        return None
    if not _value_verifies(template, certificates[0], _fill(parts.signed_info, values), value):
        return None
    return OwnSignature(
        root,
        signed_data,
        certificates,
        template.algorithm,
        values["time"].decode("ascii"),
        embedded,
    )
