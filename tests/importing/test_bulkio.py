"""The import's bulk writer: Draft rows go in with their history rows, attributable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from profiles import bulkio
from profiles.models import Profile, ProfileStatus, SalaryHistory

pytestmark = pytest.mark.django_db


def test_draft_fills_the_field_defaults_and_rejects_unknown_fields():
    row = bulkio.draft(Profile, full_name="Nguyễn Văn A")
    assert row.full_name == "Nguyễn Văn A"
    assert row.status == ProfileStatus.DRAFT  # the model's default
    assert row.birth_date_precision == "day"
    assert row.pk is None
    with pytest.raises(TypeError, match="no_such_field"):
        bulkio.draft(Profile, no_such_field=1)


def test_draft_rows_are_inserted_with_ids_and_history(make_unit):
    unit = make_unit("Sở Nội vụ", code="H25.01")
    user = get_user_model().objects.create_user("nhansu", password=None)
    now = timezone.now()
    people = []
    for n, name in enumerate(["Nguyễn Văn A", "Trần Thị B"]):
        p = bulkio.draft(
            Profile,
            personal_id=f"02508500{n:04d}",
            full_name=name,
            folded_name=name.lower(),
            date_of_birth=date(1985, 3, 14),
            sex="1",
            unit_id=unit.pk,
            created_at=now,
            updated_at=now,
        )
        p._change_reason = f"Nhập từ tệp a.xlsx, dòng {n + 2}"
        people.append(p)
    bulkio.insert(Profile, people)
    bulkio.insert_history(Profile, people, user=user, when=now)

    assert all(p.pk for p in people)
    stored = Profile.objects.get(pk=people[1].pk)
    assert stored.full_name == "Trần Thị B" and stored.unit_id == unit.pk
    history = Profile.history.filter(id=people[1].pk).get()
    assert history.history_type == "+"
    assert history.history_user_id == user.pk
    assert history.history_change_reason == "Nhập từ tệp a.xlsx, dòng 3"
    assert history.full_name == "Trần Thị B"

    pay = bulkio.draft(
        SalaryHistory,
        profile_id=people[0].pk,
        effective_date=date(2024, 1, 1),
        grade_code="01.003",
        salary_scale="A1",
        step=3,
        coefficient=Decimal("3.00"),
    )
    pay._change_reason = "Nhập từ tệp a.xlsx, dòng 2"
    bulkio.insert(SalaryHistory, [pay])
    bulkio.insert_history(SalaryHistory, [pay], user=user, when=now)
    assert SalaryHistory.objects.get(pk=pay.pk).profile_id == people[0].pk
    assert SalaryHistory.history.get(id=pay.pk).history_user_id == user.pk


def test_set_values_writes_only_the_given_rows(make_unit):
    unit = make_unit("Sở Nội vụ", code="H25.01")
    now = timezone.now()
    people = [
        bulkio.draft(
            Profile,
            personal_id=f"02508500{n:04d}",
            full_name=f"Người {n}",
            folded_name=f"nguoi {n}",
            date_of_birth=date(1985, 3, 14),
            sex="1",
            unit_id=unit.pk,
            created_at=now,
            updated_at=now,
        )
        for n in range(3)
    ]
    bulkio.insert(Profile, people)

    assert bulkio.set_values(Profile, [people[0].pk, people[2].pk], warning_count=7) == 2
    assert bulkio.set_values(Profile, [], warning_count=9) == 0

    counts = dict(Profile.objects.values_list("pk", "warning_count"))
    assert counts == {people[0].pk: 7, people[1].pk: 0, people[2].pk: 7}


def test_json_and_prepared_columns_are_stored_as_the_orm_stores_them():
    """``COPY`` (PostgreSQL) writes a JSON column as its text and leaves the other columns
    that need preparing (an IP address here) to their field: the rows read back equal the
    ORM's."""
    from django.db import connection

    from cbccvc.models import AuditEvent

    details = {
        "tỉnh": {"code": "25", "name": "Tỉnh Phú Thọ"},
        "values": [1, 2.5, None, True, 'a "quoted" \\ text\nnext\tline'],
        "empty": [],
    }
    fields = dict(kind="export", username="nhansu", ip_address="10.0.0.1", details=details)
    by_orm = AuditEvent.objects.create(**fields)
    drafts = [
        bulkio.draft(AuditEvent, at=timezone.now(), **fields),
        bulkio.draft(AuditEvent, at=timezone.now(), **{**fields, "details": []}),
    ]
    bulkio.insert(AuditEvent, drafts)

    stored = dict(AuditEvent.objects.values_list("pk", "details"))
    assert stored == {by_orm.pk: details, drafts[0].pk: details, drafts[1].pk: []}
    columns = ["kind", "username", "ip_address", "details"]
    assert list(AuditEvent.objects.filter(pk=drafts[0].pk).values(*columns)) == list(
        AuditEvent.objects.filter(pk=by_orm.pk).values(*columns)
    )
    if connection.vendor == "postgresql":  # the same jsonb, not a JSON string
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT jsonb_typeof(details), details::text FROM cbccvc_auditevent "
                "WHERE id = ANY(%s) ORDER BY id",
                [[by_orm.pk, drafts[0].pk]],
            )
            rows = cursor.fetchall()
        assert rows[0] == rows[1] and rows[0][0] == "object"
