"""A sheet filled far wider than any list of people is refused with a clear error naming the
sheet, the row and the width, before the header search (issue #14: a 70 KB CSV of 10,000
columns held a web request for 42 s); a wide sheet whose extra width is only empty cells is
read as usual."""

from __future__ import annotations

import pytest

from transfer.readers import MAX_COLUMNS, FileReadError, read_file

from .pipeline_fixtures import PROFILE_HEADERS, person_row, write_xlsx


def _csv(tmp_path, rows):
    path = tmp_path / "rong.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_csv_filled_beyond_the_limit_is_refused_naming_sheet_row_and_width(tmp_path):
    width = MAX_COLUMNS + 1
    path = _csv(tmp_path, [["Tiêu đề"], [f"c{i}" for i in range(width)], ["x"] * width])
    with pytest.raises(FileReadError) as refused:
        read_file(path, "rong.csv")
    message = str(refused.value)
    assert "dòng 2" in message and f"{width:,} cột" in message and f"{MAX_COLUMNS:,}" in message


def test_a_csv_at_the_limit_is_read(tmp_path):
    path = _csv(tmp_path, [[f"c{i}" for i in range(MAX_COLUMNS)], ["x"] * MAX_COLUMNS])
    (sheet,) = read_file(path, "rong.csv")
    assert len(sheet.head[0]) == MAX_COLUMNS


def test_empty_cells_past_the_table_do_not_count(tmp_path):
    header = PROFILE_HEADERS + [" "] * (MAX_COLUMNS + 500)  # blank cells, formatted
    path = write_xlsx(tmp_path / "dinh-dang.xlsx", {"DS": [header, person_row(1)]})
    (sheet,) = read_file(path, "dinh-dang.xlsx")
    assert sheet.head[0][: len(PROFILE_HEADERS)] == PROFILE_HEADERS
    assert len(sheet.head[0]) > MAX_COLUMNS  # the blank cells are there, and do not count
