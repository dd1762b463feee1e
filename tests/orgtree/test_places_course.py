"""Fixes of the place resolver led by the public corpus's course texts (issue 21, see
``data/PROVENANCE-public.md``): a district named exactly standing for a missing or unreadable
province, a misspelt province ending a part without commas, dotted initials ("H.C.M",
"T.T.H") and a digit slipped between a level letter and a name ("T5Lào Cai"). Each on texts
written here in the same shapes, not taken from the corpus, with texts that must go to review."""

from __future__ import annotations

import pytest

from orgtree.place_fuzzy import FuzzyIndex
from orgtree.place_steps import normalise
from orgtree.places import resolve_place
from tests.orgtree.corpus_score import assert_same_place

AS_OF = "2026-08-01"


def _same_place(text: str, plain: str) -> None:
    assert_same_place(text, plain, AS_OF)


# -- a district named exactly stands for the province ------------------------------------------
@pytest.mark.database_free
def test_provinces_of_a_district_name():
    fuzzy = FuzzyIndex()
    fuzzy.add(["lam dong"], [("di linh", ["gia hiep"]), ("chau thanh", ["an hiep"])], [])
    fuzzy.add(["tay ninh"], [("chau thanh", ["hao duoc"])], [])
    fuzzy.add(["lam dong cu"], [("di linh", ["gia hiep"])], [])  # another name, same place
    fuzzy.freeze()
    assert fuzzy.provinces_of_district("di linh") == ("lam dong", "lam dong cu")
    assert fuzzy.provinces_of_district("chau thanh") == ()  # two places
    assert fuzzy.provinces_of_district("tan bien") == ()  # no district's


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("X. Gia Hiệpp, Di Linh", "Xã Gia Hiệp, Huyện Di Linh, Tỉnh Lâm Đồng"),
        ("X. Tân Thượg, H. Di Linh", "Xã Tân Thượng, Huyện Di Linh, Tỉnh Lâm Đồng"),
        (
            "Xã Gia Hiêp, Huyện Di Linh, T. Lâm Đôngg Xyz",
            "Xã Gia Hiệp, Huyện Di Linh, Tỉnh Lâm Đồng",
        ),
    ],
)
def test_a_misspelt_commune_inside_a_district_named_without_province(reference_data, text, plain):
    _same_place(text, plain)


def test_a_misspelt_commune_cut_from_a_run_inside_a_district_goes_to_review(reference_data):
    want = resolve_place("Xã Đinh Lạc, Huyện Di Linh, Tỉnh Lâm Đồng", as_of=AS_OF)
    got = resolve_place("Xã Đinh Lạx Huyện Di Linh", as_of=AS_OF)
    assert got.needs_review and got.commune == want.commune, got.describe()


def test_a_shared_district_name_gives_no_province_for_a_misspelt_commune(reference_data):
    r = resolve_place("Xã Tân Hòx, Huyện Châu Thành", as_of=AS_OF)
    assert r.needs_review and r.commune is None, r.describe()


# -- a misspelt province ending a part without commas ------------------------------------------
@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("P Him Lam Điện Biê", "Phường Him Lam, Thành phố Điện Biên Phủ, Tỉnh Điện Biên"),
        ("Xã Tân Lập Huyện Tân Biên Tâyy Nih", "Xã Tân Lập, Huyện Tân Biên, Tỉnh Tây Ninh"),
    ],
)
def test_a_misspelt_province_ending_a_run(reference_data, text, plain):
    _same_place(text, plain)


def test_a_misspelt_province_ending_words_that_name_nothing_is_not_guessed(reference_data):
    r = resolve_place("Abc Xyz Điện Biê", as_of=AS_OF)
    assert r.province is None, r.describe()


# -- dotted initials and a slipped digit --------------------------------------------------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phường 5, Quận 3, TP H.C.M", "Hồ Chí Minh"),
        ("Quận 10 T.P H.C.Minh", "Hồ Chí Minh"),
        ("Xã Phú Lộc, Huyện Phú Lộc, T.T.Huế", "Thừa Thiên Huế"),
        (", Phú Vang,T. T.T.H", "Thừa Thiên Huế"),
    ],
)
def test_dotted_initials_of_a_province(text: str, expected: str):
    assert expected in normalise(text)


@pytest.mark.database_free
def test_dotted_initials_only_where_they_name_a_province():
    # "T.T" before a name is a thị trấn; "T.T.H" not ending a part is left alone
    assert "Thừa Thiên" not in normalise("T.T Lạc Tánh, Tánh Linh, Bình Thuận")
    assert "Thừa Thiên" not in normalise("T.T.H Lạc, Huyện X")


def test_dotted_initials_resolve(reference_data):
    assert resolve_place("Quận 10 T.P H.C.Minh", as_of=AS_OF).province["code"] == "79"
    _same_place(
        "Xã Phú Lộc, Huyện Phú Lộc, T.T.Huế", "Xã Phú Lộc, Huyện Phú Lộc, Tỉnh Thừa Thiên Huế"
    )


@pytest.mark.database_free
def test_a_digit_slipped_between_a_level_letter_and_a_name():
    assert "T Lào Cai" in normalise("H Mường Khương T5Lào Cai")
    assert normalise("x2Trung Sơn, Nghệ An").startswith("x Trung Sơn")
    assert normalise("Yên Lạc, vĩnh P0húc") == "Yên Lạc, vĩnh P0húc"  # a digit for a letter
    assert normalise("Số 12 QL1A, P7") == "Số 12 QL1A, P7"


def test_a_slipped_digit_resolves(reference_data):
    _same_place("X2Tân Lập, H. Tân Biên, T5Tây Ninh", "Xã Tân Lập, Huyện Tân Biên, Tỉnh Tây Ninh")


# -- today, kept while the clock stays inside the day (speed: no zone lookup per call) ---------
@pytest.mark.database_free
def test_today_follows_the_clock_across_midnight_both_ways(monkeypatch, settings):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from orgtree.places import resolve

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    resolve._zone.cache_clear()
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    last_second = datetime(2026, 3, 9, 23, 59, 59, tzinfo=zone).timestamp()
    clock = [last_second]
    monkeypatch.setattr(resolve.time, "time", lambda: clock[0])
    try:
        assert resolve._as_date(None) == date(2026, 3, 9)
        clock[0] = last_second + 1  # midnight, local time
        assert resolve._as_date(None) == date(2026, 3, 10)
        clock[0] = last_second - 86400  # a clock set back a day
        assert resolve._as_date(None) == date(2026, 3, 8)
    finally:
        resolve._zone.cache_clear()
        resolve._today = (0.0, 0.0, date.min)


# -- the level word of a district that has a same-named twin of another type ------------------
@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (
            "Xã Mỹ Phước Tây, Huyện Cai Lậy, Tỉnh Tiền Giang",
            "Xã Mỹ Phước Tây, Thị xã Cai Lậy, Tỉnh Tiền Giang",
        ),
        ("Xã Lâm Hợp, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "Xã Lâm Hợp, Huyện Kỳ Anh, Tỉnh Hà Tĩnh"),
    ],
)
def test_a_commune_of_the_same_named_district_of_another_type(reference_data, text, plain):
    _same_place(text, plain)


def test_a_commune_of_neither_twin_district_is_not_answered(reference_data):
    r = resolve_place("Xã Kỳ Lợiz Bắc, Huyện Cai Lậy, Tỉnh Tiền Giang", as_of=AS_OF)
    assert r.commune is None, r.describe()
