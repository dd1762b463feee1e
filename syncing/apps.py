from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = _("Đồng bộ CSDL quốc gia")

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        from . import (
            admin_inventory,  # noqa: F401 - systems inventory and keys (letter 5034)
            admin_recon,  # noqa: F401 - org-tree sync, reconciliation, dashboard
            admin_reports,  # noqa: F401 - reports to the ministry (letter 5034, 19/9)
            receivers,  # noqa: F401 - connects the receivers
        )

        # the django-q2 schedules of the sync queue exist wherever the app is migrated
        on_migrate(self, "syncing.tasks.ensure_schedule")
