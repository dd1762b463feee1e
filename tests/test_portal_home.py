"""The role home pages on the admin index (portal/home.py): each role's queues, counted in the
user's scope, each card a link to the admin list that shows exactly the counted rows."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from orgtree.models import Role, Unit, UnitAssignment
from portal.home import Card, sections_for

PASSWORD = "x-Password-123"


def _profile(unit: Unit, n: int, name: str, **state: Any):
    """A profile of ``unit`` put in a workflow/quality state directly (the workflow's own
    rules are tested elsewhere; here only the counting and the lists matter)."""
    from profiles.models import Profile
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    profile = create_profile(
        unit=unit, **valid_fields(personal_id=f"0400850{n:05d}", full_name=name)
    )
    values = {"error_count": 0, "warning_count": 0, "status": "draft", "version_number": 0}
    values.update(state)
    Profile.objects.filter(pk=profile.pk).update(**values)
    return profile


def _version(profile, number: int = 1, status: str = "signed"):
    from profiles.models import ProfileVersion

    return ProfileVersion.objects.create(
        profile=profile,
        number=number,
        status=status,
        snapshot={},
        content_hash="0" * 64,
        submitted_at=timezone.now(),
    )


def _connection(unit: Unit, key_id: str, **fields: Any):
    from syncing.models import Connection

    conn = Connection(
        unit=unit, software_name="Phần mềm", base_url="http://127.0.0.1:9/", key_id=key_id, **fields
    )
    conn.set_secret("secret")
    conn.save()
    return conn


def _sync_item(profile, conn, status: str, n: int):
    from syncing.models import SyncItem

    return SyncItem.objects.create(
        version=_version(profile, number=n),
        connection=conn,
        status=status,
        next_attempt_at=timezone.now(),
        idempotency_key=f"{profile.personal_id}:{n}",
    )


def _mismatch(profile, external_id: str, status: str = "open"):
    from syncing.models import Mismatch

    return Mismatch.objects.create(
        external_id=external_id,
        profile=profile,
        kind="spelling",
        field="full_name",
        our_value=profile.full_name,
        population_value=profile.full_name + " A",
        since=timezone.localdate(),
        status=status,
        last_seen_at=timezone.now(),
    )


def _api_key(unit: Unit, by, expires_in_days: int | None, label: str):
    from orgtree import apikeys
    from orgtree.models import IntegrationClient

    client, _ = IntegrationClient.objects.get_or_create(name=f"Hệ thống của {unit.code}", unit=unit)
    expires = None if expires_in_days is None else timezone.now() + timedelta(expires_in_days)
    return apikeys.issue_key(client, created_by=by, label=label, expires_at=expires).key


@pytest.fixture
def world(make_unit):
    from transfer.models import ImportJob

    User = get_user_model()
    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    a_dept = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    b = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)

    def user(username: str, *grants: tuple[Unit, str], **kw: Any):
        account = User.objects.create_user(username, password=PASSWORD, is_staff=True, **kw)
        for unit, role in grants:
            UnitAssignment.objects.create(user=account, unit=unit, role=role)
        return account

    users = {
        "a_hr": user("a_hr", (a, Role.HR_OFFICER)),
        "a_approver": user("a_approver", (a, Role.APPROVER)),
        "a_admin": user("a_admin", (a, Role.AGENCY_ADMIN)),
        "a_viewer": user("a_viewer", (a, Role.VIEWER)),
        # several roles, one of them twice: each role's section once
        "a_multi": user(
            "a_multi", (a, Role.HR_OFFICER), (a_dept, Role.HR_OFFICER), (a, Role.APPROVER)
        ),
        "b_hr": user("b_hr", (b, Role.HR_OFFICER)),
        "b_approver": user("b_approver", (b, Role.APPROVER)),
        "b_admin": user("b_admin", (b, Role.AGENCY_ADMIN)),
        "national": User.objects.create_superuser("national", password=PASSWORD),
    }
    p = {
        "a_errors": _profile(a_dept, 1, "Nguyễn Văn Lỗi", error_count=2),
        "a_returned": _profile(a_dept, 2, "Trần Thị Trả", version_number=1),
        "a_submitted1": _profile(a_dept, 3, "Lê Văn Chờ", status="submitted", version_number=1),
        "a_submitted2": _profile(a, 4, "Phạm Thị Đợi", status="submitted", version_number=1),
        "a_approved": _profile(a, 5, "Hoàng Văn Duyệt", status="approved", version_number=1),
        "a_clean": _profile(a, 6, "Vũ Thị Sạch", status="synced", version_number=1),
        "b_errors": _profile(b, 11, "Đỗ Văn Hà", error_count=1),
        "b_submitted": _profile(b, 12, "Bùi Thị Nội", status="submitted", version_number=1),
    }
    # already-submitted profiles that were neither returned nor are drafts don't count as
    # returned; a draft never submitted neither
    a_conn = _connection(a, "a-key", last_health_ok=False)
    b_conn = _connection(b, "b-key")
    _sync_item(p["a_clean"], a_conn, "failed", 1)
    _sync_item(p["a_clean"], a_conn, "dead", 2)
    _sync_item(p["a_clean"], a_conn, "synced", 3)
    _sync_item(p["b_submitted"], b_conn, "dead", 1)
    _mismatch(p["a_clean"], "a-open")
    _mismatch(p["a_approved"], "a-resolved", status="resolved")
    _mismatch(p["b_errors"], "b-open")
    ImportJob.objects.create(created_by=users["a_hr"], unit=a_dept, status="failed")
    ImportJob.objects.create(created_by=users["a_hr"], unit=a_dept, status="done")
    ImportJob.objects.create(created_by=users["b_hr"], unit=b, status="failed")
    _api_key(a, users["a_admin"], 10, "sắp hết hạn")
    _api_key(a, users["a_admin"], 90, "còn lâu")
    _api_key(a, users["a_admin"], None, "không hạn")
    _api_key(b, users["b_admin"], 5, "của Hà Nội")
    return {"a": a, "a_dept": a_dept, "b": b, "users": users, "profiles": p}


def _cards(user) -> dict[str, Card]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {card.title: card for s in sections_for(request) for card in s.cards}


def _section_keys(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return [s.key for s in sections_for(request)]


def _counts(user) -> dict[str, int | None]:
    return {title: card.count for title, card in _cards(user).items()}


def _listed(user, url: str) -> set[int]:
    """The pks the admin changelist at ``url`` shows to ``user`` (all pages)."""
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return {obj.pk for obj in response.context["cl"].queryset}


HR_ERRORS = "Hồ sơ có lỗi cần sửa"
HR_RETURNED = "Hồ sơ bị trả lại hoặc mở lại để sửa"
HR_MISMATCH = "Sai lệch đối khớp chờ xử lý"
HR_IMPORT_FAILED = "Lượt nhập dữ liệu thất bại"
WAITING = "Chờ phê duyệt"
TO_SIGN = "Đã phê duyệt, chờ ký số"
SYNC_FAILED = "Đồng bộ lỗi"
DEAD = "Đồng bộ hết lượt gửi lại"
KEYS = "Khóa API hết hạn trong 30 ngày"
ASSIGNMENTS = "Phân quyền người dùng"
ACCOUNTS = "Tài khoản người dùng đang hoạt động"


@pytest.mark.django_db
def test_hr_officer_counts_are_the_agency_queues(world):
    counts = _counts(world["users"]["a_hr"])
    assert counts[HR_ERRORS] == 1
    assert counts[HR_RETURNED] == 1
    assert counts[HR_MISMATCH] == 1
    assert counts[HR_IMPORT_FAILED] == 1
    assert WAITING not in counts and KEYS not in counts


@pytest.mark.django_db
def test_approver_counts(world):
    counts = _counts(world["users"]["a_approver"])
    assert counts == {WAITING: 2, TO_SIGN: 1, SYNC_FAILED: 2}


@pytest.mark.django_db
def test_agency_admin_counts_and_connection_state(world):
    cards = _cards(world["users"]["a_admin"])
    assert cards[DEAD].count == 1
    assert cards[KEYS].count == 1  # 10 days: yes; 90 days and no expiry: no; Hà Nội's: not seen
    # a_hr, a_approver, a_admin, a_viewer, a_multi ×3 on H25 and its department, and the
    # integration client's service account (integration and HR officer roles)
    assert cards[ASSIGNMENTS].count == 9
    connection = cards["Kết nối đồng bộ"]
    assert connection.count is None
    assert connection.lines == [
        "H25 → CSDL quốc gia về CBCCVC: Đang hoạt động, lần kiểm tra gần nhất lỗi"
    ]
    assert connection.tone == "attention"


@pytest.mark.django_db
def test_agency_admin_accounts_card_counts_the_active_accounts_of_the_subtree(world):
    """The card counts what its list shows: the active accounts holding a role in the admin's
    subtree (a deactivated one and Hà Nội's not), and links to the creation form."""
    from orgtree import users as accounts

    admin_user = world["users"]["a_admin"]
    accounts.set_active(
        acting_user=admin_user, user=world["users"]["a_viewer"], active=False, reason="nghỉ hưu"
    )
    card = _cards(admin_user)[ACCOUNTS]
    listed = _listed(admin_user, card.url)
    assert card.count == len(listed)
    usernames = set(
        get_user_model().objects.filter(pk__in=listed).values_list("username", flat=True)
    )
    assert {"a_hr", "a_approver", "a_admin", "a_multi"} <= usernames
    assert not usernames & {"a_viewer", "b_hr", "b_admin"}
    assert card.action_url == reverse("admin:orgtree_agencyuser_add")
    assert ACCOUNTS not in _cards(world["users"]["a_hr"])  # only those who manage accounts


@pytest.mark.django_db
def test_another_agency_sees_none_of_this_agencys_items(world):
    """Every card of Hà Nội's users counts Hà Nội's rows only."""
    assert _counts(world["users"]["b_hr"]) == {
        HR_ERRORS: 1,
        HR_RETURNED: 0,
        HR_MISMATCH: 1,
        "Hồ sơ nghi trùng chờ xem xét": 0,
        HR_IMPORT_FAILED: 1,
    }
    assert _counts(world["users"]["b_approver"]) == {WAITING: 1, TO_SIGN: 0, SYNC_FAILED: 1}
    b_admin = _cards(world["users"]["b_admin"])
    assert b_admin[DEAD].count == 1
    assert b_admin[KEYS].count == 1
    assert b_admin[ASSIGNMENTS].count == 5  # b_hr, b_approver, b_admin, client account ×2
    assert b_admin["Kết nối đồng bộ"].lines == ["H12 → CSDL quốc gia về CBCCVC: Đang hoạt động"]
    # and the lists behind Hà Nội's cards show none of Phú Thọ's profiles
    a_pks = {p.pk for key, p in world["profiles"].items() if key.startswith("a_")}
    for title in (HR_ERRORS, HR_RETURNED):
        card = _cards(world["users"]["b_hr"])[title]
        assert not _listed(world["users"]["b_hr"], card.url) & a_pks


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "title", "expected"),
    [
        ("a_hr", HR_ERRORS, ["a_errors"]),
        ("a_hr", HR_RETURNED, ["a_returned"]),
        ("a_approver", WAITING, ["a_submitted1", "a_submitted2"]),
        ("a_approver", TO_SIGN, ["a_approved"]),
        ("b_approver", WAITING, ["b_submitted"]),
        ("national", WAITING, ["a_submitted1", "a_submitted2", "b_submitted"]),
    ],
)
def test_profile_card_links_filter_the_list(world, username, title, expected):
    user = world["users"][username]
    card = _cards(user)[title]
    listed = _listed(user, card.url)
    assert listed == {world["profiles"][key].pk for key in expected}
    assert card.count == len(listed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "title"),
    [
        ("a_hr", HR_MISMATCH),
        ("a_hr", HR_IMPORT_FAILED),
        ("a_approver", SYNC_FAILED),
        ("a_admin", DEAD),
        ("a_admin", KEYS),
        ("a_admin", ASSIGNMENTS),
        ("b_admin", KEYS),
        ("national", SYNC_FAILED),
        ("national", KEYS),
    ],
)
def test_other_card_links_show_as_many_rows_as_counted(world, username, title):
    user = world["users"][username]
    card = _cards(user)[title]
    assert card.count, "the fixture puts at least one row in every queue tested here"
    assert len(_listed(user, card.url)) == card.count


@pytest.mark.django_db
def test_several_roles_see_each_roles_cards_once(world):
    assert _section_keys(world["users"]["a_multi"]) == [Role.HR_OFFICER, Role.APPROVER]
    counts = _counts(world["users"]["a_multi"])
    assert counts[HR_ERRORS] == 1  # H25 and its department overlap: nothing counted twice
    assert counts[WAITING] == 2


@pytest.mark.django_db
def test_viewer_gets_a_profile_search_that_ignores_diacritics(world):
    viewer = world["users"]["a_viewer"]
    client = Client()
    client.force_login(viewer)
    page = client.get("/admin/").content.decode()
    assert 'id="portal-viewer"' in page
    assert 'action="/admin/profiles/profile/"' in page and 'name="q"' in page
    assert _cards(viewer) == {}
    for term in ("Lê Văn Chờ", "le van cho"):
        response = client.get("/admin/profiles/profile/", {"q": term})
        assert [p.pk for p in response.context["cl"].result_list] == [
            world["profiles"]["a_submitted1"].pk
        ]


@pytest.mark.django_db
def test_national_admin_sees_national_cards(world):
    national = world["users"]["national"]
    assert _section_keys(national) == ["national", "national-admin", "search"]
    counts = _counts(national)
    assert counts[WAITING] == 3
    assert counts[HR_ERRORS] == 2
    assert counts[DEAD] == 2
    assert counts[KEYS] == 2
    assert counts[HR_MISMATCH] == 2


@pytest.mark.django_db
def test_index_page_shows_the_cards_with_links_and_no_none(world):
    client = Client()
    client.force_login(world["users"]["a_approver"])
    response = client.get("/admin/")
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Việc của người phê duyệt, ký số" in page
    assert 'href="/admin/profiles/profile/?status=submitted"' in page
    assert ">Chờ phê duyệt<" in page
    assert "Tất cả chức năng" in page  # the model list stays, folded below the cards
    assert "None" not in page


@pytest.mark.django_db
def test_one_count_per_card(world):
    """The approver's three cards: the scope, the session/user and one COUNT per card —
    independent of the number of rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username="a_approver")
    request = RequestFactory().get("/admin/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        sections_for(request)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 3
    assert len(queries.captured_queries) <= 5, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_scheduled_tree_operations_card_when_the_model_exists(world):
    """The card appears only where the scheduled-operations model and its admin exist."""
    from datetime import date

    from django.apps import apps
    from django.contrib import admin

    try:
        model = apps.get_model("orgtree.ScheduledOperation")
    except LookupError:
        pytest.skip("no scheduled tree operations in this code base")
    if model not in admin.site._registry:
        pytest.skip("scheduled tree operations have no admin")
    title = "Thao tác cây đơn vị đã lên lịch"
    for unit, status in [(world["a_dept"], "scheduled"), (world["a_dept"], "cancelled"),
                         (world["b"], "scheduled")]:  # fmt: skip
        model.objects.create(kind="dissolve", unit=unit, effective_date=date(2030, 1, 1),
                             status=status)  # fmt: skip
    a_admin = world["users"]["a_admin"]
    card = _cards(a_admin)[title]
    assert card.count == 1
    assert len(_listed(a_admin, card.url)) == 1
    assert _cards(world["users"]["national"])[title].count == 2
    assert title not in _cards(world["users"]["a_hr"])
