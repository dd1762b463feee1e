from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Hồ sơ CBCCVC")

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        from . import receivers
        from .bulkio import register_lookups

        register_lookups()  # ``field__in_array=ids``

        receivers.connect()

        # the import reaper's django-q2 schedule exists wherever the app is migrated
        on_migrate(self, "profiles.importing.heartbeat.ensure_schedule")
