"""Excel import/export of the unit tree: round trip, idempotent re-import, row-level errors."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import Workbook, load_workbook

from orgtree import services, tree
from orgtree.access import scope_for
from orgtree.models import (
    Role,
    ScheduledOperation,
    Unit,
    UnitAssignment,
    UnitChangeEvent,
    UnitEventLink,
    UnitPeriod,
    UnitSuccession,
)
from orgtree.scenarios import build_pre_reform_phu_tho_trees, merge_into_new_phu_tho
from orgtree.scheduling import apply_due_operations
from orgtree.unit_io import export_units, import_units

HEADERS = [
    "Mã định danh",
    "Tên đơn vị",
    "Tên viết tắt",
    "Loại đơn vị",
    "Mã đơn vị cấp trên",
    "Mã trên cây quốc gia",
    "Hiệu lực từ",
    "Số quyết định",
    "Ngày quyết định",
]


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def sheet_rows(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def export_bytes(**kw) -> bytes:
    buf = io.BytesIO()
    export_units(buf, **kw)
    return buf.getvalue()


def shape(nodes):
    return sorted((n.name, n.code, n.kind, shape(n.children)) for n in nodes)


def wipe() -> None:
    UnitSuccession.objects.all().delete()
    UnitEventLink.objects.all().delete()
    UnitPeriod.objects.all().delete()
    UnitAssignment.objects.all().delete()
    UnitChangeEvent.objects.all().delete()
    for level in sorted(set(Unit.objects.values_list("level", flat=True)), reverse=True):
        Unit.objects.filter(level=level).delete()


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The merged province, built once for the module (each test rolls back its changes)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            trees = merge_into_new_phu_tho(build_pre_reform_phu_tho_trees())
            services.update_unit(
                trees.new_departments["y_te"],
                effective_date=date(2025, 8, 1),
                short_name="SYT",
                national_code="000.00.04.H25",
            )
            yield trees
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def merged_province(built, db):
    return built.reloaded()


def test_export_then_import_into_an_empty_database_gives_the_same_tree(merged_province):
    today = date.today()
    before = shape(tree.tree_as_of(today))
    first = export_bytes()
    rows = sheet_rows(first)
    assert rows[0] == tuple(HEADERS)
    assert len(rows) - 1 == Unit.objects.active().count()
    wipe()
    assert not Unit.objects.exists()

    result = import_units(io.BytesIO(first), file_name="cay.xlsx")
    assert result.ok, result.errors
    assert len(result.created) == len(rows) - 1
    assert shape(tree.tree_as_of(today)) == before
    assert sheet_rows(export_bytes()) == rows
    yt = Unit.objects.get(code="H25.04")
    assert (yt.short_name, yt.national_code) == ("SYT", "000.00.04.H25")
    assert yt.valid_from == date(2025, 7, 1)
    event = yt.periods.get().event
    assert event.kind == UnitChangeEvent.Kind.CREATE
    assert "cay.xlsx" in event.reason


def test_reimporting_the_same_file_changes_nothing(merged_province):
    data = export_bytes()
    events = UnitChangeEvent.objects.count()
    periods = UnitPeriod.objects.count()
    result = import_units(io.BytesIO(data))
    assert result.ok, result.errors
    assert result.created == result.updated == result.moved == []
    assert len(result.unchanged) == Unit.objects.active().count()
    assert (UnitChangeEvent.objects.count(), UnitPeriod.objects.count()) == (events, periods)


def test_rows_in_any_order_children_before_parents(db):
    rows = [
        ["H30.01.01", "Phòng Tổ chức", None, "Phòng, ban, bộ phận", "H30.01", None, "01/01/2021"],
        ["H30.01", "Sở Nội vụ", None, "department", "H30", None, "2021-01-01"],
        [
            "H30",
            "Ủy ban nhân dân tỉnh Thử",
            "UBND",
            "UBND tỉnh, thành phố trực thuộc trung ương",
            None,
            None,
            date(2021, 1, 1),
            "QĐ 1",
            date(2020, 12, 1),
        ],
    ]
    result = import_units(xlsx(rows))
    assert result.ok, result.errors
    leaf = Unit.objects.get(code="H30.01.01")
    assert leaf.parent.code == "H30.01" and leaf.parent.parent.code == "H30"
    assert leaf.kind == Unit.Kind.DIVISION
    assert Unit.objects.get(code="H30").legal_basis_number == "QĐ 1"


def test_an_existing_code_is_updated_and_moved_through_the_services(
    merged_province, django_user_model
):
    user = django_user_model.objects.create_user("nhap.lieu")
    data = sheet_rows(export_bytes())
    edited = []
    for row in data[1:]:
        row = list(row)
        if row[0] == "H25.04":
            row[1] = "Sở Y tế và Dân số tỉnh Phú Thọ"
        if row[0] == "H25.04.01":  # Chi cục Dân số … moves under Sở Nội vụ
            row[4] = "H25.01"
        edited.append(row)
    result = import_units(
        xlsx(edited),
        actor=user,
        effective_date=date(2026, 1, 1),
        legal_basis_number="QĐ 7",
        today=date(2026, 1, 1),  # dated today: applied at once
    )
    assert result.ok, result.errors
    assert result.updated == ["H25.04"] and result.moved == ["H25.04.01"]
    assert result.scheduled == []
    rename = UnitChangeEvent.objects.get(kind=UnitChangeEvent.Kind.RENAME, actor=user)
    move = UnitChangeEvent.objects.get(kind=UnitChangeEvent.Kind.MOVE)
    for event in (rename, move):
        assert (event.actor, event.effective_date, event.legal_basis_number) == (
            user,
            date(2026, 1, 1),
            "QĐ 7",
        )
    assert Unit.objects.get(code="H25.04.01").parent.code == "H25.01"
    assert Unit.objects.get(code="H25.04").name == "Sở Y tế và Dân số tỉnh Phú Thọ"


def _renamed_and_moved() -> list[list]:
    edited = []
    for row in sheet_rows(export_bytes())[1:]:
        row = list(row)
        if row[0] == "H25.04":
            row[1] = "Sở Y tế và Dân số tỉnh Phú Thọ"
        if row[0] == "H25.04.01":
            row[4] = "H25.01"
        edited.append(row)
    return edited


def test_changes_dated_after_today_wait_for_their_date(merged_province, django_user_model):
    user = django_user_model.objects.create_user("nhap.lieu")
    today, on = date(2026, 3, 1), date(2026, 3, 15)
    edited = _renamed_and_moved()
    kwargs = {"actor": user, "effective_date": on, "legal_basis_number": "QĐ 9", "today": today}
    checked = import_units(xlsx(edited), dry_run=True, **kwargs)
    assert len(checked.scheduled) == 2 and not ScheduledOperation.objects.exists()

    result = import_units(xlsx(edited), **kwargs)
    assert result.ok, result.errors
    assert (result.updated, result.moved) == ([], [])
    assert result.scheduled == [
        "H25.04: cập nhật thông tin, đổi tên, đổi mã, 15/03/2026",
        "H25.04.01: chuyển đơn vị cấp trên, 15/03/2026",
    ]
    assert "đặt lịch 2 thay đổi" in result.summary()
    # nothing users see has changed
    assert Unit.objects.get(code="H25.04").name != "Sở Y tế và Dân số tỉnh Phú Thọ"
    assert Unit.objects.get(code="H25.04.01").parent.code == "H25.04"
    assert not UnitChangeEvent.objects.filter(actor=user).exists()
    waiting = ScheduledOperation.objects.filter(status=ScheduledOperation.Status.SCHEDULED)
    assert sorted(waiting.values_list("kind", "effective_date", "legal_basis_number")) == [
        ("move", on, "QĐ 9"),
        ("update", on, "QĐ 9"),
    ]
    assert set(waiting.values_list("created_by", flat=True)) == {user.pk}

    again = import_units(xlsx(edited), **kwargs)  # the same file twice: scheduled once
    assert again.scheduled == [] and {"H25.04", "H25.04.01"} <= set(again.unchanged)
    assert waiting.count() == 2

    assert apply_due_operations(today=date(2026, 3, 14)) == {"applied": 0, "failed": 0}
    assert Unit.objects.get(code="H25.04.01").parent.code == "H25.04"
    assert apply_due_operations(today=on) == {"applied": 2, "failed": 0}
    assert Unit.objects.get(code="H25.04").name == "Sở Y tế và Dân số tỉnh Phú Thọ"
    assert Unit.objects.get(code="H25.04.01").parent.code == "H25.01"
    events = UnitChangeEvent.objects.filter(actor=user)
    assert set(events.values_list("kind", "effective_date")) == {
        (UnitChangeEvent.Kind.RENAME, on),
        (UnitChangeEvent.Kind.MOVE, on),
    }


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(db):
    rows = [
        ["H40", "UBND tỉnh Mẫu", None, "province_pc", None, None, "01/01/2020"],  # row 2 fine
        ["H40.1", "Sở sai mã", None, "department", "H40", None, "01/01/2020"],  # 3 bad code
        ["H40.02", "", None, "department", "H40", None, "01/01/2020"],  # 4 no name
        ["H40.03", "Sở loại lạ", None, "Bộ phận gì đó", "H40", None, "01/01/2020"],  # 5 kind
        ["H40.04", "Sở mồ côi", None, "department", "H41", None, "01/01/2020"],  # 6 parent
        ["H40.05", "Sở A", None, "department", "H40", None, "31/02/2020"],  # 7 date
        ["H40.05", "Sở B", None, "department", "H40", None, "01/01/2020"],  # 8 duplicate
        ["H40.06", "Sở vòng 1", None, "department", "H40.07", None, "01/01/2020"],  # 9 cycle
        ["H40.07", "Sở vòng 2", None, "department", "H40.06", None, "01/01/2020"],  # 10 cycle
        ["H40.08", "Sở không ngày", None, "department", "H40", None, None],  # 11 no date
    ]
    result = import_units(xlsx(rows))
    assert not result.ok
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (3, "Mã định danh"),
        (4, "Tên đơn vị"),
        (5, "Loại đơn vị"),
        (6, "Mã đơn vị cấp trên"),
        (7, "Hiệu lực từ"),
        (8, "Mã định danh"),
        (9, "Mã đơn vị cấp trên"),
        (10, "Mã đơn vị cấp trên"),
        (11, "Hiệu lực từ"),
    }
    by_row = {e.row: e for e in result.errors}
    assert by_row[3].value == "H40.1"
    assert "dòng 7" in by_row[8].message
    assert by_row[6].value == "H41"
    assert "Dòng 5, cột “Loại đơn vị”" in str(by_row[5])
    assert not Unit.objects.filter(code__startswith="H40").exists()


def test_a_row_failing_in_the_services_rolls_back_the_rows_before_it(db):
    rows = [
        ["H50", "UBND tỉnh Mẫu", None, "province_pc", None, None, "01/01/2020"],
        ["H50.01", "Sở Nội vụ", None, "department", "H50", None, "01/01/2020"],
        ["H50.02", "Sở lập trước tỉnh", None, "department", "H50", None, "01/01/2019"],
        ["H50.02.01", "Phòng con", None, "division", "H50.02", None, "01/01/2020"],
    ]
    result = import_units(xlsx(rows))
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "Hiệu lực từ"),
        (5, "Mã đơn vị cấp trên"),
    ]
    assert "dòng 4" in result.errors[1].message
    assert not Unit.objects.filter(code__startswith="H50").exists()
    assert "không ghi" in result.summary()


def test_dry_run_checks_everything_and_writes_nothing(db):
    rows = [["H60", "UBND tỉnh Thử", None, "province_pc", None, None, "01/01/2020"]]
    result = import_units(xlsx(rows), dry_run=True)
    assert result.ok and result.created == ["H60"] and not result.written
    assert not Unit.objects.filter(code="H60").exists()


def test_missing_required_column_and_unreadable_file(db):
    result = import_units(xlsx([["H60", "x"]], headers=["Mã định danh", "Tên đơn vị"]))
    assert [(e.row, e.column) for e in result.errors] == [(1, "Loại đơn vị")]
    result = import_units(io.BytesIO(b"not an xlsx"))
    assert result.errors and "Không đọc được" in result.errors[0].message


def test_headers_match_without_diacritics_or_case(db):
    headers = ["MA DINH DANH", "ten don vi", "Loai  don vi", "Hieu luc tu"]
    result = import_units(xlsx([["H61", "UBND tỉnh Thử", "province_pc", 43831]], headers))
    assert result.ok, result.errors
    assert Unit.objects.get(code="H61").valid_from == date(2020, 1, 1)  # Excel serial number


def test_scope_limits_what_an_agency_admin_may_import(merged_province, django_user_model):
    user = django_user_model.objects.create_user("qt.noivu")
    noi_vu = merged_province.new_departments["noi_vu"]
    UnitAssignment.objects.create(user=user, unit=noi_vu, role=Role.AGENCY_ADMIN)
    rows = [
        ["H25.01.09", "Phòng mới", None, "division", "H25.01", None, "01/08/2025"],  # allowed
        ["H25.02.09", "Phòng khác", None, "division", "H25.02", None, "01/08/2025"],  # outside
        ["H25.04", "Sở Y tế đổi tên", None, "department", "H25", None, "01/07/2025"],  # outside
        ["H70", "Tỉnh mới", None, "province_pc", None, None, "01/08/2025"],  # new root
    ]
    result = import_units(xlsx(rows), actor=user, scope=scope_for(user))
    assert {e.row for e in result.errors} == {3, 4, 5}
    assert not Unit.objects.filter(code="H25.01.09").exists()
    ok = import_units(xlsx(rows[:1]), actor=user, scope=scope_for(user))
    assert ok.ok and Unit.objects.get(code="H25.01.09").parent_id == noi_vu.pk


def test_export_of_a_subtree_only(merged_province):
    rows = sheet_rows(export_bytes(root=merged_province.new_departments["nong_nghiep_moi_truong"]))
    assert rows[1][0] == "H25.05"
    assert {r[0] for r in rows[1:]} == {"H25.05", "H25.05.01", "H25.05.02", "H25.05.03"}


def test_management_commands(merged_province, tmp_path, django_user_model, capsys):
    django_user_model.objects.create_user("quantri")
    out = tmp_path / "units.xlsx"
    call_command("export_units", "--out", str(out), "--root", "h25.01")
    assert "Đã xuất 2 đơn vị" in capsys.readouterr().out
    call_command("import_units", str(out), "--dry-run", "--actor", "quantri")
    assert "không đổi 2" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["H25.01.07", "X", None, "division", "H99", None, "1/8/2025"]]).read())
    with pytest.raises(CommandError, match="1 lỗi"):
        call_command("import_units", str(bad))
    assert "Dòng 2, cột “Mã đơn vị cấp trên”" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("import_units", str(out), "--actor", "khong.co")
    with pytest.raises(CommandError, match="Không có đơn vị"):
        call_command("export_units", "--out", str(out), "--root", "H98")
