from django.apps import AppConfig


class CbccvcConfig(AppConfig):
    """Project-level pieces that span apps (the demo)."""

    name = "cbccvc"
    verbose_name = "cbccvc"
