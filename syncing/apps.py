from django.apps import AppConfig


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Đồng bộ CSDL quốc gia"

    def ready(self) -> None:
        from . import (
            admin_recon,  # noqa: F401 - org-tree sync, reconciliation, dashboard
            receivers,  # noqa: F401 - connects the receivers
        )
