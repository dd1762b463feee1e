from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversionConfig(AppConfig):
    name = "conversion"
    verbose_name = _("Chuyển đổi hồ sơ theo địa giới và tổ chức mới")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        # The reform's background work is scheduled wherever the app is migrated: the reaper
        # of campaign steps whose worker died (every minute) and the daily run that applies
        # the tree operations whose effective date has come (orgtree.scheduling), so a
        # future-dated merge applies by itself without anyone running the command.
        on_migrate(self, "conversion.jobs.ensure_schedule", "orgtree.scheduling.ensure_schedule")
