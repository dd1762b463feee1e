"""The signature of a profile version: the signed canonical document and what it says."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cbccvc.crypto import EncryptedBinaryField
from signing.models import SigningCredential

from .workflow import ProfileVersion


class ProfileSignature(models.Model):
    """One signed :class:`ProfileVersion` (a version is signed once; it is then immutable).

    ``signed_document`` holds the exact bytes that were signed and that the sync sends
    (encrypted at rest, plain in Python); the
    other fields describe the signature for the admin, and the last verification's result.
    """

    version = models.OneToOneField(
        ProfileVersion,
        verbose_name=_("phiên bản hồ sơ"),
        on_delete=models.PROTECT,
        related_name="signature",
    )
    # encrypted at rest: the signed XML carries groups 9 (when configured) and 10
    signed_document = EncryptedBinaryField(_("tài liệu XML đã ký số"), editable=False)
    document_sha256 = models.CharField(_("mã băm SHA-256 của tài liệu đã ký"), max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    credential = models.ForeignKey(
        SigningCredential,
        verbose_name=_("khóa ký số"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profile_signatures",
    )
    signer_name = models.CharField(_("tên người ký (CN)"), max_length=255, blank=True)
    signer_subject = models.CharField(_("chủ thể chứng thư"), max_length=500)
    certificate_serial = models.CharField(_("số hiệu chứng thư (hex)"), max_length=80)
    issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=500)
    signing_time = models.DateTimeField(_("thời điểm ký"))
    algorithm = models.CharField(_("thuật toán"), max_length=60)
    includes_assets = models.BooleanField(_("có nhóm 9 (tài sản, thu nhập)"), default=False)
    # made when the signature was made here (see profiles.signatures.versions.signing_mark):
    # an HMAC under a key derived from the master key, which is never in the database
    signing_mark = models.CharField(
        _("dấu xác nhận của máy chủ khi ký"), max_length=80, blank=True, default="", editable=False
    )
    last_verified_at = models.DateTimeField(_("kiểm tra gần nhất lúc"), null=True, blank=True)
    last_verification_ok = models.BooleanField(_("kết quả kiểm tra gần nhất"), null=True)
    last_verification = models.JSONField(_("chi tiết kiểm tra gần nhất"), default=dict, blank=True)

    class Meta:
        verbose_name = _("chữ ký số hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "chữ ký số hồ sơ")
        ordering = ["-signing_time"]

    def __str__(self) -> str:
        return gettext("Chữ ký số của %(version)s – %(signer)s") % {
            "version": self.version,
            "signer": self.signer_name or self.signer_subject,
        }

    @property
    def last_verification_messages(self) -> list[str]:
        return [
            p.get("message", "")
            for p in self.last_verification.get("problems", [])
            if p.get("severity") != "info"
        ]
