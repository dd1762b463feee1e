"""The duplicate review page and the merge undo page in English: the page's own wording is
translated; people's names, the matcher's reasons and the values stay as written. In
Vietnamese the pages read as before."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from profiles.merge_admin import MergeCandidateAdmin
from profiles.models import MergeCandidate, ProfileMerge
from tests.english_wording import english_client, untranslated
from tests.matching.test_review_admin import _client, candidate  # noqa: F401


def _data(cand: MergeCandidate) -> list[str]:
    """What the pages show as data: both sides' values (code-list names included), the
    matcher's stored reasons, and the status, a choice of the model (translated with the
    models, not by these pages)."""
    values = []
    for row in MergeCandidateAdmin(MergeCandidate, admin.site)._rows(cand):
        values += [row["left"], row["right"]]
    for profile in (cand.profile, cand.other_profile):
        if profile is not None:
            values += [str(v) for v in profile.__dict__.values() if isinstance(v, str)]
    statuses = [str(label) for label in MergeCandidate.Status.labels]
    return [*values, *cand.reasons, cand.label, cand.other_label, str(cand.unit), *statuses]


def test_the_review_page_reads_in_english(candidate, hr):  # noqa: F811
    url = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    page = english_client(hr).get(url).content.decode()
    assert untranslated(page, data=_data(candidate)) == []
    assert 'value="Merge"' in page and "Not the same person" in page
    assert "General information — choose the value to keep for each field" in page
    assert "Annual quality assessments" in page  # a child table, named in the request's language
    # the submit buttons are told apart by their names: merging in English still works
    response = english_client(hr).post(url, {"merge": "Merge", "keep": "profile"})
    assert response.status_code == 302
    assert ProfileMerge.objects.count() == 1


def test_the_undo_page_reads_in_english_and_vietnamese(candidate, hr):  # noqa: F811
    data = _data(candidate)
    review = reverse("admin:profiles_mergecandidate_review", args=[candidate.pk])
    _client(hr).post(review, {"merge": "Gộp", "keep": "profile", "reason": "Trùng hồ sơ"})
    merge = ProfileMerge.objects.get()
    url = reverse("admin:profiles_profilemerge_undo", args=[merge.pk])
    page = english_client(hr).get(url).content.decode()
    assert untranslated(page, data=[*data, str(merge), merge.reason, hr.username]) == []
    assert "The two profiles go back exactly as they were before the merge" in page
    assert "reason: Trùng hồ sơ" in page  # the stored reason stays as written
    vietnamese = _client(hr).get(url).content.decode()
    assert "Hai hồ sơ sẽ trở lại đúng như trước khi gộp" in vietnamese
    assert 'value="Hoàn tác"' in vietnamese
    # the check sees the wording: on the Vietnamese page it finds it
    assert any("Hoàn" in problem for problem in untranslated(vietnamese, data=data))
