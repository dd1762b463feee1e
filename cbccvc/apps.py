from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CbccvcConfig(AppConfig):
    """Project-level pieces that span apps: the demo, the security audit log, uploads checks,
    field encryption, the replica router, health and metrics."""

    name = "cbccvc"
    verbose_name = _("Hệ thống")

    def ready(self) -> None:
        from . import audit

        audit.connect_permission_signals()
