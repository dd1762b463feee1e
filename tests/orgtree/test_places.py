"""The place-name resolver. Expected answers come from domain.md §4 (the province mergers),
from the raw data files read here with the csv module, or from public facts; never from the
resolver's own output."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orgtree.models import AdminUnit
from orgtree.places import resolve_place
from orgtree.refdata import DATA_DIR
from orgtree.text import fold

CURRENT = "gso-units-2026-07-25"
LEGACY = "gso-units-2025-01-04"
SEED = Path("/work/shared/seeds/canh-bao-tien-do-dong-bo-du-lieu-cbccvc.txt")
SEED_COPY = Path(__file__).parent / "data" / "seed-province-list.txt"

# domain.md §4: the 2025 merger of provinces (new ← old) and the unchanged ones.
MERGERS = {
    "Tuyên Quang": ["Tuyên Quang", "Hà Giang"],
    "Lào Cai": ["Lào Cai", "Yên Bái"],
    "Thái Nguyên": ["Thái Nguyên", "Bắc Kạn"],
    "Phú Thọ": ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Ninh", "Bắc Giang"],
    "Hưng Yên": ["Hưng Yên", "Thái Bình"],
    "Hải Phòng": ["Hải Phòng", "Hải Dương"],
    "Ninh Bình": ["Ninh Bình", "Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Trị", "Quảng Bình"],
    "Đà Nẵng": ["Đà Nẵng", "Quảng Nam"],
    "Quảng Ngãi": ["Quảng Ngãi", "Kon Tum"],
    "Gia Lai": ["Gia Lai", "Bình Định"],
    "Khánh Hòa": ["Khánh Hòa", "Ninh Thuận"],
    "Lâm Đồng": ["Lâm Đồng", "Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Đắk Lắk", "Phú Yên"],
    "Hồ Chí Minh": ["Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"],
    "Đồng Nai": ["Đồng Nai", "Bình Phước"],
    "Tây Ninh": ["Tây Ninh", "Long An"],
    "Cần Thơ": ["Cần Thơ", "Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Vĩnh Long", "Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Đồng Tháp", "Tiền Giang"],
    "Cà Mau": ["Cà Mau", "Bạc Liêu"],
    "An Giang": ["An Giang", "Kiên Giang"],
}
UNCHANGED = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Cao Bằng",
]  # fmt: skip
# The other names of the seed list, with where they are now (domain.md §4 and public facts):
# Hà Tây joined Hà Nội (2008); Thừa Thiên Huế is Thành phố Huế; Đà Lạt is a city of Lâm Đồng;
# Vũng Tàu a city of Bà Rịa – Vũng Tàu, now in TP Hồ Chí Minh.
OTHER_NAMES = {"Hà Tây": "Hà Nội", "Thừa Thiên Huế": "Huế", "Đà Lạt": "Lâm Đồng"}
OTHER_NAMES["Vũng Tàu"] = "Hồ Chí Minh"


def expected_new_province(old: str) -> str:
    key = fold(old)
    for new, olds in MERGERS.items():
        if key in {fold(o) for o in olds}:
            return new
    for name in UNCHANGED:
        if fold(name) == key:
            return name
    return OTHER_NAMES[old]


def seed_province_list() -> list[str]:
    text = (SEED if SEED.exists() else SEED_COPY).read_text(encoding="utf-8")
    return [line.strip().lstrip("•").strip() for line in text.splitlines() if "•" in line]


def current_province_name(code: str) -> str:
    return AdminUnit.objects.get(release__key=CURRENT, level="province", code=code).name


# ---------------------------------------------------------------------------------------------
# Acceptance: the province list at the top of the seed article
# ---------------------------------------------------------------------------------------------


def test_seed_list_is_the_one_from_the_article():
    """The list is shipped with the tests; on the project machine it must equal the article."""
    names = seed_province_list()
    copy = [
        ln.strip().lstrip("•").strip() for ln in SEED_COPY.read_text(encoding="utf-8").splitlines()
    ]
    assert names == copy
    assert len(names) == 65
    assert {"Hà Tây", "Đà Lạt", "Vũng Tàu", "Thừa Thiên Huế", "Hồ Chí Minh"} <= set(names)


@pytest.mark.parametrize("name", seed_province_list())
def test_every_seed_province_resolves_to_its_new_province(reference_data, name):
    result = resolve_place(name)
    assert result.province is not None, result.to_dict()
    assert current_province_name(result.province["code"]) == expected_new_province(name)
    assert not result.needs_review
    assert result.confidence >= 0.8
    assert result.release == CURRENT


# ---------------------------------------------------------------------------------------------
# Spellings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "province"),
    [
        (unicodedata.normalize("NFD", "Lâm Đồng"), "Lâm Đồng"),
        (unicodedata.normalize("NFD", "Tỉnh Khánh Hòa"), "Khánh Hòa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Hoà Bình", "Phú Thọ"),
        ("Lam Dong", "Lâm Đồng"),
        ("ha noi", "Hà Nội"),
        ("LÂM ĐỒNG", "Lâm Đồng"),
        ("HA TAY", "Hà Nội"),
        ("ÐẮK LẮK", "Đắk Lắk"),  # U+00D0, the Icelandic eth
        ("Ðà Nẵng", "Đà Nẵng"),
        ("  Tỉnh   Lâm  Đồng. ", "Lâm Đồng"),
        ('"Bắc Giang"', "Bắc Ninh"),
        ("Tỉnh Lâm Đồng", "Lâm Đồng"),
        ("T. Lâm Đồng", "Lâm Đồng"),
        ("Thành phố Đà Nẵng", "Đà Nẵng"),
        ("TP Đà Nẵng", "Đà Nẵng"),
        ("TP. Đà Nẵng", "Đà Nẵng"),
        ("Tp. Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("TP HCM", "Hồ Chí Minh"),
        ("TPHCM", "Hồ Chí Minh"),
        ("HCM", "Hồ Chí Minh"),
        ("Thành phố Huế", "Huế"),
        ("Tỉnh Thừa Thiên Huế", "Huế"),
        ("Thừa Thiên - Huế", "Huế"),
        ("Bà Rịa – Vũng Tàu", "Hồ Chí Minh"),
        ("Bà Rịa-Vũng Tàu", "Hồ Chí Minh"),
        ("BR-VT", "Hồ Chí Minh"),
        ("Daklak", "Đắk Lắk"),
        ("Đắc Lắc", "Đắk Lắk"),
        ("Sài Gòn", "Hồ Chí Minh"),
        ("Hà Bắc", "Bắc Ninh"),  # split in 1997 into Bắc Ninh and Bắc Giang, one province now
        # district-level names, and district prefixes
        ("H. Ba Vì", "Hà Nội"),
        ("Huyện Ba Vì", "Hà Nội"),
        ("Ba Vì", "Hà Nội"),
        ("TX Sơn Tây", "Hà Nội"),
        ("Thị xã Sơn Tây", "Hà Nội"),
        ("Q.1", "Hồ Chí Minh"),
        ("Q1", "Hồ Chí Minh"),
        ("Quận 1", "Hồ Chí Minh"),
        ("Quận 01", "Hồ Chí Minh"),
        ("TP Thủ Đức", "Hồ Chí Minh"),
        ("Đà Lạt", "Lâm Đồng"),
        ("Thành phố Đà Lạt", "Lâm Đồng"),
        ("Vũng Tàu", "Hồ Chí Minh"),
        ("Phan Thiết", "Lâm Đồng"),
        ("Huyện Hòa Bình", "Cà Mau"),  # the district of Bạc Liêu, not the city
        ("TP Hòa Bình", "Phú Thọ"),
        ("Hòa Bình, Bạc Liêu", "Cà Mau"),
    ],
)
def test_spellings_and_prefixes(reference_data, text, province):
    result = resolve_place(text)
    assert result.province is not None, result.to_dict()
    assert current_province_name(result.province["code"]) == province, result.to_dict()
    assert not result.needs_review, result.to_dict()


def test_nothing_recognisable(reference_data):
    for text in ("", "   ", "xyz qwerty", "12", "Quận"):
        result = resolve_place(text)
        assert result.province is None and result.commune is None
        assert result.confidence == 0.0 and result.needs_review


# ---------------------------------------------------------------------------------------------
# Communes: new addresses, old addresses through the conversion table
# ---------------------------------------------------------------------------------------------


def _raw_conversion() -> list[list[str]]:
    rows = list(csv.reader((DATA_DIR / "conversion-2025-07-01.csv").open(encoding="utf-8")))
    return [r for r in rows[2:] if r[1].strip() or r[2].strip()]


def _raw_legacy() -> list[dict[str, str]]:
    path = DATA_DIR / "legacy-wards-2025-01-04.csv"
    return [r for r in csv.DictReader(path.open(encoding="utf-8")) if r["Mã PX"]]


def test_new_address(reference_data):
    result = resolve_place("Phường Ba Đình, Thành phố Hà Nội")
    assert result.commune == {"code": "00004", "name": "Phường Ba Đình"}
    assert result.province["code"] == "01"
    assert result.confidence >= 0.9 and not result.needs_review


@pytest.mark.parametrize(
    "text",
    [
        "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
        "P. Bến Nghé, Q.1, TP.HCM",
        "phuong ben nghe, quan 1, tp hcm",
        "PHƯỜNG BẾN NGHÉ , QUẬN 1 , TP. HỒ CHÍ MINH",
    ],
)
def test_old_full_address_goes_through_the_conversion_table(reference_data, text):
    # conversion-2025-07-01.csv: Phường Bến Nghé (26740), Quận 1 → Phường Sài Gòn (26740)
    result = resolve_place(text)
    assert result.commune == {"code": "26740", "name": "Phường Sài Gòn"}, result.to_dict()
    assert result.province["code"] == "79"
    assert not result.needs_review


def test_number_named_wards(reference_data):
    rows = [r for r in _raw_conversion() if r[6].startswith("Quận 3 (770)")]
    ward_1 = [r for r in rows if r[3].strip() == "Phường 1"]
    assert len(ward_1) == 1
    expected = ward_1[0][2]
    for text in ("Phường 1, Quận 3, TP.HCM", "P.1, Q.3, TP HCM", "P1, Q3, HCM", "Phường 01, Q.3"):
        result = resolve_place(text)
        assert result.commune is not None and result.commune["code"] == expected, text


def test_district_decides_between_same_named_communes(reference_data):
    # legacy list: two "Xã Tân Minh" in Hà Nội, in Sóc Sơn (00406) and Thường Tín (10240)
    legacy = [r for r in _raw_legacy() if r["Mã TP"] == "01" and r["Phường Xã"] == "Xã Tân Minh"]
    assert {r["Mã QH"] for r in legacy} == {"016", "279"}
    targets = {r[4]: r[2] for r in _raw_conversion() if r[4] in {"00406", "10240"}}
    soc_son = resolve_place("Xã Tân Minh, Huyện Sóc Sơn, Thành phố Hà Nội")
    thuong_tin = resolve_place("Xã Tân Minh, H. Thường Tín, TP Hà Nội")
    assert soc_son.commune["code"] == targets["00406"]
    assert thuong_tin.commune["code"] == targets["10240"]
    assert targets["00406"] != targets["10240"]
    # without the district the name is ambiguous: candidates, no silent answer
    both = resolve_place("Xã Tân Minh, Hà Nội")
    assert both.commune is None and both.needs_review
    assert {targets["00406"], targets["10240"]} <= {
        c["commune"]["code"] for c in both.candidates if c["commune"]
    }


def test_split_commune_never_gets_a_silent_answer(reference_data):
    # Xã Kỳ Lợi (18796), Thị xã Kỳ Anh, Hà Tĩnh went to three new wards
    expected = {r[2] for r in _raw_conversion() if r[4] == "18796"}
    assert len(expected) == 3
    result = resolve_place("Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh")
    assert result.commune is None
    assert result.needs_review and result.confidence < 0.7
    assert {c["commune"]["code"] for c in result.candidates} == expected
    assert result.province["code"] == "42"
    assert all(c["reason"] for c in result.candidates)


def test_every_old_commune_address(reference_data):
    """Every old commune written as "Xã A, Huyện B, Tỉnh C" (legacy list) gets its new commune
    from the conversion table when it went to one, and candidates for a person when split."""
    # the table's new codes, as the current set spells them (one new commune, Xã Ba Chẽ, has
    # another code in the current set: matched here by its name inside its province)
    current = json.loads((DATA_DIR / "units-current-2026-07-25.json").read_text("utf-8"))
    current_codes = {w["Code"] for p in current for w in p["Wards"]}
    by_name = {(p["Code"], fold(w["Name"])): w["Code"] for p in current for w in p["Wards"]}

    def new_code(row: list[str]) -> str:
        code = row[2].strip()
        if code in current_codes:
            return code
        province = re.search(r"\((\d+)\)", row[0]).group(1)
        return by_name[province, fold(re.sub(r"^(Xã|Phường|Đặc khu) ", "", row[1].strip()))]

    targets: dict[str, set[str]] = defaultdict(set)
    for r in _raw_conversion():
        if r[4].strip():
            # one row of the table gives Xã Đặng Xá the code of Xã Cổ Bi (00553); the legacy
            # list has Đặng Xá as 00556, with the table's other Đặng Xá row
            code = "00556" if (r[3].strip(), r[4].strip()) == ("Xã Đặng Xá", "00553") else r[4]
            targets[code.strip()].add(new_code(r))
    legacy = _raw_legacy()
    names_in_district = defaultdict(int)
    for r in legacy:
        names_in_district[r["Mã QH"], fold(r["Phường Xã"])] += 1
    checked_single = checked_split = 0
    failures = []
    for r in legacy:
        code = r["Mã PX"]
        if code not in targets or names_in_district[r["Mã QH"], fold(r["Phường Xã"])] > 1:
            continue  # missing from the table, or a name shared inside one district
        text = f"{r['Phường Xã']}, {r['Quận Huyện']}, {r['Tỉnh Thành Phố']}"
        result = resolve_place(text)
        if len(targets[code]) == 1:
            checked_single += 1
            if result.commune is None or result.commune["code"] not in targets[code]:
                failures.append((text, targets[code], result.to_dict()))
        else:
            checked_split += 1
            got = {c["commune"]["code"] for c in result.candidates if c["commune"]}
            if result.commune is not None or not result.needs_review or got != targets[code]:
                failures.append((text, targets[code], result.to_dict()))
    assert checked_single > 9000 and checked_split > 400
    assert failures == []


def test_old_commune_missing_from_the_table_is_flagged(reference_data):
    # Xã Tân An (07693), Thành phố Bắc Giang: in the legacy list, not in the conversion table
    assert not any(r[4] == "07693" for r in _raw_conversion())
    result = resolve_place("Xã Tân An, Thành phố Bắc Giang, Tỉnh Bắc Giang")
    assert result.province is not None
    assert current_province_name(result.province["code"]) == "Bắc Ninh"
    assert result.commune is None and result.needs_review


def test_same_name_nationally_gives_candidates(reference_data):
    result = resolve_place("Xã Hòa Bình")
    assert result.commune is None and result.needs_review
    assert len({c["province"]["code"] for c in result.candidates}) >= 2
    districts = resolve_place("Châu Thành")  # a district name in several old provinces
    assert districts.province is None and districts.needs_review
    assert len(districts.candidates) >= 3


def test_old_province_split_historically_gives_candidates(reference_data):
    # Sông Bé became Bình Dương (now TP Hồ Chí Minh) and Bình Phước (now Đồng Nai) in 1997
    result = resolve_place("Sông Bé")
    assert result.province is None and result.needs_review
    names = {current_province_name(c["province"]["code"]) for c in result.candidates}
    assert names == {"Hồ Chí Minh", "Đồng Nai"}


# ---------------------------------------------------------------------------------------------
# as_of
# ---------------------------------------------------------------------------------------------


def test_as_of_before_the_reform_answers_in_the_old_set(reference_data):
    before = resolve_place("Bình Dương", as_of=date(2025, 6, 30))
    after = resolve_place("Bình Dương", as_of=date(2025, 7, 1))
    assert before.release == LEGACY and before.province == {
        "code": "74",
        "name": "Tỉnh Bình Dương",
    }
    assert after.release == CURRENT and after.province["code"] == "79"
    assert resolve_place("Đà Lạt", as_of="2025-03-01").province["code"] == "68"
    ha_tay = resolve_place("Hà Tây", as_of="2025-03-01")
    assert ha_tay.province == {"code": "01", "name": "Thành phố Hà Nội"}
    old = resolve_place("Phường Bến Nghé, Quận 1, TP.HCM", as_of="2025-03-01")
    assert old.commune == {"code": "26740", "name": "Phường Bến Nghé"}
    # a province code means a different province in the two sets: 44 was Quảng Bình
    assert resolve_place("Quảng Bình", as_of="2025-03-01").province["code"] == "44"
    assert resolve_place("Quảng Trị", as_of="2025-03-01").province["code"] == "45"
    assert resolve_place("Quảng Trị").province["code"] == "44"


def test_as_of_defaults_to_today_and_accepts_strings(reference_data):
    assert resolve_place("Hà Nội").as_of == timezone.localdate()
    assert resolve_place("Hà Nội").release == CURRENT
    with pytest.raises(ValueError, match="không hợp lệ"):
        resolve_place("Hà Nội", as_of="30/06/2025")


def test_to_dict_is_json(reference_data):
    data = json.loads(json.dumps(resolve_place("Xã Kỳ Lợi, TX Kỳ Anh, Hà Tĩnh").to_dict()))
    assert set(data) >= {"province", "commune", "confidence", "candidates", "needs_review"}
    assert isinstance(data["confidence"], float) and 0 <= data["confidence"] <= 1
    # a split commune: every successor is a candidate, with its district (None after 1/7/2025)
    assert data["needs_review"] and len(data["candidates"]) == 3
    assert all(set(c) == {"province", "district", "commune", "reason"} for c in data["candidates"])
    assert all(c["district"] is None for c in data["candidates"])


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def test_command_json(reference_data):
    out = io.StringIO()
    call_command("resolve_place", "Đà Lạt", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert current_province_name(data["province"]["code"]) == "Lâm Đồng"
    assert data["commune"] is None
    assert set(data) >= {"province", "commune", "confidence", "candidates"}


def test_command_as_of(reference_data):
    out = io.StringIO()
    call_command("resolve_place", "Bình Dương", "--as-of", "2025-05-01", "--json", stdout=out)
    assert json.loads(out.getvalue())["province"]["code"] == "74"
    with pytest.raises(CommandError, match="--as-of"):
        call_command("resolve_place", "Bình Dương", "--as-of", "hôm qua")


def test_command_stdin_one_json_object_per_line(reference_data):
    texts = ["Hà Tây", "TP.HCM", "Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "xyz"]
    out = io.StringIO()
    call_command(
        "resolve_place",
        "--stdin",
        "--json",
        input_stream=io.StringIO("\n".join(texts) + "\n"),
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    results = [json.loads(line) for line in lines]
    assert current_province_name(results[0]["province"]["code"]) == "Hà Nội"
    assert current_province_name(results[1]["province"]["code"]) == "Hồ Chí Minh"
    assert results[2]["needs_review"] and len(results[2]["candidates"]) == 3
    assert results[3]["province"] is None


def test_command_readable_line(reference_data):
    out = io.StringIO()
    call_command("resolve_place", "Vũng Tàu", stdout=out)
    assert re.search(r"Vũng Tàu.*Thành phố Hồ Chí Minh.*độ tin cậy", out.getvalue())
    out = io.StringIO()
    call_command("resolve_place", "Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", stdout=out)
    assert "CẦN NGƯỜI XEM XÉT" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("resolve_place")


# ---------------------------------------------------------------------------------------------
# The lookup page in the admin
# ---------------------------------------------------------------------------------------------


def test_lookup_page_is_on_the_admin_index(reference_data, admin_client):
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "/admin/orgtree/placelookup/" in page.content.decode()
    assert "Tra cứu địa danh" in page.content.decode()


def test_lookup_page_answers(reference_data, admin_client):
    page = admin_client.get("/admin/orgtree/placelookup/", {"text": "Đà Lạt"})
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        page.context["result"].province["code"] == page.context["result_dict"]["province"]["code"]
    )
    assert current_province_name(page.context["result"].province["code"]) == "Lâm Đồng"
    assert "Tỉnh Lâm Đồng" in html
    split = admin_client.get(
        "/admin/orgtree/placelookup/",
        {"text": "Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "as_of": "2025-08-01"},
    )
    html = split.content.decode()
    assert "Các khả năng (3)" in html and "Phường Vũng Áng" in html
    old = admin_client.get(
        "/admin/orgtree/placelookup/", {"text": "Bình Dương", "as_of": "2025-03-01"}
    )
    assert old.context["result"].province["code"] == "74"


def test_lookup_page_rejects_a_bad_date_and_anonymous_users(reference_data, admin_client, client):
    page = admin_client.get("/admin/orgtree/placelookup/", {"text": "Huế", "as_of": "hôm qua"})
    assert page.status_code == 200 and page.context["result"] is None
    assert page.context["form"].errors["as_of"]
    anonymous = client.get("/admin/orgtree/placelookup/", {"text": "Huế"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# ---------------------------------------------------------------------------------------------
# Defects of the conversion table, addresses without commas
# ---------------------------------------------------------------------------------------------


def test_row_with_another_communes_code_is_given_to_the_named_commune(reference_data):
    rows = [r for r in _raw_conversion() if r[4].strip() in {"00553", "00556"}]
    dang_xa_rows = {r[2] for r in rows if r[3].strip() == "Xã Đặng Xá"}
    co_bi_rows = {r[2] for r in rows if r[3].strip() == "Xã Cổ Bi"}
    assert len(dang_xa_rows) == 2 and len(co_bi_rows) == 3
    dang_xa = resolve_place("Xã Đặng Xá, Huyện Gia Lâm, Thành phố Hà Nội")
    assert dang_xa.commune is None and dang_xa.needs_review
    assert {c["commune"]["code"] for c in dang_xa.candidates} == dang_xa_rows
    co_bi = resolve_place("Xã Cổ Bi, Huyện Gia Lâm, Thành phố Hà Nội")
    assert {c["commune"]["code"] for c in co_bi.candidates} == co_bi_rows


def test_other_spellings_in_the_table_are_recognised(reference_data):
    # legacy list "Xã Quí Quân" (02431), conversion table "Xã Quý Quân" (same code)
    target = {r[2] for r in _raw_conversion() if r[4].strip() == "02431"}
    assert len(target) == 1
    for text in ("Xã Quý Quân, Huyện Yên Sơn, Tuyên Quang", "Xã Quí Quân, H. Yên Sơn"):
        result = resolve_place(text)
        assert result.commune is not None and {result.commune["code"]} == target, text


def test_codes_missing_on_one_side_are_matched_by_name(reference_data):
    # legacy: Phường 14, Quận Bình Thạnh = 26935; table: "Phường 14" of that district = 26929
    raw = [
        r for r in _raw_conversion() if r[6].startswith("Quận Bình Thạnh") and r[3] == "Phường 14"
    ]
    assert len(raw) == 1 and raw[0][4] == "26929"
    result = resolve_place("Phường 14, Quận Bình Thạnh, TP.HCM")
    assert result.commune["code"] == raw[0][2]
    # the new code of Xã Ba Chẽ differs between the table (06970) and the current set
    ba_che = AdminUnit.objects.get(release__key=CURRENT, level="commune", name="Ba Chẽ")
    assert ba_che.code != "06970"
    old = next(r for r in _raw_conversion() if r[2] == "06970" and "toàn bộ" in r[5].lower())
    result = resolve_place(f"{old[3].strip()}, {old[6].split(' (')[0]}, Quảng Ninh")
    assert result.commune == {"code": ba_che.code, "name": "Xã Ba Chẽ"}


@pytest.mark.parametrize(
    ("text", "old_code"),
    [
        ("xa dang xa huyen gia lam ha noi", "00556"),
        ("so 12 duong le loi thi tran that khe h trang dinh lang son", "06040"),
        ("PHƯỜNG BẾN NGHÉ QUẬN 1 TP HỒ CHÍ MINH", "26740"),
        ("X Quí Quân H Yên Sơn T Tuyên Quang", "02431"),
    ],
)
def test_addresses_without_commas(reference_data, text, old_code):
    expected = {r[2] for r in _raw_conversion() if r[4].strip() == old_code}
    if old_code == "00556":
        expected |= {r[2] for r in _raw_conversion() if r[3].strip() == "Xã Đặng Xá"}
    result = resolve_place(text)
    if len(expected) == 1:
        assert result.commune is not None and result.commune["code"] in expected, result.to_dict()
    else:
        assert result.commune is None and result.needs_review
        assert {c["commune"]["code"] for c in result.candidates} == expected


def test_as_of_before_every_release_uses_the_earliest_set(reference_data):
    result = resolve_place("Hà Tây", as_of=date(2005, 1, 1))
    assert result.release == LEGACY
    assert result.province == {"code": "01", "name": "Thành phố Hà Nội"}
    # in the old set the 1997 split of Sông Bé is two provinces: candidates
    song_be = resolve_place("Sông Bé", as_of=date(2005, 1, 1))
    assert song_be.province is None and song_be.needs_review
    assert {c["province"]["code"] for c in song_be.candidates} == {"70", "74"}


def test_indexes_follow_the_loaded_releases(reference_data):
    from orgtree.models import AdminUnitRelease
    from orgtree.places import get_catalogue

    before = get_catalogue()
    assert get_catalogue() is before  # built once, then reused
    historic = AdminUnitRelease.objects.get(key="historic-place-names-v1")
    historic.delete()  # inside the test transaction, rolled back afterwards
    try:
        rebuilt = get_catalogue()
        assert rebuilt is not before
        assert resolve_place("Hà Tây").province is None
    finally:
        from orgtree.places import invalidate_indexes

        invalidate_indexes()


def test_a_replaced_catalogue_is_freed_without_the_cycle_collector(reference_data):
    # the catalogue is frozen out of the collector's reach (gc.freeze): it must hold no
    # reference cycle, or a replaced one would never be freed
    import gc
    import weakref

    from orgtree.places import get_catalogue, invalidate_indexes

    invalidate_indexes()
    catalogue = get_catalogue()
    resolve_place("Xã Nga Thành, Huyện Nga Sơn, Tỉnh Thanh Hóa")  # decisions and parts too
    assert gc.get_freeze_count() > 0
    # the indexes may be compiled classes (orgtree/native.py), which take no weak reference:
    # held here, each must then be held by this list and the other held indexes alone (a
    # conversion names its source index), as the sentinel is by the list
    held = [*catalogue.units, *catalogue.conversions, object()]
    among = [sum(r is x for y in held for r in gc.get_referents(y)) for x in held]
    ref = weakref.ref(catalogue)
    del catalogue
    invalidate_indexes()
    gc.disable()  # freed by reference counting alone
    try:
        assert ref() is None
        counts = [sys.getrefcount(x) - n for x, n in zip(held, among, strict=True)]
        assert counts == [counts[-1]] * len(held)
    finally:
        gc.enable()


def test_diacritics_decide_between_names_that_fold_alike(reference_data):
    # Huyện Nga Sơn had both Xã Nga Thanh (16123) and Xã Nga Thành (16141)
    legacy = {r["Mã PX"]: r["Phường Xã"] for r in _raw_legacy() if r["Mã QH"] == "401"}
    assert legacy.get("16123") == "Xã Nga Thanh" and legacy.get("16141") == "Xã Nga Thành"
    rows = _raw_conversion()
    thanh = {r[2] for r in rows if r[4] == "16123"}
    thành = {r[2] for r in rows if r[4] == "16141"}
    assert len(thanh) == len(thành) == 1 and thanh != thành
    a = resolve_place("XÃ NGA THANH, H. NGA SƠN, TỈNH THANH HÓA")
    b = resolve_place("Xã Nga Thành, Huyện Nga Sơn, Tỉnh Thanh Hóa")
    assert a.commune is not None and {a.commune["code"]} == thanh
    assert b.commune is not None and {b.commune["code"]} == thành
    # without any diacritic in the text nobody can tell: candidates for a person
    c = resolve_place("xa nga thanh, huyen nga son, thanh hoa")
    assert c.commune is None and c.needs_review
    assert {x["commune"]["code"] for x in c.candidates} == thanh | thành


def test_commune_name_is_not_cut_at_a_city_name(reference_data):
    # "Xa Ba Vinh Huyen Ba To": Xã Ba Vinh (21490), not "Xã Ba" + the city of Vinh
    expected = {r[2] for r in _raw_conversion() if r[4] == "21490"}
    result = resolve_place("Xa Ba Vinh Huyen Ba To Tinh Quang Ngai")
    assert result.commune is not None and {result.commune["code"]} == expected


def test_remembered_decisions_are_per_call_copies_and_follow_the_data(reference_data):
    from orgtree.models import AdminUnitRelease
    from orgtree.places import get_catalogue, invalidate_indexes

    text = "Xã Nga Thành, Huyện Nga Sơn, Tỉnh Thanh Hóa"
    first = resolve_place(text, as_of=date(2026, 8, 1))
    assert len(get_catalogue().decisions) >= 1
    first.candidates.append({"mutated": True})
    first.province["name"] = "mutated"
    again = resolve_place(text, as_of=date(2026, 9, 1))  # same set in force: remembered
    assert again.as_of == date(2026, 9, 1)
    assert again.province is not None and again.province["name"] != "mutated"
    assert {"mutated": True} not in again.candidates
    assert again.to_dict() | {"as_of": None} == first.to_dict() | {
        "as_of": None,
        "province": again.province,
        "candidates": again.candidates,
    }
    # a decision remembered before the reference data change is not reused after it
    assert resolve_place("Hà Tây").province is not None
    AdminUnitRelease.objects.get(key="historic-place-names-v1").delete()  # rolled back
    try:
        assert resolve_place("Hà Tây").province is None
    finally:
        invalidate_indexes()


def _nga_thanh_rows() -> list[dict[str, str]]:
    # Huyện Nga Sơn (Thanh Hóa) had Xã Nga Thanh and Xã Nga Thành: without diacritics the text
    # fits both, so the answer goes to a person with both communes
    rows = [r for r in _raw_legacy() if r["Mã PX"] in ("16123", "16141")]
    assert len(rows) == 2 and {r["Mã QH"] for r in rows} == {"401"}
    return rows


def test_lookup_page_shows_the_reason_and_the_candidate_communes(reference_data, admin_client):
    rows = _nga_thanh_rows()
    page = admin_client.get(
        "/admin/orgtree/placelookup/",
        {"text": "xa nga thanh, huyen nga son, thanh hoa", "as_of": "2024-06-01"},
    )
    html = page.content.decode()
    result = page.context["result"]
    assert result.needs_review and result.commune is None and result.reason
    assert f"<td>{result.reason}</td>" in html
    assert page.context["candidate_districts"] is True
    assert "Cần người chọn: Các khả năng (2)" in html
    for row in rows:
        assert f"{row['Phường Xã']} ({row['Mã PX']})" in html
        assert f"{row['Quận Huyện']} ({row['Mã QH']})" in html
        assert f"{row['Tỉnh Thành Phố']} ({row['Mã TP']})" in html
    # the set in force today has no districts: no district column
    new = admin_client.get(
        "/admin/orgtree/placelookup/",
        {"text": "Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "as_of": "2025-08-01"},
    )
    assert new.context["candidate_districts"] is False
    assert "<th>Quận, huyện</th>" not in new.content.decode()


def test_api_place_answer_carries_the_reason_and_the_candidate_communes(reference_data):
    from orgtree.api.serializers import PlaceResolutionSerializer

    rows = _nga_thanh_rows()
    found = resolve_place("xa nga thanh, huyen nga son, thanh hoa", as_of=date(2024, 6, 1))
    data = PlaceResolutionSerializer(found.to_dict()).data  # what PlaceResolveView returns
    assert data["needs_review"] is True and data["commune"] is None and data["reason"]
    assert data["province"] == {"code": rows[0]["Mã TP"], "name": rows[0]["Tỉnh Thành Phố"]}
    got = {(c["commune"]["code"], c["commune"]["name"]) for c in data["candidates"]}
    assert got == {(r["Mã PX"], r["Phường Xã"]) for r in rows}
    assert all(c["reason"] and c["province"]["code"] == "38" for c in data["candidates"])
    # the resolver also names the district of each candidate in a set that has districts
    assert {c["district"]["code"] for c in found.candidates} == {"401"}
