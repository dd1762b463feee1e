"""Loading the administrative-unit reference data: counts, idempotency, the conversion table's
messy notes, clean names, new releases beside old ones, and errors that name the row."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from orgtree.models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName
from orgtree.places import invalidate_indexes, resolve_place
from orgtree.refdata import DATA_DIR, ReferenceDataError, conversion_kind, load_reference_data

LEGACY = "gso-units-2025-01-04"
CURRENT = "gso-units-2026-07-25"
CONVERSION = "gso-conversion-2025-07-01"
HISTORIC = "historic-place-names-v1"
Kind = AdminUnitConversion.Kind


def _units(key: str, level: str):
    return AdminUnit.objects.filter(release__key=key, level=level)


def test_releases_have_their_effective_dates(reference_data):
    legacy = AdminUnitRelease.objects.get(key=LEGACY)
    current = AdminUnitRelease.objects.get(key=CURRENT)
    conversion = AdminUnitRelease.objects.get(key=CONVERSION)
    assert (legacy.effective_from, legacy.effective_to) == (date(2025, 1, 4), date(2025, 7, 1))
    assert (current.effective_from, current.effective_to) == (date(2025, 7, 1), None)
    assert current.snapshot_date == date(2026, 7, 25)
    assert conversion.effective_from == date(2025, 7, 1)
    assert legacy.is_in_force(date(2025, 6, 30)) and not legacy.is_in_force(date(2025, 7, 1))
    assert current.is_in_force(date(2025, 7, 1))
    assert AdminUnitRelease.objects.get(key=HISTORIC).kind == AdminUnitRelease.Kind.HISTORIC
    for release in AdminUnitRelease.objects.all():
        assert len(release.sha256) == 64 and release.row_count > 0


def test_pre_reform_set_counts(reference_data):
    assert _units(LEGACY, "province").count() == 63
    assert _units(LEGACY, "district").count() == 696
    # the GSO export: 10,051 communes (domain.md: "~10,050")
    assert _units(LEGACY, "commune").count() == 10051
    raw = list(csv.DictReader((DATA_DIR / "legacy-wards-2025-01-04.csv").open(encoding="utf-8")))
    assert _units(LEGACY, "commune").count() == len({r["Mã PX"] for r in raw if r["Mã PX"]})


def test_current_set_counts_and_unit_types(reference_data):
    assert _units(CURRENT, "province").count() == 34
    assert _units(CURRENT, "commune").count() == 3321
    assert not _units(CURRENT, "district").exists()
    raw = json.loads((DATA_DIR / "units-current-2026-07-25.json").read_text(encoding="utf-8"))
    expected = Counter(w["AdministrativeUnitShortName"] for p in raw for w in p["Wards"])
    stored = Counter(_units(CURRENT, "commune").values_list("unit_type", flat=True))
    assert stored == expected
    assert stored["Đặc khu"] == 13
    assert _units(CURRENT, "province").get(code="75").full_name == "Thành phố Đồng Nai"


def test_conversion_rows_loaded_without_banners_or_headers(reference_data):
    rows = AdminUnitConversion.objects.filter(release__key=CONVERSION)
    assert rows.count() == 10571
    # banner rows ("THÀNH PHỐ HÀ NỘI") and the two header rows are not data
    assert not rows.filter(new_commune_code="").exists()
    assert not rows.filter(new_province_name__startswith="THÀNH PHỐ").exists()
    assert rows.values("new_commune_code").distinct().count() == 3321
    assert not rows.filter(kind=Kind.UNSPECIFIED).exists()


def test_loading_twice_changes_nothing(reference_data):
    before = {
        "releases": list(AdminUnitRelease.objects.order_by("pk").values_list("pk", "sha256")),
        "units": AdminUnit.objects.count(),
        "conversions": AdminUnitConversion.objects.count(),
        "historic": HistoricPlaceName.objects.count(),
    }
    results = load_reference_data()
    assert [r.created for r in results] == [False] * 8
    after = {
        "releases": list(AdminUnitRelease.objects.order_by("pk").values_list("pk", "sha256")),
        "units": AdminUnit.objects.count(),
        "conversions": AdminUnitConversion.objects.count(),
        "historic": HistoricPlaceName.objects.count(),
    }
    assert after == before
    # no code appears twice in one release and level
    dupes = Counter(AdminUnit.objects.values_list("release_id", "level", "code"))
    assert max(dupes.values()) == 1


def test_command_prints_counts(reference_data, capsys):
    call_command("load_adminunits")
    out = capsys.readouterr().out
    assert "63 tỉnh, 696 huyện, 10051 xã" in out
    assert "34 tỉnh, 3321 xã" in out
    assert "10571 dòng chuyển đổi" in out
    assert "0 phiên bản mới, 8 đã có" in out


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("Nhập toàn bộ", Kind.MERGED_WHOLE),
        ("Nhập toàn bộ diện tích", Kind.MERGED_WHOLE),
        ("Nhập một phần", Kind.MERGED_PART),
        ("Nhập một phần\n", Kind.MERGED_PART),
        ("Nhập một  phần", Kind.MERGED_PART),
        ("Nhập một phần diện tích", Kind.MERGED_PART),
        ("Nhập một phần  diện tích", Kind.MERGED_PART),
        ("Nhâp một phần diện tích", Kind.MERGED_PART),
        ("Nhập một phần dân số", Kind.MERGED_PART),
        ("Nhập một phần diện tích, toàn bộ dân số", Kind.MERGED_PART),
        ("Giữ nguyên ", Kind.UNCHANGED),
        ("Đổi tên", Kind.RENAMED),
        ("Đổi tên từ một phần Phường 15", Kind.RENAMED),
        ("Đổi loại hình", Kind.TYPE_CHANGED),
        ("Sắp xếp toàn bộ huyện Côn Đảo thành đặc khu Côn Đảo", Kind.REORGANISED),
        ("Sắp xếp toàn bộ xã Thổ Châu thành đặc khu Thổ Châu", Kind.REORGANISED),
        ("Phần còn lại sau khi tách một phần vào xã Canh Vinh", Kind.REMAINDER),
        ("", Kind.UNSPECIFIED),
        ("ghi chú không rõ", Kind.UNSPECIFIED),
    ],
)
def test_conversion_note_normalised(note, kind):
    assert conversion_kind(note) == kind


def test_conversion_kinds_of_known_rows(reference_data):
    rows = AdminUnitConversion.objects.filter(release__key=CONVERSION)

    def kinds(**filters):
        return set(rows.filter(**filters).values_list("kind", flat=True))

    # Xã Kỳ Lợi (Hà Tĩnh) went to three new wards: part of its people to two, its land to one
    assert kinds(old_commune_code="18796") == {Kind.MERGED_PART, Kind.MERGED_WHOLE}
    assert kinds(old_commune_code="11041") == {Kind.MERGED_PART}  # "Nhâp một phần diện tích"
    assert kinds(old_commune_code="14503") == {Kind.MERGED_PART}  # "Nhập một  phần"
    assert kinds(old_commune_code="14845") == {Kind.TYPE_CHANGED}  # Thị trấn Mường Lát
    # Xã Canh Liên: its remainder kept the code, a part went to Xã Canh Vinh
    assert kinds(old_commune_code="21997", new_commune_code="21997") == {Kind.REMAINDER}
    assert Kind.MERGED_PART in kinds(old_commune_code="21997")
    assert kinds(old_commune_code="24235") == {Kind.RENAMED}  # Krông Na → Buôn Đôn
    assert kinds(new_commune_code="26732") == {Kind.REORGANISED}  # Đặc khu Côn Đảo
    # the island districts without communes have no old commune code
    con_dao = rows.get(new_commune_code="26732")
    assert con_dao.old_commune_code == "" and con_dao.old_district_code == "755"
    raw_unchanged = sum(
        1
        for r in csv.reader((DATA_DIR / "conversion-2025-07-01.csv").open(encoding="utf-8"))
        if len(r) > 5 and r[5].strip() == "Giữ nguyên"
    )
    assert rows.filter(kind=Kind.UNCHANGED).count() == raw_unchanged


def test_names_are_stored_clean(reference_data):
    # one tone style ("Hoà" in the current set's file), no doubled spaces, capitalised types
    new_style = re.compile(r"(?<![qQ])(o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)")
    names = AdminUnit.objects.values_list("name", flat=True)
    assert [n for n in names if new_style.search(n)] == []
    assert AdminUnit.objects.filter(name__endswith="Hòa").count() > 10
    assert not AdminUnit.objects.filter(name__contains="  ").exists()
    assert _units(CURRENT, "province").get(code="38").name == "Thanh Hóa"
    assert _units(CURRENT, "province").get(code="56").full_name == "Tỉnh Khánh Hòa"
    assert _units(CURRENT, "commune").get(code="06325").full_name == "Xã Bắc Sơn"
    assert _units(LEGACY, "district").get(code="859").full_name == "Huyện Vũng Liêm"
    assert _units(LEGACY, "province").get(code="17").name == "Hòa Bình"
    vinh_hai = AdminUnitConversion.objects.get(old_commune_code="22330")
    assert vinh_hai.old_commune_name == "Phường Vĩnh Hải"
    ky_anh = AdminUnitConversion.objects.filter(old_district_code="449").first()
    assert ky_anh.old_district_name == "Thị xã Kỳ Anh"
    for unit in _units(LEGACY, "commune").filter(province_code="01")[:50]:
        assert unit.folded_name and unit.folded_name == unit.folded_name.lower()


def test_historic_names_are_data_with_date_and_legal_basis(reference_data):
    ha_tay = HistoricPlaceName.objects.get(name="Hà Tây")
    assert ha_tay.valid_until == date(2008, 8, 1)
    assert "15/2008/QH12" in ha_tay.legal_basis
    assert (ha_tay.successor_release_key, ha_tay.successor_province_code) == (LEGACY, "01")
    hue = HistoricPlaceName.objects.get(name="Thừa Thiên Huế")
    assert hue.valid_until == date(2025, 1, 1) and "1314/NQ-UBTVQH15" in hue.legal_basis
    variants = HistoricPlaceName.objects.filter(kind=HistoricPlaceName.Kind.VARIANT)
    assert {"Bà Rịa – Vũng Tàu", "BR-VT"} <= set(variants.values_list("name", flat=True))


# ---------------------------------------------------------------------------------------------
# New releases, changed files, malformed files
# ---------------------------------------------------------------------------------------------


def _data_copy(tmp_path: Path, entries: list[dict]) -> Path:
    for name in ("legacy-wards-2025-01-04.csv", "units-current-2026-07-25.json"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    shutil.copy(DATA_DIR / "conversion-2025-07-01.csv", tmp_path / "conversion-2025-07-01.csv")
    for name in (
        "historic-place-names.csv",
        "historic-provinces-1976-2021.csv",
        "former-communes-2019-2024.csv",
        "former-communes-2019-2024-2.csv",
        "former-districts-2018-2025.csv",
    ):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    manifest = json.loads((DATA_DIR / "releases.json").read_text(encoding="utf-8"))
    (tmp_path / "releases.json").write_text(json.dumps(manifest + entries), encoding="utf-8")
    return tmp_path


@pytest.fixture
def fresh_indexes():
    invalidate_indexes()
    yield
    invalidate_indexes()  # the test's rows are rolled back; do not keep indexes built on them


def test_new_release_gets_new_key_and_old_stays_queryable(reference_data, tmp_path, fresh_indexes):
    units = [
        {
            "Code": "01",
            "Name": "Hà Nội",
            "FullName": "Thành phố Hà Nội",
            "AdministrativeUnitShortName": "Thành phố",
            "Wards": [
                {"Code": "00004", "Name": "Ba Đình", "AdministrativeUnitShortName": "Phường"},
                {"Code": "99991", "Name": "Thử Nghiệm", "AdministrativeUnitShortName": "Phường"},
            ],
        }
    ]
    (tmp_path / "units-2027.json").write_text(json.dumps(units), encoding="utf-8")
    entry = {
        "key": "test-units-2027-01-01",
        "kind": "units",
        "format": "thanglequoc-json",
        "file": "units-2027.json",
        "title": "Thử",
        "effective_from": "2027-01-01",
    }
    results = load_reference_data(_data_copy(tmp_path, [entry]))
    assert [r.created for r in results] == [False] * 8 + [True]
    assert AdminUnitRelease.objects.filter(kind="units").count() == 3
    assert _units(CURRENT, "commune").count() == 3321  # the old release is untouched
    assert resolve_place("Phường Thử Nghiệm, Hà Nội", as_of="2027-02-01").commune == {
        "code": "99991",
        "name": "Phường Thử Nghiệm",
    }
    assert resolve_place("Phường Thử Nghiệm, Hà Nội", as_of="2026-02-01").commune is None


def test_changed_file_under_same_key_is_refused(reference_data, tmp_path):
    directory = _data_copy(tmp_path, [])
    path = directory / "historic-place-names.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + f"Tên Thử,historic,province,{LEGACY},01,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"historic-place-names-v1.*sha256"):
        load_reference_data(directory)
    assert not HistoricPlaceName.objects.filter(name="Tên Thử").exists()


def test_malformed_conversion_row_names_file_and_row_and_writes_nothing(reference_data, tmp_path):
    rows = (DATA_DIR / "conversion-2025-07-01.csv").read_text(encoding="utf-8").splitlines()
    good = rows[3]  # first data row after the two headers and the first banner
    bad = good.replace("(01)", "(xx)", 1)
    (tmp_path / "conv.csv").write_text("\n".join([*rows[:3], good, bad]) + "\n", encoding="utf-8")
    manifest = [
        {
            "key": "test-conversion-bad",
            "kind": "conversion",
            "format": "gso-conversion-csv",
            "file": "conv.csv",
            "effective_from": "2030-01-01",
        }
    ]
    (tmp_path / "releases.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"conv\.csv, dòng 5, cột “Tỉnh, thành phố”"):
        load_reference_data(tmp_path)
    assert not AdminUnitRelease.objects.filter(key="test-conversion-bad").exists()
    assert AdminUnitConversion.objects.count() == 10571


def test_manifest_errors_are_clear(tmp_path):
    (tmp_path / "releases.json").write_text(
        json.dumps([{"key": "x", "format": "nope", "file": "x"}]), encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError, match="định dạng “nope”"):
        load_reference_data(tmp_path)
    with pytest.raises(ReferenceDataError, match="Không thấy"):
        load_reference_data(tmp_path / "missing")


# ---------------------------------------------------------------------------------------------
# Read-only admin
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["adminunitrelease", "adminunit", "adminunitconversion", "historicplacename"]
)
def test_reference_admin_lists_and_is_read_only(reference_data, admin_client, model):
    listing = admin_client.get(f"/admin/orgtree/{model}/")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/orgtree/{model}/add/").status_code == 403
    ct_model = {
        "adminunitrelease": AdminUnitRelease,
        "adminunit": AdminUnit,
        "adminunitconversion": AdminUnitConversion,
        "historicplacename": HistoricPlaceName,
    }[model]
    pk = ct_model.objects.order_by("pk").first().pk
    assert admin_client.get(f"/admin/orgtree/{model}/{pk}/change/").status_code == 200
    assert (
        admin_client.post(f"/admin/orgtree/{model}/{pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert ct_model.objects.filter(pk=pk).exists()


def test_admin_search_ignores_diacritics(reference_data, admin_client):
    page = admin_client.get("/admin/orgtree/adminunit/", {"q": "ky loi"})
    codes = {u.code for u in page.context["cl"].result_list}
    assert "18796" in codes
    conversions = admin_client.get("/admin/orgtree/adminunitconversion/", {"q": "Kỳ Lợi"})
    assert {r.old_commune_code for r in conversions.context["cl"].result_list} >= {"18796"}
    by_code = admin_client.get("/admin/orgtree/adminunitconversion/", {"q": "18796"})
    assert len(by_code.context["cl"].result_list) == 3


def test_former_communes_load_with_their_successor(reference_data):
    from orgtree.places.index import FORMER_COMMUNE_NOTE

    rows = HistoricPlaceName.objects.filter(release__key="former-communes-2019-2024")
    assert rows.count() == 472 and set(rows.values_list("level", flat=True)) == {"commune"}
    p10 = rows.get(successor_district_code="770", name="Phường 10")  # Quận 3, HCMC
    found = FORMER_COMMUNE_NOTE.search(p10.note)
    assert found and found.group(1) == "27142"  # Phường 9 of Quận 3 in the 4/1/2025 list


def test_a_former_commune_whose_successor_is_elsewhere_is_refused(reference_data, tmp_path):
    from orgtree.refdata import ReferenceDataError, read_former_communes_csv

    bad = tmp_path / "former.csv"
    bad.write_text(
        "province_code,district_code,former_type,former_key,successor_commune_code,"
        "successor_name,also_current,source\n"
        "79,770,Phường,10,00001,Phường Phúc Xá,,https://example.org\n",
        encoding="utf-8",
    )
    where = r"former.csv, dòng 2, cột “successor_commune_code”"
    with pytest.raises(ReferenceDataError, match=where):
        read_former_communes_csv(AdminUnitRelease(key="t"), bad)


def test_the_second_part_of_the_former_communes_loads_beside_the_first(reference_data):
    # the rest of the source file (Thái Bình … Yên Bái) is a release of its own: the first
    # release's file is unchanged, and no former name of a district is in both
    first = HistoricPlaceName.objects.filter(release__key="former-communes-2019-2024")
    second = HistoricPlaceName.objects.filter(release__key="former-communes-2019-2024-2")
    assert first.count() == 472 and second.count() == 343
    names = set(first.values_list("successor_district_code", "name"))
    assert not names & set(second.values_list("successor_district_code", "name"))
    provinces = set(second.values_list("successor_province_code", flat=True))
    # Nghệ An, Vĩnh Phúc, Ninh Bình, Bắc Giang, Quảng Trị: none were in the first part
    assert {"40", "26", "37", "24", "45"} <= provinces
    assert not {"40", "26", "37", "24", "45"} & set(
        first.values_list("successor_province_code", flat=True)
    )


def test_former_districts_load_with_their_successor_and_basis(reference_data):
    rows = HistoricPlaceName.objects.filter(release__key="former-districts-2018-2025")
    assert rows.count() == 21 and set(rows.values_list("level", flat=True)) == {"district"}
    tinh_gia = rows.get(name="Huyện Tĩnh Gia")
    assert (tinh_gia.successor_province_code, tinh_gia.successor_district_code) == ("38", "407")
    assert tinh_gia.valid_until == date(2020, 6, 1) and "933/NQ-UBTVQH14" in tinh_gia.legal_basis
    successor = AdminUnit.objects.get(release__key=LEGACY, level="district", code="407")
    assert successor.full_name == "Thị xã Nghi Sơn"
    # every row names a resolution or, where its number was not confirmed, the page relied on
    for row in rows:
        assert "/NQ-UBTVQH" in row.legal_basis or "Nguồn: " in row.legal_basis, row.name


def test_a_former_district_whose_successor_is_not_in_the_release_is_refused(
    reference_data, tmp_path
):
    from orgtree.refdata import read_historic_csv

    bad = tmp_path / "districts.csv"
    bad.write_text(
        "name,kind,level,successor_release_key,successor_province_code,"
        "successor_district_code,valid_until,legal_basis,note\n"
        # 412 is Thành phố Vinh, in Nghệ An (40), not in Thanh Hóa (38)
        f"Huyện Thử,historic,district,{LEGACY},38,412,,Nghị quyết thử,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"districts.csv: “Huyện Thử” trỏ tới huyện “412”"):
        read_historic_csv(AdminUnitRelease(key="t"), bad)
