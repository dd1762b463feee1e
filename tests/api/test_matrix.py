"""A key of agency A gets 404 for every object of agency B, on every endpoint and method.

The URL patterns of the API are enumerated: a new endpoint without a case below fails
``test_every_api_endpoint_has_a_case``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from profiles.models import ProfileVersion, VersionStatus

pytestmark = pytest.mark.django_db

UNKNOWN = 987654321
METHODS = ("get", "put", "patch", "delete", "post")

# endpoints that list or look up shared things: no agency object in their URL
COLLECTIONS = {"unit-list", "unit-tree", "profile-list", "import-list", "mismatch-list"}
REFERENCE = {"root", "schema", "codelist-list", "codelist-detail", "place-resolve"}


def api_url_names() -> set[str]:
    resolver = get_resolver()
    names: set[str] = set()

    def walk(patterns: list, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "api" and p.name:
                names.add(p.name)

    walk(resolver.url_patterns, "")
    return names


def _b_version(w: dict[str, Any]) -> ProfileVersion:
    if "b_version" not in w:
        w["b_version"] = ProfileVersion.objects.create(
            profile=w["b_profile"],
            number=1,
            status=VersionStatus.SUBMITTED,
            snapshot={},
            content_hash="0" * 64,
            submitted_at=timezone.now(),
        )
    return w["b_version"]


def _b_import_job(w: dict[str, Any]) -> Any:
    from orgtree.apikeys import service_user_for
    from transfer.models import ImportJob

    if "b_import_job" not in w:
        w["b_import_job"] = ImportJob.objects.create(
            created_by=service_user_for(w["b_client"]),
            unit=w["b_dept"],
            files=[{"name": "ha-noi-Bí Mật.xlsx"}],
            report={"note": "Bí Mật"},
        )
    return w["b_import_job"]


def _b_sync_item(w: dict[str, Any]) -> Any:
    from syncing.models import SyncItem

    if "b_sync_item" not in w:
        w["b_sync_item"] = SyncItem.objects.create(
            version=_b_version(w),
            next_attempt_at=timezone.now(),
            idempotency_key="matrix-b-Bí Mật",
            last_error_message="Bí Mật",
        )
    return w["b_sync_item"]


def _b_mismatch(w: dict[str, Any]) -> Any:
    from datetime import date

    from syncing.models import Mismatch

    if "b_mismatch" not in w:
        w["b_mismatch"] = Mismatch.objects.create(
            external_id="api-matrix-b",
            profile=w["b_profile"],
            kind="spelling",
            field="full_name",
            our_value="Hoàng Thị Bí Mật",
            population_value="Hoàng Thị Bí Mật",
            since=date(2025, 9, 11),
            last_seen_at=timezone.now(),
        )
    return w["b_mismatch"]


def _detail_cases() -> dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]]:
    from profiles.api.serializers import API_CHILD_MODELS

    cases: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
        "unit-detail": lambda w: [{"pk": w["b_dept"].pk}, {"pk": w["b"].pk}],
        "unit-history": lambda w: [{"pk": w["b_dept"].pk}],
        "unit-successors": lambda w: [{"pk": w["b_dept"].pk}],
        "profile-detail": lambda w: [{"pk": w["b_profile"].pk}],
        "profile-findings": lambda w: [{"pk": w["b_profile"].pk}],
        "profile-submit": lambda w: [{"pk": w["b_profile"].pk}],
        "profile-signature": lambda w: [{"pk": w["b_profile"].pk}],
        "version-list": lambda w: [{"profile_pk": w["b_profile"].pk}],
        "import-detail": lambda w: [{"pk": _b_import_job(w).pk}],
        "profile-sync-list": lambda w: [{"profile_pk": w["b_profile"].pk}],
        "profile-sync-detail": lambda w: [
            {"profile_pk": w["b_profile"].pk, "pk": _b_sync_item(w).pk},
            {"profile_pk": w["a_profile"].pk, "pk": _b_sync_item(w).pk},
        ],
        "mismatch-detail": lambda w: [{"pk": _b_mismatch(w).pk}],
        "import-report": lambda w: [{"pk": _b_import_job(w).pk}],
        "import-confirm": lambda w: [{"pk": _b_import_job(w).pk}],
        "version-detail": lambda w: [
            {"profile_pk": _b_version(w).profile_id, "number": _b_version(w).number}
        ],
    }
    for name in API_CHILD_MODELS:
        slug = name.replace("_", "-")
        cases[f"profile-{slug}-list"] = lambda w: [{"profile_pk": w["b_profile"].pk}]
        cases[f"profile-{slug}-detail"] = lambda w: [
            {"profile_pk": w["b_profile"].pk, "pk": w["b_row"].pk},
            # B's row under A's profile: no cross-linking either
            {"profile_pk": w["a_profile"].pk, "pk": w["b_row"].pk},
        ]
    return cases


DETAIL_CASES = _detail_cases()


def test_every_api_endpoint_has_a_case():
    missing = api_url_names() - set(DETAIL_CASES) - COLLECTIONS - REFERENCE
    assert missing == set(), f"API endpoints without a case in the matrix: {sorted(missing)}"


def _unknown(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: UNKNOWN for k in kwargs}


def test_agency_a_key_gets_404_for_agency_b_objects(api, agencies):
    client = api("a", write=True, import_=True)
    _b_version(agencies)
    _b_import_job(agencies)
    _b_sync_item(agencies)
    _b_mismatch(agencies)
    before = _state(agencies)
    for name, case in DETAIL_CASES.items():
        for kwargs in case(agencies):
            url = reverse(f"api:{name}", kwargs=kwargs)
            unknown_url = reverse(f"api:{name}", kwargs=_unknown(kwargs))
            for method in METHODS:
                headers = {"If-Match": "*", "Idempotency-Key": f"{name}-{method}-{url}"}
                body = {"phone": "0900000000", "description": "HACKED", "full_name": "HACKED"}
                got = client.request(method, url, body, **headers)
                headers["Idempotency-Key"] += "-unknown"
                unknown = client.request(method, unknown_url, body, **headers)
                assert got.status_code == unknown.status_code, (name, method, url, got.content)
                assert got.status_code in (404, 405), (name, method, got.status_code)
                assert got["Content-Type"] == "application/problem+json", (name, method)
                for secret in ("Bí Mật", "001085009999", "H12"):
                    assert secret not in got.content.decode(), (name, method, secret)
    assert _state(agencies) == before


def test_collections_never_show_agency_b(api, agencies):
    client = api("a", import_=True)
    _b_import_job(agencies)
    _b_mismatch(agencies)
    for name in COLLECTIONS:
        url = reverse(f"api:{name}")
        for params in ({}, {"q": "Bí Mật"}, {"q": "ha noi"}, {"unit": agencies["b"].pk},
                       {"unit_code": "H12"}, {"personal_id": "001085009999"}):  # fmt: skip
            response = client.get(url, params)
            assert response.status_code == 200, (name, params, response.content)
            text = response.content.decode()
            for secret in ("Bí Mật", "001085009999", "H12", "Hà Nội"):
                assert secret not in text, (name, params, secret)


def _state(w: dict[str, Any]) -> tuple:
    from profiles.models import Profile, WorkHistory

    return (
        tuple(Profile.objects.filter(pk=w["b_profile"].pk).values().first().items()),
        tuple(WorkHistory.objects.filter(pk=w["b_row"].pk).values().first().items()),
        ProfileVersion.objects.filter(profile=w["b_profile"]).count(),
        tuple(
            type(w["b_import_job"]).objects.filter(pk=w["b_import_job"].pk).values().first().items()
        ),
    )
