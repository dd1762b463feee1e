"""Per-person settings of the portal: the language a person chose for the interface."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserPreference(models.Model):
    """One account's choices; written only by :func:`portal.language.save_language`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="portal_preference",
    )
    language = models.CharField(
        _("ngôn ngữ giao diện"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    changed_at = models.DateTimeField(_("thay đổi lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tùy chọn của người dùng")
        verbose_name_plural = pgettext_lazy("plural", "tùy chọn của người dùng")

    def __str__(self) -> str:
        return str(self.user)
