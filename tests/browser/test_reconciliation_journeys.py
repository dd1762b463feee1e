"""Two journeys of the sync work in the browser: an HR officer accepts a reconciliation mismatch
("đối khớp"), and an agency admin watches the progress dashboard. Screenshots go to
``test-artifacts/screenshots/``."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from orgtree.models import Role, Unit, UnitAssignment
from profiles.models import Profile, ProfileStatus
from tests.syncing import conftest as sync_fixtures

from .conftest import log_in

national_server = sync_fixtures.national_server  # the emulator served in a thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


def _person(**overrides):
    fields = dict(
        sex="2",
        birth_registration_province="025",
        birthplace_text="Tỉnh Phú Thọ",
        hometown_text="Tỉnh Phú Thọ",
        ethnicity="01",
        religion="00",
        permanent_residence="Phường Việt Trì, tỉnh Phú Thọ",
        last_verified_at=date.today(),
    )
    fields.update(overrides)
    return fields


@pytest.fixture
def phu_tho(make_unit, reference_data):
    from profiles.codelists import clear_cache, load_codelists
    from profiles.services import create_profile

    load_codelists()
    clear_cache()
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    home = make_unit("Sở Nội vụ", parent=province, code="H25.01")
    edu = make_unit("Sở Giáo dục và Đào tạo", parent=province, code="H25.03")
    User = get_user_model()

    def user(username: str, full_name: str, unit: Unit, role: str):
        account = User.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=full_name
        )
        UnitAssignment.objects.create(user=account, unit=unit, role=role)
        return account

    huong = create_profile(
        unit=home,
        **_person(personal_id="025188001234", full_name="Nguyễn Thị Hương",
                  date_of_birth=date(1988, 5, 12)),
    )  # fmt: skip
    duc = create_profile(
        unit=edu,
        **_person(personal_id="025079004321", full_name="Trần Văn Đức", sex="1",
                  date_of_birth=date(1979, 9, 2)),
    )  # fmt: skip
    return SimpleNamespace(
        province=province,
        home=home,
        edu=edu,
        huong=huong,
        duc=duc,
        hr=user("phutho.nhansu", "Nguyễn Thị Nhân", province, Role.HR_OFFICER),
        admin=user("phutho.quantri", "Nguyễn Văn Quản", province, Role.AGENCY_ADMIN),
    )


def test_accept_a_reconciliation_mismatch(page, screenshot, phu_tho):
    from syncing import reconciliation
    from syncing.models import Mismatch

    reconciliation.ingest(
        phu_tho.province,
        [
            {
                "personal_id": phu_tho.huong.personal_id,
                "field": "full_name",
                "kind": "spelling",
                "our_value": "Nguyễn Thị Hương",
                "population_value": "Nguyễn Thị Hường",
                "since": "2025-09-12",
            },
            {
                "personal_id": phu_tho.duc.personal_id,
                "field": "deceased_on",
                "kind": "deceased",
                "our_value": "",
                "population_value": "2025-03-02",
                "since": "2025-09-12",
            },
        ],
    )
    reconciliation.snapshot_counts(phu_tho.province)
    log_in(page, "phutho.nhansu", PASSWORD)
    page.goto("/admin/syncing/mismatch/")
    body = page.inner_text("#content")
    assert "Nguyễn Thị Hường" in body and "Sai chính tả họ tên" in body
    assert "Công dân đã chết" in body
    screenshot("danh-sach-doi-khop")
    row = page.locator("#result_list tr", has_text="Nguyễn Thị Hương")
    row.get_by_role("link", name="Xử lý").click()
    page.wait_for_selector("#recon-decision")
    compare = page.inner_text(".recon-compare")
    assert "Nguyễn Thị Hường" in compare and "Họ và tên khai sinh" in compare
    assert "full_name" not in page.inner_text("#content")
    # only the differing character is marked, on each side
    assert page.locator(".recon-compare del.recon-diff").all_inner_texts() == ["ơ"]
    assert page.locator(".recon-compare ins.recon-diff").all_inner_texts() == ["ờ"]
    screenshot("xu-ly-sai-lech")
    # a dispute needs a reason
    page.get_by_role("button", name="Khiếu nại").click()
    assert "Phải ghi rõ lý do" in page.inner_text("#content")
    # accepting asks first, spelling the change out; nothing is written yet
    page.get_by_role("button", name="Chấp nhận – sửa hồ sơ theo CSDL dân cư…").click()
    page.wait_for_selector("#recon-confirm")
    asking = page.inner_text("#recon-confirm")
    assert "“Nguyễn Thị Hương” sẽ được thay bằng “Nguyễn Thị Hường”" in asking
    assert Profile.objects.get(pk=phu_tho.huong.pk).full_name == "Nguyễn Thị Hương"
    screenshot("xac-nhan-chap-nhan")
    # going back leaves the profile as it was; asking again, then confirming, corrects it
    page.get_by_role("link", name="Quay lại, chưa sửa").click()
    page.wait_for_selector("#recon-decision")
    assert Mismatch.objects.get(profile=phu_tho.huong).status == Mismatch.Status.OPEN
    page.get_by_role("button", name="Chấp nhận – sửa hồ sơ theo CSDL dân cư…").click()
    page.get_by_role("button", name="Xác nhận sửa hồ sơ").click()
    page.wait_for_selector(".messagelist")
    message = page.inner_text(".messagelist")
    assert "trình phê duyệt phiên bản 1" in message
    screenshot("da-chap-nhan")
    profile = Profile.objects.get(pk=phu_tho.huong.pk)
    assert profile.full_name == "Nguyễn Thị Hường"
    assert profile.status == ProfileStatus.SUBMITTED
    assert Mismatch.objects.get(profile=profile).status == Mismatch.Status.ACCEPTED
    # the accepted one has left the open worklist; the other is still there
    body = page.inner_text("#result_list")
    assert "Trần Văn Đức" in body and "Nguyễn Thị Hường" not in body


def test_watch_the_dashboard(page, screenshot, phu_tho):
    from syncing import dashboard
    from syncing.models import Connection, Destination, Mismatch, UnitMatch

    conn = Connection(
        unit=phu_tho.province,
        destination=Destination.NATIONAL,
        software_name="Phần mềm quản lý hồ sơ CBCCVC (cbccvc)",
        base_url="http://127.0.0.1:8765",
        key_id="PT-2025-01",
        admin_name="Nguyễn Văn Quản",
        admin_phone="0210 3846 000",
    )
    conn.set_secret("bi-mat-thu-nghiem")
    conn.save()
    UnitMatch.objects.create(unit=phu_tho.home, national_code="H25.01", status="confirmed")
    bulk = [
        Profile(
            personal_id=f"02519000{i:04d}",
            full_name=f"Người Thử {i}",
            folded_name=f"nguoi thu {i}",
            sex="1",
            date_of_birth=date(1990, 1, 1),
            unit=phu_tho.edu if i % 3 else phu_tho.home,
        )
        for i in range(60)
    ]
    Profile.objects.bulk_create(bulk)
    today = timezone.localdate()
    steps = [ProfileStatus.APPROVED, ProfileStatus.SIGNED, ProfileStatus.SYNCED]
    for days_ago in range(6, -1, -1):  # a week of progress, taken each day as the job does
        done = (6 - days_ago) * 8
        for n, status in enumerate(steps):
            Profile.objects.filter(personal_id__startswith="025190").filter(
                personal_id__lte=f"02519000{max(done - n * 4, 0):04d}"
            ).update(status=status)
        dashboard.take_snapshots(today - timedelta(days=days_ago), roots=[phu_tho.province])
    Mismatch.objects.create(
        external_id="demo-1",
        profile=phu_tho.huong,
        kind="spelling",
        since=date(2025, 9, 12),
        last_seen_at=timezone.now(),
    )
    log_in(page, "phutho.quantri", PASSWORD)
    page.goto("/admin/syncing/progresssnapshot/")
    table = page.inner_text("#progress-table")
    assert "Ủy ban nhân dân tỉnh Phú Thọ" in table and "Đang hoạt động" in table
    assert page.locator(".dash-chart svg rect").count() > 20
    # shares: a 100% bar per unit and a 100% column per day, the signed and synced parts
    # visible beside the total
    assert page.locator("#shares-over-time .day-bar").count() == 7
    assert page.locator("#shares-by-unit .unit-bar").count() == 1
    for stage in ("synced", "signed"):
        box = page.locator(f"#shares-by-unit .stage-{stage}").first.bounding_box()
        assert box is not None and box["width"] >= 4, stage
    screenshot("bang-tien-do")
    page.get_by_role("link", name="Ủy ban nhân dân tỉnh Phú Thọ").click()
    page.wait_for_selector("tr.dash-focus")
    rows = page.locator("#progress-table tbody tr")
    assert rows.count() == 3  # the province, then its two departments
    assert "Sở Giáo dục và Đào tạo" in page.inner_text("#progress-table")
    screenshot("tien-do-don-vi")
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")


@pytest.mark.django_db(transaction=True, databases=["default", "national"])
def test_look_at_the_national_view(page, screenshot, national_server):
    """The ministry's view in the emulator: totals, the tile map of the 34 provinces."""
    from syncing.emulator.models import ConnectionKey

    national_server.client(national_server.issue_key("H25")).check_auth()
    national_server.issue_key("H23")
    revoked = national_server.issue_key("H01")
    ConnectionKey.objects.filter(pk=revoked.key.pk).update(status="revoked")
    page.goto(national_server.url + "/")
    assert page.locator("#province-tiles .tile").count() == 34
    assert page.inner_text("#total-connected") == "1"
    screenshot("toan-quoc")
