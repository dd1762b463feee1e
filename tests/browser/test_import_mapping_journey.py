"""The import wizard's mapping and holding journey in the browser (issue 20): an HR officer
uploads a messy workbook of an old province (an unknown column, an ethnicity spelling and a
position of the old structure no code list knows, two rows that cannot be imported), maps the
column and the two values in the wizard, sees the effect in the preview, confirms; fixes one
held row in the browser and imports it; downloads the other as Excel with its reason, fixes it
in the file and imports the file through the wizard. The database is checked after each step;
screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, UnitAssignment
from tests.importing.pipeline_fixtures import PROFILE_HEADERS, person_row, write_xlsx

from .conftest import log_in, pick_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"
START = "Ngày bắt đầu công tác hiện tại"  # a position is stored with its start date
HEADERS = [*PROFILE_HEADERS, START, "Chức vụ", "Điện thoại liên lạc"]
ID = "Số định danh cá nhân"
#: the two rows refused by the import, and the IDs that fix them (province 025, born 1980
#: male: century/sex digit 0; born 1990 female: 1)
WRONG_ID = {"name": "Lê Văn Sai", "id": "02508012", "fixed": "025080012345"}
NO_ID = {"name": "Phạm Thị Thiếu", "fixed": "025190054321"}


@pytest.fixture
def officer(transactional_db, reference_data, settings):
    from orgtree.scenarios import ensure_new_phu_tho
    from profiles.codelists import clear_cache, load_codelists

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}  # the task runs in-process
    load_codelists()
    clear_cache()
    root = ensure_new_phu_tho()
    user = get_user_model().objects.create_user("phutho.nhapdl", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=root, role=Role.HR_OFFICER)
    return user, root


def _messy_workbook(path):
    rows = [HEADERS]
    for n in range(1, 9):
        row = dict(zip(PROFILE_HEADERS, person_row(n), strict=True))
        row["Dân tộc"] = "Mán" if n <= 3 else "Kinh"
        position = "Trưởng phòng Nội vụ huyện" if n in (4, 5) else "Trưởng phòng"
        rows.append([*row.values(), "01/07/2025", position, f"09120000{n:02d}"])
    wrong = dict(zip(PROFILE_HEADERS, person_row(20), strict=True))
    wrong.update({"Họ và tên": WRONG_ID["name"], "Ngày sinh": "31/02/1980"})
    wrong.update({"Giới tính": "Nam", ID: WRONG_ID["id"]})
    missing = dict(zip(PROFILE_HEADERS, person_row(21), strict=True))
    missing.update({"Họ và tên": NO_ID["name"], "Ngày sinh": "05/06/1990", ID: None})
    rows += [[*wrong.values(), "", "", ""], [*missing.values(), "", "", ""]]
    return write_xlsx(path, {"Danh sách": rows})


def _upload(page, paths, unit, mapping_label=None):
    page.goto("/admin/transfer/importjob/add/")
    page.set_input_files("input[name=files]", [str(p) for p in paths])
    pick_unit(page, "id_unit", unit)
    if mapping_label:
        page.select_option("#import-upload select[name=mapping]", label=mapping_label)
    page.click("input[type=submit][value='Xem trước']")
    page.wait_for_selector("#import-plan")


def test_map_in_the_wizard_fix_held_rows_in_the_browser_and_in_excel(
    page, screenshot, officer, tmp_path
):
    import openpyxl

    from profiles.models import Profile
    from transfer.holding_models import HeldRow
    from transfer.models import ImportJob, ImportMapping

    user, root = officer
    page.set_default_timeout(90_000)  # the shared 2-core machine is slow under load
    log_in(page, user.username, PASSWORD)

    # 1. upload: the unknown column and the unknown values are asked for, with their counts
    _upload(page, [_messy_workbook(tmp_path / "tinh_cu.xlsx")], root)
    screenshot("1-preview-unknowns")
    values = page.locator("#import-unknown-values")
    assert "Mán — 3 dòng" in values.inner_text()
    assert "Trưởng phòng Nội vụ huyện — 2 dòng" in values.inner_text()
    column = page.locator("#import-unknown-columns select[aria-label='Điện thoại liên lạc']")
    # the best guess is the first suggestion
    assert column.locator("optgroup").first.locator("option").first.get_attribute("value") == (
        "phone"
    )
    assert Profile.objects.count() == 0

    # 2. map the column and the two values, save: the preview is computed again at once
    column.select_option("phone")
    page.select_option("#import-unknown-values select[aria-label='Mán']", "09")
    page.select_option(
        "#import-unknown-values select[aria-label='Trưởng phòng Nội vụ huyện']", "TP"
    )
    page.fill("input[name=mapping_name]", "Phần mềm QLCB tỉnh cũ")
    page.click("input[name=save_mapping]")
    page.wait_for_selector("#import-plan")
    mapping = ImportMapping.objects.get(name="Phần mềm QLCB tỉnh cũ")
    assert mapping.column_overrides == {"profile": {"Điện thoại liên lạc": "phone"}}
    assert mapping.value_mappings == {
        "ethnicity": {"Mán": "09"},
        "position": {"Trưởng phòng Nội vụ huyện": "TP"},
    }
    assert mapping.history.latest().history_user_id == user.pk
    job = ImportJob.objects.latest("id")
    assert job.mapping == mapping and job.status == ImportJob.Status.PLANNED
    assert page.locator("#import-mapping-name").inner_text() == mapping.name
    # the effect is visible: no value left unknown (the two are listed as mapped, to be
    # changed if need be), the column is no longer unknown, and "Mán" will be stored as Dao
    mapped = page.locator("#import-unknown-values").inner_text()
    assert "Mán — đã ánh xạ trước" in mapped and " dòng" not in mapped
    assert "Điện thoại liên lạc" not in page.locator("#content h3 + ul").first.inner_text()
    page.click("#import-filters a[data-filter=create]")
    page.wait_for_selector("#import-plan")
    plan = page.locator("#import-plan").inner_text()
    assert "Mán → Dao [09]" in plan
    assert "Trưởng phòng Nội vụ huyện → Trưởng phòng [TP]" in plan
    screenshot("2-preview-mapped")
    page.click("#import-filters a[data-filter=error]")
    page.wait_for_selector("#import-plan")
    assert page.locator("#import-plan tbody tr.action-error").count() == 2
    assert Profile.objects.count() == 0

    # 3. confirm: eight people with the mapped codes; the two refused rows are held
    page.click("#import-confirm input[name=confirm]")
    page.wait_for_selector("text=Kết quả nhập")
    screenshot("3-report")
    assert Profile.objects.count() == 8
    assert Profile.objects.filter(ethnicity="09").count() == 3
    assert Profile.objects.get(full_name="Nguyễn Thị Người1").phone == "0912000001"
    held = HeldRow.objects.filter(status=HeldRow.Status.OPEN)
    assert sorted(held.values_list("full_name", flat=True)) == sorted(
        [WRONG_ID["name"], NO_ID["name"]]
    )
    wrong = held.get(full_name=WRONG_ID["name"])
    # every problem of the row, not only the first
    assert {p["column"] for p in wrong.problems} >= {ID, "Ngày sinh"}

    # 4. the report links to the held rows of this job as a grid: fix one there, import it
    page.click("#import-held-link")
    page.wait_for_selector("#held-grid")
    screenshot("4-held-rows-grid")
    line = page.locator(f"tr[data-held='{wrong.pk}']")
    assert "Ngày sinh" in line.locator("td.problems").inner_text()  # every problem shown
    headers = [h for h, _ in wrong.cells]
    id_input = line.locator(f"input[name=r{wrong.pk}-{headers.index(ID)}]")
    assert "held-problem" in (id_input.get_attribute("class") or "")  # the cell is marked
    id_input.fill(WRONG_ID["fixed"])
    line.locator(f"input[name=r{wrong.pk}-{headers.index('Ngày sinh')}]").fill("28/02/1980")
    line.locator("input[name=chon]").check()
    screenshot("5-held-row-fixed")
    page.click("input[name=_reimport]")
    page.wait_for_selector("ul.messagelist")
    screenshot("6-held-row-imported")
    wrong.refresh_from_db()
    assert wrong.status == HeldRow.Status.RESOLVED, page.locator("ul.messagelist").inner_text()
    person = Profile.objects.get(personal_id=WRONG_ID["fixed"])
    assert person.full_name == WRONG_ID["name"] and str(person.date_of_birth) == "1980-02-28"
    assert wrong.profile_id == person.pk

    # 5. download the rows still held as Excel: the reason is in the file
    page.goto("/admin/transfer/heldrow/?status__exact=open")
    page.wait_for_selector("#result_list")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "download_rows")
    with page.expect_download() as download:
        page.click("button[name=index]")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Mã dòng chờ", "Lý do"]
    data = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(data) == 1 and data[0][header.index("Họ và tên")] == NO_ID["name"]
    assert "số định danh" in data[0][1]  # the reason names the missing ID

    # 6. fix it in the file, upload it through the wizard (with the saved mapping), import
    sheet.cell(row=2, column=header.index(ID) + 1, value=NO_ID["fixed"])
    fixed = tmp_path / "dong-cho-da-sua.xlsx"
    book.save(fixed)
    _upload(page, [fixed], root, mapping_label=mapping.name)
    screenshot("7-fixed-file-preview")
    assert page.locator("#import-plan tbody tr.action-create").count() == 1
    page.click("#import-confirm input[name=confirm]")
    page.wait_for_selector("text=Kết quả nhập")
    screenshot("8-fixed-file-imported")
    assert Profile.objects.get(personal_id=NO_ID["fixed"]).full_name == NO_ID["name"]
    assert Profile.objects.count() == 10
    assert not HeldRow.objects.filter(status=HeldRow.Status.OPEN).exists()
