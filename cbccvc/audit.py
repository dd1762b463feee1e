"""The security audit log: :func:`record` is the one way to write it.

Logins, failed logins, lockouts and logouts come from Django's and django-axes' signals;
permission changes from signals on group/permission/assignment changes (below); exports and
reads of sensitive groups are recorded by the code that does them.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from .models import AuditEvent

logger = logging.getLogger("cbccvc.audit")
Kind = AuditEvent.Kind


def _stored_repr(obj: models.Model) -> str:
    """An object's name as the log keeps it: in Vietnamese whatever the acting user's language
    (a role assignment names its role, a translatable choice)."""
    with translation.override("vi"):
        return str(obj)


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    **details: Any,
) -> AuditEvent:
    """Write one audit event. ``user`` defaults to the request's user; ``obj`` names the
    object (its label, pk and text); ``details`` is any JSON-serialisable context."""
    from .observability import client_ip, current_request_id

    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=(client_ip(request) or None) if request is not None else None,
        request_id=current_request_id() if current_request_id() != "-" else "",
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=_stored_repr(obj)[:200] if obj is not None else "",
        details=details,
    )
    logger.info("audit %s user=%s object=%s:%s", kind, event.username, object_type, object_id)
    return event


# -- logins ---------------------------------------------------------------------------------------
@receiver(user_logged_in, dispatch_uid="cbccvc_audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="cbccvc_audit_logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="cbccvc_audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # the credentials Django passes are already cleansed of the password
    record(
        Kind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out, dispatch_uid="cbccvc_audit_lockout")
def _locked_out(
    sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any
) -> None:
    record(Kind.LOCKOUT, request=request, username=username or "")


# -- permission changes ------------------------------------------------------------------------
def _actor() -> Any:
    """The user making the change, when it happens inside a request (simple-history keeps it)."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    return request, getattr(request, "user", None) if request is not None else None


def _permission_change(obj: models.Model, action: str, **details: Any) -> None:
    request, user = _actor()
    record(Kind.PERMISSION_CHANGE, request=request, user=user, obj=obj, action=action, **details)


def _assignment_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    _permission_change(
        instance,
        "grant" if created else "change",
        subject=instance.user.get_username(),
        unit=str(instance.unit_id),
        role=instance.role,
    )


def _assignment_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _permission_change(
        instance,
        "revoke",
        subject=instance.user.get_username(),
        unit=str(instance.unit_id),
        role=instance.role,
    )


def _m2m(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    names = sorted(str(o) for o in model.objects.filter(pk__in=pk_set or ())) if pk_set else []
    _permission_change(instance, action.removeprefix("post_"), items=names)


def _user_saved(
    sender: Any, instance: Any, created: bool, update_fields: Any, **kwargs: Any
) -> None:
    """Superuser/staff/active flags are permissions too."""
    if update_fields is not None and not {"is_superuser", "is_staff", "is_active"} & set(
        update_fields
    ):
        return
    flags = {f: getattr(instance, f) for f in ("is_superuser", "is_staff", "is_active")}
    before = getattr(instance, "_cbccvc_flags", None)
    if created or (before is not None and before != flags):
        _permission_change(instance, "create" if created else "flags", **flags)
    instance._cbccvc_flags = flags


def _user_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._cbccvc_flags = {
        f: getattr(instance, f, None) for f in ("is_superuser", "is_staff", "is_active")
    }


def connect_permission_signals() -> None:
    from django.db.models.signals import post_init

    from orgtree.models import UnitAssignment

    User = get_user_model()
    post_save.connect(_assignment_saved, UnitAssignment, dispatch_uid="audit_assign_save")
    post_delete.connect(_assignment_deleted, UnitAssignment, dispatch_uid="audit_assign_del")
    m2m_changed.connect(_m2m, User.groups.through, dispatch_uid="audit_user_groups")
    m2m_changed.connect(_m2m, User.user_permissions.through, dispatch_uid="audit_user_perms")
    m2m_changed.connect(_m2m, Group.permissions.through, dispatch_uid="audit_group_perms")
    post_init.connect(_user_loaded, User, dispatch_uid="audit_user_init")
    post_save.connect(_user_saved, User, dispatch_uid="audit_user_save")
