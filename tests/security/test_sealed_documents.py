"""The copies of groups 9 and 10 inside approval snapshots, merge before-images and review-queue
rows are sealed at rest (``cbccvc.crypto.SealedJSONField``); hashing, signing and undoing a
merge see the plain document, exactly as before."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

from django.db import connection

from cbccvc import crypto
from profiles import workflow
from profiles.merging import merge_profiles, undo_merge
from profiles.models import HealthRecord, Profile, ProfileMerge, ProfileVersion
from profiles.services import content_hash, snapshot

from .conftest import CONDITION


def _raw_json(table: str, column: str, pk: int) -> str:
    """The stored document as text, with any ``\\u`` escapes decoded (so that a search for a
    Vietnamese value finds it however the database adapter wrote it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        value = cursor.fetchone()[0]
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, ensure_ascii=False)


def test_version_snapshot_is_sealed_at_rest_and_hashes_as_before(sick, hr):
    expected = snapshot(sick)
    version = workflow.submit(sick, hr)
    raw = _raw_json("profiles_profileversion", "snapshot", version.pk)
    assert CONDITION not in raw and "Hàng Bạc" not in raw and "350000000" not in raw
    stored = json.loads(raw)
    assert crypto.is_encrypted(stored["health"]) and crypto.is_encrypted(
        stored["asset_declarations"]
    )
    assert stored["profile"]["personal_id"] == sick.personal_id  # the rest stays plain JSON
    fresh = ProfileVersion.objects.get(pk=version.pk)
    assert fresh.snapshot == expected
    assert content_hash(fresh.snapshot) == version.content_hash == content_hash(expected)


def test_merge_before_images_are_sealed_and_undo_puts_health_back(sick, make_profile, hr):
    other = make_profile(personal_id="040085009999")
    HealthRecord.objects.create(profile=other, recorded_on=date(2019, 2, 3), status=CONDITION)
    workflow.submit(other, hr)  # a version whose snapshot goes into the before-image
    before = {p.pk: content_hash(snapshot(p)) for p in (sick, other)}
    merge = merge_profiles(sick, other, actor=hr, reason="Trùng hồ sơ")
    for column in ("survivor_before", "other_before"):
        raw = _raw_json("profiles_profilemerge", column, merge.pk)
        assert CONDITION not in raw and "Hàng Bạc" not in raw, column
    assert "enc1:" in _raw_json("profiles_profilemerge", "other_before", merge.pk)
    fresh = ProfileMerge.objects.get(pk=merge.pk)
    assert fresh.other_before["children"]["health"][0]["status"] == CONDITION
    assert fresh.other_before["versions"][0]["snapshot"]["health"][0]["status"] == CONDITION

    undo_merge(fresh, hr, "Nhầm người")
    restored = {p.pk: content_hash(snapshot(p)) for p in Profile.objects.filter(pk__in=before)}
    assert restored == before
    version = ProfileVersion.objects.get(profile_id=other.pk)
    assert version.snapshot["health"][0]["status"] == CONDITION
    assert CONDITION not in _raw_json("profiles_profileversion", "snapshot", version.pk)


def test_the_migration_seals_documents_written_before_it_and_reverses(sick, hr):
    from importlib import import_module

    from django.apps import apps

    version = workflow.submit(sick, hr)
    plain = json.dumps(snapshot(sick), ensure_ascii=False)
    with connection.cursor() as cursor:  # a row as it was before sealing
        cursor.execute(
            "UPDATE profiles_profileversion SET snapshot = %s WHERE id = %s", [plain, version.pk]
        )
    assert CONDITION in _raw_json("profiles_profileversion", "snapshot", version.pk)
    assert ProfileVersion.objects.get(pk=version.pk).snapshot == version.snapshot  # readable
    migration = import_module("profiles.migrations.0009_seal_sensitive_json_documents")
    editor = SimpleNamespace(connection=connection)
    migration.seal_documents(apps, editor)
    assert CONDITION not in _raw_json("profiles_profileversion", "snapshot", version.pk)
    assert ProfileVersion.objects.get(pk=version.pk).snapshot == version.snapshot
    migration.open_documents(apps, editor)
    raw = json.loads(_raw_json("profiles_profileversion", "snapshot", version.pk))
    assert raw["health"][0]["status"] == CONDITION  # plain again
    assert content_hash(raw) == version.content_hash
