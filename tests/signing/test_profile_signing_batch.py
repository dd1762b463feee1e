"""Batch signing of profiles (django-q2, sync mode), the admin screens, the demo material."""

from __future__ import annotations

import json
import os
import signal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from orgtree.models import Role
from profiles import workflow
from profiles.models import (
    Profile,
    ProfileSignature,
    ProfileStatus,
    ProfileVersion,
    VersionStatus,
)
from profiles.signatures.versions import (
    PROVIDER,
    batch_item,
    signable_items,
    verify_version,
)
from signing.credentials import add_pkcs12_credential, open_signer
from signing.demo import set_up_demo_signing
from signing.keys import seal
from signing.models import SigningBatch, SigningCredential, TrustedCertificate
from signing.tasks import start_batch
from signing.testca import load_test_ca

from .profile_helpers import approved_version, generated_person

SYNC = {**settings.Q_CLUSTER, "sync": True}


@pytest.fixture(autouse=True)
def _codelists(codelists_loaded):
    from profiles.codelists import clear_cache

    clear_cache()


@pytest.fixture(scope="module")
def approver_key(test_ca):
    return test_ca.issue("lanh_dao", "Lê Văn Duyệt")


@pytest.fixture
def credential(approver, approver_key):
    return add_pkcs12_credential(approver, approver_key.pkcs12, approver_key.pin)


@pytest.fixture
def people(tree, reference_data, hr, approver, user_with):
    """Three approved profiles in the approver's scope, one only submitted, one approved in
    another province (outside the approver's scope)."""
    approved = []
    for seed in (21, 22, 23):
        person = generated_person(tree["H40.10"], seed=seed, every_group=False)
        approved_version(person, hr, approver)
        approved.append(Profile.objects.get(pk=person.pk))
    submitted = generated_person(tree["H40.10"], seed=24, every_group=False)
    workflow.submit(submitted, hr)
    hr_ht = user_with("canbo_ha_tinh", (tree["H42"], Role.HR_OFFICER))
    approver_ht = user_with("pheduyet_ha_tinh", (tree["H42"], Role.APPROVER))
    outside = generated_person(tree["H42"], seed=25, every_group=False)
    approved_version(outside, hr_ht, approver_ht)
    return {
        "approved": approved,
        "submitted": Profile.objects.get(pk=submitted.pk),
        "outside": Profile.objects.get(pk=outside.pk),
    }


@override_settings(Q_CLUSTER=SYNC)
def test_batch_signs_approved_profiles_in_scope_only(
    people, approver, credential, approver_key, test_ca
):
    everyone = [*people["approved"], people["submitted"], people["outside"]]
    items, refused = signable_items(
        Profile.objects.filter(pk__in=[p.pk for p in everyone]), approver
    )
    assert len(items) == 3 and len(refused) == 2
    submitted, outside = people["submitted"], people["outside"]
    assert any(submitted.personal_id in r and "Đã trình duyệt" in r for r in refused)
    assert any(outside.personal_id in r and "vai trò phê duyệt" in r for r in refused)

    # the provider checks again at signing time: an item smuggled in for a profile outside the
    # approver's scope fails with its own message and is never signed
    smuggled = batch_item(outside.versions.get(), approver)
    batch = start_batch(
        approver, credential, [*items, smuggled], provider=PROVIDER, pin=approver_key.pin
    )
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE_WITH_ERRORS
    assert (batch.total, batch.done, batch.failed) == (4, 3, 1)
    assert batch.sealed_pin is None
    assert "vai trò phê duyệt" in batch.failures()[smuggled]["error"]
    assert not ProfileSignature.objects.filter(version__profile=outside).exists()
    assert outside.versions.get().status == VersionStatus.APPROVED
    for profile in people["approved"]:
        profile.refresh_from_db()
        version = profile.versions.get()
        assert profile.status == ProfileStatus.SIGNED
        assert version.status == VersionStatus.SIGNED and version.signed_by == approver
        signature = version.signature
        assert signature.credential == credential
        assert verify_version(version, trust_store=test_ca.trust_store()).ok


# -- admin --------------------------------------------------------------------------------------


def _changelist() -> str:
    return reverse("admin:profiles_profile_changelist")


@override_settings(Q_CLUSTER=SYNC)
def test_admin_batch_action_pin_once_progress_and_failures(
    client, people, approver, credential, approver_key
):
    client.force_login(approver)
    chosen = [*people["approved"], people["submitted"]]
    ids = [str(p.pk) for p in chosen]
    page = client.post(_changelist(), {"action": "sign_selected", "_selected_action": ids})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mã PIN" in text and str(credential.serial) in text

    wrong = client.post(
        _changelist(),
        {"action": "sign_selected", "_selected_action": ids, "apply": "1",
         "credential": credential.pk, "pin": "00000000"},
    )  # fmt: skip
    assert wrong.status_code == 200 and "Mã PIN không đúng" in wrong.content.decode()
    assert not SigningBatch.objects.exists()

    done = client.post(
        _changelist(),
        {"action": "sign_selected", "_selected_action": ids, "apply": "1",
         "credential": credential.pk, "pin": approver_key.pin},
        follow=True,
    )  # fmt: skip
    batch = SigningBatch.objects.get()
    assert done.redirect_chain[-1][0] == reverse(
        "admin:profiles_profile_signing_batch", args=[batch.pk]
    )
    text = done.content.decode()
    assert "<progress" in text and "100%" in text
    assert 'http-equiv="refresh"' not in text  # finished: no more refreshing
    submitted = people["submitted"]
    assert f"{submitted.full_name} ({submitted.personal_id})" in text  # refused, with reason
    assert "không phải “đã phê duyệt”" in text
    assert batch.done == 3

    status = client.get(reverse("admin:profiles_profile_signing_batch_status", args=[batch.pk]))
    assert json.loads(status.content)["done"] == 3
    assert json.loads(status.content)["finished"] is True

    # someone else's batch is not visible
    other = get_user_model().objects.create_user("nguoi_khac", is_staff=True)
    client.force_login(other)
    url = reverse("admin:profiles_profile_signing_batch", args=[batch.pk])
    assert client.get(url).status_code == 404


def test_batch_page_refreshes_while_running_and_lists_failing_profiles(
    client, people, approver, credential
):
    profile = people["approved"][0]
    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=[batch_item(profile.versions.get(), approver), "x"],
        total=2,
        failed=1,
        status=SigningBatch.Status.RUNNING,
        results={batch_item(profile.versions.get(), approver): {"ok": False, "error": "Lỗi thử"}},
    )
    client.force_login(approver)
    text = client.get(reverse("admin:profiles_profile_signing_batch", args=[batch.pk])).content
    text = text.decode()
    assert 'http-equiv="refresh"' in text and "50%" in text
    assert profile.full_name in text and "Lỗi thử" in text


def test_users_without_approver_role_cannot_sign(client, people, hr):
    client.force_login(hr)
    ids = [str(people["approved"][0].pk)]
    response = client.post(
        _changelist(), {"action": "sign_selected", "_selected_action": ids}, follow=True
    )
    assert "vai trò phê duyệt" in response.content.decode()
    assert not SigningBatch.objects.exists()


def test_profile_page_shows_the_signature_and_reverifies(
    client, people, approver, credential, approver_key, test_ca
):
    load_test_ca(test_ca, load_credentials=False)
    profile = people["approved"][0]
    version = profile.versions.get()
    with open_signer(credential, approver_key.pin, user=approver) as signer:
        from profiles.signatures.versions import sign_version

        signature = sign_version(version, signer, approver, credential=credential)
    client.force_login(approver)
    url = reverse("admin:profiles_profile_change", args=[profile.pk])
    text = client.get(url).content.decode()
    assert signature.certificate_serial in text
    assert "Lê Văn Duyệt" in text
    assert "Chưa kiểm tra" in text and "Kiểm tra lại chữ ký" in text

    reverify = reverse("admin:profiles_profile_reverify", args=[profile.pk])
    response = client.post(reverify, {"_kiem_tra_chu_ky": signature.pk}, follow=True)
    assert "chữ ký số hợp lệ" in response.content.decode()
    signature.refresh_from_db()
    assert signature.last_verification_ok is True
    assert "Hợp lệ (kiểm tra lúc" in client.get(url).content.decode()

    # a tampered signed document is reported on the page
    tampered = bytes(signature.signed_document).replace(
        profile.full_name.encode(), b"Nguyen Van Gia"
    )
    ProfileSignature.objects.filter(pk=signature.pk).update(signed_document=tampered)
    response = client.post(reverify, {"_kiem_tra_chu_ky": signature.pk}, follow=True)
    assert "KHÔNG hợp lệ" in response.content.decode()

    # outside the scope: no page, no verification
    outsider = get_user_model().objects.create_user("nguoi_ngoai", is_staff=True)
    client.force_login(outsider)
    assert client.post(reverify).status_code == 404

    # the signature list is scoped too
    listing = reverse("admin:profiles_profilesignature_changelist")
    assert profile.personal_id not in client.get(listing).content.decode()
    client.force_login(approver)
    assert client.get(listing).status_code == 200


# -- demo material ------------------------------------------------------------------------------


def test_demo_signing_is_idempotent_and_writes_the_pins(db):
    with pytest.raises(ValidationError, match=r"phutho\.pheduyet"):
        set_up_demo_signing()
    user = get_user_model().objects.create_user(
        "phutho.pheduyet", first_name="Duyệt", last_name="Lê Văn"
    )
    first = set_up_demo_signing()
    second = set_up_demo_signing()
    assert "đã tạo" in first and "đã có" in second
    assert "\n" not in first and "\n" not in second
    credential = SigningCredential.objects.get(owner=user, active=True)
    assert TrustedCertificate.objects.filter(active=True).count() == 1
    pin_file = settings.VAR_DIR / "demo-ky-so" / "PIN-THU-NGHIEM.txt"
    assert str(pin_file) in second
    lines = pin_file.read_text(encoding="utf-8").splitlines()
    assert "THỬ NGHIỆM" in lines[0]
    pin = next(line.split("\t")[1] for line in lines if line.startswith("phutho.pheduyet"))
    open_signer(credential, pin, user=user).close()
    # the PIN file lost: a new key replaces the one nobody can open any more
    pin_file.unlink()
    assert "đã tạo" in set_up_demo_signing()
    assert SigningCredential.objects.filter(owner=user, active=True).count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(
    Q_CLUSTER=SYNC, CBCCVC_SIGNING_PROCESSES=2, CBCCVC_SIGNING_POOL_MIN_ITEMS=2,
    CBCCVC_SIGNING_ITEMS_IN_WORKERS=True,
)  # fmt: skip
def test_on_postgresql_worker_processes_read_sign_and_store_whole_items(
    people, approver, credential, approver_key, test_ca
):
    """On PostgreSQL the two workers do the whole item on the same (test) database: the
    provider's checks still refuse an item outside the approver's scope, with its message."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("workers share the database only on PostgreSQL")
    items, _ = signable_items(
        Profile.objects.filter(pk__in=[p.pk for p in people["approved"]]), approver
    )
    smuggled = batch_item(people["outside"].versions.get(), approver)
    batch = start_batch(
        approver, credential, [items[0], smuggled, *items[1:]], provider=PROVIDER,
        pin=approver_key.pin,
    )  # fmt: skip
    batch.refresh_from_db()
    assert (batch.total, batch.done, batch.failed) == (4, 3, 1)
    assert "vai trò phê duyệt" in batch.failures()[smuggled]["error"]
    assert not ProfileSignature.objects.filter(version__profile=people["outside"]).exists()
    for profile in people["approved"]:
        version = Profile.objects.get(pk=profile.pk).versions.get()
        assert version.status == VersionStatus.SIGNED and version.signed_by == approver
        assert verify_version(version, trust_store=test_ca.trust_store()).ok


# -- chunks: what a crash or a failing item leaves ----------------------------------------------


def _signed_and_queued(version_ids) -> dict[int, tuple[str, str, bool, int]]:
    """Per version: its status, its profile's status, whether it has a signature row, and how
    many sync queue rows it has."""
    from syncing.models import SyncItem

    out = {}
    for version in ProfileVersion.objects.filter(pk__in=version_ids).select_related("profile"):
        out[version.pk] = (
            version.status,
            version.profile.status,
            ProfileSignature.objects.filter(version=version).exists(),
            SyncItem.objects.filter(version=version).count(),
        )
    return out


SIGNED_AND_QUEUED = (VersionStatus.SIGNED, ProfileStatus.SIGNED, True, 1)
UNTOUCHED = (VersionStatus.APPROVED, ProfileStatus.APPROVED, False, 0)


def _poison_signature_insert(version_id: int) -> None:
    """A trigger that makes the database refuse the signature row of one version (a real
    failure of the store in the middle of a chunk)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON profiles_profilesignature "
                f"WHEN NEW.version_id = {version_id} BEGIN SELECT RAISE(ABORT, 'poison'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.version_id = {version_id} THEN RAISE EXCEPTION 'poison'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON profiles_profilesignature "
                "FOR EACH ROW EXECUTE FUNCTION poison()"
            )


@override_settings(Q_CLUSTER=SYNC, CBCCVC_SIGNING_CHUNK_ITEMS=10)
def test_an_item_the_database_refuses_fails_alone_and_the_rest_of_its_chunk_is_signed(
    people, approver, credential, approver_key
):
    """The three versions are one chunk; the database refuses the signature of the second:
    the chunk is rolled back and stored again item by item, so the second fails with nothing
    of it written (still approved, no signature, not queued) and the others are signed and
    queued once each."""
    versions = [p.versions.get() for p in people["approved"]]
    _poison_signature_insert(versions[1].pk)
    items = [batch_item(v, approver) for v in versions]
    batch = start_batch(approver, credential, items, provider=PROVIDER, pin=approver_key.pin)
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE_WITH_ERRORS
    assert (batch.done, batch.failed) == (2, 1)
    assert set(batch.failures()) == {items[1]}
    assert "Lỗi không xác định" in batch.failures()[items[1]]["error"]
    state = _signed_and_queued([v.pk for v in versions])
    assert state[versions[0].pk] == state[versions[2].pk] == SIGNED_AND_QUEUED
    assert state[versions[1].pk] == UNTOUCHED


def _database_url(sqlite_file) -> str:
    from django.db import connection

    if sqlite_file is not None:
        return f"sqlite:///{sqlite_file}"
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


#: run in the killed worker: chunks of 2 items; in the middle of the second chunk, once its
#: versions, profiles, signatures and queue rows are written and before it commits, the
#: process kills itself (SIGKILL: no exception handler, no ``finally`` runs)
_KILLED_WORKER = """
import os, signal, sys
from django.conf import settings
from profiles.models import ProfileSignature
from profiles.signals import versions_signed
from signing.tasks import run_batch
from syncing.models import SyncItem
settings.CBCCVC_SIGNING_CHUNK_ITEMS = 2
chunks = []
def die(sender, versions, **kwargs):
    chunks.append(versions)
    if len(chunks) == 2:
        written = (
            SyncItem.objects.filter(version__in=versions).count()
            + ProfileSignature.objects.filter(version__in=versions).count()
        )
        if written != 2 * len(versions):
            sys.exit(3)  # not killed where the test means to
        os.kill(os.getpid(), signal.SIGKILL)
versions_signed.connect(die, weak=False)
run_batch(%d)
sys.exit(4)  # not killed at all
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_chunk_leaves_it_untouched_and_the_batch_resumes(
    tmp_path, people, approver, credential, approver_key
):
    """The batch runs in a real process killed (SIGKILL) while it stores its second chunk:
    the first chunk is signed, queued and counted, the second (one item refused at reading,
    one being stored) left as if never started, the batch still running with its sealed PIN.
    Run again (as django-q delivers a task whose worker died), it resumes where it stood:
    every version signed and queued exactly once, the refused item counted once.

    The worker is ``manage.py shell`` on the test database; SQLite's lives in memory, so it is
    copied to a file for the worker and the file copied back after the kill."""
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from signing.tasks import run_batch

    versions = [p.versions.get() for p in people["approved"]]
    smuggled = batch_item(people["outside"].versions.get(), approver)
    items = [batch_item(v, approver) for v in versions]
    items[2:2] = [smuggled]  # chunks: [v0, v1], [smuggled, v2]
    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=items,
        total=len(items),
        sealed_pin=seal(approver_key.pin.encode()),
    )
    sqlite_file = None
    if connection.vendor == "sqlite":
        sqlite_file = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(sqlite_file) as target:
            connection.connection.backup(target)
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(sqlite_file),
        "CBCCVC_VAR_DIR": str(settings.VAR_DIR),
        "CBCCVC_REQUIRE_POSTGRES": "",
    }
    worker = subprocess.run(
        [sys.executable, str(root / "manage.py"), "shell", "-c", _KILLED_WORKER % batch.pk],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-3000:]
    if sqlite_file is not None:
        with sqlite3.connect(sqlite_file) as source:
            source.backup(connection.connection)

    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.RUNNING and batch.sealed_pin
    assert (batch.done, batch.failed, batch.results) == (2, 0, {})
    state = _signed_and_queued([v.pk for v in versions])
    assert state[versions[0].pk] == state[versions[1].pk] == SIGNED_AND_QUEUED
    assert state[versions[2].pk] == UNTOUCHED

    with override_settings(CBCCVC_SIGNING_CHUNK_ITEMS=2):
        assert run_batch(batch.pk) == {"done": 3, "failed": 1}
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE_WITH_ERRORS and batch.sealed_pin is None
    assert set(batch.failures()) == {smuggled}
    state = _signed_and_queued([v.pk for v in versions])
    assert all(s == SIGNED_AND_QUEUED for s in state.values()), state
    assert not ProfileSignature.objects.filter(version__profile=people["outside"]).exists()


def test_a_chunk_reads_its_units_once_and_renders_each_version_as_alone(
    people, approver, django_assert_max_num_queries
):
    """A chunk's documents are rendered with the codes of all its units read in one query:
    each is the document its version renders alone (#19)."""
    from profiles import document
    from profiles.signatures.batch import read_chunk
    from profiles.signatures.versions import render_valid_document

    versions = [p.versions.order_by("-number").first() for p in people["approved"]]
    with django_assert_max_num_queries(8):  # ids, users, latest versions, units, scope
        items = read_chunk([batch_item(v, approver) for v in versions])
    assert [item.error for item in items] == [None] * 3
    include_assets = document.assets_included_by_default()
    for item, version in zip(items, versions, strict=True):
        alone = ProfileVersion.objects.select_related("profile__unit").get(pk=version.pk)
        assert item.document == render_valid_document(alone, include_assets=include_assets)
