# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""CSV text is never garbled silently: the encoding is decided on the whole file, legacy lines
among UTF-8 ones are read line by line and named in the report, and a value that is only
mojibake of the stored one is never an update."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from transfer.csv_text import decode_csv
from transfer.mojibake import is_mojibake_of

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    actions,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)
from .test_pipeline import _cp1258

MIB = 1024 * 1024
FILLER = "Cột phụ không nhập"  # a column the import does not know: padding only


def _line(cells) -> str:
    return ";".join(str(v) for v in cells) + "\n"


def _big_utf8_csv(people: range) -> bytes:
    """A correct UTF-8 CSV over 1 MiB whose byte 1 MiB falls inside a multi-byte character."""
    header = _line([*PROFILE_HEADERS, FILLER])
    for extra in range(4):
        body = [
            _line([*person_row(n), ("x" * extra if n == people[0] else "") + "ữ" * 9000])
            for n in people
        ]
        raw = (header + "".join(body)).encode("utf-8")
        if len(raw) > MIB and raw[MIB] & 0xC0 == 0x80:  # a continuation byte
            return raw
    raise AssertionError("no padding puts the 1 MiB cut inside a character")


pytestmark = pytest.mark.django_db


def test_a_utf8_file_cut_at_1_mib_inside_a_character_is_read_as_utf8(tmp_path, agency, hr):
    people = range(1, 41)
    write_xlsx(tmp_path / "a.xlsx", {"DS": [PROFILE_HEADERS, *[person_row(n) for n in people]]})
    run_import([tmp_path / "a.xlsx"], agency["home"], hr)
    path = tmp_path / "lon.csv"
    path.write_bytes(_big_utf8_csv(people))
    plan = run_import([path], agency["home"], hr)
    assert plan.files[0].errors == []  # the accented header is recognised
    assert actions(plan) == {"unchanged": 40}
    assert Profile.objects.get(personal_id="025085000002").full_name == "Nguyễn Văn Người2"
    assert "notes" not in plan.files[0].sheets[0]  # plain UTF-8: nothing to say


def test_one_legacy_row_among_utf8_rows_is_read_alone_and_flagged(tmp_path, agency, hr):
    lines = [_line(PROFILE_HEADERS), _line(person_row(1)), _line(person_row(3))]
    raw = (
        "".join(lines).encode("utf-8")
        + _cp1258(_line(person_row(2)))
        + (_line(person_row(4)).encode("utf-8"))
    )
    path = tmp_path / "lan.csv"
    path.write_bytes(raw)
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"create": 4}
    names = dict(Profile.objects.values_list("personal_id", "full_name"))
    assert names["025185000001"] == "Nguyễn Thị Người1"
    assert names["025085000002"] == "Nguyễn Văn Người2"  # the Windows-1258 row
    assert names["025085000004"] == "Nguyễn Văn Người4"
    flagged = {r.row: r.warnings for r in plan.rows if r.warnings}
    assert list(flagged) == [4] and "Windows-1258" in flagged[4][0]
    assert "dòng 4" in plan.files[0].sheets[0]["notes"][0]


def test_a_line_mixing_utf8_and_legacy_cells_keeps_both_and_is_flagged():
    raw = "Nguyễn Văn A;".encode() + _cp1258("Trần Thị Bích") + b"\n"
    decoded = decode_csv(raw)
    assert decoded.text == "Nguyễn Văn A;Trần Thị Bích\n"
    assert decoded.encoding == "mixed" and list(decoded.legacy_lines) == [1]


def test_a_whole_legacy_file_says_which_encoding_was_used():
    decoded = decode_csv(_cp1258("Họ và tên\nNguyễn Văn A\n"))
    assert decoded.text.splitlines()[1] == "Nguyễn Văn A"
    assert "Windows-1258" in decoded.notes[0]
    assert decode_csv("Họ và tên\n".encode()).notes == []


def test_unreadable_bytes_are_counted_in_the_report():
    decoded = decode_csv(b"Nguy\x81n\n")  # 0x81: undefined in cp1252 and cp1258
    assert "\ufffd" in decoded.text
    assert any("1 byte" in n for n in decoded.notes)


@pytest.mark.parametrize(
    ("old", "new", "garbled"),
    [
        ("Nguyễn Hữu Trung", "Nguyá»…n Há»¯u Trung", True),
        ("Nguyễn Hữu Trung", "Nguyá»…N Há»¯U Trung", True),  # title-cased mojibake
        ("Đặng Thị Ấu", "Đặng Thị Ấu".encode().decode("cp1252", errors="replace"), True),
        ("Nguyễn Hữu Trung", "Nguyễn Hữu Trang", False),  # a real change
        ("Nguyễn Hữu Trung", "Nguyễn Hữu Trung", False),
        ("Tran Van A", "Trần Văn A", False),
    ],
)
def test_is_mojibake_of(old, new, garbled):
    assert is_mojibake_of(old, new) is garbled


def test_a_name_changed_only_by_mojibake_is_not_an_update(tmp_path, agency, hr):
    name = "Nguyễn Hữu Trung"
    first = [person_row(2, **{"Họ và tên": name}), person_row(4)]
    write_xlsx(tmp_path / "a.xlsx", {"DS": [PROFILE_HEADERS, *first]})
    run_import([tmp_path / "a.xlsx"], agency["home"], hr)
    garbled = name.encode().decode("cp1252")
    assert garbled == "Nguyá»…n Há»¯u Trung"
    rows = [
        person_row(2, **{"Họ và tên": garbled}),
        person_row(4, **{"Họ và tên": "Nguyễn Văn Người Bốn"}),
    ]
    write_xlsx(tmp_path / "b.xlsx", {"DS": [PROFILE_HEADERS, *rows]})
    plan = run_import([tmp_path / "b.xlsx"], agency["home"], hr)
    by_row = {r.personal_id: r for r in plan.rows}
    assert by_row["025085000002"].action == "unchanged"
    assert "lỗi bảng mã" in by_row["025085000002"].warnings[0]
    assert by_row["025085000004"].action == "update"  # a real change still goes through
    names = dict(Profile.objects.values_list("personal_id", "full_name"))
    assert names == {
        "025085000002": name,
        "025085000004": "Nguyễn Văn Người Bốn",
    }
