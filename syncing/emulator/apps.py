from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalEmulatorConfig(AppConfig):
    """The emulator of the national side (BNV). It keeps its own database (alias
    ``national``, see :mod:`syncing.emulator.routers`) and never reads our app's tables."""

    name = "syncing.emulator"
    label = "national"
    verbose_name = _("Mô phỏng CSDL quốc gia (BNV)")
    default_auto_field = "django.db.models.BigAutoField"
