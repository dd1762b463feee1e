"""The import and export models moved from ``profiles`` to the ``transfer`` app without copying
data (#13).

An installation migrated before the move has its import jobs, mappings (and their history),
held rows and source data in ``profiles_*`` tables, their content types under ``profiles``, and
background Excel exports whose ``kind`` names the old module. Migrating across the move keeps
every row and id, renames the content types in place and points the export kind at the module
that moved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.migrating import migrate_to, migrated_back

BEFORE = [("profiles", "0020_signing_models_moved_to_signing_app"), ("transfer", None)]
AFTER = [("profiles", "0021_import_models_moved_to_transfer_app"), ("transfer", "0001_initial")]
EXPORTS = [("exports", "0002_verbose_names_translatable")]
OLD_KIND = "profiles.export_jobs.write_profiles_xlsx"


@pytest.fixture(autouse=True)
def _latest_state_after():
    with migrated_back():
        yield


@pytest.mark.django_db(transaction=True)
def test_rows_ids_permissions_and_export_kinds_survive_the_move():
    from transfer.export_jobs import KIND

    old = migrate_to(BEFORE, also=EXPORTS)
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    user = old.get_model("auth", "User").objects.create(username="nhap-lieu")
    ct = content_type.objects.get_or_create(app_label="profiles", model="importjob")[0]
    perm = permission.objects.get_or_create(
        content_type=ct, codename="add_importjob", defaults={"name": "Can add"}
    )[0]
    user.user_permissions.add(perm)
    unit = old.get_model("orgtree", "Unit").objects.create(
        code="U1",
        name="Sở Nội vụ",
        kind="agency",
        valid_from=date(2025, 7, 1),
        lft=1,
        rght=2,
        tree_id=1,
        level=0,
    )
    mapping = old.get_model("profiles", "ImportMapping").objects.create(
        name="Phần mềm A", unit=unit, column_overrides={"Họ tên": "full_name"}
    )
    job = old.get_model("profiles", "ImportJob").objects.create(
        created_by=user, unit=unit, mapping=mapping
    )
    held = old.get_model("profiles", "HeldRow").objects.create(
        job=job, unit=unit, file="a.xlsx", sheet="Sheet1", row=7, cells=["An"]
    )
    export = old.get_model("exports", "ExportFile").objects.create(
        user=user,
        kind=OLD_KIND,
        title="Danh sách",
        file_name="ho-so.xlsx",
        expires_at=datetime(2026, 1, 17, tzinfo=UTC),
    )

    new = migrate_to(AFTER, also=EXPORTS)

    moved_ct = new.get_model("contenttypes", "ContentType").objects.get(pk=ct.pk)
    assert (moved_ct.app_label, moved_ct.model) == ("transfer", "importjob")
    assert new.get_model("transfer", "ImportJob").objects.get(pk=job.pk).mapping_id == mapping.pk
    assert new.get_model("transfer", "HeldRow").objects.get(pk=held.pk).row == 7
    assert new.get_model("transfer", "ImportMapping").objects.get(pk=mapping.pk).name == (
        "Phần mềm A"
    )
    assert new.get_model("exports", "ExportFile").objects.get(pk=export.pk).kind == KIND

    from django.contrib.auth import get_user_model

    holder = get_user_model().objects.get(pk=user.pk)
    assert holder.has_perm("transfer.add_importjob")
    assert not holder.has_perm("profiles.add_importjob")
