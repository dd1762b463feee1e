"""The profile page loads a data group's tables when its tab is opened (profiles.lazy_inlines):
a save with tabs never opened keeps every child row; a row edited in an opened tab is saved
through profiles.actions with its history."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from lxml import html as lxml_html

from cbccvc.audit import AuditEvent
from orgtree.models import Role
from profiles.models import CHILD_MODELS, FamilyMember, HealthRecord, Profile
from profiles.synthetic import generate_people

ALL = {"nhom": "tat-ca"}


@pytest.fixture
def person(tree, reference_data) -> Profile:
    """The synthetic person with the most child rows among a few (a realistic history)."""
    generate_people(tree["H40.10"], 6, seed=2026)
    best = max(Profile.objects.all(), key=lambda p: sum(map(len, _rows(p).values())))
    HealthRecord.objects.get_or_create(profile=best, defaults={"status": "Tốt"})
    return best


@pytest.fixture
def officer(tree, user_with):
    user = user_with("nhansu.h40", (tree["H40"], Role.HR_OFFICER))
    user.user_permissions.add(Permission.objects.get(codename="view_health"))
    return type(user).objects.get(pk=user.pk)


def _rows(profile: Profile) -> dict[str, list[dict[str, Any]]]:
    rows = {key: m._default_manager.filter(profile=profile) for key, m in CHILD_MODELS.items()}
    return {key: [dict(row) for row in qs.order_by("pk").values()] for key, qs in rows.items()}


def _form_values(page: str, form_id: str | None = "profile_form") -> dict[str, str]:
    """What a browser submits from ``page`` (a whole page, or a loaded table's fragment)."""
    doc = lxml_html.fromstring(page if form_id else f"<form>{page}</form>")
    form = doc.get_element_by_id(form_id) if form_id else doc
    values = dict(form.form_values())
    for el in form.inputs:
        if el.name and (el.tag == "textarea" or getattr(el, "type", "") in {"text", "tel"}):
            values.setdefault(el.name, "")
    return values


def _placeholders(page: str) -> dict[str, str]:
    doc = lxml_html.fromstring(page)
    return {
        el.get("id").removesuffix("-group"): el.get("data-src")
        for el in doc.find_class("lazy-inline")
    }


def test_the_page_leaves_the_data_tables_to_their_tabs(client, officer, person):
    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[person.pk])
    lazy = client.get(url)
    full = client.get(url, ALL)
    assert lazy.status_code == full.status_code == 200
    lazy_prefixes = {f.formset.prefix for f in lazy.context["inline_admin_formsets"]}
    full_prefixes = {f.formset.prefix for f in full.context["inline_admin_formsets"]}
    assert lazy_prefixes == {"findings", "versions"}  # the overview tab's read-only tables
    placeholders = _placeholders(lazy.content.decode())
    assert set(placeholders) == full_prefixes - lazy_prefixes
    assert {"family", "work_history", "salary_history", "health"} <= set(placeholders)
    assert not _placeholders(full.content.decode())
    family = FamilyMember.objects.filter(profile=person).first()
    assert family is not None
    assert family.full_name not in lazy.content.decode()
    assert family.full_name in full.content.decode()
    assert "family-TOTAL_FORMS" not in lazy.content.decode()

    # each placeholder's address answers its group's rows with their management form
    for prefix, src in placeholders.items():
        part = client.get(src)
        assert part.status_code == 200, prefix
        values = _form_values(part.content.decode(), None)
        count = CHILD_MODELS[prefix]._default_manager.filter(profile=person).count()
        assert values[f"{prefix}-INITIAL_FORMS"] == str(count), prefix
    fragment = client.get(placeholders["family"]).content.decode()
    assert family.full_name in fragment and 'id="family-group"' in fragment


def test_saving_with_tabs_never_opened_keeps_every_child_row(client, officer, person):
    before = _rows(person)
    assert sum(len(rows) for rows in before.values()) >= 10
    assert sum(1 for rows in before.values() if rows) >= 6
    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[person.pk])
    data = _form_values(client.get(url).content.decode())
    assert not any(name.endswith("-TOTAL_FORMS") for name in data if "family" in name)
    data.update({"phone": "0912345678", "change_reason": "Cập nhật số điện thoại"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    person.refresh_from_db()
    assert person.phone == "0912345678"  # the main form was saved
    assert _rows(person) == before  # every child row as it was, none deleted or changed


def test_a_row_edited_in_an_opened_tab_is_saved_with_its_history(client, officer, person):
    before = _rows(person)
    family = FamilyMember.objects.filter(profile=person).order_by("pk").first()
    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[person.pk])
    page = client.get(url).content.decode()
    fragment = client.get(_placeholders(page)["family"]).content.decode()
    data = {**_form_values(page), **_form_values(fragment, None)}
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(family.pk)
    )
    data[f"family-{index}-occupation"] = "Giáo viên tiểu học"
    data["change_reason"] = "Bổ sung nghề nghiệp của người thân"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    family.refresh_from_db()
    assert family.occupation == "Giáo viên tiểu học"
    after = _rows(person)
    assert {k: v for k, v in after.items() if k != "family"} == {
        k: v for k, v in before.items() if k != "family"
    }
    assert len(after["family"]) == len(before["family"])
    last = FamilyMember.history.filter(id=family.pk).order_by("-history_id").first()
    assert last.history_user_id == officer.pk
    assert last.history_change_reason == "Bổ sung nghề nghiệp của người thân"


def test_an_error_in_an_opened_tab_keeps_the_others_to_load(client, officer, person):
    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[person.pk])
    page = client.get(url).content.decode()
    fragment = client.get(_placeholders(page)["family"]).content.decode()
    data = {**_form_values(page), **_form_values(fragment, None)}
    name = next(k for k in data if k.startswith("family-") and k.endswith("-birth_year"))
    data[name] = "không phải số"
    response = client.post(url, data)
    assert response.status_code == 200  # the page again, with the error in its tab
    again = response.content.decode()
    assert "family" not in _placeholders(again)  # the edited table, with what was typed
    assert "không phải số" in again
    assert "work_history" in _placeholders(again)  # the others still load on their tab


def test_a_group_is_answered_only_in_scope_and_with_its_permission(
    client, officer, person, tree, user_with
):
    url = reverse("admin:profiles_profile_inline", args=[person.pk, "health"])
    client.force_login(officer)
    assert client.get(url).status_code == 200
    read = AuditEvent.objects.filter(kind="sensitive_read", user=officer).get()
    assert read.details == {"groups": ["10"], "via": "admin"}  # audited where it is shown
    page = reverse("admin:profiles_profile_change", args=[person.pk])
    client.get(page)
    assert AuditEvent.objects.filter(kind="sensitive_read", user=officer).count() == 1

    without = user_with("nhansu.h40b", (tree["H40"], Role.HR_OFFICER))
    client.force_login(without)
    assert client.get(url).status_code == 404  # no health permission: no such group
    family = reverse("admin:profiles_profile_inline", args=[person.pk, "family"])
    assert client.get(family).status_code == 200
    unknown = reverse("admin:profiles_profile_inline", args=[person.pk, "x"])
    assert client.get(unknown).status_code == 404

    outsider = user_with("nhansu.h42", (tree["H42"], Role.HR_OFFICER))
    client.force_login(outsider)
    assert client.get(family).status_code == 404

    viewer = user_with("xem.h40", (tree["H40"], Role.VIEWER))
    client.force_login(viewer)
    part = client.get(family).content.decode()
    assert "family-0-occupation" not in part  # read-only rows for a viewer


def test_the_page_carries_the_scripts_of_the_tables_it_loads_later(client, officer, person):
    """Scripts in a loaded table would not run: the page brings inlines.js, the calendar and
    select2 (its messages in the user's language) for the tables of its tabs."""
    from django.conf import settings
    from django.utils import translation

    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[person.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    for script in ("admin/js/inlines.js", "admin/js/calendar.js", "admin/js/autocomplete.js"):
        assert script in page, script
    assert "select2/i18n/vi.js" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request left English active
    assert "select2/i18n/en.js" in page and "select2/i18n/vi.js" not in page
