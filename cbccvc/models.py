"""Project-wide models: the security audit log, the progress of background jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """One security-relevant event: a login, a failed login, a logout, an export, a change of
    someone's permissions, a read of a sensitive data group. Append-only: written through
    :func:`cbccvc.audit.record`, shown read-only to superusers."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("đăng nhập")
        LOGIN_FAILED = "login_failed", _("đăng nhập sai")
        LOCKOUT = "lockout", _("khóa đăng nhập")
        LOGOUT = "logout", _("đăng xuất")
        EXPORT = "export", _("xuất dữ liệu")
        PERMISSION_CHANGE = "permission_change", _("thay đổi phân quyền")
        SENSITIVE_READ = "sensitive_read", _("xem dữ liệu nhạy cảm")
        SECOND_FACTOR = "second_factor", _("xác thực hai lớp")
        LOG_PURGE = "log_purge", _("xóa nhật ký quá hạn")

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("loại sự kiện"), max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # kept even when the account is deleted, and for failed logins of unknown names
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=200, blank=True)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký an ninh")
        verbose_name_plural = pgettext_lazy("plural", "nhật ký an ninh")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M:%S} {self.get_kind_display()} {self.username}"


class JobProgress(models.Model):
    """The progress and last sign of life of a background job whose own row its run keeps
    locked (a conversion campaign's step, written in one transaction): written by the run's
    heartbeat thread on a connection of its own (:mod:`cbccvc.heartbeat`), read by the status
    page and the reaper on whichever host they run."""

    job = models.CharField(
        verbose_name=_("tác vụ"), max_length=80, unique=True
    )  # "conversion.campaign:12"
    done = models.PositiveIntegerField(verbose_name=_("đã xong"), default=0)
    total = models.PositiveIntegerField(verbose_name=_("tổng số"), default=0)
    beat_at = models.DateTimeField(
        verbose_name=_("báo còn chạy lúc"),
    )

    class Meta:
        verbose_name = _("tiến độ tác vụ nền")
        verbose_name_plural = _("tiến độ tác vụ nền")

    def __str__(self) -> str:
        return f"{self.job}: {self.done}/{self.total}"
