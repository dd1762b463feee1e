"""Layout rows told from people (transfer.rows.RowSorter, tables.next_table): a
person's cells wrapped into the next row, a second header line of field codes under the
header."""

from __future__ import annotations

import pytest

from transfer.headers import recognise_table
from transfer.readers import SheetData
from transfer.rows import RowSorter
from transfer.tables import next_table, repeats_header

pytestmark = pytest.mark.database_free

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ, đơn vị", "Ghi chú"]
PERSON = [1, "Nguyễn Văn An", "15/03/1985", "Nam", "025085000001", "Chuyên viên Phòng", None]


def _sorter(header=HEADER):
    match = recognise_table([header])
    assert match is not None
    return match, RowSorter(match, [header])


def test_text_right_of_the_name_below_a_person_continues_that_person():
    _, sorter = _sorter()
    assert sorter.layout(PERSON) is None
    assert sorter.layout([None, None, None, None, None, "Sở Nội vụ tỉnh Phú Thọ", None]) == (
        "continuation"
    )
    assert sorter.layout([None, None, None, None, None, None, "do lập thành tích"]) == (
        "continuation"
    )
    # more than three cells of text, none a person's: still the person above's
    wrapped = [None, None, None, None, None, "Sở Nội vụ", "nâng lương"]
    assert sorter.layout(wrapped) == "continuation"


def test_a_section_in_the_first_or_the_name_column_stays_a_section():
    _, sorter = _sorter()
    assert sorter.layout(PERSON) is None
    assert sorter.layout(["II. SỞ TÀI CHÍNH"]) == "section"
    assert sorter.layout([None, "Phòng Nội vụ"]) == "section"


def test_text_right_of_the_name_before_any_person_is_no_continuation():
    _, sorter = _sorter()
    assert sorter.layout([None, None, None, None, None, "Sở Nội vụ"]) == "section"


FIELD_CODES = ["", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "SO_CCCD", "CHUC_VU", "GHI_CHU"]


def _sheet(rows):
    return SheetData("DS", iter(()), rows, [])


def test_a_row_of_field_codes_under_the_header_is_a_second_header_line():
    match, sorter = _sorter()
    assert sorter.layout(FIELD_CODES) == "header_repeat"
    sheet = _sheet([HEADER, FIELD_CODES, PERSON])
    assert next_table(sheet, match, FIELD_CODES, 2, iter([PERSON])) is None


def test_field_codes_in_other_columns_start_another_table():
    match, _ = _sorter()
    moved = ["", "SO_CCCD", "HO_TEN", "GIOI_TINH", "NGAY_SINH"]
    sheet = _sheet([HEADER, moved])
    assert next_table(sheet, match, moved, 2, iter([])) is not None


def test_a_header_naming_the_same_columns_below_people_is_another_table():
    match, _ = _sorter()
    sheet = _sheet([HEADER, PERSON, FIELD_CODES])
    assert next_table(sheet, match, FIELD_CODES, 3, iter([])) is not None


TEMPLATE = ["STT", "Họ và tên (*)", "Ngày sinh (*)", "Giới tính (*)", "Số định danh cá nhân (*)",
            "Dân tộc", "Tôn giáo"]  # fmt: skip
CODES = ["", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "SO_DDCN", "MA_DAN_TOC", "MA_TON_GIAO"]


def test_a_template_s_field_codes_are_its_header_again_above_and_below_people():
    match, sorter = _sorter(TEMPLATE)
    assert sorter.layout(CODES) == "header_repeat"
    assert next_table(_sheet([TEMPLATE, CODES]), match, CODES, 2, iter([])) is None
    # below people the same row is the header of the next table
    match, sorter = _sorter(TEMPLATE)
    person = [1, "Nguyễn Văn An", "15/03/1985", "Nam", "025085000001", "Kinh", "Không"]
    assert sorter.layout(person) is None
    assert sorter.layout(CODES) is None
    # naming the very fields of the header in its columns ("MA_DAN_TOC" is "Mã dân tộc"), it
    # is that header again (never a person, never another table)
    assert next_table(_sheet([TEMPLATE, person, CODES]), match, CODES, 3, iter([])) is None
    assert repeats_header(match, CODES)
    assert not repeats_header(match, person)


def test_a_sheet_without_a_header_goes_on_with_the_table_before_it():
    from transfer.tables import continued_table

    match, _ = _sorter()
    rows = [[6, "Lê Văn Sáu", "01/02/1980", "Nam", "025080000006", "Chuyên viên", None],
            [7, "Đỗ Thị Bảy", "01/03/1981", "Nữ", "025181000007", None, None]]  # fmt: skip
    found = continued_table(match, _sheet(rows))
    assert found is not None
    assert (found.header_row, found.columns) == (-1, match.columns)
    assert continued_table(None, _sheet(rows)) is None  # no table before it


@pytest.mark.parametrize(
    "rows",
    [
        [["Ghi chú: số liệu đến 31/12/2024"], ["Người lập biểu"]],  # notes, not people
        [[1, "Lê Văn Sáu", "01/02/1980", "Nam", "Chuyên viên"]],  # no ID in the ID column
        [[1, "025080000006", "Lê Văn Sáu", "01/02/1980", "Nam"]],  # the ID in another column
        [[6, "Lê Văn Sáu", "01/02/1980", "Nam", "025080000006", "x", "y", "z", "w"]],  # wider
    ],
)
def test_a_sheet_that_does_not_fit_the_table_before_is_not_read_with_it(rows):
    from transfer.tables import continued_table

    match, _ = _sorter()
    assert continued_table(match, _sheet(rows)) is None
