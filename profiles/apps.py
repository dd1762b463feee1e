from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Hồ sơ CBCCVC"

    def ready(self) -> None:
        from . import receivers, signals  # noqa: F401
