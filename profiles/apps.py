from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Hồ sơ CBCCVC")

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        from . import receivers
        from .bulkio import InArray  # registers the ``__in_array`` lookup on import

        assert InArray.lookup_name == "in_array"

        receivers.connect()

        # the import reaper's django-q2 schedule exists wherever the app is migrated
        on_migrate(self, "profiles.importing.heartbeat.ensure_schedule")
