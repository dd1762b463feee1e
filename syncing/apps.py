from django.apps import AppConfig


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Đồng bộ CSDL quốc gia"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the receivers
