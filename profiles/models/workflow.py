"""Approval versions and validation findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cbccvc.crypto import SealedJSONField

from .children import SENSITIVE_TABLES
from .profile import Profile

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class VersionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Đã trình duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    REJECTED = "rejected", _("Bị trả lại")
    WITHDRAWN = "withdrawn", _("Đã rút (hồ sơ sửa sau khi trình)")
    SIGNED = "signed", _("Đã ký số")
    SYNCED = "synced", _("Đã đồng bộ")


def _user_fk(label: str | _StrPromise) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class ProfileVersion(models.Model):
    """A frozen snapshot of a whole profile, taken at submission, and what happened to it."""

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("số phiên bản"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=VersionStatus.choices)
    # groups 9 and 10 sealed at rest; in Python (hash, rendering, signing) always plain
    snapshot = SealedJSONField(_("bản chụp hồ sơ"), sealed_keys=SENSITIVE_TABLES)
    content_hash = models.CharField(_("mã băm SHA-256"), max_length=64)
    submitted_by = _user_fk(_("người trình"))
    submitted_at = models.DateTimeField(_("trình lúc"))
    decided_by = _user_fk(_("người phê duyệt/trả lại"))
    decided_at = models.DateTimeField(_("phê duyệt/trả lại lúc"), null=True, blank=True)
    rejection_reason = models.TextField(_("lý do trả lại"), blank=True)
    signed_by = _user_fk(_("người ký số"))
    signed_at = models.DateTimeField(_("ký số lúc"), null=True, blank=True)
    signature_reference = models.CharField(_("tham chiếu chữ ký"), max_length=255, blank=True)
    synced_at = models.DateTimeField(_("đồng bộ lúc"), null=True, blank=True)
    sync_reference = models.CharField(_("mã tiếp nhận CSDL quốc gia"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("phiên bản hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản hồ sơ")
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="profile_version_uniq")
        ]

    def __str__(self) -> str:
        # one language: the status label comes in the user's, so does the word "version"
        version = gettext("phiên bản %(number)s (%(status)s)") % {
            "number": self.number,
            "status": self.get_status_display(),
        }
        return f"{self.profile.full_name} – {version}"


class Finding(models.Model):
    """One result of a validation rule on one profile (recomputed, never edited)."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Lỗi")
        WARNING = "warning", _("Cảnh báo")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="findings"
    )
    severity = models.CharField(_("mức độ"), max_length=7, choices=Severity.choices)
    principle = models.CharField(_("nguyên tắc"), max_length=10)  # đúng / đủ / sạch / sống
    code = models.CharField(_("mã quy tắc"), max_length=40)
    field = models.CharField(_("trường"), max_length=80, blank=True)
    message = models.CharField(_("nội dung"), max_length=500)
    related_profile = models.ForeignKey(
        Profile,
        verbose_name=_("hồ sơ liên quan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    found_at = models.DateTimeField(_("phát hiện lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("kết quả kiểm tra")
        verbose_name_plural = _("kết quả kiểm tra dữ liệu")
        ordering = ["profile", "-severity", "code"]
        indexes = [models.Index(fields=["code", "severity"], name="finding_code")]

    def __str__(self) -> str:
        return f"[{self.get_severity_display()}] {self.message}"
