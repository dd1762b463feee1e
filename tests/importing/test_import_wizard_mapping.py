# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The wizard's mapping step and preview (issue 20, items 4 and 5): the report groups unknown
coded values by distinct value with their counts; the officer's choices are saved into a mapping
of their scope (history with the user) and the preview is computed again with it; the preview
shows the stored value beside the original, filters and pages on the server."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from orgtree.models import Role
from profiles.models import Profile
from transfer import results, wizard
from transfer.models import ImportedSourceData, ImportJob, ImportMapping
from transfer.report import ImportError_

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    make_user,
    other_hr,
    person_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

HEADERS = [*PROFILE_HEADERS, "Chức vụ", "Điện thoại liên lạc"]


def _row(n: int, ethnicity: str = "Kinh", position: str = "Trưởng phòng", **over):
    return [*person_row(n, **{"Dân tộc": ethnicity, **over}), position, f"09120000{n:02d}"]


def _messy(tmp_path, n: int = 6):
    """Two unknown ethnicity spellings ("Mán" 3 rows, "Kinhh" 1), one unknown position (2 rows),
    an unknown column ("Điện thoại liên lạc"), and a row with an impossible date and no ID."""
    rows = [HEADERS]
    for i in range(1, n + 1):
        ethnicity = "Mán" if i <= 3 else ("Kinhh" if i == 4 else "Kinh")
        position = "Trưởng phòng Nội vụ huyện" if i in (5, 6) else "Trưởng phòng"
        rows.append(_row(i, ethnicity, position))
    bad = person_row(99, **{"Ngày sinh": "31/02/1980", "Số định danh cá nhân": None})
    rows.append([*bad, "", ""])
    return write_xlsx(tmp_path / "tinh_cu.xlsx", {"DS": rows})


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _start(client, unit, path) -> ImportJob:
    with path.open("rb") as fh:
        response = client.post(
            reverse("admin:transfer_importjob_add"), {"files": [fh], "unit": unit.pk}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("id")


def test_report_groups_unknown_values_with_counts(tmp_path, agency, hr):
    job = _start(_client(hr), agency["home"], _messy(tmp_path))
    groups = {
        (u["kind"], v["value"]): v["count"]
        for f in job.report["files"]
        for u in f["unknown_values"]
        for v in u["values"]
    }
    assert groups == {
        ("ethnicity", "Mán"): 3,
        ("ethnicity", "Kinhh"): 1,
        ("position", "Trưởng phòng Nội vụ huyện"): 2,
    }
    columns, values = wizard.unknowns(job.report)
    assert [(c.table, c.header) for c in columns] == [("profile", "Điện thoại liên lạc")]
    # the best guess for the column comes first: the phone field
    assert columns[0].suggestions and columns[0].suggestions[0].value == "phone"
    by_value = {v.value: v for v in values}
    assert by_value["Mán"].count == 3 and by_value["Kinhh"].count == 1
    # "Kinhh" is one letter from "Kinh": its code is the first suggestion
    assert by_value["Kinhh"].suggestions[0].value == "01"
    assert by_value["Trưởng phòng Nội vụ huyện"].suggestions[0].value == "TP"


def test_save_choices_in_the_wizard_recomputes_the_preview(tmp_path, agency, hr):
    client = _client(hr)
    job = _start(client, agency["home"], _messy(tmp_path))
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    page = client.get(url).content.decode()
    assert "Mán</strong> — 3 dòng" in page and "Kinhh</strong> — 1 dòng" in page
    form = {"save_mapping": "1", "target_mapping": "", "mapping_name": "Phần mềm tỉnh cũ"}
    columns, values = wizard.unknowns(job.report)
    for i, c in enumerate(columns):
        form[f"col-key-{i}"] = c.key
        form[f"col-{i}"] = "phone"
    chosen = {"Mán": "09", "Kinhh": "01", "Trưởng phòng Nội vụ huyện": "TP"}
    for i, v in enumerate(values):
        form[f"val-key-{i}"] = v.key
        form[f"val-{i}"] = chosen[v.value]
    response = client.post(url, form)
    assert response.status_code == 302
    mapping = ImportMapping.objects.get(name="Phần mềm tỉnh cũ")
    assert mapping.unit == agency["home"]
    assert mapping.column_overrides == {"profile": {"Điện thoại liên lạc": "phone"}}
    assert mapping.value_mappings == {
        "ethnicity": {"Mán": "09", "Kinhh": "01"},
        "position": {"Trưởng phòng Nội vụ huyện": "TP"},
    }
    last = mapping.history.latest()
    assert last.history_user_id == hr.pk and f"#{job.pk}" in last.history_change_reason
    job.refresh_from_db()
    assert job.mapping == mapping and job.status == ImportJob.Status.PLANNED
    assert all(not f["unknown_values"] for f in job.report["files"])
    assert all(
        "Điện thoại liên lạc" not in s["unknown_columns"]
        for f in job.report["files"]
        for s in f["sheets"]
    )
    # the preview shows the effect: "Mán" is stored as Dao, the phone as the phone
    page = client.get(url + "?loc=create").content.decode()
    assert "Mán → <ins>Dao [09]</ins>" in page
    # confirm: the people carry the mapped codes; the row without an ID is held
    client.post(url, {"confirm": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    people = {p.full_name: p for p in Profile.objects.all()}
    assert len(people) == 6
    assert people["Nguyễn Thị Người1"].ethnicity == "09"
    assert people["Nguyễn Văn Người4"].ethnicity == "01"
    assert people["Nguyễn Thị Người5"].phone == "0912000005"
    assert not ImportedSourceData.objects.filter(data__has_key="extra").exists()
    page = client.get(url).content.decode()
    held = re.search(
        r'id="import-held-link" href="([^"]+)"|href="([^"]+)" id="import-held-link"', page
    )
    assert held, page[:3000]
    held_page = client.get((held.group(1) or held.group(2)).replace("&amp;", "&")).content.decode()
    assert "Nguyễn Văn Người99" in held_page or "Người99" in held_page


def test_next_upload_with_the_mapping_applies_it(tmp_path, agency, hr):
    mapping = ImportMapping.objects.create(
        name="Nguồn A", unit=agency["root"], value_mappings={"ethnicity": {"Mán": "09"}}
    )
    client = _client(hr)
    with _messy(tmp_path).open("rb") as fh:
        client.post(
            reverse("admin:transfer_importjob_add"),
            {"files": [fh], "unit": agency["home"].pk, "mapping": mapping.pk},
        )
    job = ImportJob.objects.latest("id")
    _, values = wizard.unknowns(job.report, job.mapping)
    by_value = {v.value: v for v in values}
    assert by_value["Mán"].count is None and by_value["Mán"].current == "09"  # mapped before
    assert by_value["Kinhh"].count == 1 and by_value["Kinhh"].current == ""


def test_skip_a_column_and_keep_a_value_as_written(tmp_path, agency, hr):
    job = _start(_client(hr), agency["home"], _messy(tmp_path))
    mapping = wizard.save_choices(
        hr,
        job,
        name="Bỏ cột",
        columns={("profile", "Điện thoại liên lạc"): wizard.SKIP},
        values={("ethnicity", "Mán"): wizard.AS_WRITTEN},
    )
    assert mapping.skipped_columns == {"profile": ["Điện thoại liên lạc"]}
    assert mapping.value_mappings == {}
    from transfer import jobs

    jobs.rerun_preview(hr, job, mapping)
    job.refresh_from_db()
    kept = [r["kept"] for r in results.rows_of(job) if r["table"] == "profile"]
    assert kept and all("extra" not in k for k in kept)
    # back to "keep as source data": the column is kept again
    mapping = wizard.save_choices(
        hr, job, mapping=mapping, columns={("profile", "Điện thoại liên lạc"): wizard.KEEP}
    )
    assert mapping.skipped_columns == {} and mapping.column_overrides == {}
    assert mapping.history.count() == 2


def test_bad_choices_are_refused_naming_them(tmp_path, agency, hr):
    job = _start(_client(hr), agency["home"], _messy(tmp_path))
    with pytest.raises(ImportError_, match=r"Điện thoại liên lạc.*no_such_field"):
        wizard.save_choices(hr, job, columns={("profile", "Điện thoại liên lạc"): "no_such_field"})
    with pytest.raises(ImportError_, match=r"Mán.*ZZ"):
        wizard.save_choices(hr, job, values={("ethnicity", "Mán"): "ZZ"})
    assert not ImportMapping.objects.exists()


def test_an_officer_sees_and_saves_only_mappings_of_their_subtree(tmp_path, agency, hr, other_hr):
    home_hr = make_user("home_hr", (agency["home"], Role.HR_OFFICER))
    theirs = ImportMapping.objects.create(name="Sở Tài chính", unit=agency["finance"])
    other = ImportMapping.objects.create(name="Hà Nội", unit=agency["other"])
    mine = ImportMapping.objects.create(name="Sở Nội vụ", unit=agency["home"])
    assert set(wizard.mappings_for(home_hr)) == {mine}
    assert set(wizard.mappings_for(hr)) == {mine, theirs}
    client = _client(home_hr)
    job = _start(client, agency["home"], _messy(tmp_path))
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    page = client.get(url).content.decode()
    assert "Sở Nội vụ</option>" in page and "Sở Tài chính</option>" not in page
    assert "Hà Nội</option>" not in page
    key = '["ethnicity", "Mán"]'
    for target in (theirs, other):
        client.post(
            url,
            {"save_mapping": "1", "target_mapping": target.pk, "val-key-0": key, "val-0": "09"},
        )
        target.refresh_from_db()
        assert target.value_mappings == {} and target.history.count() == 1
    with pytest.raises(ImportError_):
        wizard.save_choices(home_hr, job, mapping=theirs, values={("ethnicity", "Mán"): "09"})
    # another agency's officer cannot reach the job at all
    assert _client(other_hr).get(url).status_code == 404
    with pytest.raises(ImportError_):
        wizard.save_choices(other_hr, job, name="x", values={("ethnicity", "Mán"): "09"})


def test_preview_filters_and_pages_on_the_server(tmp_path, agency, hr):
    rows = [HEADERS] + [_row(i) for i in range(1, 251)]
    bad = {"Số định danh cá nhân": "02508012", "Ngày sinh": "31/02/1980"}
    rows.append([*person_row(999, **bad), "", ""])
    path = write_xlsx(tmp_path / "lon.xlsx", {"DS": rows})
    client = _client(hr)
    job = _start(client, agency["home"], path)
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    page = client.get(url).content.decode()
    assert page.count('<tr class="action-') == wizard.PER_PAGE
    assert "Trang 1/3 (251 dòng)" in page
    # refused rows first
    assert page.index('<tr class="action-error') < page.index('<tr class="action-create')
    counts = {k: n for k, _, n in wizard.filter_counts(job)}
    assert counts == {k: n for k, _, n in wizard.filter_counts(results.rows_of(job))}
    assert counts["all"] == 251 and counts["error"] == 1
    assert counts["create"] + counts["review"] == 250 and counts["create"] > 200
    assert counts["held"] == counts["review"] + counts["error"]
    last = client.get(url + "?loc=create&trang=3").content.decode()
    assert last.count('<tr class="action-create') == counts["create"] - 200
    assert '<tr class="action-review' not in last and '<tr class="action-error' not in last
    assert f"Trang 3/3 ({counts['create']} dòng)" in last
    errors = client.get(url + "?loc=error").content.decode()
    assert errors.count('<tr class="action-error') == 1 and '<tr class="action-create' not in errors
    assert client.get(url + "?loc=unchanged").content.decode().count('<tr class="action-') == 0
    held = client.get(url + "?loc=held").content.decode()
    assert held.count('<tr class="action-') == counts["held"]
    assert '<tr class="action-create' not in held
    # the stored value is shown where a person would see a difference: a coefficient written
    # "3" is stored 3.00; a date stored as written, "Nữ" stored as the code of Nữ are not news
    assert "Hệ số lương:</b> 3 → <ins>3.00</ins>" in page
    assert "Ngày sinh:</b> 02/03/1985</span>" in page
    assert "Giới tính:</b> Nữ</span>" in page


def test_a_sheet_not_recognised_gets_its_columns_mapped_in_the_wizard(tmp_path, agency, hr):
    # a vendor that calls the columns "Mã CB" and "Cán bộ": the sheet is not recognised
    headers = [
        {"Số định danh cá nhân": "Mã CB", "Họ và tên": "Cán bộ"}.get(h, h) for h in PROFILE_HEADERS
    ]
    path = write_xlsx(tmp_path / "vendor.xlsx", {"DS": [headers, person_row(1), person_row(2)]})
    client = _client(hr)
    job = _start(client, agency["home"], path)
    assert job.report["totals"]["errors"] == 1 and job.report["totals"]["created"] == 0
    columns, _ = wizard.unknowns(job.report)
    offered = {c.header: c for c in columns}
    assert "Mã CB" in offered and "Cán bộ" in offered
    assert "trang chưa nhận ra bảng" in offered["Mã CB"].where[0]
    form = {
        "save_mapping": "1",
        "target_mapping": "",
        "mapping_name": "Phần mềm X",
        "col-key-0": offered["Mã CB"].key,
        "col-0": "personal_id",
        "col-key-1": offered["Cán bộ"].key,
        "col-1": "full_name",
    }
    client.post(reverse("admin:transfer_import_preview", args=[job.pk]), form)
    job.refresh_from_db()
    assert job.mapping.column_overrides == {
        "profile": {"Mã CB": "personal_id", "Cán bộ": "full_name"}
    }
    assert job.report["totals"]["created"] == 2 and job.report["totals"]["errors"] == 0


def test_a_people_sheet_without_an_id_column_holds_its_rows_and_offers_the_mapping(
    tmp_path, agency, hr
):
    # the ID column is called "Mã CB": the sheet is read as people (name, birth date, sex),
    # every row held for its missing ID, none lost; the wizard offers "Mã CB" for mapping
    headers = ["Mã CB" if h == "Số định danh cá nhân" else h for h in PROFILE_HEADERS]
    path = write_xlsx(tmp_path / "vendor.xlsx", {"DS": [headers, person_row(1), person_row(2)]})
    client = _client(hr)
    job = _start(client, agency["home"], path)
    totals = job.report["totals"]
    assert totals["errors"] == 2 and totals["created"] == 0
    (sheet,) = job.report["files"][0]["sheets"]
    assert sheet["table"] == "profile" and sheet["missing_columns"] == ["Số định danh cá nhân"]
    rows = results.rows_of(job)
    assert [r["action"] for r in rows] == ["error", "error"]
    for r in rows:
        (problem,) = r["errors"]
        assert problem["column"] == "Số định danh cá nhân" and problem["row"] == r["row"]
        assert problem["file"] == "vendor.xlsx" and "Thiếu số định danh" in problem["message"]
    columns, _ = wizard.unknowns(job.report)
    offered = {c.header: c for c in columns}
    assert "Mã CB" in offered and "Họ và tên" not in offered
    assert "personal_id" in [
        c.value for c in offered["Mã CB"].suggestions + offered["Mã CB"].others
    ]
    form = {
        "save_mapping": "1",
        "target_mapping": "",
        "mapping_name": "Phần mềm X",
        "col-key-0": offered["Mã CB"].key,
        "col-0": "personal_id",
    }
    client.post(reverse("admin:transfer_import_preview", args=[job.pk]), form)
    job.refresh_from_db()
    assert job.mapping.column_overrides == {"profile": {"Mã CB": "personal_id"}}
    assert job.report["totals"]["created"] == 2 and job.report["totals"]["errors"] == 0


def test_the_most_frequent_values_are_offered_first_and_the_page_stays_small(
    tmp_path, agency, hr, monkeypatch
):
    monkeypatch.setattr(wizard, "MAX_VALUES", 2)  # 3 distinct values in the file
    client = _client(hr)
    job = _start(client, agency["home"], _messy(tmp_path))
    page = client.get(reverse("admin:transfer_import_preview", args=[job.pk])).content.decode()
    assert page.count('name="val-key-') == 2
    assert "Mán</strong> — 3 dòng" in page and "Trưởng phòng Nội vụ huyện</strong> — 2" in page
    assert "Kinhh</strong>" not in page  # one row only: after the others are mapped
    assert "Còn 1 giá trị ít gặp hơn" in page


def test_an_update_row_shows_the_stored_value_and_the_new_one(tmp_path, agency, hr):
    from transfer import jobs

    first = write_xlsx(tmp_path / "a.xlsx", {"DS": [PROFILE_HEADERS, person_row(1)]})
    jobs.start_import(user=hr, unit=agency["home"], files=[("a.xlsx", first)], dry_run=False)
    assert Profile.objects.get().ethnicity == "01"
    again = write_xlsx(
        tmp_path / "b.xlsx", {"DS": [PROFILE_HEADERS, person_row(1, **{"Dân tộc": "Tày"})]}
    )
    client = _client(hr)
    job = _start(client, agency["home"], again)
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    page = client.get(url + "?loc=update").content.decode()
    assert page.count('<tr class="action-update') == 1
    assert "Dân tộc: Kinh [01] → <ins>Tày [02]</ins>" in page


@pytest.mark.parametrize(
    "raw", ["not json", "[1, 2, 3]", "[" * 100_000 + "]" * 100_000], ids=["text", "three", "deep"]
)
def test_a_forged_choice_key_is_a_form_error_not_a_crash(raw):
    # a key nested deeper than the JSON decoder recurses raised RecursionError (a 500)
    with pytest.raises(ImportError_, match="không hợp lệ"):
        wizard.parse_choices({"col-key-0": raw, "col-0": "full_name"})
