"""The profile's field names follow the user's language on screen, and stay Vietnamese in what
is signed or stored (issue 17): the signed document and its schema (XSD documentation, the
messages naming an element), the stored findings' messages. The Vietnamese names come from
their own table (profiles/fixed_labels.py), not from the models' translatable labels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from lxml import etree

from profiles import document, document_schema, validation
from profiles.fixed_labels import FIELD_LABELS, TABLE_LABELS, field_label
from profiles.models import CHILD_MODELS, Finding, Profile, WorkHistory
from tests.browser.page_text import VIETNAMESE_LETTER
from tests.profiles.conftest import make_profile  # noqa: F401 - fixture

from .profile_helpers import approved_version, generated_person

NS = {"h": document.NAMESPACE}


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


def _forget_built_specs() -> None:
    """The field specification and the schema's labels are built once and kept: built again
    here in the language the test chose."""
    document._GROUPS.clear()
    document_schema._labels.cache_clear()


@pytest.fixture
def english() -> Iterator[None]:
    _forget_built_specs()
    with translation.override("en"):
        yield
    _forget_built_specs()


def _models() -> list[tuple[str, type]]:
    return [("profile", Profile), *CHILD_MODELS.items()]


def _labelled_fields(model: type) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in ("profile", "folded_name")
    ]


def test_the_screen_names_fields_in_english():
    with translation.override("en"):
        assert str(Profile._meta.get_field("full_name").verbose_name) == "full name at birth"
        assert str(WorkHistory._meta.verbose_name_plural) == "work history"
        assert str(CHILD_MODELS["family"]._meta.verbose_name_plural) == "family relationships"
        untranslated = [
            f"{table}.{f.name}: {f.verbose_name}"
            for table, model in _models()
            for f in _labelled_fields(model)
            if VIETNAMESE_LETTER.search(str(f.verbose_name))
        ]
        untranslated += [
            f"{table}: {name}"
            for table, model in CHILD_MODELS.items()
            for name in (model._meta.verbose_name, model._meta.verbose_name_plural)
            if VIETNAMESE_LETTER.search(str(name))
        ]
    assert not untranslated


def test_every_field_of_the_document_has_its_vietnamese_name():
    """A field added to a profile table needs its name in the table, or nothing is signed."""
    for table, model in _models():
        for f in _labelled_fields(model):
            assert VIETNAMESE_LETTER.search(field_label(table, f.name)), (table, f.name)
    assert set(FIELD_LABELS) == {"profile", *CHILD_MODELS}
    assert set(TABLE_LABELS) == set(CHILD_MODELS)


def test_the_schema_is_the_committed_one_in_english(english):
    assert document.SCHEMA_PATH.read_bytes() == document.schema_document()
    labels = {spec.name: spec.label for g in document.groups() for spec in g.fields}
    assert labels["full_name"] == "họ và tên khai sinh"
    assert [t.label for t in document.group(2).tables] == ["quan hệ gia đình"]


@pytest.fixture
def version(tree, reference_data, hr, approver):
    return approved_version(generated_person(tree["H40.10"], seed=17), hr, approver)


def test_the_signed_document_and_its_messages_are_the_same_in_english(version):
    _forget_built_specs()
    vietnamese = document.render_profile_document(version)
    with translation.override("en"):
        _forget_built_specs()
        try:
            assert document.render_profile_document(version) == vietnamese
            root = etree.fromstring(vietnamese)
            root.find("h:Nhom1/h:sex", NS).text = "9"
            errors = document.validate_document(
                etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            )
        finally:
            _forget_built_specs()
    assert errors and "HoSo/Nhom1/sex (giới tính)" in errors[0], errors


def test_stored_findings_name_fields_in_vietnamese_in_english(make_profile):  # noqa: F811
    profile = make_profile()
    WorkHistory.objects.create(
        profile=profile, start_date="2015-01-01", unit_name="Sở Tài chính", position_code="XYZ"
    )
    with translation.override("en"):
        validation.validate_profile(profile)
    message = Finding.objects.get(profile=profile, field="work_history[1].position_code").message
    assert message.startswith("Quá trình công tác, dòng 1: mã “XYZ”"), message
