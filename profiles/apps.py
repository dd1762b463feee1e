from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Hồ sơ CBCCVC")

    def ready(self) -> None:
        from . import receivers
        from .bulkio import register_lookups

        register_lookups()  # ``field__in_array=ids``

        receivers.connect()
