"""Hostile text in every text field of the profile form: SQL and HTML injection strings are
saved through the admin as typed (or refused with a form error), and every page that shows
them (list, change page, Mẫu 2C) shows them escaped, never as markup."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import models
from django.urls import reverse
from lxml import html as lxml_html

from orgtree.models import Role
from profiles.models import Profile

SQL = "x'); DROP TABLE profiles_profile;-- ' OR '1'='1"
HTML = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
RAW_MARKUP = ("<script>alert(1)", "<img src=x")


def _text_fields() -> list[models.Field]:
    return [
        f
        for f in Profile._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField)) and f.editable and not f.choices
    ]


def _form_values(page: str) -> dict[str, str]:
    doc = lxml_html.fromstring(page)
    form = doc.get_element_by_id("profile_form")
    values = dict(form.form_values())  # what a browser submits; lxml leaves out empty inputs
    for el in form.inputs:
        if el.name and (el.tag == "textarea" or getattr(el, "type", "") in {"text", "tel"}):
            values.setdefault(el.name, "")
    return values


def _no_raw_markup(page: str) -> None:
    lowered = page.lower()
    for raw in RAW_MARKUP:
        assert raw not in lowered, f"unescaped {raw!r} in the page"


@pytest.fixture
def officer(tree, user_with):
    return user_with("nhansu.h40", (tree["H40"], Role.HR_OFFICER))


def test_every_text_field_of_the_profile_form(client, officer, make_profile):
    profile = make_profile()
    client.force_login(officer)
    url = reverse("admin:profiles_profile_change", args=[profile.pk])
    page = client.get(url).content.decode()
    base = _form_values(page)
    attacked = [f for f in _text_fields() if f.name in base]
    assert {"full_name", "other_names", "permanent_residence", "phone"} <= {
        f.name for f in attacked
    }, "the form lost its text fields?"
    saved, refused = [], []
    for field in attacked:
        # both at once where they fit (one save per field keeps the test short)
        combined = f"{SQL} {HTML}"
        for payload in [combined] if len(combined) <= (field.max_length or 10**6) else [SQL, HTML]:
            value = payload[: field.max_length] if field.max_length else payload
            before = Profile.objects.values(field.attname).get(pk=profile.pk)[field.attname]
            data = {**base, field.name: value, "change_reason": "Kiểm tra dữ liệu độc hại"}
            response = client.post(url, data)
            stored = Profile.objects.values(field.attname).get(pk=profile.pk)[field.attname]
            if response.status_code == 302:
                # stored as typed (names are title-cased by the product's own cleaning)
                assert stored.lower() == " ".join(value.split()).lower(), field.name
                saved.append(field)
            else:
                assert response.status_code == 200, (field.name, response.status_code)
                _no_raw_markup(response.content.decode())
                assert stored == before, f"{field.name} half-written on a refused save"
                refused.append(field)
            # put the valid value back for the next field
            Profile.objects.filter(pk=profile.pk).update(**{field.attname: before})
    assert {"full_name", "permanent_residence"} <= {f.name for f in saved}
    assert Profile.objects.filter(pk=profile.pk).exists()  # no SQL ran
    # the change page with every accepted field holding markup at once
    Profile.objects.filter(pk=profile.pk).update(
        **{f.attname: HTML[: f.max_length] if f.max_length else HTML for f in saved}
    )
    _no_raw_markup(client.get(url).content.decode())

    # list, search and Mẫu 2C with the hostile values in place
    Profile.objects.filter(pk=profile.pk).update(full_name=HTML, permanent_residence=SQL)
    listing = client.get(reverse("admin:profiles_profile_changelist"))  # the one profile
    body = listing.content.decode()
    _no_raw_markup(body)
    assert listing.context["cl"].result_count == 1, "the officer sees the profile"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    search = client.get(reverse("admin:profiles_profile_changelist"), {"q": SQL})
    assert search.status_code == 200
    docx = client.get(reverse("admin:profiles_profile_cv", args=[profile.pk, "docx"]))
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml.lower() and "<script>" not in xml.lower()
    pdf = client.get(reverse("admin:profiles_profile_cv", args=[profile.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
