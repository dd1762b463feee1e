"""Profile signing end to end: the canonical document, signing a version through the real
workflow, verification against the trust store and the snapshot, tampering per data group."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from lxml import etree

from orgtree.models import Role
from profiles import document, workflow
from profiles.models import (
    CHILD_MODELS,
    Profile,
    ProfileSignature,
    ProfileStatus,
    ProfileVersion,
    VersionStatus,
)
from profiles.services import DERIVED_FIELDS, content_hash, snapshot
from profiles.signatures.versions import sign_version, verify_version
from profiles.workflow import WorkflowError
from signing.keys import KeyFileSigner
from signing.trust import TrustStore

from .profile_helpers import approved_version, empty_tables, generated_person

DSIG = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


@pytest.fixture(scope="module")
def approver_key(test_ca):
    return test_ca.issue("lanh_dao", "Lê Văn Duyệt")


@pytest.fixture(scope="module")
def signer(approver_key) -> KeyFileSigner:
    return KeyFileSigner.from_pkcs12(approver_key.pkcs12, approver_key.pin)


@pytest.fixture
def person(tree, reference_data):
    return generated_person(tree["H40.10"], seed=11)


@pytest.fixture
def version(person, hr, approver):
    return approved_version(person, hr, approver)


# -- the document -------------------------------------------------------------------------------


def test_document_is_stable_typed_and_valid(version, person):
    assert empty_tables(person) == []  # every data group has content
    first = document.render_profile_document(version)
    again = document.render_profile_document(ProfileVersion.objects.get(pk=version.pk))
    assert first == again
    assert document.validate_document(first) == []
    root = etree.fromstring(first)
    assert root.tag == f"{{{document.NAMESPACE}}}HoSo"
    names = [etree.QName(c).localname for c in root]
    # Decree order, group 9 left out by default
    assert names == [f"Nhom{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
    assert root.get("coTaiSanThuNhap") == "false"
    assert "Ô tô con".encode() not in first
    ns = {"h": document.NAMESPACE}
    assert root.findtext("h:Nhom1/h:date_of_birth", namespaces=ns) == (
        person.date_of_birth.isoformat()
    )
    coefficient = root.findtext(
        "h:Nhom6/h:salary_history/h:Dong[last()]/h:coefficient", namespaces=ns
    )
    assert Decimal(coefficient) == Decimal(version.snapshot["salary_history"][-1]["coefficient"])
    rows = root.findall("h:Nhom3/h:work_history/h:Dong", ns)
    assert [r.get("stt") for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    # no database ids in the signed document (schema 1.1): rows are keyed by ``stt``
    assert not {etree.QName(el).localname for el in root.iter()} & {"id", "unit_id"}


def test_group_nine_only_when_configured(version):
    with override_settings(CBCCVC_SIGN_ASSETS_INCOME=True):
        xml = document.render_profile_document(version)
    assert document.validate_document(xml) == []
    root = etree.fromstring(xml)
    assert [etree.QName(c).localname for c in root][8] == "Nhom9"
    assert "Ô tô con".encode() in xml


def test_committed_xsd_is_the_generated_one():
    assert document.SCHEMA_PATH.read_bytes() == document.schema_document(), (
        "Lược đồ XSD đã cũ: chạy python manage.py profile_schema --write"
    )


def test_every_snapshot_value_has_a_place_in_the_document(person):
    data = snapshot(person)
    profile_fields = {f.key for g in document.groups() for f in g.fields}
    tables = {t.key: t for g in document.groups() for t in g.tables}
    # every value but the database id (schema 1.1 keys rows by position, units by code)
    assert set(data["profile"]) - {"id"} == profile_fields
    assert set(data) - {"profile"} == set(tables) == set(CHILD_MODELS)
    for key, rows in data.items():
        if key != "profile":
            assert set(rows[0]) - {"id"} == {f.key for f in tables[key].fields}
    current = {f.key for f in document.group(6).fields}
    assert current == set(DERIVED_FIELDS)


def test_a_bad_snapshot_value_names_the_field(version):
    data = copy.deepcopy(version.snapshot)
    data["work_history"][0]["start_date"] = "31/02/2020"
    broken = ProfileVersion(
        profile=version.profile, number=9, snapshot=data, content_hash=version.content_hash
    )
    with pytest.raises(document.DocumentError, match=r"quá trình công tác, dòng 1.*start_date"):
        document.render_profile_document(broken)


# -- signing ------------------------------------------------------------------------------------


def test_the_signed_document_is_encrypted_at_rest_and_verifies_as_signed(
    person, hr, approver, signer, test_ca
):
    """The signed XML carries group 10 (health): the column holds only a Fernet token, and the
    bytes read back are the very bytes that were signed."""
    from django.db import connection

    from profiles.models import HealthRecord

    condition = "Viêm gan B mạn tính, theo dõi định kỳ"
    HealthRecord.objects.create(profile=person, recorded_on=date(2025, 6, 1), status=condition)
    signature = sign_version(approved_version(person, hr, approver), signer, approver)
    assert condition.encode() in signature.signed_document  # group 10 is in what was signed
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT signed_document FROM profiles_profilesignature WHERE id = %s", [signature.pk]
        )
        raw = bytes(cursor.fetchone()[0])
    assert raw.startswith(b"enc1:")
    assert condition.encode() not in raw and person.personal_id.encode() not in raw
    fresh = ProfileSignature.objects.get(pk=signature.pk)
    assert fresh.signed_document == signature.signed_document
    assert verify_version(fresh.version, trust_store=test_ca.trust_store()).ok


def test_signatures_stored_before_encryption_are_read_and_sealed_by_the_migration(
    version, signer, approver, test_ca
):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    signature = sign_version(version, signer, approver)
    signed = bytes(signature.signed_document)
    with connection.cursor() as cursor:  # a row as it was before encryption
        cursor.execute(
            "UPDATE profiles_profilesignature SET signed_document = %s WHERE id = %s",
            [signed, signature.pk],
        )
    assert ProfileSignature.objects.get(pk=signature.pk).signed_document == signed
    migration = import_module("profiles.migrations.0010_encrypt_signed_documents")
    editor = SimpleNamespace(connection=connection)
    migration.seal_signed_documents(apps, editor)

    def raw() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT signed_document FROM profiles_profilesignature WHERE id = %s",
                [signature.pk],
            )
            return bytes(cursor.fetchone()[0])

    assert raw().startswith(b"enc1:")
    assert ProfileSignature.objects.get(pk=signature.pk).signed_document == signed
    migration.open_signed_documents(apps, editor)
    assert raw() == signed
    assert verify_version(version, trust_store=test_ca.trust_store()).ok


def test_a_version_is_signed_in_canonical_form_and_verified_without_parsing_it(
    version, signer, approver, test_ca, monkeypatch
):
    """sign_version writes the rendered document as its exclusive C14N (the text path); the
    verification digests those bytes as written and binds them to the version by their
    root's canonical start tag, with no parse; a version they do not name is still found
    out (then the bytes are parsed and the groups compared)."""
    from profiles.signatures import versions

    signature = sign_version(version, signer, approver)
    signed = bytes(signature.signed_document)
    unsigned = etree.fromstring(signed)
    unsigned.remove(unsigned[-1])
    c14n = etree.tostring(unsigned, method="c14n", exclusive=True)
    start = signed.index(b"<ds:Signature ")
    assert signed[:start] == b"<?xml version='1.0' encoding='UTF-8'?>\n" + c14n[: -len(b"</HoSo>")]

    def no_parse(xml):
        raise AssertionError("parsed the signed document")

    with monkeypatch.context() as patched:
        patched.setattr(versions, "parse_untrusted", no_parse)
        patched.setattr("signing.xmlsig._parse", no_parse)
        outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert outcome.ok, outcome.messages
    assert outcome.result.signed_root is None and outcome.result.signed_content == c14n

    version.refresh_from_db()
    ProfileVersion.objects.filter(pk=version.pk).update(number=version.number + 5)
    version.refresh_from_db()
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert not outcome.ok
    assert any(p["code"].startswith("snapshot") for p in outcome.problems), outcome.problems


def test_sign_verify_and_a_later_edit_opens_a_new_version(
    version, person, signer, approver, hr, test_ca
):
    signature = sign_version(version, signer, approver)
    version.refresh_from_db()
    person.refresh_from_db()
    assert version.status == VersionStatus.SIGNED and version.signed_by == approver
    assert person.status == ProfileStatus.SIGNED
    assert int(signature.certificate_serial, 16) == signer.certificate.serial_number
    assert "Lê Văn Duyệt" in signature.signer_name
    assert signature.algorithm == "RSA-SHA256"
    assert signature.includes_assets is False
    signed = bytes(signature.signed_document)
    # the signed document is the canonical one plus the signature, and still valid
    assert document.validate_document(signed) == []
    assert etree.QName(etree.fromstring(signed)[-1]).namespace == DSIG

    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert outcome.ok, outcome.messages
    stored = ProfileSignature.objects.get(pk=signature.pk)
    assert stored.last_verification_ok is True and stored.last_verified_at is not None
    assert stored.last_verification["serial"] == signature.certificate_serial

    # signed is final: signing again is refused
    with pytest.raises(WorkflowError, match="đã phê duyệt"):
        sign_version(version, signer, approver)

    # an edit re-opens the profile; the signed version is untouched and still verifies
    person.phone = "0987654321"
    person._change_reason = "Sửa số điện thoại"
    person.save()
    workflow.note_profile_changed(person.pk)
    person.refresh_from_db()
    assert person.status == ProfileStatus.DRAFT
    second = workflow.submit(person, hr)
    assert second.number == version.number + 1
    with pytest.raises(WorkflowError):
        sign_version(second, signer, approver)  # not approved yet
    workflow.approve(second, approver)
    second.refresh_from_db()
    sign_version(second, signer, approver)
    assert verify_version(version, trust_store=test_ca.trust_store()).ok
    assert verify_version(second, trust_store=test_ca.trust_store()).ok
    assert b"0987654321" in bytes(second.signature.signed_document)
    assert b"0987654321" not in bytes(ProfileSignature.objects.get(pk=signature.pk).signed_document)


def test_only_an_approver_in_scope_signs_an_approved_version(
    tree, user_with, person, hr, approver, signer
):
    submitted = workflow.submit(person, hr)
    with pytest.raises(WorkflowError, match="đã phê duyệt"):
        sign_version(submitted, signer, approver)
    workflow.approve(submitted, approver)
    outsider = user_with("pheduyet_ha_tinh", (tree["H42"], Role.APPROVER))
    sibling = user_with("pheduyet_noi_vu", (tree["H40.11"], Role.APPROVER))
    for user in (outsider, sibling, hr):
        with pytest.raises(PermissionDenied, match="vai trò phê duyệt"):
            sign_version(submitted, signer, user)
    submitted.refresh_from_db()
    assert submitted.status == VersionStatus.APPROVED
    assert not ProfileSignature.objects.exists()


def test_verification_against_another_trust_store_fails(version, signer, approver, other_ca):
    sign_version(version, signer, approver)
    outcome = verify_version(version, trust_store=other_ca.trust_store())
    assert not outcome.ok
    assert "untrusted" in outcome.result.codes
    assert not ProfileSignature.objects.get().last_verification_ok
    empty = verify_version(version, trust_store=TrustStore(anchors=[], crls=[]))
    assert not empty.ok and "trust_store_empty" in empty.result.codes


# -- tampering, group by group ------------------------------------------------------------------


def _mutate_text(value: str, xsd_type: str) -> str:
    if xsd_type == "xs:date":
        d = date.fromisoformat(value)
        return d.replace(year=d.year - 1).isoformat()
    if xsd_type in {"xs:integer", "xs:decimal"}:
        return str(Decimal(value) + 1)
    if xsd_type == "xs:boolean":
        return "false" if value == "true" else "true"
    return value + "x"


def _spec(number: int, name: str) -> document.FieldSpec:
    g = document.group(number)
    return next(f for f in (*g.fields, *(f for t in g.tables for f in t.fields)) if f.name == name)


def _rendered_groups(include_assets: bool) -> list[int]:
    return [g.number for g in document.groups() if include_assets or g.number != 9]


@pytest.mark.parametrize("include_assets", [False, True])
def test_a_change_of_any_group_in_the_signed_xml_is_detected(
    version, signer, approver, test_ca, include_assets
):
    with override_settings(CBCCVC_SIGN_ASSETS_INCOME=include_assets):
        signature = sign_version(version, signer, approver)
    original = bytes(signature.signed_document)
    ns = {"h": document.NAMESPACE}
    for number in _rendered_groups(include_assets):
        root = etree.fromstring(original)
        node = next(
            el
            for el in root.find(f"h:Nhom{number}", ns).iter()
            if el.text and el.text.strip() and etree.QName(el).localname != "id"
        )
        node.text = _mutate_text(node.text, _spec(number, etree.QName(node).localname).xsd_type)
        tampered = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        ProfileSignature.objects.filter(pk=signature.pk).update(signed_document=tampered)
        outcome = verify_version(version, trust_store=test_ca.trust_store())
        assert not outcome.ok, f"nhóm {number}"
        assert "content_modified" in outcome.result.codes, f"nhóm {number}"
        assert any("thay đổi" in m for m in outcome.messages), outcome.messages
    ProfileSignature.objects.filter(pk=signature.pk).update(signed_document=original)
    assert verify_version(version, trust_store=test_ca.trust_store()).ok


def _mutate_value(value, spec: document.FieldSpec):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return _mutate_text(value, spec.xsd_type)


def _tamper_snapshot(data: dict, number: int) -> dict:
    """Change one value (not an id) of group ``number`` in a copy of the snapshot."""
    data = copy.deepcopy(data)
    spec = document.group(number)
    for f in spec.fields:
        if not f.source and data["profile"].get(f.key) not in (None, ""):
            data["profile"][f.key] = _mutate_value(data["profile"][f.key], f)
            return data
    for table in spec.tables:
        for row in data[table.key]:
            for f in table.fields:
                if not f.source and row.get(f.key) not in (None, ""):
                    row[f.key] = _mutate_value(row[f.key], f)
                    return data
    raise AssertionError(f"nhóm {number} không có dữ liệu để sửa")


def test_a_change_of_any_group_in_the_snapshot_is_detected(version, signer, approver, test_ca):
    sign_version(version, signer, approver)
    original = version.snapshot
    for number in _rendered_groups(include_assets=False):
        ProfileVersion.objects.filter(pk=version.pk).update(
            snapshot=_tamper_snapshot(original, number)
        )
        version.refresh_from_db()
        outcome = verify_version(version, trust_store=test_ca.trust_store())
        assert not outcome.ok
        assert outcome.result.ok  # the signature itself is intact …
        assert outcome.changed_groups == [number]  # … the version's data is not
        assert any(f"Nhóm {number} (" in m and "sau khi ký" in m for m in outcome.messages)
    # group 9 is not in the signed document by default: the approved hash still catches it
    ProfileVersion.objects.filter(pk=version.pk).update(snapshot=_tamper_snapshot(original, 9))
    version.refresh_from_db()
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert not outcome.ok and outcome.changed_groups == []
    assert any("mã băm" in m for m in outcome.messages)
    # a snapshot value that cannot even be rendered is reported, naming the field
    broken = copy.deepcopy(original)
    broken["profile"]["date_of_birth"] = "không phải ngày"
    ProfileVersion.objects.filter(pk=version.pk).update(snapshot=broken)
    version.refresh_from_db()
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert not outcome.ok and any("bị hỏng" in m and "date_of_birth" in m for m in outcome.messages)
    ProfileVersion.objects.filter(pk=version.pk).update(snapshot=original)
    version.refresh_from_db()
    assert verify_version(version, trust_store=test_ca.trust_store()).ok


def test_verify_unsigned_version_is_refused(version):
    with pytest.raises(WorkflowError, match="chưa được ký số"):
        verify_version(version)


def test_profile_has_no_signature_before_signing(person):
    assert not Profile.objects.get(pk=person.pk).versions.filter(signature__isnull=False).exists()


def test_a_change_with_a_recomputed_hash_is_still_detected(version, signer, approver, test_ca):
    """Whoever rewrites the snapshot *and* its stored hash still meets the signed ``maBam``:
    the version no longer matches what was signed, and the changed group is named."""
    sign_version(version, signer, approver)
    tampered = _tamper_snapshot(version.snapshot, 3)
    ProfileVersion.objects.filter(pk=version.pk).update(
        snapshot=tampered, content_hash=content_hash(tampered)
    )
    version.refresh_from_db()
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert outcome.result.ok and not outcome.ok
    assert outcome.changed_groups == [3]
