"""The signing models moved from ``profiles`` to the ``signing`` app without copying data (#13).

An installation migrated before the move has its rows in ``profiles_signing*`` tables, content
types (and so permissions, admin log entries) under ``profiles``, and signing batches whose
``provider`` names the old module. Migrating across the move keeps every row and id, renames
the content types in place and points the providers at the module that moved.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from tests.migrating import migrate_to, migrated_back

BEFORE = [("profiles", "0019_verbose_names_translatable"), ("signing", None)]
AFTER = [("profiles", "0020_signing_models_moved_to_signing_app"), ("signing", "0001_initial")]
OLD_PROVIDER = "profiles.signing.profile_signing.provide_profile_version"


@pytest.fixture(autouse=True)
def _latest_state_after():
    with migrated_back():
        yield


@pytest.mark.django_db(transaction=True)
def test_rows_ids_permissions_and_providers_survive_the_move():
    from profiles.signatures.versions import PROVIDER

    old = migrate_to(BEFORE)
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    user = old.get_model("auth", "User").objects.create(username="ky-so")
    ct = content_type.objects.get_or_create(app_label="profiles", model="signingbatch")[0]
    perm = permission.objects.get_or_create(
        content_type=ct, codename="view_signingbatch", defaults={"name": "Can view"}
    )[0]
    user.user_permissions.add(perm)
    moment = datetime(2026, 1, 10, tzinfo=UTC)
    credential = old.get_model("profiles", "SigningCredential").objects.create(
        owner=user,
        label="Khóa cũ",
        kind="p12",
        key_algorithm="rsa",
        certificate_pem="-----BEGIN CERTIFICATE-----",
        subject="CN=A",
        issuer="CN=CA",
        serial="01",
        fingerprint="ab" * 32,
        not_before=moment,
        not_after=moment,
    )
    batch = old.get_model("profiles", "SigningBatch").objects.create(
        created_by=user, credential=credential, provider=OLD_PROVIDER, total=3, done=3
    )

    new = migrate_to(AFTER)

    moved_ct = new.get_model("contenttypes", "ContentType").objects.get(pk=ct.pk)
    assert (moved_ct.app_label, moved_ct.model) == ("signing", "signingbatch")
    assert (
        not new.get_model("contenttypes", "ContentType")
        .objects.filter(app_label="profiles", model__in=["signingbatch", "signingcredential"])
        .exists()
    )
    moved_batch = new.get_model("signing", "SigningBatch").objects.get(pk=batch.pk)
    assert moved_batch.provider == PROVIDER
    assert moved_batch.credential_id == credential.pk and moved_batch.done == 3
    assert new.get_model("signing", "SigningCredential").objects.get(pk=credential.pk).label == (
        "Khóa cũ"
    )

    from django.contrib.auth import get_user_model

    holder = get_user_model().objects.get(pk=user.pk)
    assert holder.has_perm("signing.view_signingbatch")
    assert not holder.has_perm("profiles.view_signingbatch")


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone():
    from signing.models import SigningBatch

    migrate_to(BEFORE)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert SigningBatch._meta.db_table in tables  # the tables never moved
    old = migrate_to(BEFORE)
    assert old.get_model("profiles", "SigningBatch")._meta.db_table == "profiles_signingbatch"
    migrate_to(AFTER)
