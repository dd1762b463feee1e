"""The unit filter of the profile and finding lists (a search box and a short tree, limited
to the user's part of the org tree) and the completeness-by-unit page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import Finding

LIST = reverse("admin:profiles_profile_changelist")
FINDINGS = reverse("admin:profiles_finding_changelist")
COMPLETENESS = reverse("admin:profiles_profile_completeness")


@pytest.fixture
def people(make_profile, tree):
    return {
        "an": make_profile(),  # in H40.10.01 (Phòng Ngân sách)
        "bao": make_profile(
            personal_id="040285003333", full_name="Lê Văn Bảo", unit=tree["H40.10"]
        ),
        "hoa": make_profile(
            personal_id="040185002222", full_name="Trần Thị Hòa", sex="2", unit=tree["H40.11"]
        ),
    }


def names(response) -> set[str]:
    return {p.full_name for p in response.context["cl"].result_list}


def test_filter_shows_a_search_box_and_the_users_own_units(client, hr, people, tree):
    client.force_login(hr)
    text = client.get(LIST).content.decode()
    assert 'class="admin-autocomplete unit-tree-autocomplete"' in text
    assert "orgtree/unit_tree_filter.js" in text
    assert "Sở Tài chính" in text  # the officer's own unit, a link
    assert "UBND tỉnh Nghệ An" not in text and "Sở Nội vụ" not in text  # outside the scope
    chosen = client.get(LIST, {"unit_tree": tree["H40.10"].pk}).content.decode()
    assert "Phòng Ngân sách" in chosen  # a child, one click down the tree
    assert f"?unit_tree={tree['H40.10.01'].pk}" in chosen


def test_filter_by_subtree_or_own_unit(client, hr, people, tree):
    client.force_login(hr)
    assert names(client.get(LIST, {"unit_tree": tree["H40.10"].pk})) == {
        "Nguyễn Văn An",
        "Lê Văn Bảo",
    }
    own = client.get(LIST, {"unit_tree": tree["H40.10"].pk, "unit_tree_own": "1"})
    assert names(own) == {"Lê Văn Bảo"}


@pytest.mark.parametrize("value", ["H40.11", "H42", "garbage", "987654321"])
def test_a_unit_outside_the_scope_filters_to_nothing_and_is_not_named(
    client, hr, people, tree, value
):
    client.force_login(hr)
    unit = tree.get(value)
    response = client.get(LIST, {"unit_tree": unit.pk if unit else value})
    assert response.status_code == 200
    assert names(response) == set()
    text = response.content.decode()
    assert "Sở Nội vụ" not in text and "Hà Tĩnh" not in text


def test_autocomplete_behind_the_filter_offers_the_scope_only(client, hr, tree):
    client.force_login(hr)
    params = {"app_label": "profiles", "model_name": "profile", "field_name": "unit"}
    response = client.get(reverse("admin:autocomplete"), {**params, "term": "so"})
    found = {row["text"] for row in response.json()["results"]}
    assert found == {"Sở Tài chính [H40.10]"}


def test_findings_filtered_by_unit(client, user_with, people, tree):
    from orgtree.models import Role

    officer = user_with("canbo_tinh", (tree["H40"], Role.HR_OFFICER))
    client.force_login(officer)
    for key in ("an", "hoa"):
        Finding.objects.create(
            profile=people[key], severity="error", principle="P1", code="X", field="f", message="m"
        )
    response = client.get(FINDINGS, {"unit_tree": tree["H40.11"].pk})
    assert response.status_code == 200
    assert {f.profile.full_name for f in response.context["cl"].result_list} == {"Trần Thị Hòa"}


def test_completeness_page_sorts_searches_and_links(client, user_with, people, tree):
    from orgtree.models import Role

    officer = user_with("canbo_tinh", (tree["H40"], Role.HR_OFFICER))
    client.force_login(officer)
    rows = client.get(COMPLETENESS, {"o": "name"}).context["rows"]
    assert [r["unit__name"] for r in rows] == ["Phòng Ngân sách", "Sở Nội vụ", "Sở Tài chính"]
    rows = client.get(COMPLETENESS, {"o": "-name"}).context["rows"]
    assert [r["unit__name"] for r in rows] == ["Sở Tài chính", "Sở Nội vụ", "Phòng Ngân sách"]
    searched = client.get(COMPLETENESS, {"q": "noi vu"})
    assert [r["unit__code"] for r in searched.context["rows"]] == ["H40.11"]
    link = searched.context["rows"][0]["profiles_url"]
    assert link in searched.content.decode().replace("&amp;", "&")
    assert names(client.get(link)) == {"Trần Thị Hòa"}


def test_completeness_page_within_the_scope(client, hr, people):
    client.force_login(hr)
    text = client.get(COMPLETENESS).content.decode()
    assert "Sở Tài chính" in text and "Sở Nội vụ" not in text
