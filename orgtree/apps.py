from django.apps import AppConfig


class OrgtreeConfig(AppConfig):
    name = "orgtree"
    verbose_name = "Cây tổ chức và đơn vị hành chính"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the admin access-scope check
