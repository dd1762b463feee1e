"""Every registered admin list page, opened by a superuser working in English, has no Vietnamese
left in its own wording (headings, breadcrumbs, filters and their choices, buttons, help).

The lists are empty but for the superuser (the reference data and code lists that other tests
leave in the database are taken out for this test, inside its transaction: their names are data,
in Vietnamese, and would show in the filters), so what is read is the page's own text; the
column headers of an empty list are not shown and so not checked here (the pages' own English
tests check theirs with rows). What is still Vietnamese is listed in ``KNOWN_DEBT`` (page -> the
Vietnamese words found), so the test fails both when a new page or new wording appears
untranslated and when a listed page becomes clean (then take it off the list)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from tests.english_wording import english_client, untranslated

pytestmark = pytest.mark.django_db(databases=["default", "national"])

#: changelist -> Vietnamese texts that are data, not wording (examples of what to type)
DATA: dict[str, list[str]] = {
    "orgtree.placelookup": ["Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "TP.HCM", "Đà Lạt"],
}

#: changelist (app_label.model_name) -> the Vietnamese words still on it in English.
#: Known debt of issue 17, to be translated; keep it short and shrinking.
KNOWN_DEBT: dict[str, set[str]] = {
    # django-otp's device list: its search help is built from the user model's field names
    "otp_totp.totpdevice": {"Tên", "đăng", "nhập", "địa", "chỉ"},
}  # fmt: skip


def _changelists() -> list[str]:
    out = []
    for model in admin.site._registry:
        name = f"{model._meta.app_label}.{model._meta.model_name}"
        try:
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        out.append(name)
    return sorted(out)


def _words(problems: list[str]) -> set[str]:
    found: set[str] = set()
    for p in problems:
        m = re.match(r"untranslated \[(.*?)\] in", p)
        if m:
            found |= {w.strip().strip("'") for w in m.group(1).split(",")}
    return found


@pytest.fixture
def without_reference_rows(db):
    """No reference data nor code lists in the database during the test (rolled back after)."""
    from orgtree.models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName
    from orgtree.places import invalidate_indexes
    from profiles import codelists
    from profiles.models import CodeItem, CodeList, CodeListRelease

    models = [HistoricPlaceName, AdminUnitConversion, AdminUnit, AdminUnitRelease]
    for model in [*models, CodeItem, CodeListRelease, CodeList]:
        model.objects.all()._raw_delete(model.objects.db)
    invalidate_indexes()
    codelists.clear_cache()
    yield
    invalidate_indexes()
    codelists.clear_cache()


def test_every_admin_list_reads_in_english(without_reference_rows):
    superuser = get_user_model().objects.create_user(
        "quan_tri", password=None, is_staff=True, is_superuser=True
    )
    client = english_client(superuser)
    found: dict[str, set[str]] = {}
    details: list[str] = []
    for name in _changelists():
        app_label, model_name = name.split(".")
        response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"), follow=True)
        assert response.status_code == 200, (name, response.status_code)
        problems = untranslated(response.content.decode(), data=DATA.get(name, ()))
        if problems:
            found[name] = _words(problems)
            details += [f"{name}: {p}" for p in problems]
    new = {n: w - KNOWN_DEBT.get(n, set()) for n, w in found.items()}
    new = {n: w for n, w in new.items() if w}
    cleaned = {n: w - found.get(n, set()) for n, w in KNOWN_DEBT.items()}
    cleaned = {n: w for n, w in cleaned.items() if w}
    assert not new, "untranslated on English admin lists:\n" + "\n".join(details)
    assert not cleaned, f"translated now, take off KNOWN_DEBT: {cleaned}"
