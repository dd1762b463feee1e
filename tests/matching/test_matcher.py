"""The matcher's rules, pair by pair (no database: records built directly)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from profiles.matching import (
    MatchKind,
    PersonRecord,
    ProfileIndex,
    id_edit_kind,
    match_within_batch,
    normalise_id,
)

PARITY = {"1": 0, "2": 1}  # sex code → CCCD parity (male 0, female 1)


def person(**kw) -> PersonRecord:
    base = dict(
        personal_id="040085001234",
        old_id_number=None,
        full_name="Nguyễn Văn Hòa",
        date_of_birth=date(1985, 3, 14),
        sex="1",
        home_province="40",
    )
    base.update(kw)
    return PersonRecord(**base)


def existing(*records: PersonRecord) -> ProfileIndex:
    for n, rec in enumerate(records, start=1):
        rec.profile_id = rec.profile_id or n
        rec.ref = rec.profile_id
    return ProfileIndex(records, sex_parity=PARITY)


def test_exact_personal_id_is_certain():
    index = existing(person())
    result = index.match(person(full_name="NGUYEN VAN HOA"))
    assert result.kind == MatchKind.CERTAIN
    assert result.profile_id == 1
    assert result.rule == "pid"
    assert "Trùng số định danh cá nhân 040085001234" in result.reasons[0]


def test_exact_personal_id_with_a_wildly_different_name_is_uncertain():
    index = existing(person())
    result = index.match(person(full_name="Trần Thị Bích Ngọc"))
    assert result.kind == MatchKind.UNCERTAIN
    assert result.profile_id == 1


def test_exact_personal_id_with_typo_name_and_different_birth_date_is_uncertain():
    index = existing(person())
    result = index.match(person(full_name="Nguyen Van Hoan", date_of_birth=date(1986, 7, 1)))
    assert result.kind == MatchKind.UNCERTAIN


@pytest.mark.parametrize(
    ("incoming", "how"),
    [("040085001235", "substitution"), ("040085002134", "transposition")],
)
def test_id_one_edit_apart_with_same_name_and_birth_date_is_certain(incoming, how):
    assert id_edit_kind("040085001234", incoming) == how
    index = existing(person())
    result = index.match(person(personal_id=incoming, full_name="Nguyễn Văn Hoà"))
    assert result.kind == MatchKind.CERTAIN
    assert result.rule == "pid1"


def test_id_two_edits_apart_is_not_a_match_even_with_same_name_and_date():
    index = existing(person())
    result = index.match(person(personal_id="040085009934"))
    assert id_edit_kind("040085001234", "040085009934") is None
    assert result.kind == MatchKind.NONE


def test_id_one_edit_apart_but_other_name_is_not_a_match():
    index = existing(person())
    result = index.match(person(personal_id="040085001235", full_name="Lê Thị Lan"))
    assert result.kind == MatchKind.NONE


def test_id_one_edit_apart_with_swapped_birth_date_is_only_uncertain():
    swapped = person(
        personal_id="040085001235",
        full_name="Nguyễn Văn Hòa",
        date_of_birth=date(1985, 4, 3),
    )
    index = existing(person(date_of_birth=date(1985, 3, 4)))
    assert index.match(swapped).kind == MatchKind.UNCERTAIN


def test_old_nine_digit_id_equal_with_same_name_and_date_is_certain():
    index = existing(person(old_id_number="186123456"))
    result = index.match(person(personal_id=None, old_id_number="186123456"))
    assert result.kind == MatchKind.CERTAIN
    assert result.rule == "old"


def test_old_id_equal_but_typo_in_name_is_uncertain():
    index = existing(person(old_id_number="186123456"))
    result = index.match(
        person(personal_id=None, old_id_number="186123456", full_name="Nguyễn Văn Hoan")
    )
    assert result.kind == MatchKind.UNCERTAIN


def test_nine_digits_against_twelve_digits_is_judged_on_the_person():
    # the profile has only its 12-digit ID; the row only a 9-digit CMND
    index = existing(person())
    row = PersonRecord.from_row(
        {
            "personal_id": "186123456",
            "full_name": "Nguyen Van Hoa",
            "date_of_birth": "1985-03-14",
            "sex": "1",
            "hometown_province_code": "40",
        }
    )
    assert row.personal_id is None and row.old_id_number == "186123456"
    result = index.match(row)
    assert result.kind == MatchKind.CERTAIN  # all four agree, nobody else shares name+date
    assert "CCCD 12 số 040085001234" in result.reasons[0]


def test_nine_vs_twelve_when_the_cccd_contradicts_the_birth_year_is_uncertain():
    index = existing(person(personal_id="040090001234"))  # year digits 90, not 85
    row = person(personal_id=None, old_id_number="186123456")
    result = index.match(row)
    assert result.kind == MatchKind.UNCERTAIN


def test_no_id_all_four_agree_is_certain_only_when_alone():
    index = existing(person())
    assert index.match(person(personal_id=None)).kind == MatchKind.CERTAIN
    # a second profile with the same name and date of birth: common names are real doubles
    index = existing(person(), person(personal_id="040085007777", profile_id=2, home_province="25"))
    result = index.match(person(personal_id=None))
    assert result.kind == MatchKind.UNCERTAIN


def test_no_id_different_home_province_is_uncertain():
    index = existing(person())
    assert index.match(person(personal_id=None, home_province="25")).kind == MatchKind.UNCERTAIN


def test_no_id_different_sex_is_no_match():
    index = existing(person())
    assert index.match(person(personal_id=None, sex="2")).kind == MatchKind.NONE


def test_same_name_and_date_with_different_valid_ids_are_different_people():
    index = existing(person())
    assert index.match(person(personal_id="001085999999")).kind == MatchKind.NONE


def test_day_month_swap_alone_is_never_certain():
    index = existing(person(date_of_birth=date(1985, 3, 4)))
    result = index.match(person(personal_id=None, date_of_birth=date(1985, 4, 3)))
    assert result.kind == MatchKind.UNCERTAIN
    assert "đảo ngày và tháng" in result.reasons[0]


@pytest.mark.parametrize(
    "variant",
    [
        "Nguyen Van Hoa",  # no diacritics
        "NGUYỄN VĂN HOÀ",  # new tone style, upper case
        unicodedata.normalize("NFD", "Nguyễn Văn Hòa"),  # decomposed
        "  nguyễn   văn hòa ",  # spacing, lower case
    ],
)
def test_name_variants_fold_equal_and_stay_certain_without_id(variant):
    index = existing(person())
    result = index.match(person(personal_id=None, full_name=variant))
    assert result.kind == MatchKind.CERTAIN, result.reasons


def test_name_typo_is_found_but_uncertain():
    index = existing(person())
    result = index.match(person(personal_id=None, full_name="Nguyễn Văn Hoà Hòa"[:-4] + "Hoaf"))
    assert result.kind in (MatchKind.UNCERTAIN, MatchKind.NONE)
    result = index.match(person(personal_id=None, full_name="Nguyễn Vn Hòa"))
    assert result.kind == MatchKind.UNCERTAIN
    assert "gần giống" in result.reasons[0]


def test_same_letters_different_diacritics_are_not_certain():
    index = existing(person(full_name="Nguyễn Văn Hùng"))
    result = index.match(person(personal_id=None, full_name="Nguyễn Văn Hưng"))
    assert result.kind == MatchKind.UNCERTAIN


def test_year_only_birth_date_is_compatible_but_not_certain_without_id():
    index = existing(person())
    result = index.match(
        person(personal_id=None, date_of_birth=date(1985, 1, 1), birth_date_precision="year")
    )
    assert result.kind == MatchKind.UNCERTAIN


def test_within_batch_finds_the_same_person_in_two_files():
    rows = [
        person(personal_id="040085001234", source="Phú Thọ"),
        person(personal_id="025090004321", full_name="Lê Thị Lan", sex="2", source="Phú Thọ"),
        person(personal_id="040085001234", full_name="NGUYEN VAN HOA", source="Vĩnh Phúc"),
    ]
    pairs = match_within_batch(rows, PARITY)
    assert [(i, j, r.kind) for i, j, r in pairs] == [(0, 2, MatchKind.CERTAIN)]


def test_normalise_id():
    assert normalise_id(" 040 085-001234 ") == "040085001234"
    assert normalise_id(40085001234.0) == "040085001234"  # Excel ate the leading zero
    assert normalise_id("") is None


def test_agency_may_send_every_name_only_pair_to_review():
    index = ProfileIndex([person(profile_id=1, ref=1)], sex_parity=PARITY, certain_by_name=False)
    assert index.match(person(personal_id=None)).kind == MatchKind.UNCERTAIN
    assert index.match(person()).kind == MatchKind.CERTAIN  # the ID rules are unaffected


def test_index_for_a_subtree_reads_the_profiles(db, make_profile, tree):
    inside = make_profile(full_name="Trần Thị Hoa", sex="2", personal_id="040185001234")
    make_profile(unit=tree["H42"], full_name="Trần Thị Hoa", sex="2", personal_id="040185004321")
    index = ProfileIndex.for_unit(tree["H40"])
    assert len(index) == 1
    row = PersonRecord.from_row(
        {"full_name": "TRAN THI HOA", "date_of_birth": date(1985, 3, 14), "sex": "2",
         "hometown_province_code": "40"}
    )  # fmt: skip
    result = index.match(row)
    assert (result.kind, result.profile_id) == (MatchKind.CERTAIN, inside.pk)
