"""The campaign's steps as background tasks: progress, one step at a time, the reaper, and the
admin page (start, progress JSON, review queue with filters and one-click choice, report)."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conversion import jobs, review
from conversion.models import Campaign, ChangeRow, Outcome, Task, TaskState, TextDecision
from orgtree.models import Role
from profiles.models import Profile

AS_OF = date(2026, 1, 10)
TAM_HONG = "Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
VAY_NUA = "Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình"  # split between two new communes
VAY_NUA_PLAIN = "xa Vay Nua, huyen Da Bac, tinh Hoa Binh"  # the same place, other spelling
SYNC = {**settings.Q_CLUSTER, "sync": True}


@pytest.fixture
def people(make_profile, tree):
    a = make_profile(unit=tree["H40.10"], hometown_text=TAM_HONG, current_residence=VAY_NUA)
    b = make_profile(
        unit=tree["H40.10"],
        personal_id="040085001235",
        full_name="Trần Văn Bình",
        hometown_text=VAY_NUA_PLAIN,
        current_residence=VAY_NUA,
    )
    c = make_profile(
        personal_id="040085001236",
        full_name="Lê Thị Cúc",
        unit=tree["H40.10.01"],
        birthplace_text=VAY_NUA,
    )
    return [Profile.objects.get(pk=p.pk) for p in (a, b, c)]


@override_settings(Q_CLUSTER=SYNC)
def test_preview_runs_as_a_task_with_progress_and_a_step_at_a_time(people, hr, tree):
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    assert campaign.status == Campaign.Status.PREVIEWED
    assert (campaign.task, campaign.task_state) == (Task.PREVIEW, TaskState.DONE)
    assert (campaign.done, campaign.total) == (3, 3)
    assert campaign.profile_count == 3 and campaign.task_id
    status = jobs.status_json(campaign)
    assert status["percent"] == 100 and status["finished"]
    assert status["outcomes"][Outcome.REVIEW] == 4  # 3 Vầy Nưa values + its plain spelling

    # a step already asked for blocks another one
    Campaign.objects.filter(pk=campaign.pk).update(task_state=TaskState.PENDING)
    with pytest.raises(jobs.services.ConversionError, match="đang có một bước chạy"):
        jobs.start_step(hr, campaign, Task.COMMIT)
    Campaign.objects.filter(pk=campaign.pk).update(task_state=TaskState.DONE)
    with pytest.raises(jobs.services.ConversionError, match="Hoàn tác"):
        jobs.start_step(hr, campaign, Task.UNDO)  # not committed yet

    converted = (
        ChangeRow.objects.filter(campaign=campaign, outcome=Outcome.CONVERTED)
        .values("profile_id")
        .distinct()
        .count()
    )
    campaign = jobs.start_step(hr, campaign, Task.COMMIT)
    assert campaign.status == Campaign.Status.COMMITTED
    assert campaign.task_state == TaskState.DONE
    assert campaign.total == converted > 0  # the progress counts the profiles written
    assert Profile.objects.get(pk=people[0].pk).hometown_text == "Xã Tam Hồng, Tỉnh Phú Thọ"

    campaign = jobs.start_step(hr, campaign, Task.UNDO)
    assert campaign.status == Campaign.Status.UNDONE and campaign.task_state == TaskState.DONE
    assert campaign.done == campaign.total == converted  # the bar ends full
    assert Profile.objects.get(pk=people[0].pk).hometown_text == TAM_HONG


@override_settings(Q_CLUSTER=SYNC)
def test_an_undo_refused_names_the_profiles_changed_since(people, hr, tree):
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    campaign = jobs.start_step(hr, campaign, Task.COMMIT)
    edited = Profile.objects.get(pk=people[0].pk)
    edited.phone = "0912345678"
    edited._change_reason = "Sửa điện thoại"
    edited.save()
    campaign = jobs.start_step(hr, campaign, Task.UNDO)
    assert campaign.status == Campaign.Status.COMMITTED
    assert campaign.task_state == TaskState.FAILED
    assert people[0].full_name in campaign.task_error and f"#{people[0].pk}" in campaign.task_error
    assert [b["profile_id"] for b in campaign.counts["undo_blockers"]] == [people[0].pk]


def test_a_step_whose_worker_died_is_failed_and_may_be_asked_again(people, hr, tree):
    # asked for, claimed by a worker that then died (nothing runs: run="none")
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF, run="none")
    assert campaign.task_state == TaskState.PENDING
    assert jobs._claim(campaign.pk)
    jobs._write_progress(campaign.pk, 1, 3)
    assert jobs.reap_stale() == []  # alive a moment ago
    later = timezone.now() + jobs.STALE_AFTER + timedelta(seconds=1)
    assert jobs.reap_stale(now=later) == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.task_state == TaskState.FAILED and "dừng đột ngột" in campaign.task_error
    assert not ChangeRow.objects.filter(campaign=campaign).exists()
    # a re-delivered task finds the step failed and does nothing
    assert "skipped" in jobs.run_task(campaign.pk, hr.pk)
    campaign = jobs.start_step(hr, campaign, Task.PREVIEW, run="now")
    assert campaign.status == Campaign.Status.PREVIEWED and campaign.profile_count == 3


def test_review_groups_identical_cases_filters_and_decides_once(people, hr, tree):
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF, run="now")
    groups = review.review_groups(campaign)
    assert len(groups) == 1  # both spellings have the same two candidate communes
    (group,) = groups
    assert sorted(group.texts) == sorted([VAY_NUA, VAY_NUA_PLAIN]) and group.count == 4
    assert {c["key"] for c in group.choices} == {"25/04828", "25/04891"}

    # filters: by field, by the profiles' unit
    (by_field,) = review.review_groups(campaign, "birthplace")
    assert by_field.texts == [VAY_NUA] and by_field.count == 1
    (by_unit,) = review.review_groups(campaign, "", tree["H40.10.01"])
    assert by_unit.count == 1
    assert review.review_groups(campaign, "permanent_residence") == []

    assert review.decide_group(campaign, group.texts, "25/04891", hr) == 4
    assert set(TextDecision.objects.filter(campaign=campaign).values_list("text", flat=True)) == {
        VAY_NUA,
        VAY_NUA_PLAIN,
    }
    assert not ChangeRow.objects.filter(campaign=campaign, outcome=Outcome.REVIEW).exists()
    assert set(
        ChangeRow.objects.filter(campaign=campaign, old_text__in=group.texts).values_list(
            "new_commune_code", flat=True
        )
    ) == {"04891"}
    with pytest.raises(jobs.services.ConversionError):
        review.decide_group(campaign, [VAY_NUA], "25/04891", hr)  # nothing waits any more


@override_settings(Q_CLUSTER=SYNC)
def test_admin_pages_start_show_decide_and_report(people, hr, tree, client, user_with):
    client.force_login(hr)
    # the unit is a search box over the user's units, not a list of every unit
    form = client.get(reverse("admin:conversion_campaign_add")).content.decode()
    assert 'class="admin-autocomplete' in form and str(tree["H40.10"]) not in form
    outside = user_with("con", (tree["H40.10.01"], Role.HR_OFFICER))  # the queryset judges
    client.force_login(outside)
    refused = client.post(
        reverse("admin:conversion_campaign_add"),
        {"unit": tree["H40.10"].pk, "as_of": "2026-01-10", "title": ""},
    )
    assert refused.status_code == 200 and not Campaign.objects.exists()
    client.force_login(hr)
    response = client.post(
        reverse("admin:conversion_campaign_add"),
        {"unit": tree["H40.10"].pk, "as_of": "2026-01-10", "title": ""},
    )
    campaign = Campaign.objects.get()
    page = reverse("admin:conversion_campaign_page", args=[campaign.pk])
    assert response["Location"] == page
    status = client.get(reverse("admin:conversion_campaign_status", args=[campaign.pk])).json()
    assert status["finished"] and status["percent"] == 100 and status["status"] == "previewed"

    html = client.get(page).content.decode()
    assert "Xã Tiền Phong, Tỉnh Phú Thọ" in html or "Tiền Phong" in html
    # the unit filter narrows the queue to the division's one value
    filtered = client.get(page, {"unit": tree["H40.10.01"].pk}).content.decode()
    assert "1 giá trị" in filtered

    response = client.post(
        page, {"choose": "25/04891", "text": [VAY_NUA, VAY_NUA_PLAIN], "filter_query": ""}
    )
    assert response.status_code == 302
    assert not ChangeRow.objects.filter(campaign=campaign, outcome=Outcome.REVIEW).exists()

    report = client.get(reverse("admin:conversion_campaign_report", args=[campaign.pk]))
    book = load_workbook(BytesIO(b"".join(report.streaming_content)), read_only=True)
    assert "Chi tiết" in book.sheetnames

    # another agency's officer: the campaign does not exist for them
    other = user_with("khac", (tree["H42"], Role.HR_OFFICER))
    client.force_login(other)
    assert client.get(page).status_code == 404
    assert (
        client.get(reverse("admin:conversion_campaign_status", args=[campaign.pk])).status_code
        == 404
    )


def test_the_schedules_exist_after_migrate(db):
    """Registered by the app's post_migrate handler (the test database was migrated)."""
    from django_q.models import Schedule

    reaper = Schedule.objects.get(name=jobs.SCHEDULE_NAME)
    assert (reaper.func, reaper.schedule_type, reaper.minutes) == (
        "conversion.jobs.reap_stale",
        Schedule.MINUTES,
        1,
    )
    daily = Schedule.objects.get(name="orgtree-apply-scheduled-operations")
    assert (daily.func, daily.schedule_type) == ("orgtree.scheduling.daily_task", Schedule.DAILY)


@pytest.mark.django_db(transaction=True)
def test_a_step_in_its_transaction_shows_its_progress_to_other_hosts(make_unit):
    """The step holds its campaign row locked in one transaction; its heartbeat thread still
    writes the progress to the database, where a status read on another connection (another
    app host) finds it. SQLite (one host, one writer): a file next to the database."""
    import threading

    from django.db import connection, transaction

    unit = make_unit("Sở Nội vụ", code="H99")
    campaign = Campaign.objects.create(
        scope_unit=unit, as_of=AS_OF, task=Task.PREVIEW, task_state=TaskState.PENDING
    )
    assert jobs._claim(campaign.pk) and not jobs._claim(campaign.pk)  # taken once only
    seen: list[dict] = []

    def status_elsewhere() -> None:  # a request on another host: its own connection
        try:
            seen.append(jobs.status_json(Campaign.objects.get(pk=campaign.pk)))
        finally:
            connection.close()

    with jobs.step_heartbeat(campaign.pk, seconds=0.2) as beat, transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)  # as the services do
        beat.progress(2, 3)
        deadline = timezone.now() + timedelta(seconds=20)
        while not (seen and seen[-1]["done"] == 2) and timezone.now() < deadline:
            reader = threading.Thread(target=status_elsewhere)
            reader.start()
            reader.join()
    assert seen[-1]["done"] == 2 and seen[-1]["total"] == 3 and seen[-1]["percent"] == 66
    assert seen[-1]["task_state"] == TaskState.RUNNING and not seen[-1]["finished"]
    stored = jobs.progress_file(campaign.pk).exists()
    assert stored == (connection.vendor == "sqlite")  # elsewhere: the database only
