"""Sign and verify XML documents: enveloped XAdES-BES signatures made with signxml.

The signature covers the whole document (reference ``URI=""``, enveloped-signature transform,
exclusive C14N 1.0, SHA-256), uses RSA-SHA256 (RSA-2048+) or ECDSA-SHA256 on P-256, embeds the
signing certificate and its intermediates (``ds:X509Data``) and carries the XAdES signed
properties ``SigningTime`` and ``SigningCertificateV2``; the ``KeyInfo`` element is signed too.

:func:`verify_document` never raises on a bad document: it returns a
:class:`VerificationResult` whose ``problems`` each have a stable ``code`` (see
:data:`PROBLEM_MESSAGES`) and a Vietnamese message. Only the bytes covered by the signature
(``VerificationResult.signed_content``) should be trusted by callers.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
import threading
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import VerificationError
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import _remove_sig, ds_tag, namespaces, strip_pem_header, xades_tag
from signxml.xades import (
    XAdESDataObjectFormat,
    XAdESSignatureConfiguration,
    XAdESSigner,
    XAdESVerifier,
)

from .errors import SigningError
from .fastsign import OwnSignature, check_signer, sign_tree, verify_own_bytes
from .keys import (
    Signer,
    common_name,
    key_algorithm,
    serial_hex,
    vn_time,
)
from .trust import Revocation, TrustStore, describe_name

C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
SIGNATURE_METHODS = {
    "rsa": SignatureMethod.RSA_SHA256,
    "ec": SignatureMethod.ECDSA_SHA256,
}
ALGORITHM_LABELS = {
    SignatureMethod.RSA_SHA256: "RSA-SHA256",
    SignatureMethod.ECDSA_SHA256: "ECDSA-SHA256",
}
# A signing time this far ahead of the verifier's clock is refused.
CLOCK_SKEW = timedelta(minutes=5)

_NS = {"ds": namespaces.ds, "xades": namespaces.xades}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False
    )


_parsers = threading.local()


def _canonical_parser() -> etree.XMLParser:
    """This thread's parser for canonical bytes we have just made from a parsed tree (C14N
    output carries no DOCTYPE): one per thread, as an lxml parser is not shared between
    threads; the fast path re-reads two such fragments per signature."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = _parser()
    return parser


@lru_cache(maxsize=256)
def _certificate_from_base64(text: str) -> x509.Certificate:
    """A certificate from the base64 text of ``ds:X509Certificate`` (cached: batches repeat
    the same signer). Avoids signxml's PEM re-wrapping, which dominates verification time."""
    return x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True))


def _parse(xml_bytes: bytes) -> etree._Element:
    from cbccvc.safexml import parse_untrusted

    return parse_untrusted(xml_bytes)  # UnsafeXML is a ValueError, as before


# -- signing --------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _certificate_base64(cert: x509.Certificate) -> str:
    """The ``ds:X509Certificate`` text of ``cert``: what signxml writes (the PEM body, its line
    breaks kept), cached because a batch signs with the same certificates every time."""
    return strip_pem_header(cert.public_bytes(Encoding.PEM))


@lru_cache(maxsize=256)
def _certificate_sha256(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _all_certificates(chain: Any) -> bool:
    return bool(chain) and all(isinstance(c, x509.Certificate) for c in chain)


class _Signer(XAdESSigner):
    """signxml's XAdES signer with the signing time fixed by the caller. The other overrides
    build the same elements as signxml 5.2 does, only faster (see each)."""

    def __init__(self, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signing_time = signing_time

    def get_root(self, data):  # type: ignore[no-untyped-def]
        # signxml copies the element to sign through ``_fromstring(_tostring(data))``, twice
        # (the tree that receives the signature and the digest input). ``sign_document`` only
        # passes the root of a tree it has just parsed, for which a deep copy is the same tree
        # (same canonical form: no parent whose namespaces could leak in) without serialising
        # and parsing the document again. Anything else keeps signxml's behaviour.
        if isinstance(data, etree._Element) and data.getparent() is None:
            return copy.deepcopy(data)
        return super().get_root(data)

    def _add_key_info(self, sig_root, signing_settings):  # type: ignore[no-untyped-def]
        # As signxml's, for our case (certificates given, no key name, no KeyValue), with the
        # certificate text cached.
        if signing_settings.key_info is not None or signing_settings.key_name is not None:
            return super()._add_key_info(sig_root, signing_settings)
        chain = signing_settings.cert_chain
        if not _all_certificates(chain) or signing_settings.always_add_key_value:
            return super()._add_key_info(sig_root, signing_settings)
        key_info = etree.SubElement(sig_root, self._ds_tag("KeyInfo"))
        x509_data = etree.SubElement(key_info, self._ds_tag("X509Data"))
        for cert in chain:
            etree.SubElement(x509_data, self._ds_tag("X509Certificate")).text = _certificate_base64(
                cert
            )
        return None

    def add_signing_certificate(self, signed_signature_properties, sig_root, signing_settings):  # type: ignore[no-untyped-def]
        # As signxml's (SigningCertificateV2 only, SHA-256), with the certificate digests
        # cached.
        if (
            self.use_deprecated_legacy_signing_certificate
            or self.digest_alg != DigestAlgorithm.SHA256
            or not _all_certificates(signing_settings.cert_chain)
        ):
            return super().add_signing_certificate(
                signed_signature_properties, sig_root, signing_settings
            )
        signing_cert_v2 = etree.SubElement(
            signed_signature_properties, xades_tag("SigningCertificateV2"), nsmap=self.namespaces
        )
        for cert in signing_settings.cert_chain:
            cert_node = etree.SubElement(signing_cert_v2, xades_tag("Cert"), nsmap=self.namespaces)
            cert_digest = etree.SubElement(
                cert_node, xades_tag("CertDigest"), nsmap=self.namespaces
            )
            etree.SubElement(
                cert_digest,
                ds_tag("DigestMethod"),
                nsmap=self.namespaces,
                Algorithm=self.digest_alg.value,
            )
            etree.SubElement(
                cert_digest, ds_tag("DigestValue"), nsmap=self.namespaces
            ).text = b64encode(_certificate_sha256(cert)).decode()
        return None

    def add_signing_time(self, signed_signature_properties, sig_root, signing_settings):  # type: ignore[no-untyped-def]
        node = etree.SubElement(
            signed_signature_properties, xades_tag("SigningTime"), nsmap=self.namespaces
        )
        node.text = self._signing_time.astimezone(UTC).isoformat(timespec="seconds")

    def _add_reference_to_signed_info(self, sig_root, node_to_reference, **attrs):  # type: ignore[no-untyped-def]
        # signxml 5 digests SignedProperties and KeyInfo with the configured C14N but names no
        # transform, so a verifier (signxml included) would apply the default inclusive C14N
        # and fail. Declare the transform explicitly, as XAdES verifiers expect.
        signed_info = self._find(sig_root, "SignedInfo")
        reference = etree.SubElement(signed_info, ds_tag("Reference"), nsmap=self.namespaces)
        reference.set("URI", f"#{node_to_reference.get('Id')}")
        for name, value in attrs.items():
            reference.set(name, value)
        transforms = etree.SubElement(reference, ds_tag("Transforms"), nsmap=self.namespaces)
        etree.SubElement(
            transforms, ds_tag("Transform"), nsmap=self.namespaces, Algorithm=self.c14n_alg.value
        )
        etree.SubElement(
            reference,
            ds_tag("DigestMethod"),
            nsmap=self.namespaces,
            Algorithm=self.digest_alg.value,
        )
        digest_value = etree.SubElement(reference, ds_tag("DigestValue"), nsmap=self.namespaces)
        c14n = self._c14n(node_to_reference, algorithm=self.c14n_alg)
        digest_value.text = b64encode(self._get_digest(c14n, algorithm=self.digest_alg)).decode()


def _prepare(
    xml_bytes: bytes, signer: Signer, signing_time: datetime | None
) -> tuple[etree._Element, datetime]:
    """The parsed, unsigned document and the signing time, after the checks of
    :func:`sign_document`."""
    try:
        root = _parse(xml_bytes)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SigningError(f"Tài liệu cần ký không phải XML hợp lệ: {exc}") from exc
    return root, _checked(root, signer, signing_time)


def _checked(
    root: etree._Element,
    signer: Signer,
    signing_time: datetime | None,
    canonical: bytes | None = None,
) -> datetime:
    """The signing time, after the checks of :func:`sign_document` on the document's root.
    ``canonical``: the root's exclusive C14N, where every element of the signature namespace
    would declare it: a document without that namespace's name has no signature."""
    at = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    maybe_signed = canonical is None or _NS["ds"].encode() in canonical
    if maybe_signed and root.find(".//ds:Signature", _NS) is not None:
        raise SigningError("Tài liệu đã có chữ ký số; không ký chồng lên bản đã ký.")
    check_signer(signer, at)  # check_certificate_usable and key_algorithm, facts read once
    return at


def sign_document(
    xml_bytes: bytes, signer: Signer, *, signing_time: datetime | None = None
) -> bytes:
    """Return ``xml_bytes`` with an enveloped XAdES-BES signature appended to the root.

    ``signing_time`` (default: now) is the claimed ``SigningTime``; the certificate must be
    valid then and allow digital signatures. The input must not already be signed.

    Signed by the template signer (:mod:`.fastsign`): the bytes signxml's ``XAdESSigner``
    writes (:func:`sign_document_with_signxml`, the reference), with a fraction of the work.
    """
    root, at = _prepare(xml_bytes, signer, signing_time)
    return _sign_tree(root, signer, at)


def sign_built_tree(
    root: etree._Element,
    signer: Signer,
    *,
    signing_time: datetime | None = None,
    canonical: bytes | None = None,
) -> bytes:
    """:func:`sign_document` for a document this process has just built as an lxml tree (the
    canonical profile document, rendered and validated): the same checks and the same
    signature, without serialising the tree and parsing it again. ``root`` must be the root
    of its own tree; it may receive the signature (the caller does not use it afterwards).
    Never pass a tree parsed from outside input here: such bytes go through
    :func:`sign_document`, whose parser refuses DTDs and entities.

    ``canonical``: the bytes ``root`` was parsed from, when they are its exclusive C14N
    (``profiles.document_text`` writes the document so): the signed document is then those
    bytes with the signature written in, and they are digested as they are."""
    if root.getparent() is not None or root.getroottree().docinfo.doctype:
        raise SigningError("Chỉ ký được phần tử gốc của một tài liệu XML không có DOCTYPE.")
    return _sign_tree(root, signer, _checked(root, signer, signing_time, canonical), canonical)


def _sign_tree(
    root: etree._Element, signer: Signer, at: datetime, canonical: bytes | None = None
) -> bytes:
    try:
        return sign_tree(root, signer, at, canonical)
    except SigningError:
        raise
    except (ValueError, TypeError) as exc:
        raise SigningError(f"Không tạo được chữ ký số: {exc}") from exc


def sign_document_with_signxml(
    xml_bytes: bytes, signer: Signer, *, signing_time: datetime | None = None
) -> bytes:
    """:func:`sign_document` through signxml's ``XAdESSigner`` (the reference the template
    signer is tested against; same checks, same signature shape)."""
    root, at = _prepare(xml_bytes, signer, signing_time)
    method = SIGNATURE_METHODS[key_algorithm(signer.certificate.public_key())]
    xades = _Signer(
        at,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=C14N,
        data_object_format=XAdESDataObjectFormat(
            Description="Tài liệu XML được ký số", MimeType="text/xml"
        ),
    )
    try:
        signed = xades.sign(
            root,
            key=signer.signing_key,
            cert=[signer.certificate, *signer.chain],
            always_add_key_value=False,
        )
    except SigningError:
        raise
    except (InvalidInput, ValueError, TypeError) as exc:
        raise SigningError(f"Không tạo được chữ ký số: {exc}") from exc
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


# -- verification ---------------------------------------------------------------------------------


# Reference transforms accepted from other signers (README "Accepted profile"): the enveloped
# signature transform or its XPath form, and one canonicalisation.
_XPATH_FILTER = "http://www.w3.org/TR/1999/REC-xpath-19991116"
ENVELOPED_XPATH = "not(ancestor-or-self::ds:Signature)"
ALLOWED_TRANSFORMS = frozenset(
    {SignatureConstructionMethod.enveloped.value, _XPATH_FILTER}
    | {m.value for m in CanonicalizationMethod}
)


class _TransformRefused(InvalidInput):
    """A reference transform outside the accepted profile."""


class _Verifier(XAdESVerifier):
    """signxml's XAdES verifier. The loading of the embedded certificates is replaced (same
    checks as signxml 5.2's ``_verify_cert_digests``, without the slow PEM re-wrapping), and
    reference transforms are checked against the accepted profile: signxml ignores transforms
    it does not know (an XPath filter among them), which would end as a false "content
    modified"; the XPath filter that only removes the signature is applied as the enveloped
    transform it is equivalent to, any other one is refused by name."""

    def _apply_transforms(self, payload, *, transforms_node, signature):  # type: ignore[no-untyped-def]
        transforms = [] if transforms_node is None else self._findall(transforms_node, "Transform")
        for transform in transforms:
            algorithm = transform.get("Algorithm", "")
            if algorithm not in ALLOWED_TRANSFORMS:
                raise _TransformRefused(f"transform {algorithm[:200]}")
            if algorithm == _XPATH_FILTER:
                expressions = transform.findall("ds:XPath", _NS)
                text = " ".join((expressions[0].text or "").split()) if expressions else ""
                if (
                    len(expressions) != 1
                    or text != ENVELOPED_XPATH
                    or expressions[0].nsmap.get("ds") != namespaces.ds
                ):
                    raise _TransformRefused(f"XPath {text[:200]}")
                _remove_sig(signature, idempotent=True)
        return super()._apply_transforms(
            payload, transforms_node=transforms_node, signature=signature
        )

    def _verify_cert_digests(self, verify_result):  # type: ignore[no-untyped-def]
        certs: list[x509.Certificate] = []
        for x509_data in self._findall(verify_result.signature_xml, "ds:KeyInfo/ds:X509Data"):
            for node in self._findall(x509_data, "X509Certificate"):
                certs.append(_certificate_from_base64(node.text or ""))
        signing_cert = self._find_signing_cert(verify_result, certs)
        if signing_cert is not None:
            self._add_cert_if_missing(certs, signing_cert)
        props = self._find(verify_result.signed_xml, "xades:SignedSignatureProperties")
        v1 = self._find(props, "xades:SigningCertificate", require=False)
        v2 = self._find(props, "xades:SigningCertificateV2", require=False)
        if (v1 is None) == (v2 is None):
            raise InvalidInput(
                "Expected exactly one of xades:SigningCertificate or xades:SigningCertificateV2"
            )
        self._verify_cert_digest(
            v1 if v1 is not None else v2, certs=certs, signing_cert=signing_cert
        )


# -- verification fast path ----------------------------------------------------------------------
#
# signxml's verifier is general (any reference, transform or key form) and copies the whole
# document through ``_fromstring(_tostring(...))`` about a dozen times per signature; for a
# profile that is most of the cost of verifying. ``_fast_verify`` checks exactly the signature
# shape ``sign_document`` produces, with the same checks signxml makes on it, on the tree
# already parsed: it only ever *accepts*. Anything else — another shape, a comment inside the
# signature, an id used twice, any digest or signature that does not match — returns None and
# the document goes through signxml's verifier exactly as before, which then gives the
# problem code. So a tampered document is always judged (and refused) by signxml; the fast path
# cannot accept anything signxml would refuse, because it requires a superset of signxml's
# conditions:
#
# * the signature validates against signxml's XML-DSig/XAdES schemas (as signxml checks);
# * SignedInfo is exclusive C14N 1.0 without comments; only its canonical bytes are verified
#   and only those bytes (parsed again, "see what is signed") are read for the references;
# * exactly three references: ``URI=""`` with [enveloped-signature, exc-C14N]; then the
#   SignedProperties and the KeyInfo, each with [exc-C14N], each id carried by exactly one
#   element of the whole document (signxml refuses an ambiguous id) and that element being the
#   expected one; SHA-256 digests; no InclusiveNamespaces anywhere;
# * KeyInfo holds only X509Data/X509Certificate (no KeyValue that could disagree with the
#   certificate); the signature value verifies with the leaf certificate's key;
# * the signed properties (read from their canonical bytes) carry SigningCertificateV2 only,
#   every certificate digest SHA-256 and matching an embedded certificate, the first one the
#   signer's.

_EXC_C14N = C14N.value
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_SHA256 = DigestAlgorithm.SHA256.value
_XADES_SIGNED_PROPERTIES = xades_tag("SignedProperties")
_CERT_DIGEST = xades_tag("CertDigest")
# Every attribute signxml may resolve a "#id" reference through (Id, ID, id, xml:id).
_ID_ATTRIBUTES = etree.XPath(
    "//@*[local-name() = 'Id' or local-name() = 'ID' or local-name() = 'id']"
)
_SIGNATURE_CHILDREN = [ds_tag(n) for n in ("SignedInfo", "SignatureValue", "KeyInfo", "Object")]
# The ds: tags the fast path compares with, computed once (signxml's ds_tag is a Python call).
_TAG = {
    name: ds_tag(name)
    for name in (
        "Transforms",
        "Transform",
        "DigestMethod",
        "DigestValue",
        "X509Data",
        "X509Certificate",
        "CanonicalizationMethod",
        "SignatureMethod",
        "Reference",
    )
}
# Index of the XAdES schema that accepted the last signature: tried first next time (the
# first of signxml's list refuses our signatures; the second accepts them).
_schema_hint = [0]


def _valid_against_a_schema(node: etree._Element) -> bool:
    """Whether ``node`` validates against one of signxml's XAdES schemas (as ``any`` over
    them, starting with the one that accepted last)."""
    schemas = _Verifier.schemas()
    first = _schema_hint[0] if _schema_hint[0] < len(schemas) else 0
    for index in (first, *(i for i in range(len(schemas)) if i != first)):
        if schemas[index].validate(node):
            _schema_hint[0] = index
            return True
    return False


@dataclass(frozen=True)
class _FastVerified:
    signed_data: bytes  # the document without the signature, exclusive C14N
    signed_properties: etree._Element  # xades:SignedSignatureProperties, from signed bytes


def _c14n(node: etree._Element) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False)


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


def _only(parent: etree._Element, *tags: str) -> list[etree._Element] | None:
    """The children of ``parent`` if they are exactly elements with ``tags`` (in order)."""
    children = list(parent)
    if [c.tag for c in children] != list(tags):
        return None
    return children


def _reference_digest_ok(reference: etree._Element, transforms: list[str], data: bytes) -> bool:
    parts = _only(reference, _TAG["Transforms"], _TAG["DigestMethod"], _TAG["DigestValue"])
    if parts is None:
        return False
    transform_nodes, digest_method, digest_value = parts
    if [t.tag for t in transform_nodes] != [_TAG["Transform"]] * len(transforms):
        return False
    if any(
        len(t) or t.get("Algorithm") != a for t, a in zip(transform_nodes, transforms, strict=True)
    ):
        return False
    if digest_method.get("Algorithm") != _SHA256 or len(digest_method):
        return False
    return _b64(digest_value.text) == hashlib.sha256(data).digest()


def _ids_resolve_only_to(
    root: etree._Element, targets: list[tuple[str | None, etree._Element]]
) -> bool:
    """Whether each ``"#id"`` URI names exactly one id attribute in the whole document, carried
    by the expected element (signxml refuses an id carried by several elements)."""
    wanted: dict[str, etree._Element] = {}
    for uri, expected in targets:
        if not uri or not uri.startswith("#") or uri.startswith("#xpointer("):
            return False
        wanted[uri[1:]] = expected
    if len(wanted) != len(targets):
        return False
    seen: set[str] = set()
    for attribute in _ID_ATTRIBUTES(root):
        value = str(attribute)
        if value in wanted:
            if value in seen or attribute.getparent() is not wanted[value]:
                return False
            seen.add(value)
    return len(seen) == len(wanted)


def _fast_verify(
    root: etree._Element,
    signature: etree._Element,
    leaf: x509.Certificate,
    certs: list[x509.Certificate],
    method: SignatureMethod,
) -> _FastVerified | None:
    """Verify a signature of exactly the shape ``sign_document`` makes (see above); None when
    the shape differs or anything fails — the caller then asks signxml."""
    try:
        return _fast_verify_or_none(root, signature, leaf, certs, method)
    except (ValueError, TypeError, KeyError, binascii.Error, etree.LxmlError):
        return None


def _fast_verify_or_none(
    root: etree._Element,
    signature: etree._Element,
    leaf: x509.Certificate,
    certs: list[x509.Certificate],
    method: SignatureMethod,
) -> _FastVerified | None:
    parts = _only(signature, *_SIGNATURE_CHILDREN)
    if parts is None or signature.tail is not None or signature.getparent() is not root:
        return None
    signed_info, signature_value, key_info, ds_object = parts
    if next(signature.iter(etree.Comment, etree.ProcessingInstruction), None) is not None:
        return None
    if not _valid_against_a_schema(signature):
        return None
    # KeyInfo: certificates only.
    x509_data = _only(key_info, _TAG["X509Data"])
    if x509_data is None or any(c.tag != _TAG["X509Certificate"] for c in x509_data[0]):
        return None
    # SignedInfo: verify its canonical bytes, then read only those bytes.
    signed_info_c14n = _c14n(signed_info)
    verified_info = etree.fromstring(signed_info_c14n, parser=_canonical_parser())
    if len(verified_info) != 5:
        return None
    c14n_method, signature_method, ref_doc, ref_props, ref_key_info = verified_info
    if c14n_method.tag != _TAG["CanonicalizationMethod"] or len(c14n_method):
        return None
    if c14n_method.get("Algorithm") != _EXC_C14N:
        return None
    if signature_method.tag != _TAG["SignatureMethod"] or len(signature_method):
        return None
    if signature_method.get("Algorithm") != method.value:
        return None
    if any(r.tag != _TAG["Reference"] for r in (ref_doc, ref_props, ref_key_info)):
        return None
    raw_signature = _b64(signature_value.text)
    public_key = leaf.public_key()
    try:
        if method is SignatureMethod.RSA_SHA256 and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(raw_signature, signed_info_c14n, padding.PKCS1v15(), hashes.SHA256())
        elif method is SignatureMethod.ECDSA_SHA256 and isinstance(
            public_key, ec.EllipticCurvePublicKey
        ):
            size = (public_key.key_size + 7) // 8
            if len(raw_signature) != 2 * size:
                return None
            r = int.from_bytes(raw_signature[:size], "big")
            s = int.from_bytes(raw_signature[size:], "big")
            public_key.verify(
                encode_dss_signature(r, s), signed_info_c14n, ec.ECDSA(hashes.SHA256())
            )
        else:
            return None
    except CryptoInvalidSignature:
        return None
    # The signed properties and KeyInfo, each referenced by a unique id.
    qualifying = _only(ds_object, xades_tag("QualifyingProperties"))
    if qualifying is None:
        return None
    signed_props_node = _only(qualifying[0], _XADES_SIGNED_PROPERTIES)
    if signed_props_node is None:
        return None
    props = signed_props_node[0]
    if not _ids_resolve_only_to(
        root, [(ref_props.get("URI"), props), (ref_key_info.get("URI"), key_info)]
    ):
        return None
    props_c14n = _c14n(props)
    if not _reference_digest_ok(ref_props, [_EXC_C14N], props_c14n):
        return None
    if not _reference_digest_ok(ref_key_info, [_EXC_C14N], _c14n(key_info)):
        return None
    # The whole document without the signature (the enveloped-signature transform, on a copy).
    if ref_doc.get("URI") != "":
        return None
    # The signature has no tail (checked above), so taking it out of the tree for the C14N
    # and putting it back at its place is the enveloped-signature transform without copying
    # the document.
    index = root.index(signature)
    root.remove(signature)
    try:
        signed_data = _c14n(root)
    finally:
        root.insert(index, signature)
    if not _reference_digest_ok(ref_doc, [_ENVELOPED, _EXC_C14N], signed_data):
        return None
    # The signing certificate reference, read from the signed bytes.
    signed_props = etree.fromstring(props_c14n, parser=_canonical_parser())
    ssp = signed_props.find("xades:SignedSignatureProperties", _NS)
    if ssp is None or ssp.find("xades:SigningCertificate", _NS) is not None:
        return None
    v2 = ssp.findall("xades:SigningCertificateV2", _NS)
    if len(v2) != 1:
        return None
    cert_nodes = v2[0].findall("xades:Cert", _NS)
    if not cert_nodes:
        return None
    fingerprints = {_certificate_sha256(c) for c in certs}
    for index, cert_node in enumerate(cert_nodes):
        # xades:Cert holds exactly its CertDigest (no IssuerSerialV2: our signer writes none),
        # which holds exactly DigestMethod and DigestValue; anything else → signxml decides
        cert_digest = _only(cert_node, _CERT_DIGEST)
        if cert_digest is None:
            return None
        digest = _only(cert_digest[0], _TAG["DigestMethod"], _TAG["DigestValue"])
        if digest is None:
            return None
        digest_method, digest_value = digest
        if digest_method.get("Algorithm") != _SHA256:
            return None
        value = _b64(digest_value.text)
        if value not in fingerprints:
            return None
        if index == 0 and value != _certificate_sha256(leaf):
            return None
    return _FastVerified(signed_data, ssp)


PROBLEM_MESSAGES: dict[str, str] = {
    "malformed": "Tệp không phải tài liệu XML hợp lệ.",
    "signature_missing": "Tài liệu không có chữ ký số.",
    "signature_multiple": "Tài liệu có nhiều hơn một chữ ký số.",
    "signature_structure": "Chữ ký không đúng cấu trúc XAdES-BES bao toàn bộ tài liệu.",
    "certificate_missing": "Chữ ký không kèm chứng thư số của người ký.",
    "algorithm_not_allowed": "Thuật toán ký không được chấp nhận (chỉ RSA-SHA256, ECDSA-SHA256).",
    "weak_key": "Khóa của chứng thư số không đạt yêu cầu (RSA từ 2048 bit hoặc ECDSA P-256).",
    "transform_not_allowed": "Chữ ký dùng phép biến đổi (Transform) ngoài hồ sơ chữ ký được "
    "chấp nhận.",
    "content_modified": "Nội dung tài liệu đã bị thay đổi sau khi ký.",
    "properties_modified": "Thuộc tính chữ ký (thời điểm ký, chứng thư) đã bị thay đổi sau khi ký.",
    "signature_invalid": "Giá trị chữ ký số không hợp lệ.",
    "certificate_mismatch": "Chứng thư số kèm theo không phải chứng thư đã dùng để ký.",
    "signing_time_missing": "Chữ ký không có thời điểm ký (SigningTime).",
    "signing_time_in_future": "Thời điểm ký ở tương lai so với thời điểm kiểm tra.",
    "signed_outside_validity": "Thời điểm ký nằm ngoài thời hạn hiệu lực của chứng thư số.",
    "cert_expired": "Chứng thư số đã hết hạn.",
    "cert_not_yet_valid": "Chứng thư số chưa có hiệu lực.",
    "key_usage": "Chứng thư số không được phép dùng để ký số (KeyUsage).",
    "trust_store_empty": "Kho tin cậy chưa có chứng thư CA nào.",
    "untrusted": "Chứng thư số không được cấp bởi một CA tin cậy đã cấu hình.",
    "revoked": "Chứng thư số đã bị thu hồi.",
    "revocation_unknown": "Không có danh sách thu hồi (CRL) của CA cấp để kiểm tra thu hồi.",
    "crl_stale": "Danh sách thu hồi (CRL) đã quá hạn cập nhật; cần nạp CRL mới.",
    "ocsp_skipped": "Không kiểm tra OCSP; tình trạng thu hồi chỉ dựa trên CRL đã nạp.",
}


REVOCATION_LABELS = {
    "good": "Không bị thu hồi (theo CRL đã nạp)",
    "revoked": "Đã bị thu hồi",
    "unknown": "Không xác định (chưa nạp CRL của CA cấp)",
    "not_checked": "Chưa kiểm tra",
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str  # Vietnamese, for the user
    severity: str = "error"  # "error" fails the verification; "warning", "info" do not
    technical: str = ""  # the library's own (English) wording, for logs and support

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "technical": self.technical,
        }


@dataclass
class VerificationResult:
    problems: list[Problem] = field(default_factory=list)
    verified_at: datetime | None = None
    signer_subject: str = ""
    signer_name: str = ""
    serial: str = ""
    issuer: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    signing_time: datetime | None = None
    algorithm: str = ""
    chain: list[str] = field(default_factory=list)
    revocation: str = "not_checked"  # good | revoked | unknown | not_checked
    ocsp_checked: bool = False
    certificate: x509.Certificate | None = None
    signed_content: bytes | None = None  # canonical bytes covered by the signature
    # The verified document's root element when a fast path accepted the signature: its
    # name and attributes are the ones ``signed_content`` starts with (that path canonicalises
    # this very tree), so a caller reading only those need not parse ``signed_content`` again.
    # Its children may include the signature (``_fast_verify``) or not (``verify_own_bytes``
    # parses the document without it). None otherwise: parse ``signed_content``.
    signed_root: etree._Element | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def revocation_label(self) -> str:
        return REVOCATION_LABELS[self.revocation]

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def add(
        self, code: str, detail: str = "", severity: str = "error", technical: str = ""
    ) -> None:
        message = PROBLEM_MESSAGES[code]
        if detail:
            message = f"{message} {detail}"
        self.problems.append(Problem(code, message, severity, technical))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary, e.g. to store as "result of the last verification"."""

        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "ok": self.ok,
            "verified_at": iso(self.verified_at),
            "signer_subject": self.signer_subject,
            "signer_name": self.signer_name,
            "serial": self.serial,
            "issuer": self.issuer,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "signing_time": iso(self.signing_time),
            "algorithm": self.algorithm,
            "chain": self.chain,
            "revocation": self.revocation,
            "ocsp_checked": self.ocsp_checked,
            "problems": [p.as_dict() for p in self.problems],
        }


def _pick_leaf(certs: list[x509.Certificate]) -> x509.Certificate:
    """The certificate that issued none of the others (the signer), else the first."""
    leaf = _pick_leaf_of(tuple(certs))  # cached: a batch repeats the same certificates
    return next(c for c in certs if c == leaf)  # the caller's own object


@lru_cache(maxsize=256)
def _pick_leaf_of(certs: tuple[x509.Certificate, ...]) -> x509.Certificate:
    issuers = {c.issuer.public_bytes() for c in certs}
    leaves = [
        c
        for c in certs
        if c.subject.public_bytes() not in issuers
        or c.subject.public_bytes() == c.issuer.public_bytes()
    ]
    non_ca = [c for c in leaves if not _is_ca(c)]
    return (non_ca or leaves or list(certs))[0]


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _verify_with_signxml(
    xml_bytes: bytes,
    root: etree._Element,
    leaf: x509.Certificate,
    config: XAdESSignatureConfiguration,
    result: VerificationResult,
    signed_properties: list[etree._Element],
) -> bool:
    """The general path: signxml's XAdES verifier; problems are added to ``result``."""
    try:
        verified = _Verifier().verify(xml_bytes, x509_cert=leaf, expect_config=config)
    except InvalidDigest as exc:
        text = str(exc)
        if "reference 0 " in text:
            result.add("content_modified", technical=text)
        elif "certificate digest" in text:
            result.add("certificate_mismatch", technical=text)
        else:
            result.add("properties_modified", technical=text)
    except _TransformRefused as exc:
        result.add("transform_not_allowed", f"({exc})", technical=str(exc))
    except InvalidSignature as exc:
        result.add("signature_invalid", technical=str(exc))
    except InvalidCertificate as exc:  # pragma: no cover - dates are checked below
        result.add("signature_invalid", technical=str(exc))
    except (InvalidInput, etree.XMLSyntaxError, ValueError, KeyError) as exc:
        result.add("signature_structure", technical=str(exc))
    except Exception as exc:  # verify_document must never raise on hostile input
        result.add("signature_structure", technical=f"{type(exc).__name__}: {exc}")
    else:
        assert isinstance(verified, list)
        result.signed_content = verified[0].signed_data
        if verified[0].signed_xml is None or verified[0].signed_xml.tag != root.tag:
            result.add("signature_structure", "Chữ ký không bao toàn bộ tài liệu.")
        for item in verified:
            props = getattr(item, "signed_properties", None)
            if props is not None:
                signed_properties.append(props)
        return True
    return False


def verify_document(
    xml_bytes: bytes, trust_store: TrustStore, at: datetime | None = None
) -> VerificationResult:
    """Check the signature of ``xml_bytes`` at time ``at`` (default now); never raises."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    # 0. A document in exactly the shape our signer writes, its signature checked from its
    #    bytes (fastsign.verify_own_bytes: only ever accepts, and only what the steps below
    #    accept); anything else goes through them.
    own = verify_own_bytes(xml_bytes, _certificate_from_base64, _parse)
    if own is not None and _own_facts(own).leaf_first:
        return _own_signature_result(own, trust_store, at)
    result = VerificationResult(verified_at=at)

    # 1. Structure: one enveloped signature, directly under the root, with certificates.
    try:
        root = _parse(xml_bytes)
    except (etree.XMLSyntaxError, ValueError) as exc:
        result.add("malformed", technical=str(exc))
        return result
    signatures = root.findall(".//ds:Signature", _NS)
    if not signatures:
        result.add("signature_missing")
        return result
    if len(signatures) > 1:
        result.add("signature_multiple")
        return result
    signature = signatures[0]
    if signature.getparent() is not root:
        result.add("signature_structure", "Chữ ký phải là phần tử con trực tiếp của gốc tài liệu.")
        return result
    cert_nodes = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    try:
        certs = [_certificate_from_base64(n.text or "") for n in cert_nodes]
    except (ValueError, binascii.Error):
        result.add("certificate_missing", "Chứng thư kèm theo bị hỏng.")
        return result
    if not certs:
        result.add("certificate_missing")
        return result
    leaf = _pick_leaf(certs)
    intermediates = [c for c in certs if c is not leaf]
    _describe_signer(result, leaf)

    method_node = signature.find("ds:SignedInfo/ds:SignatureMethod", _NS)
    method_uri = method_node.get("Algorithm", "") if method_node is not None else ""
    method = _allowed_method(result, method_uri)
    if method is None:
        return result
    _check_key(result, leaf, method)

    # 2. Cryptography: digests of the document, the signed properties and KeyInfo, and the
    #    signature value, with the embedded signer certificate. Validity dates are checked
    #    below with their own codes, so signxml is asked to check at a time the certificate
    #    is valid.
    # The first reference must be the whole document: URI="" or, when the root carries an Id
    # (signxml then refers to it by id), "#<root id>" — signxml refuses ambiguous ids, so that
    # reference can only resolve to the root.
    references = signature.findall("ds:SignedInfo/ds:Reference", _NS)
    root_ids = {
        f"#{value}"
        for name, value in root.attrib.items()
        if etree.QName(name).localname in {"Id", "ID"}
    }
    if not references or (
        references[0].get("URI") != "" and references[0].get("URI") not in root_ids
    ):
        result.add("signature_structure", "Tham chiếu đầu tiên phải là toàn bộ tài liệu.")
        return result
    signature_ok = False
    signed_properties: list[etree._Element] = []
    fast = _fast_verify(root, signature, leaf, certs, method)
    if fast is not None:
        signature_ok = True
        result.signed_content = fast.signed_data
        result.signed_root = root
        signed_properties.append(fast.signed_properties)
    else:
        config = XAdESSignatureConfiguration(
            location="./",
            signature_methods=frozenset(ALGORITHM_LABELS),
            digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
            verification_time=leaf.not_valid_before_utc,
            # Our signer writes three references; other XAdES-BES signers often two (no
            # KeyInfo reference). Any number: the first must be the whole document (checked
            # above) and signxml requires the SignedProperties one.
            expect_references=True,
        )
        signature_ok = _verify_with_signxml(
            xml_bytes, root, leaf, config, result, signed_properties
        )
    if signature_ok:
        for props in signed_properties:
            node = props.find("xades:SigningTime", _NS)
            if node is None or not (node.text or "").strip():
                break
            try:
                signing_time = datetime.fromisoformat(node.text.strip())
            except ValueError:
                break
            if signing_time.tzinfo is None:
                signing_time = signing_time.replace(tzinfo=UTC)
            result.signing_time = signing_time.astimezone(UTC)
        if result.signing_time is None:
            result.add("signing_time_missing")

    # 3. Certificate validity: at the signing time (only when the signature proved it) and now.
    if signature_ok and result.signing_time is not None:
        _check_signing_time(result, leaf, at)
    _check_certificate(result, leaf, intermediates, trust_store, at)
    return result


@dataclass(frozen=True, eq=False)
class _CertificateFacts:
    """What verification reads of the certificates a signature of our shape embeds, read once
    per distinct set (kept in their ``fastsign.Embedded`` entry, which stands for them): a
    date, a name or an extension of a certificate is parsed again at every access."""

    leaf_first: bool  # the signer's certificate is the first embedded (as our signer writes)
    signer: VerificationResult  # _describe_signer and _check_key applied to an empty result
    intermediates: list[x509.Certificate]
    not_before: datetime
    not_after: datetime
    signs: bool  # no KeyUsage, or one allowing digital signatures or non-repudiation
    key: (
        object  # stands for these certificates in the trust store's memo (TrustStore.checked_chain)
    )


def _own_facts(own: OwnSignature) -> _CertificateFacts:
    facts = own.embedded.memo.get("xmlsig")
    if facts is None:
        leaf = own.certificates[0]
        signer = VerificationResult()
        _describe_signer(signer, leaf)
        _check_key(signer, leaf, SIGNATURE_METHODS[own.algorithm])
        facts = _CertificateFacts(
            leaf_first=_pick_leaf(list(own.certificates)) == leaf,
            signer=signer,
            intermediates=[c for c in own.certificates if c is not leaf],
            not_before=leaf.not_valid_before_utc,
            not_after=leaf.not_valid_after_utc,
            signs=_allows_signing(leaf),
            key=own.embedded,
        )
        own.embedded.memo["xmlsig"] = facts
    return facts


def _own_signature_result(
    own: OwnSignature, trust_store: TrustStore, at: datetime
) -> VerificationResult:
    """:func:`verify_document`'s result for a signature ``verify_own_bytes`` accepted: the same
    steps and problems as for the same signature accepted by ``_fast_verify`` (what depends on
    the certificates alone read once, see :class:`_CertificateFacts`)."""
    facts = _own_facts(own)
    signer = facts.signer
    result = VerificationResult(
        problems=list(signer.problems),
        verified_at=at,
        signer_subject=signer.signer_subject,
        signer_name=signer.signer_name,
        serial=signer.serial,
        issuer=signer.issuer,
        not_before=signer.not_before,
        not_after=signer.not_after,
        algorithm=signer.algorithm,
        certificate=signer.certificate,
        signed_content=own.signed_data,
        signed_root=own.root,
    )
    result.signing_time = datetime.fromisoformat(own.signing_time).astimezone(UTC)
    _check_signing_time_within(result, facts.not_before, facts.not_after, at)
    _check_certificate(
        result, own.certificates[0], facts.intermediates, trust_store, at, facts=facts
    )
    return result


def _describe_signer(result: VerificationResult, leaf: x509.Certificate) -> None:
    result.certificate = leaf
    result.signer_subject = describe_name(leaf.subject)
    result.signer_name = common_name(leaf.subject)
    result.serial = serial_hex(leaf)
    result.issuer = describe_name(leaf.issuer)
    result.not_before = leaf.not_valid_before_utc
    result.not_after = leaf.not_valid_after_utc


def _allowed_method(result: VerificationResult, method_uri: str) -> SignatureMethod | None:
    """The signature method, or None (and the problem added) when it is not accepted."""
    try:
        method = SignatureMethod(method_uri)
    except ValueError:
        method = None
    if method not in ALGORITHM_LABELS:
        result.add("algorithm_not_allowed", f"({method_uri or 'không rõ'})")
        return None
    return method


def _check_key(result: VerificationResult, leaf: x509.Certificate, method: SignatureMethod) -> None:
    public_key = leaf.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        result.algorithm = f"{ALGORITHM_LABELS[method]} ({public_key.key_size} bit)"
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        result.algorithm = f"{ALGORITHM_LABELS[method]} ({public_key.curve.name})"
    try:
        key_algorithm(public_key)
    except SigningError as exc:
        result.add("weak_key", str(exc))


def _check_signing_time(result: VerificationResult, leaf: x509.Certificate, at: datetime) -> None:
    _check_signing_time_within(result, leaf.not_valid_before_utc, leaf.not_valid_after_utc, at)


def _check_signing_time_within(
    result: VerificationResult, not_before: datetime, not_after: datetime, at: datetime
) -> None:
    st = result.signing_time
    assert st is not None
    if st > at + CLOCK_SKEW:
        result.add("signing_time_in_future", f"(ký lúc {vn_time(st)}).")
    if not (not_before <= st <= not_after):
        result.add(
            "signed_outside_validity",
            f"Ký lúc {vn_time(st)}; chứng thư có hiệu lực từ "
            f"{vn_time(not_before)} đến {vn_time(not_after)}.",
        )


def _allows_signing(leaf: x509.Certificate) -> bool:
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.digital_signature or usage.content_commitment)


def _check_certificate(
    result: VerificationResult,
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    trust_store: TrustStore,
    at: datetime,
    *,
    facts: _CertificateFacts | None = None,
) -> None:
    """The checks that depend on the time of the check and on the trust store: validity now,
    key usage, the chain to a trusted CA, revocation per the loaded CRLs. ``facts``: the
    leaf's dates and key usage read once, and the key under which the trust store remembers
    the chain it built for these certificates and what its CRLs say of each link."""
    if facts is not None:
        not_before, not_after, signs = facts.not_before, facts.not_after, facts.signs
    else:
        not_before, not_after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
        signs = _allows_signing(leaf)
    if at > not_after:
        result.add("cert_expired", f"Hết hạn lúc {vn_time(not_after)}.")
    elif at < not_before:
        result.add("cert_not_yet_valid", f"Có hiệu lực từ {vn_time(not_before)}.")
    if not signs:
        result.add("key_usage")

    # 4. Chain to a trusted CA, at a time inside the signer certificate's validity (its dates
    #    were reported above); CA certificates must still be valid then.
    chain_time = min(max(at, not_before), not_after)
    chain: list[x509.Certificate] = []
    revocations: list[Revocation] | None = None
    if trust_store.empty:
        result.add("trust_store_empty")
    elif facts is not None:
        try:
            checked = trust_store.checked_chain(facts.key, leaf, intermediates, chain_time)
            chain, result.chain, revocations = checked.chain, list(checked.names), checked.links
        except VerificationError as exc:
            result.add("untrusted", technical=str(exc))
    else:
        try:
            chain = trust_store.build_chain(leaf, intermediates, chain_time)
        except VerificationError as exc:
            result.add("untrusted", technical=str(exc))
        result.chain = [describe_name(c.subject) for c in chain]

    # 5. Revocation of every certificate below the trust anchor, per the loaded CRLs.
    if chain:
        statuses = []
        for index, (cert, issuer) in enumerate(pairwise(chain)):
            if revocations is not None:
                status = trust_store.status_at(revocations[index], at)
            else:
                status = trust_store.revocation_status(cert, issuer, at)
            statuses.append(status.status)
            if status.status == "revoked":
                assert status.revoked_at is not None
                name = common_name(cert.subject) or describe_name(cert.subject)
                reason = f", lý do {status.reason}" if status.reason else ""
                result.add(
                    "revoked",
                    f"'{name}' (số hiệu {serial_hex(cert)}) bị thu hồi lúc "
                    f"{vn_time(status.revoked_at)}{reason}.",
                )
            elif status.status == "unknown":
                result.add("revocation_unknown", f"(CA: {common_name(issuer.subject)}).", "warning")
            elif status.crl_stale:
                result.add("crl_stale", f"(CA: {common_name(issuer.subject)}).", "warning")
        if "revoked" in statuses:
            result.revocation = "revoked"
        elif "unknown" in statuses:
            result.revocation = "unknown"
        else:
            result.revocation = "good"
        result.add("ocsp_skipped", severity="info")


# The parts of a signature this module's signer wrote, read from its bytes (see
# :func:`recheck_certificate`).
_SIGNATURE_START = b"<ds:Signature "
_EMBEDDED_CERTIFICATE = re.compile(rb"<ds:X509Certificate>([A-Za-z0-9+/=\s]+)</ds:X509Certificate>")
_SIGNATURE_METHOD = re.compile(rb'<ds:SignatureMethod Algorithm="([^"<>]+)"')
_SIGNING_TIME = re.compile(rb"<xades:SigningTime>([^<]+)</xades:SigningTime>")


def recheck_certificate(
    xml_bytes: bytes,
    trust_store: TrustStore,
    at: datetime | None = None,
) -> VerificationResult | None:
    """:func:`verify_document` of a document whose signature **is known to be valid**: signed
    here by :func:`sign_document` (whose signer verifies the value it makes) and unchanged since
    — the caller has checked that, e.g. with the server's mark over the bytes' digest (see
    ``profiles.signatures.versions.signing_mark``). What cannot have changed since (the
    digests, the signature value, the signature's shape) is not checked again; what can is,
    exactly as :func:`verify_document` checks it: the signer certificate's validity now, the
    chain to a CA trusted now, revocation per the CRLs loaded now (cached per trust store), the
    signing time against the clock. The same result, with the same problems, as
    :func:`verify_document` would give for these bytes now, but no ``signed_content`` (the
    caller knows what was signed).

    None when the bytes are not in the shape this module's signer writes: the caller then
    verifies them in full. Never pass bytes from outside here: their signature would be
    believed. (``result.certificate`` is the signer's, read from the bytes: the caller checks
    that it is the one its proof names.)"""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    start = xml_bytes.rfind(_SIGNATURE_START)
    if start < 0:
        return None
    tail = xml_bytes[start:]
    try:
        certs = [
            _certificate_from_base64(m.decode("ascii")) for m in _EMBEDDED_CERTIFICATE.findall(tail)
        ]
        method = _SIGNATURE_METHOD.search(tail)
        signing_time = _SIGNING_TIME.search(tail)
        if not certs or method is None or signing_time is None:
            return None
        when = datetime.fromisoformat(signing_time.group(1).decode("ascii").strip())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    leaf = _pick_leaf(certs)
    result = VerificationResult(verified_at=at)
    _describe_signer(result, leaf)
    if _allowed_method(result, method.group(1).decode("ascii")) is None:
        return None
    _check_key(result, leaf, SignatureMethod(method.group(1).decode("ascii")))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    result.signing_time = when.astimezone(UTC)
    _check_signing_time(result, leaf, at)
    _check_certificate(result, leaf, [c for c in certs if c is not leaf], trust_store, at)
    return result
