"""Communes merged or renamed 2019–2024 (issue 21, class 6): the former name reaches the 2025
commune through its successor of 4/1/2025 and the conversion table.

Expected codes come from the data files (former-communes-2019-2024.csv and the conversion
table, read without the resolver)."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache

import pytest

from orgtree.places import resolve_place
from orgtree.refdata import DATA_DIR
from tests.orgtree.corpus_score import assert_same_place

AS_OF = "2026-08-01"
FORMER = DATA_DIR / "former-communes-2019-2024.csv"
# the rest of the source file (Thái Bình from Kiến Xương on, Nghệ An … Yên Bái)
FORMER_2 = DATA_DIR / "former-communes-2019-2024-2.csv"


def _former() -> dict[tuple[str, str, str], str]:
    """(province, district, former key) → successor commune code of 4/1/2025."""
    out: dict[tuple[str, str, str], str] = {}
    for path in (FORMER, FORMER_2):
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                key = (r["province_code"], r["district_code"], r["former_key"])
                out[key] = r["successor_commune_code"]
    return out


@cache
def _targets() -> dict[str, frozenset[tuple[str, str]]]:
    """Old commune code → {(new province, new commune)} from the official conversion table
    (also read by test_places_former_districts)."""
    from orgtree.models import AdminUnitRelease
    from orgtree.refdata import read_gso_conversion_csv

    rows = read_gso_conversion_csv(
        AdminUnitRelease(key="t"), DATA_DIR / "conversion-2025-07-01.csv"
    )
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        if row.old_commune_code:
            out[row.old_commune_code].add((row.new_province_code, row.new_commune_code))
    return {k: frozenset(v) for k, v in out.items()}


def _expected(province: str, district: str, key: str) -> tuple[str, str]:
    successor = _former()[province, district, key]
    (target,) = _targets()[successor]
    return target


def _codes(text: str):
    r = resolve_place(text, as_of=AS_OF)
    return (r.province and r.province["code"], r.commune and r.commune["code"], r.needs_review)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # HCMC, 1/1/2025: Phường 10 of Quận 3 went into Phường 9
        ("Phường 10, Quận 3, Thành phố Hồ Chí Minh", ("79", "770", "10")),
        ("P.10, Q.3, TP.HCM", ("79", "770", "10")),
        # Quận 8: Phường 1, 2, 3 → Phường Rạch Ông
        ("Phường 2, Quận 8, TP Hồ Chí Minh", ("79", "776", "2")),
        # Hà Nội, rural commune merged in the 2023–2025 round (Ứng Hòa: Viên Nội → Hòa Viên)
        ("Xã Viên Nội, Huyện Ứng Hòa, Thành phố Hà Nội", ("01", "281", "viennoi")),
        ("Viên Nội, Ứng Hòa, Hà Nội", ("01", "281", "viennoi")),
        # Hà Nam (northern province): Bối Cầu → Bình An, Huyện Bình Lục
        ("Xã Bối Cầu, Huyện Bình Lục, Tỉnh Hà Nam", ("35", "352", "boicau")),
        # a former township: Thị trấn Núi Đèo (Thủy Nguyên, Hải Phòng) → Phường Thủy Đường
        ("Thị trấn Núi Đèo, Huyện Thủy Nguyên, Thành phố Hải Phòng", ("31", "311", "nuideo")),
        # the second part of the source file: Nghệ An (Nghi Hoa → Diên Hoa, Nghi Lộc)
        ("Xã Nghi Hoa, Huyện Nghi Lộc, Tỉnh Nghệ An", ("40", "429", "nghihoa")),
        # Hợp Thành → Xã Đông Thành, not Xã Đồng Thành of the same district (the source
        # writes the tone marks to tell them apart)
        ("Xã Hợp Thành, Huyện Yên Thành, Tỉnh Nghệ An", ("40", "426", "hopthanh")),
        # Vĩnh Phúc (Việt Xuân → Sao Đại Việt), Quảng Trị (Hải Quế → Hải Bình)
        ("Xã Việt Xuân, Huyện Vĩnh Tường, Tỉnh Vĩnh Phúc", ("26", "252", "vietxuan")),
        ("Xã Hải Quế, Huyện Hải Lăng, Tỉnh Quảng Trị", ("45", "470", "haique")),
        # Lào Cai (Tả Chải → Thị trấn Bắc Hà), Kiên Giang (Vĩnh Bảo → Vĩnh Thanh Vân)
        ("Xã Tả Chải, Huyện Bắc Hà, Tỉnh Lào Cai", ("10", "085", "tachai")),
        ("Phường Vĩnh Bảo, Thành phố Rạch Giá, Tỉnh Kiên Giang", ("91", "899", "vinhbao")),
        # a numbered ward of Long An: Phường 2 of Tân An → Phường 1
        ("Phường 2, Thành phố Tân An, Tỉnh Long An", ("80", "794", "2")),
    ],
)
def test_a_former_commune_reaches_the_new_commune(reference_data, text, where):
    province, commune = _expected(*where)
    assert _codes(text) == (province, commune, False)
    reason = resolve_place(text, as_of=AS_OF).reason
    assert "đã sáp nhập vào" in reason and "(2019–2024)" in reason


def _new_of(code: str) -> set[tuple[str, str]]:
    return _targets()[code]


def test_a_former_commune_whose_successor_was_split_goes_to_review(reference_data):
    # Phường 14 of Quận 4 went into Phường 15 (1/1/2025), which the 2025 table splits in two
    successor = _former()["79", "773", "14"]
    assert len(_new_of(successor)) > 1  # the data make it a split
    r = resolve_place("Phường 14, Quận 4, Thành phố Hồ Chí Minh", as_of=AS_OF)
    assert r.needs_review and r.commune is None
    assert {c["commune"]["code"] for c in r.candidates if c.get("commune")} == {
        c for _p, c in _new_of(successor)
    }


@pytest.mark.parametrize(
    ("text", "former", "current"),
    [
        # Xã Minh Tân (Thủy Nguyên) went into Xã Bạch Đằng; Kiến Thụy still has a Xã Minh Tân
        ("Xã Minh Tân, Thành phố Hải Phòng", ("31", "311", "minhtan"), "11725"),
        # Phường Ninh Xá (TP Bắc Ninh) went into Tiền Ninh Vệ; Thuận Thành has a Phường Ninh Xá
        ("Phường Ninh Xá, Tỉnh Bắc Ninh", ("27", "256", "ninhxa"), "09445"),
    ],
)
def test_a_former_name_that_a_current_commune_still_bears_goes_to_review(
    reference_data, text, former, current
):
    r = resolve_place(text, as_of=AS_OF)
    assert r.needs_review  # a person chooses (a suggestion may be shown, flagged)
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    successor = _former()[former]
    assert {c for _p, c in _new_of(successor)} <= got
    assert {c for _p, c in _new_of(current)} <= got


def test_the_level_word_decides_between_the_former_commune_and_the_current_one(reference_data):
    # Quảng Ninh: Xã Cộng Hòa (Cẩm Phả) went into Xã Hải Hòa (2019-2024), while Phường Cộng Hòa
    # (Quảng Yên) was still a ward on 4/1/2025 and went whole into Phường Hiệp Hòa
    former = _former()["22", "195", "conghoa"]
    ward = _new_of("07150")
    assert len(ward) == 1 and len(_new_of(former)) > 1  # the data make it so
    (new_ward,) = ward
    # "Phường": only the ward is a phường, so it is answered
    assert _codes("Phường Cộng Hòa, tỉnh Quảng Ninh") == (*new_ward, False)
    # "Xã": only the former commune is a xã; its successor was split, so a person chooses
    # among the successor's communes alone
    r = resolve_place("Xã Cộng Hòa, Quảng Ninh", as_of=AS_OF)
    assert r.needs_review and r.commune is None
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    assert got == {c for _p, c in _new_of(former)}
    # no level word: both stay
    r = resolve_place("Cộng Hòa, Quảng Ninh", as_of=AS_OF)
    assert r.needs_review
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    assert new_ward[1] in got and {c for _p, c in _new_of(former)} <= got


def test_a_former_name_still_borne_in_the_same_district_goes_to_review(reference_data):
    # Thị trấn Mỹ Lộc went into Phường Hưng Lộc (Thành phố Nam Định); Xã Mỹ Lộc still exists
    with FORMER.open(encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["former_key"] == "myloc"]
    assert row["also_current"]  # the data say so
    # in the set of 4/1/2025 the two are different communes: without a level word a person
    # chooses
    _review_before_one_answer_after("Mỹ Lộc, Thành phố Nam Định, Tỉnh Nam Định", row)
    # "Thị trấn" names the former town alone (the one still bearing the name is a xã)
    r = resolve_place("Thị trấn Mỹ Lộc, Thành phố Nam Định, Tỉnh Nam Định", as_of="2025-03-01")
    assert not r.needs_review and r.commune["code"] == row["successor_commune_code"]
    assert "Thị trấn Mỹ Lộc đã sáp nhập" in r.reason


def _review_before_one_answer_after(text: str, row: dict[str, str]) -> None:
    """Before 1/7/2025 ``text`` goes to review with the former name's successor and the
    commune that still bears the name as candidates; since, the one commune both went into."""
    r = resolve_place(text, as_of="2025-03-01")
    assert r.needs_review and r.commune is None
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    assert got == {row["successor_commune_code"], row["also_current"]}
    (new,) = _new_of(row["successor_commune_code"]) | _new_of(row["also_current"])
    assert _codes(text) == (*new, False)


def test_a_former_name_still_in_the_list_of_the_second_part_goes_to_review(reference_data):
    # Xã Tịnh Sơn (Sơn Tịnh, Quảng Ngãi) is listed as merged into Thị trấn Tịnh Hà, but the
    # list of 4/1/2025 still has it: before 1/7/2025 a person chooses
    rows = [r for r in csv.DictReader(FORMER_2.open(encoding="utf-8"))]
    (row,) = [r for r in rows if (r["district_code"], r["former_key"]) == ("527", "tinhson")]
    assert row["also_current"]
    _review_before_one_answer_after("Xã Tịnh Sơn, Huyện Sơn Tịnh, Tỉnh Quảng Ngãi", row)


def test_a_former_name_written_without_spaces_still_meets_the_current_commune(reference_data):
    # Xã Chiềng Ly (Thuận Châu, Sơn La) is listed as merged into Thị trấn Thuận Châu but is
    # still in the 4/1/2025 list; written "chiengly" (as the source writes it) both stay
    with FORMER.open(encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["former_key"] == "chiengly"]
    assert row["also_current"]
    r = resolve_place("Xã chiengly, Huyện Thuận Châu, Tỉnh Sơn La", as_of="2025-03-01")
    assert r.needs_review and r.commune is None
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    assert got == {row["successor_commune_code"], row["also_current"]}


def test_with_its_district_the_current_commune_is_answered(reference_data):
    # the district names the current Xã Minh Tân; the former one of Thủy Nguyên is not a reading
    (target,) = _new_of("11725")
    assert _codes("Xã Minh Tân, Huyện Kiến Thụy, Thành phố Hải Phòng") == (*target, False)


def test_a_former_name_needs_a_district_or_province(reference_data):
    # "Phường 10" alone is any Phường 10 of the country, never Quận 3's former one
    r = resolve_place("Phường 10", as_of=AS_OF)
    assert "đã sáp nhập" not in r.reason


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # without commas: the level word opens a former name (the sources give it without
        # spaces, "trangminh"); before, the cut stopped at "Phường Tràng" and the commune was lost
        (
            "Phường Tràng Minh Q. Kiến An Thành phố Hải Phòng",
            "Phường Tràng Minh, Quận Kiến An, Thành phố Hải Phòng",
        ),
        (
            "Phường Tràng Minh Quận Kiến An Thành phố Hải Phòng",
            "Phường Tràng Minh, Quận Kiến An, Thành phố Hải Phòng",
        ),
        # without commas or a level word, after words that name nothing (a shop)
        (
            "massage hoang nhi hoa thuan dong quan hai chau thanh pho da nang",
            "Phường Hòa Thuận Đông, Quận Hải Châu, Thành phố Đà Nẵng",
        ),
        # after a hamlet and its number, or a hamlet's name (class 4 with class 6)
        ("Thôn 3 Sơn Hải, Quỳnh Lưu, Nghệ An", "Xã Sơn Hải, Huyện Quỳnh Lưu, Tỉnh Nghệ An"),
        ("Cổ Lũy Hải Ba, Hải Lăng, Quảng Trị", "Xã Hải Ba, Huyện Hải Lăng, Tỉnh Quảng Trị"),
    ],
)
def test_a_former_name_is_found_in_run_on_text_and_after_a_hamlet(reference_data, text, plain):
    assert_same_place(text, plain, AS_OF)
    assert "đã sáp nhập vào" in resolve_place(text, as_of=AS_OF).reason


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # "duongquang" and "trungxa" are former names too: a street's words and a level word
        # are never cut as one ("… đường Quang Trung Xã Tam Dương")
        (
            "Số 10/16 đường Quang Trung Xã Tam Dương, Tỉnh Phú Thọ",
            "Xã Tam Dương, Tỉnh Phú Thọ",
        ),
        (
            "Khu phố 7, Ấp 6, Số 29/7 đường Quang Trung Xã Sông Hinh, ,T.Đắk Lắk",
            "Xã Sông Hinh, Tỉnh Đắk Lắk",
        ),
    ],
)
def test_a_former_name_does_not_swallow_a_street_or_a_level_word(reference_data, text, plain):
    assert_same_place(text, plain, AS_OF)
