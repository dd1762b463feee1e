"""The unit tree's Excel files as files: the export opened by independent readers (calamine,
openpyxl), formula-like names written as text and read back as typed, files written by
another tool (openpyxl) imported with the row numbers Excel shows, and the import reading the
same cell values openpyxl read before the import moved to calamine."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time

import pytest
import python_calamine as pc
from openpyxl import Workbook, load_workbook

from orgtree.models import Unit
from orgtree.text import in_vietnamese
from orgtree.unit_io import COLUMNS, _parse_date, _text, import_units, read_rows
from tests.orgtree.test_unit_io import HEADERS, export_bytes, wipe

FORMULA_NAME = '=HYPERLINK("http://x","y")'


def test_a_formula_like_name_is_written_as_text_and_imported_back_as_typed(make_unit):
    province = make_unit(FORMULA_NAME, code="H25")
    make_unit("+84 Sở thử", parent=province, code="H25.01")
    data = export_bytes()

    # an independent reader sees the literal text, quoted, and no formula is in the file
    rows = pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][:2] == ["H25", "'" + FORMULA_NAME]
    assert rows[2][:2] == ["H25.01", "'+84 Sở thử"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", archive.read(n)) for n in sheets)
    cell = load_workbook(io.BytesIO(data)).worksheets[0]["B2"]
    assert (cell.data_type, cell.value) == ("s", "'" + FORMULA_NAME)

    # our import reads the names back as they were typed (round trip into an empty tree)
    wipe()
    result = import_units(io.BytesIO(data))
    assert result.ok, result.errors
    assert result.created == ["H25", "H25.01"]
    assert Unit.objects.get(code="H25").name == FORMULA_NAME
    assert Unit.objects.get(code="H25.01").name == "+84 Sở thử"


def test_the_export_layout(make_unit):
    province = make_unit(
        "Ủy ban nhân dân tỉnh Thử",
        code="H26",
        legal_basis_number="QĐ 1",
        valid_from=date(2020, 1, 1),
    )
    make_unit("Sở Nội vụ", parent=province, code="H26.01", valid_from=date(2021, 3, 4))
    data = export_bytes()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Đơn vị"]
    sheet = workbook["Đơn vị"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[3]] == [
        "H26.01",
        "Sở Nội vụ",
        None,
        in_vietnamese(Unit.Kind.DEPARTMENT.label),
        "H26",
        None,
        datetime(2021, 3, 4),
        None,
        None,
    ]
    for ref in ("G2", "G3", "I2", "I3"):  # dates, and the empty date cells too
        assert sheet[ref].number_format.upper() == "DD/MM/YYYY"
    assert sheet["H2"].value == "QĐ 1"
    # the widths in characters as Excel shows them: stored with 5 px of padding (7 px a digit)
    widths = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    for first, last, width in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml):
        widths |= dict.fromkeys(range(int(first), int(last) + 1), round(float(width) - 5 / 7))
    assert widths == dict(enumerate([18, 50, 20, 40, 18, 18, 12, 20, 14], start=1))


def test_a_file_written_by_openpyxl_imports_with_the_row_numbers_excel_shows(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    # the table starts in column B; row 3 is left empty; dates of every kind
    sheet.append([None, *HEADERS])
    province = ["H31", "UBND tỉnh Thử", "UBND", "province_pc", None, None, date(2021, 1, 1)]
    sheet.append([None, *province, "QĐ 12", datetime(2020, 12, 1)])
    sheet.append([])
    sheet.append([None, "H31.01", "Sở Nội vụ", None, "department", "H31", 12345, 44197])
    sheet.append([None, "H31.02", "Sở Tài chính", None, "department", "H39", None, "01/01/2021"])
    out = io.BytesIO()
    workbook.save(out)

    result = import_units(io.BytesIO(out.getvalue()))
    assert [(e.row, e.column, e.value) for e in result.errors] == [(5, "Mã đơn vị cấp trên", "H39")]
    assert "Dòng 5, cột “Mã đơn vị cấp trên” (giá trị “H39”)" in str(result.errors[0])

    sheet.cell(row=5, column=6, value="H31")
    out = io.BytesIO()
    workbook.save(out)
    result = import_units(io.BytesIO(out.getvalue()))
    assert result.ok, result.errors
    assert result.created == ["H31", "H31.01", "H31.02"]
    province, home, finance = (Unit.objects.get(code=code) for code in ("H31", "H31.01", "H31.02"))
    assert (province.short_name, province.legal_basis_number) == ("UBND", "QĐ 12")
    assert (province.valid_from, province.legal_basis_date) == (date(2021, 1, 1), date(2020, 12, 1))
    assert home.national_code == "12345"  # a number typed in a code column: not "12345.0"
    assert home.valid_from == finance.valid_from == date(2021, 1, 1)  # serial and dd/mm/yyyy
    assert finance.parent == province


@pytest.mark.database_free
def test_the_import_reads_the_cell_values_openpyxl_read():
    """The values the import works on (the text of every cell, the date of the date columns)
    are the ones openpyxl's reader gave for the same file."""
    cells = [
        ["  H25 ", "Sở  Nội vụ ", None, "department", "", 12, date(2021, 1, 2), "QĐ 1", 43831],
        [12, 12.5, 12.0, -3, True, 1e20, datetime(2021, 1, 2, 10, 30), 7, "01/02/2021"],
        ["'=1+2", "'+84", "'quoted", "=1+2", "a=b", time(10), "2021-02-03", "x", "31/02/2021"],
        [date(2021, 1, 2), None, None, None, None, None, None, None, None],
        [None, None, None, None, None, None, None, None, "z"],
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([])  # an empty row: skipped, the numbers of the next ones kept
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()

    def seen(number: int, raw: dict) -> tuple:
        dates = {}
        for name in ("valid_from", "legal_basis_date"):
            try:
                dates[name] = _parse_date(raw.get(name))
            except ValueError:
                dates[name] = "invalid"
        return number, {name: _text(raw.get(name)) for name, _ in COLUMNS}, dates

    reference = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    expected = [
        seen(number, dict(zip([name for name, _ in COLUMNS], values, strict=False)))
        for number, values in enumerate(reference.iter_rows(values_only=True), start=1)
        if number > 1 and any(_text(v) for v in values)
    ]
    rows, errors = read_rows(io.BytesIO(data))
    assert not errors
    assert [seen(row.number, row.raw) for row in rows] == expected
    assert [number for number, *_ in expected] == [3, 4, 5, 6, 7]
    texts = {number: text for number, text, _ in expected}
    assert texts[4]["code"] == "12" and texts[4]["name"] == "12.5"  # whole numbers as ints
    assert texts[5]["code"] == "=1+2" and texts[5]["kind"] == ""  # guard undone; no formula
    assert texts[6]["code"] == "2021-01-02 00:00:00"  # a date typed in a text column
