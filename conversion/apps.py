from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_schedules(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """The reform's background work is scheduled wherever the app is migrated: the reaper of
    campaign steps whose worker died (every minute) and the daily run that applies the tree
    operations whose effective date has come (:mod:`orgtree.scheduling`), so a future-dated
    merge applies by itself without anyone running the command."""
    if using != DEFAULT_DB_ALIAS:
        return
    from orgtree import scheduling

    from . import jobs

    jobs.ensure_schedule()
    scheduling.ensure_schedule()


class ConversionConfig(AppConfig):
    name = "conversion"
    verbose_name = _("Chuyển đổi hồ sơ theo địa giới và tổ chức mới")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_schedules, sender=self, dispatch_uid="conversion-schedules")
