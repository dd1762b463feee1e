"""Org-tree sync: the national tree is stored, local units get suggested national codes (code
first, then name), the agency admin confirms (the code is written to the unit as an attributable
event) or rejects, only inside their own subtree."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from orgtree.models import Role, Unit, UnitAssignment, UnitChangeEvent
from syncing import orgsync
from syncing.models import NationalUnit, UnitMatch

pytestmark = [
    pytest.mark.django_db,
    # a request thread of the emulator outliving its stop closed a shared connection from the
    # wrong thread (a kept-alive connection the app's client never closed)
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

NATIONAL = [
    {"code": "H25", "name": "Ủy ban nhân dân tỉnh Phú Thọ", "parent_code": ""},
    {"code": "H25.01", "name": "Sở Nội vụ tỉnh Phú Thọ", "parent_code": "H25"},
    {"code": "H25.20", "name": "Sở Tài chính", "parent_code": "H25"},
    {"code": "H25.21", "name": "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "parent_code": "H25"},
    {"code": "H25.99", "name": "Ban Quản lý các khu công nghiệp", "parent_code": "H25"},
]


@pytest.fixture
def world(make_unit):
    User = get_user_model()
    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    units = {
        "a": a,
        "home": make_unit("Sở Nội vụ", parent=a, code="H25.01"),
        "finance": make_unit("Sở Tài chính", parent=a, code="H25.02"),
        "edu": make_unit("Sở Giáo dục và Đào tạo", parent=a, code="H25.03"),
        "office": make_unit("Văn phòng Đoàn đại biểu Quốc hội", parent=a, code="H25.04"),
        "b": make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind="province_pc"),
    }
    admin = User.objects.create_user("a_admin", is_staff=True, first_name="Quản trị A")
    UnitAssignment.objects.create(user=admin, unit=a, role=Role.AGENCY_ADMIN)
    b_admin = User.objects.create_user("b_admin", is_staff=True)
    UnitAssignment.objects.create(user=b_admin, unit=units["b"], role=Role.AGENCY_ADMIN)
    hr = User.objects.create_user("a_hr", is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=a, role=Role.HR_OFFICER)
    return {**units, "admin": admin, "b_admin": b_admin, "hr": hr}


def _match(unit: Unit) -> UnitMatch:
    return UnitMatch.objects.get(unit=unit)


def test_store_and_suggest_by_code_then_name(world):
    a = world["a"]
    assert orgsync.store_national_tree(a, NATIONAL) == 5
    summary = orgsync.suggest_matches(a)
    assert (summary.by_code, summary.by_name, summary.unmatched) == (2, 2, 1)
    home = _match(world["home"])
    assert (home.national_code, home.method, home.score) == ("H25.01", "code", 100)
    assert "Trùng mã định danh H25.01" in home.reason
    finance = _match(world["finance"])
    assert (finance.national_code, finance.method) == ("H25.20", "name")
    assert finance.score == 100 and "cùng đơn vị cấp trên" in finance.reason
    edu = _match(world["edu"])  # upper case, same words: folded names are equal
    assert (edu.national_code, edu.method) == ("H25.21", "name")
    office = _match(world["office"])
    assert (office.status, office.national_code) == (UnitMatch.Status.UNMATCHED, "")


def test_pull_again_marks_vanished_units_and_keeps_decisions(world):
    a = world["a"]
    orgsync.store_national_tree(a, NATIONAL)
    orgsync.suggest_matches(a)
    orgsync.reject_match(_match(world["finance"]), world["admin"])
    orgsync.store_national_tree(a, [r for r in NATIONAL if r["code"] != "H25.99"])
    assert not NationalUnit.objects.get(code="H25.99").present
    summary = orgsync.suggest_matches(a)
    assert summary.kept == 1
    assert _match(world["finance"]).status == UnitMatch.Status.REJECTED


def test_a_bad_national_row_fails_the_whole_pull(world):
    with pytest.raises(ValidationError, match="thứ 2"):
        orgsync.store_national_tree(world["a"], [NATIONAL[0], {"code": "", "name": "X"}])
    assert not NationalUnit.objects.exists()


def test_confirm_writes_the_code_to_the_unit_through_the_tree_service(world):
    a, admin = world["a"], world["admin"]
    orgsync.store_national_tree(a, NATIONAL)
    orgsync.suggest_matches(a)
    orgsync.confirm_match(_match(world["finance"]), admin)
    finance = Unit.objects.get(pk=world["finance"].pk)
    assert finance.national_code == "H25.20"
    event = UnitChangeEvent.objects.filter(units=finance, kind="update").get()
    assert event.actor == admin and "H25.20" in event.reason
    assert finance.history.first().history_user == admin
    match = _match(finance)
    assert (match.status, match.decided_by) == (UnitMatch.Status.CONFIRMED, admin)
    # the admin types another code for a unit with no suggestion
    orgsync.confirm_match(_match(world["office"]), admin, national_code="h25.99")
    office = _match(world["office"])
    assert (office.national_code, office.method) == ("H25.99", "manual")
    # a code already confirmed for another unit, or not on the national tree, is refused
    with pytest.raises(ValidationError, match="đã được xác nhận"):
        orgsync.confirm_match(_match(world["edu"]), admin, national_code="H25.20")
    with pytest.raises(ValidationError, match="không có trên cây"):
        orgsync.confirm_match(_match(world["edu"]), admin, national_code="H25.77")


def test_only_the_agency_admin_of_the_subtree_decides(world):
    a = world["a"]
    orgsync.store_national_tree(a, NATIONAL)
    orgsync.suggest_matches(a)
    for outsider in (world["b_admin"], world["hr"]):
        with pytest.raises(PermissionDenied):
            orgsync.confirm_match(_match(world["home"]), outsider)
    assert _match(world["home"]).status == UnitMatch.Status.SUGGESTED


def test_admin_page_is_scoped_and_confirms(world):
    a = world["a"]
    orgsync.store_national_tree(a, NATIONAL)
    orgsync.suggest_matches(a)
    url = reverse("admin:syncing_unitmatch_changelist")
    mine = Client()
    mine.force_login(world["admin"])
    listing = mine.get(url).content.decode()
    assert "Sở Tài chính" in listing and "H25.20" in listing
    other = Client()
    other.force_login(world["b_admin"])
    assert "Sở Tài chính" not in other.get(url).content.decode()
    match = _match(world["finance"])
    change = reverse("admin:syncing_unitmatch_change", args=[match.pk])
    unknown = reverse("admin:syncing_unitmatch_change", args=[987654])
    assert other.get(change).status_code == other.get(unknown).status_code
    other.post(change, {"national_code": "H25.99"})
    assert _match(world["finance"]).status == UnitMatch.Status.SUGGESTED
    # the admin edits the code on the form: a wrong code comes back with the error
    wrong = mine.post(change, {"national_code": "H25.77"})
    assert wrong.status_code == 200 and "không có trên cây" in wrong.content.decode()
    ok = mine.post(change, {"national_code": "H25.20"})
    assert ok.status_code == 302
    assert _match(world["finance"]).status == UnitMatch.Status.CONFIRMED
    response = mine.post(
        url,
        {"action": "confirm_selected", "_selected_action": [_match(world["home"]).pk]},
    )
    assert response.status_code == 302
    assert _match(world["home"]).status == UnitMatch.Status.CONFIRMED
    # the same code as its own: nothing extra recorded on the unit
    assert Unit.objects.get(pk=world["home"].pk).national_code == ""
    assert orgsync.mapped_counts(Unit.objects.all()) == {
        world["finance"].pk: 1,
        world["home"].pk: 1,
    }


# -- over real HTTP against the emulator of the national side -------------------------------------
def _connect(national_server, agency: Unit):
    from syncing.models import Connection, Destination

    issued = national_server.issue_key(agency.code)
    conn = Connection(
        unit=agency,
        destination=Destination.NATIONAL,
        software_name="cbccvc",
        base_url=national_server.url,
        key_id=issued.key.key_id,
        admin_name="Nguyễn Văn Quản",
    )
    conn.set_secret(issued.secret)
    conn.save()
    return conn


@pytest.mark.django_db(transaction=True, databases=["default", "national"])
def test_pull_suggest_confirm_push_over_http(national_server, world):
    from syncing.emulator.models import NationalUnit as Remote

    root = Remote.objects.create(
        code="H25", name="Ủy ban nhân dân tỉnh Phú Thọ", agency_code="H25", source="national"
    )
    for code, name in [("H25.01", "Sở Nội vụ"), ("H25.20", "Sở Tài chính tỉnh Phú Thọ")]:
        Remote.objects.create(
            code=code, name=name, parent=root, agency_code="H25", source="national"
        )
    Remote.objects.create(code="H12", name="UBND Hà Nội", agency_code="H12", source="national")
    a = world["a"]
    _connect(national_server, a)
    client = orgsync.client_for_agency(a)
    assert orgsync.pull_national_tree(a, client) == 3  # only the key's agency
    summary = orgsync.suggest_matches(a)
    assert (summary.by_code, summary.by_name) == (2, 1)
    assert _match(world["finance"]).national_code == "H25.20"
    orgsync.confirm_match(_match(world["finance"]), world["admin"])
    pushed = orgsync.push_units(a, client)
    assert pushed.rejected == []
    assert (pushed.sent, pushed.created) == (5, 2)  # edu and office are new nationally
    # the national side now knows our units, the finance department under its national code
    assert Remote.objects.get(code="H25.20").name == "Sở Tài chính"
    assert Remote.objects.get(code="H25.03").parent.code == "H25"
    assert _match(world["finance"]).pushed_at is not None


@pytest.mark.django_db(transaction=True, databases=["default", "national"])
def test_revoked_key_stops_the_pull_with_a_clear_message(national_server, world):
    from syncing.models import ConnectionStatus

    conn = _connect(national_server, world["a"])
    conn.status = ConnectionStatus.REVOKED
    conn.save()
    with pytest.raises(ValidationError, match="đã bị thu hồi"):
        orgsync.client_for_agency(world["a"])
    assert not NationalUnit.objects.exists()
