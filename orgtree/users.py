"""Accounts managed by agency admins, limited to their subtree.

An agency admin (``Role.AGENCY_ADMIN`` on a unit) sees the accounts holding a role on a unit of
their subtree, creates accounts with a first role there, grants and withdraws roles there, and,
for the accounts that belong to the subtree alone, changes name and e-mail, sets a new password,
turns the required second factor on and off and deactivates them. One function per kind of
write; each takes the acting user, checks the scope itself, runs in one transaction and leaves
the history (simple-history) and the audit log (:func:`cbccvc.audit.record`) behind.

Rules beyond "inside the subtree":

* superusers and the accounts of integration clients are never managed here;
* an account that also holds a role elsewhere can have roles here withdrawn, nothing more;
* a fellow agency admin (holding the admin role on one of the acting admin's own units, or
  above) is not "inside": no password, deactivation or e-mail change between equals;
* nobody withdraws their own roles here (the national admin or a higher admin does that);
* the integration role belongs to API clients: it is not granted to people.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cbccvc.audit import record
from cbccvc.history import attribute
from cbccvc.models import AuditEvent

from . import tree
from .access import MANAGE_UNIT_ROLES, scope_for
from .models import AccountSecurity, Role, Unit, UnitAssignment

__all__ = [
    "GRANTABLE_ROLES",
    "CreatedAccount",
    "can_grant",
    "can_withdraw",
    "create_account",
    "generate_password",
    "grant_role",
    "managed_users",
    "manages_fully",
    "otp_required_for",
    "reset_password",
    "set_active",
    "set_otp_required",
    "update_details",
    "withdraw_role",
]

#: roles an agency admin hands out (the integration role is for API clients' service accounts)
GRANTABLE_ROLES: tuple[str, ...] = (
    Role.AGENCY_ADMIN,
    Role.HR_OFFICER,
    Role.APPROVER,
    Role.VIEWER,
)


@dataclass(frozen=True)
class CreatedAccount:
    user: Any
    #: the generated password, shown once and never stored in clear; None when the admin typed it
    password: str | None


# -- who may do what ---------------------------------------------------------------------------
def managed_users(acting_user: Any) -> QuerySet[Any]:
    """The accounts holding a role on a unit of ``acting_user``'s admin subtree."""
    User = get_user_model()
    scope = scope_for(acting_user)
    if not scope.has_any(MANAGE_UNIT_ROLES):
        return User.objects.none()
    in_scope = UnitAssignment.objects.filter(scope.q("unit", MANAGE_UNIT_ROLES))
    return User.objects.filter(
        pk__in=in_scope.values("user_id"),
        is_superuser=False,
        integration_client__isnull=True,
    )


def _is_managed(acting_user: Any, user: Any) -> bool:
    return managed_users(acting_user).filter(pk=user.pk).exists()


def can_grant(acting_user: Any, unit: Unit | None, role: str) -> bool:
    """A role the admin hands out, on an active unit of their admin subtree."""
    return (
        unit is not None
        and role in GRANTABLE_ROLES
        and unit.status == Unit.Status.ACTIVE
        and scope_for(acting_user).covers(unit, MANAGE_UNIT_ROLES)
    )


def can_withdraw(acting_user: Any, assignment: UnitAssignment) -> bool:
    return (
        assignment.user_id != acting_user.pk
        and _is_managed(acting_user, assignment.user)
        and scope_for(acting_user).covers(assignment.unit, MANAGE_UNIT_ROLES)
    )


def _strictly_below_own_admin_unit(acting_user: Any, unit: Unit) -> bool:
    scope = scope_for(acting_user)
    if scope.is_national:
        return True
    return any(
        unit.pk != root.pk and tree.is_within(unit, root) for root in scope.roots(MANAGE_UNIT_ROLES)
    )


def manages_fully(acting_user: Any, user: Any) -> bool:
    """The account belongs to the admin's subtree alone: every role it holds lies there, and
    every agency-admin role it holds lies strictly below the acting admin's own units."""
    if user.pk == acting_user.pk or not _is_managed(acting_user, user):
        return False
    scope = scope_for(acting_user)
    for assignment in UnitAssignment.objects.filter(user=user).select_related("unit"):
        if not scope.covers(assignment.unit, MANAGE_UNIT_ROLES):
            return False
        if assignment.role == Role.AGENCY_ADMIN and not _strictly_below_own_admin_unit(
            acting_user, assignment.unit
        ):
            return False
    return True


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Tài khoản hoặc đơn vị nằm ngoài phạm vi được quản lý."))


def otp_required_for(user: Any) -> bool:
    """True when a second factor was required for this account alone."""
    if not getattr(user, "pk", None):
        return False
    return AccountSecurity.objects.filter(user_id=user.pk, otp_required=True).exists()


# -- passwords ---------------------------------------------------------------------------------
_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = 16) -> str:
    """A random password with letters and digits (about 95 bits at 16 characters)."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _set_password(user: Any, password: str | None) -> str | None:
    """Set ``password`` (validated) or a generated one; return the generated one."""
    generated = None
    if not password:
        generated = password = generate_password()
    validate_password(password, user)
    user.set_password(password)
    return generated


def _split_name(full_name: str) -> str:
    # the project keeps the whole Vietnamese name in first_name (family name first)
    return " ".join(full_name.split())[:150]


# -- writes ------------------------------------------------------------------------------------
@transaction.atomic
def create_account(
    *,
    acting_user: Any,
    username: str,
    full_name: str,
    email: str,
    unit: Unit,
    role: str,
    password: str | None = None,
    otp_required: bool = False,
) -> CreatedAccount:
    """A new staff account with its first role on ``unit``. ``password`` empty: one is
    generated and returned, to be shown once."""
    _require(can_grant(acting_user, unit, role))
    User = get_user_model()
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("Tên đăng nhập này đã được dùng.")}, code="username_taken"
        )
    user = User(
        username=username,
        first_name=_split_name(full_name),
        email=email.strip(),
        is_staff=True,
        is_superuser=False,
        is_active=True,
    )
    generated = _set_password(user, password)
    user.save()
    _grant(acting_user, user, unit, role)
    if otp_required:
        _set_otp(acting_user, user, True)
    record(
        AuditEvent.Kind.PERMISSION_CHANGE,
        user=acting_user,
        obj=user,
        action="account_create",
        unit=str(unit.pk),
        role=role,
        otp_required=otp_required,
        password="generated" if generated else "set",
    )
    return CreatedAccount(user=user, password=generated)


@transaction.atomic
def update_details(*, acting_user: Any, user: Any, full_name: str, email: str) -> Any:
    _require(manages_fully(acting_user, user))
    before = {"first_name": user.first_name, "email": user.email}
    user.first_name = _split_name(full_name)
    user.email = email.strip()
    user.save(update_fields=["first_name", "email"])
    changed = sorted(k for k, v in before.items() if getattr(user, k) != v)
    if changed:
        record(
            AuditEvent.Kind.PERMISSION_CHANGE,
            user=acting_user,
            obj=user,
            action="account_details",
            fields=changed,
        )
    return user


def _grant(acting_user: Any, user: Any, unit: Unit, role: str) -> UnitAssignment:
    assignment = UnitAssignment(user=user, unit=unit, role=role, granted_by=acting_user)
    attribute(assignment, acting_user=acting_user, reason="")
    assignment.save()  # the audit log records the grant (cbccvc.audit signals)
    return assignment


@transaction.atomic
def grant_role(*, acting_user: Any, user: Any, unit: Unit, role: str) -> UnitAssignment:
    """Give an account already in the admin's subtree a role on a unit of that subtree."""
    _require(can_grant(acting_user, unit, role) and _is_managed(acting_user, user))
    if UnitAssignment.objects.filter(user=user, unit=unit, role=role).exists():
        raise ValidationError(_("Tài khoản đã có vai trò này tại đơn vị này."), code="duplicate")
    return _grant(acting_user, user, unit, role)


@transaction.atomic
def withdraw_role(*, acting_user: Any, assignment: UnitAssignment, reason: str) -> None:
    """End a role: the assignment goes, its history keeps who withdrew it and why."""
    _require(can_withdraw(acting_user, assignment))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Ghi lý do thu hồi vai trò.")}, code="reason_required")
    attribute(assignment, acting_user=acting_user, reason=reason)
    record(
        AuditEvent.Kind.PERMISSION_CHANGE,
        user=acting_user,
        obj=assignment,
        action="withdraw",
        subject=assignment.user.get_username(),
        unit=str(assignment.unit_id),
        role=assignment.role,
        reason=reason,
    )
    assignment.delete()


@transaction.atomic
def reset_password(*, acting_user: Any, user: Any, password: str | None = None) -> str | None:
    """Set a new password (validated) or a generated one, returned to be shown once. The
    account's open sessions end (Django checks the password hash on each request)."""
    _require(manages_fully(acting_user, user))
    generated = _set_password(user, password)
    user.save(update_fields=["password"])
    record(
        AuditEvent.Kind.PERMISSION_CHANGE,
        user=acting_user,
        obj=user,
        action="password_reset",
        password="generated" if generated else "set",
    )
    return generated


def _set_otp(acting_user: Any, user: Any, required: bool) -> AccountSecurity:
    settings_row, _created = AccountSecurity.objects.get_or_create(user=user)
    settings_row.otp_required = required
    settings_row.changed_by = acting_user
    settings_row.save()
    record(
        AuditEvent.Kind.SECOND_FACTOR,
        user=acting_user,
        obj=user,
        action="required" if required else "not_required",
    )
    return settings_row


@transaction.atomic
def set_otp_required(*, acting_user: Any, user: Any, required: bool) -> AccountSecurity:
    """Require a second factor of this account (it must enrol before anything else), or stop
    requiring it. Requiring only tightens, so it is allowed for every account in the subtree;
    lifting it needs an account of the subtree alone."""
    _require(manages_fully(acting_user, user) if not required else _is_managed(acting_user, user))
    return _set_otp(acting_user, user, required)


@transaction.atomic
def set_active(*, acting_user: Any, user: Any, active: bool, reason: str) -> Any:
    """Deactivate (the account can no longer sign in, its sessions end) or reactivate."""
    _require(manages_fully(acting_user, user))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Ghi lý do.")}, code="reason_required")
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        AuditEvent.Kind.PERMISSION_CHANGE,
        user=acting_user,
        obj=user,
        action="activate" if active else "deactivate",
        reason=reason,
    )
    return user
