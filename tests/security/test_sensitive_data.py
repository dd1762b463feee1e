"""Sensitive groups encrypted at rest, readable only with their permission, every read
audited; the security audit log of permission changes and exports, read-only in the admin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from cbccvc import crypto
from cbccvc.models import AuditEvent
from orgtree.models import Role, UnitAssignment
from profiles.models import AssetDeclaration, HealthRecord
from profiles.services import asset_declarations

LAND = "Nhà 3 tầng, số 12 phố Hàng Bạc, Hà Nội"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def declared(make_profile):
    profile = make_profile()
    assets = AssetDeclaration.objects.create(
        profile=profile,
        year=2025,
        declared_on=date(2025, 12, 1),
        annual_income=Decimal("350000000"),
        land_and_houses=LAND,
    )
    health = HealthRecord.objects.create(
        profile=profile, recorded_on=date(2025, 6, 1), status="Loại II", blood_type="O"
    )
    return profile, assets, health


def test_stored_encrypted_read_in_clear(declared):
    _, assets, health = declared
    raw = _raw("profiles_assetdeclaration", "land_and_houses", assets.pk)
    assert raw.startswith("enc1:") and "Hàng Bạc" not in raw
    assert _raw("profiles_assetdeclaration", "annual_income", assets.pk).startswith("enc1:")
    assert _raw("profiles_healthrecord", "status", health.pk).startswith("enc1:")
    fresh = AssetDeclaration.objects.get(pk=assets.pk)
    assert fresh.land_and_houses == LAND and fresh.annual_income == Decimal("350000000")
    assert HealthRecord.objects.get(pk=health.pk).blood_type == "O"
    # the history rows are sealed too
    with connection.cursor() as cursor:
        cursor.execute("SELECT land_and_houses FROM profiles_historicalassetdeclaration")
        assert all(v.startswith("enc1:") for (v,) in cursor.fetchall())


def test_a_dedicated_key_and_rotation(make_profile, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(crypto.ENV, old)
    assets = AssetDeclaration.objects.create(
        profile=make_profile(), year=2025, declared_on=date(2025, 12, 1), land_and_houses=LAND
    )
    sealed_old = _raw("profiles_assetdeclaration", "land_and_houses", assets.pk)
    monkeypatch.setenv(crypto.ENV, f"{new},{old}")  # the new key first; the old still opens
    assert AssetDeclaration.objects.get(pk=assets.pk).land_and_houses == LAND
    AssetDeclaration.objects.get(pk=assets.pk).save()
    monkeypatch.setenv(crypto.ENV, new)
    assert AssetDeclaration.objects.get(pk=assets.pk).land_and_houses == LAND
    assert sealed_old != _raw("profiles_assetdeclaration", "land_and_houses", assets.pk)


def test_the_migration_seals_rows_written_before_it(declared):
    from importlib import import_module

    from django.apps import apps

    _, assets, _ = declared
    with connection.cursor() as cursor:  # a row as it was before encryption
        cursor.execute(
            "UPDATE profiles_assetdeclaration SET land_and_houses = %s WHERE id = %s",
            [LAND, assets.pk],
        )
    assert _raw("profiles_assetdeclaration", "land_and_houses", assets.pk) == LAND
    assert AssetDeclaration.objects.get(pk=assets.pk).land_and_houses == LAND  # still readable
    migration = import_module("profiles.migrations.0005_encrypt_sensitive_groups")
    # the function the migration runs, on the test's connection (the SQLite schema editor
    # cannot open inside the test's transaction, and the function only needs the alias)
    migration.seal_existing_rows(apps, SimpleNamespace(connection=connection))
    assert crypto.is_encrypted(_raw("profiles_assetdeclaration", "land_and_houses", assets.pk))
    assert AssetDeclaration.objects.get(pk=assets.pk).land_and_houses == LAND


#: the profile page with every data table at once (profiles.lazy_inlines)
WHOLE_PAGE = {"nhom": "tat-ca"}


def test_assets_only_with_the_permission_and_every_read_audited(declared, tree, user_with):
    profile, _, _ = declared
    hr = user_with("nhansu", (tree["H40"], Role.HR_OFFICER))
    with pytest.raises(PermissionDenied):
        asset_declarations(hr, profile)
    hr.user_permissions.add(Permission.objects.get(codename="view_assets_income"))
    hr = type(hr).objects.get(pk=hr.pk)
    assert asset_declarations(hr, profile).get().land_and_houses == LAND
    read = AuditEvent.objects.get(kind="sensitive_read", user=hr)
    assert read.object_id == str(profile.pk) and read.details["groups"] == ["9"]

    client = Client()
    client.force_login(hr)
    page = client.get(reverse("admin:profiles_profile_change", args=[profile.pk]), WHOLE_PAGE)
    assert LAND in page.content.decode()
    event = AuditEvent.objects.filter(kind="sensitive_read", user=hr).latest("id")
    assert event.details == {"groups": ["9"], "via": "admin"}  # no health permission
    hr.user_permissions.add(Permission.objects.get(codename="view_health"))
    hr = type(hr).objects.get(pk=hr.pk)
    client.force_login(hr)
    client.get(reverse("admin:profiles_profile_change", args=[profile.pk]), WHOLE_PAGE)
    event = AuditEvent.objects.filter(kind="sensitive_read", user=hr).latest("id")
    assert event.details == {"groups": ["10", "9"], "via": "admin"}

    viewer = user_with("xem", (tree["H40"], Role.VIEWER))
    client.force_login(viewer)
    page = client.get(reverse("admin:profiles_profile_change", args=[profile.pk]), WHOLE_PAGE)
    assert page.status_code == 200 and LAND not in page.content.decode()
    assert "Không có quyền xem thông tin tài sản, thu nhập" in page.content.decode()
    # neither group shown to the viewer: no sensitive read to record
    assert not AuditEvent.objects.filter(kind="sensitive_read", user=viewer).exists()


def test_exports_are_audited(declared, tree, user_with):
    profile, _, _ = declared
    hr = user_with("nhansu", (tree["H40"], Role.HR_OFFICER))
    client = Client()
    client.force_login(hr)
    response = client.get(reverse("admin:profiles_profile_cv", args=[profile.pk, "docx"]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(kind="export", user=hr)
    assert event.details == {"export": "mau-2c", "format": "docx"}


def test_permission_changes_are_audited(tree, user_with, django_user_model):
    user = user_with("moi")
    UnitAssignment.objects.create(user=user, unit=tree["H40"], role=Role.APPROVER)
    grant = AuditEvent.objects.filter(kind="permission_change").latest("id")
    assert grant.details["action"] == "grant" and grant.details["role"] == Role.APPROVER
    group = Group.objects.create(name="Xem tài sản")
    group.permissions.add(Permission.objects.get(codename="view_assets_income"))
    user.groups.add(group)
    actions = list(
        AuditEvent.objects.filter(kind="permission_change").values_list(
            "details__action", flat=True
        )
    )
    assert actions.count("add") == 2
    user.is_superuser = True
    user.save()
    assert AuditEvent.objects.filter(
        kind="permission_change", object_id=str(user.pk), details__action="flags"
    ).exists()
    UnitAssignment.objects.filter(user=user).delete()
    assert AuditEvent.objects.filter(details__action="revoke").exists()


def test_audit_log_is_read_only_and_for_superusers(tree, user_with):
    admin = user_with("quantri", superuser=True)
    agency_admin = user_with("qt.h40", (tree["H40"], Role.AGENCY_ADMIN))
    event = AuditEvent.objects.first()
    client = Client()
    client.force_login(admin)
    listing = client.get(reverse("admin:cbccvc_auditevent_changelist"))
    assert listing.status_code == 200
    change = reverse("admin:cbccvc_auditevent_change", args=[event.pk])
    assert client.post(change, {"kind": "login"}).status_code == 403
    assert (
        client.post(reverse("admin:cbccvc_auditevent_delete", args=[event.pk])).status_code == 403
    )
    client.force_login(agency_admin)
    assert client.get(reverse("admin:cbccvc_auditevent_changelist")).status_code == 403
