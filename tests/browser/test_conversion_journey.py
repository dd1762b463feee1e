"""The reform conversion campaign in the browser: an HR officer of the merged Tỉnh Phú Thọ
starts a campaign, watches its progress, opens the preview, decides a split commune once for
all its profiles by clicking a candidate, commits, downloads the Excel report and undoes; the
database is checked after each step, and the undo restores the profiles exactly.

The steps run as django-q2 tasks: the page shows the queued step's progress bar, the test then
works the queue off in this process (the package goes through django-q's own worker and
monitor, as in the cluster) while the page polls the status and reloads when the step ends.
Screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from orgtree import services as tree_services
from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in, pick_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"
TAM_HONG = "Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
VAY_NUA = "Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình"  # split between Tiền Phong and Đà Bắc
MERGED_ON = date(2025, 7, 1)


@pytest.fixture
def province(settings, reference_data):
    from profiles.codelists import clear_cache, load_codelists
    from profiles.models import Profile, WorkHistory
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # queued, worked off below
    load_codelists()
    clear_cache()
    committee = tree_services.create_unit(
        name="Ủy ban nhân dân tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2020, 1, 1),
    )
    home_affairs = tree_services.create_unit(
        name="Sở Nội vụ",
        code="H25.01",
        parent=committee,
        kind=Unit.Kind.DEPARTMENT,
        valid_from=date(2020, 1, 1),
    )
    old = tree_services.create_unit(
        name="Sở Nội vụ tỉnh Vĩnh Phúc",
        code="H25.09",
        parent=committee,
        kind=Unit.Kind.DEPARTMENT,
        valid_from=date(2020, 1, 1),
    )
    tree_services.merge_units([old], target=home_affairs, effective_date=MERGED_ON)
    a = create_profile(
        unit=home_affairs,
        **valid_fields(hometown_text=TAM_HONG, current_residence=VAY_NUA),
    )
    b = create_profile(
        unit=home_affairs,
        **valid_fields(
            personal_id="040085001235", full_name="Trần Văn Bình", current_residence=VAY_NUA
        ),
    )
    c = create_profile(
        unit=home_affairs,
        **valid_fields(personal_id="040085001236", full_name="Lê Thị Cúc", hometown_text=TAM_HONG),
    )
    # an old system's record still on the merged department (imported after the merge)
    Profile.objects.filter(pk=c.pk).update(unit=old)
    WorkHistory.objects.create(profile_id=c.pk, start_date=date(2018, 9, 1), unit=old)
    officer = get_user_model().objects.create_user(
        "phutho.nhansu", password=PASSWORD, is_staff=True
    )
    UnitAssignment.objects.create(user=officer, unit=committee, role=Role.HR_OFFICER)
    return {
        "committee": committee,
        "home_affairs": home_affairs,
        "old": Unit.objects.get(pk=old.pk),
        "people": [Profile.objects.get(pk=p.pk) for p in (a, b, c)],
    }


def _state(profile_id: int):
    from profiles.models import CareerEvent, Profile, WorkHistory
    from profiles.services import snapshot

    p = Profile.objects.get(pk=profile_id)
    work = list(
        WorkHistory.objects.filter(profile=p)
        .order_by("pk")
        .values_list("pk", "unit_id", "start_date", "end_date", "position_code")
    )
    events = list(CareerEvent.objects.filter(profile=p).values_list("pk", "kind"))
    return snapshot(p), p.status, p.unit_id, work, events


def work_off_queue() -> int:
    """Run the queued django-q2 packages through django-q's worker and monitor here."""
    from django_q.brokers import get_broker
    from django_q.tasks import _sync

    broker = get_broker()
    ran = 0
    for ack_id, pack in broker.dequeue() or []:
        _sync(pack)
        broker.acknowledge(ack_id)
        ran += 1
    return ran


def test_campaign_preview_decide_commit_report_undo(page, screenshot, province, tmp_path):
    from conversion.models import Campaign, ChangeRow, Outcome, TaskState, TextDecision
    from profiles.models import Profile

    a, b, c = province["people"]
    before = {p.pk: _state(p.pk) for p in (a, b, c)}
    log_in(page, "phutho.nhansu", PASSWORD)

    # start: unit and date; the preview is queued
    page.goto("/admin/conversion/campaign/add/")
    pick_unit(page, "id_unit", province["committee"])
    page.fill("#id_as_of", "2026-01-10")
    page.click("input[name=start]")
    page.wait_for_selector("#conversion-progress")
    assert page.inner_text("#conversion-task-state") == "Đang chờ xử lý"
    assert page.get_attribute("#conversion-progress", "value") == "0"
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.task_state) == (Campaign.Status.PREPARING, TaskState.PENDING)
    assert not ChangeRow.objects.filter(campaign=campaign).exists()
    screenshot("1-queued")

    # the worker takes it; the page follows and shows the preview when it ends
    assert work_off_queue() == 1
    page.wait_for_selector("#conversion-counts")
    assert page.get_attribute("#conversion-progress", "value") == "100"
    assert page.inner_text("#conversion-status") == "Đã xem trước"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PREVIEWED and campaign.profile_count == 3
    waiting = ChangeRow.objects.filter(campaign=campaign, outcome=Outcome.REVIEW, old_text=VAY_NUA)
    assert waiting.count() == 2
    assert {p.pk: _state(p.pk) for p in (a, b, c)} == before  # nothing written yet
    screenshot("2-preview")

    # the split commune, once for both profiles: a click on the candidate
    group = page.locator("form.review-group", has_text=VAY_NUA)
    assert "2 giá trị" in group.inner_text()
    group.locator("button.candidate", has_text="Xã Tiền Phong").click()
    page.wait_for_selector("#conversion-review-empty")
    decision = TextDecision.objects.get(campaign=campaign, text=VAY_NUA)
    assert decision.commune_code == "04891" and decision.decided_by.username == "phutho.nhansu"
    rows = ChangeRow.objects.filter(campaign=campaign, old_text=VAY_NUA)
    assert {(r.profile_id, r.outcome, r.new_commune_code) for r in rows} == {
        (a.pk, Outcome.CONVERTED, "04891"),
        (b.pk, Outcome.CONVERTED, "04891"),
    }
    screenshot("3-decided")

    # commit: queued, then written
    page.click("#conversion-commit")
    page.wait_for_selector("#conversion-progress")
    assert page.inner_text("#conversion-task") == "Ghi vào hồ sơ"
    assert Profile.objects.get(pk=a.pk).current_residence == VAY_NUA
    assert work_off_queue() == 1
    page.wait_for_selector("#conversion-undo")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMMITTED
    for person in (a, b):
        now = Profile.objects.get(pk=person.pk)
        assert now.current_residence == "Xã Tiền Phong, Tỉnh Phú Thọ"
        assert (now.current_residence_commune_code, now.current_residence_original) == (
            "04891",
            VAY_NUA,
        )
    moved = Profile.objects.get(pk=c.pk)
    assert moved.unit_id == province["home_affairs"].pk
    assert moved.hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"
    screenshot("4-committed")

    # the report: every change, with before, after and the rule
    with page.expect_download() as download:
        page.click("#conversion-report-link")
    target = tmp_path / "bao-cao.xlsx"
    download.value.save_as(target)
    book = load_workbook(target, read_only=True)
    detail = list(book["Chi tiết"].iter_rows(values_only=True))
    header, lines = detail[0], detail[1:]
    col = {name: i for i, name in enumerate(header)}
    by_key = {(r[col["Họ và tên"]], r[col["Trường"]]): r for r in lines}
    split = by_key[(a.full_name, "Nơi ở hiện nay")]
    assert (split[col["Nguyên văn"]], split[col["Giá trị mới"]]) == (
        VAY_NUA,
        "Xã Tiền Phong, Tỉnh Phú Thọ",
    )
    assert (split[col["Quy tắc"]], split[col["Đã ghi"]]) == ("decision", "có")
    unit = by_key[(c.full_name, "Cơ quan, đơn vị")]
    assert unit[col["Quy tắc"]] == "unit_merged" and unit[col["Đã ghi"]] == "có"
    assert len(lines) == ChangeRow.objects.filter(campaign=campaign).count()

    # undo: queued, then every profile exactly as before
    page.click("#conversion-undo")
    page.wait_for_selector("#conversion-progress")
    assert work_off_queue() == 1
    page.locator("#conversion-status", has_text="Đã hoàn tác").wait_for()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.UNDONE and campaign.task_state == TaskState.DONE
    assert {p.pk: _state(p.pk) for p in (a, b, c)} == before
    screenshot("5-undone")
