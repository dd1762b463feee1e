"""The emulator's own signature check, independent of our signing engine.

The national side must not judge our signatures with our own verifier (issue 13): a bug in
``signing`` would then be invisible to it. This module checks an enveloped XAdES-BES
signature with the xmlsec binding (libxmlsec1: the XML-DSig references, among them the XAdES
``SignedProperties`` digest, and the signature value) and with ``cryptography`` (the signing
certificate reference, dates, key usage, the chain to a trusted CA and the CRLs). It imports
nothing from ``profiles``.

Accepted: exactly one ``ds:Signature``, a direct child of the root; RSA-SHA256 or ECDSA-SHA256;
SHA-256/384/512 digests; C14N 1.0/1.1 inclusive or exclusive (with or without comments); a
reference ``URI=""`` whose first transform is the enveloped-signature transform (or the XPath
filter ``not(ancestor-or-self::ds:Signature)``), followed by at most a canonicalisation; a
reference to the ``xades:SignedProperties`` of this signature; other references only to
elements of the document by a unique ``#id``; the signer's certificate in ``KeyInfo/X509Data``
and named by ``SigningCertificate`` (v1) or ``SigningCertificateV2``.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
CLOCK_SKEW = timedelta(minutes=5)

_C = xmlsec.constants
SIGNATURE_METHODS = {
    _C.TransformRsaSha256.href: "RSA-SHA256",
    _C.TransformEcdsaSha256.href: "ECDSA-SHA256",
}
DIGESTS = {
    _C.TransformSha256.href: _C.TransformSha256,
    _C.TransformSha384.href: _C.TransformSha384,
    _C.TransformSha512.href: _C.TransformSha512,
}
C14N = {
    t.href: t
    for t in (
        _C.TransformInclC14N,
        _C.TransformInclC14NWithComments,
        _C.TransformInclC14N11,
        _C.TransformInclC14N11WithComments,
        _C.TransformExclC14N,
        _C.TransformExclC14NWithComments,
    )
}
ENVELOPED = _C.TransformEnveloped.href
XPATH = _C.TransformXPath.href
# The only XPath filter accepted: the enveloped-signature transform written as XPath.
ENVELOPED_XPATH = "not(ancestor-or-self::ds:Signature)"
# Certificate digests of SigningCertificate(V2).
_CERT_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,  # v1 certificates may use it
    _C.TransformSha256.href: hashes.SHA256,
    _C.TransformSha384.href: hashes.SHA384,
    _C.TransformSha512.href: hashes.SHA512,
}

MESSAGES = {
    "malformed": "Tệp không phải tài liệu XML hợp lệ.",
    "signature_missing": "Tài liệu không có chữ ký số.",
    "signature_multiple": "Tài liệu có nhiều hơn một chữ ký số.",
    "signature_structure": "Chữ ký không đúng cấu trúc XAdES-BES bao toàn bộ tài liệu.",
    "certificate_missing": "Chữ ký không kèm chứng thư số của người ký.",
    "algorithm_not_allowed": "Thuật toán ký hoặc biến đổi không được chấp nhận.",
    "weak_key": "Khóa của chứng thư số không đạt yêu cầu (RSA từ 2048 bit hoặc ECDSA P-256).",
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
}


# -- trust -----------------------------------------------------------------------------------


def _check_ca(policy: object, cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    if bc is None or not bc.ca:
        raise ValueError("not a CA certificate (BasicConstraints)")


_CACHE_LIMIT = 4096  # entries per trust store (one per signer certificate, in practice)


@dataclass
class Trust:
    """Trusted CA certificates and CRLs (plain objects, no database).

    A trust store is built once for a set of anchors and CRLs (the emulator makes a new one
    when they change), so what it computes from them alone is kept on it: the outcome of
    each CRL's signature and issuer checks, the revocation status of a certificate, and the
    chain of a signer's certificates (see :meth:`chain`). Every document is still checked in
    full against them; nothing about a document itself is remembered."""

    anchors: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._store = Store(self.anchors) if self.anchors else None
        # (leaf, intermediates) -> (chain, not before, not after): a chain that verified
        self._chains: dict[tuple[Any, ...], tuple[list[x509.Certificate], datetime, datetime]]
        self._chains = {}
        # (certificate, issuer) -> revocation status per the CRLs
        self._revocations: dict[tuple[Any, ...], tuple[str, datetime | None]] = {}

    def chain(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], at: datetime
    ) -> list[x509.Certificate]:
        """leaf → … → anchor, valid at ``at``; raises ``VerificationError``.

        A chain that verified is kept with the period in which every certificate of it is
        valid, and given again for the same certificates at a time inside that period: path
        validation depends on the time only through those validity periods (signatures,
        constraints, key usages and the anchors are the same), so the chain verifies at that
        time too. Outside the period, and after any failure, the verification is made
        again."""
        key = (leaf, *intermediates)
        held = self._chains.get(key)
        if held is not None and held[1] <= at <= held[2]:
            return list(held[0])
        chain = self._verify_chain(leaf, intermediates, at)
        if len(self._chains) >= _CACHE_LIMIT:
            self._chains.clear()
        self._chains[key] = (
            chain,
            max(c.not_valid_before_utc for c in chain),
            min(c.not_valid_after_utc for c in chain),
        )
        return list(chain)

    def _verify_chain(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], at: datetime
    ) -> list[x509.Certificate]:
        if self._store is None:
            raise VerificationError("empty trust store")
        ca_policy = ExtensionPolicy.permit_all().require_present(
            x509.BasicConstraints, Criticality.AGNOSTIC, _check_ca
        )
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(at)
            .extension_policies(ca_policy=ca_policy, ee_policy=ExtensionPolicy.permit_all())
            .build_client_verifier()
        )
        return list(verifier.verify(leaf, intermediates).chain)

    def revocation(
        self, cert: x509.Certificate, issuer: x509.Certificate
    ) -> tuple[str, datetime | None]:
        """("good" | "revoked" | "unknown", revocation time) per the CRLs signed by ``issuer``
        (computed once per certificate and issuer: the CRLs of a trust store do not change)."""
        key = (cert, issuer)
        held = self._revocations.get(key)
        if held is None:
            held = self._revocation(cert, issuer)
            if len(self._revocations) >= _CACHE_LIMIT:
                self._revocations.clear()
            self._revocations[key] = held
        return held

    def _revocation(
        self, cert: x509.Certificate, issuer: x509.Certificate
    ) -> tuple[str, datetime | None]:
        crls = []
        for crl in self.crls:
            if crl.issuer != issuer.subject:
                continue
            try:
                if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                    crls.append(crl)
            except TypeError:
                continue
        if not crls:
            return "unknown", None
        for crl in crls:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                return "revoked", entry.revocation_date_utc
        return "good", None


# -- result ----------------------------------------------------------------------------------


@dataclass
class Result:
    problems: list[dict[str, str]] = field(default_factory=list)
    signer_name: str = ""
    signing_time: datetime | None = None
    algorithm: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[dict[str, str]]:
        return [p for p in self.problems if p["severity"] == "error"]

    @property
    def codes(self) -> list[str]:
        return [p["code"] for p in self.problems]

    def add(
        self, code: str, detail: str = "", severity: str = "error", technical: str = ""
    ) -> Result:
        message = MESSAGES[code] + (f" {detail}" if detail else "")
        self.problems.append(
            {"code": code, "message": message, "severity": severity, "technical": technical}
        )
        return self


class _Refused(Exception):
    def __init__(self, code: str, detail: str = "", technical: str = "") -> None:
        super().__init__(code)
        self.code, self.detail, self.technical = code, detail, technical


# -- structure -------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )


def _algorithm(node: etree._Element | None) -> str:
    return node.get("Algorithm", "") if node is not None else ""


def _ids(root: etree._Element) -> dict[str, list[etree._Element]]:
    out: dict[str, list[etree._Element]] = {}
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if etree.QName(name).localname in {"Id", "ID", "id"}:
                out.setdefault(value, []).append(element)
    return out


def _check_transforms(reference: etree._Element, whole_document: bool) -> None:
    transforms = reference.findall("ds:Transforms/ds:Transform", NS)
    hrefs = [_algorithm(t) for t in transforms]
    if whole_document:
        if not hrefs or hrefs[0] not in {ENVELOPED, XPATH}:
            raise _Refused(
                "signature_structure", "Tham chiếu toàn bộ tài liệu phải có biến đổi enveloped."
            )
        if hrefs[0] == XPATH:
            expressions = transforms[0].findall("ds:XPath", NS)
            text = " ".join((expressions[0].text or "").split()) if len(expressions) == 1 else ""
            if text != ENVELOPED_XPATH or expressions[0].nsmap.get("ds") != DS:
                raise _Refused("algorithm_not_allowed", f"(XPath “{text[:80]}”)")
        rest = hrefs[1:]
    else:
        rest = hrefs
    if len(rest) > 1 or any(h not in C14N for h in rest):
        raise _Refused("algorithm_not_allowed", f"(biến đổi {', '.join(rest)[:200]})")
    digest = _algorithm(reference.find("ds:DigestMethod", NS))
    if digest not in DIGESTS:
        raise _Refused("algorithm_not_allowed", f"({digest or 'không rõ'})")


def _leaf(certs: list[x509.Certificate]) -> x509.Certificate:
    return _leaf_of(tuple(certs))


@lru_cache(maxsize=256)
def _leaf_of(certs: tuple[x509.Certificate, ...]) -> x509.Certificate:
    """The signer's certificate among those of ``KeyInfo`` (the same certificates always give
    the same one: kept, as reading their names is slow)."""
    issuers = {c.issuer.public_bytes() for c in certs}
    candidates = [c for c in certs if c.subject.public_bytes() not in issuers]
    non_ca = [c for c in candidates if not _is_ca(c)]
    return (non_ca or candidates or certs)[0]


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


# -- xmlsec ----------------------------------------------------------------------------------


def _context(key: xmlsec.Key | None = None) -> xmlsec.SignatureContext:
    ctx = xmlsec.SignatureContext()
    if key is not None:
        ctx.key = key
    for transform in (ENVELOPED, XPATH, *C14N, *DIGESTS):
        ctx.enable_reference_transform(_transform(transform))
    for transform in (*C14N, _C.TransformRsaSha256, _C.TransformEcdsaSha256, *DIGESTS):
        ctx.enable_signature_transform(_transform(transform))
    return ctx


_BY_HREF = {
    t.href: t
    for t in (
        _C.TransformEnveloped,
        _C.TransformXPath,
        _C.TransformRsaSha256,
        _C.TransformEcdsaSha256,
        _C.TransformHmacSha256,
        *C14N.values(),
        *DIGESTS.values(),
    )
}


def _transform(value: Any) -> Any:
    return _BY_HREF[value] if isinstance(value, str) else value


def _digest_matches(root: etree._Element, signature: etree._Element, index: int) -> bool:
    """Whether reference ``index`` of ``signature`` still matches, computed by xmlsec: the
    reference is copied into a fresh template signed with a throw-away HMAC key, which makes
    xmlsec compute its digest over a copy of the document."""
    doc = copy.deepcopy(root)
    original = doc[root.index(signature)]
    reference = copy.deepcopy(original.findall("ds:SignedInfo/ds:Reference", NS)[index])
    method = _algorithm(original.find("ds:SignedInfo/ds:CanonicalizationMethod", NS))
    template = xmlsec.template.create(doc, C14N[method], _C.TransformHmacSha256)
    reference.find("ds:DigestValue", NS).text = ""
    template.find("ds:SignedInfo", NS).append(reference)
    if reference.get("URI") == "":
        # The enveloped transform removes the signature that holds it: put the template in
        # the original's place so that the digest covers the same nodes.
        doc.replace(original, template)
    else:
        doc.append(template)
    xmlsec.tree.add_ids(doc, ["Id", "ID", "id"])
    ctx = _context(xmlsec.Key.from_binary_data(_C.KeyDataHmac, b"\0" * 32))
    ctx.enable_signature_transform(_C.TransformHmacSha256)
    ctx.sign(template)
    computed = template.find("ds:SignedInfo/ds:Reference/ds:DigestValue", NS).text
    claimed = signature.findall("ds:SignedInfo/ds:Reference", NS)[index]
    return _b64(computed) == _b64(claimed.find("ds:DigestValue", NS).text)


@lru_cache(maxsize=256)
def _xmlsec_key(leaf: x509.Certificate) -> xmlsec.Key:
    """The xmlsec key of a signer's certificate (a context takes its own copy of it)."""
    return xmlsec.Key.from_memory(leaf.public_bytes(Encoding.DER), _C.KeyDataFormatCertDer)


def _xmlsec_verify(root: etree._Element, signature: etree._Element, leaf: x509.Certificate) -> None:
    doc = copy.deepcopy(root)  # xmlsec registers ids on the tree it is given
    xmlsec.tree.add_ids(doc, ["Id", "ID", "id"])
    try:
        _context(_xmlsec_key(leaf)).verify(doc[root.index(signature)])
    except xmlsec.Error as exc:
        technical = f"xmlsec: {exc}"
        references = signature.findall("ds:SignedInfo/ds:Reference", NS)
        for index, reference in enumerate(references):
            try:
                matches = _digest_matches(root, signature, index)
            except (xmlsec.Error, ValueError, binascii.Error) as inner:
                raise _Refused("signature_structure", technical=f"{technical}; {inner}") from exc
            if not matches:
                code = "content_modified" if reference.get("URI") == "" else "properties_modified"
                raise _Refused(code, technical=technical) from exc
        raise _Refused("signature_invalid", technical=technical) from exc


# -- the check -------------------------------------------------------------------------------


def verify(
    xml_bytes: bytes,
    trust: Trust,
    at: datetime | None = None,
    *,
    parsed: etree._Element | None = None,
) -> Result:
    """Check the one enveloped XAdES-BES signature of ``xml_bytes``; never raises.
    ``parsed``: the root the caller parsed from these very bytes, with a parser that resolves
    no entity and loads no DTD (as :func:`_parser`), so that they are not parsed twice; it is
    not changed."""
    result = Result()
    try:
        at = (at or datetime.now(UTC)).astimezone(UTC)
        _verify(xml_bytes, trust, at, result, parsed)
    except _Refused as refused:
        result.add(refused.code, refused.detail, technical=refused.technical)
    except Exception as exc:  # hostile input must never break the intake
        result.add("signature_structure", technical=f"{type(exc).__name__}: {exc}"[:500])
    return result


def _verify(
    xml_bytes: bytes,
    trust: Trust,
    at: datetime,
    result: Result,
    root: etree._Element | None = None,
) -> None:
    if root is None:
        try:
            root = etree.fromstring(xml_bytes, parser=_parser())
        except etree.XMLSyntaxError as exc:
            raise _Refused("malformed", technical=str(exc)) from exc
    if root.getroottree().docinfo.doctype:
        raise _Refused("malformed", "(có khai báo DOCTYPE)")
    signatures = root.findall(".//ds:Signature", NS)
    if not signatures:
        raise _Refused("signature_missing")
    if len(signatures) > 1:
        raise _Refused("signature_multiple")
    signature = signatures[0]
    if signature.getparent() is not root:
        raise _Refused("signature_structure", "Chữ ký phải là phần tử con trực tiếp của gốc.")

    # Algorithms and references: what xmlsec will be allowed to do.
    signed_info = signature.find("ds:SignedInfo", NS)
    if signed_info is None:
        raise _Refused("signature_structure", "Thiếu SignedInfo.")
    c14n = _algorithm(signed_info.find("ds:CanonicalizationMethod", NS))
    method = _algorithm(signed_info.find("ds:SignatureMethod", NS))
    if c14n not in C14N:
        raise _Refused("algorithm_not_allowed", f"({c14n or 'không rõ'})")
    if method not in SIGNATURE_METHODS:
        raise _Refused("algorithm_not_allowed", f"({method or 'không rõ'})")
    ids = _ids(root)
    references = signed_info.findall("ds:Reference", NS)
    whole = [r for r in references if r.get("URI") == ""]
    if len(whole) != 1:
        raise _Refused("signature_structure", "Cần đúng một tham chiếu tới toàn bộ tài liệu.")
    props_index = -1
    props: etree._Element | None = None
    for index, reference in enumerate(references):
        uri = reference.get("URI")
        _check_transforms(reference, whole_document=uri == "")
        if uri == "":
            continue
        if not uri or not uri.startswith("#") or uri.startswith("#xpointer("):
            raise _Refused("signature_structure", f"(tham chiếu “{(uri or '')[:80]}”)")
        targets = ids.get(uri[1:], [])
        if len(targets) != 1:
            raise _Refused("signature_structure", f"(mã định danh “{uri[1:80]}” không duy nhất)")
        if targets[0].tag == f"{{{XADES}}}SignedProperties":
            if props is not None:
                raise _Refused("signature_structure", "(SignedProperties tham chiếu hai lần)")
            props_index, props = index, targets[0]
    if props is None or references[props_index].get("Type") != SIGNED_PROPERTIES_TYPE:
        raise _Refused("signature_structure", "Thiếu tham chiếu tới SignedProperties.")
    qualifying = props.getparent()
    if (
        qualifying is None
        or qualifying.tag != f"{{{XADES}}}QualifyingProperties"
        or qualifying.getparent() is None
        or qualifying.getparent().getparent() is not signature
        or qualifying.get("Target") != f"#{signature.get('Id')}"
    ):
        raise _Refused("signature_structure", "SignedProperties không thuộc chữ ký này.")

    # Certificates.
    try:
        certs = [
            x509.load_der_x509_certificate(_b64(n.text))
            for n in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
        ]
    except (ValueError, binascii.Error) as exc:
        raise _Refused("certificate_missing", "Chứng thư kèm theo bị hỏng.") from exc
    if not certs:
        raise _Refused("certificate_missing")
    leaf = _leaf(certs)
    result.signer_name = _common_name(leaf.subject)
    public_key = leaf.public_key()
    result.algorithm = SIGNATURE_METHODS[method]
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < 2048 or method != _C.TransformRsaSha256.href:
            raise _Refused("weak_key" if public_key.key_size < 2048 else "algorithm_not_allowed")
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name != "secp256r1" or method != _C.TransformEcdsaSha256.href:
            raise _Refused(
                "weak_key" if public_key.curve.name != "secp256r1" else "algorithm_not_allowed"
            )
    else:
        raise _Refused("weak_key")

    # The XML-DSig check proper, by libxmlsec1.
    _xmlsec_verify(root, signature, leaf)

    # The signed properties (their digest was checked by xmlsec).
    _check_signing_certificate(props, leaf)
    node = props.find("xades:SignedSignatureProperties/xades:SigningTime", NS)
    try:
        signing_time = (
            datetime.fromisoformat((node.text or "").strip()) if node is not None else None
        )
    except ValueError:
        signing_time = None
    if signing_time is None:
        result.add("signing_time_missing")
    else:
        if signing_time.tzinfo is None:
            signing_time = signing_time.replace(tzinfo=UTC)
        signing_time = result.signing_time = signing_time.astimezone(UTC)
        if signing_time > at + CLOCK_SKEW:
            result.add("signing_time_in_future")
        if not leaf.not_valid_before_utc <= signing_time <= leaf.not_valid_after_utc:
            result.add("signed_outside_validity")
    if at > leaf.not_valid_after_utc:
        result.add("cert_expired")
    elif at < leaf.not_valid_before_utc:
        result.add("cert_not_yet_valid")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            result.add("key_usage")
    except x509.ExtensionNotFound:
        pass
    _check_chain(trust, leaf, [c for c in certs if c is not leaf], at, result)


def _check_signing_certificate(props: etree._Element, leaf: x509.Certificate) -> None:
    ssp = props.find("xades:SignedSignatureProperties", NS)
    found = (
        []
        if ssp is None
        else [
            *ssp.findall("xades:SigningCertificate", NS),
            *ssp.findall("xades:SigningCertificateV2", NS),
        ]
    )
    if len(found) != 1:
        raise _Refused("signature_structure", "Cần đúng một SigningCertificate(V2).")
    cert_nodes = found[0].findall("xades:Cert", NS)
    if not cert_nodes:
        raise _Refused("signature_structure", "SigningCertificate không có chứng thư nào.")
    first = cert_nodes[0]  # the signer's certificate comes first
    algorithm = _algorithm(first.find("xades:CertDigest/ds:DigestMethod", NS))
    if algorithm not in _CERT_DIGESTS:
        raise _Refused("algorithm_not_allowed", f"({algorithm or 'không rõ'})")
    claimed = _b64(first.findtext("xades:CertDigest/ds:DigestValue", namespaces=NS))
    if claimed != leaf.fingerprint(_CERT_DIGESTS[algorithm]()):
        raise _Refused("certificate_mismatch")
    serial = first.findtext("xades:IssuerSerial/ds:X509SerialNumber", namespaces=NS)
    if serial is not None and serial.strip() != str(leaf.serial_number):
        raise _Refused("certificate_mismatch", "(số hiệu chứng thư)")


def _check_chain(
    trust: Trust,
    leaf: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    at: datetime,
    result: Result,
) -> None:
    if not trust.anchors:
        result.add("trust_store_empty")
        return
    when = min(max(at, leaf.not_valid_before_utc), leaf.not_valid_after_utc)
    try:
        chain = trust.chain(leaf, list(intermediates), when)
    except VerificationError as exc:
        result.add("untrusted", technical=str(exc))
        return
    for cert, issuer in pairwise(chain):
        status, when_revoked = trust.revocation(cert, issuer)
        if status == "revoked":
            detail = f"(lúc {when_revoked.isoformat()})" if when_revoked else ""
            result.add("revoked", detail)
        elif status == "unknown":
            result.add("revocation_unknown", f"(CA: {_common_name(issuer.subject)})", "warning")
