"""The API call log is kept for a set number of days, then purged (chunked, audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cbccvc.models import AuditEvent
from orgtree import apikeys
from orgtree.apikeys import issue_key, purge_request_log
from orgtree.models import ApiRequestLog, IntegrationClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(make_unit):
    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    client = IntegrationClient.objects.create(name="Phần mềm lương", unit=unit)
    return issue_key(client).key


def _log(key, days_ago: float) -> ApiRequestLog:
    row = ApiRequestLog.objects.create(
        api_key=key, method="GET", path="/api/v1/profiles/", status=200, duration_ms=3
    )
    ApiRequestLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return row


def test_rows_older_than_the_retention_go_in_chunks_and_the_purge_is_audited(
    api_key, settings, monkeypatch
):
    settings.CBCCVC_API_LOG_RETENTION_DAYS = 30
    monkeypatch.setattr(apikeys, "PURGE_CHUNK", 2)  # five old rows: three DELETEs
    old = [_log(api_key, 31 + i) for i in range(5)]
    kept = [_log(api_key, 29), _log(api_key, 0)]

    assert purge_request_log() == 5

    remaining = set(ApiRequestLog.objects.values_list("pk", flat=True))
    assert remaining == {row.pk for row in kept}
    assert not remaining & {row.pk for row in old}
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOG_PURGE)
    assert event.details["deleted"] == 5


def test_command_takes_its_own_retention_and_refuses_zero(api_key):
    _log(api_key, 10)
    _log(api_key, 2)
    call_command("purge_api_log", "--older-than-days", "5")
    assert ApiRequestLog.objects.count() == 1
    with pytest.raises(CommandError, match="ít nhất một ngày"):
        call_command("purge_api_log", "--older-than-days", "0")
    assert ApiRequestLog.objects.count() == 1


def test_the_daily_schedule_is_registered_once():
    from django_q.models import Schedule

    call_command("purge_api_log", "--schedule")
    call_command("purge_api_log", "--schedule")
    schedule = Schedule.objects.get(func="orgtree.apikeys.purge_request_log")
    assert schedule.schedule_type == Schedule.DAILY
