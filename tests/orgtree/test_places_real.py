"""The place resolver on the shapes real records take that the generated corpus lacks: home
towns in provinces of 1976–1991, English and romanised names, labels, notes and tails, other
separators, keystrokes of an input method left off, UTF-8 read as Windows-1252, and the
figures on the second, independent corpus (``data/resolver_corpus_real.jsonl``, made by
``make_resolver_corpus_real.py`` from the shipped data files, never from the resolver)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgtree.legacy_text import from_keystrokes, from_mojibake
from orgtree.place_steps import decode, normalise, strip_notes
from orgtree.places import resolve_place
from tests.orgtree.corpus_score import score_corpus

AS_OF = "2026-08-01"
CORPUS_REAL = Path(__file__).parent / "data" / "resolver_corpus_real.jsonl"


def _codes(text: str) -> tuple[str | None, str | None, bool]:
    r = resolve_place(text, as_of=AS_OF)
    return (
        r.province and r.province["code"],
        r.commune and r.commune["code"],
        r.needs_review,
    )


# -- the text steps on their own -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HÃ  Ná»™i", "Hà Nội"),
        ("HÃ\u00a0Ná»™i", "HàNội"),
        ("Tá»‰nh Äá»“ng ThÃ¡p", "Tỉnh Đồng Tháp"),  # 0x90 of "Đ" lost on the way
        ("XÃ£ Má»¹ An", "Xã Mỹ An"),
        ("XÃ£ PhÅ©", "Xã Phũ"),  # "ũ" is C5 A9: "Å©"
    ],
)
def test_mojibake_is_repaired_exactly(text, expected):
    assert from_mojibake(text) == expected
    assert decode(text)[0] == expected


@pytest.mark.parametrize("text", ["Hà Nội", "Tænh Nam §Þnh", "Haø Noäi", "Ha Noi", "Ãp"])
def test_mojibake_leaves_other_text_alone(text):
    assert from_mojibake(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ha2 Noi65", ["Ha Noi"]),
        ("Xa4 Ta6n Thanh, Huye6n5 Mo3 Cay2 Ba8c1", ["Xa Tan Thanh, Huyen Mo Cay Bac"]),
        ("Haf Nooij", ["Ha Noi"]),
        ("Phuwowngf Phus Thuws, Thij xax Kinh Moon", ["Phuong Phu Thu, Thi xa Kinh Mon"]),
    ],
)
def test_keystrokes_give_the_letters(text, expected):
    assert from_keystrokes(text) == expected


@pytest.mark.parametrize("text", ["P5, Q1, TP HCM", "Km 5 QL1A", "Tan Binh", "Hà Nội"])
def test_keystrokes_leave_abbreviations_and_plain_text_alone(text):
    assert from_keystrokes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quê quán: Hà Tây", "Hà Tây"),
        ("Nơi sinh - Nghệ An", "Nghệ An"),
        ("Thường trú tại: Xã A, Tỉnh B", "Xã A, Tỉnh B"),
        ("Quê: Hà Tây", "Hà Tây"),
        ("Xã A, Tỉnh B (nay là Xã C, Tỉnh D", "Xã A, Tỉnh B  "),  # unclosed: the old address
        ("Xã A, Huyện B, Tỉnh C (nay là Xã D, Tỉnh E)", "Xã D, Tỉnh E"),
        ("Xã A, Huyện B, Tỉnh C (nay là xã D)", "xã D, Tỉnh C"),
        ("tỉnh Hà Tây cũ", "tỉnh Hà Tây"),
        ("Xã X, Tỉnh Z, ĐT: 0914280698", "Xã X, Tỉnh Z"),
        ("Xã X, Tỉnh Z 700000", "Xã X, Tỉnh Z"),
        ("Xã X, Tỉnh Z, Việt Nam.", "Xã X, Tỉnh Z"),
        ("Võ Xu / Đức Linh / Bình Thuận", "Võ Xu, Đức Linh, Bình Thuận"),
        ("Số 13/12 Lê Lợi, Chợ Mới, An Giang", "Số 13/12 Lê Lợi, Chợ Mới, An Giang"),
    ],
)
def test_strip_notes(text, expected):
    assert strip_notes(text) == expected


def test_strip_notes_keeps_names_ending_in_moi():
    assert strip_notes("Huyện Chợ Mới, Tỉnh An Giang") == "Huyện Chợ Mới, Tỉnh An Giang"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sài Gòn - Gia Định", " Hồ Chí Minh "),
        ("Bá Thước - Thanh Hóa", "Bá Thước, Thanh Hóa"),
        ("5 – Trà Vinh – Trà Vinh", "5, Trà Vinh, Trà Vinh"),
    ],
)
def test_normalise_dashes_and_saigon(text, expected):
    assert normalise(text) == expected


# -- end to end ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("Hà Tây", "01"),
        ("Quê quán: Hà Tây", "01"),
        ("Hà Nam Ninh", "37"),  # Hà Nam, Nam Định, Ninh Bình: all Ninh Bình since 2025
        ("Vĩnh Phú", "25"),
        ("HOÀNG LIÊN SƠN", "15"),  # Lào Cai and Yên Bái: one province (code 15) since 2025
        ("Hà Tuyên", "08"),
        ("Cuu Long", "86"),
        ("Quảng Nam - Đà Nẵng", "48"),
        ("Sài Gòn - Gia Định", "79"),
        ("Saigon", "79"),
        ("Hanoi", "01"),
        ("Ha Noi, Viet Nam", "01"),
        ("Thua Thien Hue Province", "46"),
        ("Da Nang City", "48"),
        ("TPHCM", "79"),
        ("Ha2 Noi65", "01"),
        ("Haf Nooij", "01"),
        ("HÃ  Ná»™i", "01"),
        ("Huyện Yên Lạc, Vĩnh Phúc", "25"),
    ],
)
def test_home_towns_and_romanised_provinces(reference_data, text, province):
    p, c, review = _codes(text)
    assert (p, c, review) == (province, None, False)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("Hà Sơn Bình", {"01", "25"}),  # Hà Tây → Hà Nội; Hòa Bình → Phú Thọ
        ("Tỉnh Hà Sơn Bình", {"01", "25"}),  # the prefix must not pick one successor
        ("Nghệ Tĩnh", {"40", "42"}),
        ("Gia Lai - Kon Tum", {"51", "52"}),
        ("Quê quán: Gia Lai - Kon Tum", {"51", "52"}),  # not the TCVN3 misreading
        ("Bình Trị Thiên", {"44", "46"}),
        ("Sông Bé", {"75", "79"}),
    ],
)
def test_a_province_with_several_successors_goes_to_review(reference_data, text, candidates):
    r = resolve_place(text, as_of=AS_OF)
    assert r.needs_review and r.province is None
    assert {c["province"]["code"] for c in r.candidates} == candidates


def test_capitals_that_look_like_mojibake_keep_their_reading(reference_data):
    # "Ã " could be "à" (C3 A0) with its no-break space lost: both readings are tried
    assert decode("XÃ NGÃ BA")[-1] == "XÃ NGÃ BA"


def test_an_old_district_that_is_also_a_new_commune_goes_to_review(reference_data):
    r = resolve_place("Bá Thước - Thanh Hóa", as_of=AS_OF)
    assert r.needs_review and r.province["code"] == "38"
    assert any(c["commune"] is None for c in r.candidates)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Ward 5, District 3, Ho Chi Minh City", "Phường 5, Quận 3, Thành phố Hồ Chí Minh"),
        (
            "Xã Nghĩa Đồng, Huyện Tân Kỳ, Tỉnh Nghệ An, Vietnam.",
            "Xã Nghĩa Đồng, Huyện Tân Kỳ, Tỉnh Nghệ An",
        ),
        ("Xã Bum Tở (mới), Tỉnh Lai Châu", "Xã Bum Tở, Tỉnh Lai Châu"),
        (
            "Xã Phú Linh, Huyện Vị Xuyên, Tỉnh Hà Giang (nay là Xã Phú Linh, Tỉnh Tuyên Quang)",
            "Xã Phú Linh, Tỉnh Tuyên Quang",
        ),
        ("Nghệ An, Vinh, Hưng Bình", "Phường Hưng Bình, Thành phố Vinh, Tỉnh Nghệ An"),
        ("Võ Xu / Đức Linh / Bình Thuận", "Thị trấn Võ Xu, Huyện Đức Linh, Tỉnh Bình Thuận"),
        (
            "Xax Bachj Xa, Huyeenj Hamf Yeen, Tinhr Tuyeen Quang",
            "Xã Bạch Xa, Huyện Hàm Yên, Tỉnh Tuyên Quang",
        ),
        (
            "XÃ£ Má»¹ An HÆ°ng B, Huyá»‡n Láº¥p VÃ², Tá»‰nh Äá»“ng ThÃ¡p",
            "Xã Mỹ An Hưng B, Huyện Lấp Vò, Tỉnh Đồng Tháp",
        ),
    ],
)
def test_real_shapes_resolve_like_the_clean_address(reference_data, text, clean):
    want = _codes(clean)
    assert want[1] is not None
    assert _codes(text) == want


# -- the acceptance figures on the second corpus ----------------------------------------------
def test_real_corpus_accuracy(reference_data):
    lines = CORPUS_REAL.read_text(encoding="utf-8").splitlines()
    as_of = json.loads(lines[0])["as_of"]
    items = [json.loads(line) for line in lines[1:]]
    assert len(items) >= 1000
    score = score_corpus(items, as_of)["all"]
    assert score["province"] >= 0.98
    assert score["commune"] >= 0.92
    assert score["wrong"] <= 0.005


# -- Thủ Đức city (1/1/2021) written with its former districts -----------------------------------
@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (
            "Phường Tân Phú, Quận 9, Thành phố Hồ Chí Minh",
            "Phường Tân Phú, Thành phố Thủ Đức, Thành phố Hồ Chí Minh",
        ),
        ("Phường Thảo Điền, Q2, TP.HCM", "Phường Thảo Điền, Thành phố Thủ Đức, TP Hồ Chí Minh"),
        (
            "Phường Linh Trung, Quận Thủ Đức, TP HCM",
            "Phường Linh Trung, Thành phố Thủ Đức, TP Hồ Chí Minh",
        ),
    ],
)
def test_former_districts_of_thu_duc(reference_data, text, clean):
    want = _codes(clean)
    assert want[1] is not None and not want[2]
    assert _codes(text) == want
    if "Quận 9" in text or "Q2" in text:
        assert "nay thuộc Thành phố Thủ Đức" in resolve_place(text, as_of=AS_OF).reason


def test_a_former_district_needs_its_prefix(reference_data):
    # a bare "9" is a house number or a ward, never Quận 9
    r = resolve_place("Phường Tân Phú, 9, Thành phố Hồ Chí Minh", as_of=AS_OF)
    assert "Thủ Đức" not in r.reason
