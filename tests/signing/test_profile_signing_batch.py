"""Batch signing of profiles (django-q2, sync mode), the admin screens, the demo material."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from orgtree.models import Role
from profiles import workflow
from profiles.models import Profile, ProfileSignature, ProfileStatus, VersionStatus
from profiles.signing.credentials import add_pkcs12_credential, open_signer
from profiles.signing.demo import set_up_demo_signing
from profiles.signing.models import SigningBatch, SigningCredential, TrustedCertificate
from profiles.signing.profile_signing import (
    PROVIDER,
    batch_item,
    signable_items,
    verify_version,
)
from profiles.signing.tasks import start_batch
from profiles.signing.testca import load_test_ca

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
        from profiles.signing.profile_signing import sign_version

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
