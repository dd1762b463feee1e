"""The signing pages in English: the batch-signing form, a batch's progress page and the XML
signature check read in English; names, statuses (model choices) and stored errors are data."""

from __future__ import annotations

from django.urls import reverse

from profiles.models import Profile, ProfileStatus
from profiles.signatures.versions import PROVIDER, batch_item
from signing.models import SigningBatch
from tests.english_wording import english_client, untranslated
from tests.signing.test_profile_signing_batch import (  # noqa: F401 - fixtures
    _codelists,
    approver_key,
    credential,
    people,
)


def _names(profiles) -> list[str]:
    return [text for p in profiles for text in (p.full_name, p.personal_id, str(p.unit))]


def test_the_batch_signing_form_reads_in_english(people, approver, credential):  # noqa: F811
    chosen = [*people["approved"], people["submitted"]]
    page = english_client(approver).post(
        reverse("admin:profiles_profile_changelist"),
        {"action": "sign_selected", "_selected_action": [str(p.pk) for p in chosen]},
    )
    html = page.content.decode()
    statuses = [str(label) for label in ProfileStatus.labels]
    assert untranslated(html, data=[*_names(chosen), *statuses, str(credential)]) == []
    assert "<strong>4</strong> profiles selected" in html
    assert 'name="apply" value="Sign digitally"' in html
    assert "The PIN is used for this batch only" in html


def test_a_batch_page_reads_in_english(people, approver, credential):  # noqa: F811
    profile = Profile.objects.get(pk=people["approved"][0].pk)
    item = batch_item(profile.versions.get(), approver)
    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=[item, "x"],
        total=2,
        failed=1,
        status=SigningBatch.Status.RUNNING,
        results={item: {"ok": False, "error": "Lỗi thử"}},
    )
    url = reverse("admin:profiles_profile_signing_batch", args=[batch.pk])
    html = english_client(approver).get(url).content.decode()
    data = [
        *_names([profile]),
        *(str(label) for label in SigningBatch.Status.labels),
        approver.username,
        str(credential),
    ]
    assert untranslated(html, data=data) == []
    assert "50% — 0 signed, 1 failed, 2 profiles in all." in html
    assert "Profiles not signed (1)" in html and "Lỗi thử" in html  # the stored error as is


def test_the_signature_check_page_reads_in_english(approver):
    page = english_client(approver).get(reverse("admin:signing_verify"))
    html = page.content.decode()
    assert untranslated(html) == []
    assert "Signed XML file" in html and 'value="Verify"' in html
