"""Findings by name, not code (issue 17 item 5): the rule's name instead of "NOT_VERIFIED", the
field's verbose name instead of "last_verified_at", the person instead of a "PROFILE" column —
on the findings list, its filters and the profile page's findings table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import profiles.schema_rules
import profiles.validation
from profiles.finding_names import RULE_NAMES, field_label, rule_name
from profiles.models import Finding

pytestmark = pytest.mark.django_db


def test_every_rule_code_the_validation_uses_has_a_name():
    source = Path(profiles.validation.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'^\s+"([A-Z][A-Z0-9_]{3,})",$', source, flags=re.M))
    codes |= set(re.findall(r', "([A-Z][A-Z0-9_]{3,})", ', source))
    assert {"NOT_VERIFIED", "PID_FORMAT", "CODE_UNKNOWN", "REQUIRED"} <= codes
    assert codes - set(RULE_NAMES) == set()
    # the schema's checks (profiles.schema_rules) have names too
    assert set(profiles.schema_rules.CODES) - set(RULE_NAMES) == set()
    with translation.override("en"):
        assert rule_name("SCHEMA_LENGTH") == "Too long"
    with translation.override("vi"):
        assert rule_name("NOT_VERIFIED") == "Chưa xác minh hoặc xác minh đã lâu"
    with translation.override("en"):
        assert rule_name("NOT_VERIFIED") == "Not verified, or verified too long ago"
    assert rule_name("A_RULE_FROM_TOMORROW") == "A_RULE_FROM_TOMORROW"


def _findings(profile) -> None:
    Finding.objects.filter(profile=profile).delete()
    Finding.objects.bulk_create(
        [
            Finding(profile=profile, severity="warning", principle="sống", code="NOT_VERIFIED",
                    field="last_verified_at", message="Hồ sơ chưa từng được xác minh."),
            Finding(profile=profile, severity="error", principle="đúng", code="CODE_UNKNOWN",
                    field="work_history[2].position_code", message="Mã không có."),
        ]
    )  # fmt: skip


def _shown(html: str) -> str:
    """The page's text without tags and attributes (codes stay in links' query strings)."""
    return re.sub(r"<[^>]+>", " ", html)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_findings_list_shows_names(make_profile, hr):
    person = make_profile()
    _findings(person)
    page = _client(hr).get(reverse("admin:profiles_finding_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in (
        "Chưa xác minh hoặc xác minh đã lâu",
        "Mã không có trong danh mục",
        field_label("last_verified_at"),
        "Quá trình công tác, dòng 2: ",
        person.full_name,
        "Sống",
    ):
        assert name in html, name
    for code in ("NOT_VERIFIED", "CODE_UNKNOWN", "last_verified_at", "position_code"):
        assert code not in _shown(html), code
    assert "column-profile_link" in html and 'column-profile"' not in html
    # the rule filter offers names and still filters by the code
    assert 'href="?code__exact=NOT_VERIFIED"' in html
    only = _client(hr).get(
        reverse("admin:profiles_finding_changelist"), {"code__exact": "NOT_VERIFIED"}
    )
    listed = only.content.decode()
    assert "Chưa xác minh hoặc xác minh đã lâu" in listed
    assert "Quá trình công tác, dòng 2: " not in listed


def test_profile_page_findings_show_names(make_profile, hr):
    person = make_profile()
    _findings(person)
    html = _client(hr).get(reverse("admin:profiles_profile_change", args=[person.pk])).content
    text = html.decode()
    assert "Chưa xác minh hoặc xác minh đã lâu" in text
    assert field_label("last_verified_at") in text
    assert "NOT_VERIFIED" not in _shown(text) and "last_verified_at" not in _shown(text)
