"""The campaign pages in English: the page's own wording is translated (the browser journeys'
scanner on the rendered HTML, tests/english_wording.py), people's and places' names stay as
written; in Vietnamese the page reads as before."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from conversion import jobs
from orgtree.models import Unit
from profiles.models import Profile
from tests.conversion.test_jobs import AS_OF, SYNC, people  # noqa: F401
from tests.english_wording import english_client, untranslated

pytestmark = pytest.mark.django_db


@override_settings(Q_CLUSTER=SYNC)
def test_the_campaign_and_start_pages_read_in_english(people, hr, tree, client):  # noqa: F811
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    data = [
        *Profile.objects.values_list("full_name", flat=True),
        *Unit.objects.values_list("name", flat=True),
        *campaign.rows.values_list("old_text", flat=True),
        *campaign.rows.values_list("new_text", flat=True),
        *campaign.rows.values_list("reason", flat=True),  # stored with the row
        *campaign.rows.values_list("child_label", flat=True),
        str(campaign),
        *(  # the candidates' names, on the buttons that choose them
            place["name"]
            for candidates in campaign.rows.values_list("candidates", flat=True)
            for c in candidates
            for place in (c.get("commune"), c.get("province"), c.get("unit"), c)
            if place and place.get("name")
        ),
    ]
    page = reverse("admin:conversion_campaign_page", args=[campaign.pk])
    english = english_client(hr)
    for url in (page, reverse("admin:conversion_campaign_add")):
        response = english.get(url)
        assert response.status_code == 200
        assert untranslated(response.content.decode(), data=data) == [], url
    assert "Waiting for a choice" in english.get(page).content.decode()
    client.force_login(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    vietnamese = client.get(page).content.decode()
    assert "Chờ người chọn" in vietnamese and "Tải báo cáo Excel" in vietnamese
