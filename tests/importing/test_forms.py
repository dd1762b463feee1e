"""A sheet that is one person's CV form (transfer.forms.read_form) read as a table
of one row: label and value in two cells or in one, two items on a line, the family table
below not taken, a list titled "lý lịch" left to the table reader."""

from __future__ import annotations

import pytest

from transfer.forms import read_form
from transfer.headers import recognise_table
from transfer.readers import SheetData

pytestmark = pytest.mark.database_free

TOP = [
    ["Cơ quan, đơn vị có thẩm quyền quản lý CBCC: UBND tỉnh Phú Thọ", None, None, None,
     "Số hiệu cán bộ, công chức:", "CB0001"],
    ["Cơ quan, đơn vị sử dụng CBCC: Sở Nội vụ"],
    [None, "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC"],
]  # fmt: skip
FAMILY = [
    ["27) Quan hệ gia đình"],
    ["Mối quan hệ", "Họ và tên", "Năm sinh", "Quê quán, nghề nghiệp"],
    ["Bố", "Nguyễn Văn Cha", 1950, "Phú Thọ"],
]


def _sheet(rows):
    return SheetData("2C", iter(()), [list(r) for r in rows], [])


def _read(rows):
    sheet = read_form(_sheet(rows))
    assert sheet is not None
    header, values = sheet.head
    return sheet, dict(zip(header, values, strict=True))


def test_labels_and_values_in_separate_cells():
    rows = [
        *TOP,
        ["1) Họ và tên khai sinh (viết chữ in hoa):", None, "NGUYỄN VĂN AN"],
        ["2) Tên gọi khác:", None, None],
        ["3) Sinh ngày:", None, "15 tháng 03 năm 1985", None, "Giới tính (nam, nữ):", "Nam"],
        ["6) Dân tộc:", None, "Kinh", None, "7) Tôn giáo:", "Không"],
        ["8) Số CCCD:", None, "025085000001", None, "Ngày cấp:", "10/05/2021"],
        *FAMILY,
    ]
    sheet, items = _read(rows)
    assert items == {
        "Họ và tên khai sinh (viết chữ in hoa)": "NGUYỄN VĂN AN",
        "Sinh ngày": "15 tháng 03 năm 1985",
        "Giới tính (nam, nữ)": "Nam",
        "Dân tộc": "Kinh",
        "Tôn giáo": "Không",
        "Số CCCD": "025085000001",
    }
    # the header it makes is read as the people table; the person is numbered as the
    # name's row of the sheet (header row + 1 + first_row)
    match = recognise_table(sheet.head)
    assert match is not None and match.spec.key == "profile"
    assert sheet.first_row + 2 == 4
    assert any("sơ yếu lý lịch" in note for note in sheet.notes)


def test_labels_and_values_in_one_cell():
    rows = [
        *TOP,
        ["1) Họ và tên đang dùng: TRẦN THỊ HOA"],
        ["2) Tên gọi khác: không"],
        ["3) Sinh ngày 8 tháng 6 năm 1976", None, None, None, "Giới tính: Nữ"],
        ["7) Số CMND/CCCD: 025176000002", None, None, None, "Ngày cấp: 10/05/2021"],
        *FAMILY,
    ]
    _, items = _read(rows)
    assert items == {
        "Họ và tên đang dùng": "TRẦN THỊ HOA",
        "Sinh ngày": "8 tháng 6 năm 1976",
        "Giới tính": "Nữ",
        "Số CMND/CCCD": "025176000002",
    }


def test_a_sheet_without_a_cv_title_or_without_a_name_is_no_form():
    items = [["1) Họ và tên: NGUYỄN VĂN AN"], ["2) Số CCCD: 025085000001"]]
    assert read_form(_sheet(items)) is None  # no "lý lịch" title
    assert read_form(_sheet([*TOP, ["2) Số CCCD: 025085000001"]])) is None  # no name


def test_a_list_titled_ly_lich_is_left_to_the_table_reader():
    rows = [
        ["DANH SÁCH TRÍCH NGANG LÝ LỊCH"],
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"],
        [1, "Nguyễn Văn An", "15/03/1985", "Nam", "025085000001"],
    ]
    assert read_form(_sheet(rows)) is None
