"""Profile sync over real HTTP: per-item results, idempotency, XSD and signature checks, M51."""

from __future__ import annotations

import base64

import pytest

from signing.testca import make_test_ca
from syncing import contract
from syncing.client import ContractError, ProfileItem

from .conftest import AGENCY, NATIONAL_DB

pytestmark = NATIONAL_DB


@pytest.fixture
def client(national_server, national_ca):
    national_server.trust(national_ca)
    national_server.add_units(AGENCY, "H25.101")
    return national_server.client(national_server.issue_key())


def test_each_item_gets_its_own_result(client, signed_profiles):
    from syncing.emulator.models import ReceivedProfile

    good = signed_profiles[0].item("H25.101")
    tampered_doc = signed_profiles[1].document.replace(
        signed_profiles[1].full_name.encode(), "Nguyễn Văn Sửa".encode(), 1
    )
    tampered = ProfileItem(
        signed_profiles[1].personal_id, signed_profiles[1].version_hash, AGENCY, tampered_doc
    )
    not_xsd = ProfileItem(
        signed_profiles[2].personal_id,
        signed_profiles[2].version_hash,
        AGENCY,
        b'<?xml version="1.0"?><HoSo xmlns="urn:cbccvc:ho-so:1.0"><Sai/></HoSo>',
    )
    wrong_unit = signed_profiles[3].item("H12.101")
    mismatch = ProfileItem("001085012345", signed_profiles[4].version_hash, AGENCY,
                           signed_profiles[4].document)  # fmt: skip
    results = client.submit_profiles([good, tampered, not_xsd, wrong_unit, mismatch])
    assert [r.status for r in results] == ["accepted"] + ["rejected"] * 4
    assert [r.code for r in results[1:]] == [
        "signature_invalid", "xsd_invalid", "unit_unknown", "document_mismatch",
    ]  # fmt: skip
    assert all(r.message for r in results[1:])
    assert results[0].receipt_id and results[0].received_at
    assert list(ReceivedProfile.objects.values_list("personal_id", flat=True)) == [
        signed_profiles[0].personal_id
    ]


def test_untrusted_signer_is_rejected(client, signed_profiles):
    from profiles import document
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

    stranger = make_test_ca([("la", "Người Lạ")], with_ecdsa=False).credentials[0]
    unsigned = document.validate_document  # the same canonical XML, signed by another CA
    from lxml import etree

    root = etree.fromstring(signed_profiles[0].document)
    root.remove(root[-1])  # drop the trusted signature
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert unsigned(xml) == []
    resigned = sign_document(xml, KeyFileSigner.from_pkcs12(stranger.pkcs12, stranger.pin))
    p = signed_profiles[0]
    [result] = client.submit_profiles(
        [ProfileItem(p.personal_id, p.version_hash, AGENCY, resigned)]
    )
    assert result.status == "rejected"
    assert result.code == "signature_invalid"
    assert result.problems


def test_duplicate_in_one_batch_and_across_batches_is_one_record(client, signed_profiles):
    from syncing.emulator.models import ReceivedProfile

    item = signed_profiles[5].item()
    first = client.submit_profiles([item, item])
    assert [r.status for r in first] == ["accepted", "already_received"]
    again = client.submit_profiles([item])
    assert again[0].status == "already_received"
    assert again[0].receipt_id == first[0].receipt_id
    assert ReceivedProfile.objects.filter(personal_id=item.personal_id).count() == 1
    status = client.profile_status([(item.personal_id, item.version_hash), ("0" * 12, "a" * 64)])
    assert [s["received"] for s in status] == [True, False]


def test_batch_limits(client, signed_profiles):
    with pytest.raises(ContractError) as info:
        client.submit_profiles([signed_profiles[0].item()] * (contract.MAX_BATCH + 1))
    assert info.value.code == "batch_too_large"
    assert info.value.status == 413


def test_m51_validates_in_full_and_stores_nothing(client, signed_profiles):
    from syncing.emulator.models import ReceivedProfile

    bad = ProfileItem(signed_profiles[1].personal_id, signed_profiles[1].version_hash, AGENCY,
                      base64.b64decode(b"bm90IHhtbA=="))  # fmt: skip
    answer = client.test_sync([signed_profiles[0].item(), bad])
    assert answer["stored"] is False
    assert answer["summary"] == {"total": 2, "valid": 1, "invalid": 1}
    assert [r.status for r in answer["results"]] == ["valid", "invalid"]
    assert answer["results"][1].code == "document_malformed"
    assert not ReceivedProfile.objects.exists()


@pytest.mark.parametrize("count", [0, 11])
def test_m51_takes_one_to_ten(client, signed_profiles, count):
    items = [signed_profiles[i % len(signed_profiles)].item() for i in range(count)]
    with pytest.raises(ContractError) as info:
        client.test_sync(items)
    assert info.value.code == "m51_item_count"
    assert info.value.status == 400


def test_batches_larger_than_the_form_upload_limit_are_read(client, signed_profiles, settings):
    # a batch of 100 real signed profiles is larger than Django's 2.5 MB form limit; the
    # limit is lowered here so that three documents exceed it
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    results = client.submit_profiles([p.item() for p in signed_profiles[6:9]])
    assert [r.status for r in results] == ["accepted"] * 3


def test_the_emulator_refuses_a_document_off_the_schema_naming_the_element(
    client, signed_profiles, national_ca
):
    """Schema 1.1 (issue 18): a signed document whose code is off its code list is refused
    before its signature is even checked, and the message names the element."""
    from lxml import etree

    from profiles import document
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

    cred = national_ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    p = signed_profiles[0]
    root = etree.fromstring(p.document)
    root.remove(root[-1])
    assert root.get(document.VERSION_ATTRIBUTE) == "1.1"
    root.find(f"{{{document.NAMESPACE}}}Nhom1/{{{document.NAMESPACE}}}sex").text = "9"
    bad = sign_document(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), signer)
    [result] = client.submit_profiles([ProfileItem(p.personal_id, p.version_hash, AGENCY, bad)])
    assert result.status == "rejected" and result.code == "xsd_invalid"
    assert "HoSo/Nhom1/sex (giới tính)" in result.message


def test_the_emulator_still_accepts_a_document_signed_in_schema_1_0(client, national_ca):
    """A version signed before 1.1 (namespace urn:cbccvc:ho-so:1.0) is validated by the frozen
    1.0 XSD and accepted."""
    from datetime import date

    from django.db import transaction

    from orgtree.models import Unit
    from profiles import document
    from profiles.codelists import clear_cache, load_codelists
    from profiles.models import Profile
    from profiles.services import content_hash, snapshot
    from profiles.synthetic import generate_people
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

    cred = national_ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    with transaction.atomic():
        load_codelists()
        clear_cache()
        unit = Unit.objects.create(
            name="UBND thử", code="H25", kind=Unit.Kind.PROVINCE_PC, valid_from=date(2020, 1, 1)
        )
        generate_people(unit, 1, seed=1010)
        profile = Profile.objects.get(unit=unit)
        data = snapshot(profile)
        old = document.render_snapshot(
            data,
            personal_id=profile.personal_id,
            number=1,
            content_hash=content_hash(data),
            include_assets=False,
            version="1.0",
        )
        transaction.set_rollback(True)
    clear_cache()
    assert b"urn:cbccvc:ho-so:1.0" in old and b"<id>" in old
    item = ProfileItem(profile.personal_id, content_hash(data), AGENCY, sign_document(old, signer))
    [result] = client.submit_profiles([item])
    assert result.status == "accepted", (result.code, result.message)
