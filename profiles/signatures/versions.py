"""Signing and verifying profile versions ("ký số hồ sơ"): the glue between the canonical
document (:mod:`profiles.document`), the signing engine and the workflow.

* :func:`sign_version` signs one approved version as an approver and records it
  (:class:`~profiles.models.ProfileSignature`, :func:`profiles.workflow.mark_signed`).
* :func:`verify_version` checks the stored signed document against the trust store AND against
  the version's snapshot (re-rendered): any change on either side is reported.
* :func:`provide_profile_version` is the batch provider (see :mod:`.tasks`): items are
  ``"<version id>:<user id>"`` so that every item is checked again, at signing time, against
  the approver who started the batch.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from lxml import etree

from cbccvc.crypto import make_mark, mark_matches
from cbccvc.safexml import parse_untrusted
from orgtree.access import APPROVE_ROLES, scope_for
from signing.keys import Signer, certificate_fingerprint, common_name, serial_hex
from signing.models import SigningCredential
from signing.trust import TrustStore, describe_name
from signing.xmlsig import (
    ALGORITHM_LABELS,
    recheck_certificate,
    sign_built_tree,
    verify_document,
)

from .. import document, document_text
from ..document_schema import schema_for
from ..models import Profile, ProfileSignature, ProfileStatus, ProfileVersion, VersionStatus
from ..services import hashes_to
from ..workflow import WorkflowError, mark_signed

PROVIDER = "profiles.signatures.versions.provide_profile_version"
_NS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}


def _label(version: ProfileVersion) -> str:
    profile = version.profile
    return f"{profile.full_name} ({profile.personal_id}), phiên bản {version.number}"


def check_can_sign(version: ProfileVersion, user: Any, *, latest: int | None = None) -> None:
    """Raise unless ``user`` may sign ``version`` now: an approver of the profile's unit or an
    ancestor, the version approved, the latest one, and its snapshot intact. ``latest``: the
    id of the profile's latest version, when the caller has read it (batch signing reads
    those of a whole chunk in one query)."""
    profile = version.profile
    if not scope_for(user).covers(profile.unit, APPROVE_ROLES):
        raise PermissionDenied(
            f"{_label(version)}: bạn không giữ vai trò phê duyệt ở đơn vị của hồ sơ "
            "hoặc đơn vị cấp trên; không được ký."
        )
    if version.status != VersionStatus.APPROVED:
        raise WorkflowError(
            f"{_label(version)}: chỉ ký số được phiên bản đã phê duyệt; phiên bản đang ở "
            f"trạng thái “{version.get_status_display()}”."
        )
    if latest is None:
        latest = profile.versions.order_by("-number").values_list("pk", flat=True).first()
    if latest != version.pk:
        raise WorkflowError(f"{_label(version)}: hồ sơ đã có phiên bản mới hơn; không ký bản cũ.")
    if not hashes_to(version.snapshot, version.content_hash):
        raise WorkflowError(
            f"{_label(version)}: bản chụp của phiên bản không còn khớp mã băm đã phê duyệt; "
            "không ký."
        )


@dataclass(frozen=True)
class SignedInfo:
    """What a signed document says of its signature (see :func:`describe_signed`)."""

    certificate: x509.Certificate
    signing_time: datetime
    algorithm: str


@lru_cache(maxsize=16)
def _certificate(der_base64: str) -> x509.Certificate:
    # a batch signs every document with the same certificate: parsed once
    return x509.load_der_x509_certificate(base64.b64decode(der_base64))


def describe_signed(signed: bytes) -> SignedInfo:
    """The signer's certificate (the first embedded), the claimed signing time, the method."""
    root = parse_untrusted(signed)
    sig = root.find("ds:Signature", _NS)
    cert_text = sig.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=_NS)
    cert = _certificate("".join((cert_text or "").split()))
    when = datetime.fromisoformat(sig.findtext(".//xades:SigningTime", namespaces=_NS).strip())
    method = sig.find("ds:SignedInfo/ds:SignatureMethod", _NS).get("Algorithm", "")
    labels = {m.value: label for m, label in ALGORITHM_LABELS.items()}
    return SignedInfo(cert, when.astimezone(UTC), labels.get(method, method))


# -- the server's mark ---------------------------------------------------------------------------
#
# A signature made here is verified as it is made (the signer checks its signature value with
# the certificate's key; the digests are its own, of the document it rendered from the version
# and validated against the XSD). Its row then carries the server's mark: an HMAC, under a key
# derived from the master key (never in the database), of the version it belongs to (id,
# number, content hash), the signed bytes' SHA-256 and the signer certificate's SHA-256. The
# sync queue, finding the mark intact, knows the bytes are the ones signed and verified here
# for this very version, and only makes again the checks that can change after signing
# (:func:`verify_version` with ``trust_mark``): the certificate's validity now, its chain to a
# CA trusted now, revocation per the CRLs loaded now, and the snapshot against its hash.
# Someone who can write to the database but not read the master key cannot make a mark: a
# row changed, moved to another version or written by hand, and every row signed before
# marks existed, has none that matches, and is verified in full as before.

MARK_PURPOSE = "profile signature made and verified here"


def _mark_message(version: ProfileVersion, document_sha256: str, certificate_sha256: str) -> bytes:
    return json.dumps(
        [version.pk, version.number, version.content_hash, document_sha256, certificate_sha256]
    ).encode()


def signing_mark(version: ProfileVersion, signed: bytes, certificate: x509.Certificate) -> str:
    """The server's mark of ``signed``, the document this server's signer has just made of
    ``version`` with ``certificate`` (see above). Only for bytes our signer returned."""
    return make_mark(
        MARK_PURPOSE,
        _mark_message(
            version,
            hashlib.sha256(signed).hexdigest(),
            certificate.fingerprint(hashes.SHA256()).hex(),
        ),
    )


def mark_holds(
    signature: ProfileSignature, version: ProfileVersion, certificate: x509.Certificate
) -> bool:
    """Whether the signature's mark is the server's mark of its bytes as they are now, for
    ``version`` as it is now, signed with ``certificate`` (see above)."""
    if not signature.signing_mark:
        return False
    message = _mark_message(
        version,
        hashlib.sha256(bytes(signature.signed_document)).hexdigest(),
        certificate.fingerprint(hashes.SHA256()).hex(),
    )
    return mark_matches(MARK_PURPOSE, message, signature.signing_mark)


def new_signature(
    version: ProfileVersion,
    signed: bytes,
    user: Any,
    info: SignedInfo,
    *,
    credential: SigningCredential | None,
    includes_assets: bool,
) -> ProfileSignature:
    """The (unsaved) signature row of ``version`` signed by ``user`` as ``signed``, with the
    server's mark (:func:`signing_mark`): ``signed`` must be what this server's signer has
    just returned for ``version``'s document, rendered and validated against the XSD
    (``render_valid_tree`` / ``render_valid_document``), never bytes from outside."""
    return ProfileSignature(
        version=version,
        signed_document=signed,
        signing_mark=signing_mark(version, signed, info.certificate),
        document_sha256=hashlib.sha256(signed).hexdigest(),
        signed_by=user,
        credential=credential,
        signer_name=common_name(info.certificate.subject)[:255],
        signer_subject=describe_name(info.certificate.subject)[:500],
        certificate_serial=serial_hex(info.certificate),
        issuer=describe_name(info.certificate.issuer)[:500],
        signing_time=info.signing_time,
        algorithm=info.algorithm,
        includes_assets=includes_assets,
    )


def credential_of(user: Any, certificate: x509.Certificate) -> SigningCredential | None:
    """The credential of ``user`` holding ``certificate`` (None: not one of theirs)."""
    return SigningCredential.objects.filter(
        owner=user, fingerprint=certificate_fingerprint(certificate)
    ).first()


@transaction.atomic
def record_signature(
    version: ProfileVersion,
    signed: bytes,
    user: Any,
    *,
    credential: SigningCredential | None = None,
    includes_assets: bool,
) -> ProfileSignature:
    """Store the signed document and move the version to "signed" (all or nothing)."""
    info = describe_signed(signed)
    version = mark_signed(
        version, signed_by=user, signature_reference=f"{serial_hex(info.certificate)}"
    )
    if credential is None:
        credential = credential_of(user, info.certificate)
    signature = new_signature(
        version, signed, user, info, credential=credential, includes_assets=includes_assets
    )
    signature.save(force_insert=True)
    return signature


def render_valid_document(
    version: ProfileVersion, *, include_assets: bool, units: Mapping[Any, str] | None = None
) -> bytes:
    """The version's canonical document in the current schema, refused (WorkflowError naming
    the element) unless it validates: a document that does not validate is never signed.
    ``units``: unit id -> code read once for a batch (see ``document.version_tree``)."""
    return etree.tostring(
        render_valid_tree(version, include_assets=include_assets, units=units),
        xml_declaration=True,
        encoding="UTF-8",
    )


def render_valid_tree(
    version: ProfileVersion, *, include_assets: bool, units: Mapping[Any, str] | None = None
) -> etree._Element:
    """:func:`render_valid_document` as the rendered tree (validated as it is), for
    :func:`~.xmlsig.sign_built_tree`: signing it needs no serialising and parsing again."""
    return render_valid_parts(version, include_assets=include_assets, units=units)[0]


def render_valid_parts(
    version: ProfileVersion, *, include_assets: bool, units: Mapping[Any, str] | None = None
) -> tuple[etree._Element, bytes | None]:
    """:func:`render_valid_tree` and, when the document was written as text, the text it was
    parsed from: the tree's exclusive C14N (``document.version_tree_and_c14n``), which
    :func:`~.xmlsig.sign_built_tree` signs as it is."""
    try:
        root, canonical = document.version_tree_and_c14n(
            version, include_assets=include_assets, units=units
        )
    except document.DocumentError as exc:
        raise WorkflowError(f"{_label(version)}: " + "; ".join(exc.messages)) from exc
    # the tree as rendered is validated (no second parse); the messages, with line numbers,
    # come from the bytes
    valid = schema_for(document.SCHEMA_VERSION).validate(root)
    if valid:
        return root, canonical
    errors = document.validate_document(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    )
    if errors:
        shown = "; ".join(errors[:3]) + (
            f" (và {len(errors) - 3} lỗi khác)" if len(errors) > 3 else ""
        )
        raise WorkflowError(
            f"{_label(version)}: tài liệu hồ sơ không đúng lược đồ "
            f"ho-so-cbccvc-{document.SCHEMA_VERSION}, không ký: {shown}"
        )
    return root, canonical


def sign_version(
    version: ProfileVersion,
    signer: Signer,
    user: Any,
    *,
    credential: SigningCredential | None = None,
    signing_time: datetime | None = None,
) -> ProfileSignature:
    """Sign one approved version as ``user`` (an approver in scope) with ``signer``."""
    version = ProfileVersion.objects.select_related("profile__unit").get(pk=version.pk)
    check_can_sign(version, user)
    include_assets = document.assets_included_by_default()
    root, canonical = render_valid_parts(version, include_assets=include_assets)
    signed = sign_built_tree(root, signer, signing_time=signing_time, canonical=canonical)
    return record_signature(
        version, signed, user, credential=credential, includes_assets=include_assets
    )


# -- batch provider -----------------------------------------------------------------------------


def batch_item(version: ProfileVersion, user: Any) -> str:
    return f"{version.pk}:{user.pk}"


class ProfileVersionProvider:
    """The batch provider (see :mod:`.tasks`): items ``"<version>:<user>"``. One item:
    ``provider(item_id) -> (xml, store)``; a chunk: :meth:`read_chunk` and :meth:`store_chunk`
    (:mod:`.profile_batch`, set-based)."""

    def __call__(self, item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
        try:
            version_id, user_id = (int(part) for part in str(item_id).split(":"))
        except ValueError as exc:
            raise LookupError(f"Mục “{item_id}” không đúng dạng phiên bản:người ký.") from exc
        version = (
            ProfileVersion.objects.select_related("profile__unit").filter(pk=version_id).first()
        )
        if version is None:
            raise LookupError(f"Không có phiên bản hồ sơ #{version_id}.")
        user = get_user_model().objects.get(pk=user_id)
        check_can_sign(version, user)
        include_assets = document.assets_included_by_default()
        xml = render_valid_document(version, include_assets=include_assets)

        def store(signed: bytes) -> None:
            record_signature(version, signed, user, includes_assets=include_assets)

        return xml, store

    def read_chunk(self, item_ids: Sequence[Any]) -> list[Any]:
        from .batch import read_chunk

        return read_chunk(item_ids)

    def store_chunk(self, signed: Sequence[tuple[Any, bytes]]) -> dict[str, Exception]:
        from .batch import store_chunk

        return store_chunk(signed)


#: the provider named by :data:`PROVIDER`
provide_profile_version = ProfileVersionProvider()


def latest_signable_version(profile: Profile) -> ProfileVersion:
    """The version of ``profile`` a batch would sign, or a WorkflowError saying why none."""
    version = profile.versions.order_by("-number").first()
    if profile.status != ProfileStatus.APPROVED or version is None:
        raise WorkflowError(
            f"{profile.full_name} ({profile.personal_id}): hồ sơ đang ở trạng thái "
            f"“{profile.get_status_display()}”, không phải “đã phê duyệt”; không ký."
        )
    return version


# -- verification -------------------------------------------------------------------------------


@dataclass
class VersionVerification:
    """The result of :func:`verify_version`: the signature's own check plus the comparison of
    the signed content with the version's snapshot."""

    signature: ProfileSignature
    result: Any  # xmlsig.VerificationResult
    changed_groups: list[int] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)  # snapshot comparison
    stamp: dict[str, str] = field(default_factory=dict)  # see verification_stamp
    # the signature's own cryptography (digests, value, shape) was not checked again: the
    # server's mark vouches for it (see signing_mark); the certificate checks were made now
    by_mark: bool = False

    @property
    def ok(self) -> bool:
        return self.result.ok and not self.problems

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.result.errors] + [p["message"] for p in self.problems]

    def as_dict(self) -> dict[str, Any]:
        data = self.result.as_dict()
        data["problems"] = data["problems"] + self.problems
        data["ok"] = self.ok
        data["changed_groups"] = self.changed_groups
        data["by_mark"] = self.by_mark
        data.update(self.stamp)
        return data


def _group_nodes(root: etree._Element) -> dict[str, bytes]:
    nodes = {}
    namespace = etree.QName(root).namespace
    for child in root:
        qname = etree.QName(child)
        if qname.namespace == namespace:
            nodes[qname.localname] = etree.tostring(child, method="c14n", exclusive=True)
    return nodes


def _signed_for_snapshot(signed_root: etree._Element, version: ProfileVersion) -> bool:
    """Whether the signed document names exactly this version and the SHA-256 hash of its
    snapshot (the signed ``maBam`` attribute). The caller has already checked that the stored
    snapshot still hashes to ``version.content_hash``, so the stored data is the data that was
    rendered and signed: no need to re-render it. Re-rendering (and naming the groups that
    differ) is only done when this binding fails; it also keeps old signatures valid if a
    later release renders the same snapshot differently."""
    return (
        signed_root.get("maBam") == version.content_hash
        and signed_root.get("soDinhDanh") == document.personal_id_of(version.snapshot)
        and signed_root.get("phienBan") == str(version.number)
    )


def _starts_as_signed_for_snapshot(signed_content: bytes, version: ProfileVersion) -> bool:
    """:func:`_signed_for_snapshot` read from the canonical bytes without parsing them: they
    start with the root start tag a 1.1 document of this version and snapshot hash has in
    canonical form (a document a verifier did not parse; anything else is parsed)."""
    return signed_content.startswith(
        document_text.canonical_start_tags(
            document.personal_id_of(version.snapshot), version.number, version.content_hash
        )
    )


def _compare_with_snapshot(
    version: ProfileVersion, signed_content: bytes, signed_root: etree._Element | None = None
) -> tuple[list[int], list[dict[str, str]]]:
    """Re-render the version's snapshot and compare it with the signed content; on a
    difference, name the groups (and root attributes) that differ. ``signed_root``: the
    verified tree's root (``VerificationResult.signed_root``), whose name and attributes are
    those of ``signed_content``: the binding to the snapshot is read from it without parsing
    ``signed_content`` again; the groups are always compared from ``signed_content``."""
    problems: list[dict[str, str]] = []
    if not hashes_to(version.snapshot, version.content_hash):
        problems.append(
            {
                "code": "snapshot_hash",
                "message": "Bản chụp của phiên bản không còn khớp mã băm đã phê duyệt.",
                "severity": "error",
            }
        )
    if not problems and (
        _signed_for_snapshot(signed_root, version)
        if signed_root is not None
        else _starts_as_signed_for_snapshot(signed_content, version)
    ):
        return [], problems
    signed_root = parse_untrusted(signed_content)
    if not problems and _signed_for_snapshot(signed_root, version):
        return [], problems
    include_assets = signed_root.get("coTaiSanThuNhap") == "true"
    # re-rendered in the schema version of the signed document (1.0 documents stay verifiable)
    schema_version = (
        document.version_of_namespace(etree.QName(signed_root).namespace) or document.SCHEMA_VERSION
    )
    try:
        fresh_root = document.version_tree(
            version, include_assets=include_assets, schema_version=schema_version
        )
    except document.DocumentError as exc:
        message = "Bản chụp của phiên bản hồ sơ bị hỏng: " + "; ".join(exc.messages)
        invalid = {"code": "snapshot_invalid", "message": message, "severity": "error"}
        return [], [*problems, invalid]
    if etree.tostring(fresh_root, method="c14n", exclusive=True) == signed_content:
        return [], problems
    signed_groups, fresh_groups = _group_nodes(signed_root), _group_nodes(fresh_root)
    changed = []
    for spec in document.groups(schema_version):
        name = f"Nhom{spec.number}"
        if signed_groups.get(name) != fresh_groups.get(name):
            changed.append(spec.number)
            problems.append(
                {
                    "code": "snapshot_mismatch",
                    "message": (
                        f"Nhóm {spec.number} ({spec.label}) của phiên bản hồ sơ đang lưu khác "
                        "với nội dung đã ký số: hồ sơ đã bị thay đổi sau khi ký."
                    ),
                    "severity": "error",
                }
            )
    for attr, label in (
        ("soDinhDanh", "số định danh"),
        ("phienBan", "số phiên bản"),
        ("maBam", "mã băm bản chụp"),
    ):
        if signed_root.get(attr) != fresh_root.get(attr):
            problems.append(
                {
                    "code": "snapshot_mismatch",
                    "message": f"{label.capitalize()} của phiên bản khác với bản đã ký số.",
                    "severity": "error",
                }
            )
    if not changed and len(problems) == 0:
        problems.append(
            {
                "code": "snapshot_mismatch",
                "message": "Nội dung đã ký số khác với phiên bản hồ sơ đang lưu.",
                "severity": "error",
            }
        )
    return changed, problems


def verify_version(
    version: ProfileVersion,
    *,
    trust_store: TrustStore | None = None,
    at: datetime | None = None,
    store: bool = True,
    signature: ProfileSignature | None = None,
    trust_mark: bool = False,
) -> VersionVerification:
    """Re-verify the stored signed document of ``version`` and compare the signed content with
    the version's snapshot; store the outcome as the signature's last verification (unless
    ``store`` is false: the caller stores it, e.g. the sync queue, once per batch). The stored
    outcome says against what it was made (:func:`verification_stamp`), so that
    :func:`verification_is_current` can tell later whether it still holds.

    ``trust_mark`` (the sync queue): when the signature carries the server's mark of these
    bytes for this version (see :func:`signing_mark`) and the snapshot still hashes to the
    version's hash, the signature's own cryptography is not checked again — only what can
    change after signing, as :func:`verify_document` checks it (``xmlsig.recheck_certificate``:
    the certificate's validity, chain and revocation now), with the same outcome. Anything
    else (no mark, another mark, changed bytes or version) is verified in full."""
    if signature is None:
        signature = ProfileSignature.objects.filter(version=version).first()
    if signature is None:
        raise WorkflowError(f"Phiên bản {version.number} của hồ sơ chưa được ký số.")
    trust_store = trust_store or TrustStore.from_database()
    document_bytes = bytes(signature.signed_document)
    outcome = (
        _verify_by_mark(version, signature, document_bytes, trust_store, at)
        if (trust_mark and signature.signing_mark)
        else None
    )
    if outcome is None:
        result = verify_document(document_bytes, trust_store, at=at)
        outcome = VersionVerification(signature, result)
        if result.signed_content is not None:
            outcome.changed_groups, outcome.problems = _compare_with_snapshot(
                version, result.signed_content, result.signed_root
            )
    result = outcome.result
    outcome.stamp = verification_stamp(version, document_bytes, trust_store.revision, result)
    if not store:
        return outcome
    now = datetime.now(UTC)
    ProfileSignature.objects.filter(pk=signature.pk).update(
        last_verified_at=now,
        last_verification_ok=outcome.ok,
        last_verification=outcome.as_dict(),
    )
    signature.last_verified_at = now
    signature.last_verification_ok = outcome.ok
    signature.last_verification = outcome.as_dict()
    return outcome


def _verify_by_mark(
    version: ProfileVersion,
    signature: ProfileSignature,
    document_bytes: bytes,
    trust_store: TrustStore,
    at: datetime | None,
) -> VersionVerification | None:
    """The outcome of :func:`verify_version` when the server's mark holds (see there), else
    None."""
    if not hashes_to(version.snapshot, version.content_hash):
        return None  # the full check names what changed
    result = recheck_certificate(document_bytes, trust_store, at=at)
    if result is None or result.certificate is None:
        return None
    if not mark_holds(signature, version, result.certificate):
        return None
    return VersionVerification(signature, result, by_mark=True)


def verification_stamp(
    version: ProfileVersion, signed_document: bytes, trust_revision: str, result: Any
) -> dict[str, str]:
    """What a verification was made against: the trust store's revision, the signed bytes and
    the version's content hash, and the time until which its certificate checks hold (the
    signer certificate's end of validity: after it, "expired" would be reported)."""
    not_after = getattr(result, "not_after", None)
    return {
        "trust_revision": trust_revision,
        "document_sha256": hashlib.sha256(signed_document).hexdigest(),
        "content_hash": version.content_hash,
        "valid_until": not_after.isoformat() if not_after else "",
    }


def verification_is_current(
    signature: ProfileSignature,
    version: ProfileVersion,
    *,
    trust_revision: str,
    now: datetime,
    require: Iterable[str] = (),
) -> bool:
    """Whether the signature's stored verification still holds, so that it need not be made
    again: it succeeded; it is not older than the version's signing; it was made against the
    same trust store revision (no CA or CRL changed since), the same signed bytes and the same
    snapshot hash; its certificate has not expired since; and it recorded every flag in
    ``require`` as true (e.g. the sender's XSD check). Anything else → verify again."""
    data = signature.last_verification or {}
    verified_at = signature.last_verified_at
    if signature.last_verification_ok is not True or verified_at is None:
        return False
    if version.signed_at is not None and verified_at < version.signed_at:
        return False
    if data.get("trust_revision") != trust_revision:
        return False
    if data.get("content_hash") != version.content_hash:
        return False
    if not hashes_to(version.snapshot, version.content_hash):
        return False  # the stored snapshot changed: let the full check name it
    if data.get("document_sha256") != hashlib.sha256(bytes(signature.signed_document)).hexdigest():
        return False
    try:
        valid_until = datetime.fromisoformat(str(data.get("valid_until", "")))
    except ValueError:
        return False
    if now > valid_until:
        return False
    return all(data.get(flag) is True for flag in require)


def signable_items(profiles: Iterable[Profile], user: Any) -> tuple[list[str], list[str]]:
    """Split selected profiles into batch items ``user`` may sign and refusals (one
    Vietnamese message per refused profile, naming it). Nothing is signed here."""
    items: list[str] = []
    refused: list[str] = []
    for profile in profiles:
        try:
            version = latest_signable_version(profile)
            version.profile = profile
            check_can_sign(version, user)
        except (WorkflowError, PermissionDenied) as exc:
            refused.append(_message(exc))
        else:
            items.append(batch_item(version, user))
    return items, refused


def _message(exc: Exception) -> str:
    if isinstance(exc, WorkflowError):
        return "; ".join(exc.messages)
    return str(exc)


def version_of_item(item_id: str) -> int | None:
    try:
        return int(str(item_id).split(":")[0])
    except ValueError:
        return None
