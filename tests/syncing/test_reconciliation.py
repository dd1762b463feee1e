"""The reconciliation worklist ("đối khớp"): results stored from the national side, accept
(the profile is corrected and goes through approval again), dispute with a required note, the
scope of the worklist, and the counts by kind."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from orgtree.models import Role
from profiles import workflow
from profiles.models import Profile, ProfileStatus, ProfileVersion, VersionStatus
from syncing import reconciliation
from syncing.models import Mismatch, MismatchDailyCount
from tests.browser.page_text import VIETNAMESE_WORD
from tests.profiles.conftest import *  # noqa: F403 - the profile fixtures
from tests.profiles.conftest import _codelists  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db


def _row(profile: Profile, **overrides) -> dict:
    row = {
        "personal_id": profile.personal_id,
        "field": "full_name",
        "kind": "spelling",
        "our_value": profile.full_name,
        "population_value": "Nguyễn Văn Ân",
        "since": "2025-09-12",
        "updated_at": "2025-09-12T01:00:00+00:00",
    }
    row.update(overrides)
    return row


@pytest.fixture
def person(make_profile):
    return make_profile()


@pytest.fixture
def mismatch(tree, person):
    reconciliation.ingest(tree["H40"], [_row(person)])
    return Mismatch.objects.get(profile=person)


def test_ingest_stores_known_profiles_and_counts_unknown_ones(tree, person):
    result = reconciliation.ingest(
        tree["H40"], [_row(person), _row(person, personal_id="001099000001")]
    )
    assert (result.received, result.created, result.unknown_profiles) == (2, 1, ["001099000001"])
    m = Mismatch.objects.get()
    assert (m.kind, m.field, m.our_value, m.population_value, m.since) == (
        Mismatch.Kind.SPELLING,
        "full_name",
        "Nguyễn Văn An",
        "Nguyễn Văn Ân",
        date(2025, 9, 12),
    )
    # received again: updated, not duplicated
    again = reconciliation.ingest(tree["H40"], [_row(person)])
    assert (again.created, again.updated, Mismatch.objects.count()) == (0, 1, 1)


def test_another_agency_cannot_claim_a_profile_by_personal_id(tree, person):
    result = reconciliation.ingest(tree["H42"], [_row(person)])
    assert result.unknown_profiles == [person.personal_id]
    assert not Mismatch.objects.exists()


def test_a_row_without_personal_id_fails_the_batch_naming_the_row(tree, person):
    with pytest.raises(ValidationError, match="thứ 2"):
        reconciliation.ingest(tree["H40"], [_row(person), _row(person, personal_id="")])
    assert not Mismatch.objects.exists()


def test_national_side_resolving_closes_the_mismatch(tree, mismatch, person):
    reconciliation.ingest(tree["H40"], [_row(person, resolved_on="2025-09-20")])
    mismatch.refresh_from_db()
    assert mismatch.status == Mismatch.Status.RESOLVED


def test_accept_corrects_the_profile_and_submits_a_new_version(mismatch, person, hr, approver):
    # the profile had been approved before: the correction needs approval again
    first = workflow.submit(person, hr)
    workflow.approve(first, approver)
    result = reconciliation.accept(mismatch, hr)
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn Ân"
    assert result.submit_error == ""
    assert result.version.number == 2
    assert result.version.status == VersionStatus.SUBMITTED
    assert person.status == ProfileStatus.SUBMITTED
    assert ProfileVersion.objects.get(pk=first.pk).status == VersionStatus.APPROVED
    change = person.history.filter(full_name="Nguyễn Văn Ân").last()
    assert change.history_user == hr
    assert "Đối khớp CSDL dân cư" in change.history_change_reason
    mismatch.refresh_from_db()
    assert (mismatch.status, mismatch.decided_by) == (Mismatch.Status.ACCEPTED, hr)
    # the approver approves the corrected version like any other
    workflow.approve(result.version, approver)
    assert Profile.objects.get(pk=person.pk).status == ProfileStatus.APPROVED
    with pytest.raises(ValidationError, match="Đã chấp nhận"):
        reconciliation.accept(mismatch, hr)


def test_accept_sex_takes_the_code_of_the_population_value(tree, person, hr):
    reconciliation.ingest(
        tree["H40"],
        [_row(person, field="sex", kind="sex", our_value="Nam", population_value="Nữ")],
    )
    reconciliation.accept(Mismatch.objects.get(), hr)
    assert Profile.objects.get(pk=person.pk).sex == "2"


def test_dispute_requires_a_note(mismatch, hr):
    with pytest.raises(ValidationError) as exc:
        reconciliation.dispute(mismatch, hr, "   ")
    assert "note" in exc.value.message_dict
    reconciliation.dispute(mismatch, hr, "Giấy khai sinh ghi “Nguyễn Văn An”.")
    mismatch.refresh_from_db()
    assert mismatch.status == Mismatch.Status.DISPUTED
    assert mismatch.note.startswith("Giấy khai sinh")
    assert mismatch.history.first().history_user == hr


def test_deceased_cannot_be_accepted_only_resolved_with_a_note(tree, person, hr):
    reconciliation.ingest(
        tree["H40"], [_row(person, field="deceased_on", kind="deceased", population_value="")]
    )
    m = Mismatch.objects.get()
    with pytest.raises(ValidationError, match="không có giá trị"):
        reconciliation.accept(m, hr)
    with translation.override("en"):  # one language: the sentence and the kind it quotes
        with pytest.raises(ValidationError) as refused:
            reconciliation.accept(m, hr)
        kind = str(m.get_kind_display())
    assert f"“{kind}”" in refused.value.messages[0]
    assert not VIETNAMESE_WORD.search(refused.value.messages[0]), refused.value.messages
    with pytest.raises(ValidationError):
        reconciliation.resolve(m, hr, "")
    reconciliation.resolve(m, hr, "Đã làm thủ tục thôi việc")
    assert Mismatch.objects.get().status == Mismatch.Status.RESOLVED


def test_outsider_cannot_decide(mismatch, user_with, tree):
    other = user_with("hr_ha_tinh", (tree["H42"], Role.HR_OFFICER))
    with pytest.raises(PermissionDenied):
        reconciliation.accept(mismatch, other)
    viewer = user_with("xem", (tree["H40"], Role.VIEWER))
    with pytest.raises(PermissionDenied):
        reconciliation.dispute(mismatch, viewer, "không đồng ý")
    mismatch.refresh_from_db()
    assert mismatch.status == Mismatch.Status.OPEN


def test_reopened_when_the_field_differs_again_later(tree, mismatch, person, hr):
    reconciliation.dispute(mismatch, hr, "Đúng theo hồ sơ gốc")
    reconciliation.ingest(tree["H40"], [_row(person)])  # same case again: stays disputed
    assert Mismatch.objects.get().status == Mismatch.Status.DISPUTED
    reconciliation.ingest(tree["H40"], [_row(person, since="2025-10-01")])
    assert Mismatch.objects.get().status == Mismatch.Status.OPEN


def test_daily_counts_by_kind(tree, person, make_profile, hr):
    second = make_profile(personal_id="040085001235", full_name="Lê Thị Bình", sex="2")
    reconciliation.ingest(
        tree["H40"],
        [
            _row(person),
            _row(second),
            _row(second, field="date_of_birth", kind="date_of_birth", population_value="1985"),
        ],
    )
    reconciliation.dispute(Mismatch.objects.filter(profile=second, kind="spelling").get(), hr, "x")
    reconciliation.snapshot_counts(tree["H40"], date(2025, 9, 12))
    reconciliation.snapshot_counts(tree["H40"], date(2025, 9, 12))  # idempotent per day
    counts = {
        c.kind: (c.open_count, c.total_count)
        for c in MismatchDailyCount.objects.filter(day=date(2025, 9, 12))
    }
    assert counts["spelling"] == (1, 2)
    assert counts["dob"] == (1, 1)
    assert counts["sex"] == (0, 0)


# -- the admin worklist ---------------------------------------------------------------------------
def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_worklist_shows_both_values_and_is_scoped(mismatch, hr, user_with, tree):
    url = reverse("admin:syncing_mismatch_changelist")
    page = _client(hr).get(url, {"status__exact": "open"})
    assert page.status_code == 200
    body = page.content.decode()
    # both values, the differing character marked on each side; the field by its name
    assert 'Nguyễn Văn <del class="recon-diff">A</del>n' in body
    assert 'Nguyễn Văn <ins class="recon-diff">Â</ins>n' in body
    assert "Họ và tên khai sinh" in body
    other = _client(user_with("hr_ha_tinh", (tree["H42"], Role.HR_OFFICER)))
    listing = other.get(url, {"status__exact": "open"}).content.decode()
    assert "Nguyễn Văn <ins" not in listing
    decide = reverse("admin:syncing_mismatch_decide", args=[mismatch.pk])
    unknown = reverse("admin:syncing_mismatch_decide", args=[987654])
    assert other.get(decide).status_code == other.get(unknown).status_code == 404
    assert other.post(decide, {"action": "accept"}).status_code == 404
    assert Mismatch.objects.get().status == Mismatch.Status.OPEN


def test_decision_page_accepts_and_disputes(mismatch, hr, make_profile, tree):
    client = _client(hr)
    decide = reverse("admin:syncing_mismatch_decide", args=[mismatch.pk])
    page = client.get(decide).content.decode()
    assert "Chấp nhận" in page and "Khiếu nại" in page
    refused = client.post(decide, {"action": "dispute", "note": ""})
    assert refused.status_code == 200
    assert "Phải ghi rõ lý do" in refused.content.decode()
    # the first "accept" only asks for confirmation, spelling the change out; nothing changes
    asked = client.post(decide, {"action": "accept", "note": ""})
    assert asked.status_code == 200
    asking = asked.content.decode()
    assert 'id="recon-confirm"' in asking and 'name="confirmed" value="yes"' in asking
    assert "“Nguyễn Văn An” sẽ được thay bằng “Nguyễn Văn Ân”" in asking
    assert Profile.objects.get(pk=mismatch.profile_id).full_name == "Nguyễn Văn An"
    assert Mismatch.objects.get().status == Mismatch.Status.OPEN
    done = client.post(
        decide, {"action": "accept", "note": "Đã xem giấy khai sinh", "confirmed": "yes"}
    )
    assert done.status_code == 302
    profile = Profile.objects.get(pk=mismatch.profile_id)
    assert (profile.full_name, profile.status) == ("Nguyễn Văn Ân", ProfileStatus.SUBMITTED)
    # through the profile action: the history row names the officer and the reason
    edits = profile.history.filter(full_name="Nguyễn Văn Ân").order_by("history_date")
    assert edits.first().history_user == hr
    assert "Đối khớp CSDL dân cư" in edits.first().history_change_reason
    assert edits.first().history_change_reason.endswith("– Đã xem giấy khai sinh")
    assert Mismatch.objects.get().note == "Đã xem giấy khai sinh"


def test_decision_page_marks_the_differing_characters_and_names_the_field(mismatch, hr):
    page = _client(hr).get(reverse("admin:syncing_mismatch_decide", args=[mismatch.pk]))
    html = page.content.decode()
    # "An" / "Ân": only the vowel differs, the rest of the name is not marked
    assert '<del class="recon-diff">A</del>n</span>' in html
    assert '<ins class="recon-diff">Â</ins>n</span>' in html
    assert "Nguyễn Văn <del" in html and "Nguyễn Văn <ins" in html
    assert "Họ và tên khai sinh" in html and ">full_name<" not in html
    assert str(mismatch) == "Sai chính tả họ tên: Nguyễn Văn An"


def test_bulk_accept_asks_for_confirmation_first(mismatch, hr, person):
    client = _client(hr)
    url = reverse("admin:syncing_mismatch_changelist")
    chosen = {"action": "accept_selected", "_selected_action": [mismatch.pk]}
    asked = client.post(url, chosen)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'id="recon-accept-list"' in html and '<ins class="recon-diff">Â</ins>' in html
    assert Profile.objects.get(pk=person.pk).full_name == "Nguyễn Văn An"
    done = client.post(url, {**chosen, "confirmed": "yes"})
    assert done.status_code == 302
    assert Profile.objects.get(pk=person.pk).full_name == "Nguyễn Văn Ân"
    assert Mismatch.objects.get().status == Mismatch.Status.ACCEPTED


# -- the daily pull over real HTTP against the emulator -------------------------------------------
@pytest.fixture
def loaded_codelists():
    """Transactional tests flush the database: load the code lists again."""
    from profiles.codelists import clear_cache, load_codelists

    load_codelists()
    clear_cache()


@pytest.mark.django_db(transaction=True, databases=["default", "national"])
def test_daily_pull_over_http_resumes_from_its_watermark(
    national_server, loaded_codelists, make_unit, reference_data
):
    from django.utils import timezone

    from profiles.services import create_profile
    from syncing.emulator.models import ReconciliationResult
    from syncing.models import Connection, Destination, ProgressSnapshot, PullState
    from tests.profiles.conftest import valid_fields

    agency = make_unit("Ủy ban nhân dân tỉnh Nghệ An", code="H40", kind="province_pc")
    dept = make_unit("Sở Nội vụ", parent=agency, code="H40.11")
    people = [
        create_profile(unit=dept, **valid_fields(personal_id=f"04008500{n:04d}"))
        for n in range(1, 4)
    ]
    issued = national_server.issue_key("H40")
    conn = Connection(
        unit=agency,
        destination=Destination.NATIONAL,
        software_name="cbccvc",
        base_url=national_server.url,
        key_id=issued.key.key_id,
    )
    conn.set_secret(issued.secret)
    conn.save()

    def result(person, **kw):
        now = timezone.now()
        values = {
            "agency_code": "H40",
            "personal_id": person.personal_id,
            "version_hash": "0" * 64,
            "unit_code": "H40.11",
            "field": "full_name",
            "kind": "spelling",
            "our_value": person.full_name,
            "population_value": "Nguyễn Văn Ăn",
            "since": now.date(),
            "last_checked_on": now.date(),
            "updated_at": now,
        }
        values.update(kw)
        return ReconciliationResult.objects.create(**values)

    for person in people:
        result(person)
    result(people[0], field="sex", kind="sex", our_value="1", population_value="2")
    # another agency's result never reaches H40
    result(people[1], agency_code="H12", field="date_of_birth", kind="date_of_birth")
    client = orgsync_client(agency)
    first = reconciliation.pull_mismatches(agency, client)
    assert (first.created, first.unknown_profiles) == (4, [])
    assert Mismatch.objects.filter(status="open").count() == 4
    state = PullState.objects.get(agency=agency, feed="reconciliation")
    assert state.cursor and state.last_error == ""
    # the national side sees the sex fixed: the next pull only brings that change
    row = ReconciliationResult.objects.get(personal_id=people[0].personal_id, field="sex")
    row.resolved_on = timezone.localdate()
    row.updated_at = timezone.now()
    row.save()
    second = reconciliation.pull_mismatches(agency, client)
    assert (second.created, second.resolved) == (0, 1)
    assert second.received <= 2  # the watermark row may come again, nothing older
    assert Mismatch.objects.get(profile=people[0], kind="sex").status == "resolved"
    # the daily job (its command): pulls again, records the day's counts and progress
    out = io.StringIO()
    call_command("pull_reconciliation", stdout=out)
    assert "H40: nhận" in out.getvalue()
    today = timezone.localdate()
    spelling = MismatchDailyCount.objects.get(agency=agency, day=today, kind="spelling")
    assert (spelling.open_count, spelling.total_count) == (3, 3)
    snap = ProgressSnapshot.objects.get(agency=agency, day=today)
    assert (snap.profiles_total, snap.profiles_mismatched) == (3, 3)


def orgsync_client(agency):
    from syncing import orgsync

    return orgsync.client_for_agency(agency)


def test_decision_page_in_english(mismatch, hr):
    """Every label of the decision and its confirmation in the reader's language."""
    with translation.override(translation.get_language()):  # the requests leave English active
        _decide_in_english(mismatch, hr)


def _decide_in_english(mismatch, hr) -> None:
    client = _client(hr)
    client.cookies["django_language"] = "en"
    decide = reverse("admin:syncing_mismatch_decide", args=[mismatch.pk])
    page = client.get(decide, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Misspelt name" in page and "Sai chính tả họ tên" not in page
    assert "Accept – correct the profile from the population database…" in page
    asked = client.post(decide, {"action": "accept"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "will be replaced by" in asked and "Confirm the correction" in asked
