"""The unit admin through Django's test client: folded search, edits through the services."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from orgtree.models import Role, Unit, UnitAssignment, UnitChangeEvent
from orgtree.scenarios import build_pre_reform_phu_tho_trees, merge_into_new_phu_tho

CHANGELIST = "admin:orgtree_unit_changelist"


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The merged province, built once for the module (each test rolls back its changes)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield merge_into_new_phu_tho(build_pre_reform_phu_tho_trees())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def trees(built, db):
    return built.reloaded()


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser("quantri", "qt@example.vn", None)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def agency_client(client, django_user_model, trees):
    """An agency admin of the new Sở Nội vụ only."""
    user = django_user_model.objects.create_user("qt.noivu", is_staff=True)
    UnitAssignment.objects.create(
        user=user, unit=trees.new_departments["noi_vu"], role=Role.AGENCY_ADMIN
    )
    client.force_login(user)
    client.user = user
    return client


def listed(response) -> set[str]:
    return {u.code for u in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("so noi vu phu tho", {"H25.01", "000.00.01.H44"}),
        ("SỞ NỘI VỤ PHÚ THỌ", {"H25.01", "000.00.01.H44"}),
        ("Hoà Bình nội vụ", {"000.00.01.H29"}),  # new-style tone mark in the query
        ("kiem lam", {"000.01.06.H44", "000.01.06.H62", "000.01.06.H29", "H25.05.01"}),
        ("h25.05", {"H25.05", "H25.05.01", "H25.05.02", "H25.05.03"}),
        ("000.00.00.H62", {"000.00.00.H62"}),
    ],
)
def test_search_ignores_diacritics_and_case(admin_client_, trees, query, expected):
    response = admin_client_.get(reverse(CHANGELIST), {"q": query})
    assert response.status_code == 200
    assert listed(response) == expected


def test_changelist_shows_the_tree_with_filters(admin_client_, trees):
    response = admin_client_.get(reverse(CHANGELIST), {"status__exact": "active"})
    assert response.status_code == 200
    codes = listed(response)
    assert "H25" in codes and "000.00.00.H44" not in codes
    assert b"draggable-admin" in response.content
    assert "Nhập từ Excel".encode() in response.content


def test_add_and_change_pages_render(admin_client_, trees):
    assert admin_client_.get(reverse("admin:orgtree_unit_add")).status_code == 200
    unit = trees.new_departments["noi_vu"]
    response = admin_client_.get(reverse("admin:orgtree_unit_change", args=[unit.pk]))
    assert response.status_code == 200
    assert "Ngày hiệu lực của thay đổi" in response.content.decode()


def test_dissolve_action_is_all_or_nothing(admin_client_, trees):
    nnmt = trees.new_departments["nong_nghiep_moi_truong"]
    children = list(nnmt.get_children().filter(status=Unit.Status.ACTIVE))
    url = reverse(CHANGELIST)
    data = {
        "action": "dissolve_selected",
        "_selected_action": [nnmt.pk, children[0].pk],  # a child would stay active: refused
        "apply": "1",
        "effective_date": "2026-01-01",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert "form" in response.context and response.context["form"].errors
    assert Unit.objects.get(pk=children[0].pk).status == Unit.Status.ACTIVE
    data["_selected_action"] = [nnmt.pk] + [c.pk for c in children]
    assert admin_client_.post(url, data).status_code == 302
    assert set(
        Unit.objects.filter(pk__in=data["_selected_action"]).values_list("status", flat=True)
    ) == {Unit.Status.DISSOLVED}


def test_add_goes_through_create_unit(admin_client_, trees):
    parent = trees.new_departments["noi_vu"]
    response = admin_client_.post(
        reverse("admin:orgtree_unit_add"),
        {
            "name": "Phòng Tổ chức biên chế",
            "code": "h25.01.05",
            "kind": "division",
            "parent": parent.pk,
            "valid_from": "2025-08-01",
            "legal_basis_number": "QĐ 12/QĐ-SNV",
            "periods-TOTAL_FORMS": 0,
            "periods-INITIAL_FORMS": 0,
            "event_links-TOTAL_FORMS": 0,
            "event_links-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(code="H25.01.05")
    assert unit.parent == parent
    event = unit.periods.get().event
    assert (event.kind, event.actor) == (UnitChangeEvent.Kind.CREATE, admin_client_.user)


def change_data(unit: Unit, **overrides) -> dict:
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "national_code": unit.national_code,
        "admin_unit": "",
        "change_effective_date": "2026-01-01",
        "change_reason": "",
        "change_legal_basis_number": "",
        "change_legal_basis_date": "",
        "periods-TOTAL_FORMS": 0,
        "periods-INITIAL_FORMS": 0,
        "event_links-TOTAL_FORMS": 0,
        "event_links-INITIAL_FORMS": 0,
    }
    return data | overrides


def test_change_renames_and_moves_through_the_services(admin_client_, trees):
    division = trees.new_divisions[("y_te", "Chi cục Dân số – Kế hoạch hóa gia đình")]
    target = trees.new_departments["noi_vu"]
    url = reverse("admin:orgtree_unit_change", args=[division.pk])
    response = admin_client_.post(
        url,
        change_data(
            division,
            name="Chi cục Dân số",
            parent=target.pk,
            change_reason="Sắp xếp lại",
            change_legal_basis_number="QĐ 99/QĐ-UBND",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    division.refresh_from_db()
    assert (division.name, division.parent_id) == ("Chi cục Dân số", target.pk)
    kinds = set(
        division.events.filter(effective_date=date(2026, 1, 1)).values_list("kind", "actor")
    )
    assert kinds == {("rename", admin_client_.user.pk), ("move", admin_client_.user.pk)}
    assert division.events.filter(legal_basis_number="QĐ 99/QĐ-UBND").count() == 2


def test_a_service_refusal_is_shown_on_the_form(admin_client_, trees):
    unit = trees.new_departments["y_te"]
    response = admin_client_.post(
        reverse("admin:orgtree_unit_change", args=[unit.pk]),
        change_data(unit, code="H25.01", change_effective_date="2026-01-01"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "đã được dùng" in errors["code"][0]
    unit.refresh_from_db()
    assert unit.code == "H25.04"
    # A change dated before the unit's current period is refused on the right field.
    response = admin_client_.post(
        reverse("admin:orgtree_unit_change", args=[unit.pk]),
        change_data(unit, name="Sở Y tế mới", change_effective_date="2020-01-01"),
    )
    assert "change_effective_date" in response.context["adminform"].form.errors


def test_saving_without_real_change_writes_no_event(admin_client_, trees):
    unit = trees.new_departments["y_te"]
    events = UnitChangeEvent.objects.count()
    response = admin_client_.post(
        reverse("admin:orgtree_unit_change", args=[unit.pk]),
        change_data(unit, code=unit.code.lower(), name=f" {unit.name} "),
    )
    assert response.status_code == 302
    assert UnitChangeEvent.objects.count() == events


def test_drag_and_drop_moves_through_move_unit(admin_client_, trees):
    division = trees.new_divisions[("noi_vu", "Ban Thi đua – Khen thưởng")]
    target = trees.new_departments["y_te"]
    response = admin_client_.post(
        reverse(CHANGELIST),
        {
            "cmd": "move_node",
            "cut_item": division.pk,
            "pasted_on": target.pk,
            "position": "last-child",
        },
    )
    assert response.content == b"OK, moved."
    division.refresh_from_db()
    assert division.parent_id == target.pk
    event = division.events.get(kind=UnitChangeEvent.Kind.MOVE)
    assert event.actor == admin_client_.user
    # Dropping into its own subtree is refused by the service.
    response = admin_client_.post(
        reverse(CHANGELIST),
        {
            "cmd": "move_node",
            "cut_item": target.pk,
            "pasted_on": division.pk,
            "position": "last-child",
        },
    )
    assert response.content.startswith(b"FAIL")


def test_agency_admin_sees_and_changes_only_its_subtree(agency_client, trees):
    response = agency_client.get(reverse(CHANGELIST), {"q": "so"})
    assert listed(response) == {"H25.01"}
    other = trees.new_departments["y_te"]
    response = agency_client.get(reverse("admin:orgtree_unit_change", args=[other.pk]))
    assert response.status_code in (302, 404)
    response = agency_client.post(
        reverse(CHANGELIST),
        {
            "cmd": "move_node",
            "cut_item": trees.new_departments["noi_vu"].pk,
            "pasted_on": other.pk,
            "position": "last-child",
        },
    )
    assert response.content.startswith(b"FAIL")
    data = agency_client.get(reverse("admin:orgtree_unit_export_excel")).content
    codes = {
        r[0]
        for r in load_workbook(io.BytesIO(data))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    }
    assert codes == {"H25.01", "H25.01.01"}
    # Events of other agencies are not visible either.
    other_event = other.events.first()
    response = agency_client.get(
        reverse("admin:orgtree_unitchangeevent_change", args=[other_event.pk])
    )
    assert response.status_code in (302, 404)


def test_event_admin_is_read_only_with_links(admin_client_, trees):
    event = trees.new_departments["noi_vu"].events.get(kind="merge")
    response = admin_client_.get(reverse("admin:orgtree_unitchangeevent_change", args=[event.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        reverse("admin:orgtree_unit_change", args=[trees.new_departments["noi_vu"].pk]) in content
    )
    assert "Sở Nội vụ tỉnh Vĩnh Phúc" in content
    assert admin_client_.get(reverse("admin:orgtree_unitchangeevent_add")).status_code == 403
    response = admin_client_.get(
        reverse("admin:orgtree_unitchangeevent_changelist"), {"q": "vinh phuc"}
    )
    assert event in response.context["cl"].result_list


def test_unit_page_shows_periods_events_and_history(admin_client_, trees):
    unit = trees.departments[("vinh_phuc", "noi_vu")]
    response = admin_client_.get(reverse("admin:orgtree_unit_change", args=[unit.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hợp nhất, sáp nhập" in content and "Thành lập" in content
    history = admin_client_.get(reverse("admin:orgtree_unit_history", args=[unit.pk]))
    assert history.status_code == 200
    version = unit.history.first()
    url = reverse("admin:orgtree_unit_simple_history", args=[unit.pk, version.history_id])
    assert admin_client_.post(url, {}).status_code == 403  # no revert around the services


def test_import_view_reports_row_errors_and_writes_nothing(admin_client_, trees):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã định danh", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Hiệu lực từ"])
    ws.append(["H25.01.07", "Phòng mới", "division", "H25.01", "01/08/2025"])
    ws.append(["H25.01.08", "Phòng lỗi", "division", "H77", "01/08/2025"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "don-vi.xlsx"
    response = admin_client_.post(reverse("admin:orgtree_unit_import_excel"), {"file": buf})
    assert response.status_code == 200
    [error] = response.context["result"].errors
    assert (error.row, error.column, error.value) == (3, "Mã đơn vị cấp trên", "H77")
    assert not Unit.objects.filter(code__in=["H25.01.07", "H25.01.08"]).exists()


def test_merge_action_asks_for_target_and_date(admin_client_, trees):
    a = trees.new_divisions[("nong_nghiep_moi_truong", "Chi cục Thủy lợi")]
    target = trees.new_divisions[("nong_nghiep_moi_truong", "Chi cục Kiểm lâm")]
    url = reverse(CHANGELIST)
    response = admin_client_.post(url, {"action": "merge_selected", "_selected_action": [a.pk]})
    assert response.status_code == 200 and "form" in response.context
    response = admin_client_.post(
        url,
        {
            "action": "merge_selected",
            "_selected_action": [a.pk],
            "apply": "1",
            "target_code": target.code.lower(),
            "effective_date": "2026-01-01",
            "legal_basis_number": "QĐ 5",
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == Unit.Status.MERGED
    assert a.successions.get().successor == target


def test_split_action_assigns_children_and_lists_the_rest(admin_client_, trees):
    nnmt = trees.new_departments["nong_nghiep_moi_truong"]
    kiem_lam = trees.new_divisions[("nong_nghiep_moi_truong", "Chi cục Kiểm lâm")]
    thuy_loi = trees.new_divisions[("nong_nghiep_moi_truong", "Chi cục Thủy lợi")]
    url = reverse(CHANGELIST)
    base = {"action": "split_selected", "_selected_action": [nnmt.pk]}
    response = admin_client_.post(url, base)
    assert f"child_{kiem_lam.pk}" in response.context["form"].fields
    response = admin_client_.post(
        url,
        base
        | {
            "apply": "1",
            "new_targets": "H25.15; Sở Nông nghiệp tỉnh Phú Thọ\nH25.16; Sở Môi trường",
            "existing_targets": "",
            f"child_{kiem_lam.pk}": "h25.15",
            f"child_{thuy_loi.pk}": "H25.15",
            "effective_date": "2026-03-01",
            "legal_basis_number": "QĐ 3",
        },
    )
    assert response.status_code == 302
    nnmt.refresh_from_db()
    assert nnmt.status == Unit.Status.SPLIT
    new = Unit.objects.get(code="H25.15")
    assert {u.pk for u in new.get_children()} == {kiem_lam.pk, thuy_loi.pk}
    event = UnitChangeEvent.objects.get(kind="split")
    assert [c["name"] for c in event.details["unassigned_children"]] == [
        "Văn phòng Đăng ký đất đai"
    ]
    assert event.actor == admin_client_.user
