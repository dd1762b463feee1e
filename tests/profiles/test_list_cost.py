"""The profile list's cost per page does not grow with its rows (issue 17 item 10), and its
rows are the markup Django's admin would have written (cbccvc.admin_lists)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.templatetags import admin_urls
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgtree import access
from orgtree import tree as tree_api
from orgtree.models import Role
from profiles.models import Profile
from profiles.synthetic import generate_people

LIST = reverse("admin:profiles_profile_changelist")


@pytest.fixture
def officer(tree, user_with):
    return user_with("nhansu.list", (tree["H40"], Role.HR_OFFICER))


def _list(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return response, len(queries)


def test_rows_are_djangos_markup(client, officer, tree, reference_data):
    generate_people(tree["H40.10"], 4, seed=7)
    client.force_login(officer)
    response, _ = _list(client, status="draft", o="2")
    cl = response.context["cl"]
    assert len(cl.result_list) == 4
    html = response.content.decode()
    profile_admin = admin.site._registry[Profile]
    for profile in cl.result_list:
        # the checkbox, as ModelAdmin.action_checkbox renders it through the widget's template
        assert profile_admin.action_checkbox(profile) == ModelAdmin.action_checkbox(
            profile_admin, profile
        )
        assert str(ModelAdmin.action_checkbox(profile_admin, profile)) in html
        # the row's link: the change URL with the list's filters, as add_preserved_filters
        # writes it from the filters and the plain URL
        django_url = add_preserved_filters(
            {"preserved_filters": cl.row_query, "opts": cl.opts},
            ChangeList.url_for_result(cl, profile),
        )
        assert "_changelist_filters=" in django_url and "status%3Ddraft" in django_url
        assert (
            add_preserved_filters(
                {"preserved_filters": cl.preserved_filters, "opts": cl.opts},
                cl.url_for_result(profile),
            )
            == django_url
        )
        assert f'href="{django_url.replace("&", "&amp;")}"' in html


def test_list_without_filters_links_plain_change_urls(client, officer, tree, reference_data):
    generate_people(tree["H40.10"], 2, seed=8)
    client.force_login(officer)
    response, _ = _list(client)
    cl = response.context["cl"]
    profile = cl.result_list[0]
    assert cl.url_for_result(profile) == reverse("admin:profiles_profile_change", args=[profile.pk])


def test_queries_and_url_resolving_do_not_grow_with_the_rows(client, officer, tree, reference_data):
    client.force_login(officer)
    generate_people(tree["H40.10"], 2, seed=9)
    _list(client, p="1")  # warm: code lists, content types
    with mock.patch.object(admin_urls, "resolve", wraps=admin_urls.resolve) as few_resolve:
        _, few = _list(client, status="draft")
    generate_people(tree["H40.11"], 30, seed=10)
    with mock.patch.object(admin_urls, "resolve", wraps=admin_urls.resolve) as many_resolve:
        response, many = _list(client, status="draft")
    assert len(response.context["cl"].result_list) == 32
    assert many == few
    # the rows' links no longer resolve their URL one by one (Django's add_preserved_filters)
    assert many_resolve.call_count == few_resolve.call_count


def test_scope_filters_on_its_units_ids_not_a_join_on_the_tree(
    client, officer, tree, reference_data
):
    """PostgreSQL cannot estimate a join on the tree's ranges: it walked the whole name index
    for a department's search (450 ms at 300,000 profiles) instead of combining indexes."""
    generate_people(tree["H40.10"], 3, seed=11)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "nguyen"})
    assert response.status_code == 200
    on_profiles = [q["sql"] for q in queries if 'FROM "profiles_profile"' in q["sql"]]
    assert on_profiles
    # the unit is joined for its name (the unit column), never to test the tree's ranges
    conditions = [sql.split(" WHERE ", 1)[1] for sql in on_profiles]
    assert not [where for where in conditions if '"orgtree_unit"' in where]
    assert all('"profiles_profile"."unit_id" IN (' in where for where in conditions)


def test_scope_by_unit_ids_matches_the_tree_ranges(tree, user_with, make_profile):
    make_profile(unit=tree["H40.10.01"])
    make_profile(personal_id="040185002222", full_name="Trần Thị Hòa", unit=tree["H40.11"])
    make_profile(personal_id="042085004444", birth_registration_province="042", unit=tree["H42"])
    for code, expected in (("H40.10", 1), ("H40", 2), ("H42", 1), ("H40.11", 1)):
        user = user_with(f"u{code}", (tree[code], Role.HR_OFFICER))
        scope = access.Scope(user)
        by_ids = set(scope.filter(Profile.objects.all(), "unit").values_list("pk", flat=True))
        by_ranges = set(
            Profile.objects.filter(tree_api.subtrees_q(scope.roots(), "unit")).values_list(
                "pk", flat=True
            )
        )
        assert by_ids == by_ranges and len(by_ids) == expected
    # a scope without a role of the asked kind sees nothing
    assert not access.Scope(user).filter(Profile.objects.all(), "unit", {Role.APPROVER}).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_returned_profiles_are_counted_from_their_partial_index(tree, make_profile):
    """The HR officer's home page (after every login) counts the drafts submitted before."""
    make_profile()
    units = [u.pk for u in tree.values()]
    queryset = Profile.objects.filter(unit_id__in=units, status="draft", version_number__gt=0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "profile_returned" in queryset.explain()
