from django.apps import AppConfig


class CbccvcConfig(AppConfig):
    """Project-level pieces that span apps: the demo, the security audit log, uploads checks,
    field encryption, the replica router, health and metrics."""

    name = "cbccvc"
    verbose_name = "Hệ thống"

    def ready(self) -> None:
        from . import audit

        audit.connect_permission_signals()
