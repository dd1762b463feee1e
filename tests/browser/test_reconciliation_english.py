"""The reconciliation decision and the progress dashboard in English at phone width (390 px):
worklist → a mismatch → accept → confirm → dashboard, every page scanned
(tests/browser/page_text.py) for "None", raw field keys and Vietnamese left untranslated in the
page's own wording. Screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Unit
from profiles.models import Profile
from syncing.models import Mismatch

from .conftest import log_in
from .page_text import text_problems, visible_text, wording
from .test_english_journey import KNOWN_DEBT
from .test_reconciliation_journeys import PASSWORD, phu_tho  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _data() -> list[str]:
    names = list(Profile.objects.values_list("full_name", flat=True))
    units = list(Unit.objects.values_list("name", flat=True))
    users = [u.get_full_name() for u in get_user_model().objects.all()]
    values = [v for m in Mismatch.objects.all() for v in (m.our_value, m.population_value)]
    return [*names, *units, *users, *values, "Nguyễn Thị Hường"]


def test_decide_a_mismatch_in_english_on_a_phone(page, screenshot, phu_tho):  # noqa: F811
    from syncing import reconciliation

    reconciliation.ingest(
        phu_tho.province,
        [
            {
                "personal_id": phu_tho.huong.personal_id,
                "field": "full_name",
                "kind": "spelling",
                "our_value": "Nguyễn Thị Hương",
                "population_value": "Nguyễn Thị Hường",
                "since": "2025-09-12",
            }
        ],
    )
    found: dict[str, list[str]] = {}

    def scan(step: str) -> None:
        screenshot(step)
        problems = text_problems(
            visible_text(page),
            wording(page, "en"),
            language="en",
            data=[*_data(), *KNOWN_DEBT],
        )
        if problems:
            found[f"{step} ({page.url})"] = problems

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "phutho.nhansu", PASSWORD)
    page.locator("#language-form").get_by_role("button", name="English").click()
    page.wait_for_selector("#language-form button.language-current[value=en]")
    page.goto("/admin/syncing/mismatch/")
    assert "Misspelt name" in page.inner_text("#result_list")
    scan("1-worklist")
    page.locator("#result_list").get_by_role("link", name="Decide").click()
    page.wait_for_selector("#recon-decision")
    assert page.locator(".recon-compare ins.recon-diff").all_inner_texts() == ["ờ"]
    scan("2-decision")
    page.get_by_role(
        "button", name="Accept – correct the profile from the population database…"
    ).click()
    page.wait_for_selector("#recon-confirm")
    assert "will be replaced by" in page.inner_text("#recon-confirm")
    scan("3-confirm")
    # nothing wider than the phone: no sideways scrolling to read the two values
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Confirm the correction").click()
    page.wait_for_selector(".messagelist")
    assert "submitted version 1 for approval" in page.inner_text(".messagelist")
    assert Profile.objects.get(pk=phu_tho.huong.pk).full_name == "Nguyễn Thị Hường"
    page.goto("/admin/syncing/progresssnapshot/")
    page.wait_for_selector("#shares-by-unit")
    scan("4-dashboard")
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())
