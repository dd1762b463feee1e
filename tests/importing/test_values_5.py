"""Grade cells that give the name and the code in one cell, name first (the fifth set of unseen
shapes, tests/importing/unseen_shapes_5.py)."""

from __future__ import annotations

import pytest

from transfer.values import ValueMappingError, map_value

pytestmark = pytest.mark.usefixtures("codes")


@pytest.mark.parametrize(
    ("original", "code"),
    [("Chuyên viên chính (01.002)", "01.002"), ("Chuyên viên - 01.003", "01.003"),
     ("01.003 - Chuyên viên", "01.003"), ("Kế toán viên (06.031)", "06.031"),
     ("Chuyên viên (mã 01.003)", "01.003"), ("Chuyên viên [mã ngạch: 01.003]", "01.003"),
     ("Kế toán viên: 06.031", "06.031"), ("Chuyên viên - 1.003", "01.003")],
)  # fmt: skip
def test_a_grade_s_name_and_code_in_one_cell(original, code):
    assert map_value("grade", original).code == code


@pytest.mark.parametrize(
    "original", ["Chuyên viên - 01.002", "Chuyên viên (mã 01.002)", "Chuyên viên: 01.001"]
)
def test_a_name_and_a_code_of_another_grade_are_refused(original):
    with pytest.raises(ValueMappingError):
        map_value("grade", original)
