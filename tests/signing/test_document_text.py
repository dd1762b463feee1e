"""The canonical document written as text and parsed (profiles.document_text, issue #19) is
the very tree the element builder makes: same serialised and canonical bytes for every
generated person and for texts that need escaping, and the text written is those canonical
bytes (the signer signs it as they are); what the text path cannot write exactly falls back
to the element builder, with its errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lxml import etree

from profiles import document, document_text
from profiles.models import Profile
from profiles.services import content_hash, snapshot
from profiles.synthetic import generate_people

from .profile_helpers import generated_person


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


def _both(data: dict[str, Any], personal_id: str = "001090000001", **kwargs: Any):
    units = document.unit_codes(data)
    args = {
        "personal_id": personal_id,
        "number": 3,
        "content_hash": content_hash(data),
        "include_assets": True,
        "units": units,
        **kwargs,
    }
    element = document.build_element_tree(data, version="1.1", **args)
    built = document_text.build_canonical(data, **args)
    assert built is not None
    text, canonical = built
    # what was written is the exclusive C14N of the tree parsed from it and of the element
    # builder's tree, byte for byte (lxml's C14N, the signer's reference)
    assert canonical == etree.tostring(text, method="c14n", exclusive=True)
    assert canonical == etree.tostring(element, method="c14n", exclusive=True)
    return element, text


def _same(element: etree._Element, text: etree._Element | None) -> None:
    assert text is not None
    assert etree.tostring(text, xml_declaration=True, encoding="UTF-8") == etree.tostring(
        element, xml_declaration=True, encoding="UTF-8"
    )
    assert etree.tostring(text, method="c14n", exclusive=True) == etree.tostring(
        element, method="c14n", exclusive=True
    )
    assert text.nsmap == element.nsmap
    assert [el.nsmap for el in text.iter()] == [el.nsmap for el in element.iter()]


def test_every_generated_person_gives_the_same_tree(tree, reference_data):
    generate_people(tree["H40.10"], 30, seed=1919)
    profiles = list(Profile.objects.order_by("pk"))
    assert len(profiles) == 30
    for profile in profiles:
        data = snapshot(profile)
        for include_assets in (True, False):
            _same(*_both(data, profile.personal_id, include_assets=include_assets))


HOSTILE = [
    "a & b < c > d",
    "&amp; &#13; &lt;",
    "say \"hi\" and 'bye'",
    "line\r\nbreak\rcr\nlf",
    "tab\there",
    "  spaces around  ",
    " ",
    "\n",
    "]]> <![CDATA[x]]>",
    "<Dong stt='1'/>",
    "Ω 𝕏 😀 Nguyễn Thị Ánh",
    "next line \x85 kept",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_texts_that_need_escaping_read_back_exactly(tree, reference_data, text):
    person = generated_person(tree["H40.10"], seed=19)
    data = copy.deepcopy(snapshot(person))
    data["profile"]["other_names"] = text
    data["family"][0]["full_name"] = text
    element, written = _both(data, personal_id=text)
    _same(element, written)
    assert written.get("soDinhDanh") == text
    assert (
        written.find(f"{{{document.NAMESPACE}}}Nhom1/{{{document.NAMESPACE}}}other_names").text
        == text
    )


@pytest.mark.parametrize("text", ["bell \x07", "nul \x00", "lone \ud800", "\ufffe", "\uffff"])
def test_what_the_text_path_cannot_write_is_left_to_the_element_builder(tree, reference_data, text):
    person = generated_person(tree["H40.10"], seed=19, every_group=False)
    data = copy.deepcopy(snapshot(person))
    data["profile"]["other_names"] = text
    kwargs = {"personal_id": "1", "number": 1, "content_hash": "0" * 64, "include_assets": False}
    units = document.unit_codes(data)
    assert document_text.build_canonical(data, units=units, **kwargs) is None
    with pytest.raises(ValueError) as through_elements:
        document.build_element_tree(data, version="1.1", units=units, **kwargs)
    with pytest.raises(ValueError) as rendered:
        document.build_snapshot_tree(data, **kwargs)
    assert type(rendered.value) is type(through_elements.value)
    assert str(rendered.value) == str(through_elements.value)


class _Blank:
    def __str__(self) -> str:
        return ""


def test_an_empty_text_is_left_to_the_element_builder(tree, reference_data):
    person = generated_person(tree["H40.10"], seed=19, every_group=False)
    data = copy.deepcopy(snapshot(person))
    data["profile"]["other_names"] = _Blank()
    kwargs = {"personal_id": "1", "number": 1, "content_hash": "0" * 64, "include_assets": False}
    assert document_text.build_canonical(data, units=document.unit_codes(data), **kwargs) is None
    root = document.build_snapshot_tree(data, **kwargs)
    assert (
        root.find(f"{{{document.NAMESPACE}}}Nhom1/{{{document.NAMESPACE}}}other_names").text == ""
    )


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("profile", "date_of_birth", "1980-02-30"),
        ("family", "birth_year", "nineteen"),
        ("salary_history", "coefficient", "NaN"),
    ],
)
def test_a_bad_value_raises_the_same_error_naming_the_field(
    tree, reference_data, table, key, value
):
    person = generated_person(tree["H40.10"], seed=19)
    data = copy.deepcopy(snapshot(person))
    if table == "profile":
        data["profile"][key] = value
    else:
        assert key in data[table][0], key
        data[table][0][key] = value
    kwargs = {"personal_id": "1", "number": 1, "content_hash": "0" * 64, "include_assets": True}
    units = document.unit_codes(data)
    with pytest.raises(document.DocumentError) as text_error:
        document_text.build_canonical(data, units=units, **kwargs)
    with pytest.raises(document.DocumentError) as element_error:
        document.build_element_tree(data, version="1.1", units=units, **kwargs)
    assert text_error.value.messages == element_error.value.messages


def test_equal_values_written_differently_are_not_mixed_up_by_the_remembered_texts(
    tree, reference_data
):
    # the text path remembers the texts of dates, integers and decimals: values that are equal
    # (0.0 and -0.0, 1 and 1.0 and True) but written differently, rendered one after the
    # other, must each still give the element builder's text (or its error)
    person = generated_person(tree["H40.10"], seed=19)
    data = copy.deepcopy(snapshot(person))
    assert data["salary_history"] and data["family"]
    decimals = [0.0, -0.0, "0.0", "-0", 0, "4.98", "4.980", 5, 5.0, "5", 5.25, "5.250"]
    integers = [1, 1.0, "1", "01", 1975, 1975.0, "1975", " 1975 "]
    for coefficient, birth_year in zip(decimals, integers * 2, strict=False):
        data["salary_history"][0]["coefficient"] = coefficient
        data["family"][0]["birth_year"] = birth_year
        _same(*_both(data))
    for bad in (True, False):
        data["family"][0]["birth_year"] = bad  # after 1 and 0: a boolean is still refused
        kwargs = {"personal_id": "1", "number": 1, "content_hash": "0" * 64}
        units = document.unit_codes(data)
        with pytest.raises(document.DocumentError) as text_error:
            document_text.build_canonical(data, units=units, include_assets=True, **kwargs)
        with pytest.raises(document.DocumentError) as element_error:
            document.build_element_tree(
                data, version="1.1", units=units, include_assets=True, **kwargs
            )
        assert text_error.value.messages == element_error.value.messages
