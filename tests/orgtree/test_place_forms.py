"""The place resolver on the forms the independent corpus found it missing
(``data/resolver_corpus_independent.tsv``): each rule on its own, then end to end."""

from __future__ import annotations

import pytest

from orgtree.place_steps import normalise, strip_notes
from orgtree.places import resolve_place

AS_OF = "2026-08-01"


def _codes(text: str) -> tuple[str | None, str | None, bool]:
    r = resolve_place(text, as_of=AS_OF)
    return (r.province and r.province["code"], r.commune and r.commune["code"], r.needs_review)


# -- labels of forms ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ĐC: Xã A, Tỉnh B", "Xã A, Tỉnh B"),
        ("Đ/C: Xã A", "Xã A"),
        ("Dc - Xã A", "Xã A"),
        ("Thường trú tại Xã A, Tỉnh B", "Xã A, Tỉnh B"),  # after "tại" no colon is needed
        ("Thuong tru tai xa A", "xa A"),
        ("Trú tại Xã A", "Xã A"),
        ("Sinh tại Hà Nội", "Hà Nội"),
        ("Cư trú tại X, Y", "X, Y"),
        ("Nơi ở hiện nay: Xã A", "Xã A"),
        ("Địa chỉ liên hệ: Xã A", "Xã A"),
        ("Nơi đăng ký khai sinh: Xã A", "Xã A"),
        ("Address: Ward 5, District 3", "Ward 5, District 3"),
        ("Place of birth: Hanoi", "Hanoi"),
        ("Nơi ĐKKS: Xã A, Tỉnh B", "Xã A, Tỉnh B"),  # any short head before a colon
        ("Liên hệ: Xã A", "Xã A"),
    ],
)
def test_labels_of_forms_are_dropped(text, expected):
    assert strip_notes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Phường: Bến Nghé, Quận: 1",  # a level word before the colon: kept
        "Quế Võ - Bắc Ninh",  # "Quê" without its tone is no label
        "Que Son - Quang Nam",
        "Tam Kỳ, Quảng Nam",  # "Tạm trú" abbreviated no further
        "Đà Nẵng",
        "Trung Hòa, Cầu Giấy",
        "Sinh Long, Na Hang",  # a name that opens with "Sinh"
    ],
)
def test_names_that_look_like_labels_are_kept(text):
    assert strip_notes(text) == text


# -- dotted and short forms ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T.T Lạc Tánh, H. Tánh Linh", "TT  Lạc Tánh, H. Tánh Linh"),
        ("T.TVĩnh Tuy ,H.Bắc Quang", "TT Vĩnh Tuy ,H.Bắc Quang"),
        ("T.X Kỳ Anh", "TX  Kỳ Anh"),
        ("T.P Huế", "TP  Huế"),
        ("Xã Hồng Vân - HN", "Xã Hồng Vân, Hà Nội "),
        ("TP.HN", " Hà Nội "),
        ("TT-Huế", " Thừa Thiên Huế "),
        ("TT Huế", " Thừa Thiên Huế "),
    ],
)
def test_dotted_and_short_forms(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    ["T.XUÂN LỘC", "T.THANH HÓA", "T. Tân Châu", "Thôn HN1", "P. Phú Hội, TP Huế"],
)
def test_words_after_a_dotted_t_are_left_alone(text):
    assert normalise(text) == text


# -- end to end ---------------------------------------------------------------------------------
def test_labelled_old_addresses_give_the_commune(reference_data):
    clean = _codes("Xã Bằng Hữu, Huyện Chi Lăng, Tỉnh Lạng Sơn")
    assert clean[1] is not None and not clean[2]
    assert _codes("Thường trú tại xã Bằng Hữu, huyện Chi Lăng, tỉnh Lạng Sơn - Việt Nam") == clean
    assert _codes("ĐC: Xã Bằng Hữu, Huyện Chi Lăng, Tỉnh Lạng Sơn") == clean


def test_province_only_behind_a_label(reference_data):
    assert _codes("ĐC: Hà Giang")[:2] == ("08", None)


def test_dotted_thi_tran(reference_data):
    clean = _codes("Thị trấn Lạc Tánh, Huyện Tánh Linh, Tỉnh Bình Thuận")
    assert clean[1] is not None
    assert _codes("T.T Lạc Tánh, H. Tánh Linh,  Bình Thuận") == clean


@pytest.mark.parametrize(("text", "province"), [("HN", "01"), ("TT Huế", "46"), ("TT-Huế", "46")])
def test_short_province_forms(reference_data, text, province):
    assert _codes(text)[0] == province


def test_labelled_split_commune_goes_to_review(reference_data):
    province, c, review = _codes("ĐC: Phường Long Biên; Quận Long Biên; TP Hà Nội (Việt Nam)")
    assert review and c is None and province == "01"


# -- "Dist." in English addresses ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P.12, Dist.5, HCM City", "P.12, Quận 5,  Thành phố Hồ Chí Minh"),
        ("Ward 9, Dist. 5", "Phường 9, Quận 5"),
        ("Ward 5, Binh Thanh Dist., HCMC", "Phường 5, Huyện Binh Thanh,  Hồ Chí Minh "),
    ],
)
def test_english_dist_abbreviation(text, expected):
    assert normalise(text) == expected


def test_distillery_is_no_district():
    assert normalise("Distillery, Ha Noi") == "Distillery, Ha Noi"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("No. 34, Ward 9, Dist. 5, HCMC", "Phường 9, Quận 5, Thành phố Hồ Chí Minh"),
        ("P.12, Dist.5, HCM City", "Phường 12, Quận 5, Thành phố Hồ Chí Minh"),
    ],
)
def test_english_dist_end_to_end(reference_data, text, clean):
    expected = _codes(clean)
    assert expected[1] is not None and not expected[2]
    assert _codes(text) == expected


# -- an old district or commune with the name of the 2025 province it went to -------------------
@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (
            "Xã Dân Thành, Thị xã Duyên Hải, Tỉnh Vĩnh Long",  # Trà Vinh went into Vĩnh Long
            "Xã Dân Thành, Thị xã Duyên Hải, Tỉnh Trà Vinh",
        ),
        (
            "Xã Lộc An, Huyện Lộc Ninh, Thành phố Đồng Nai",  # not Lộc An of Long Thành
            "Xã Lộc An, Huyện Lộc Ninh, Tỉnh Bình Phước",
        ),
        (
            "Thị trấn Bắc Lý, Huyện Hiệp Hòa, Tỉnh Bắc Ninh",  # Bắc Giang went into Bắc Ninh
            "Thị trấn Bắc Lý, Huyện Hiệp Hòa, Tỉnh Bắc Giang",
        ),
    ],
)
def test_old_district_under_the_new_province(reference_data, text, clean):
    expected = _codes(clean)
    assert expected[1] is not None and not expected[2]
    assert _codes(text) == expected


def test_a_district_of_an_unrelated_province_sends_the_commune_to_review(reference_data):
    # Lộc Ninh (Bình Phước, now Đồng Nai) has nothing to do with Lâm Đồng, which has its own
    # Xã Lộc An: the district contradicts that answer
    r = resolve_place("Xã Lộc An, Huyện Lộc Ninh, Tỉnh Lâm Đồng", as_of=AS_OF)
    assert r.needs_review, r.describe()
    assert "không khớp" in r.reason


def test_a_misspelt_district_is_still_corrected(reference_data):
    clean = _codes("Xã Minh Tiến, Huyện Lục Yên, Tỉnh Yên Bái")
    assert clean[1] is not None
    assert _codes("Xã Minh Tiến, Huyện Lụcc Yên, Tỉnh Yên Bái")[:2] == clean[:2]


# -- provinces by their initial ("T.Hóa", "Q.Ngãi") ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "province"),
    [("T.Hóa", "38"), ("Q.Ngãi", "51"), ("Đ.Nai", "75"), ("H.Tĩnh", "42"), ("B.Dương", "79")],
)
def test_province_by_its_initial(reference_data, text, province):
    assert _codes(text)[:2] == (province, None)


def test_province_initial_in_an_address(reference_data):
    clean = _codes("Xã Ba Lế, Huyện Ba Tơ, Tỉnh Quảng Ngãi")
    assert clean[1] is not None
    assert _codes("xã Ba Lế, huyện Ba Tơ, Q.Ngãi") == clean


def test_an_initial_two_provinces_share_is_not_answered(reference_data):
    # H.Giang: Hà Giang (now Tuyên Quang) or Hậu Giang (now Cần Thơ)
    province, commune, review = _codes("H.Giang")
    assert review and province is None and commune is None


# -- a commune named but another answered; a province named twice; province first -------------
def test_a_commune_named_but_not_found_does_not_let_another_part_answer(reference_data):
    # Xã Cổ Nhuế (split in 2013) is in neither list; "Từ Liêm" alone is a 2025 ward
    r = resolve_place("Xã Cổ Nhuế, Từ Liêm, Hà Nội", as_of=AS_OF)
    assert r.needs_review, r.describe()


def test_a_room_number_is_no_commune(reference_data):
    clean = _codes("Phường Láng Hạ, Quận Đống Đa, Hà Nội")
    assert _codes("P. 302, Phường Láng Hạ, Quận Đống Đa, Hà Nội") == clean


@pytest.mark.parametrize("text", ["Hà Nội, Hà Nội", "Đà Nẵng, Đà Nẵng", "Cần Thơ, Cần Thơ"])
def test_a_province_named_twice_is_no_misspelt_commune(reference_data, text):
    province, commune, _review = _codes(text)
    assert province is not None and commune is None


def test_province_first_when_the_commune_bears_a_province_name(reference_data):
    clean = _codes("Xã Quảng Ninh, Huyện Quảng Xương, Tỉnh Thanh Hóa")
    assert clean[1] is not None
    assert _codes("Thanh Hóa, Quảng Xương, Quảng Ninh") == clean


def test_two_province_names_alone_go_to_review(reference_data):
    province, commune, review = _codes("Thanh Hóa, Quảng Ninh")
    assert review and province is None and commune is None


def test_an_address_without_commas_after_a_hamlet(reference_data):
    clean = _codes("Xã Diễn Kỷ, Huyện Diễn Châu, Tỉnh Nghệ An")
    assert clean[1] is not None
    assert _codes("Xóm 4 Diễn Kỷ Diễn Châu Nghệ An") == clean


def test_a_hamlet_alone_is_still_no_place(reference_data):
    assert _codes("Xóm 5 Thôn Trung")[:2] == (None, None)


@pytest.mark.parametrize(
    ("text", "commune"),
    [("Phường Sài Gòn, TP.HCM", "26740"), ("P. Sài Gòn, TPHCM", "26740")],
)
def test_the_2025_ward_named_sai_gon(reference_data, text, commune):
    assert _codes(text)[:2] == ("79", commune)


def test_sai_gon_alone_is_still_the_city(reference_data):
    assert _codes("Sài Gòn")[:2] == ("79", None)
    assert normalise("Quận 1, Sài Gòn") == "Quận 1,  Hồ Chí Minh "


# -- numbered wards and districts without their level words ------------------------------------
@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("14, 5, T.P Hồ Chí Minh", "Phường 14, Quận 5, Thành phố Hồ Chí Minh"),
        ("7, Tân Bình, Thành phố Hồ Chí Minh", "Phường 7, Quận Tân Bình, TP Hồ Chí Minh"),
        ("109/2 le loi, 9, 4, tp ho chi minh", "Phường 9, Quận 4, Thành phố Hồ Chí Minh"),
        ("5 – Trà Vinh – Trà Vinh", "Phường 5, Thành phố Trà Vinh, Tỉnh Trà Vinh"),
    ],
)
def test_bare_numbers_before_a_district_are_numbered_wards(reference_data, text, clean):
    expected = _codes(clean)
    assert expected[1] is not None and not expected[2]
    assert _codes(text) == expected


def test_a_bare_number_before_the_province_is_no_ward(reference_data):
    assert _codes("5, Hà Nội")[:2] == ("01", None)


def test_an_explicit_ward_wins_over_a_bare_number(reference_data):
    clean = _codes("Phường Tân Định, Quận 1, TP Hồ Chí Minh")
    assert _codes("12, Phường Tân Định, Quận 1, TP Hồ Chí Minh") == clean


# -- the other final i/y; English level words before the name ----------------------------------
@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Xã Diễn Kỉ, Huyện Diễn Châu, Tỉnh Nghệ An", "Xã Diễn Kỷ, Huyện Diễn Châu, Tỉnh Nghệ An"),
        ("Xã Kì Xuân, Huyện Kì Anh, Tỉnh Hà Tĩnh", "Xã Kỳ Xuân, Huyện Kỳ Anh, Tỉnh Hà Tĩnh"),
        ("Xa Dien Ki, Dien Chau, Nghe An", "Xã Diễn Kỷ, Huyện Diễn Châu, Tỉnh Nghệ An"),
    ],
)
def test_final_i_for_y(reference_data, text, clean):
    expected = _codes(clean)
    assert expected[1] is not None and not expected[2]
    assert _codes(text)[:2] == expected[:2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Commune Tan Lap, Dan Phuong District, Hanoi", "Xã Tan Lap, Huyện Dan Phuong, Hà Nội"),
        ("Ward Sai Gon, HCMC", "Phường Sai Gon,  Hồ Chí Minh "),
        ("Ward 5, District 3", "Phường 5, Quận 3"),
    ],
)
def test_english_level_word_before_the_name(text, expected):
    assert normalise(text) == expected


def test_english_ward_before_the_name_end_to_end(reference_data):
    assert _codes("Ward Sai Gon, HCMC")[:2] == ("79", "26740")
