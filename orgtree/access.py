"""Access limited to the org tree.

A user sees and changes only the subtrees of the units they hold a role on
(:class:`~orgtree.models.UnitAssignment`); a superuser is the national admin and sees everything.
Every list, detail, search, export, admin action and API call filters through a :class:`Scope`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, Q, QuerySet

from . import tree
from .models import Role, Unit, UnitAssignment

__all__ = [
    "ALL_ROLES",
    "APPROVE_ROLES",
    "EDIT_PROFILE_ROLES",
    "MANAGE_UNIT_ROLES",
    "Scope",
    "scope_for",
    "scope_for_key",
]

ALL_ROLES: frozenset[str] = frozenset(Role.values)
MANAGE_UNIT_ROLES: frozenset[str] = frozenset({Role.AGENCY_ADMIN})
EDIT_PROFILE_ROLES: frozenset[str] = frozenset({Role.AGENCY_ADMIN, Role.HR_OFFICER})
APPROVE_ROLES: frozenset[str] = frozenset({Role.APPROVER})
#: a scope of more units than this filters on the tree's ranges rather than a list of its units
MAX_LISTED_UNITS = 5000


class Scope:
    """The part of the tree a user may see, and with which roles."""

    def __init__(self, user: AbstractBaseUser | AnonymousUser | None):
        self.user = user
        self.is_national = bool(user and user.is_active and getattr(user, "is_superuser", False))
        self._grants: list[tuple[Unit, str]] = []
        self._unit_ids: dict[frozenset[str], list[int] | None] = {}
        if user is not None and user.is_authenticated and user.is_active and not self.is_national:
            self._grants = [
                (a.unit, a.role)
                for a in UnitAssignment.objects.filter(
                    user=user, unit__status=Unit.Status.ACTIVE
                ).select_related("unit")
            ]

    # -- what the user holds ------------------------------------------------------------------
    def roots(self, roles: Collection[str] = ALL_ROLES) -> list[Unit]:
        return [unit for unit, role in self._grants if role in roles]

    def has_any(self, roles: Collection[str] = ALL_ROLES) -> bool:
        return self.is_national or any(role in roles for _, role in self._grants)

    def covers(self, unit: Unit | None, roles: Collection[str] = ALL_ROLES) -> bool:
        """True when ``unit`` lies in a subtree where the user holds one of ``roles``."""
        if self.is_national:
            return True
        if unit is None:
            return False
        return any(role in roles and tree.is_within(unit, root) for root, role in self._grants)

    # -- filtering ----------------------------------------------------------------------------
    def q(self, field_name: str = "", roles: Collection[str] = ALL_ROLES) -> Q:
        """A Q over rows whose unit (``field_name``; "" for Unit itself) is in scope.

        Rows of other models are matched by their unit's id in the list of the scope's units,
        not by a join on the tree's ranges: PostgreSQL cannot tell how many rows the ranges
        leave, and at 300,000 profiles it walked the whole name index for a search of a
        department's people (450 ms) instead of combining the unit and name indexes (20 ms).
        """
        if self.is_national:
            return Q()
        if field_name:
            ids = self.unit_ids(roles)
            if ids is not None:
                return Q(**{f"{field_name}__in": ids})
        return tree.subtrees_q(self.roots(roles), field_name)

    def unit_ids(self, roles: Collection[str] = ALL_ROLES) -> list[int] | None:
        """The ids of every unit in the subtrees where the user holds one of ``roles`` (once
        per scope, so once per request); None over :data:`MAX_LISTED_UNITS` units."""
        key = frozenset(roles)
        if key not in self._unit_ids:
            roots = self.roots(roles)
            ids: list[int] = []
            if roots:
                units = Unit.objects.filter(tree.subtrees_q(roots)).order_by("pk")
                ids = list(units.values_list("pk", flat=True)[: MAX_LISTED_UNITS + 1])
            self._unit_ids[key] = ids if len(ids) <= MAX_LISTED_UNITS else None
        return self._unit_ids[key]

    def filter(
        self, queryset: QuerySet[Any], field_name: str = "", roles: Collection[str] = ALL_ROLES
    ) -> QuerySet[Any]:
        if self.is_national:
            return queryset
        # The OR of subtree ranges follows forward foreign keys only: no duplicate rows.
        return queryset.filter(self.q(field_name, roles))

    def units(self, roles: Collection[str] = ALL_ROLES) -> QuerySet[Unit]:
        return self.filter(Unit.objects.all(), "", roles)


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    cached = getattr(user, "_cbccvc_scope", None)
    if cached is None:
        cached = Scope(user)
        if user is not None:
            try:
                user._cbccvc_scope = cached
            except AttributeError:  # pragma: no cover - exotic user objects
                pass
    return cached


def scope_for_key(user: Any, key: Any) -> Scope:
    """The scope of an API key: its client's unit subtree with the roles of its scopes (see
    :func:`orgtree.apikeys.grants_of`), never the roles of the account behind it. The scope is
    cached on ``user``, so every later ``scope_for(user)`` in the request answers for the key."""
    from .apikeys import grants_of

    scope = Scope(None)
    scope.user = user
    scope._grants = [
        (unit, role) for unit, role in grants_of(key) if unit.status == Unit.Status.ACTIVE
    ]
    user._cbccvc_scope = scope
    return scope


def unit_of(obj: Model, field_path: str) -> Unit | None:
    """Follow ``field_path`` ("" for a Unit, "unit", "profile__unit" …) from ``obj``."""
    current: Any = obj
    for part in [p for p in field_path.split("__") if p]:
        current = getattr(current, part, None)
        if current is None:
            return None
    return current if isinstance(current, Unit) else None
