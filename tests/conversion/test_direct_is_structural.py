"""Whether a text is already current is decided from codes and official names in force, never
from the wording of the resolver's reason."""

from datetime import date

import pytest

from conversion.rules import TextConverter, names_in_force
from orgtree.reform import codes_in_force

AS_OF = date(2026, 1, 10)


@pytest.fixture
def converter(reference_data):
    return TextConverter(AS_OF)


@pytest.mark.parametrize(
    "text",
    [
        "Nghệ An",
        "Tỉnh Nghệ An",
        "Xã Tam Hồng, Phú Thọ",
        "Số 5, thôn Đông, Xã Tam Hồng, Tỉnh Phú Thọ",
    ],
)
def test_names_in_force_stay_as_written(converter, text):
    result = converter.convert(text)
    assert (result.rule, result.new_text) == ("direct", text)
    assert result.province_code in ("40", "25")


def test_a_commune_merged_in_2025_is_converted(converter):
    result = converter.convert("Phường Vinh Tân, Nghệ An")
    assert result.rule == "conversion" and result.province_code == "40"
    assert "Vinh Tân" not in result.new_text


def test_a_historic_name_read_directly_is_still_converted_to_the_official_name(converter):
    # the resolver reads "Thừa Thiên Huế" against the set in force (a historic name of Huế):
    # its reason starts with "Khớp", which the old test took for "already current"
    result = converter.convert("Tỉnh Thừa Thiên Huế")
    assert result.rule == "conversion"
    assert result.new_text == codes_in_force(AS_OF).provinces[result.province_code]
    assert "Thừa Thiên" not in result.new_text


def test_names_in_force_needs_codes_in_force_and_every_segment_official(reference_data):
    codes = codes_in_force(AS_OF)
    nghe_an = {"code": "40", "name": codes.provinces["40"]}
    assert names_in_force("Nghệ An", [], nghe_an, None, codes)
    assert not names_in_force("Nghệ An", [], nghe_an, None, None)  # no release on the date
    assert not names_in_force("Huyện Yên Thành, Nghệ An", [], nghe_an, None, codes)
    old = {"code": "26", "name": "Tỉnh Vĩnh Phúc"}  # merged into Phú Thọ in 2025
    assert not names_in_force("Vĩnh Phúc", [], old, None, codes)
