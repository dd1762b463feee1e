"""The page scanner of the browser journeys (tests/browser/page_text.py) finds what it is for
and leaves data alone."""

from __future__ import annotations

import pytest

from tests.browser.page_text import text_problems

pytestmark = pytest.mark.database_free


def test_none_and_raw_field_keys_are_found_in_any_language() -> None:
    for language in ("vi", "en"):
        problems = text_problems(
            "Ngày hiệu lực: None · trường last_verified_at", [], language=language
        )
        assert any(p.startswith("“None” shown") for p in problems)
        assert any(p.startswith("raw field key “last_verified_at”") for p in problems)


def test_words_that_only_look_like_none_or_keys_are_not_found() -> None:
    text = "Nonetheless, phutho.nhansu sent 12_000 rows; e-mail: a.b@example.vn"
    assert text_problems(text, [], language="en") == []


def test_vietnamese_wording_on_an_english_page_is_found_but_data_is_not() -> None:
    problems = text_problems(
        "",
        ["Change effective date", "Lưu hồ sơ", "Profile of Nguyễn Văn An", "Đơn vị: Sở Y tế"],
        language="en",
        data=["Nguyễn Văn An", "Sở Y tế"],
    )
    assert problems == [
        "untranslated ['Lưu', 'hồ', 'sơ'] in “Lưu hồ sơ”",
        "untranslated ['Đơn', 'vị'] in “Đơn vị: Sở Y tế”",
    ]


def test_vietnamese_wording_is_right_on_a_vietnamese_page() -> None:
    assert text_problems("Lưu hồ sơ", ["Lưu hồ sơ"], language="vi") == []
