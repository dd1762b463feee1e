"""The place resolver on the third independent corpus (``data/resolver_corpus_independent_3.tsv``,
see ``data/PROVENANCE-independent-3.md``) and the fixes it led to, each on its own: a country
spelt with marks no unit has ("Đức" is not the ward "Đúc"), no join across a comma into a name
of another level ("Phường Đúc, Huế" is not Đức Huệ), "Tỉnh" before "Thành phố" for the
province (province first: "T. Yên Bái, thành phố Yên Bái, X. …"), no spelling fix of a name
the province has ("P Bình Trưng, Tp Thủ Đức"), and the new unit written beside the old
address ("(nay là xã D)").

End-to-end checks compare a form with the plain official address of the same place."""

from __future__ import annotations

import pytest

from orgtree.place_steps import now_note
from orgtree.places import resolve_place
from orgtree.places.abroad import country
from orgtree.places.parse import DISTRICT, PROVINCE, _segment
from orgtree.places.reading import _plan
from tests.orgtree.corpus_score import assert_same_place, score_corpus
from tests.orgtree.independent_corpus import CORPUS_INDEPENDENT_3, load_tsv_corpus

AS_OF = "2026-08-01"


def _same_place(text: str, plain: str) -> None:
    assert_same_place(text, plain, AS_OF)


# -- a country alone, spelt with marks that no unit has ----------------------------------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Đức", "Đức"),  # the ward is "Đúc": other marks
        ("Đúc", None),  # the ward of Huế, as spelt
        ("Duc", None),  # no marks: it could be either, the resolver decides
        ("Xã Tân Lập, Đức", None),  # after a name of Vietnam (unchanged)
    ],
)
def test_country_alone_with_its_own_marks(text: str, found: str | None):
    names = frozenset({"duc", "xa tan lap"})
    assert country(text, names, frozenset({"đúc", "tân lập"})) == found


def test_duc_alone_is_germany(reference_data):
    for text in ("Đức", "Nơi sinh: Đức"):
        r = resolve_place(text, as_of=AS_OF)
        assert r.province is None and r.needs_review and "nước ngoài" in r.reason, r.describe()
    r = resolve_place("Phường Đúc", as_of=AS_OF)
    assert r.province is not None and "nước ngoài" not in r.reason, r.describe()


# -- no join across a comma into a name of another level --------------------------------------
def test_a_ward_before_its_province_is_not_joined_into_a_district(reference_data):
    """ "Phường Đúc, Huế": "đúc huế" folds like Đức Huệ (a district of Long An), which the
    comma and the level word "Phường" both rule out."""
    _same_place("Phường Đúc, Huế", "Phường Đúc, Quận Thuận Hóa, Thành phố Huế")


def test_names_cut_by_a_dash_are_still_joined(reference_data):
    r = resolve_place("Gia Lai - Kon Tum", as_of=AS_OF)
    assert r.needs_review and len(r.candidates) == 2, r.describe()
    _same_place(
        "Phường Đô Vinh, TP Phan Rang - Tháp Chàm, Ninh Thuận",
        "Phường Đô Vinh, Thành phố Phan Rang Tháp Chàm, Tỉnh Ninh Thuận",
    )
    _same_place(
        "Xã Long Sơn, TP Vũng Tàu, Bà Rịa - Vũng Tàu",
        "Xã Long Sơn, Thành phố Vũng Tàu, Tỉnh Bà Rịa Vũng Tàu",
    )


# -- the province: "Tỉnh" first, then "Thành phố" and bare names from the end -----------------
@pytest.mark.database_free
def test_plan_tries_the_province_word_before_a_city():
    segments = [
        _segment("t yen bai", ["t", "yen", "bai"]),
        _segment("thanh pho yen bai", ["thanh", "pho", "yen", "bai"]),
        _segment("x tan thinh", ["x", "tan", "thinh"]),
    ]
    plan = _plan(segments)
    assert plan.province[0][0] == 0  # "T. Yên Bái"
    assert plan.district[0][0] == 1  # "thành phố Yên Bái"
    segments = [_segment("tp lao cai", ["tp", "lao", "cai"]), _segment("lao cai", ["lao", "cai"])]
    plan = _plan(segments)
    # the bare name at the end, then the city
    assert [(i, explicit) for i, _, explicit in plan.province][:2] == [(1, False), (0, True)]
    assert PROVINCE in segments[0].hint and DISTRICT in segments[0].hint


def test_province_first_with_a_city_of_its_name(reference_data):
    plain = "Xã Tân Thịnh, Thành phố Yên Bái, Tỉnh Yên Bái"
    _same_place("T. Yên Bái - thành phố Yên Bái - X. Tân Thịnh", plain)
    _same_place("Tỉnh Yên Bái, TP Yên Bái, Xã Tân Thịnh", plain)
    r = resolve_place("TP.Lào Cai, Lào Cai", as_of=AS_OF)
    assert r.commune is None and not r.needs_review, r.describe()
    assert r.province == resolve_place("Tỉnh Lào Cai", as_of=AS_OF).province


def test_a_province_written_as_its_city_narrows_same_named_communes(reference_data):
    """ "xã Vĩnh Quang, Tp Cao Bằng": Cao Bằng has two Vĩnh Quang; "Tp" names the city."""
    plain = "Xã Vĩnh Quang, Thành phố Cao Bằng, Tỉnh Cao Bằng"
    _same_place("152 Điện Biên Phủ, xã Vĩnh Quang, Tp Cao Bằng", plain)
    r = resolve_place("Xã Vĩnh Quang, Tỉnh Cao Bằng", as_of=AS_OF)
    assert r.needs_review and r.commune is None, r.describe()  # "Tỉnh": still both


# -- no spelling fix of a name the province has ------------------------------------------------
def test_a_2025_ward_with_its_old_district_is_not_respelt(reference_data):
    """ "Bình Trưng" (a ward since 2025) is not a misspelt "Linh Trung" of the old Thủ Đức."""
    want = resolve_place("Phường Bình Trưng, TP Hồ Chí Minh", as_of=AS_OF)
    r = resolve_place("P Bình Trưng, Tp Thủ Đức, Tp.Hồ Chí Minh", as_of=AS_OF)
    assert "sửa chính tả" not in r.reason, r.describe()
    assert r.commune == want.commune or (r.needs_review and r.commune is None), r.describe()


def test_a_fix_into_another_units_spelling_goes_to_review(reference_data):
    """ "Lê Lợi" is a ward elsewhere (and a street everywhere): read as a slip for Tế Lợi of
    Thanh Hóa it is only a proposal."""
    r = resolve_place("Lê Lợi, Thanh Hóa", as_of=AS_OF)
    assert r.needs_review, r.describe()
    assert r.province == resolve_place("Tỉnh Thanh Hóa", as_of=AS_OF).province
    # a slip that is no unit's name is still fixed without review
    plain = "Xã Thọ Diên, Huyện Thọ Xuân, Tỉnh Thanh Hóa"
    _same_place("Xã Thọ Diênn, Huyện Thọ Xuân, Tỉnh Thanh Hóa", plain)


# -- the new unit written beside the old address ----------------------------------------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Xã A, Huyện B, Tỉnh C (nay là xã D)", ("Xã A, Huyện B, Tỉnh C", "xã D", "xã D")),
        (
            "Xã A (nay thuộc xã D), Huyện B, Tỉnh C",
            ("Xã A , Huyện B, Tỉnh C", "xã D, Huyện B, Tỉnh C", "xã D"),
        ),
        ("Xã A, Tỉnh C, nay là Xã D, Tỉnh E", ("Xã A, Tỉnh C", "Xã D, Tỉnh E", "Xã D, Tỉnh E")),
        ("Xã A, Tỉnh C - nay thuộc Xã D", ("Xã A, Tỉnh C", "Xã D", "Xã D")),
        ("Xã Nay Tân, Tỉnh C", None),
        ("Xã A, Tỉnh C", None),
    ],
)  # fmt: skip
def test_now_note(text: str, note: tuple[str, str, str] | None):
    assert now_note(text) == note


def test_the_new_name_after_nay_la(reference_data):
    plain = "Xã Đăk Hà, Tỉnh Quảng Ngãi"
    # "Xã Đăk Hà" read with the old province would be the old Xã Đắk Hà of Tu Mơ Rông
    _same_place("XÃ Đắk La, H. Đắk Hà, Tỉnh Kon Tum (nay là Xã Đăk Hà)", plain)
    _same_place("Xã Đắk La, Huyện Đắk Hà, Tỉnh Kon Tum, nay là Xã Đăk Hà, Tỉnh Quảng Ngãi", plain)


def test_a_new_name_the_old_address_contradicts_goes_to_review(reference_data):
    r = resolve_place("Xã Đắk La, Huyện Đắk Hà, Tỉnh Kon Tum (nay là Xã Ngọc Linh)", as_of=AS_OF)
    assert r.needs_review and r.commune is None, r.describe()
    assert len(r.candidates) >= 2


# -- the corpus -------------------------------------------------------------------------------
def test_independent_corpus_3_accuracy(reference_data):
    """Figures reached on the corpus (see PROVENANCE-independent-3.md): right province and
    commune, and never a confident wrong answer."""
    as_of, items = load_tsv_corpus(CORPUS_INDEPENDENT_3)
    assert len(items) >= 1000
    scores = score_corpus(items, as_of)
    assert scores["all"]["province"] >= 0.999
    assert scores["all"]["commune"] >= 0.985
    assert scores["all"]["wrong"] == 0.0
    assert scores["abroad"]["province"] == 1.0
    assert scores["shared"]["review"] == 1.0
    assert scores["split"]["review"] == 1.0
