"""The campaign report ("Tải báo cáo Excel") in the background (:mod:`cbccvc.exports`).

A province's campaign holds a row per profile and field (over a million at 300,000 profiles):
written inside a request, the report would outlive the request's time limit. Over the export
threshold the page queues this writer and the person follows it in "Tệp đã xuất". The worker
finds the campaign again inside the user's scope as it stands when the task runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.db.models import QuerySet

from cbccvc.exports.models import ExportFile
from orgtree.access import scope_for

from .models import Campaign

#: the writer's dotted path: the kind of these exports
KIND = "conversion.export_jobs.write_campaign_report"


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    """The campaigns the admin shows ``user``: those whose scope unit is in the user's tree."""
    return scope_for(user).filter(Campaign.objects.all(), "scope_unit")


def file_name(campaign: Campaign) -> str:
    return f"chuyen-doi-{campaign.pk}.xlsx"


def write_campaign_report(
    export: ExportFile, out: IO[bytes], progress: Callable[[int, int], None]
) -> int:
    """The writer of :data:`KIND`; refuses a campaign that is no longer the user's."""
    from .report import write_report

    campaign = visible_campaigns(export.user).filter(pk=export.params.get("campaign")).first()
    if campaign is None:
        raise PermissionError(f"campaign {export.params.get('campaign')!r} is outside the scope")
    return write_report(campaign, out, user=export.user, progress=progress)
