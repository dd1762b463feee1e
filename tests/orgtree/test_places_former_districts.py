"""Districts merged or renamed 2018–2025 (issue 21, class 6): a former district name reaches
the district of 4/1/2025 it went into, then the 2025 commune through the conversion table.

Expected codes come from the data files (former-districts-2018-2025.csv, the list of 4/1/2025
and the conversion table, read without the resolver)."""

from __future__ import annotations

import csv
from functools import cache

import pytest

from orgtree.places import resolve_place
from orgtree.refdata import DATA_DIR
from orgtree.text import clean

from .test_places_former_communes import _targets

AS_OF = "2026-08-01"


@cache
def _successor_district() -> dict[str, str]:
    """Former district name → successor district code of 4/1/2025."""
    with (DATA_DIR / "former-districts-2018-2025.csv").open(encoding="utf-8") as fh:
        return {r["name"]: r["successor_district_code"] for r in csv.DictReader(fh)}


@cache
def _legacy() -> dict[tuple[str, str], str]:
    """(district code, commune full name) → commune code in the list of 4/1/2025."""
    with (DATA_DIR / "legacy-wards-2025-01-04.csv").open(encoding="utf-8-sig") as fh:
        return {(r["Mã QH"], clean(r["Phường Xã"])): r["Mã PX"] for r in csv.DictReader(fh)}


def _expected(former_district: str, commune: str) -> tuple[str, str]:
    """The 2025 (province, commune) of a commune of the district a former one went into."""
    code = _legacy()[_successor_district()[former_district], commune]
    (target,) = _targets()[code]  # not split by the 2025 table
    return target


def _codes(text: str):
    r = resolve_place(text, as_of=AS_OF)
    return (r.province and r.province["code"], r.commune and r.commune["code"], r.needs_review)


@pytest.mark.parametrize(
    "text",
    [
        "xã Hải Bình, huyện Tĩnh Gia, Thanh Hóa",
        # a hamlet, then the commune glued to the former district without a level word
        "Liên Bình, Hải Bình Tĩnh Gia, Thanh Hóa",
        "Liên Bình, Hải Bình Tĩnh Gia",
    ],
)
def test_tinh_gia_reaches_the_commune_through_nghi_son(reference_data, text):
    # Huyện Tĩnh Gia became Thị xã Nghi Sơn (2020); "Tĩnh Gia" is also a ward of 2025
    # (Phường Tĩnh Gia), which must not win over the commune the text names
    expected = _expected("Huyện Tĩnh Gia", "Phường Hải Bình")
    assert _codes(text) == (*expected, False)
    reason = resolve_place(text, as_of=AS_OF).reason
    assert "Huyện Tĩnh Gia nay thuộc Thị xã Nghi Sơn" in reason and "933/NQ-UBTVQH14" in reason


@pytest.mark.parametrize(
    ("text", "former", "commune"),
    [
        # Nghệ An 2024: Thị xã Cửa Lò went into Thành phố Vinh
        ("Phường Nghi Hương, Thị xã Cửa Lò, Tỉnh Nghệ An", "Thị xã Cửa Lò", "Phường Nghi Hương"),
        # Thanh Hóa 2024: Huyện Đông Sơn went into Thành phố Thanh Hóa
        ("Xã Đông Hoàng, Huyện Đông Sơn, Thanh Hóa", "Huyện Đông Sơn", "Xã Đông Hoàng"),
        # Nam Định 2024: Huyện Mỹ Lộc went into Thành phố Nam Định
        ("Xã Mỹ Thắng, Huyện Mỹ Lộc, Tỉnh Nam Định", "Huyện Mỹ Lộc", "Xã Mỹ Thắng"),
        # Ninh Bình 2025: Thành phố Ninh Bình (also the province's name) went into Hoa Lư
        (
            "Phường Vân Giang, Thành phố Ninh Bình, Ninh Bình",
            "Thành phố Ninh Bình",
            "Phường Vân Giang",
        ),
        # Cao Bằng 2020: Huyện Thông Nông went into Huyện Hà Quảng
        ("Xã Cần Yên, Huyện Thông Nông, Tỉnh Cao Bằng", "Huyện Thông Nông", "Xã Cần Yên"),
        # Hòa Bình 2019: Huyện Kỳ Sơn went into Thành phố Hòa Bình, while Nghệ An still has a
        # Huyện Kỳ Sơn: the province named decides
        ("Xã Mông Hóa, Huyện Kỳ Sơn, Tỉnh Hòa Bình", "Huyện Kỳ Sơn", "Xã Mông Hóa"),
        ("Mông Hóa, Kỳ Sơn, Hòa Bình", "Huyện Kỳ Sơn", "Xã Mông Hóa"),
    ],
)
def test_a_former_district_reaches_the_new_commune(reference_data, text, former, commune):
    assert _codes(text) == (*_expected(former, commune), False)
    assert f"{former} nay thuộc" in resolve_place(text, as_of=AS_OF).reason


def test_a_former_commune_of_a_former_district_follows_both(reference_data):
    # Xã Lão Hộ (Huyện Yên Dũng) went into Phường Tân An, and Yên Dũng into Thành phố Bắc
    # Giang (2024): the former district leads to the district, the former name to the ward
    text = "Xã Lão Hộ, Huyện Yên Dũng, Tỉnh Bắc Giang"
    assert _codes(text) == (*_expected("Huyện Yên Dũng", "Phường Tân An"), False)
    reason = resolve_place(text, as_of=AS_OF).reason
    assert "Huyện Yên Dũng nay thuộc Thành phố Bắc Giang" in reason
    assert "Xã Lão Hộ đã sáp nhập vào Phường Tân An" in reason


def test_the_other_district_of_the_name_is_still_read(reference_data):
    # Nghệ An's Huyện Kỳ Sơn is a district of 4/1/2025: the former one of Hòa Bình is no reading
    r = resolve_place("Huyện Kỳ Sơn, Tỉnh Nghệ An", as_of=AS_OF)
    assert r.province["code"] == "40" and "nay thuộc" not in r.reason


@pytest.mark.parametrize(
    ("text", "commune"),
    [
        # "Tĩnh Gia" alone is the ward of 2025, not the former district
        ("Tĩnh Gia, Thanh Hóa", "16561"),
        # "Long Điền" is a commune (Thị trấn Long Điền, then Xã Long Điền of 2025) as well as a
        # former district (→ Long Đất): without a commune of that district it stays a commune
        ("Long Điền, Bà Rịa - Vũng Tàu", None),
    ],
)
def test_a_former_district_name_alone_does_not_override_a_current_commune(
    reference_data, text, commune
):
    r = resolve_place(text, as_of=AS_OF)
    assert "nay thuộc" not in r.reason
    if commune is None:  # the commune Long Điền of 4/1/2025 through the table
        ((_province, commune),) = _targets()[_legacy()["753", "Thị trấn Long Điền"]]
    assert r.commune is not None and r.commune["code"] == commune


def test_a_former_district_name_that_is_a_commune_of_today_goes_to_review(reference_data):
    # "Đông Sơn, Thanh Hóa": the former Huyện Đông Sơn (now in Thành phố Thanh Hóa, no single
    # commune), the 2025 Phường Đông Sơn, and the Phường Đông Sơn of Bỉm Sơn of 4/1/2025
    r = resolve_place("Đông Sơn, Thanh Hóa", as_of=AS_OF)
    assert r.needs_review
    got = {c["commune"]["code"] for c in r.candidates if c.get("commune")}
    bim_son = _legacy()["381", "Phường Đông Sơn"]
    assert {"16378"} | {c for _p, c in _targets()[bim_son]} <= got
