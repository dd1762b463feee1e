"""Agency admins manage the accounts of their subtree (orgtree.admin.users, orgtree.users)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from cbccvc.models import AuditEvent
from orgtree import users
from orgtree.models import AccountSecurity, Role, Unit, UnitAssignment

PASSWORD = "x-Password-123"


@pytest.fixture
def world(make_unit) -> dict[str, Any]:
    User = get_user_model()
    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    a_dept = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    a_sub = make_unit("Phòng Công chức", parent=a_dept, code="H25.01.01")
    a_other = make_unit("Sở Tài chính", parent=a, code="H25.02")
    b = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    b_dept = make_unit("Sở Nội vụ Hà Nội", parent=b, code="H12.01")

    def account(username: str, *grants: tuple[Unit, str], **extra: Any) -> Any:
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True, **extra)
        for unit, role in grants:
            UnitAssignment.objects.create(user=user, unit=unit, role=role)
        return user

    return {
        "a": a,
        "a_dept": a_dept,
        "a_sub": a_sub,
        "a_other": a_other,
        "b": b,
        "b_dept": b_dept,
        "a_admin": account("a_admin", (a, Role.AGENCY_ADMIN)),
        "a_peer": account("a_peer", (a, Role.AGENCY_ADMIN)),
        "dept_admin": account("dept_admin", (a_dept, Role.AGENCY_ADMIN)),
        "a_staff": account("a_staff", (a_dept, Role.HR_OFFICER), first_name="Trần Thị Nhân"),
        "a_hr": account("a_hr", (a, Role.HR_OFFICER)),
        "shared": account("shared", (a_dept, Role.VIEWER), (b_dept, Role.VIEWER)),
        "b_admin": account("b_admin", (b, Role.AGENCY_ADMIN)),
        "b_staff": account("b_staff", (b_dept, Role.HR_OFFICER), first_name="Đỗ Văn Hà"),
        "a_super": account("a_super", (a, Role.VIEWER), is_superuser=True),
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, *args: Any) -> str:
    return reverse(f"admin:orgtree_agencyuser_{name}", args=args)


def _add_data(unit: Unit, **overrides: Any) -> dict[str, Any]:
    return {
        "username": "phutho.moi",
        "full_name": "Nguyễn Thị Mới",
        "email": "moi@example.vn",
        "unit": unit.pk,
        "role": Role.HR_OFFICER,
        "password_choice": "generate",
        **overrides,
    }


# -- creating accounts -------------------------------------------------------------------------
@pytest.mark.django_db
def test_agency_admin_creates_an_account_with_a_generated_password_shown_once(world):
    admin_user = world["a_admin"]
    response = _client(admin_user).post(_url("add"), _add_data(world["a_dept"]))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    user = get_user_model().objects.get(username="phutho.moi")
    password = response.context["password"]
    assert password in response.content.decode()
    assert user.check_password(password)
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.first_name == "Nguyễn Thị Mới" and user.email == "moi@example.vn"
    assignment = UnitAssignment.objects.get(user=user)
    assert (assignment.unit, assignment.role) == (world["a_dept"], Role.HR_OFFICER)
    assert assignment.granted_by == admin_user
    assert assignment.history.get().history_user == admin_user
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PERMISSION_CHANGE, user=admin_user, object_id=str(user.pk)
    ).exists()
    # the page is not a place to come back to: the change page does not show the password
    again = _client(admin_user).get(_url("change", user.pk)).content.decode()
    assert password not in again


@pytest.mark.django_db
def test_typed_password_goes_through_django_validators(world):
    client = _client(world["a_admin"])
    weak = _add_data(
        world["a_dept"], password_choice="set", password1="12345678", password2="12345678"
    )
    response = client.post(_url("add"), weak)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["password1"]
    assert not get_user_model().objects.filter(username="phutho.moi").exists()
    mismatch = _add_data(
        world["a_dept"], password_choice="set", password1="Ng0c-Lan-2025!", password2="other-one"
    )
    assert client.post(_url("add"), mismatch).context["adminform"].form.errors["password2"]
    good = _add_data(
        world["a_dept"],
        password_choice="set",
        password1="Ng0c-Lan-2025!",
        password2="Ng0c-Lan-2025!",
        otp_required="on",
    )
    response = client.post(_url("add"), good)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="phutho.moi")
    assert user.check_password("Ng0c-Lan-2025!")
    assert users.otp_required_for(user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor", "unit", "role"),
    [
        ("a_admin", "b_dept", Role.HR_OFFICER),  # another agency's unit
        ("a_admin", "a_dept", Role.INTEGRATION),  # the API clients' role
        ("dept_admin", "a", Role.VIEWER),  # above the admin's own unit
        ("dept_admin", "a", Role.AGENCY_ADMIN),
        ("dept_admin", "a_other", Role.HR_OFFICER),  # a sibling department
    ],
)
def test_forged_creation_outside_the_scope_is_refused(world, actor, unit, role):
    response = _client(world[actor]).post(
        _url("add"), _add_data(world[unit], role=role, is_superuser="on")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not get_user_model().objects.filter(username="phutho.moi").exists()


@pytest.mark.django_db
def test_forged_flags_are_ignored_and_admin_role_only_at_or_below_own_unit(world):
    client = _client(world["dept_admin"])
    data = _add_data(
        world["a_sub"], role=Role.AGENCY_ADMIN, is_superuser="on", user_permissions="1"
    )
    assert client.post(_url("add"), data).status_code == 200
    user = get_user_model().objects.get(username="phutho.moi")
    assert not user.is_superuser and user.is_staff
    assert not user.user_permissions.exists() and not user.groups.exists()
    assert UnitAssignment.objects.get(user=user).unit == world["a_sub"]


@pytest.mark.django_db
def test_other_roles_cannot_open_the_page(world):
    for name in ("a_hr", "b_staff"):
        client = _client(world[name])
        assert client.get(_url("changelist")).status_code == 403
        assert client.get(_url("add")).status_code == 403


# -- listing -----------------------------------------------------------------------------------
def _listed(client: Client, **params: str) -> set[str]:
    response = client.get(_url("changelist"), params)
    assert response.status_code == 200
    return {u.username for u in response.context["cl"].result_list}


@pytest.mark.django_db
def test_list_holds_exactly_the_accounts_with_a_role_in_the_subtree(world):
    listed = _listed(_client(world["a_admin"]))
    assert listed == {"a_admin", "a_peer", "dept_admin", "a_staff", "a_hr", "shared"}
    assert _listed(_client(world["dept_admin"])) == {"dept_admin", "a_staff", "shared"}
    assert _listed(_client(world["b_admin"])) == {"b_admin", "b_staff", "shared"}
    assert _listed(_client(world["a_admin"]), q="b_") == set()
    assert _listed(_client(world["a_admin"]), q="Đỗ Văn Hà") == set()
    assert _listed(_client(world["a_admin"]), q="Trần Thị") == {"a_staff"}


@pytest.mark.django_db
def test_list_shows_only_the_roles_inside_the_scope(world):
    content = _client(world["a_admin"]).get(_url("changelist")).content.decode()
    assert "Sở Nội vụ Hà Nội" not in content
    page = _client(world["a_admin"]).get(_url("change", world["shared"].pk)).content.decode()
    assert "Sở Nội vụ Hà Nội" not in page
    assert page.count("withdraw-link") == 1


@pytest.mark.django_db
def test_integration_service_accounts_are_not_managed_here(world):
    from orgtree.apikeys import service_user_for
    from orgtree.models import IntegrationClient

    client = IntegrationClient.objects.create(name="Cổng Phú Thọ", unit=world["a"])
    service = service_user_for(client)
    assert service.username not in _listed(_client(world["a_admin"]))
    assert _client(world["a_admin"]).get(_url("password", service.pk)).status_code == 404


# -- another agency's admin: an unknown id -----------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("view", ["change", "history", "grant", "password", "otp", "active"])
def test_another_agency_admin_meets_an_unknown_id(world, view):
    client = _client(world["b_admin"])
    target = world["a_staff"]
    response = client.get(_url(view, target.pk))
    unknown = client.get(_url(view, 987654321))
    assert response.status_code == unknown.status_code
    assert response.status_code in (302, 404)
    assert "a_staff" not in response.content.decode()


@pytest.mark.django_db
def test_forged_posts_from_another_agency_change_nothing(world):
    client = _client(world["b_admin"])
    target = world["a_staff"]
    assignment = UnitAssignment.objects.get(user=target)
    before = get_user_model().objects.filter(pk=target.pk).values().get()
    posts = [
        (_url("change", target.pk), {"first_name": "HACKED", "email": "x@example.vn"}),
        (_url("password", target.pk), {"password_choice": "generate"}),
        (_url("active", target.pk), {"reason": "thử"}),
        (_url("otp", target.pk), {"required": "1"}),
        (_url("grant", target.pk), {"unit": world["b"].pk, "role": Role.AGENCY_ADMIN}),
        (_url("withdraw", target.pk, assignment.pk), {"reason": "thử"}),
        # the other agency's own account, with an assignment of agency A
        (_url("withdraw", world["shared"].pk, assignment.pk), {"reason": "thử"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (302, 404), url
    assert get_user_model().objects.filter(pk=target.pk).values().get() == before
    assert UnitAssignment.objects.filter(pk=assignment.pk).exists()
    assert not UnitAssignment.objects.filter(user=target).exclude(pk=assignment.pk).exists()
    assert not AccountSecurity.objects.filter(user=target).exists()


# -- roles -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_grant_a_role_inside_the_scope_only(world):
    client = _client(world["dept_admin"])
    target = world["a_staff"]
    refused = client.post(_url("grant", target.pk), {"unit": world["a"].pk, "role": Role.VIEWER})
    assert refused.status_code == 200 and refused.context["form"].errors
    refused = client.post(
        _url("grant", target.pk), {"unit": world["b_dept"].pk, "role": Role.VIEWER}
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    ok = client.post(_url("grant", target.pk), {"unit": world["a_sub"].pk, "role": Role.APPROVER})
    assert ok.status_code == 302
    granted = UnitAssignment.objects.get(user=target, role=Role.APPROVER)
    assert granted.unit == world["a_sub"] and granted.granted_by == world["dept_admin"]
    duplicate = client.post(
        _url("grant", target.pk), {"unit": world["a_sub"].pk, "role": Role.APPROVER}
    )
    assert duplicate.status_code == 200 and duplicate.context["form"].errors


@pytest.mark.django_db
def test_withdraw_a_role_records_who_and_why(world):
    admin_user = world["a_admin"]
    shared = world["shared"]
    here = UnitAssignment.objects.get(user=shared, unit=world["a_dept"])
    elsewhere = UnitAssignment.objects.get(user=shared, unit=world["b_dept"])
    client = _client(admin_user)
    # the role in the other agency cannot even be addressed from here
    assert (
        client.post(_url("withdraw", shared.pk, elsewhere.pk), {"reason": "x"}).status_code == 404
    )
    no_reason = client.post(_url("withdraw", shared.pk, here.pk), {"reason": "  "})
    assert no_reason.status_code == 200
    assert UnitAssignment.objects.filter(pk=here.pk).exists()
    response = client.post(
        _url("withdraw", shared.pk, here.pk), {"reason": "Chuyển công tác sang Hà Nội"}
    )
    assert response.status_code == 302
    assert not UnitAssignment.objects.filter(pk=here.pk).exists()
    assert UnitAssignment.objects.filter(pk=elsewhere.pk).exists()
    gone = UnitAssignment.history.filter(id=here.pk, history_type="-").get()
    assert gone.history_user == admin_user
    assert gone.history_change_reason == "Chuyển công tác sang Hà Nội"
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PERMISSION_CHANGE,
        user=admin_user,
        details__action="withdraw",
        details__reason="Chuyển công tác sang Hà Nội",
    ).exists()


@pytest.mark.django_db
def test_no_one_withdraws_their_own_role_here(world):
    admin_user = world["a_admin"]
    own = UnitAssignment.objects.get(user=admin_user)
    response = _client(admin_user).post(_url("withdraw", admin_user.pk, own.pk), {"reason": "x"})
    assert response.status_code == 403
    assert UnitAssignment.objects.filter(pk=own.pk).exists()


# -- password, deactivation, details: accounts of the subtree alone ----------------------------
@pytest.mark.django_db
def test_reset_password_of_an_account_of_the_subtree(world):
    target = world["a_staff"]
    client = _client(world["a_admin"])
    response = client.post(_url("password", target.pk), {"password_choice": "generate"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    target.refresh_from_db()
    assert not target.check_password(PASSWORD)
    assert target.check_password(response.context["password"])
    typed = client.post(
        _url("password", target.pk),
        {"password_choice": "set", "password1": "Hoa-Sen-2025!", "password2": "Hoa-Sen-2025!"},
    )
    assert typed.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Hoa-Sen-2025!")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("a_admin", "shared"),  # also holds a role in another agency
        ("a_admin", "a_peer"),  # a fellow admin of the same unit
        ("a_admin", "a_admin"),  # oneself
        ("dept_admin", "a_staff_with_role_above"),
    ],
)
def test_password_and_deactivation_refused_beyond_the_subtree(world, actor, target):
    if target == "a_staff_with_role_above":
        UnitAssignment.objects.create(user=world["a_staff"], unit=world["a"], role=Role.VIEWER)
        target = "a_staff"
    account = world[target]
    client = _client(world[actor])
    before = get_user_model().objects.filter(pk=account.pk).values().get()
    assert client.get(_url("password", account.pk)).status_code == 403
    assert (
        client.post(_url("password", account.pk), {"password_choice": "generate"}).status_code
        == 403
    )
    assert client.post(_url("active", account.pk), {"reason": "thử"}).status_code == 403
    assert (
        client.post(_url("change", account.pk), {"first_name": "X", "email": ""}).status_code == 403
    )
    assert get_user_model().objects.filter(pk=account.pk).values().get() == before
    with pytest.raises(PermissionDenied):
        users.reset_password(acting_user=world[actor], user=account)
    with pytest.raises(PermissionDenied):
        users.set_active(acting_user=world[actor], user=account, active=False, reason="thử")


@pytest.mark.django_db
def test_an_admin_manages_an_admin_strictly_below(world):
    target = world["dept_admin"]
    assert users.manages_fully(world["a_admin"], target)
    generated = users.reset_password(acting_user=world["a_admin"], user=target)
    target.refresh_from_db()
    assert generated and target.check_password(generated)


@pytest.mark.django_db
def test_deactivate_and_reactivate_with_a_reason(world):
    target = world["a_staff"]
    staff_client = _client(target)
    assert staff_client.get(reverse("admin:index")).status_code == 200
    client = _client(world["a_admin"])
    assert client.post(_url("active", target.pk), {"reason": ""}).status_code == 200
    target.refresh_from_db()
    assert target.is_active
    response = client.post(_url("active", target.pk), {"reason": "Nghỉ hưu"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert AuditEvent.objects.filter(
        user=world["a_admin"], details__action="deactivate", details__reason="Nghỉ hưu"
    ).exists()
    # the account cannot sign in any more; it stays in the list, and can be reopened
    assert staff_client.get(reverse("admin:index")).status_code == 302  # signed out
    assert "a_staff" in _listed(client)
    assert client.post(_url("active", target.pk), {"reason": "Quay lại"}).status_code == 302
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.django_db
def test_change_name_and_email_but_no_flags(world):
    target = world["a_staff"]
    response = _client(world["a_admin"]).post(
        _url("change", target.pk),
        {
            "first_name": "Trần Thị Nhàn",
            "email": "nhan@example.vn",
            "is_superuser": "on",
            "is_staff": "",
            "username": "renamed",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.first_name, target.email) == ("Trần Thị Nhàn", "nhan@example.vn")
    assert (target.username, target.is_staff, target.is_superuser) == ("a_staff", True, False)


# -- the required second factor ----------------------------------------------------------------
@pytest.mark.django_db
def test_required_second_factor_is_honoured_by_the_middleware(world, settings):
    settings.CBCCVC_OTP_REQUIRED = False
    target = world["a_staff"]
    staff_client = _client(target)
    assert staff_client.get(reverse("admin:index")).status_code == 200
    response = _client(world["a_admin"]).post(_url("otp", target.pk), {"required": "1"})
    assert response.status_code == 302
    assert users.otp_required_for(target)
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECOND_FACTOR, user=world["a_admin"], details__action="required"
    ).exists()
    blocked = staff_client.get(reverse("admin:index"))
    assert blocked.status_code == 302 and blocked["Location"] == reverse("second_factor")
    # another account without the flag is not affected
    assert _client(world["a_hr"]).get(reverse("admin:index")).status_code == 200
    _client(world["a_admin"]).post(_url("otp", target.pk), {"required": "0"})
    assert staff_client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_requiring_is_allowed_for_shared_accounts_lifting_is_not(world):
    shared = world["shared"]
    users.set_otp_required(acting_user=world["a_admin"], user=shared, required=True)
    with pytest.raises(PermissionDenied):
        users.set_otp_required(acting_user=world["a_admin"], user=shared, required=False)
    assert users.otp_required_for(shared)
    with pytest.raises(PermissionDenied):
        users.set_otp_required(acting_user=world["a_admin"], user=world["b_staff"], required=True)


# -- services refuse on their own --------------------------------------------------------------
@pytest.mark.django_db
def test_services_check_the_scope_themselves(world):
    with pytest.raises(PermissionDenied):
        users.create_account(
            acting_user=world["a_admin"],
            username="ngoai",
            full_name="Người Ngoài",
            email="",
            unit=world["b_dept"],
            role=Role.VIEWER,
        )
    with pytest.raises(PermissionDenied):
        users.grant_role(
            acting_user=world["dept_admin"],
            user=world["a_staff"],
            unit=world["a"],
            role=Role.AGENCY_ADMIN,
        )
    with pytest.raises(PermissionDenied):
        users.grant_role(
            acting_user=world["a_admin"],
            user=world["b_staff"],
            unit=world["a_dept"],
            role=Role.VIEWER,
        )
    elsewhere = UnitAssignment.objects.get(user=world["shared"], unit=world["b_dept"])
    with pytest.raises(PermissionDenied):
        users.withdraw_role(acting_user=world["a_admin"], assignment=elsewhere, reason="thử")
    assert not get_user_model().objects.filter(username="ngoai").exists()
    assert not users.manages_fully(world["a_admin"], world["a_super"])
    assert "a_super" not in _listed(_client(world["a_admin"]))
