"""A user of agency A can neither read nor change anything of agency B, by any admin path.

The matrix is generic: every model registered in the admin whose list an agency user can open
must either be shared reference data or have a factory below that creates one of agency B's
objects, which is then attacked through every admin path. A model added later without a
factory makes the test fail; a model with neither must answer 403 to agency users.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.models import Role, Unit, UnitAssignment

# Models every signed-in agency user may read: national reference data and shared tools
# (the place-name lookup), never agency data.
# Shared reference data every staff user reads: the admins that declare it (orgtree/checks.py).
REFERENCE_MODELS = {
    m._meta.label_lower
    for m, ma in admin.site._registry.items()
    if getattr(ma, "access_scope", None) == "reference"
}


@pytest.fixture
def world(make_unit):
    User = get_user_model()
    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    a_dept = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    a_other = make_unit("Sở Tài chính", parent=a, code="H25.02")
    b = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    b_dept = make_unit("Sở Nội vụ Hà Nội", parent=b, code="H12.01")
    users = {}
    for role in Role.values:
        user = User.objects.create_user(f"a_{role}", password="x-Password-123", is_staff=True)
        UnitAssignment.objects.create(user=user, unit=a, role=role)
        users[role] = user
    b_admin = User.objects.create_user("b_admin", password="x-Password-123", is_staff=True)
    b_assignment = UnitAssignment.objects.create(user=b_admin, unit=b, role=Role.AGENCY_ADMIN)
    dept_admin = User.objects.create_user("a_dept_admin", password="x", is_staff=True)
    UnitAssignment.objects.create(user=dept_admin, unit=a_dept, role=Role.AGENCY_ADMIN)
    return {
        "a": a,
        "a_dept": a_dept,
        "a_other": a_other,
        "b": b,
        "b_dept": b_dept,
        "users": users,
        "dept_admin": dept_admin,
        "b_admin": b_admin,
        "b_assignment": b_assignment,
    }


def _creation_event(unit: Unit) -> Model:
    return unit.events.get(kind="create")


def _b_scheduled_operation(w: dict[str, Any]) -> Model:
    from orgtree.models import ScheduledOperation

    return ScheduledOperation.objects.create(
        kind=ScheduledOperation.Kind.DISSOLVE,
        unit=w["b_dept"],
        parameters={"unit": {"unit": w["b_dept"].pk}},
        effective_date=date(2099, 1, 1),
        reason="Giải thể thử của cơ quan B",
    )


def _b_split_assignment(w: dict[str, Any]) -> Model:
    from orgtree.models import SplitAssignment

    return SplitAssignment.objects.create(
        event=_creation_event(w["b_dept"]), source=w["b_dept"], profile=_b_profile(w)
    )


def _b_profile(w: dict[str, Any]) -> Model:
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    if "b_profile" not in w:
        w["b_profile"] = create_profile(
            unit=w["b_dept"],
            **valid_fields(personal_id="001085009999", full_name="Hoàng Thị Bí Mật"),
        )
    return w["b_profile"]


def _b_finding(w: dict[str, Any]) -> Model:
    from profiles.models import Finding

    return Finding.objects.create(
        profile=_b_profile(w),
        severity=Finding.Severity.WARNING,
        principle="đủ",
        code="MATRIX_PROBE",
        field="full_name",
        message="Phát hiện thử của cơ quan B",
    )


@pytest.fixture(scope="module")
def b_test_ca():
    from signing.testca import make_test_ca

    return make_test_ca([("b_admin", "Người ký cơ quan B")], with_ecdsa=False)


def _b_credential(w: dict[str, Any]) -> Model:
    from signing.credentials import add_pkcs12_credential

    if "b_credential" not in w:
        issued = w["b_test_ca"].credentials[0]
        w["b_credential"] = add_pkcs12_credential(
            w["b_admin"], issued.pkcs12, issued.pin, label="Khóa ký của cơ quan B"
        )
    return w["b_credential"]


def _b_signing_batch(w: dict[str, Any]) -> Model:
    from signing.models import SigningBatch

    return SigningBatch.objects.create(
        created_by=w["b_admin"], credential=_b_credential(w), provider="tests.none", item_ids=[]
    )


def _b_export_file(w: dict[str, Any]) -> Model:
    from datetime import UTC, datetime

    from cbccvc.exports.models import ExportFile

    return ExportFile.objects.create(
        user=w["b_admin"],
        kind="transfer.export_jobs.write_profiles_xlsx",
        title="Hồ sơ của Hà Nội H12",
        file_name="ho-so-ha-noi.xlsx",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def _b_profile_signature(w: dict[str, Any]) -> Model:
    from django.utils import timezone

    from profiles.models import ProfileSignature, ProfileVersion, VersionStatus

    version = ProfileVersion.objects.create(
        profile=_b_profile(w),
        number=1,
        status=VersionStatus.SIGNED,
        snapshot={},
        content_hash="0" * 64,
        submitted_at=timezone.now(),
    )
    return ProfileSignature.objects.create(
        version=version,
        signed_document=b"<HoSo/>",
        document_sha256="0" * 64,
        signed_by=w["b_admin"],
        signer_subject="CN=Người ký cơ quan B",
        certificate_serial="01",
        issuer="CN=CA",
        signing_time=timezone.now(),
        algorithm="RSA-SHA256",
    )


def _b_integration_client(w: dict[str, Any]) -> Model:
    from orgtree.models import IntegrationClient

    if "b_integration_client" not in w:
        w["b_integration_client"] = IntegrationClient.objects.create(
            name="Cổng thông tin Hà Nội", unit=w["b"]
        )
    return w["b_integration_client"]


def _b_api_key(w: dict[str, Any]) -> Model:
    from orgtree.apikeys import issue_key

    if "b_api_key" not in w:
        w["b_api_key"] = issue_key(_b_integration_client(w), label="Khóa Hà Nội").key
    return w["b_api_key"]


def _b_api_request_log(w: dict[str, Any]) -> Model:
    from orgtree.models import ApiRequestLog

    return ApiRequestLog.objects.create(
        api_key=_b_api_key(w), method="GET", path="/api/v1/profiles/", status=200, duration_ms=3
    )


def _b_import_mapping(w: dict[str, Any]) -> Model:
    from transfer.models import ImportMapping

    return ImportMapping.objects.create(name="Phần mềm của Hà Nội", unit=w["b"])


def _b_import_job(w: dict[str, Any]) -> Model:
    from transfer.models import ImportJob

    return ImportJob.objects.create(
        created_by=w["b_admin"], unit=w["b_dept"], files=[{"name": "ha-noi.xlsx"}]
    )


def _b_second_profile(w: dict[str, Any]) -> Model:
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    if "b_profile2" not in w:
        w["b_profile2"] = create_profile(
            unit=w["b_dept"],
            **valid_fields(personal_id="001085009998", full_name="Hoàng Thị Bí Mật"),
        )
    return w["b_profile2"]


def _b_merge_candidate(w: dict[str, Any]) -> Model:
    from profiles.matching import MatchKind, MatchResult
    from profiles.merging import propose_candidate

    return propose_candidate(
        _b_profile(w),
        MatchResult(MatchKind.UNCERTAIN, score=80, reasons=["Thử ma trận quyền"], rule="name"),
        other_profile=_b_second_profile(w),
    )


def _b_profile_merge(w: dict[str, Any]) -> Model:
    from profiles.merging import merge_row_into_profile

    return merge_row_into_profile(
        _b_profile(w), {"phone": "0900000000"}, actor=w["b_admin"], reason="Thử ma trận quyền"
    )


def _b_national_unit(w: dict[str, Any]) -> Model:
    from django.utils import timezone

    from syncing.models import NationalUnit

    if "b_national_unit" not in w:
        w["b_national_unit"] = NationalUnit.objects.create(
            agency=w["b"], code="H12.99", name="Sở Nội vụ Hà Nội", pulled_at=timezone.now()
        )
    return w["b_national_unit"]


def _b_unit_match(w: dict[str, Any]) -> Model:
    from syncing.models import UnitMatch

    return UnitMatch.objects.create(
        unit=w["b_dept"],
        national_unit=_b_national_unit(w),
        national_code="H12.99",
        method="name",
        score=90,
        reason="Tên gần giống Hà Nội",
    )


def _b_mismatch(w: dict[str, Any]) -> Model:
    from datetime import date

    from django.utils import timezone

    from syncing.models import Mismatch

    return Mismatch.objects.create(
        external_id="matrix-b",
        profile=_b_profile(w),
        kind="spelling",
        field="full_name",
        our_value="Hoàng Thị Bí Mật",
        population_value="Hoàng Thị Bí Mật Hà Nội",
        since=date(2025, 9, 12),
        last_seen_at=timezone.now(),
    )


def _b_progress_snapshot(w: dict[str, Any]) -> Model:
    from datetime import date

    from syncing.models import ProgressSnapshot

    return ProgressSnapshot.objects.create(agency=w["b"], day=date(2025, 9, 12), units_total=2)


def _b_connection(w: dict[str, Any]) -> Model:
    from syncing.models import Connection

    if "b_connection" not in w:
        conn = Connection(unit=w["b"], software_name="Phần mềm B", base_url="http://127.0.0.1:9/",
                          key_id="b-key")  # fmt: skip
        conn.set_secret("b-secret")
        conn.save()
        w["b_connection"] = conn
    return w["b_connection"]


def _b_hr_system(w: dict[str, Any]) -> Model:
    from syncing.models import HrSystem

    if "b_hr_system" not in w:
        w["b_hr_system"] = HrSystem.objects.create(agency=w["b"], name="Phần mềm cũ Hà Tây")
    return w["b_hr_system"]


def _b_system_key(w: dict[str, Any]) -> Model:
    from syncing.models import SystemKey

    return SystemKey.objects.create(system=_b_hr_system(w), key_id="KN-H12-cu")


def _b_ministry_report(w: dict[str, Any]) -> Model:
    from syncing.models import MinistryReport

    return MinistryReport.objects.create(
        agency=w["b"],
        kind="software",
        number="77/BC-UBND",
        report_date=date(2025, 9, 18),
        signer_name="Người ký Hà Nội",
        signer_position="Chủ tịch",
        document=b"%PDF-1.4 b",
    )


def _b_sync_item(w: dict[str, Any]) -> Model:
    from django.utils import timezone

    from profiles.models import ProfileVersion
    from syncing.models import SyncItem

    version = ProfileVersion.objects.filter(profile=_b_profile(w)).first()
    if version is None:
        version = _b_profile_signature(w).version
    return SyncItem.objects.create(
        version=version,
        connection=_b_connection(w),
        next_attempt_at=timezone.now(),
        idempotency_key="001085009999:" + "0" * 64,
    )


def _b_test_sync_run(w: dict[str, Any]) -> Model:
    from syncing.models import TestSyncRun

    return TestSyncRun.objects.create(connection=_b_connection(w), results=[])


def _b_campaign(w: dict[str, Any]) -> Model:
    from datetime import date

    from conversion.models import Campaign

    if "b_campaign" not in w:
        w["b_campaign"] = Campaign.objects.create(scope_unit=w["b"], as_of=date(2026, 1, 10))
    return w["b_campaign"]


def _b_change_row(w: dict[str, Any]) -> Model:
    from conversion.models import ChangeRow

    return ChangeRow.objects.create(
        campaign=_b_campaign(w),
        profile=_b_profile(w),
        field="hometown",
        outcome="review",
        rule="review",
        old_text="Xã Vầy Nưa, Huyện Đà Bắc",
    )


def _b_imported_source_data(w: dict[str, Any]) -> Model:
    from transfer.models import ImportedSourceData

    return ImportedSourceData.objects.create(
        profile=_b_profile(w), file="b.xlsx", sheet="DS", row=2, data={"extra": {"Ghi chú": "x"}}
    )


def _b_held_row(w: dict[str, Any]) -> Model:
    from transfer.models import HeldRow

    return HeldRow.objects.create(
        unit=w["b_dept"],
        file="ha-noi.xlsx",
        sheet="DS",
        row=7,
        personal_id="00108500",
        full_name="Hoàng Văn Chờ",
        cells=[["Họ và tên", "Hoàng Văn Chờ"], ["Số CCCD", "00108500"]],
        problems=[{"column": "Số CCCD", "value": "00108500", "message": "Sai số định danh."}],
    )


def _b_account(w: dict[str, Any]) -> Model:
    from orgtree.models import AgencyUser

    return AgencyUser.objects.get(pk=w["b_admin"].pk)


# label → factory(world) returning an object that belongs to agency B
B_OBJECT_FACTORIES: dict[str, Callable[[dict[str, Any]], Model]] = {
    "orgtree.unit": lambda w: w["b_dept"],
    "orgtree.unitassignment": lambda w: w["b_assignment"],
    "orgtree.unitchangeevent": lambda w: _creation_event(w["b_dept"]),
    "orgtree.integrationclient": _b_integration_client,
    "orgtree.apikey": _b_api_key,
    "orgtree.apirequestlog": _b_api_request_log,
    "orgtree.scheduledoperation": _b_scheduled_operation,
    "orgtree.splitassignment": _b_split_assignment,
    "orgtree.agencyuser": _b_account,
    "profiles.profile": _b_profile,
    "profiles.finding": _b_finding,
    "signing.signingcredential": _b_credential,
    "signing.signingbatch": _b_signing_batch,
    "exports.exportfile": _b_export_file,
    "profiles.profilesignature": _b_profile_signature,
    "transfer.importmapping": _b_import_mapping,
    "transfer.importjob": _b_import_job,
    "transfer.importedsourcedata": _b_imported_source_data,
    "transfer.heldrow": _b_held_row,
    "profiles.mergecandidate": _b_merge_candidate,
    "profiles.profilemerge": _b_profile_merge,
    "syncing.nationalunit": _b_national_unit,
    "syncing.unitmatch": _b_unit_match,
    "syncing.mismatch": _b_mismatch,
    "syncing.progresssnapshot": _b_progress_snapshot,
    "syncing.connection": _b_connection,
    "syncing.syncitem": _b_sync_item,
    "syncing.testsyncrun": _b_test_sync_run,
    "syncing.hrsystem": _b_hr_system,
    "syncing.systemkey": _b_system_key,
    "syncing.ministryreport": _b_ministry_report,
    "conversion.campaign": _b_campaign,
    "conversion.changerow": _b_change_row,
}


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _url(model: type[Model], view: str, *args: Any) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_scoped_admin_model_is_in_the_matrix():
    missing = [
        _label(m)
        for m, ma in admin.site._registry.items()
        if isinstance(ma, ScopedAdminMixin)
        and _label(m) not in B_OBJECT_FACTORIES
        and _label(m) not in REFERENCE_MODELS
    ]
    assert missing == [], f"scoped admin models without a factory in the matrix: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_agency_a_cannot_reach_agency_b_objects(world, role, b_test_ca):
    world["b_test_ca"] = b_test_ca
    client = _client(world["users"][role])
    for model in list(admin.site._registry):
        label = _label(model)
        if label in REFERENCE_MODELS:
            continue
        changelist = client.get(_url(model, "changelist"))
        if label not in B_OBJECT_FACTORIES:
            # Users, groups, the task queue …: closed to agency users.
            assert changelist.status_code == 403, f"{label} is open but not in the matrix"
            continue
        obj = B_OBJECT_FACTORIES[label](world)
        link = _url(model, "change", obj.pk)
        if changelist.status_code == 200:
            assert link not in changelist.content.decode(), (label, "listed")
            for q in (str(obj.pk), "Hà Nội", "ha noi", "H12"):
                searched = client.get(_url(model, "changelist"), {"q": q})
                assert link not in searched.content.decode(), (label, "found by search", q)
        else:
            assert changelist.status_code == 403, label
        # Guessed ids answer exactly as an id that does not exist.
        for view in ("change", "delete", "history"):
            url = _url(model, view, obj.pk)
            if url is None:
                continue
            response = client.get(url)
            unknown = client.get(_url(model, view, 987654321))
            assert response.status_code == unknown.status_code, (label, view)
            assert response.status_code in (302, 403, 404), (label, view)
            assert str(obj) not in response.content.decode(), (label, view)
        before = model._default_manager.filter(pk=obj.pk).values().first()
        client.post(_url(model, "change", obj.pk), {"name": "HACKED", "role": "viewer"})
        client.post(_url(model, "delete", obj.pk), {"post": "yes"})
        after = model._default_manager.filter(pk=obj.pk).values().first()
        assert before == after, (label, "changed by a POST")


@pytest.mark.django_db
def test_subtree_admin_sees_own_subtree_only(world):
    client = _client(world["dept_admin"])
    listing = client.get(reverse("admin:orgtree_unit_changelist")).content.decode()
    assert "Sở Nội vụ" in listing
    assert "Sở Tài chính" not in listing  # a sibling department of the same province
    assert "Ủy ban nhân dân tỉnh Phú Thọ" not in listing  # the parent is outside the subtree
    response = client.get(reverse("admin:orgtree_unit_change", args=[world["a_other"].pk]))
    assert response.status_code == 302


@pytest.mark.django_db
def test_cannot_grant_roles_outside_own_subtree(world):
    """An agency admin cannot create an assignment on another agency's unit."""
    client = _client(world["users"][Role.AGENCY_ADMIN])
    victim = get_user_model().objects.create_user("newcomer", is_staff=True)
    response = client.post(
        reverse("admin:orgtree_unitassignment_add"),
        {"user": victim.pk, "unit": world["b"].pk, "role": Role.AGENCY_ADMIN},
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not UnitAssignment.objects.filter(user=victim).exists()
    ok = client.post(
        reverse("admin:orgtree_unitassignment_add"),
        {"user": victim.pk, "unit": world["a_dept"].pk, "role": Role.VIEWER},
    )
    assert ok.status_code == 302
    assignment = UnitAssignment.objects.get(user=victim)
    assert assignment.granted_by == world["users"][Role.AGENCY_ADMIN]
    assert assignment.history.first().history_user == world["users"][Role.AGENCY_ADMIN]


@pytest.mark.django_db
def test_scope_filters_querysets_by_subtree(world):
    from orgtree.access import scope_for

    hr = world["users"][Role.HR_OFFICER]
    scope = scope_for(hr)
    # tree positions shift as siblings are added: compare against rows as stored
    for key in ("a_dept", "b_dept"):
        world[key].refresh_from_db()
    visible = set(scope.units().values_list("code", flat=True))
    assert visible == {"H25", "H25.01", "H25.02"}
    assert scope.covers(world["a_dept"])
    assert not scope.covers(world["b_dept"])
    assert not scope.covers(world["a_dept"], roles={Role.APPROVER})
    assert scope_for(world["b_admin"]).units().filter(code__startswith="H25").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_navigation_pages_keep_to_the_subtree(world, role):
    """The unit filters, the tree as of a date, the events list and the completeness page
    (issue 17 item 6) neither show nor accept agency B's units."""
    _b_finding(world)
    client = _client(world["users"][role])
    b_names = ("Hà Nội", "Hoàng Thị Bí Mật", "H12")
    pages = [
        (reverse("admin:profiles_profile_changelist"), {"unit_tree": world["b_dept"].pk}),
        (reverse("admin:profiles_finding_changelist"), {"unit_tree": world["b"].pk}),
        (reverse("admin:profiles_profile_completeness"), {"q": "ha noi"}),
        (reverse("admin:profiles_profile_completeness"), {}),
        (reverse("admin:orgtree_unit_as_of"), {"on": "01/01/2026"}),
        (reverse("admin:orgtree_unit_changelist"), {"status__exact": "all"}),
        (reverse("admin:orgtree_unitchangeevent_changelist"), {}),
    ]
    for url, params in pages:
        response = client.get(url, params)
        assert response.status_code in (200, 403), (url, params)
        text = response.content.decode()
        for name in b_names:
            assert name not in text, (url, params, name)
        if response.status_code == 200 and "cl" in (response.context or {}):
            assert list(response.context["cl"].result_list) == [] or "unit_tree" not in params
    search = {"app_label": "profiles", "model_name": "profile", "field_name": "unit"}
    found = client.get(reverse("admin:autocomplete"), {**search, "term": "ha noi"})
    assert found.status_code in (200, 403)
    if found.status_code == 200:
        assert found.json()["results"] == []
