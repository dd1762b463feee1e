"""Browser tests: Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by
``./run``), headless, against Django's live server. Screenshots go to
``test-artifacts/screenshots/`` (kept by CI) so a person can look at them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CBCCVC_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told the test knows what it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./run setup (installs Debian's).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request, page):
    """``screenshot("step-name")`` saves a full-page PNG named after the test and the step;
    ``screenshot("step-name", on=other_page)`` takes it from a second person's page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(step: str, on=None) -> Path:
        path = SCREENSHOTS / f"{test_name}--{step}.png"
        (on or page).screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def pick_unit(page, field_id: str, unit: Any) -> None:
    """Choose ``unit`` in a unit search box (the admin's autocomplete, not a list of every
    unit): open it, type the unit's code, click the unit offered."""
    page.click(f"#{field_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", unit.code)
    page.click(f".select2-results__option:has-text('[{unit.code}]')")
    assert page.locator(f"#{field_id}").input_value() == str(unit.pk)


# -- Tỉnh Phú Thọ connected to the emulator of the national side --------------------------------


@pytest.fixture
def emulator() -> Iterator[object]:
    """The emulator of the national side served over HTTP in a background thread."""
    from syncing.emulator.server import EmulatorThread
    from syncing.emulator.state import state

    state.reset()
    thread = EmulatorThread()
    thread.start()
    yield thread
    thread.stop()
    state.reset()


@dataclass
class PhuThoNational:
    """What :func:`phutho_national` set up."""

    province: Any  # orgtree Unit H25
    emulator: Any  # EmulatorThread (``.url``)
    ca: Any  # signing.testca.TestCA, trusted by both sides
    key: Any  # the emulator's active ConnectionKey of the chosen software
    connection: Any  # our official national Connection holding that key


@pytest.fixture
def phutho_national(make_unit, emulator) -> PhuThoNational:
    """Tỉnh Phú Thọ (H25) as both sides know it: the unit, a TEST CA with a key for
    ``pheduyet`` ("Lê Văn Duyệt") trusted by our side and by the emulator, the national tree's
    root unit, an active key for the software ``cbccvc`` (administrator Nguyễn Văn Quản) and
    the official connection to the emulator with that key."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.testca import load_test_ca, make_test_ca
    from syncing.connections import create_connection
    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import NationalUnit
    from syncing.emulator.services import add_trust

    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    ca = make_test_ca([("pheduyet", "Lê Văn Duyệt")], with_ecdsa=False)
    load_test_ca(ca, load_credentials=False)
    add_trust(ca.root_cert.public_bytes(Encoding.PEM), "CA THỬ NGHIỆM")
    add_trust(ca.crl.public_bytes(Encoding.PEM), "CRL THỬ NGHIỆM")
    NationalUnit.objects.create(
        code="H25", name="UBND tỉnh Phú Thọ", agency_code="H25", source="national"
    )
    issued = issue_key(
        agency_code="H25", software_name="cbccvc", admin_name="Nguyễn Văn Quản", activate=True
    )
    connection = create_connection(
        unit=province,
        destination="national",
        software_name="cbccvc",
        base_url=emulator.url,
        key_id=issued.key.key_id,
        secret=issued.secret,
        admin_name="Nguyễn Văn Quản",
    )
    return PhuThoNational(province, emulator, ca, issued.key, connection)
