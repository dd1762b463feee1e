"""The M51 test-send pages, the tools above the unit code matching list and the national
emulator's overview in English: their own wording is translated; names of people, units and
agencies, and the national side's answers, are data. In Vietnamese they read as before."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from lxml import html as lxml_html

from syncing import orgsync
from syncing.emulator.national_view import national_report, overview
from syncing.models import Connection, SyncWindow, TestSyncRun
from tests.english_wording import english_client, untranslated
from tests.syncing.test_orgsync import NATIONAL, world  # noqa: F401

pytestmark = pytest.mark.django_db(databases=["default", "national"])


def _m51_run(unit, user) -> TestSyncRun:
    connection = Connection.objects.create(
        unit=unit, software_name="Phần mềm thử", base_url="https://quocgia.test", key_id="KN-1"
    )
    return TestSyncRun.objects.create(
        connection=connection,
        created_by=user,
        ok=False,
        results=[
            {"full_name": "Nguyễn Văn An", "personal_id": "040085001234", "version": 1,
             "status": "valid", "message": "Hồ sơ hợp lệ"},
            {"full_name": "Trần Thị Bình", "personal_id": "040085001235", "version": 2,
             "status": "invalid", "code": "E12", "message": "Sai cấu trúc",
             "problems": [{"field": "ngay_sinh", "message": "Thiếu ngày sinh"}]},
            {"full_name": "Lê Văn Cường", "personal_id": "040085001236", "status": "not_sent"},
        ],
    )  # fmt: skip


def test_the_m51_pages_read_in_english(tree, hr):
    run = _m51_run(tree["H40.10"], hr)
    client = english_client(hr)
    form = client.get(reverse("admin:syncing_testsyncrun_add")).content.decode()
    assert untranslated(form) == []
    assert "personal ID numbers (1–10, one per line)" in form and 'value="Test send"' in form
    result = client.get(reverse("admin:syncing_testsyncrun_change", args=[run.pk]))
    html = result.content.decode()
    data = [str(run), str(run.connection), hr.username, "Hồ sơ hợp lệ", "Sai cấu trúc"]
    assert untranslated(html, data=[*data, "Thiếu ngày sinh"]) == []
    assert "Valid" in html and "Not valid" in html and "Not sent" in html
    assert "Nguyễn Văn An" in html and "Thiếu ngày sinh" in html  # data as written
    vietnamese = Client(HTTP_ACCEPT_LANGUAGE="vi")
    vietnamese.force_login(hr)
    assert "Không hợp lệ" in vietnamese.get(result.wsgi_request.path).content.decode()


def test_the_unit_matching_tools_read_in_english(world):  # noqa: F811
    orgsync.store_national_tree(world["a"], NATIONAL)
    orgsync.suggest_matches(world["a"])
    page = english_client(world["admin"]).get(reverse("admin:syncing_unitmatch_changelist"))
    tree = lxml_html.fromstring(page.content.decode())
    (tools,) = tree.xpath("//*[@class='orgsync-tools']")
    tools_html = lxml_html.tostring(tools, encoding="unicode")
    assert untranslated(f"<html><body>{tools_html}</body></html>") == []
    assert "Confirmed: <strong>0</strong> · awaiting confirmation: <strong>4</strong>" in (
        tools_html
    )
    assert "Send the unit list to the national database" in tools_html


def test_the_national_overview_reads_in_english_and_vietnamese():
    request = RequestFactory().get("/")
    names = [text for a in national_report() for text in (a.name, a.short_name)]
    with translation.override("en"):
        html = overview(request).render().content.decode()
    assert untranslated(html, data=names) == []
    assert '<html lang="en">' in html and "Agency</th>" in html
    assert "Not reported" in html  # the stage names
    with translation.override("vi"):
        html = overview(request).render().content.decode()
    assert '<html lang="vi">' in html and "Chưa báo cáo" in html and "Từng cơ quan" in html


def test_a_sync_window_without_an_end_is_named_in_the_users_language():
    window = SyncWindow(label="Đợt 1", starts_on=date(2026, 1, 5), ends_on=None)
    with translation.override("en"):
        english = str(window)
    with translation.override("vi"):
        vietnamese = str(window)
    assert english == "Đợt 1: 05/01/2026 – ongoing"  # the label is data, as typed
    assert vietnamese == "Đợt 1: 05/01/2026 – liên tục"
