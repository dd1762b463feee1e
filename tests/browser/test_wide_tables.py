"""Wide lists and the pages people use on a phone stay inside the screen: at 1,440 px and at
390 px no page is wider than the window (a wide table scrolls inside its box), for a national
administrator looking at one object of each kind (the access matrix's factories build them)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.test_access_matrix import B_OBJECT_FACTORIES, b_test_ca, world  # noqa: F401

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"
#: the lists the issue found clipped, and the lists and forms of daily work
MODELS = [
    "transfer.importjob",
    "profiles.profilesignature",
    "profiles.finding",
    "syncing.progresssnapshot",
    "profiles.profile",
    "transfer.heldrow",
    "syncing.mismatch",
    "orgtree.unit",
    "orgtree.unitchangeevent",
]


@pytest.mark.parametrize("width", [1440, 390])
def test_no_page_wider_than_the_window(page, screenshot, world, b_test_ca, width):  # noqa: F811
    world["b_test_ca"] = b_test_ca
    get_user_model().objects.create_user(
        "quoc.gia", password=PASSWORD, is_staff=True, is_superuser=True
    )
    urls = []
    built = {}
    for label in MODELS:
        app_label, model_name = label.split(".")
        built[label] = B_OBJECT_FACTORIES[label](world)
        urls.append(reverse(f"admin:{app_label}_{model_name}_changelist"))
    urls += [
        reverse("admin:profiles_profile_change", args=[built["profiles.profile"].pk]),
        reverse("admin:transfer_import_preview", args=[built["transfer.importjob"].pk]),
        reverse("admin:transfer_importjob_add"),
        reverse("admin:profiles_profile_add"),
        reverse("admin:profiles_profile_completeness"),
        reverse("admin:orgtree_unit_as_of") + "?on=01/01/2026",
    ]
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "quoc.gia", PASSWORD)
    too_wide = {}
    for url in urls:
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        name = url.split("?")[0].strip("/").replace("/", "-")[:60]
        if scroll_width > width:
            too_wide[url] = scroll_width
        if scroll_width > width or width < 700:
            screenshot(f"{width}-{name}")
    assert too_wide == {}
