"""The parsers behind the unseen shapes, variant by variant: date spellings and the day/month
order of a column, personal ID spellings, sex spellings, and reading a file by what its bytes
are (HTML tables and XML Spreadsheet 2003 saved as .xls, UTF-16 text)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from transfer.cleaning import digit_string
from transfer.csv_text import decode_csv, looks_utf16
from transfer.dates import DateParseError, column_order, parse_date
from transfer.markup import MarkupError, read_html, read_spreadsheetml, sniff_markup
from transfer.readers import read_file, sniff_format
from transfer.rows import date_from_parts

TODAY = date(2026, 11, 21)


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("T5/1980", date(1980, 5, 1), "month"),
        ("Th05/1980", date(1980, 5, 1), "month"),
        ("t12-1980", date(1980, 12, 1), "month"),
        ("ngày 12 tháng 5 năm 1980", date(1980, 5, 12), "day"),
        ("Sinh ngày 12/05/1980", date(1980, 5, 12), "day"),
        ("12.05.1980", date(1980, 5, 12), "day"),
        ("12-05-1980", date(1980, 5, 12), "day"),
        ("1980-05-12", date(1980, 5, 12), "day"),
        ("12/5/80", date(1980, 5, 12), "day"),
        ("29353", date(1980, 5, 12), "day"),
        (datetime(1980, 5, 12, 0, 0), date(1980, 5, 12), "day"),
        ("12/05/1980 12:00:00 SA", date(1980, 5, 12), "day"),  # .NET DateTime in vi-VN
        ("12/05/1980 1:30:00 CH", date(1980, 5, 12), "day"),
        ("12/05/1980 0:00:00", date(1980, 5, 12), "day"),
        ("12/05/1980 12:00:00 AM", date(1980, 5, 12), "day"),
    ],
)
def test_date_spellings(value, expected, precision):
    parsed = parse_date(value, context="birth", today=TODAY, order="dmy")
    assert (parsed.value, str(parsed.precision.value).lower(), parsed.note) == (
        expected,
        precision,
        "",
    )


def test_a_certain_swap_is_read_with_a_note_and_only_when_an_order_is_given():
    parsed = parse_date("10/21/1984", today=TODAY, order="dmy")
    assert parsed.value == date(1984, 10, 21)
    assert "tháng trước ngày" in parsed.note and "21/10/1984" in parsed.note
    back = parse_date("21/10/1984", today=TODAY, order="mdy")  # a day-first value, mdy column
    assert back.value == date(1984, 10, 21) and "ngày trước tháng" in back.note
    with pytest.raises(DateParseError, match="tháng 21"):
        parse_date("10/21/1984", today=TODAY)  # no order: never swapped
    with pytest.raises(DateParseError):
        parse_date("31/02/1980", today=TODAY, order="mdy")  # no order makes it a date


def test_an_ambiguous_date_follows_its_column_and_a_month_first_one_is_flagged():
    assert parse_date("03/04/1980", today=TODAY, order="dmy") == parse_date(
        "03/04/1980", today=TODAY
    )
    assert parse_date("03/04/1980", today=TODAY, order="dmy").value == date(1980, 4, 3)
    mdy = parse_date("03/04/1980", today=TODAY, order="mdy")
    assert mdy.value == date(1980, 3, 4) and "cần kiểm tra" in mdy.note
    assert parse_date("04/04/1980", today=TODAY, order="mdy").note == ""  # same both ways


@pytest.mark.parametrize(
    ("header", "values", "order"),
    [
        ("Ngày sinh", ["21/10/1984", "03/04/1980"], "dmy"),
        ("Date of birth", ["10/21/1984", "03/04/1980", "12/25/1979"], "mdy"),
        ("Ngày sinh", ["10/21/1984", "22/10/1984"], "dmy"),  # a tie: day first
        ("Ngày sinh", ["03/04/1980", 29353, None], "dmy"),  # nothing proves: day first
        ("Ngày sinh (mm/dd/yyyy)", ["03/04/1980"], "mdy"),  # the header declares it
        ("NS (dd/mm/yyyy)", ["10/21/1984", "10/22/1984"], "dmy"),  # the header wins
    ],
)
def test_column_order(header, values, order):
    assert column_order(header, values) == order


@pytest.mark.parametrize(
    ("labels", "values", "text"),
    [
        (("ngay", "thang", "nam"), (12, 5, 1980), "12/5/1980"),
        (("ngay", "thang", "nam"), (12.0, "05", 1980.0), "12/05/1980"),
        (("ngay", "thang", "nam"), (None, 5, 1980), "5/1980"),
        (("ngay", "thang", "nam"), (None, None, 1980), "1980"),
        (("thang", "nam"), (5, 1980), "5/1980"),
        (("ngay", "thang", "nam"), (None, None, None), None),
    ],
)
def test_a_date_from_three_columns(labels, values, text):
    assert date_from_parts(labels, values) == text


# -- personal IDs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "written",
    [
        "025 085 012 345",
        "025.085.012.345",
        "025-085-012345",
        "'025085012345",
        "\u00a0025085012345\u00a0",
        "025\u200b085012345",
        " 025085 012345 ",
    ],
)
def test_id_spellings(written):
    assert digit_string(written, "số định danh", pad=False) == "025085012345"


@pytest.mark.parametrize("written", ["2.50185E+11", "2,50185E+11", "2.5E11"])
def test_an_id_in_scientific_notation_is_refused_never_padded(written):
    with pytest.raises(ValueError, match="số mũ"):
        digit_string(written, "số định danh", pad=False)


def test_two_ids_in_one_cell_are_not_joined():
    with pytest.raises(ValueError, match="không phải chữ số"):
        digit_string("131234567/025085012345", "số định danh", pad=False)


def test_an_old_card_header_over_the_only_id_column_is_the_personal_id():
    from transfer.headers import recognise_table

    match = recognise_table([["STT", "HoTen", "NgaySinh", "GioiTinh", "SoCMND"]])
    assert match is not None and match.columns[4] == "personal_id"
    assert "CMND cũ" in match.reasons[4]["reason"]
    both = recognise_table([["Họ và tên", "Ngày sinh", "Số CMND", "Số CCCD"]])
    assert both is not None and both.columns[2] == "old_id_number"
    assert both.columns[3] == "personal_id"


# -- sex -----------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("written", "code"),
    [("NỮ", "2"), ("nữ", "2"), ("F", "2"), ("Female", "2"), ("2", "2"), ("0", "2"),
     ("nam", "1"), ("NAM", "1"), ("M", "1"), ("Male", "1"), ("1", "1"), (" Nam ", "1")],
)  # fmt: skip
def test_sex_spellings(codes, written, code):
    from transfer.values import map_value

    assert map_value("sex", written).code == code


# -- reading by content --------------------------------------------------------------------------
HTML = (
    "<html><head><meta charset='utf-8'><style>td{color:red}</style></head><body>"
    "<table><tr><td colspan=3>DANH SÁCH</td></tr>"
    "<tr><th rowspan=2>STT</th><th colspan=2>Ngày sinh</th></tr>"
    "<tr><th>Nam</th><th>Nữ</th></tr>"
    "<tr><td>1</td><td>12.05.1980</td><td></td></tr>"
    "<tr><td>2</td><td>&nbsp;</td><td>01/02/1981<br>(xác minh)</td></tr>"
    "</table><table><tr><td>Người lập biểu</td></tr></table></body></html>"
)


def test_an_html_table_is_read_with_its_spans():
    (sheet,) = read_html(HTML.encode(), "ds")
    assert sheet.name == "ds"
    assert sheet.rows[0] == ["DANH SÁCH"]
    assert sheet.rows[1] == ["STT", "Ngày sinh"]
    assert sheet.rows[2] == [None, "Nam", "Nữ"]  # STT spans rows 2-3: Nam goes in column 2
    assert sheet.rows[3] == ["1", "12.05.1980", None]
    assert sheet.rows[4] == ["2", None, "01/02/1981\n(xác minh)"]
    assert sheet.rows[5] == [] and sheet.rows[6] == ["Người lập biểu"]  # the next table below
    assert (0, 0, 0, 2) in sheet.merged and (1, 0, 2, 0) in sheet.merged
    assert (1, 1, 1, 2) in sheet.merged


def test_an_html_table_in_utf8_without_a_charset_or_in_utf16():
    raw = "<table><tr><td>Họ và tên</td></tr><tr><td>Nguyễn Văn Hưng</td></tr></table>"
    (sheet,) = read_html(raw.encode(), "x")  # no charset declared: UTF-8
    assert sheet.rows[1] == ["Nguyễn Văn Hưng"]
    (sheet,) = read_html(b"\xff\xfe" + raw.encode("utf-16-le"), "x")
    assert sheet.rows[0] == ["Họ và tên"]


SPREADSHEETML = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="DS"><Table>
<Row><Cell ss:MergeAcross="2"><Data ss:Type="String">BÁO CÁO</Data></Cell></Row>
<Row ss:Index="3"><Cell><Data ss:Type="String">Họ và tên</Data></Cell>
 <Cell ss:Index="3"><Data ss:Type="String">Ngày sinh</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">Lê Văn A</Data></Cell>
 <Cell><Data ss:Type="Number">25085012345</Data></Cell>
 <Cell><Data ss:Type="DateTime">1980-05-12T00:00:00.000</Data></Cell></Row>
</Table></Worksheet></Workbook>"""


def test_an_xml_spreadsheet_2003_is_read_with_its_gaps_and_types():
    (sheet,) = read_spreadsheetml(SPREADSHEETML.encode())
    assert sheet.name == "DS"
    assert sheet.rows[0] == ["BÁO CÁO"] and sheet.rows[1] == []
    assert sheet.rows[2] == ["Họ và tên", None, "Ngày sinh"]
    assert sheet.rows[3] == ["Lê Văn A", 25085012345.0, date(1980, 5, 12)]
    assert sheet.merged == [(0, 0, 0, 2)]


def test_an_xml_spreadsheet_declaring_entities_is_refused():
    evil = SPREADSHEETML.replace(
        "<?mso-application", '<!DOCTYPE x [<!ENTITY a "aaaa">]><?mso-application'
    )
    with pytest.raises(MarkupError, match="DOCTYPE"):
        read_spreadsheetml(evil.encode())


def test_utf16_text_is_recognised_with_or_without_its_bom():
    text = "STT\tHọ và tên\r\n1\tNguyễn Văn Hưng\r\n"
    for raw in (b"\xff\xfe" + text.encode("utf-16-le"), text.encode("utf-16-le"),
                text.encode("utf-16-be")):  # fmt: skip
        assert looks_utf16(raw)
        decoded = decode_csv(raw)
        assert decoded.encoding == "utf-16" and "Nguyễn Văn Hưng" in decoded.text
    assert not looks_utf16(text.encode("utf-8"))
    assert not looks_utf16("Nguyễn".encode("cp1258", errors="replace"))


def test_files_are_read_by_their_bytes_not_their_names(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Họ và tên"])
    cases = {
        "real.xlsx": None,
        "html.xls": HTML.encode(),
        "xml2003.xls": SPREADSHEETML.encode(),
        "unicode.txt": b"\xff\xfe" + "Họ và tên\tSố CCCD\r\n".encode("utf-16-le"),
        "plain.xls": "Họ và tên;Số CCCD\n".encode(),
        "junk.xlsx": b"\x00\x01\x02garbage\x00" * 10,
    }
    expected = {"real.xlsx": "spreadsheet", "html.xls": "html", "xml2003.xls": "spreadsheetml",
                "unicode.txt": "text", "plain.xls": "text", "junk.xlsx": "binary"}  # fmt: skip
    for name, raw in cases.items():
        path = tmp_path / name
        if raw is None:
            wb.save(path)
        else:
            path.write_bytes(raw)
        assert sniff_format(path) == expected[name], name
    assert sniff_markup(b"\xef\xbb\xbf  <table>") == "html"
    assert sniff_markup(b"Ho ten;So CCCD") is None
    (sheet,) = read_file(tmp_path / "xml2003.xls")
    assert sheet.head[2][0] == "Họ và tên" and "XML Spreadsheet 2003" in sheet.notes[0]
    (sheet,) = read_file(tmp_path / "unicode.txt")
    assert sheet.head[0] == ["Họ và tên", "Số CCCD"]


@pytest.mark.django_db
def test_the_upload_check_takes_markup_and_utf16_by_content_and_refuses_entities(tmp_path):
    from transfer.upload_checks import UploadRefused, check_stored

    ok = {"a.xls": HTML.encode(), "b.xls": SPREADSHEETML.encode(),
          "c.txt": b"\xff\xfe" + "Họ và tên\tSố\r\n".encode("utf-16-le")}  # fmt: skip
    for name, raw in ok.items():
        (tmp_path / name).write_bytes(raw)
        assert check_stored(tmp_path / name, name).size == len(raw)
    evil = tmp_path / "d.xls"
    evil.write_bytes(
        SPREADSHEETML.replace("<Workbook", '<!DOCTYPE x [<!ENTITY a "a">]><Workbook', 1).encode()
    )
    with pytest.raises(UploadRefused, match="ENTITY"):
        check_stored(evil, "d.xls")
    junk = tmp_path / "e.xls"
    junk.write_bytes(b"\x00\x01garbage" * 10)
    with pytest.raises(UploadRefused, match="Nội dung tệp"):
        check_stored(junk, "e.xls")


# -- headers and CSV dialects --------------------------------------------------------------------
def test_a_bilingual_header_is_matched_by_its_known_part_and_never_split_across_fields():
    from transfer.header_columns import BILINGUAL
    from transfer.headers import recognise_table

    match = recognise_table(
        [
            [
                "Họ và tên / Full name",
                "Ngày sinh\n(Date of birth)",
                "Giới tính - Sex",
                "Số CCCD | ID No",
                "Ngày sinh/Nơi sinh",
            ]
        ]
    )
    assert match is not None
    assert match.columns == {0: "full_name", 1: "date_of_birth", 2: "sex", 3: "personal_id"}
    assert match.reasons[0]["reason"] == BILINGUAL
    assert 4 in match.unknown_columns  # two fields in one column: not guessed


def test_the_header_is_found_below_long_notes():
    from transfer.headers import recognise_table

    rows = [[f"{i}. Ghi chú"] for i in range(40)]
    rows.append(["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"])
    match = recognise_table(rows)
    assert match is not None and match.header_row == 40


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("sep=;\nSTT;Họ và tên;Số CCCD\n1;A B;025075000001\n", ";"),
        ('"sep=|"\nSTT|Họ và tên\n1|A\n', "|"),
        ("STT\tHọ và tên\tSố\n1\tA\t2\n", "\t"),
        ("DANH SÁCH\nSTT;Họ và tên;Ngày sinh\n1;Lê Văn A;01/02/1980\n2;Lê B;3/4/1981\n", ";"),
    ],
)
def test_csv_dialects(sample, delimiter):
    from transfer.readers import csv_dialect

    assert csv_dialect(sample).delimiter == delimiter


def test_merged_ranges_of_a_table_off_the_corner_cover_the_cells_they_merge(tmp_path):
    from tests.importing.unseen_shapes import shape_table_off_the_corner

    shape = shape_table_off_the_corner(tmp_path)
    (sheet,) = read_file(shape.path)
    assert sheet.head[2][:3] == ["STT", "Họ và tên", "Ngày tháng năm sinh"]
    # "Ngày tháng năm sinh" is merged over D3:E3, column B is the first used one
    assert (2, 2, 2, 3) in sheet.merged and (2, 0, 3, 0) in sheet.merged


@pytest.mark.parametrize(
    ("cell", "pid", "rest"),
    [
        ("025085012345, 01/01/2021, Cục CS QLHC", "025085012345", "01/01/2021, Cục CS QLHC"),
        ("025085012345 cấp ngày 1/1/2021", "025085012345", "cấp ngày 1/1/2021"),
        ("131234567 (CA Phú Thọ)", "131234567", "CA Phú Thọ)"),
        ("025 085 012 345", "025 085 012 345", ""),  # all of it is the ID
        ("025085012345/131234567", "025085012345/131234567", ""),  # two IDs: not split
        ("0250850123, CA Phú Thọ", "0250850123, CA Phú Thọ", ""),  # 10 digits: no ID
        (25085012345.0, 25085012345.0, ""),
    ],
)
def test_an_id_cell_with_its_issue_date_and_place(cell, pid, rest):
    from transfer.rows import split_id_cell

    assert split_id_cell(cell) == (pid, rest)


@pytest.mark.parametrize(
    ("header", "columns", "composite"),
    [
        (["Họ, chữ đệm và tên khai sinh", "Ngày sinh", "Giới tính", "Số thẻ căn cước"],
         {0: "full_name", 1: "date_of_birth", 2: "sex", 3: "personal_id"}, None),
        (["Họ, chữ đệm", "Tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"],
         {2: "date_of_birth", 3: "sex", 4: "personal_id"}, ("full_name", (0, 1))),
        (["Họ", "Chữ đệm", "Tên", "Ngày sinh", "Giới tính", "Số CCCD"],
         {3: "date_of_birth", 4: "sex", 5: "personal_id"}, ("full_name", (0, 1, 2))),
        (["Họ và tên", "Ngày sinh", "Giới tính", "Số căn cước/CMND"],
         {0: "full_name", 1: "date_of_birth", 2: "sex", 3: "personal_id"}, None),
    ],
)  # fmt: skip
def test_headers_in_the_2023_forms_wording(header, columns, composite):
    from transfer.headers import recognise_table

    match = recognise_table([header])
    assert match is not None and match.columns == columns
    assert [(c.field, c.sources) for c in match.composites] == ([composite] if composite else [])
