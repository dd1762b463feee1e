#!/usr/bin/env python3
"""Regenerate the README's screenshots under ``docs/screenshots/``.

    .venv/bin/python tools/screenshots.py [--people N] [--out DIR] [--var-dir DIR]

1. Builds the demo (``manage.py demo --no-serve``, a small one: ``--people``, default 300) in
   a throwaway ``CBCCVC_VAR_DIR``, so the real ``var/`` is never touched.
2. Gives the approver something to compare: one profile of Tỉnh Phú Thọ approved, then
   corrected by the HR officer (the birth date, a phone, the mother added) and submitted
   again, and two first submissions.
3. Serves the app (``runserver``) on a free port and drives Debian's Chromium (headless,
   Playwright, 1280×800, Vietnamese) as each demo role: the home pages, the approver's diff,
   the agency admin's user list, and the day's progress report PDF (page 1 drawn to PNG by
   ``pdftoppm -r 60``).

The data are the demo's (fixed seeds); the dates shown (signing, the report's day) are those
of the day the script runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CBCCVC_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
# the demo's accounts (cbccvc/demo.py): one per role of Tỉnh Phú Thọ
HR_OFFICER = "phutho.nhansu"
APPROVER = "phutho.pheduyet"
AGENCY_ADMIN = "phutho.quantri"
VIEWER = "phutho.xem"
MAX_BYTES = 400_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_demo(env: dict[str, str]) -> None:
    print("+ manage.py demo --no-serve", flush=True)
    subprocess.run(
        [sys.executable, "manage.py", "demo", "--no-serve"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_inbox() -> str:
    """One resubmitted profile with changes, two first submissions (in this process: the
    environment already points Django at the throwaway demo); the changed profile's name."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from orgtree.models import Unit
    from orgtree.tree import subtree_q
    from profiles import workflow
    from profiles.models import FamilyMember, Profile, ProfileStatus

    User = get_user_model()
    hr = User.objects.get(username=HR_OFFICER)
    approver = User.objects.get(username=APPROVER)
    in_province = Profile.objects.filter(subtree_q(Unit.objects.active().get(code="H25"), "unit"))
    resubmitted = in_province.filter(status=ProfileStatus.SUBMITTED, version_number=2).first()
    if resubmitted is not None:  # --var-dir: done by an earlier run
        return resubmitted.full_name
    drafts = in_province.filter(status=ProfileStatus.DRAFT, error_count=0).order_by("-pk")
    first, *others = list(drafts[:3])
    workflow.approve(workflow.submit(first, hr), approver)
    # corrected by the HR officer after the approval: the birth date, a phone, the mother
    changed = Profile.objects.get(pk=first.pk)
    changed.date_of_birth += timedelta(days=1)
    changed.phone = "0912345678"
    changed._history_user = hr  # type: ignore[attr-defined]
    changed._change_reason = "Sửa theo giấy khai sinh"  # type: ignore[attr-defined]
    changed.save()
    mother = FamilyMember(profile=changed, relationship_code="ME", full_name="Trần Thị Cúc")
    mother._history_user = hr  # type: ignore[attr-defined]
    mother.save()
    workflow.submit(Profile.objects.get(pk=first.pk), hr)
    for profile in others:
        workflow.submit(profile, hr)
    return changed.full_name


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the app did not start")


def take_screenshots(base_url: str, out: Path, password: str, changed: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []

    def save(page, name: str, *, full_page: bool = True) -> None:
        path = out / name
        page.screenshot(path=str(path), type="png", full_page=full_page)
        if path.stat().st_size > MAX_BYTES:  # a long page: the first screen is enough
            page.screenshot(path=str(path), type="png", full_page=False)
        saved.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )

        def logged_in(username: str):
            context = browser.new_context(base_url=base_url, locale="vi-VN", viewport=VIEWPORT)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto("/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_selector("#user-tools")
            return context, page

        for username, name in [
            (HR_OFFICER, "home-hr-officer.png"),
            (AGENCY_ADMIN, "home-agency-admin.png"),
            (VIEWER, "home-viewer.png"),
        ]:
            context, page = logged_in(username)
            save(page, name)
            if username == AGENCY_ADMIN:
                page.goto("/admin/orgtree/agencyuser/")
                page.wait_for_selector("#result_list")
                save(page, "user-administration.png")
            context.close()

        context, page = logged_in(APPROVER)
        save(page, "home-approver.png")
        page.locator("#portal-approver").get_by_role("link", name="Mở hộp duyệt hồ sơ").click()
        page.wait_for_selector("#inbox-list")
        page.get_by_role("link", name=changed).click()
        page.wait_for_selector("#diff")
        save(page, "approver-diff.png")
        # the day's progress report, as the dashboard's "PDF" link downloads it
        response = context.request.get("/admin/syncing/progresssnapshot/bao-cao.pdf")
        if not response.ok or response.headers["content-type"] != "application/pdf":
            raise SystemExit(f"the report PDF: HTTP {response.status}")
        report = response.body()
        context.close()
        browser.close()

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(report)
        target = out / "daily-report-pdf"
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, target],
            check=True,
        )
        saved.append(target.with_suffix(".png"))
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300, help="people in the demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--var-dir", type=Path, help="build the demo here and keep it (a second run reuses it)"
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: run ./run setup")
    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="cbccvc-screenshots-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        CBCCVC_VAR_DIR=str(var_dir),
        CBCCVC_DEMO_PEOPLE=str(args.people),
        DJANGO_SETTINGS_MODULE="cbccvc.settings",
    )
    for name in ("DATABASE_URL", "NATIONAL_DATABASE_URL"):  # always the throwaway SQLite
        env.pop(name, None)
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        build_demo(env)
        changed = prepare_inbox()
        from cbccvc.demo import DEMO_PASSWORD

        args.out.mkdir(parents=True, exist_ok=True)
        port = free_port()
        server = serve(env, port)
        try:
            saved = take_screenshots(f"http://127.0.0.1:{port}", args.out, DEMO_PASSWORD, changed)
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        if not args.var_dir:
            shutil.rmtree(var_dir, ignore_errors=True)
    for path in saved:
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
            f"  {path.stat().st_size // 1024} KB"
        )


if __name__ == "__main__":
    main()
