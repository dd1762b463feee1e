"""Queue counts for the dashboards, limited to a user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from orgtree.access import scope_for

from .models import Connection, SyncItem, SyncStatus
from .workdays import overdue_since


def items_for(user: Any) -> QuerySet[SyncItem]:
    return scope_for(user).filter(SyncItem.objects.all(), "version__profile__unit")


def queue_counts(items: QuerySet[SyncItem]) -> dict[str, int]:
    """Items per status, plus ``overdue``: changes not synced within 3 working days."""
    counts = {s.value: 0 for s in SyncStatus}
    for row in items.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["overdue"] = (
        items.exclude(status=SyncStatus.SYNCED).filter(changed_at__lt=overdue_since()).count()
    )
    counts["total"] = sum(counts[s.value] for s in SyncStatus)
    return counts


def sync_overview(user: Any) -> dict[str, Any]:
    """What the dashboard API answers: the queue counts and each connection's key status."""
    conns = scope_for(user).filter(Connection.objects.select_related("unit"), "unit")
    return {
        "queue": queue_counts(items_for(user)),
        "connections": [
            {
                "unit_code": c.unit.code,
                "unit_name": c.unit.name,
                "destination": c.destination,
                "software_name": c.software_name,
                "key_id": c.key_id,
                "status": c.status,
                "status_message": c.status_message,
                "admin_name": c.admin_name,
                "admin_phone": c.admin_phone,
                "admin_email": c.admin_email,
                "last_health_ok": c.last_health_ok,
                "last_sync_at": c.last_sync_at.isoformat() if c.last_sync_at else None,
                "circuit_open": bool(c.circuit_open_until),
            }
            for c in conns
        ],
    }
