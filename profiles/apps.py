from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def _ensure_schedules(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """The import reaper's django-q2 schedule exists wherever the app is migrated."""
    if using != DEFAULT_DB_ALIAS:
        return
    from .importing.heartbeat import ensure_schedule

    ensure_schedule()


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Hồ sơ CBCCVC"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()

        post_migrate.connect(_ensure_schedules, sender=self, dispatch_uid="profiles-schedules")
