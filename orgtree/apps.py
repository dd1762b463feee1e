from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgtreeConfig(AppConfig):
    name = "orgtree"
    verbose_name = _("Cây tổ chức và đơn vị hành chính")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the admin access-scope check
