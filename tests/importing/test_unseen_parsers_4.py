# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The parsers behind the fourth set of unseen shapes (tests/importing/unseen_shapes_4.py),
variant by variant, each general cause with its own test."""

from __future__ import annotations

from datetime import date

import pytest

from transfer.cleaning import digit_string
from transfer.dates import DateParseError, parse_date

from .pipeline_fixtures import agency  # noqa: F401 - a fixture

TODAY = date(2026, 11, 21)


# -- personal IDs stored as numbers ------------------------------------------------------------
@pytest.mark.parametrize("number", [25080100000, 25080100000.0, 250801000000, 2508010000])
def test_a_numeric_id_whose_last_digits_excel_lost_is_refused(number):
    with pytest.raises(ValueError, match="mất các chữ số cuối"):
        digit_string(number, "số định danh", pad=False)


@pytest.mark.parametrize(("number", "text"), [(25080012345, "25080012345"),
                                              (25080012345.0, "25080012345"),
                                              (250800123450, "250800123450")])  # fmt: skip
def test_a_whole_numeric_id_is_kept(number, text):
    assert digit_string(number, "số định danh", pad=False) == text


def test_an_id_typed_as_text_ending_in_zeros_is_kept():
    assert digit_string("025080100000", "số định danh", pad=False) == "025080100000"


# -- text garbled by a Windows-1252 reader -----------------------------------------------------
@pytest.mark.parametrize("text", ["Nguyễn Văn Hưng", "Họ và tên", "Số CCCD", "Đơn vị", "Nữ"])
def test_utf8_text_read_as_windows_1252_is_repaired(text):
    from orgtree.legacy_text import to_mojibake
    from transfer.columns import header_key
    from transfer.legacy_text import read_unicode

    garbled = to_mojibake(text)
    assert garbled != text
    assert read_unicode(garbled) == text
    assert header_key(garbled) == header_key(text)


@pytest.mark.parametrize("text", ["Nguyễn Văn Hưng", "Hà Nội", "Café Ã", "Ãn Ã"])
def test_text_that_is_no_garbled_utf8_is_left_alone(text):
    from transfer.legacy_text import read_unicode

    assert read_unicode(text) == text


# -- dates -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("00/00/1985", date(1985, 1, 1), "year"),
        ("00/1985", date(1985, 1, 1), "year"),
        ("0/1980", date(1980, 1, 1), "year"),
        ("00/01/1980", date(1980, 1, 1), "month"),
        ("00/03/1985", date(1985, 3, 1), "month"),
        ("0/3/1985", date(1985, 3, 1), "month"),
        ("15-Thg3-85", date(1985, 3, 15), "day"),
        ("1-Thg12-1991", date(1991, 12, 1), "day"),
        ("Thg 5/1980", date(1980, 5, 1), "month"),
    ],
)
def test_unknown_parts_as_zeros_and_vi_vn_month_abbreviations(value, expected, precision):
    parsed = parse_date(value, context="birth", today=TODAY)
    assert (parsed.value, str(parsed.precision.value)) == (expected, precision)


@pytest.mark.parametrize("value", ["10/00/1985", "00/00/85"])
def test_a_zero_month_after_a_known_day_or_before_a_short_year_is_refused(value):
    with pytest.raises(DateParseError):
        parse_date(value, context="birth", today=TODAY)


# -- a unit named in a title cell above the table ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ĐƠN VỊ: Sở Nội vụ", "Sở Nội vụ"),
        ("Đơn vị : Sở Tài chính", "Sở Tài chính"),
        ("Cơ quan, đơn vị: Sở Y tế", "Sở Y tế"),
        ("Đơn vị báo cáo: Sở Nội vụ", "Sở Nội vụ"),
        ("Đơn vị tính: người", None),
        ("Cơ quan, đơn vị có thẩm quyền quản lý CBCC: UBND tỉnh Phú Thọ", None),
        ("ĐƠN VỊ:  ", None),
        ("Họ và tên", None),
    ],
)
def test_a_title_cell_names_the_unit_after_its_label(text, name):
    from transfer.sections import title_unit_name

    assert title_unit_name(text) == name


@pytest.mark.django_db
def test_the_title_unit_places_the_people_no_section_places(agency):
    from orgtree.models import Unit
    from transfer.sections import SectionUnits, Unresolved, read_title_unit

    allowed = {agency["home"].pk, agency["finance"].pk}
    sections = SectionUnits(lambda: list(Unit.objects.all()), allowed, agency["root"])
    note = read_title_unit(sections, [["UBND TỈNH"], [None, "ĐƠN VỊ: Sở Tài chính"]], 0, str)
    assert note == "" and sections.current() == agency["finance"]
    assert sections.section("I. KHỐI ĐẢNG", 5) is None  # a group: the title's unit stays
    assert sections.current() == agency["finance"]
    assert sections.section("II. Sở Nội vụ", 9) == agency["home"]  # a section wins
    assert sections.current() == agency["home"]

    other = SectionUnits(lambda: list(Unit.objects.all()), allowed, agency["root"])
    note = read_title_unit(other, [["Đơn vị: Phòng Kế hoạch"]], 2, str)
    assert "dòng 3" in note and other.current() is None  # named nobody: nobody held for it
    assert isinstance(other.section("Phòng Kế hoạch", 4), Unresolved)


# -- coded-value columns under a vendor's or an English header ---------------------------------
@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("MaDanToc", "ethnicity"),
        ("Mã dân tộc", "ethnicity"),
        ("Ethnic", "ethnicity"),
        ("Ethnic group", "ethnicity"),
        ("MaTonGiao", "religion"),
        ("Mã tôn giáo", "religion"),
    ],
)
def test_code_column_headers_of_vendors_and_english_lists(header, field):
    from transfer.header_columns import recognise_header

    found = recognise_header([header])
    assert found is not None and found.field == field


# -- the header over a line of field codes -----------------------------------------------------
def test_the_header_is_the_line_above_field_codes_naming_the_same_columns():
    from transfer.headers import recognise_table

    rows = [
        ["STT", "Họ và tên (*)", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Dân tộc"],
        ["", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "SO_DDCN", "MA_DAN_TOC"],
        [1, "Nguyễn Văn An", "01/01/1980", "Nam", "025080012345", "Kinh"],
    ]
    match = recognise_table(rows)
    assert match is not None and match.header_row == 0
    assert match.headers[1] == "Họ và tên (*)" and match.columns[5] == "ethnicity"
