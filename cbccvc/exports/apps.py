from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "cbccvc.exports"
    label = "exports"
    verbose_name = _("Tệp đã xuất")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cbccvc.schedules import on_migrate

        on_migrate(self, "cbccvc.exports.jobs.ensure_schedules")
