"""The national view of the emulator: the ministry's daily progress report ("báo cáo hằng ngày
tình hình thực hiện của bộ ngành địa phương") over every agency — who reported, who connected,
how many profiles were received — with a tile map of the 34 provinces.

Counted the way the ministry's urging letter of September 2025 counts: an agency *reported*
when it told the ministry its chosen software and key administrator (a key registered for it)
or its sync schedule, or sent a report (``POST /api/v1/reports``); it *connected* when its
active key has called the national API; it *synced* when at least one profile was received.
The agency list is the national skeleton (ministries and the 34 provincial People's Committees
after 1/7/2025) plus any other agency the emulator has heard from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgtree.skeleton import SKELETON_FILE
from orgtree.text import clean

from .models import (
    ConnectionKey,
    ReceivedProfile,
    ReceivedReport,
    ReconciliationResult,
    ScheduleReport,
)

# Tile-map positions (column, row) of the 34 provinces by GSO province code: north at the top,
# the Mekong delta at the bottom, roughly where each lies.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "12": (1, 1), "15": (2, 1), "08": (3, 1), "04": (4, 1),
    "11": (1, 2), "14": (2, 2), "19": (3, 2), "20": (4, 2),
    "25": (2, 3), "01": (3, 3), "24": (4, 3), "22": (5, 3),
    "37": (3, 4), "33": (4, 4), "31": (5, 4),
    "38": (2, 5), "40": (2, 6), "42": (3, 7), "44": (3, 8), "46": (4, 9), "48": (4, 10),
    "52": (3, 11), "51": (4, 11), "66": (3, 12), "56": (4, 12),
    "80": (1, 13), "75": (2, 13), "68": (3, 13),
    "91": (1, 14), "82": (2, 14), "79": (3, 14),
    "92": (1, 15), "86": (2, 15), "96": (1, 16),
}  # fmt: skip


class Stage:
    NONE = "none"
    REVOKED = "revoked"
    REPORTED = "reported"
    CONNECTED = "connected"
    SYNCED = "synced"


STAGE_LABELS = {
    Stage.NONE: gettext_lazy("Chưa báo cáo"),
    Stage.REVOKED: gettext_lazy("Khóa đã bị thu hồi"),
    Stage.REPORTED: gettext_lazy("Đã báo cáo, chưa kết nối"),
    Stage.CONNECTED: gettext_lazy("Đã kết nối, chưa đồng bộ"),
    Stage.SYNCED: gettext_lazy("Đã đồng bộ hồ sơ"),
}


@dataclass
class AgencyStatus:
    code: str
    name: str
    short_name: str
    kind: str
    admin_unit_code: str = ""
    software: str = ""
    key_status: str = ""
    key_admin: str = ""
    last_call: datetime | None = None
    schedule_reported: datetime | None = None
    profiles: int = 0
    versions: int = 0
    last_received: datetime | None = None
    mismatched: int = 0
    reports: list[ReceivedReport] = field(default_factory=list)
    stage: str = Stage.NONE

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])

    @property
    def reported(self) -> bool:
        return self.stage != Stage.NONE

    @property
    def connected(self) -> bool:
        return self.stage in (Stage.CONNECTED, Stage.SYNCED)


def tile_css() -> str:
    """One CSS rule per province tile placing it on the map grid."""
    return "\n".join(
        f".tile-{code} {{ grid-column: {col}; grid-row: {row}; }}"
        for code, (col, row) in TILE_POSITIONS.items()
    )


def skeleton_agencies() -> list[AgencyStatus]:
    with SKELETON_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            AgencyStatus(
                code=row["code"],
                name=clean(row["name"]),
                short_name=clean(row["short_name"]).removeprefix("UBND "),
                kind=row["kind"],
                admin_unit_code=row["admin_unit_code"],
            )
            for row in csv.DictReader(handle)
        ]


def national_report() -> list[AgencyStatus]:
    """Every agency with its stage and counts: a handful of grouped queries."""
    agencies = {a.code: a for a in skeleton_agencies()}
    keys: dict[str, list[ConnectionKey]] = {}
    for key in ConnectionKey.objects.order_by("agency_code", "-issued_at"):
        keys.setdefault(key.agency_code, []).append(key)
    received = {
        r["agency_code"]: r
        for r in ReceivedProfile.objects.values("agency_code")
        .annotate(
            profiles=Count("personal_id", distinct=True),
            versions=Count("pk"),
            last=Max("received_at"),
        )
        .order_by()
    }
    schedules = dict(ScheduleReport.objects.values_list("agency_code", "reported_at"))
    mismatched = dict(
        ReconciliationResult.objects.filter(resolved_on__isnull=True)
        .values("agency_code")
        .annotate(n=Count("personal_id", distinct=True))
        .order_by()
        .values_list("agency_code", "n")
    )
    reports: dict[str, list[ReceivedReport]] = {}
    for report in ReceivedReport.objects.defer("document", "signature").order_by("-received_at"):
        reports.setdefault(report.agency_code, []).append(report)
    for code in sorted(set(keys) | set(received) | set(schedules) | set(reports)):
        if code not in agencies:
            name = next((k.agency_name for k in keys.get(code, []) if k.agency_name), code)
            agencies[code] = AgencyStatus(code=code, name=name, short_name=name, kind="other")
    for code, agency in agencies.items():
        agency_keys = keys.get(code, [])
        active = [k for k in agency_keys if k.status == ConnectionKey.Status.ACTIVE]
        shown = active[0] if active else (agency_keys[0] if agency_keys else None)
        if shown is not None:
            agency.software = shown.software_name
            agency.key_status = shown.get_status_display()
            contact = ", ".join(p for p in (shown.admin_phone, shown.admin_email) if p)
            agency.key_admin = f"{shown.admin_name} ({contact})" if contact else shown.admin_name
        calls = [k.last_used_at for k in active if k.last_used_at]
        agency.last_call = max(calls) if calls else None
        agency.schedule_reported = schedules.get(code)
        got = received.get(code)
        if got:
            agency.profiles, agency.versions = got["profiles"], got["versions"]
            agency.last_received = got["last"]
        agency.mismatched = mismatched.get(code, 0)
        agency.reports = reports.get(code, [])
        if agency.profiles:
            agency.stage = Stage.SYNCED
        elif agency.last_call:
            agency.stage = Stage.CONNECTED
        elif active or agency.schedule_reported or agency.reports:
            agency.stage = Stage.REPORTED
        elif agency_keys:
            agency.stage = Stage.REVOKED
    return sorted(agencies.values(), key=lambda a: (a.kind != "ministry", a.code))


@dataclass
class KeyChange:
    """A key's latest change (issued, activated or revoked), as the ministry's officer sees it;
    its administrator was told by e-mail (:mod:`.notify`) when the key names one."""

    key: ConnectionKey
    at: datetime

    @property
    def reason(self) -> str:
        return self.key.revoked_reason if self.key.status == ConnectionKey.Status.REVOKED else ""


KEY_CHANGES_SHOWN = 50


def key_changes(limit: int = KEY_CHANGES_SHOWN) -> list[KeyChange]:
    """The keys changed most recently, newest first (one query over the key registry)."""
    keys = ConnectionKey.objects.defer("secret_encrypted")
    changes = [
        KeyChange(k, max(t for t in (k.issued_at, k.activated_at, k.revoked_at) if t)) for k in keys
    ]
    changes.sort(key=lambda c: (c.at, c.key.pk), reverse=True)
    return changes[:limit]


def overview(request: HttpRequest) -> HttpResponse:
    """The page (HTML, read-only, no secrets): totals, the tile map, the table."""
    rows = national_report()
    provinces = [a for a in rows if a.kind == "province_pc"]
    others = [a for a in rows if a.kind != "province_pc"]
    context: dict[str, Any] = {
        "now": timezone.localtime(),
        "rows": rows,
        "provinces": provinces,
        "others": others,
        "reported": sum(a.reported for a in rows),
        "connected": sum(a.connected for a in rows),
        "synced": sum(a.stage == Stage.SYNCED for a in rows),
        "profiles": sum(a.profiles for a in rows),
        "agencies": len(rows),
        "legend": [
            (stage, label, sum(a.stage == stage for a in rows))
            for stage, label in STAGE_LABELS.items()
        ],
        "tile_css": tile_css(),
        "key_changes": key_changes(),
        "received_reports": sorted(
            (r for a in rows for r in a.reports), key=lambda r: r.received_at, reverse=True
        ),
    }
    return TemplateResponse(request, "national/overview.html", context)


def report_pdf(request: HttpRequest, receipt_id: str) -> HttpResponse:
    """One received report's PDF, as the ministry's officer opens it."""
    report = ReceivedReport.objects.filter(receipt_id=receipt_id).first()
    if report is None:
        raise Http404(_("Không có báo cáo này."))
    response = HttpResponse(bytes(report.document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.receipt_id}.pdf"'
    return response
