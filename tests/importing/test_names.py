"""Names as lists write them (transfer.cleaning.clean_name): a title before the
name ("Đ/c", "Đồng chí") left out, capitals and spacing normalised, family names that look
like titles kept."""

from __future__ import annotations

import pytest

from transfer.cleaning import clean_name

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Đ/c Nguyễn Văn Hưng", "Nguyễn Văn Hưng"),
        ("đ/c Trần Thu Hương", "Trần Thu Hương"),
        ("Đ/C HOÀNG HỮU DŨNG", "Hoàng Hữu Dũng"),
        ("Đ/c: Phạm Thanh Ánh", "Phạm Thanh Ánh"),
        ("  Đ / c  Lê Văn An", "Lê Văn An"),
        ("Đồng chí Lê Minh Khải", "Lê Minh Khải"),
        ("đồng chí Vũ Thị Yến", "Vũ Thị Yến"),
    ],
)
def test_a_title_before_the_name_is_left_out(written, name):
    assert clean_name(written) == name


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Đồng Chí Thanh", "Đồng Chí Thanh"),  # the family name Đồng, the middle name Chí
        ("ĐỒNG CHÍ THANH", "Đồng Chí Thanh"),
        ("Ông Ích Khiêm", "Ông Ích Khiêm"),  # the family name Ông
        ("Bà Thị Hoa", "Bà Thị Hoa"),
        ("Đ/c", "Đ/c"),  # nothing after it: no name to keep, nothing left out
    ],
)
def test_names_that_begin_like_a_title_are_kept(written, name):
    assert clean_name(written) == name


@pytest.mark.parametrize(
    "written",
    ["Trần \u200bthu \u200bhương", "\ufefflê Minh Khải", "Phạm Thanh Ánh\u200b",
     "Nguyễn\u00a0Văn\u00a0An", "Vũ Thị Y\u00adến", "\u200eHoàng Hữu Dũng\u200f"],
)  # fmt: skip
def test_invisible_characters_are_left_out(written):
    name = clean_name(written)
    assert name in {"Trần Thu Hương", "Lê Minh Khải", "Phạm Thanh Ánh", "Nguyễn Văn An",
                    "Vũ Thị Yến", "Hoàng Hữu Dũng"}, repr(name)  # fmt: skip


def test_the_tcvn3_letter_u_horn_is_no_soft_hyphen():
    """TCVN3 writes "ư" as the byte 0xAD, the soft hyphen's code: kept, then converted."""
    from transfer.legacy_text import from_unicode

    written = from_unicode("Lê Tiến Cường", "tcvn3")
    assert "\u00ad" in written
    assert clean_name(written) == "Lê Tiến Cường"
