"""Navigation of the unit tree: active units by default, the tree as of a date, events that
name their units, and the searchable unit filter of the profile and finding lists."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from orgtree import services
from orgtree.models import Role, Unit, UnitAssignment

BEFORE = date(2024, 1, 1)
MERGED_ON = date(2025, 7, 1)


@pytest.fixture
def world(make_unit):
    """Province A with three departments, two of them merged on 1/7/2025; province B."""
    a = make_unit("UBND tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    home = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    labour = make_unit("Sở Lao động", parent=a, code="H25.02")
    division = make_unit("Phòng Tổ chức", parent=home, code="H25.01.01", kind=Unit.Kind.DIVISION)
    finance = make_unit("Sở Tài chính", parent=a, code="H25.03")
    b = make_unit("UBND thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    make_unit("Sở Nội vụ Hà Nội", parent=b, code="H12.01")
    services.merge_units(
        [Unit.objects.get(pk=home.pk), Unit.objects.get(pk=labour.pk)],
        new_target={"name": "Sở Nội vụ (mới)", "code": "H25.09", "kind": Unit.Kind.DEPARTMENT},
        effective_date=MERGED_ON,
        reason="Hợp nhất",
        legal_basis_number="01/NQ",
    )
    User = get_user_model()
    admin_a = User.objects.create_user("a_admin", is_staff=True)
    UnitAssignment.objects.create(user=admin_a, unit=a, role=Role.AGENCY_ADMIN)
    return {"a": a, "home": home, "labour": labour, "division": division, "finance": finance,
            "b": b, "admin_a": admin_a}  # fmt: skip


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _codes(response) -> set[str]:
    return {u.code for u in response.context["cl"].result_list}


@pytest.mark.django_db
def test_unit_list_shows_active_units_unless_asked(world):
    client = _client(world["admin_a"])
    url = reverse("admin:orgtree_unit_changelist")
    assert _codes(client.get(url)) == {"H25", "H25.01.01", "H25.03", "H25.09"}
    closed = _codes(client.get(url, {"status__exact": "merged"}))
    assert closed == {"H25.01", "H25.02"}
    assert _codes(client.get(url, {"status__exact": "all"})) >= {"H25.01", "H25.09"}
    assert "H25.01" in _codes(client.get(url, {"q": "noi vu"}))  # a search finds old units
    assert not _codes(client.get(url, {"status__exact": "all"})) & {"H12", "H12.01"}


@pytest.mark.django_db
def test_tree_as_of_a_date_within_the_users_part(world):
    client = _client(world["admin_a"])
    url = reverse("admin:orgtree_unit_as_of")
    before = client.get(url, {"on": "01/01/2024"})
    assert before.status_code == 200
    text = before.content.decode()
    assert "Sở Lao động" in text and "Sở Nội vụ" in text and "Phòng Tổ chức" in text
    assert "Sở Nội vụ (mới)" not in text
    assert "Hà Nội" not in text  # another province's tree
    assert before.context["unit_count"] == 5
    after = client.get(url, {"on": "02/07/2025"}).content.decode()
    assert "Sở Nội vụ (mới)" in after and "Sở Lao động" not in after
    assert "Phòng Tổ chức" in after  # moved under the new unit
    wrong = client.get(url, {"on": "31/02/2024"})
    assert wrong.status_code == 200 and wrong.context["form"].errors


@pytest.mark.django_db
def test_as_of_page_needs_a_role(world):
    nobody = get_user_model().objects.create_user("nobody", is_staff=True)
    response = _client(nobody).get(reverse("admin:orgtree_unit_as_of"), {"on": "01/01/2024"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_events_list_names_the_units_in_scope(world):
    response = _client(world["admin_a"]).get(reverse("admin:orgtree_unitchangeevent_changelist"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Sở Lao động [H25.02]" in text and "Sở Nội vụ (mới) [H25.09]" in text
    assert "H12" not in text


@pytest.mark.django_db
def test_unit_pickers_are_search_boxes_over_the_scope(world):
    """The unit form's parent and the account pages' unit are searched, not listed in full;
    the search behind them offers the user's active units only."""
    client = _client(world["admin_a"])
    form = client.get(reverse("admin:orgtree_unit_change", args=[world["finance"].pk]))
    field = form.context["adminform"].form.fields["parent"]
    assert field.widget.widget.__class__.__name__ == "AutocompleteSelect"  # in the wrapper
    add = client.get(reverse("admin:orgtree_agencyuser_add"))
    assert 'class="admin-autocomplete' in add.content.decode()
    params = {"app_label": "orgtree", "model_name": "unitassignment", "field_name": "unit"}
    found = client.get(reverse("admin:autocomplete"), {**params, "term": "so"}).json()
    names = {row["text"] for row in found["results"]}
    assert "Sở Tài chính [H25.03]" in names and "Sở Nội vụ (mới) [H25.09]" in names
    assert not any("H12" in n or n.startswith("Sở Lao động") for n in names)
