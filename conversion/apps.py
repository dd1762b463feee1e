from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversionConfig(AppConfig):
    name = "conversion"
    verbose_name = _("Chuyển đổi hồ sơ theo địa giới và tổ chức mới")
    default_auto_field = "django.db.models.BigAutoField"
