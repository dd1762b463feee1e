"""Approve and sign from the approver's inbox: the PIN is tried before anything is approved,
then the approved versions go into one signing batch of the existing batch signing."""

from __future__ import annotations

from html import unescape

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from orgtree.models import Role
from profiles import workflow
from profiles.models import Profile, ProfileSignature, ProfileStatus, VersionStatus
from signing.credentials import add_pkcs12_credential
from signing.models import SigningBatch
from signing.testca import load_test_ca, make_test_ca

INBOX = "/admin/hop-duyet/"


@pytest.fixture
def signer_world(tree, user_with, make_profile):
    hr = user_with("nhansu", (tree["H40"], Role.HR_OFFICER))
    approver = user_with("pheduyet", (tree["H40"], Role.APPROVER))
    approver.first_name, approver.last_name = "Duyệt", "Lê Văn"
    approver.save()
    profiles = [
        make_profile(unit=tree["H40.10"], personal_id=f"04008500123{n}", full_name=name)
        for n, name in ((4, "An"), (5, "Bình"))
    ]
    for profile in profiles:
        workflow.submit(profile, hr)
    ca = make_test_ca([("pheduyet", "Lê Văn Duyệt")], with_ecdsa=False)
    load_test_ca(ca, load_credentials=False)
    issued = ca.credentials[0]
    credential = add_pkcs12_credential(approver, issued.pkcs12, issued.pin, label="Khóa thử")
    client = Client()
    client.force_login(approver)
    return {"profiles": profiles, "pin": issued.pin, "credential": credential, "client": client}


@override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": True})
def test_approve_and_sign_several_profiles(signer_world):
    world = signer_world
    ids = [p.pk for p in world["profiles"]]
    response = world["client"].post(
        INBOX,
        {
            "action": "approve_sign",
            "profile": ids,
            "credential": world["credential"].pk,
            "pin": world["pin"],
        },
    )
    batch = SigningBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:profiles_profile_signing_batch", args=[batch.pk])
    assert batch.total == 2 and batch.done == 2
    for profile in Profile.objects.filter(pk__in=ids):
        assert profile.status == ProfileStatus.SIGNED
        version = profile.versions.get(number=1)
        assert version.status == VersionStatus.SIGNED
        assert version.decided_by.username == "pheduyet"
    assert ProfileSignature.objects.filter(version__profile_id__in=ids).count() == 2


@override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": True})
def test_a_wrong_pin_approves_nothing(signer_world):
    world = signer_world
    first = world["profiles"][0]
    response = world["client"].post(
        reverse("portal:inbox_detail", args=[first.pk]),
        {"action": "approve_sign", "credential": world["credential"].pk, "pin": "sai-pin"},
        follow=True,
    )
    assert "Không mở được khóa ký số, chưa phê duyệt hồ sơ nào" in unescape(
        response.content.decode()
    )
    assert Profile.objects.get(pk=first.pk).status == ProfileStatus.SUBMITTED
    assert not SigningBatch.objects.exists()
