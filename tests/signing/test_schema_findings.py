"""The validation catches what the strict profile XSD refuses (issue 18): a profile cannot be
approved and then refused at signing time.

* the constraints read from the XSD (:mod:`profiles.schema_rules`) give the same verdict as
  libxml2 on every element of the schema, for probe values around each facet;
* a profile violating each constraint class gets an error finding naming the field (its
  Vietnamese label and the table row), and the document rendered from it is refused;
* over 200 generated people, and the same people with random damage: a profile whose
  validation has no error signs into a document the XSD accepts (and the schema's findings are
  empty exactly when the document is accepted);
* submission and approval are blocked by such a finding.
"""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from lxml import etree

from profiles import document, workflow
from profiles.models import (
    AssetDeclaration,
    FamilyMember,
    Profile,
    ProfileVersion,
    VersionStatus,
)
from profiles.schema_rules import constraints, problem, schema_findings
from profiles.services import content_hash, snapshot
from profiles.synthetic import PeopleGenerator, insert_profiles, insert_rows
from profiles.validation import ERROR, build_context, check, load_records
from signing.keys import KeyFileSigner
from signing.xmlsig import sign_document

from .profile_helpers import fill_every_group, generated_person

TODAY = date(2026, 6, 1)  # the reference date of every validation here (no dependence on today)
XS = document.XS
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


@pytest.fixture(scope="module")
def signer(test_ca) -> KeyFileSigner:
    key = test_ca.issue("lanh_dao_xsd_findings", "Trần Thị Lược")
    return KeyFileSigner.from_pkcs12(key.pkcs12, key.pin)


# -- the constraints read from the XSD agree with libxml2 ----------------------------------------

_TEXT_PROBES = [
    "", "a", " ", "Nguyễn Văn An", "040085001234", "04008500123", "0400850012345",
    "123456789", "12345678a", "123456789012", "H40.10", "h40.10", "000.00.00.H25", "H40_10",
    "A" * 40, "A" * 41, "40", "4", "401", "00001", "0001", "a@b.vn", "a b@c.vn", "a\xa0b@c.vn",
    "@c.vn", "a@b", "a@@b.vn", "^1", "1$", "ZZZ", "01", "1", "9", "own", "OWN", "other",
    "x\r\ny", "\t", "ă" * 10, "ă" * 121,
]  # fmt: skip
_NUMBER_PROBES = [
    "0", "-1", "+5", " 7 ", "1.0", "abc", "", "999", "1000", "9999", "10000", "32767",
    "32768", "2147483647", "2147483648", "0.00", "-0.01", "3.33", "3.330", "999.99",
    "1000.00", "12345", "123456", "1.234", "0.005", "1e3", ".5", "5.", "9999999999999999",
    "10000000000000000", "1.5",
]  # fmt: skip
_OTHER_PROBES = [
    "2024-01-31", "2024-02-30", "24-01-01", "2024-1-01", "0000-01-01", "2024-01-01Z",
    "true", "false", "1", "0", "True", "yes",
]  # fmt: skip


def _tiny_schema(xsd: etree._Element, element: etree._Element) -> etree.XMLSchema:
    """A schema of one root element ``v`` typed as ``element``, with the named types."""
    root = etree.Element(
        f"{{{XS}}}schema",
        nsmap={"xs": XS, "hs": document.NAMESPACE},
        targetNamespace=document.NAMESPACE,
        elementFormDefault="qualified",
    )
    for simple in xsd.findall(f"{{{XS}}}simpleType"):
        root.append(copy.deepcopy(simple))
    v = etree.SubElement(root, f"{{{XS}}}element", name="v")
    if element.get("type"):
        v.set("type", element.get("type"))
    else:
        v.append(copy.deepcopy(element.find(f"{{{XS}}}simpleType")))
    return etree.XMLSchema(root)


def _xsd_accepts(schema: etree.XMLSchema, text: str) -> bool:
    v = etree.Element(f"{{{document.NAMESPACE}}}v")
    v.text = text
    return schema.validate(v)


def test_the_checks_read_from_the_xsd_give_libxml2s_verdict_on_every_element():
    xsd = etree.parse(str(document.SCHEMA_PATH)).getroot()
    profile, tables = constraints()
    items = [*profile, *(c for row in tables.values() for c in row)]
    assert len(items) > 100  # every element of every group
    compared = 0
    for item in items:
        path = (
            f"//xs:element[@name='{item.table}']//xs:element[@name='{item.spec.name}']"
            if item.table
            else f"//xs:element[starts-with(@name, 'Nhom')]/xs:complexType/xs:sequence/"
            f"xs:element[@name='{item.spec.name}']"
        )
        element = xsd.xpath(path, namespaces={"xs": XS})[0]
        schema = _tiny_schema(xsd, element)
        facets = item.facets
        probes = _TEXT_PROBES + _NUMBER_PROBES + _OTHER_PROBES + sorted(facets.enumeration or ())
        if facets.max_length:
            probes += ["x" * facets.max_length, "x" * (facets.max_length + 1)]
        for text in probes:
            ours = problem(facets, text) is None
            accepted = _xsd_accepts(schema, text)
            assert ours == accepted, (item.table, item.spec.name, text)
            # the quick test of the bulk run never lets through what the XSD refuses ("" is
            # not written at all: an absent element)
            if text and item.accepts(text):
                assert accepted, ("quick test", item.table, item.spec.name, text)
            compared += 1
        # what XML cannot carry is refused (lxml will not even write it)
        assert problem(facets, "An\x01") is not None
    assert compared > 10_000


# -- one profile, each constraint class -----------------------------------------------------------


def _state(profile: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the validation record, the snapshot) of a profile as stored."""
    (rec,) = load_records(Profile.objects.filter(pk=profile.pk))
    return rec, snapshot(profile)


def _set(rec: dict, data: dict, table: str, key: str, value: Any) -> None:
    """The same change in the record (database values) and the snapshot (JSON values)."""
    json_value = str(value) if isinstance(value, (date, Decimal)) else value
    if table:
        rec[table][0][key] = value
        data[table][0][key] = json_value
    else:
        rec[key] = value
        data["profile"][key] = json_value


def _refused_at_signing(data: dict[str, Any], include_assets: bool = False) -> list[str]:
    """Why the sender would refuse the document of ``data`` (empty: it would be sent)."""
    try:
        xml = document.render_snapshot(
            data,
            personal_id=str(data["profile"]["personal_id"]),
            number=1,
            content_hash=content_hash(data),
            include_assets=include_assets,
        )
    except (document.DocumentError, ValueError) as exc:
        return [str(exc)]
    return document.validate_document(xml)


def _errors(rec: dict) -> list:
    return [i for i in check(rec, build_context(TODAY)) if i.severity == ERROR]


@pytest.fixture
def person(tree, reference_data):
    profile = generated_person(tree["H40.10"], seed=1801)
    return profile


# (what is violated, table, key, bad value, finding code, words of the message)
VIOLATIONS = [
    ("pattern", "", "email", "khong-phai-thu", "SCHEMA_FORMAT", "Thư điện tử: “khong-phai-thu”"),
    ("pattern", "", "birthplace_province_code", "4", "SCHEMA_FORMAT", "Nơi sinh – mã tỉnh"),
    ("pattern", "", "hometown_commune_code", "123", "SCHEMA_FORMAT", "mã xã"),
    ("pattern", "", "personal_id", "ABC", "PID_FORMAT", "12 chữ số"),
    ("code list", "", "religion", "77", "CODE_UNKNOWN", "“77”"),
    ("code list", "salary_history", "grade_code", "99.999", "CODE_UNKNOWN", "dòng 1"),
    ("choices", "", "birth_date_precision", "week", "SCHEMA_CHOICE", "Độ chính xác ngày sinh"),
    ("choices", "family", "side", "other", "SCHEMA_CHOICE", "Quan hệ gia đình, dòng 1: bên"),
    ("choices", "career_events", "kind", "promotion", "SCHEMA_CHOICE", "dòng 1: loại"),
    ("choices", "memberships", "organisation", "club", "SCHEMA_CHOICE", "dòng 1: tổ chức"),
    ("length", "", "full_name", "Nguyễn " * 20, "SCHEMA_LENGTH", "tối đa 120"),
    ("length", "", "phone", "0912" * 10, "SCHEMA_LENGTH", "Điện thoại"),
    ("length", "family", "occupation", "x" * 256, "SCHEMA_LENGTH", "dòng 1: nghề nghiệp"),
    ("range", "family", "birth_year", 75, "SCHEMA_RANGE", "dòng 1: năm sinh"),
    ("range", "assessments", "year", 20251, "SCHEMA_RANGE", "từ 1000 đến 9999"),
    ("range", "health", "height_cm", 40000, "SCHEMA_RANGE", "chiều cao"),
    ("range", "salary_history", "coefficient", Decimal("-2.34"), "SCHEMA_RANGE", "hệ số"),
    ("digits", "salary_history", "other_allowances", Decimal("0.125"), "SCHEMA_RANGE",
     "chữ số thập phân"),
    ("digits", "salary_history", "position_allowance", Decimal("123456"), "SCHEMA_RANGE",
     "có 6 chữ số"),
    ("required", "", "full_name", "", "REQUIRED", "Họ và tên khai sinh"),
    ("required", "family", "full_name", "", "REQUIRED", "Quan hệ gia đình, dòng 1: họ và tên"),
    ("required", "commendations", "awarded_on", None, "REQUIRED", "dòng 1: ngày quyết định"),
    ("required", "career_events", "effective_date", None, "REQUIRED", "dòng 1: ngày hiệu lực"),
    ("characters", "", "other_names", "Tư\x07Hòa", "SCHEMA_FORMAT", "U+0007"),
    ("characters", "disciplines", "reason", "Chậm\x00", "SCHEMA_FORMAT", "Kỷ luật, dòng 1"),
    ("type", "family", "deceased", "có", "SCHEMA_FORMAT", "đã mất"),
]  # fmt: skip


@pytest.mark.parametrize(
    "table, key, value, code, words",
    [v[1:] for v in VIOLATIONS],
    ids=[f"{v[0]}-{v[1] or 'profile'}.{v[2]}" for v in VIOLATIONS],
)
def test_each_violation_is_a_finding_and_is_refused_at_signing(
    person, table, key, value, code, words
):
    rec, data = _state(person)
    field = f"{table}[1].{key}" if table else key
    assert _refused_at_signing(data) == []
    assert [i for i in _errors(rec) if i.field == field] == []
    _set(rec, data, table, key, value)
    assert _refused_at_signing(data), "the XSD (or the renderer) refuses it"
    found = [i for i in _errors(rec) if i.field == field]
    assert found, _errors(rec)
    assert found[0].code == code, found
    assert words.lower() in found[0].message.lower(), found[0].message


def test_a_unit_without_an_identifier_code_is_a_finding(person, tree):
    from orgtree.models import Unit

    # a unit whose code (kept from an old system) is not an identifier code
    bad = Unit.objects.create(
        name="Phòng cũ", code="PHONG-CU", kind=Unit.Kind.DIVISION, parent=tree["H40.10"],
        valid_from=date(2020, 1, 1),
    )  # fmt: skip
    Unit.objects.filter(pk=bad.pk).update(code="phong cu")
    bad.refresh_from_db()
    rec, data = _state(person)
    rec["work_history"][0]["unit_id"] = data["work_history"][0]["unit_id"] = bad.pk
    rec["unit_codes"] = {**rec["unit_codes"], bad.pk: bad.code}
    assert _refused_at_signing(data)
    (found,) = [i for i in _errors(rec) if i.field == "work_history[1].unit_id"]
    assert found.code == "SCHEMA_FORMAT" and "“phong cu”" in found.message
    assert "Quá trình công tác, dòng 1" in found.message
    rec["unit_codes"] = {k: v for k, v in rec["unit_codes"].items() if k != bad.pk}
    (found,) = [i for i in _errors(rec) if i.field == "work_history[1].unit_id"]
    assert found.code == "REQUIRED" and "chưa có mã định danh" in found.message


def test_a_code_the_database_list_has_but_the_schema_does_not_is_a_finding(person):
    """The gap of the issue: validation asked the database's code list in force, the XSD the
    shipped files; a code added by hand passed validation and was refused at signing."""
    from profiles.codelists import clear_cache, items
    from profiles.models import CodeItem

    release = next(iter(items("ethnicity", TODAY).values())).release
    CodeItem.objects.create(release=release, code="99", name="Dân tộc thêm tay")
    clear_cache()
    rec, data = _state(person)
    _set(rec, data, "", "ethnicity", "99")
    assert _refused_at_signing(data)
    (found,) = [i for i in _errors(rec) if i.field == "ethnicity"]
    assert found.code == "CODE_UNKNOWN", found
    assert found.message.startswith("Dân tộc: “99” không có trong danh mục"), found.message


# -- the property: validation clean => the signed document validates -------------------------------


def _generate(root, count: int, seed: int) -> list[int]:
    """``count`` generated people as of :data:`TODAY` (the generator's own insertion)."""
    gen = PeopleGenerator(root, seed, today=TODAY)
    people = [gen.person() for _ in range(count)]
    insert_profiles([p for p, _ in people])
    by_model: dict[type, list] = {}
    for profile, rows in people:
        for objs in rows.values():
            for obj in objs:
                obj.values["profile_id"] = profile.pk
                by_model.setdefault(obj.model, []).append(obj)
    for model, objs in by_model.items():
        insert_rows(model, objs)
    return [p.pk for p, _ in people]


# damage done at random to a record and its snapshot alike: (table or "", key) -> bad values
_DAMAGE: list[tuple[str, str, list[Any]]] = [
    ("", "email", ["a@b.vn", "a b@c.vn", "x@y", "thu@co-quan.gov.vn", ""]),
    ("", "old_id_number", ["", "123456789", "123456789012", "12345"]),
    ("", "phone", ["0912345678", "9" * 30, "9" * 31]),
    ("", "full_name", ["", "A" * 120, "A" * 121, "An\x1f"]),
    ("", "religion", ["00", "01", "ZZ", ""]),
    ("", "sex", ["1", "2", "3"]),
    ("", "birthplace_commune_code", ["", "00001", "0001", "A0001"]),
    ("", "salary_step", [None, 1, 0, 32768, -1]),
    ("", "salary_coefficient", [None, Decimal("2.34"), Decimal("999.99"), Decimal("1000.001")]),
    ("family", "birth_year", [None, 999, 1000, 1960, 9999, 10000]),
    ("family", "relationship_code", ["BO", "ME", "XX", ""]),
    ("family", "side", ["own", "spouse", "in-law"]),
    ("family", "full_name", ["", "Nguyễn Văn Bố", "B" * 121]),
    ("work_history", "position_code", ["", "ZZZ"]),
    ("work_history", "description", ["", "Chuyên viên", "d" * 256, "x\x0bx"]),
    ("salary_history", "coefficient", [Decimal("2.67"), Decimal("-0.01"), Decimal("2.675")]),
    ("salary_history", "seniority_allowance_percent", [0, 5, 40000]),
    ("assessments", "year", [2024, 999, 10000]),
    ("education", "kind", ["general", "professional", "phd"]),
    ("health", "weight_kg", [None, 0, 60, 32767, 32768]),
    ("memberships", "card_number", ["", "123", "9" * 31]),
]


def _damage(rng: random.Random, rec: dict, data: dict) -> None:
    for table, key, values in rng.sample(_DAMAGE, rng.randint(1, 3)):
        if table and not rec.get(table):
            continue
        if key == "relationship_code" and rng.random() < 0.5:
            values = [rng.choice(["CON", "VO", "ANH"])]
        _set(rec, data, table, key, rng.choice(values))


def test_over_200_generated_people_clean_validation_means_a_valid_signed_document(
    tree, reference_data, signer
):
    ids = _generate(tree["H40"], 200, seed=18_2026)
    fill_every_group(Profile.objects.get(pk=ids[0]))  # an edge case: every table has a row
    ctx = build_context(TODAY)
    records = {r["id"]: r for r in load_records(Profile.objects.filter(pk__in=ids))}
    rng = random.Random(18)
    clean = damaged_clean = refused = 0
    for pk in ids:
        profile = Profile.objects.get(pk=pk)
        rec, data = records[pk], snapshot(profile)
        errors = [i for i in check(rec, ctx) if i.severity == ERROR]
        why = _refused_at_signing(data, include_assets=True)
        if not errors:
            clean += 1
            assert why == [], (profile.personal_id, why)
            signed = sign_document(
                document.render_snapshot(
                    data,
                    personal_id=profile.personal_id,
                    number=1,
                    content_hash=content_hash(data),
                    include_assets=True,
                ),
                signer,
            )
            assert document.validate_document(signed) == []
        # the same person, damaged at random: the schema's findings are empty exactly when
        # the document is accepted, and a clean validation still means an accepted document
        rec, data = copy.deepcopy(rec), copy.deepcopy(data)
        _damage(rng, rec, data)
        errors = [i for i in check(rec, ctx) if i.severity == ERROR]
        why = _refused_at_signing(data, include_assets=True)
        assert (list(schema_findings(rec)) == []) == (why == []), (rec["personal_id"], why)
        if not errors:
            damaged_clean += 1
            assert why == [], (rec["personal_id"], why)
        refused += bool(why)
    assert clean >= 180, clean  # the generator's people are (almost all) clean
    assert damaged_clean >= 20 and refused >= 60, (damaged_clean, refused)


# -- the workflow -------------------------------------------------------------------------------


def test_submission_is_blocked_by_a_schema_finding(person, hr):
    FamilyMember.objects.filter(profile=person).update(birth_year=75)  # SQLite and PostgreSQL
    person = Profile.objects.get(pk=person.pk)
    with pytest.raises(workflow.WorkflowError, match=r"Quan hệ gia đình, dòng \d: năm sinh"):
        workflow.submit(person, hr)
    assert not ProfileVersion.objects.filter(profile=person).exists()


def test_approval_is_blocked_when_signing_would_refuse_the_document(person, hr, approver):
    """Group 9 becomes signed while a version waits: its bad row blocks the approval."""
    AssetDeclaration.objects.create(
        profile=person,
        year=2025,
        declared_on=TODAY - timedelta(days=30),
        annual_income=Decimal("-1"),
    )
    version = workflow.submit(Profile.objects.get(pk=person.pk), hr)
    with override_settings(CBCCVC_SIGN_ASSETS_INCOME=True):
        with pytest.raises(workflow.WorkflowError, match=r"dòng 2: tổng thu nhập"):
            workflow.approve(version, approver)
    version.refresh_from_db()
    assert version.status == VersionStatus.SUBMITTED
    with override_settings(CBCCVC_SIGN_ASSETS_INCOME=False):
        assert workflow.approve(version, approver).status == VersionStatus.APPROVED


@pytest.mark.parametrize(
    "key, value",
    [("status", "Viêm gan B mạn tính\x01"), ("blood_type", "Nhóm O"), ("disability", "x" * 201)],
)
def test_a_finding_on_the_health_group_never_quotes_the_value(person, key, value):
    """Findings are stored in clear and shown to whoever may view the profile; the health
    group is encrypted and shown only with its permission: the message names the field and
    the problem, not the value."""
    rec, data = _state(person)
    _set(rec, data, "health", key, value)
    found = [i for i in _errors(rec) if i.field == f"health[1].{key}"]
    assert found, _errors(rec)
    message = found[0].message
    assert "Sức khỏe, dòng 1" in message and "giá trị" in message, message
    assert value.strip("\x01")[:6] not in message, message
