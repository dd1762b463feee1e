from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def _ensure_schedules(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """The django-q2 schedules of the sync queue exist wherever the app is migrated."""
    if using != DEFAULT_DB_ALIAS:
        return
    from .tasks import ensure_schedule

    ensure_schedule()


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Đồng bộ CSDL quốc gia"

    def ready(self) -> None:
        from . import (
            admin_inventory,  # noqa: F401 - systems inventory and keys (letter 5034)
            admin_recon,  # noqa: F401 - org-tree sync, reconciliation, dashboard
            admin_reports,  # noqa: F401 - reports to the ministry (letter 5034, 19/9)
            receivers,  # noqa: F401 - connects the receivers
        )

        post_migrate.connect(_ensure_schedules, sender=self, dispatch_uid="syncing-schedules")
