# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The holding area ("Dòng chờ xử lý"): refused rows stored with every original cell and every
problem; fixed in the admin and re-imported; downloaded as Excel with "Lý do", fixed and
uploaded again through the normal import; scoped by the target unit."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Profile
from transfer import jobs
from transfer.holding import HOLD_ID_HEADER, REASON_HEADER
from transfer.models import HeldRow, ImportedSourceData, ImportJob

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    other_hr,
    person_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PID = "Số định danh cá nhân"
GOOD_PID_2 = "025085000002"  # person_row(2): a man born in 1985


def _file(tmp_path, name: str = "ds.xlsx"):
    rows = [
        PROFILE_HEADERS,
        person_row(1),
        # a short ID, an impossible date and an unknown ethnicity: every problem is kept
        person_row(2, **{"Ngày sinh": "31/02/1985", PID: "02508512", "Dân tộc": "Kinhh"}),
        person_row(3, **{PID: None}),  # no ID
    ]
    return write_xlsx(tmp_path / name, {"DS": rows})


def _import(user, unit, path, name: str | None = None) -> ImportJob:
    job = jobs.start_import(
        user=user, unit=unit, files=[(name or path.name, path)], dry_run=False, run="now"
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    return job


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _cells(held: HeldRow) -> dict[str, str]:
    return dict(held.cells)


def test_refused_rows_are_held_with_every_cell_and_problem(tmp_path, agency, hr):
    job = _import(hr, agency["home"], _file(tmp_path))
    assert Profile.objects.count() == 1
    held = {h.row: h for h in HeldRow.objects.all()}
    assert set(held) == {3, 4}
    bad = held[3]
    assert (bad.file, bad.sheet, bad.unit, bad.job) == ("ds.xlsx", "DS", agency["home"], job)
    assert bad.status == HeldRow.Status.OPEN
    # every original cell, empty ones too, in the file's order
    assert [h for h, _ in bad.cells] == PROFILE_HEADERS
    assert _cells(bad)["Ngày sinh"] == "31/02/1985"
    assert _cells(bad)["Dân tộc"] == "Kinhh"
    assert _cells(bad)[PID] == "02508512"
    assert _cells(held[4])[PID] == ""
    # every problem, not only the first
    assert {p["column"] for p in bad.problems} >= {PID, "Ngày sinh", "Dân tộc"}
    assert all(p["message"] for p in bad.problems)
    assert {p["column"] for p in held[4].problems} == {PID}
    assert job.report["holding"] == {"held": 2, "resolved": 0}

    # the same file again: the rows are held once, with the latest job
    again = _import(hr, agency["home"], _file(tmp_path))
    assert HeldRow.objects.count() == 2
    assert set(HeldRow.objects.values_list("job", flat=True)) == {again.pk}


def test_a_row_fixed_in_the_admin_is_imported_again(tmp_path, agency, hr):
    _import(hr, agency["home"], _file(tmp_path))
    bad = HeldRow.objects.get(row=3)
    unfixed = HeldRow.objects.get(row=4)
    client = _client(hr)
    url = reverse("admin:transfer_heldrow_change", args=[bad.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="cell_0"' in page.content.decode()  # one input per cell
    fixes = {"Ngày sinh": "28/02/1985", PID: GOOD_PID_2, "Dân tộc": "Kinh"}
    data = {f"cell_{i}": fixes.get(h, v) for i, (h, v) in enumerate(bad.cells)}
    assert client.post(url, data).status_code == 302
    bad.refresh_from_db()
    assert _cells(bad)["Ngày sinh"] == "28/02/1985" and bad.edited_at is not None

    changelist = reverse("admin:transfer_heldrow_changelist")
    response = client.post(
        changelist, {"action": "reimport_rows", "_selected_action": [bad.pk, unfixed.pk]}
    )
    assert response.status_code == 302
    person = Profile.objects.get(personal_id=GOOD_PID_2)
    assert str(person.date_of_birth) == "1985-02-28"
    assert person.ethnicity  # "Kinh" now, not "Kinhh"
    bad.refresh_from_db()
    assert bad.status == HeldRow.Status.RESOLVED
    assert bad.profile == person and bad.resolved_job is not None
    # the row still without an ID stays held, with the problems of the new attempt
    unfixed.refresh_from_db()
    assert unfixed.status == HeldRow.Status.OPEN
    assert unfixed.job == bad.resolved_job
    assert {p["column"] for p in unfixed.problems} == {PID}
    assert (unfixed.file, unfixed.row) == ("ds.xlsx", 4)  # where it came from
    assert HeldRow.objects.count() == 2
    # an imported row is the profile's now: no longer editable
    assert (
        client.post(reverse("admin:transfer_heldrow_change", args=[bad.pk]), data).status_code
        == 403
    )


def test_download_fix_and_upload_through_the_normal_import(tmp_path, agency, hr):
    _import(hr, agency["home"], _file(tmp_path))
    client = _client(hr)
    ids = list(HeldRow.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:transfer_heldrow_changelist"),
        {"action": "download_rows", "_selected_action": ids},
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == [HOLD_ID_HEADER, REASON_HEADER]
    col = {h: i for i, h in enumerate(header)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2
    for row in rows:
        assert row[col[REASON_HEADER]].value  # why it was refused
        if row[col["Ngày sinh"]].value == "31/02/1985":
            row[col["Ngày sinh"]].value = "28/02/1985"
            row[col[PID]].value = GOOD_PID_2
        else:
            row[col[PID]].value = "025185000003"  # person_row(3): a woman born in 1985
    fixed = tmp_path / "da-sua.xlsx"
    book.save(fixed)

    job = _import(hr, agency["home"], fixed)
    assert job.report["totals"]["errors"] == 0, job.report["files"][0]["error_list"]
    assert job.report["holding"] == {"held": 0, "resolved": 2}
    assert set(Profile.objects.values_list("personal_id", flat=True)) >= {
        GOOD_PID_2,
        "025185000003",
    }
    assert not HeldRow.objects.filter(status=HeldRow.Status.OPEN).exists()
    for held in HeldRow.objects.all():
        assert held.profile is not None and held.profile.personal_id == _pid_of(held)
    # the holding area's own columns are recognised and ignored, never kept as source data
    for source in ImportedSourceData.objects.all():
        kept = {**source.data.get("extra", {}), **source.data.get("unrecognised", {})}
        assert HOLD_ID_HEADER not in kept and REASON_HEADER not in kept


def _pid_of(held: HeldRow) -> str:
    return GOOD_PID_2 if held.row == 3 else "025185000003"


def test_another_file_with_the_personal_id_resolves_the_held_row(tmp_path, agency, hr):
    rows = [PROFILE_HEADERS, person_row(5, **{"Họ và tên": None})]  # refused: no name
    _import(hr, agency["home"], write_xlsx(tmp_path / "a.xlsx", {"DS": rows}))
    held = HeldRow.objects.get()
    assert held.personal_id == "025185000005"
    fixed = [PROFILE_HEADERS, person_row(5)]
    _import(hr, agency["home"], write_xlsx(tmp_path / "b.xlsx", {"Sheet1": fixed}))
    held.refresh_from_db()
    assert held.status == HeldRow.Status.RESOLVED
    assert held.profile == Profile.objects.get(personal_id="025185000005")


def test_another_agency_cannot_see_or_fix_held_rows(tmp_path, agency, hr, other_hr):
    _import(hr, agency["home"], _file(tmp_path))
    bad = HeldRow.objects.get(row=3)
    other = _client(other_hr)
    changelist = reverse("admin:transfer_heldrow_changelist")
    listed = other.get(changelist)
    assert listed.status_code == 200
    assert reverse("admin:transfer_heldrow_change", args=[bad.pk]) not in listed.content.decode()
    url = reverse("admin:transfer_heldrow_change", args=[bad.pk])
    unknown = reverse("admin:transfer_heldrow_change", args=[987654321])
    seen = other.get(url)
    assert seen.status_code == other.get(unknown).status_code  # as an id that does not exist
    assert "02508512" not in seen.content.decode()
    fixes = {"Ngày sinh": "28/02/1985", PID: GOOD_PID_2}
    data = {f"cell_{i}": fixes.get(h, v) for i, (h, v) in enumerate(bad.cells)}
    other.post(url, data)
    other.post(changelist, {"action": "reimport_rows", "_selected_action": [bad.pk]})
    other.post(changelist, {"action": "download_rows", "_selected_action": [bad.pk]})
    bad.refresh_from_db()
    assert bad.status == HeldRow.Status.OPEN and bad.edited_at is None
    assert not Profile.objects.filter(personal_id=GOOD_PID_2).exists()
    assert not ImportJob.objects.filter(created_by=other_hr).exists()
    # the hold-id column of a file cannot reach another agency's held row either
    rows = [[HOLD_ID_HEADER, *PROFILE_HEADERS], [bad.pk, *person_row(2)]]
    path = write_xlsx(tmp_path / "forged.xlsx", {"DS": rows})
    _import(other_hr, agency["other"], path)
    bad.refresh_from_db()
    assert bad.status == HeldRow.Status.OPEN
