"""Columns that hold more than one field, or one field in an unusual way
(transfer.headers / rows): the name and the birth date in one cell, the report
forms' lone "Nữ" tick column, tick symbols, the unit column's "ĐV" abbreviation."""

from __future__ import annotations

import pytest

from transfer.headers import recognise_table
from transfer.rows import assemble, is_mark, split_name_and_date

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(
    "header",
    ["Họ và tên\nNgày sinh", "Họ và tên, ngày, tháng, năm sinh", "Họ tên - Năm sinh",
     "Họ và tên / Ngày sinh", "Ngày sinh, họ và tên"],
)  # fmt: skip
def test_a_header_naming_the_name_and_the_birth_date_reads_both(header):
    match = recognise_table([["TT", header, "Giới tính", "Số CCCD"]])
    assert match is not None
    parts = {comp.field: comp for comp in match.composites}
    assert set(parts) == {"full_name", "date_of_birth"}
    assert parts["full_name"].sources == parts["date_of_birth"].sources == (1,)
    cells = [1, "Nguyễn Văn An\n15/03/1985", "Nam", "025085000001"]
    values, _ = assemble(match.composites, cells)
    assert dict(zip([c.field for c in match.composites], values, strict=True)) == {
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "15/03/1985",
    }


@pytest.mark.parametrize(
    "header", ["Họ và tên khai sinh", "Họ và tên / Full name", "Ngày, tháng, năm sinh"]
)
def test_a_header_naming_one_field_is_no_pair(header):
    match = recognise_table([["TT", header, "Ngày sinh", "Số CCCD", "Họ tên"]])
    assert match is not None
    assert not any(comp.kind == "name_and_date" for comp in match.composites)


@pytest.mark.parametrize(
    ("cell", "name", "born"),
    [
        ("Nguyễn Văn An\n15/03/1985", "Nguyễn Văn An", "15/03/1985"),
        ("Nguyễn Văn An (1985)", "Nguyễn Văn An", "1985"),
        ("Nguyễn Văn An, sinh ngày 15/3/1985", "Nguyễn Văn An", "15/3/1985"),
        ("Lê Thị Hồng sinh năm 1980", "Lê Thị Hồng", "1980"),
        ("Trần Văn Sinh, Sinh ngày 01/02/1980", "Trần Văn Sinh", "01/02/1980"),
        # a capitalised "Nam" or "Sinh" before the date is the name's, not the word "năm"
        ("Nguyễn Văn Nam 1985", "Nguyễn Văn Nam", "1985"),
        ("Nguyễn Văn Sinh 1980", "Nguyễn Văn Sinh", "1980"),
        ("Đỗ Văn Út, x/1985", "Đỗ Văn Út", "x/1985"),
        ("Nguyễn Văn An", "Nguyễn Văn An", None),
        ("15/03/1985", None, "15/03/1985"),
        (None, None, None),
    ],
)
def test_the_name_and_the_date_of_one_cell(cell, name, born):
    assert split_name_and_date(cell) == (name, born)


def test_a_lone_female_column_of_ticks_gives_the_sex():
    match = recognise_table(
        [
            ["STT", "Họ và tên", "Ngày sinh", "Trong đó", None, None, "Số CCCD"],
            [None, None, None, "Nữ", "Đảng viên", "Dân tộc thiểu số", None],
        ],
        merged=[(0, 3, 0, 5)],
    )
    assert match is not None
    (comp,) = [c for c in match.composites if c.field == "sex"]
    assert (comp.kind, comp.sources) == ("female_mark", (3,))
    read = [assemble([comp], [1, "A", "1/1/1980", tick])[0][0] for tick in ("x", "√", None, "")]
    assert read == ["Nữ", "Nữ", "Nam", "Nam"]


def test_a_female_column_beside_a_male_or_a_sex_column_is_not_a_tick_column():
    for header in (["STT", "Họ và tên", "Ngày sinh", "Nam", "Nữ", "Số CCCD"],
                   ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Nữ", "Số CCCD"]):  # fmt: skip
        match = recognise_table([header])
        assert match is not None
        assert not any(c.kind == "female_mark" for c in match.composites)


@pytest.mark.parametrize(("value", "mark"), [("x", True), ("X", True), ("√", True),
                         ("✓", True), ("✔", True), (1, True), ("-", False), ("", False),
                         (None, False), (0, False), ("không", False)])  # fmt: skip
def test_tick_symbols_are_marks(value, mark):
    assert is_mark(value) is mark


@pytest.mark.parametrize("header", ["TENDV", "Tên ĐV", "MADV", "Mã ĐV", "Tên đơn vị"])
def test_the_unit_column_abbreviated(header):
    match = recognise_table([["HOTEN", "NGAYSINH", "SOCCCD", header]])
    assert match is not None and match.columns[3] == "unit"
