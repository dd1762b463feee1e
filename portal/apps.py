from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Trang chủ theo vai trò")

    def ready(self) -> None:
        # the saved interface language is applied at login (user_logged_in)
        from . import language  # noqa: F401
