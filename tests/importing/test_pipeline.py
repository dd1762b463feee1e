# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The import pipeline end to end on a real database: plan, commit, history, idempotence,
all-or-nothing, bad rows and bad files, scope."""

from __future__ import annotations

import json

import pytest

from orgtree.models import Role
from profiles.models import Profile, SalaryHistory
from transfer.report import ImportError_

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    actions,
    agency,
    hr,
    make_user,
    other_hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _file(tmp_path, rows, name="danh-sach.xlsx", title=None):
    lead = [[title]] if title else []
    return write_xlsx(tmp_path / name, {"Danh sách": [*lead, PROFILE_HEADERS, *rows]})


def test_dry_run_writes_nothing_and_commit_applies_the_same_plan(tmp_path, agency, hr):
    path = _file(tmp_path, [person_row(n) for n in range(1, 6)], title="DANH SÁCH CÁN BỘ")
    dry = run_import([path], agency["home"], hr, dry_run=True)
    assert actions(dry) == {"create": 5}
    assert Profile.objects.count() == 0
    committed = run_import([path], agency["home"], hr)
    assert committed.digest == dry.digest
    assert [r.as_dict() for r in committed.rows] == [r.as_dict() for r in dry.rows]
    assert Profile.objects.count() == 5
    p = Profile.objects.get(personal_id="025085000002")
    assert p.full_name == "Nguyễn Văn Người2"
    assert p.sex == "1" and p.ethnicity == "01" and p.religion == "00"
    assert p.unit == agency["home"]
    assert p.hometown_province_code  # resolved through the place resolver
    # the flat salary columns became a salary row and the current grade
    assert p.grade_code == "01.003" and str(p.salary_coefficient) == "3.00"
    assert SalaryHistory.objects.filter(profile=p).count() == 1
    history = p.history.earliest()
    assert history.history_user == hr
    assert history.history_change_reason == "Nhập từ tệp danh-sach.xlsx, dòng 4"


def test_reimporting_the_same_file_changes_nothing(tmp_path, agency, hr):
    path = _file(tmp_path, [person_row(n) for n in range(1, 4)])
    run_import([path], agency["home"], hr)
    before = Profile.history.count(), SalaryHistory.history.count()
    again = run_import([path], agency["home"], hr)
    assert actions(again) == {"unchanged": 3}
    assert (Profile.history.count(), SalaryHistory.history.count()) == before


def test_a_changed_cell_is_an_update_with_the_old_and_new_value(tmp_path, agency, hr):
    run_import([_file(tmp_path, [person_row(1)])], agency["home"], hr)
    changed = _file(tmp_path, [person_row(1, **{"Tôn giáo": "Phật giáo"})], name="b.xlsx")
    plan = run_import([changed], agency["home"], hr)
    (row,) = plan.rows
    assert row.action == "update"
    assert row.changes == {"religion": ("00", "01")}
    assert Profile.objects.get().religion == "01"


def test_bad_rows_are_reported_and_the_others_written(tmp_path, agency, hr):
    rows = [
        person_row(1),
        person_row(2, **{"Ngày sinh": "31/02/1985"}),  # impossible date
        person_row(3, **{"Giới tính": "Không rõ"}),  # unknown value
        person_row(4, **{"Số định danh cá nhân": "0250850000", "Ngày sinh": "32/01/1985"}),
    ]
    plan = run_import([_file(tmp_path, rows)], agency["home"], hr)
    # a bad date or sex does not cost the person: the ID gives the year and the sex
    assert actions(plan) == {"create": 3, "error": 1}
    by_row = {r.row: r for r in plan.rows}
    assert any("31/02/1985" in w for w in by_row[3].warnings)
    assert any("Không rõ" in w for w in by_row[4].warnings)
    errors = [e for f in plan.files for e in f.errors]
    assert {e.row for e in errors} == {5}  # the header is row 1
    # a refused row: every problem it has, not only the first
    assert {e.column for e in errors} == {"Số định danh cá nhân", "Ngày sinh"}
    assert any("12 chữ số" in e.message for e in errors)
    assert Profile.objects.count() == 3
    p2 = Profile.objects.get(personal_id=by_row[3].personal_id)
    assert (p2.date_of_birth.year, p2.birth_date_precision) == (1985, "year")
    assert Profile.objects.get(personal_id=by_row[4].personal_id).sex == "2"


def test_all_or_nothing_leaves_the_database_as_it_was(tmp_path, agency, hr):
    rows = [person_row(1), person_row(2, **{"Số định danh cá nhân": "12345"})]
    plan = run_import([_file(tmp_path, rows)], agency["home"], hr, all_or_nothing=True)
    assert not plan.committed
    assert Profile.objects.count() == 0
    ok = run_import([_file(tmp_path, [person_row(1)], "ok.xlsx")], agency["home"], hr,
                    all_or_nothing=True)  # fmt: skip
    assert ok.committed and Profile.objects.count() == 1


def test_the_same_person_in_two_files_is_one_profile(tmp_path, agency, hr):
    a = _file(tmp_path, [person_row(1, **{"Tôn giáo": ""})], "a.xlsx")
    b = _file(tmp_path, [person_row(1, **{"Tôn giáo": "Công giáo"})], "b.xlsx")
    plan = run_import([a, b], agency["home"], hr)
    assert actions(plan) == {"create": 1, "merge": 1}
    assert Profile.objects.get().religion == "02"  # the non-empty value wins


def test_child_sheets_link_by_personal_id(tmp_path, agency, hr):
    pid = "025085000002"
    path = write_xlsx(
        tmp_path / "full.xlsx",
        {
            "Hồ sơ": [PROFILE_HEADERS, person_row(2)],
            "Quá trình công tác": [
                ["Số CCCD", "Từ ngày", "Đến ngày", "Mã đơn vị", "Chức vụ"],
                [pid, "01/02/2010", "31/12/2019", "H25.02", ""],
                [pid, "01/01/2020", "", "H25.01", "Phó Trưởng phòng"],
                ["025085999999", "01/01/2020", "", "H25.01", ""],
            ],
            "Khen thưởng": [
                ["Số định danh cá nhân", "Hình thức khen thưởng", "Ngày quyết định"],
                [pid, "Giấy khen", "15/5/2021"],
            ],
        },
    )
    plan = run_import([path], agency["root"], hr)
    assert actions(plan) == {"create": 4, "error": 1}
    (err,) = [e for f in plan.files for e in f.errors]
    assert err.sheet == "Quá trình công tác" and err.row == 4
    p = Profile.objects.get(personal_id=pid)
    assert p.unit == agency["home"]  # the open work row decides the current unit
    assert p.position_code == "PTP"
    assert p.commendations.get().kind_code == "GK"
    again = run_import([path], agency["root"], hr)
    assert actions(again) == {"unchanged": 4, "error": 1}


def test_scope_no_import_into_another_agency(tmp_path, agency, hr, other_hr):
    path = _file(tmp_path, [person_row(1)])
    with pytest.raises(ImportError_):
        run_import([path], agency["other"], hr)
    # a person held by another agency is never updated from here
    run_import([path], agency["other"], other_hr)
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"error": 1}
    assert "cơ quan khác" in plan.rows[0].errors[0].message
    assert Profile.objects.get().unit == agency["other"]


def test_a_department_officer_cannot_update_a_sibling_departments_person(tmp_path, agency, hr):
    path = _file(tmp_path, [person_row(1)])
    run_import([path], agency["finance"], hr)
    dept = make_user("home_hr", (agency["home"], Role.HR_OFFICER))
    changed = _file(tmp_path, [person_row(1, **{"Tôn giáo": "Phật giáo"})], "b.xlsx")
    plan = run_import([changed], agency["home"], dept)
    assert actions(plan) == {"error": 1}
    assert Profile.objects.get().religion == "00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptionInfo".encode("utf-16-le") * 40, "mật khẩu"),
        (b"PK\x03\x04 this is not a workbook", "hỏng"),
        (b"", "rỗng"),
    ],
)
def test_bad_files_give_a_clear_error(tmp_path, agency, hr, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    plan = run_import([path], agency["home"], hr)
    (problem,) = plan.files[0].errors
    assert message in problem.message and problem.file == "bad.xlsx"
    assert Profile.objects.count() == 0


def test_a_huge_cell_is_refused(tmp_path, agency, hr):
    path = tmp_path / "huge.csv"
    path.write_text("Họ và tên;Ngày sinh\n" + "A" * 40_000 + ";1/1/1980\n", encoding="utf-8")
    plan = run_import([path], agency["home"], hr)
    assert "vượt giới hạn" in plan.files[0].errors[0].message


def _cp1258(text: str) -> bytes:
    """Windows-1258 as old software wrote it: base letters precomposed, tones combining."""
    import unicodedata

    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def test_csv_in_windows_1258_with_semicolons(tmp_path, agency, hr):
    text = ";".join(PROFILE_HEADERS) + "\n" + ";".join(str(v) for v in person_row(1)) + "\n"
    path = tmp_path / "cu.csv"
    path.write_bytes(_cp1258(text))
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"create": 1}
    assert Profile.objects.get().full_name == "Nguyễn Thị Người1"


def test_the_command_writes_the_report(tmp_path, agency, hr):
    from django.core.management import call_command

    path = _file(tmp_path, [person_row(1), person_row(2, **{"Số định danh cá nhân": "x"})])
    report = tmp_path / "report.json"
    call_command("import_profiles", str(path), "--unit", "H25.01", "--report", str(report),
                 "--user", hr.username)  # fmt: skip
    data = json.loads(report.read_text(encoding="utf-8"))
    (f,) = data["files"]
    assert (f["rows_read"], f["created"], f["errors"]) == (2, 1, 1)
    assert f["error_list"][0]["row"] == 3
    assert f["error_list"][0]["column"] == "Số định danh cá nhân"
    assert f["people"]["created"] == 1 and f["people"]["rejected"] == 1
    assert {"updated", "unchanged", "merged", "skipped", "sent_to_review"} <= set(f)
    assert Profile.objects.count() == 1


# -- matching (profiles.matching) -------------------------------------------------------------
def test_an_id_typo_merges_into_the_existing_profile(tmp_path, agency, hr):
    from profiles.models import ProfileMerge

    run_import([_file(tmp_path, [person_row(1, **{"Tôn giáo": ""})])], agency["home"], hr)
    typo = person_row(1, **{"Số định danh cá nhân": "025185000010", "Tôn giáo": "Phật giáo"})
    plan = run_import([_file(tmp_path, [typo], "typo.xlsx")], agency["home"], hr)
    assert actions(plan) == {"merge": 1}
    assert plan.files[0].as_dict()["merged"] == 1
    p = Profile.objects.get()
    assert p.personal_id == "025185000001"  # the profile keeps its own ID
    assert p.religion == "01"  # the empty field was filled from the row
    assert ProfileMerge.objects.get().survivor == p


def test_uncertain_pairs_go_to_the_review_queue(tmp_path, agency, hr):
    from profiles.models import MergeCandidate

    run_import([_file(tmp_path, [person_row(1)])], agency["home"], hr)
    # no ID, the name one letter off, same birth date and sex: maybe the same person
    maybe = person_row(1, **{"Số định danh cá nhân": "", "Họ và tên": "Nguyễn Thị Ngườj1"})
    plan = run_import([_file(tmp_path, [maybe], "maybe.xlsx")], agency["home"], hr)
    assert actions(plan) == {"review": 1}
    assert plan.files[0].as_dict()["sent_to_review"] == 1
    candidate = MergeCandidate.objects.get()
    assert candidate.profile == Profile.objects.get()
    assert candidate.incoming["full_name"] == "Nguyễn Thị Ngườj1"
    assert Profile.objects.count() == 1


def test_the_same_person_without_an_id_in_a_second_file_is_merged(tmp_path, agency, hr):
    a = _file(tmp_path, [person_row(1), person_row(2)], "a.xlsx")
    no_id = person_row(2, **{"Số định danh cá nhân": "", "Tôn giáo": "Công giáo"})
    b = _file(tmp_path, [no_id, person_row(3, **{"Số định danh cá nhân": ""})], "b.xlsx")
    plan = run_import([a, b], agency["home"], hr)
    assert actions(plan) == {"create": 2, "merge": 1, "error": 1}
    (error,) = [e for f in plan.files for e in f.errors]
    assert error.file == "b.xlsx" and error.row == 3  # nobody to match, no ID to create
    assert Profile.objects.get(personal_id="025085000002").religion == "02"
