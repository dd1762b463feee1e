from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.forms import BooleanField
from django.urls import reverse

from orgtree.models import Role
from profiles import workflow
from profiles.models import CodeItem, Profile, ProfileStatus, VersionStatus, WorkHistory

LIST = reverse("admin:profiles_profile_changelist")


@pytest.fixture
def people(make_profile, tree):
    return {
        "an": make_profile(),  # Nguyễn Văn An, in H40.10.01
        "hoa": make_profile(
            personal_id="040185002222", full_name="Trần Thị Hòa", sex="2", unit=tree["H40.11"]
        ),
        "bad": make_profile(
            personal_id="040285003333", full_name="Lê Văn Bảo", unit=tree["H40.10"]
        ),
        "far": make_profile(
            personal_id="042085004444",
            full_name="Phạm Minh Đức",
            birth_registration_province="042",
            unit=tree["H42"],
        ),
    }


@pytest.fixture
def admin_user(user_with):
    return user_with("quantri", superuser=True)


def names(response):
    return {p.full_name for p in response.context["cl"].result_list}


def test_search_without_diacritics_and_by_id(client, admin_user, people):
    client.force_login(admin_user)
    assert names(client.get(LIST, {"q": "tran thi hoa"})) == {"Trần Thị Hòa"}
    assert names(client.get(LIST, {"q": "Hoà"})) == {"Trần Thị Hòa"}  # new tone style typed
    assert names(client.get(LIST, {"q": "0420"})) == {"Phạm Minh Đức"}


def test_filters(client, admin_user, people, tree):
    client.force_login(admin_user)
    sub = names(client.get(LIST, {"unit_tree": tree["H40.10"].pk}))
    assert sub == {"Nguyễn Văn An", "Lê Văn Bảo"}
    assert names(client.get(LIST, {"findings": "errors"})) == {"Lê Văn Bảo"}
    assert names(client.get(LIST, {"status": "draft"})) == {p.full_name for p in people.values()}


def test_hr_officer_sees_only_their_subtree(client, hr, people):
    client.force_login(hr)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == {"Nguyễn Văn An", "Lê Văn Bảo"}
    outside = reverse("admin:profiles_profile_change", args=[people["hoa"].pk])
    assert client.get(outside).status_code in (302, 404)
    inside = client.get(reverse("admin:profiles_profile_change", args=[people["an"].pk]))
    assert inside.status_code == 200
    assert "Nhóm 1 – Thông tin cá nhân" in inside.content.decode()


def test_detail_shows_findings_with_duplicate_link_and_assets_only_with_permission(
    client, hr, make_profile, people
):
    twin = make_profile(personal_id="040085009999")  # same name, birth date, sex as "an"
    url = reverse("admin:profiles_profile_change", args=[people["an"].pk])
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert reverse("admin:profiles_profile_change", args=[twin.pk]) in page
    assert "kê khai tài sản" not in page.lower()
    hr.user_permissions.add(Permission.objects.get(codename="view_assets_income"))
    hr = type(hr).objects.get(pk=hr.pk)
    client.force_login(hr)
    assert "kê khai tài sản" in client.get(url).content.decode().lower()


def test_bulk_approve_and_reject_through_the_workflow(client, hr, approver, people):
    for key in ("an",):
        workflow.submit(people[key], hr)
    client.force_login(approver)
    response = client.post(
        LIST,
        {"action": "approve_selected", "_selected_action": [people["an"].pk, people["bad"].pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Đã phê duyệt: 1 hồ sơ" in text
    assert "không có phiên bản nào đang chờ phê duyệt" in text  # "bad" was never submitted
    assert Profile.objects.get(pk=people["an"].pk).status == ProfileStatus.APPROVED

    hoa = people["hoa"]
    hr_home = type(hr).objects.create_user("cb_noivu", password=None, is_staff=True)
    from orgtree.models import UnitAssignment

    UnitAssignment.objects.create(user=hr_home, unit=hoa.unit, role=Role.HR_OFFICER)
    version = workflow.submit(hoa, hr_home)
    form = client.post(LIST, {"action": "reject_selected", "_selected_action": [hoa.pk]})
    assert "lý do trả lại" in form.content.decode()
    client.post(
        LIST,
        {"action": "reject_selected", "_selected_action": [hoa.pk], "apply": "1",
         "reason": "Sai quê quán"},
    )  # fmt: skip
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED and version.rejection_reason == "Sai quê quán"


def test_add_profile_through_admin_records_reason_and_user(client, hr, tree):
    client.force_login(hr)
    url = reverse("admin:profiles_profile_add")
    assert client.get(url).status_code == 200
    data = {
        "personal_id": "040085007777", "full_name": "đỗ thị mai", "sex": "2",
        "date_of_birth": "1985-03-14", "birth_date_precision": "day",
        "unit": tree["H40.10"].pk, "change_reason": "Nhập hồ sơ mới tuyển",
    }  # fmt: skip
    for prefix in ("work_history", "salary_history", "career_events", "education", "trainings",
                   "family", "memberships", "military_service", "assessments", "commendations",
                   "disciplines", "health"):  # fmt: skip
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    p = Profile.objects.get(personal_id="040085007777")
    assert p.full_name == "Đỗ Thị Mai" and p.created_by == hr
    record = p.history.first()
    assert record.history_user == hr and record.history_change_reason == "Nhập hồ sơ mới tuyển"
    assert p.error_count == 1  # ID digit 4 says a man: PID_SEX


def test_inline_history_rows_set_the_current_position_and_are_validated(client, hr, tree):
    """Rows saved through the profile page's inlines set off the derived fields and the
    validation (once for the whole save, not once per row)."""
    client.force_login(hr)
    data = {
        "personal_id": "040085008888", "full_name": "Vũ Văn Nam", "sex": "1",
        "date_of_birth": "1985-03-14", "birth_date_precision": "day",
        "unit": tree["H40.10"].pk, "change_reason": "Nhập hồ sơ",
        "work_history-TOTAL_FORMS": "2", "work_history-INITIAL_FORMS": "0",
        "work_history-0-start_date": "1995-01-01", "work_history-0-end_date": "2009-12-31",
        "work_history-0-unit_name": "Hợp tác xã Nam Đàn",
        "work_history-1-start_date": "2010-01-01", "work_history-1-unit": tree["H40.10"].pk,
        "work_history-1-position_code": "PGD",
    }  # fmt: skip
    for prefix in ("salary_history", "career_events", "education", "trainings", "family",
                   "memberships", "military_service", "assessments", "commendations",
                   "disciplines", "health"):  # fmt: skip
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(reverse("admin:profiles_profile_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    p = Profile.objects.get(personal_id="040085008888")
    assert p.work_history.count() == 2
    assert p.position_code == "PGD"  # derived from the open work row, not typed
    assert p.findings.filter(code="WORK_BEFORE_15").exists()  # the 1995 row: aged 9
    # each inline row's history names who saved it and why (profiles.actions.editing_children)
    rows = WorkHistory.history.filter(profile_id=p.pk)
    assert [(r.history_user_id, r.history_change_reason) for r in rows] == [
        (hr.pk, "Nhập hồ sơ")
    ] * 2


def test_code_lists_viewable_by_roles_editable_by_national_admin(client, hr, admin_user):
    item = CodeItem.objects.filter(release__code_list__key="ethnicity", code="01").first()
    url = reverse("admin:profiles_codeitem_change", args=[item.pk])
    client.force_login(hr)
    page = client.get(url)
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert client.post(url, {"code": "01", "name": "Việt"}).status_code == 403
    client.force_login(admin_user)
    assert 'name="name"' in client.get(url).content.decode()
    export_url = reverse("admin:profiles_codeitem_export")
    form = client.get(export_url).context["form"]
    data = {"format": "0", "resource": "0"}  # CSV, the only resource
    data.update({name: "on" for name, f in form.fields.items() if isinstance(f, BooleanField)})
    export = client.post(export_url, data)
    assert export.status_code == 200
    assert "attachment" in export.get("Content-Disposition", "")
    assert "Kinh" in export.content.decode("utf-8-sig")


def test_list_is_vietnamese(client, admin_user, people):
    client.force_login(admin_user)
    text = client.get(LIST).content.decode()
    for label in ("mức đầy đủ", "kết quả kiểm tra", "cây đơn vị", "Có lỗi"):
        assert label in text


def test_dates_fixture_sane():
    assert date(1985, 3, 14).year == 1985


def test_completeness_per_unit_page_is_scoped(client, hr, people):
    client.force_login(hr)
    page = client.get(reverse("admin:profiles_profile_completeness"))
    codes = {r["unit__code"] for r in page.context["rows"]}
    assert codes == {"H40.10", "H40.10.01"}
    assert "Mức đầy đủ theo đơn vị" in client.get(LIST).content.decode()


def test_trigram_index_only_on_postgresql(db):
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "profiles_profile")
    assert ("profiles_profile_folded_trgm" in indexes) == (connection.vendor == "postgresql")


def test_verify_action_only_inside_edit_scope(client, hr, people):
    client.force_login(hr)
    Profile.objects.update(last_verified_at=None)
    response = client.post(
        LIST,
        {"action": "verify_selected", "_selected_action": [people["an"].pk, people["hoa"].pk]},
        follow=True,
    )
    assert "Đã xác minh: 1 hồ sơ" in response.content.decode()  # "hoa" is not in hr's scope
    assert Profile.objects.get(pk=people["an"].pk).last_verified_at == date.today()
    assert Profile.objects.get(pk=people["hoa"].pk).last_verified_at is None


def test_findings_list_is_scoped_and_filterable(client, hr, people):
    client.force_login(hr)
    url = reverse("admin:profiles_finding_changelist")
    rows = client.get(url, {"severity__exact": "error"}).context["cl"].result_list
    assert {f.profile_id for f in rows} == {people["bad"].pk}  # "an" has no error, "hoa" outside
    assert {f.code for f in rows} == {"PID_CENTURY"}


def test_unit_fields_are_search_boxes_that_offer_only_active_units_in_scope(
    client, hr, people, tree
):
    """A province has thousands of units: the profile page must not list them all in a select
    per history row. Unit fields are autocomplete boxes; their search answers only the units
    the user's scope holds that are still active (the only ones the field accepts)."""
    from orgtree.models import Unit
    from profiles.models import WorkHistory

    profile = people["an"]  # in H40.10.01, inside the officer's H40.10
    WorkHistory.objects.create(profile=profile, start_date=date(2010, 1, 1), unit=tree["H40.10.01"])
    Unit.objects.filter(code="H40.10").update(name="Sở Tài chính (cũ)")
    closed = Unit.objects.create(
        name="Phòng Tài chính cũ",
        code="H40.10.09",
        kind=Unit.Kind.DIVISION,
        parent=tree["H40.10"],
        valid_from=date(2020, 1, 1),
    )
    Unit.objects.filter(pk=closed.pk).update(status=Unit.Status.DISSOLVED)
    client.force_login(hr)

    page = client.get(  # every table at once (profiles.lazy_inlines)
        reverse("admin:profiles_profile_change", args=[profile.pk]), {"nhom": "tat-ca"}
    )
    assert page.status_code == 200
    form = page.context["inline_admin_formsets"]
    work = next(f for f in form if f.formset.prefix == "work_history")
    widget = work.formset.forms[0].fields["unit"].widget
    assert widget.widget.__class__.__name__ == "AutocompleteSelect"
    html = page.content.decode()
    assert "Sở Tài chính (cũ)" not in html  # no option per unit in scope, only the chosen one
    assert "Phòng Ngân sách" in html

    def search(term: str = "") -> set[str]:
        query = {"app_label": "profiles", "model_name": "workhistory", "field_name": "unit"}
        response = client.get(reverse("admin:autocomplete"), {**query, "term": term})
        assert response.status_code == 200
        return {row["text"] for row in response.json()["results"]}

    found = search()
    assert {"Sở Tài chính (cũ) [H40.10]", "Phòng Ngân sách [H40.10.01]"} <= found
    assert not any("H40.11" in t or "H42" in t for t in found)  # outside the officer's scope
    assert not any("H40.10.09" in t for t in found)  # dissolved
    assert search("ngan sach") == {"Phòng Ngân sách [H40.10.01]"}  # without diacritics
    # the unit tree's own search still shows dissolved units
    listing = client.get(reverse("admin:orgtree_unit_changelist"), {"q": "tai chinh cu"})
    assert "Phòng Tài chính cũ" in listing.content.decode()
