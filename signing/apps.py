from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SigningConfig(AppConfig):
    """Digital signing of XML documents ("ký số"): keys, trust store, batches.

    A layer under ``profiles`` and ``syncing``: it signs and verifies whatever XML it is given
    and knows nothing of profiles (``profiles.signatures`` signs profile versions with it).
    """

    name = "signing"
    verbose_name = pgettext_lazy("app", "Ký số")
    default_auto_field = "django.db.models.BigAutoField"
