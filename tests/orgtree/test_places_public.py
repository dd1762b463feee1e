"""The place resolver on real texts written by others (``data/resolver_corpus_public.tsv``, see
``data/PROVENANCE-public.md``), and the fixes they led to, each on its own texts (written
here in the same shapes, not taken from the corpus).

End-to-end checks compare a form with the plain official address of the same place."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtree.places import resolve_place
from orgtree.places.parse import (
    COMMUNE,
    PROVINCE,
    TAIL_END,
    TAIL_WHOLE,
    _hamlet_rest,
    _level_tail,
    _name_syllables,
    _province_end,
    _segment,
    _split_run,
    tails,
)
from tests.orgtree.corpus_score import assert_same_place, score_corpus
from tests.orgtree.independent_corpus import CORPUS_PUBLIC, load_tsv_corpus

AS_OF = "2026-08-01"
HEADER = "# as_of=2026-08-01 count=2\ntext\tprovince\tcommune\texpect\tclasses\n"


def _same_place(text: str, plain: str) -> None:
    assert_same_place(text, plain, AS_OF)


# -- the corpus ---------------------------------------------------------------------------------
def test_loader_reads_province_only_rows(tmp_path: Path):
    """``province``: the source stated no commune; only the province is checked."""
    path = tmp_path / "c.tsv"
    path.write_text(HEADER + "X, Huyện Y, Hà Nội\t01\t\tprovince\tcourse\n", encoding="utf-8")
    _, items = load_tsv_corpus(path)
    assert items[0]["commune_unchecked"] is True and items[0]["review"] is False
    path.write_text(HEADER + "X, Hà Nội\t01\t00004\tprovince\tcourse\n", encoding="utf-8")
    try:
        load_tsv_corpus(path)
    except ValueError as error:
        assert "field commune" in str(error)
    else:
        raise AssertionError("a commune with expect=province must be refused")


def test_public_corpus_accuracy(reference_data):
    """Figures reached on the real texts (see PROVENANCE-public.md)."""
    as_of, items = load_tsv_corpus(CORPUS_PUBLIC)
    assert len(items) >= 500
    scores = score_corpus(items, as_of)
    # 0.985 and 0.923 before the former names in run-on text, the stray digits and capitals
    assert scores["all"]["province"] >= 0.985
    assert scores["all"]["commune"] >= 0.95
    assert scores["all"]["wrong"] <= 0.004
    assert scores["map4d"]["province"] == 1.0
    assert scores["split"]["review"] == 1.0
    assert scores["nonexistent"]["review"] == 1.0


# -- a commune named right after a hamlet, a house or a village, without a comma ----------------
@pytest.mark.database_free
@pytest.mark.parametrize(
    ("tokens", "tail", "keys"),
    [
        ("lang vac hoang thinh", 0, ["vac hoang thinh", "hoang thinh"]),
        ("hoang thinh", 0, []),  # two words: the whole name, looked up already
        ("nghia trung", TAIL_WHOLE, ["nghia trung"]),  # after "Thôn 4": may be the commune
        ("ben quynh lam", TAIL_END, ["quynh lam"]),  # after "Xóm": "Bến" names the hamlet
        ("25 nguyen trai tan loi", 0, ["nguyen trai tan loi", "trai tan loi", "tan loi"]),
    ],
)
def test_tails_of_a_segment(tokens: str, tail: int, keys: list[str]):
    seg = _segment(tokens, tokens.split())
    seg.tail = tail
    assert tails(seg) == keys


@pytest.mark.database_free
def test_a_hamlet_part_keeps_what_follows_its_name():
    def rest(text: str) -> list[tuple[str, int]]:
        return [(s.key, s.tail) for s in _hamlet_rest(text.split())]

    assert rest("thon 4 nghia trung") == [("nghia trung", TAIL_WHOLE)]
    assert rest("xom ben quynh lam") == [("ben quynh lam", TAIL_END)]
    assert rest("thon hoang thinh") == []  # the hamlet's own name
    assert rest("so nha 12") == []


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (
            "Thôn 4 Nghĩa Trung, Nghĩa Hưng, Nam Định",
            "Xã Nghĩa Trung, Huyện Nghĩa Hưng, Tỉnh Nam Định",
        ),
        (
            "Xóm Bến Quỳnh Lâm, Quỳnh Phụ, Thái Bình",
            "Xã Quỳnh Lâm, Huyện Quỳnh Phụ, Tỉnh Thái Bình",
        ),
        (
            "Làng Vạc Hoằng Thịnh, Hoằng Hóa, Thanh Hóa",
            "Xã Hoằng Thịnh, Huyện Hoằng Hóa, Tỉnh Thanh Hóa",
        ),
        (
            "25 Nguyễn Trãi Tân Lợi, Buôn Ma Thuột, Đắk Lắk",
            "Phường Tân Lợi, Thành phố Buôn Ma Thuột, Tỉnh Đắk Lắk",
        ),
    ],
)
def test_a_commune_after_a_hamlet_in_the_same_part(reference_data, text: str, plain: str):
    _same_place(text, plain)


def test_a_commune_after_a_hamlet_only_inside_the_district_named(reference_data):
    # Nghĩa Trung is no commune of Hải Hậu, and "Thôn Hoằng Thịnh" is a hamlet's name
    for text in ("Thôn 4 Nghĩa Trung, Hải Hậu, Nam Định", "Thôn Hoằng Thịnh, Hoằng Hóa, Thanh Hóa"):
        r = resolve_place(text, as_of=AS_OF)
        assert r.commune is None or r.needs_review, r.describe()


# -- a syllable of a name that folds like a level word; a unit after a street in one part ---------
@pytest.mark.database_free
def test_name_syllables_that_fold_like_a_level_word():
    assert _name_syllables("Thôn Yến Thạch Xá", "thon yen thach xa".split()) == {3}
    assert _name_syllables("Phương Công", ["phuong", "cong"]) == {0}
    assert _name_syllables("Quân 10", ["quan", "10"]) == frozenset()  # a slip for "Quận"
    assert _name_syllables("Xã Tân Lập", ["xa", "tan", "lap"]) == frozenset()


@pytest.mark.database_free
def test_a_level_word_and_its_unit_at_the_end_of_a_part():
    known = {"commune": frozenset({"14", "tan lap"}), "province": frozenset({"long an"})}
    assert _level_tail("7 3 thanh thai phuong 14".split(), known) == 4
    assert _level_tail("x uthanh loi tinh long an".split(), known) == 3
    assert _level_tail("le loi p ngo quyen".split(), known) == 0  # no such ward known


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # "Xá" of a commune's name is no "Xã" (read so, it made "Xã Mỹ Đức", a 2025 commune)
        ("Thôn Chợ Xuy Xá Mỹ Đức, Hà Nội", "Xã Xuy Xá, Huyện Mỹ Đức, Thành phố Hà Nội"),
        ("Xóm Lò Tràng Xá Võ Nhai Thái Nguyên", "Xã Tràng Xá, Huyện Võ Nhai, Tỉnh Thái Nguyên"),
        ("Thôn Bãi Đào Xá Thanh Thủy, Phú Thọ", "Xã Đào Xá, Huyện Thanh Thuỷ, Tỉnh Phú Thọ"),
        (
            "Phương Công, Huyện Tiền Hải, Tỉnh Thái Bình",
            "Xã Phương Công, Huyện Tiền Hải, Tỉnh Thái Bình",
        ),
        # a numbered ward after the street, in the same part
        (
            "12/4 Lê Văn Sỹ Phường 13, Quận 3, TP. Hồ Chí Minh",
            "Phường 13, Quận 3, Thành phố Hồ Chí Minh",
        ),
        # "P." after a house number alone is a street ("phố"), not a ward
        (
            "15 P. Lê Lợi, Xã Nam Bình, H. Kiến Xương, Thái Bình",
            "Xã Nam Bình, Huyện Kiến Xương, Tỉnh Thái Bình",
        ),
    ],
)
def test_level_words_read_from_their_spelling_and_place(reference_data, text: str, plain: str):
    _same_place(text, plain)


# -- the province at the end of the last part, after words that name nothing ---------------------
@pytest.mark.database_free
def test_where_the_province_ends_the_last_part():
    known = {PROVINCE: frozenset({"vinh long", "quang tri"})}
    assert _province_end("cua hang dien may xanh vinh long".split(), known) == 5
    assert _province_end("huyen my xuyen tinh soc trag".split(), known) == 3  # a misspelling
    assert _province_end("vinh long".split(), known) == 0  # the province alone
    assert _province_end("xom vinh long 3".split(), known) == 0


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("cua hang dien may xanh vinh long", "86"),
        ("Kiệt 12 Hùng Vương Quảng Trị", "44"),
        ("Huyện Mỹ Xuyên Tỉnh Sóc Trăg", "92"),  # Sóc Trăng went into Cần Thơ
    ],
)
def test_the_province_ending_a_text_without_commas(reference_data, text: str, province: str):
    r = resolve_place(text, as_of=AS_OF)
    assert r.province is not None and r.province["code"] == province, r.describe()


def test_the_province_is_cut_from_the_last_part_only(reference_data):
    # a street named after a province, first: no province from it without a doubt
    r = resolve_place("số 5 đường Lê Lợi Hà Nội, Phường 3, Quận 7", as_of=AS_OF)
    assert r.needs_review, r.describe()
    # "T Nghệ Hà Nội": after "T." and one word the name runs on (a slip), no Hà Nội
    r = resolve_place("Thôn Quyết Thắng, X Quỳnh Văn, T Nghệ Hà Nội", as_of=AS_OF)
    assert r.province is None or r.province["code"] != "01", r.describe()


@pytest.mark.database_free
def test_the_province_after_t_or_tinh_at_the_end_may_be_misspelt():
    known = {PROVINCE: frozenset()}
    assert _province_end("dong giang t quayg nm".split(), known) == 2
    assert _province_end("h van giang tinh hung ye0".split(), known) == 3
    assert _province_end("thon 3 t vinh".split(), known) == 0  # "T." and one word: a hamlet


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("  Ba Tơ T Quảnh Ngiã", "51"),  # a misspelt province after "T" at the end
        ("Huyện Lục Ngạn Tỉnh Bắc Gian9", "24"),
        ("Xã Tân Mỹ,,Tỉnhbắc Giang", "24"),  # "Tỉnh" glued to the name, no capital
        ("Huyệnlục Ngạn, Bắc Giang", "24"),
    ],
)
def test_a_misspelt_or_glued_province_at_the_end(reference_data, text: str, province: str):
    r = resolve_place(text, as_of=AS_OF)
    assert r.province is not None and r.province["code"] == province, r.describe()


# -- a misspelt commune opening an address without commas -----------------------------------------
def _known(communes: set[str], districts: set[str], provinces: set[str]) -> dict:
    every = communes | districts | provinces
    stems = {" ".join(n.split()[:k]) for n in every for k in range(1, len(n.split()) + 1)}
    return {
        "any": frozenset(every),
        "stems": frozenset(stems),
        COMMUNE: frozenset(communes),
        "district": frozenset(districts),
        PROVINCE: frozenset(provinces),
        "province|district": frozenset(districts | provinces),
    }


@pytest.mark.database_free
def test_a_misspelt_commune_before_a_district_is_kept_as_a_piece():
    known = _known({"thanh thuy", "hung dao"}, {"le thuy"}, {"quang binh"})
    tokens = "xa thanh thu h le thuy tinh quang binh".split()
    assert _split_run(tokens, known) == [tokens[:3], tokens[3:6], tokens[6:]]
    # before a commune's name it may be the start of that name: no piece of its own
    assert _split_run("phuong trna hung dao".split(), known) is None


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Xã Phong Thủ H. Lệ Thủy T. Quảng Bình", "Xã Phong Thủy, Huyện Lệ Thủy, Tỉnh Quảng Bình"),
        (
            "Xã Hồng Thuỷy Huyện Lệ Thủy Tỉnh Quảng Bình",
            "Xã Hồng Thủy, Huyện Lệ Thủy, Tỉnh Quảng Bình",
        ),
    ],
)
def test_a_misspelt_commune_in_a_run_is_proposed_for_review(reference_data, text, plain):
    want = resolve_place(plain, as_of=AS_OF)
    got = resolve_place(text, as_of=AS_OF)
    assert got.needs_review and got.commune == want.commune, got.describe()


# -- a misspelt district and no province ---------------------------------------------------------
def test_a_misspelt_district_without_province_with_a_commune_of_it(reference_data):
    _same_place("X. Thanh Hồng, Huyện Thnh Hà", "Xã Thanh Hồng, Huyện Thanh Hà, Tỉnh Hải Dương")
    # no commune of Thanh Hà named: no guess from the district alone
    r = resolve_place("X. Tân Lập, Huyện Thnh Hà", as_of=AS_OF)
    assert r.needs_review, r.describe()
