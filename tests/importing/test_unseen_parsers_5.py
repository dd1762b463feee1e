"""The readings the fifth set of unseen shapes (tests/importing/unseen_shapes_5.py) asked for,
each checked alone (the grade's name and code in one cell: test_values_5.py)."""

from __future__ import annotations

from datetime import date

import pytest

from transfer.dates import DateParseError, parse_date
from transfer.headers import recognise_table
from transfer.rows import assemble

pytestmark = pytest.mark.database_free

TODAY = date(2026, 1, 1)


# -- "Ngày sinh" | "Tháng sinh" | "Năm sinh" ----------------------------------------------------
@pytest.mark.parametrize(
    ("cells", "expected"),
    [([15, 3, 1985], "15/3/1985"), ([None, "03", 1985], "03/1985"), ([None, None, 1985], "1985")],
)
def test_a_date_in_three_top_level_columns_is_one_field(cells, expected):
    match = recognise_table([["STT", "Họ và tên", "Ngày sinh", "Tháng sinh", "Năm sinh",
                              "Giới tính", "Số CCCD"]])  # fmt: skip
    assert match is not None
    (comp,) = [c for c in match.composites if c.field == "date_of_birth"]
    assert comp.kind == "date_parts" and comp.sources == (2, 3, 4)
    assert "date_of_birth" not in match.columns.values()
    values, _ = assemble([comp], [1, "Nguyễn Văn An", *cells, "Nam", "025085000001"])
    assert values == [expected]


def test_a_day_and_a_year_column_without_a_month_stay_two_readings():
    """ "Ngày sinh" (whole dates) beside "Năm sinh" (years): no "Tháng sinh", no parts."""
    match = recognise_table([["STT", "Họ và tên", "Ngày sinh", "Năm sinh", "Số CCCD"]])
    assert match is not None
    assert not any(c.kind == "date_parts" for c in match.composites)


@pytest.mark.parametrize("value", [1, 15, 31, 366])
def test_a_small_number_is_no_birth_date(value):
    with pytest.raises(DateParseError, match="quá nhỏ"):
        parse_date(value, context="birth", today=TODAY)
    # elsewhere a serial is a serial
    assert parse_date(value, today=TODAY).value.year == 1900


def test_a_birth_date_serial_after_1900_is_read():
    assert parse_date(367, context="birth", today=TODAY).value == date(1901, 1, 1)
    assert parse_date(31121, context="birth", today=TODAY).value == date(1985, 3, 15)


# -- Excel's ="…" text formulas in a CSV --------------------------------------------------------
def test_a_csv_cell_written_as_excel_text_formula_is_its_text(tmp_path):
    from transfer.readers import read_file

    path = tmp_path / "web.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + (
            '"Họ và tên";"Ngày sinh";"Số CCCD";"Ghi chú"\r\n'
            'Nguyễn Văn An;"=""15/03/1985""";="025085000001";=A1+1\r\n'
        ).encode()
    )
    (sheet,) = read_file(path)
    rows = [*sheet.head, *sheet.rows]
    assert rows[1] == ["Nguyễn Văn An", "15/03/1985", "025085000001", "=A1+1"]


# -- headers cut short by dots --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "field"),
    [("H.tên", "full_name"), ("Ng.sinh", "date_of_birth"), ("G.tính", "sex"), ("Đ.vị", "unit"),
     ("Q.quán", "hometown_text"), ("Ng. sinh", "date_of_birth"), ("3. Ng.sinh", "date_of_birth")],
)  # fmt: skip
def test_a_header_with_words_cut_by_a_dot_names_its_field(header, field):
    from transfer.header_columns import recognise_header

    found = recognise_header([header])
    assert found is not None and found.field == field
    assert "dấu chấm" in found.reason


@pytest.mark.parametrize("header", ["N.sinh", "Đ.v", "Tr.độ"])
def test_a_dotted_header_fitting_several_fields_or_none_names_nothing(header):
    """ "N.sinh" fits "Ngày sinh", "Năm sinh" and "Nơi sinh": no field is taken for it."""
    from transfer.header_words import dotted_field

    assert dotted_field("profile", header) is None


def test_a_table_of_dotted_abbreviations_is_recognised():
    match = recognise_table([["TT", "H.tên", "Ng.sinh", "G.tính", "Số ĐDCN", "DT", "Đ.vị"]])
    assert match is not None
    assert match.columns == {1: "full_name", 2: "date_of_birth", 3: "sex", 4: "personal_id",
                             5: "ethnicity", 6: "unit"}  # fmt: skip


# -- rows under and above the table -------------------------------------------------------------
def _sorter():
    from transfer.rows import RowSorter

    header = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc"]
    match = recognise_table([header])
    assert match is not None
    return RowSorter(match, [header])


@pytest.mark.parametrize(
    "text",
    ["Phú Thọ, ngày 15 tháng 3 năm 2024", "Thanh Sơn, ngày     tháng    năm 2024",
     "ngày … tháng … năm 20…"],
)  # fmt: skip
def test_the_place_and_date_line_is_the_footer_in_any_column(text):
    sorter = _sorter()
    assert sorter.layout([1, "Nguyễn Văn An", "15/03/1985", "Nam", "025085000001", "Kinh"]) is None
    assert sorter.layout([None, None, None, None, text]) == "footer"


def test_a_birth_date_alone_in_a_row_is_no_place_and_date_line():
    sorter = _sorter()
    assert sorter.layout([None, None, "Sinh ngày 15 tháng 3 năm 1985"]) != "footer"


def test_a_template_s_description_and_example_rows_are_skipped():
    sorter = _sorter()
    hint = [None, "Bắt buộc", "dd/mm/yyyy", "Nam hoặc Nữ", "12 chữ số", "Theo danh mục"]
    example = ["Ví dụ", "Nguyễn Văn A", "01/01/1980", "Nam", "001080000001", "Kinh"]
    assert sorter.layout(hint) == "template_hint"
    assert sorter.layout(example) == "template_hint"
    person = [1, "Nguyễn Văn An", "15/03/1985", "Nam", "025085000001", "Kinh"]
    assert sorter.layout(person) is None
    # below the first person, an "example" is a person's row like any other
    assert sorter.layout(["VD", *person[1:]]) is None


def test_a_person_without_an_id_is_no_description_row():
    sorter = _sorter()
    assert sorter.layout([1, "Nguyễn Văn An", "15/03/1985", "Nam", None, "Kinh"]) is None


# -- phone numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "stored", "noted"),
    [("0912 345 678", "0912345678", False), ("0912.345.678", "0912345678", False),
     ("0912-345-678", "0912345678", False), ("+84 912 345 678", "0912345678", False),
     ("(+84) 983456789", "0983456789", False), ("84983456789", "0983456789", False),
     (912345678, "0912345678", True), ("912345678", "0912345678", True),
     (912345678.0, "0912345678", True), ("0210.3845.123", "02103845123", False),
     ("+84 210 3845 123", "02103845123", False), (2103845123, "02103845123", True)],
)  # fmt: skip
def test_a_phone_number_is_stored_as_the_national_number(written, stored, noted):
    from transfer.phones import phone_number

    number, note = phone_number(written)
    assert number == stored
    assert bool(note) == noted


@pytest.mark.parametrize(
    "written",
    ["0912345678 - 0987654321", "01234567890", "+1 202 555 0100", "Cơ quan: 0210 3845 123",
     "12345", "0210.3845.123 máy lẻ 12", "09 ১২৩ ৪৫৬ ৭৮"],
)  # fmt: skip
def test_a_phone_cell_that_is_no_one_national_number_is_kept_as_written(written):
    from transfer.phones import phone_number

    assert phone_number(written) == (written, "")
