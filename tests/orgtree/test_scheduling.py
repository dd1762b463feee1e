"""Future-dated tree operations wait for their date; a split's profiles wait in review.

The clock is always explicit (``today=``): no test depends on the date it runs.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from orgtree import scheduling, split_review
from orgtree.models import Role, ScheduledOperation, SplitAssignment, Unit, UnitAssignment
from tests.browser.page_text import VIETNAMESE_WORD

TODAY = date(2026, 3, 1)
LATER = date(2026, 3, 11)


@pytest.fixture
def world(make_unit, reference_data):
    province = make_unit("Ủy ban nhân dân tỉnh Thử", code="H90")
    a = make_unit("Sở Kế hoạch và Đầu tư", province, code="H90.03")
    b = make_unit("Sở Tài chính", province, code="H90.02")
    c = make_unit("Sở Nông nghiệp", province, code="H90.06")
    other = make_unit("Ủy ban nhân dân tỉnh Khác", code="H91")
    return {"province": province, "a": a, "b": b, "c": c, "other": other}


def _profile(unit: Unit, pid: str):
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    return create_profile(unit=unit, **valid_fields(personal_id=pid))


def _user(name: str, unit: Unit, role: str = Role.AGENCY_ADMIN):
    user = get_user_model().objects.create_user(name, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=unit, role=role)
    return user


def _merge_later(world, today=TODAY):
    return scheduling.submit(
        ScheduledOperation.Kind.MERGE,
        today=today,
        sources=[world["a"]],
        target=world["b"],
        effective_date=LATER,
        legal_basis_number="01/QĐ-UBND",
        reason="Sáp nhập",
    )


def test_a_future_merge_changes_nothing_until_its_date_then_applies(world):
    person = _profile(world["a"], "090085001234")
    submitted = _merge_later(world)
    assert submitted.is_scheduled
    a = Unit.objects.get(pk=world["a"].pk)
    assert a.status == Unit.Status.ACTIVE and a in Unit.objects.active()
    person.refresh_from_db()
    assert person.unit_id == a.pk
    assert scheduling.apply_due_operations(date(2026, 3, 10)) == {"applied": 0, "failed": 0}
    assert Unit.objects.get(pk=a.pk).status == Unit.Status.ACTIVE

    assert scheduling.apply_due_operations(LATER) == {"applied": 1, "failed": 0}
    a.refresh_from_db()
    assert a.status == Unit.Status.MERGED and a.valid_to == LATER
    person.refresh_from_db()
    assert person.unit_id == world["b"].pk
    operation = ScheduledOperation.objects.get()
    assert operation.status == ScheduledOperation.Status.APPLIED
    assert operation.event.legal_basis_number == "01/QĐ-UBND"
    assert operation.event.effective_date == LATER
    assert scheduling.apply_due_operations(date(2026, 3, 12)) == {"applied": 0, "failed": 0}


def test_an_operation_dated_today_or_before_applies_at_once(world):
    submitted = scheduling.submit(
        ScheduledOperation.Kind.DISSOLVE, today=TODAY, unit=world["c"], effective_date=TODAY
    )
    assert not submitted.is_scheduled
    assert Unit.objects.get(pk=world["c"].pk).status == Unit.Status.DISSOLVED


def test_a_future_operation_is_validated_when_scheduled(world):
    with pytest.raises(ValidationError):
        scheduling.submit(
            ScheduledOperation.Kind.MERGE,
            today=TODAY,
            sources=[world["a"]],
            target=world["a"],
            effective_date=LATER,
        )
    assert not ScheduledOperation.objects.exists()


def test_cancel_needs_a_reason_and_the_operation_never_applies(world):
    operation = _merge_later(world).scheduled
    with pytest.raises(ValidationError):
        scheduling.cancel(operation, actor=None, reason=" ")
    scheduling.cancel(operation, actor=None, reason="Quyết định bị thu hồi")
    operation.refresh_from_db()
    assert operation.status == ScheduledOperation.Status.CANCELLED
    assert operation.cancel_reason == "Quyết định bị thu hồi"
    assert operation.history.first().history_change_reason.startswith("Hủy")
    assert scheduling.apply_due_operations(LATER)["applied"] == 0
    assert Unit.objects.get(pk=world["a"].pk).status == Unit.Status.ACTIVE
    with translation.override("en"):  # one language: the sentence and the state it quotes
        with pytest.raises(ValidationError) as again:
            scheduling.cancel(operation, actor=None, reason="Nhầm")
        state = str(operation.get_status_display()).lower()
    refusal = again.value.message_dict["operation"][0]
    assert f"(now: {state})" in refusal and not VIETNAMESE_WORD.search(refusal), refusal


def test_an_operation_the_tree_no_longer_allows_fails_and_is_recorded(world):
    _merge_later(world)
    scheduling.submit(
        ScheduledOperation.Kind.DISSOLVE, today=TODAY, unit=world["a"], effective_date=TODAY
    )
    assert scheduling.apply_due_operations(LATER) == {"applied": 0, "failed": 1}
    operation = ScheduledOperation.objects.get()
    assert operation.status == ScheduledOperation.Status.FAILED and operation.error


def test_a_future_rename_and_the_command(world):
    scheduling.submit(
        ScheduledOperation.Kind.UPDATE,
        today=TODAY,
        unit=world["c"],
        name="Sở Nông nghiệp và Môi trường",
        effective_date=LATER,
    )
    assert Unit.objects.get(pk=world["c"].pk).name == "Sở Nông nghiệp"
    call_command("apply_scheduled_unit_operations", "--today", "2026-03-11")
    assert Unit.objects.get(pk=world["c"].pk).name == "Sở Nông nghiệp và Môi trường"


def test_preview_counts_units_and_profiles(world):
    _profile(world["a"], "090085001234")
    impact = scheduling.preview(
        ScheduledOperation.Kind.MERGE, {"sources": [world["a"]], "target": world["b"]}
    )
    assert impact.closed == [world["a"]] and impact.receiving == [world["b"]]
    assert impact.profiles_moving == 1


def test_a_split_sends_profiles_to_review_and_the_bulk_action_assigns_them(world, client):
    from orgtree import services

    first = _profile(world["c"], "090085001111")
    second = _profile(world["c"], "090085002222")
    targets, _, _ = services.split_unit(
        world["c"],
        targets=[
            {
                "name": "Sở Nông nghiệp và Môi trường",
                "code": "H90.07",
                "kind": Unit.Kind.DEPARTMENT,
            },
            {"name": "Ban Quản lý rừng", "code": "H90.08", "kind": Unit.Kind.DEPARTMENT},
        ],
        child_mapping={},
        effective_date=TODAY,
    )
    for p in (first, second):
        p.refresh_from_db()
        assert p.unit_id == world["c"].pk  # unchanged until assigned
    rows = SplitAssignment.objects.filter(source=world["c"])
    assert rows.count() == 2
    assert {u.pk for u in split_review.successor_choices(rows)} == {t.pk for t in targets}

    client.force_login(_user("quantri", world["province"]))
    url = reverse("admin:orgtree_splitassignment_changelist")
    picked = rows.get(profile=second)
    page = client.post(url, {"action": "assign_selected", "_selected_action": [picked.pk]})
    assert page.status_code == 200 and "Ban Quản lý rừng" in page.content.decode()
    client.post(
        url,
        {
            "action": "assign_selected",
            "_selected_action": [picked.pk],
            "apply": "1",
            "target": targets[1].pk,
        },
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.unit_id == targets[1].pk and first.unit_id == world["c"].pk
    assert second.work_history.filter(unit=targets[1], start_date=TODAY).exists()
    picked.refresh_from_db()
    assert picked.status == SplitAssignment.Status.ASSIGNED and picked.target == targets[1]
    with pytest.raises(ValidationError):
        split_review.assign([picked], targets[0])  # already assigned
    with pytest.raises(ValidationError):
        split_review.assign([rows.get(profile=first)], world["b"])  # not a successor
    split_review.assign_source(world["c"], targets[0])
    first.refresh_from_db()
    assert first.unit_id == targets[0].pk


def test_admin_merge_dated_later_is_scheduled_with_preview(world, client):
    admin = _user("quantri", world["province"])
    client.force_login(admin)
    _profile(world["a"], "090085001234")
    url = reverse("admin:orgtree_unit_changelist")
    data = {
        "action": "merge_selected",
        "_selected_action": [world["a"].pk],
        "target_code": "H90.02",
        "effective_date": "01/01/2099",
        "reason": "Sáp nhập",
    }
    page = client.post(url, {**data, "preview": "1"}).content.decode()
    assert 'class="profiles-moving">1<' in page
    assert not ScheduledOperation.objects.exists()
    client.post(url, {**data, "apply": "1"})
    operation = ScheduledOperation.objects.get()
    assert operation.effective_date == date(2099, 1, 1)
    assert Unit.objects.get(pk=world["a"].pk).status == Unit.Status.ACTIVE


def test_agency_admin_of_another_agency_cannot_see_cancel_or_apply(world, client):
    operation = _merge_later(world).scheduled
    client.force_login(_user("khac", world["other"]))
    url = reverse("admin:orgtree_scheduledoperation_changelist")
    listing = client.get(url).content.decode()
    assert reverse("admin:orgtree_scheduledoperation_change", args=[operation.pk]) not in listing
    for action in ("cancel_selected", "apply_due_selected"):
        client.post(
            url,
            {"action": action, "_selected_action": [operation.pk], "apply": "1", "reason": "x"},
        )
    operation.refresh_from_db()
    assert operation.status == ScheduledOperation.Status.SCHEDULED

    # The agency's own admin cancels it, with a reason.
    client.force_login(_user("quantri", world["province"]))
    client.post(
        url,
        {
            "action": "cancel_selected",
            "_selected_action": [operation.pk],
            "apply": "1",
            "reason": "Thu hồi quyết định",
        },
    )
    operation.refresh_from_db()
    assert operation.status == ScheduledOperation.Status.CANCELLED
