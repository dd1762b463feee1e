"""Value mappings onto the shipped code lists, with per-source overrides."""

from __future__ import annotations

import pytest

from transfer.values import ValueKind, ValueMappingError, map_value

pytestmark = pytest.mark.usefixtures("codes")


@pytest.mark.parametrize(
    ("original", "code"),
    [
        ("Nam", "1"), ("nam", "1"), ("NAM", "1"), ("Nam giới", "1"), ("M", "1"), ("male", "1"),
        (1, "1"), ("1", "1"), (1.0, "1"), (True, "1"),
        ("Nữ", "2"), ("NỮ", "2"), ("nu", "2"), ("Nữ giới", "2"), ("F", "2"), ("Female", "2"),
        (0, "2"), ("0", "2"), ("2", "2"), (False, "2"),
        ("  Nữ ", "2"),
    ],
)  # fmt: skip
def test_sex(original, code):
    mapped = map_value(ValueKind.SEX, original)
    assert mapped.code == code
    assert mapped.name == ("Nam" if code == "1" else "Nữ")
    assert mapped.original == original


@pytest.mark.parametrize(
    ("original", "code", "via"),
    [
        ("Kinh", "01", "name"), ("KINH", "01", "name"), ("Việt", "01", "name"),
        ("01", "01", "code"), ("1", "01", "code"), (1, "01", "code"), (1.0, "01", "code"),
        ("Mường", "06", "name"), ("muong", "06", "name"), ("Mèo", "08", "name"),
        ("Hmông", "08", "name"), ("Khmer", "05", "name"), ("Ê Đê", "12", "name"),
    ],
)  # fmt: skip
def test_ethnicity(original, code, via):
    mapped = map_value("ethnicity", original)
    assert (mapped.code, mapped.via) == (code, via)


@pytest.mark.parametrize(
    ("original", "code"),
    [
        ("01.003", "01.003"), ("1.003", "01.003"), (1.003, "01.003"), ("01003", "01.003"),
        ("Chuyên viên", "01.003"), ("CHUYÊN VIÊN CHÍNH", "01.002"), ("CVC", "01.002"),
        ("cvcc", "01.001"), ("V.07.03.27", "V.07.03.27"), ("v070327", "V.07.03.27"),
        ("Kế toán viên", "06.031"),
    ],
)  # fmt: skip
def test_grade(original, code):
    assert map_value(ValueKind.GRADE, original).code == code


@pytest.mark.parametrize(
    ("original", "code"),
    [
        ("Đại học", "DH"), ("ĐH", "DH"), ("Cử nhân", "DH"), ("Thạc sỹ", "THS"),
        ("Thạc sĩ", "THS"), ("Tiến sỹ", "TS"), ("12/12", "PT12"), ("9/12", "PT09"),
        ("Trung cấp", "TC"), ("TSKH", "TSKH"),
    ],
)  # fmt: skip
def test_education(original, code):
    assert map_value(ValueKind.EDUCATION, original).code == code


def test_overrides_win_and_extend():
    overrides = {"X": "2", "Nam": "2", "Ông": "1"}
    assert map_value("sex", "x", overrides).code == "2"
    assert map_value("sex", "NAM", overrides).via == "override"
    assert map_value("sex", "ông", overrides).code == "1"
    assert map_value("sex", "Nữ", overrides).code == "2"  # defaults still apply
    assert map_value("grade", "Chuyên viên bậc 1", {"chuyen vien bac 1": "01.003"}).code == (
        "01.003"
    )


def test_override_to_an_unknown_code_is_refused():
    with pytest.raises(ValueMappingError, match="“9”"):
        map_value("sex", "Khác", {"Khác": "9"})


@pytest.mark.parametrize(
    ("kind", "original"),
    [("sex", "Khác"), ("sex", "3"), ("ethnicity", "Kinh tế"), ("grade", "99.999"),
     ("grade", "Giám đốc"), ("education-level", "Biết chữ")],
)  # fmt: skip
def test_unknown_values_name_the_value_and_the_list(kind, original):
    with pytest.raises(ValueMappingError) as info:
        map_value(kind, original)
    assert f"“{original}”" in str(info.value)
    assert kind in str(info.value)


def test_empty_cell():
    with pytest.raises(ValueMappingError, match="Ô trống"):
        map_value("grade", "  ")
    assert map_value("religion", "").code == "00"


@pytest.mark.parametrize(
    ("kind", "original", "code"),
    [
        (ValueKind.SEX, "1 - Nam", "1"), (ValueKind.SEX, "2 - Nữ", "2"),
        (ValueKind.SEX, "0-Nữ", "2"), (ValueKind.SEX, "2. Nữ", "2"),
        ("ethnicity", "01 - Kinh", "01"), ("ethnicity", "Kinh (01)", "01"),
        ("ethnicity", "1: Kinh", "01"), ("ethnicity", "K01 - Mường", "06"),
        ("religion", "00 - Không", "00"),
    ],
)  # fmt: skip
def test_a_drop_down_s_code_and_name(kind, original, code):
    """Templates' drop-downs write "code - name": the name decides, the source's code need
    not be ours (K01), but one of our codes naming another item is refused."""
    assert map_value(kind, original).code == code


@pytest.mark.parametrize("original", ["06 - Kinh", "Kinh (06)", "01 - Không có"])
def test_a_code_and_name_that_disagree_or_name_nothing_are_refused(original):
    with pytest.raises(ValueMappingError):
        map_value("ethnicity", original)
