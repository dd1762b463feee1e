"""The strict profile schema 1.1 (issue 18 item 2): bad documents are refused naming the
element, no database ids are signed, documents signed in 1.0 still verify, every generated
(demo) person's document validates, the schema is generated from the shipped code lists."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from lxml import etree

from profiles import document
from profiles.codelists import DATA_DIR
from profiles.document_schema import code_lists, coded_fields
from profiles.models import Profile, ProfileSignature, ProfileVersion
from profiles.services import content_hash, snapshot
from profiles.signatures.versions import record_signature, sign_version, verify_version
from profiles.synthetic import generate_people
from profiles.workflow import WorkflowError
from signing.keys import KeyFileSigner
from signing.xmlsig import sign_document

from .profile_helpers import approved_version, generated_person

ROOT = Path(__file__).resolve().parents[2]
NS = {"h": document.NAMESPACE}


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


@pytest.fixture(scope="module")
def signer(test_ca) -> KeyFileSigner:
    key = test_ca.issue("lanh_dao_xsd", "Lê Văn Lược")
    return KeyFileSigner.from_pkcs12(key.pkcs12, key.pin)


@pytest.fixture
def person(tree, reference_data):
    return generated_person(tree["H40.10"], seed=18)


@pytest.fixture
def version(person, hr, approver):
    return approved_version(person, hr, approver)


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- the five bad documents of the issue -------------------------------------------------------


def _set_text(root: etree._Element, path: str, value: str) -> None:
    node = root.find(path, NS)
    assert node is not None, path  # the generated person has it
    node.text = value


def _bad_documents(good: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (document, what the first error must name)."""
    out = {}
    for name, change, named in (
        ("soDinhDanh", lambda r: r.set("soDinhDanh", "ABC"), "HoSo/@soDinhDanh"),
        ("maBam", lambda r: r.set("maBam", "khong-phai-ma-bam"), "HoSo/@maBam"),
        ("sex", lambda r: _set_text(r, "h:Nhom1/h:sex", "9"), "HoSo/Nhom1/sex (giới tính)"),
        (
            "ethnicity",
            lambda r: _set_text(r, "h:Nhom1/h:ethnicity", "ZZZ"),
            "HoSo/Nhom1/ethnicity (dân tộc)",
        ),
        (
            "id",
            lambda r: r.find("h:Nhom2/h:family/h:Dong", NS).insert(
                0, etree.Element(f"{{{document.NAMESPACE}}}id")
            ),
            "HoSo/Nhom2/family/Dong[stt=1]/id",
        ),
    ):
        root = etree.fromstring(good)
        change(root)
        out[name] = (_xml(root), named)
    return out


def test_the_five_bad_documents_of_the_issue_are_refused_naming_the_element(version):
    good = document.render_profile_document(version)
    assert document.validate_document(good) == []
    for name, (bad, named) in _bad_documents(good).items():
        errors = document.validate_document(bad)
        assert errors, name
        assert f"phần tử {named}" in errors[0], (name, errors)


def test_the_frozen_1_0_schema_accepted_them_and_still_reads_1_0_documents(version):
    """What the issue found: 1.0 constrains nothing. 1.0 documents are still validated by it."""
    old = document.render_profile_document(version, schema_version="1.0")
    assert document.validate_document(old) == []
    root = etree.fromstring(old)
    root.set("soDinhDanh", "ABC")
    ns10 = {"h": document.VERSIONS["1.0"]}
    root.find("h:Nhom1/h:sex", ns10).text = "9"
    assert document.validate_document(_xml(root)) == []
    # a 1.1 root in the 1.0 namespace, or an unknown namespace, is refused
    other = etree.fromstring(old)
    other.set(document.VERSION_ATTRIBUTE, "1.1")
    assert document.validate_document(_xml(other))
    foreign = b'<HoSo xmlns="urn:cbccvc:ho-so:9.9"/>'
    assert "không thuộc lược đồ hồ sơ nào" in document.validate_document(foreign)[0]


# -- the 1.1 document ---------------------------------------------------------------------------


def test_no_database_ids_are_signed_units_are_named_by_code(version, person):
    xml = document.render_profile_document(version)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{document.NAMESPACE}}}HoSo"
    assert root.get(document.VERSION_ATTRIBUTE) == "1.1"
    names = {etree.QName(el).localname for el in root.iter()}
    assert not names & {"id", "unit_id"}
    assert root.findtext("h:Nhom6/h:unit_code", namespaces=NS) == person.unit.code
    rows = root.findall("h:Nhom3/h:work_history/h:Dong", NS)
    assert [r.get("stt") for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    for row, data in zip(rows, version.snapshot["work_history"], strict=True):
        code = row.findtext("h:unit_code", namespaces=NS)
        if data["unit_id"] is None:
            assert code is None
        else:
            from orgtree.models import Unit

            assert code == Unit.objects.get(pk=data["unit_id"]).code
    # an empty text is left out, not written as an empty element
    assert not [el for el in root.iter() if len(el) == 0 and not el.text]


def test_a_unit_that_is_gone_is_named_when_rendering(version):
    data = copy.deepcopy(version.snapshot)
    data["profile"]["unit_id"] = 987654
    broken = ProfileVersion(
        profile=version.profile, number=9, snapshot=data, content_hash=version.content_hash
    )
    with pytest.raises(document.DocumentError, match=r"đơn vị #987654.*unit_id"):
        document.render_profile_document(broken)


def test_signing_refuses_a_document_that_does_not_validate(version, signer, approver):
    data = copy.deepcopy(version.snapshot)
    data["profile"]["ethnicity"] = "ZZZ"
    ProfileVersion.objects.filter(pk=version.pk).update(
        snapshot=data, content_hash=content_hash(data)
    )
    version.refresh_from_db()
    with pytest.raises(WorkflowError, match=r"không đúng lược đồ.*Nhom1/ethnicity \(dân tộc\)"):
        sign_version(version, signer, approver)
    assert not ProfileSignature.objects.exists()


def test_every_generated_person_signs_into_a_valid_document(tree, reference_data, signer):
    """The demo's people come from the same generator: every one of them (with or without
    findings) renders into a document the strict schema accepts."""
    generate_people(tree["H40.10"], 40, seed=2026)
    checked = 0
    for profile in Profile.objects.order_by("pk"):  # spread over the unit's subtree
        data = snapshot(profile)
        xml = document.render_snapshot(
            data,
            personal_id=profile.personal_id,
            number=1,
            content_hash=content_hash(data),
            include_assets=True,
        )
        assert document.validate_document(xml) == [], profile.personal_id
        checked += 1
    assert checked == 40
    signed = sign_document(xml, signer)
    assert document.validate_document(signed) == []  # the enveloped signature is allowed


def test_a_1_0_signature_still_verifies(version, signer, approver, test_ca):
    """Documents signed before 1.1 keep verifying; a change to their version is still caught
    and named group by group, by re-rendering in 1.0."""
    old = document.render_profile_document(version, schema_version="1.0", include_assets=False)
    record_signature(version, sign_document(old, signer), approver, includes_assets=False)
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert outcome.ok, outcome.messages
    assert document.validate_document(bytes(outcome.signature.signed_document)) == []
    tampered = copy.deepcopy(version.snapshot)
    tampered["family"][0]["full_name"] += "x"
    ProfileVersion.objects.filter(pk=version.pk).update(
        snapshot=tampered, content_hash=content_hash(tampered)
    )
    version.refresh_from_db()
    outcome = verify_version(version, trust_store=test_ca.trust_store())
    assert outcome.result.ok and not outcome.ok
    assert outcome.changed_groups == [2]


# -- the schema itself --------------------------------------------------------------------------


def test_committed_schemas():
    assert document.SCHEMA_PATH.name == "ho-so-cbccvc-1.1.xsd"
    assert document.SCHEMA_PATH.read_bytes() == document.schema_document(), (
        "Lược đồ XSD đã cũ: chạy python manage.py profile_schema --write"
    )
    frozen = etree.parse(str(document.schema_path("1.0"))).getroot()
    assert frozen.get("targetNamespace") == document.VERSIONS["1.0"]


def test_enumerations_are_the_shipped_code_lists():
    xsd = etree.parse(str(document.SCHEMA_PATH)).getroot()
    xs = {"xs": document.XS}

    def enumeration(name: str) -> list[str]:
        return xsd.xpath(
            f"xs:simpleType[@name='{name}']/xs:restriction/xs:enumeration/@value", namespaces=xs
        )

    sex = json.loads((DATA_DIR / "sex.json").read_text(encoding="utf-8"))
    assert enumeration("DanhMuc-sex") == [i["code"] for i in sex["items"]]
    # position: the union of the 2016 and 2025 releases (old rows keep their codes)
    positions = set()
    for file in ("position-2016.json", "position.json"):
        data = json.loads((DATA_DIR / file).read_text(encoding="utf-8"))
        positions |= {i["code"] for i in data["items"]}
    assert set(enumeration("DanhMuc-position")) == positions
    lists = code_lists()
    for key in set(coded_fields().values()):
        assert set(enumeration(f"DanhMuc-{key}")) == set(lists[key]["codes"]), key


def test_every_element_is_documented_in_the_national_api_guide():
    text = (ROOT / "docs" / "national-api.md").read_text(encoding="utf-8")
    names = set()
    for spec in document.groups():
        names |= {f.name for f in spec.fields}
        for table in spec.tables:
            names.add(table.key)
            names |= {f.name for f in table.fields}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, missing


def test_xmlsec1_verifies_a_signed_1_1_profile_document(
    tmp_path, version, signer, approver, test_ca
):
    """libxmlsec1's command line (not our verifier) verifies what ``sign_version`` signs."""
    from datetime import timedelta

    from .test_xmlsec1_cli import _verify_cli

    cert = signer.certificate
    signature = sign_version(
        version, signer, approver, signing_time=cert.not_valid_before_utc + timedelta(hours=2)
    )
    signed = bytes(signature.signed_document)
    assert b"urn:cbccvc:ho-so:1.1" in signed
    done = _verify_cli(tmp_path, signed, test_ca, cert)
    assert done.returncode == 0, done.stderr
    assert "SignedInfo References (ok/all): 3/3" in done.stdout + done.stderr
    tampered = signed.replace(b"<sex>", b"<sex>1", 1)
    assert _verify_cli(tmp_path, tampered, test_ca, cert).returncode != 0
