from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Import and export of profiles ("nhập, xuất hồ sơ"): legacy vendors' spreadsheets read,
    cleaned, planned and written through the profile actions; the holding area of rows that
    could not be placed; the Excel export and its background jobs.

    A layer over ``profiles``: it writes only through ``profiles.actions`` and the profile
    services, and ``profiles`` never imports it.
    """

    name = "transfer"
    verbose_name = _("Nhập, xuất hồ sơ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        # the import reaper's django-q2 schedule exists wherever the app is migrated
        on_migrate(self, "transfer.heartbeat.ensure_schedule")
