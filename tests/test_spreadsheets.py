"""cbccvc.spreadsheets: the generic reader of one sheet's rows (python-calamine), checked on
files written by openpyxl and XlsxWriter, as other tools write them."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
import xlsxwriter
from openpyxl import Workbook

from cbccvc.spreadsheets import UnreadableSpreadsheet, worksheet_rows

pytestmark = pytest.mark.database_free


def _openpyxl_file(cells: dict[str, object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_rows_and_columns_are_placed_as_excel_numbers_them():
    data = _openpyxl_file({"C3": "Mã", "D3": "Tên", "C5": "H25", "E5": "Sở"})
    rows = list(worksheet_rows(io.BytesIO(data)))
    assert rows == [
        [None] * 5,
        [None] * 5,
        [None, None, "Mã", "Tên", None],  # row 3, columns C and D
        [None] * 5,
        [None, None, "H25", None, "Sở"],
    ]


def test_cell_values():
    data = _openpyxl_file(
        {
            "A1": 12,
            "B1": 12.5,
            "C1": -3,
            "D1": True,
            "E1": date(2021, 1, 2),
            "F1": datetime(2021, 1, 2, 10, 30),
            "G1": time(10, 0),
            "H1": "  text ",
            "I1": "'=1+2",
            "J1": "=1+2",  # a formula openpyxl wrote without a computed value
            "K1": "",
            "L1": "end",
        }
    )
    [row] = worksheet_rows(io.BytesIO(data))
    assert row == [
        12,
        12.5,
        -3,
        True,
        date(2021, 1, 2),
        datetime(2021, 1, 2, 10, 30),
        time(10, 0),
        "  text ",
        "'=1+2",  # the formula guard is the caller's to undo
        None,
        None,
        "end",
    ]
    assert [type(v) for v in row[:4]] == [int, float, int, bool]


def test_error_cells_read_as_empty_and_formulas_as_their_value():
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out)
    sheet = workbook.add_worksheet()
    sheet.write_formula(0, 0, "=NA()", None, "#N/A")
    sheet.write_formula(0, 1, "=1+2", None, 3)
    sheet.write_string(0, 2, "")
    workbook.close()
    assert list(worksheet_rows(out)) == [[None, 3, None]]


def test_the_first_worksheet_after_a_chart_sheet(tmp_path):
    path = tmp_path / "chart-first.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    chartsheet = workbook.add_chartsheet()
    sheet = workbook.add_worksheet("Dữ liệu")
    sheet.write_column(0, 0, ["Số", 1, 2])
    chart = workbook.add_chart({"type": "line"})
    chart.add_series({"values": "='Dữ liệu'!$A$2:$A$3"})
    chartsheet.set_chart(chart)
    workbook.close()
    assert list(worksheet_rows(path)) == [["Số"], [1], [2]]
    assert list(worksheet_rows(str(path))) == [["Số"], [1], [2]]


def test_a_stream_is_read_from_its_first_byte():
    stream = io.BytesIO(_openpyxl_file({"A1": "x"}))
    stream.seek(100)
    assert list(worksheet_rows(stream)) == [["x"]]


@pytest.mark.parametrize("data", [b"not a spreadsheet", b"PK\x03\x04 broken zip", b""])
def test_a_file_that_is_no_spreadsheet_is_refused_when_opened(data):
    with pytest.raises(UnreadableSpreadsheet):
        worksheet_rows(io.BytesIO(data))  # raised by the call, before any row is asked for
