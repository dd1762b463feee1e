"""The campaign pages in English: the page's own wording is translated (the scanner of the
browser journeys, tests/browser/page_text.py, on the rendered HTML), people's and places'
names stay as written; in Vietnamese the page reads as before."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from lxml import html as lxml_html

from conversion import jobs
from orgtree.models import Unit
from profiles.models import Profile
from tests.browser.page_text import text_problems
from tests.conversion.test_jobs import AS_OF, SYNC, people  # noqa: F401

pytestmark = pytest.mark.django_db

# the elements whose text is the page's wording (the browser scanner's list, here as XPath)
WORDING = (
    "//h1|//h2|//h3|//th|//label|//p|//em|//a[@id]|//div[@class='review-rows']"
    "|//form[contains(@class,'review-group')]/div[1]"
)


def _page(client, url: str, language: str) -> tuple[str, list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content.decode())
    content = tree.get_element_by_id("content")
    texts = [
        " ".join(e.text_content().split())
        for e in content.xpath("." + WORDING.replace("|//", "|.//"))
    ]
    buttons = [e.get("value", "") for e in content.xpath(".//input[@type='submit']")]
    return content.text_content(), [t for t in texts + buttons if t]


@override_settings(Q_CLUSTER=SYNC)
def test_the_campaign_and_start_pages_read_in_english(people, hr, tree, client):  # noqa: F811
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    client.force_login(hr)
    data = [
        *Profile.objects.values_list("full_name", flat=True),
        *Unit.objects.values_list("name", flat=True),
        *campaign.rows.values_list("old_text", flat=True),
        *campaign.rows.values_list("new_text", flat=True),
        *campaign.rows.values_list("reason", flat=True),  # stored with the row
        *campaign.rows.values_list("child_label", flat=True),
        str(campaign),
    ]
    page = reverse("admin:conversion_campaign_page", args=[campaign.pk])
    for url in (page, reverse("admin:conversion_campaign_add")):
        text, wording = _page(client, url, "en")
        problems = [
            p
            for p in text_problems(text, wording, language="en", data=data)
            if p.startswith("untranslated")
        ]
        assert problems == [], url
    text, _ = _page(client, page, "en")
    assert "Waiting for a choice" in text and "Download the Excel report" in text
    text, _ = _page(client, page, "vi")
    assert "Chờ người chọn" in text and "Tải báo cáo Excel" in text
