"""The place resolver on the second independent corpus (``data/resolver_corpus_independent_2.tsv``,
see ``data/PROVENANCE-independent-2.md``) and the fixes it led to, each on its own: places
abroad, hospitals and health stations, provinces with an earlier extent (Hậu Giang 1976–1991,
Đắk Lắk and Lai Châu before 2004), a district of another province, numbered hamlets before
names without commas, keystrokes in a text with diacritics.

End-to-end checks compare a form with the plain official address of the same place: both must
give the same province and commune (and the plain one a commune)."""

from __future__ import annotations

import pytest

from orgtree.place_steps import keystroke_readings, strip_institution
from orgtree.places import resolve_place
from orgtree.places.abroad import country
from orgtree.places.parse import _numbered_noise
from tests.orgtree.corpus_score import assert_same_place, score_corpus
from tests.orgtree.independent_corpus import CORPUS_INDEPENDENT_2, load_tsv_corpus

AS_OF = "2026-08-01"


def _same_place(text: str, plain: str) -> None:
    assert_same_place(text, plain, AS_OF)


# -- abroad -------------------------------------------------------------------------------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Liên Xô", "Liên Xô"),
        ("Berlin, CHDC Đức", "CHDC Đức"),
        ("Viêng Chăn; Lào", "Lào"),
        ("Cộng hòa Séc", "Cộng hòa Séc"),
        ("LIEN XO", "LIEN XO"),
        ("Leipzig, Đức", "Đức"),  # "Đức" is also a name in Vietnam: "Leipzig" is not
        ("Lào Cai", None),
        ("Xã Tân Lập, Đức", None),  # after a name of Vietnam: not taken for Germany
        ("Hà Nội", None),
        ("", None),
    ],
)
def test_country_is_the_last_part(text: str, found: str | None):
    assert country(text, frozenset({"duc", "tan lap", "xa tan lap", "ha noi"})) == found


@pytest.mark.parametrize(
    "text",
    [
        "Liên Xô (cũ)",
        "Sinh tại Liên Xô",
        "Leipzig - Đức",
        "Bắc Kinh, Trung Quốc",  # not a misspelt Bắc Ninh
        "Bình Nhưỡng, Triều Tiên",  # not a misspelt Bình Dương
        "Quê quán: Lào",
    ],
)
def test_a_place_abroad_is_no_province(reference_data, text: str):
    r = resolve_place(text, as_of=AS_OF)
    assert r.province is None and r.commune is None and r.needs_review, r.describe()
    assert "nước ngoài" in r.reason


def test_lao_cai_is_still_lao_cai(reference_data):
    assert resolve_place("Lào Cai", as_of=AS_OF).province == (
        resolve_place("Tỉnh Lào Cai", as_of=AS_OF).province
    )
    assert resolve_place("Lào Cai", as_of=AS_OF).province is not None


# -- hospitals and health stations ----------------------------------------------------------
KNOWN = frozenset({"tan lap", "thong nhat", "bach mai", "ha noi", "hue", "thai binh", "ia trok"})
PROVINCES = frozenset({"ha noi", "hue", "thai binh"})


@pytest.mark.database_free
@pytest.mark.parametrize(
    ("words", "kept"),
    [
        ("tram y te xa tan lap", "xa tan lap"),
        ("nha ho sinh quan 1", "quan 1"),
        ("tyt xa ia trok huyen ia pa", "xa ia trok huyen ia pa"),  # no commas: cut later
        ("benh vien trung uong hue", "hue"),
        ("benh vien da khoa tinh thai binh", "tinh thai binh"),
        ("benh vien bach mai", None),  # the hospital's name is no unit
        ("bv thong nhat", None),
        ("benh vien quan y 103", None),  # "quân y" is not "Quận Y"
        ("xa tan lap", "xa tan lap"),
        ("nha be", "nha be"),
    ],
)
def test_strip_institution(words: str, kept: str | None):
    out = strip_institution(words.split(), KNOWN, PROVINCES)
    assert (" ".join(out) if out is not None else None) == kept


def test_a_hospital_names_the_province_only(reference_data):
    for text in ("Sinh tại Bệnh viện Bạch Mai, Hà Nội", "SINH TẠI BỆNH VIỆN BẠCH MAI HÀ NỘI"):
        r = resolve_place(text, as_of=AS_OF)
        assert r.commune is None, r.describe()
        assert r.province == resolve_place("Hà Nội", as_of=AS_OF).province
    r = resolve_place("Bệnh viện Đa khoa tỉnh Thái Bình", as_of=AS_OF)
    assert r.province == resolve_place("Tỉnh Thái Bình", as_of=AS_OF).province is not None


def test_a_health_station_names_its_commune(reference_data):
    plain = "Xã Dũng Tiến, Huyện Thường Tín, Thành phố Hà Nội"
    _same_place("TYT xã Dũng Tiến, Huyện Thường Tín, Thành phố Hà Nội", plain)
    _same_place("Sinh tại Trạm y tế xã Dũng Tiến Huyện Thường Tín Thành phố Hà Nội", plain)


# -- earlier extents of a province name ----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # Hậu Giang 1976–1991 held Cần Thơ and Sóc Trăng
        (
            "Xã Tân Thới, Huyện Phong Điền, Tỉnh Hậu Giang",
            "Xã Tân Thới, Huyện Phong Điền, TP Cần Thơ",
        ),
        (
            "Xã Vĩnh Hiệp, Thị xã Vĩnh Châu, Hậu Giang",
            "Xã Vĩnh Hiệp, Thị xã Vĩnh Châu, Tỉnh Sóc Trăng",
        ),
        # Đắk Lắk before 2004 held Đắk Nông
        ("Xã Đắk Drông, Huyện Cư Jút, Tỉnh Đắk Lắk", "Xã Đắk Drông, Huyện Cư Jút, Tỉnh Đắk Nông"),
        # Phú Khánh (1976–1989), a name only of the past
        (
            "Xã Khánh Thượng, Huyện Khánh Vĩnh, Phú Khánh",
            "Xã Khánh Thượng, H. Khánh Vĩnh, Khánh Hòa",
        ),
    ],
)
def test_a_province_name_covers_its_earlier_extent(reference_data, text: str, plain: str):
    _same_place(text, plain)


def test_the_province_of_today_still_wins(reference_data):
    """The earlier extent is looked at only when the province of today has no such place."""
    _same_place("Xã Vị Đông, Huyện Vị Thủy, Hậu Giang", "Xã Vị Đông, Huyện Vị Thủy, Tỉnh Hậu Giang")
    r = resolve_place("Tỉnh Lai Châu", as_of=AS_OF)
    assert not r.needs_review and r.province is not None


def test_a_district_of_another_province_goes_to_review(reference_data):
    """Mê Linh was part of Vĩnh Phú only in some years: the province named is not sure."""
    r = resolve_place("Xã Tráng Việt, Huyện Mê Linh, Vĩnh Phú", as_of=AS_OF)
    assert r.needs_review, r.describe()
    r = resolve_place("Huyện Thường Tín, Tỉnh Hà Nam", as_of=AS_OF)
    assert r.needs_review, r.describe()


# -- numbered hamlets before names without commas ---------------------------------------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("words", "count"),
    [
        ("khom 3 bang hanh", 2),
        ("so 8 hem 21 kiet son", 4),  # "Kiệt Sơn" is a commune, not a lane
        ("so nha 12 xa tan lap", 3),
        ("to4 xa tan lap", 1),
        ("thon dong tam", 0),  # a hamlet's name, not a number
        ("khom 3", 0),  # nothing after it
    ],
)
def test_numbered_noise(words: str, count: int):
    assert _numbered_noise(words.split()) == count


def test_names_after_a_numbered_hamlet(reference_data):
    _same_place(
        "KHÓM 3 BẰNG HÀNH BẮC QUANG TỈNH HÀ TUYÊN", "Xã Bằng Hành, Huyện Bắc Quang, Tỉnh Hà Giang"
    )
    _same_place(
        "Số 8 hẻm 21 Thu Cúc Tân Sơn Tỉnh Vĩnh Phú", "Xã Thu Cúc, Huyện Tân Sơn, Tỉnh Phú Thọ"
    )


# -- keystrokes in a text with diacritics ------------------------------------------------------
@pytest.mark.database_free
def test_keystroke_readings_of_ascii_words_only():
    readings = keystroke_readings("xax Ddanr Vans, huyện Hoàng Su Phì")
    assert "xa Dan Van, huyện Hoàng Su Phì" in readings
    assert keystroke_readings("Trac1 Va8n, Duy Tiên")[0] == "Trac Van, Duy Tiên"
    assert keystroke_readings("Xã Phúc Thọ, Hà Nội") == []
    # "Ea Bar" ends in what Telex reads as a tone ("r"): no sure sign, no reading
    assert keystroke_readings("Xã EaBar, Huyện Sông Hinh, Tỉnh Phú Yên") == []


def test_keystrokes_in_a_text_with_diacritics(reference_data):
    _same_place(
        "Quê: xax Ddanr Vans, huyện Hoàng Su Phì, T.Hà Giang",
        "Xã Đản Ván, Huyện Hoàng Su Phì, Tỉnh Hà Giang",
    )


# -- the corpus -------------------------------------------------------------------------------
def test_independent_corpus_2_accuracy(reference_data):
    """Figures reached on the corpus (see PROVENANCE-independent-2.md): right province and
    commune, and never a confident wrong answer."""
    as_of, items = load_tsv_corpus(CORPUS_INDEPENDENT_2)
    assert len(items) >= 800
    scores = score_corpus(items, as_of)
    assert scores["all"]["province"] >= 0.99
    assert scores["all"]["commune"] >= 0.98
    assert scores["all"]["wrong"] == 0.0
    assert scores["abroad"]["province"] == 1.0
    assert scores["hospital"]["province"] == 1.0
