"""Header recognition: the variants real HR software writes, legacy encodings, headers below
a title, merged two-row headers, and which table a sheet holds."""

from __future__ import annotations

import unicodedata

import pytest

from transfer.columns import SHEETS, header_key, recognise
from transfer.legacy_text import from_unicode

# Pure functions: no database; the PostgreSQL run leaves these to the SQLite run.
pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(
    ("written", "field"),
    [
        ("Họ và tên", "full_name"),
        ("HỌ TÊN", "full_name"),
        ("Ho ten", "full_name"),
        ("Họ, tên khai sinh", "full_name"),
        ("  họ   và  TÊN ", "full_name"),
        ("Ngày tháng năm sinh", "date_of_birth"),
        ("NGAY SINH", "date_of_birth"),
        ("Số CMND/CCCD", "personal_id"),
        ("Số định danh cá nhân", "personal_id"),
        ("SO DINH DANH CA NHAN", "personal_id"),
        ("Quê quán", "hometown_text"),
        ("Nơi sinh", "birthplace_text"),
        ("Mã ngạch", "grade_code"),
        ("Hệ số lương", "coefficient"),
        ("Giới tính", "sex"),
        ("Dân tộc", "ethnicity"),
    ],
)
def test_profile_header_variants(written, field):
    base = {
        "personal_id": "Số định danh cá nhân",
        "full_name": "Họ và tên",
        "date_of_birth": "Ngày sinh",
        "sex": "Giới tính",
    }
    rows = [[h for f, h in base.items() if f != field] + [written]]
    match = recognise(rows)
    assert match is not None and match.spec.key == "profile"
    assert match.columns[len(rows[0]) - 1] == field


def test_nfd_and_legacy_encoded_headers_are_recognised():
    nfd = [unicodedata.normalize("NFD", h) for h in ("Họ và tên", "Ngày sinh", "Giới tính")]
    tcvn3 = from_unicode("Số định danh cá nhân", "tcvn3")
    assert tcvn3 != "Số định danh cá nhân"
    match = recognise([[tcvn3, *nfd]])
    assert match is not None
    assert sorted(match.columns.values()) == sorted(
        ["personal_id", "full_name", "date_of_birth", "sex"]
    )


def test_header_below_a_title_and_merged_two_row_header():
    rows = [
        ["ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC", "", "", "", ""],
        ["DANH SÁCH CÁN BỘ, CÔNG CHỨC", "", "", "", ""],
        ["", "", "", "", ""],
        ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Lương"],
        ["", "", "", "", "Hệ số"],
        ["Nguyễn Văn A", "01/01/1980", "Nam", "026080000001", 2.34],
    ]
    # A4:A5 … D4:D5 merged vertically; E4 is the group cell over its sub-column E5
    merged = [(3, c, 4, c) for c in range(4)]
    match = recognise(rows, merged)
    assert match is not None and match.header_row == 4  # 0-based: data starts at row 6
    assert match.columns == {
        0: "full_name",
        1: "date_of_birth",
        2: "sex",
        3: "personal_id",
        4: "coefficient",
    }


def test_the_table_of_a_sheet_is_told_by_its_headers():
    work = [["Số định danh cá nhân", "Từ ngày", "Đến ngày", "Đơn vị", "Chức vụ"]]
    assert recognise(work).spec.key == "work_history"
    family = [["Số CCCD", "Quan hệ", "Họ và tên", "Năm sinh", "Nghề nghiệp"]]
    assert recognise(family).spec.key == "family"
    salary = [["CCCD", "Ngày hưởng", "Bảng lương", "Ngạch", "Bậc", "Hệ số"]]
    assert recognise(salary).spec.key == "salary_history"
    assert recognise([["Ghi chú", "Mục lục"], ["a", "b"]]) is None


def test_a_mapping_override_wins():
    rows = [["Mã CB", "Tên", "NS", "Phái"]]
    assert recognise(rows) is None
    overrides = {"profile": {"Mã CB": "personal_id", "Tên": "full_name"}}
    match = recognise(rows, overrides=overrides)
    assert match is not None and match.columns[0] == "personal_id"


def test_every_sheet_has_unique_canonical_headers():
    for spec in SHEETS.values():
        keys = [header_key(c.header) for c in spec.exported()]
        assert len(keys) == len(set(keys)), spec.key
