"""The profile list's "Xuất Excel" in the background (:mod:`cbccvc.exports`).

The worker finds the same rows as the synchronous export: the admin's change list of
profiles, replayed for the same user with the same query string (filters, search, ordering,
the user's scope), narrowed to the selected ids when the export came from "export selected".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse

from cbccvc.exports.models import ExportFile
from profiles.models import Profile

#: the writer's dotted path: the kind of these exports
KIND = "transfer.export_jobs.write_profiles_xlsx"
#: profiles per chunk in the background: small enough for a progress bar that moves
CHUNK = 500


def changelist_queryset(user: Any, query: str) -> QuerySet[Profile]:
    """The profiles the admin's change list shows ``user`` for ``query`` (its query string)."""
    from django.contrib import admin

    request = RequestFactory().get(reverse("admin:profiles_profile_changelist"))
    request.GET = QueryDict(query)
    request.user = user if user is not None else AnonymousUser()
    model_admin = admin.site.get_model_admin(Profile)
    if not model_admin.has_view_permission(request):
        return Profile.objects.none()
    changelist = model_admin.get_changelist_instance(request)
    return changelist.get_queryset(request)


def export_params(query: str, ids: list[int] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"query": query}
    if ids is not None:
        params["ids"] = sorted(ids)
    return params


def profiles_of(export: ExportFile) -> QuerySet[Profile]:
    qs = changelist_queryset(export.user, export.params.get("query", ""))
    ids = export.params.get("ids")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def write_profiles_xlsx(
    export: ExportFile, out: IO[bytes], progress: Callable[[int, int], None]
) -> int:
    """The writer of :data:`KIND`: the profiles to ``out`` as the synchronous export writes
    them (the sensitive groups only with the user's permissions, their read audited)."""
    from profiles.services import audit_sensitive_read, readable_groups

    from .export import export_profiles

    user = export.user
    readable = readable_groups(user)
    total = export.total
    result = export_profiles(
        profiles_of(export),
        out,
        with_assets="asset_declarations" in readable,
        with_health="health" in readable,
        chunk_size=CHUNK,
        progress=lambda done: progress(done, max(total, done)),
    )
    audit_sensitive_read(readable, user=user, via="xlsx", object_type="profiles.profile")
    return result.profiles
