"""Accounts as agency admins see them: a proxy of ``auth.User`` for the admin page, and the
per-account security settings (a required second factor).

Imported by :mod:`orgtree.models` (so they belong to the ``orgtree`` app); only
:mod:`orgtree.users` writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyUser(User):
    """An account seen through the agency admin's subtree (no data of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("Tài khoản người dùng")
        verbose_name_plural = _("Tài khoản người dùng")
        default_permissions = ()


class AccountSecurity(models.Model):
    """Security settings of one account: a second factor required for this person alone,
    whatever ``CBCCVC_OTP_REQUIRED`` says (see :func:`cbccvc.security.needs_second_factor`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_security",
    )
    otp_required = models.BooleanField(_("bắt buộc xác thực hai lớp"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("thay đổi lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thiết lập bảo mật tài khoản")
        verbose_name_plural = _("thiết lập bảo mật tài khoản")

    def __str__(self) -> str:
        return str(self.user)
