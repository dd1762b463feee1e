"""Models of the signing engine: signing credentials, the trust store, signing batches."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .keys import (
    certificate_fingerprint,
    certificate_pem,
    common_name,
    load_certificates,
    serial_hex,
)
from .trust import describe_name

__all__ = ["RevocationList", "SigningBatch", "SigningCredential", "TrustedCertificate"]


class CertificateFields(models.Model):
    """What the admin shows of a certificate (parsed once, when the row is saved)."""

    certificate_pem = models.TextField(_("chứng thư số (PEM)"))
    subject = models.CharField(_("chủ thể"), max_length=500)
    common_name = models.CharField(_("tên (CN)"), max_length=255, blank=True)
    issuer = models.CharField(_("tổ chức cấp"), max_length=500)
    serial = models.CharField(_("số hiệu (hex)"), max_length=80)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))

    class Meta:
        abstract = True

    @property
    def certificate(self) -> x509.Certificate:
        return load_certificates(self.certificate_pem)[0]

    def fill_certificate_fields(self, cert: x509.Certificate) -> None:
        self.certificate_pem = certificate_pem(cert)
        self.subject = describe_name(cert.subject)[:500]
        self.common_name = common_name(cert.subject)[:255]
        self.issuer = describe_name(cert.issuer)[:500]
        self.serial = serial_hex(cert)
        self.fingerprint = certificate_fingerprint(cert)
        self.not_before = cert.not_valid_before_utc
        self.not_after = cert.not_valid_after_utc

    @property
    def is_current(self) -> bool:
        now = datetime.now(UTC)
        return self.not_before <= now <= self.not_after


class SigningCredential(CertificateFields):
    """An approver's signing key: a sealed PKCS#12 file, or a key on a PKCS#11 token.

    The PKCS#12 file is stored encrypted with the master key (see :mod:`.keys`), itself still
    protected by its PIN, which is never stored. A token credential stores only where the key
    is (module, token label, key id/label) and the certificate.
    """

    class Kind(models.TextChoices):
        PKCS12 = "p12", _("Tệp khóa PKCS#12 (.p12/.pfx)")
        PKCS11 = "pkcs11", _("Thiết bị ký PKCS#11 (USB token)")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name=_("người sở hữu"),
    )
    label = models.CharField(_("tên gọi"), max_length=200)
    kind = models.CharField(_("loại khóa"), max_length=10, choices=Kind.choices)
    key_algorithm = models.CharField(_("thuật toán khóa"), max_length=10)
    chain_pem = models.TextField(_("chứng thư trung gian (PEM)"), blank=True)
    sealed_pkcs12 = models.BinaryField(_("tệp PKCS#12 đã mã hóa"), null=True, editable=False)
    token_module = models.CharField(_("thư viện PKCS#11"), max_length=300, blank=True)
    token_label = models.CharField(_("nhãn thiết bị ký"), max_length=64, blank=True)
    token_key_id = models.CharField(_("mã khóa trên thiết bị (hex)"), max_length=128, blank=True)
    token_key_label = models.CharField(_("nhãn khóa trên thiết bị"), max_length=64, blank=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        # the table keeps the name it had when signing was part of ``profiles`` (#13)
        db_table = "profiles_signingcredential"
        verbose_name = _("khóa ký số")
        verbose_name_plural = pgettext_lazy("plural", "khóa ký số")
        ordering = ["owner", "-not_after"]

    def __str__(self) -> str:
        return f"{self.label} ({self.common_name}, số hiệu {self.serial})"

    @property
    def chain(self) -> list[x509.Certificate]:
        return load_certificates(self.chain_pem) if self.chain_pem else []


class TrustedCertificate(CertificateFields):
    """A CA certificate that signatures must chain to (a trust anchor)."""

    label = models.CharField(_("tên gọi"), max_length=200)
    is_self_signed = models.BooleanField(_("CA gốc (tự ký)"), default=False)
    active = models.BooleanField(_("đang tin cậy"), default=True)
    note = models.TextField(_("ghi chú"), blank=True)
    added_at = models.DateTimeField(_("thêm lúc"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thêm"),
    )

    class Meta:
        # the table keeps the name it had when signing was part of ``profiles`` (#13)
        db_table = "profiles_trustedcertificate"
        verbose_name = _("chứng thư CA tin cậy")
        verbose_name_plural = _("kho tin cậy: chứng thư CA")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class RevocationList(models.Model):
    """A certificate revocation list (CRL) loaded from a file."""

    label = models.CharField(_("tên gọi"), max_length=200, blank=True)
    issuer = models.CharField(_("CA phát hành"), max_length=500)
    crl_der = models.BinaryField(_("CRL (DER)"), editable=False)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    this_update = models.DateTimeField(_("ngày phát hành"))
    next_update = models.DateTimeField(_("cập nhật tiếp trước"), null=True, blank=True)
    revoked_count = models.PositiveIntegerField(_("số chứng thư bị thu hồi"), default=0)
    active = models.BooleanField(_("đang dùng"), default=True)
    added_at = models.DateTimeField(_("nạp lúc"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nạp"),
    )

    class Meta:
        # the table keeps the name it had when signing was part of ``profiles`` (#13)
        db_table = "profiles_revocationlist"
        verbose_name = _("danh sách thu hồi (CRL)")
        verbose_name_plural = _("kho tin cậy: danh sách thu hồi (CRL)")
        ordering = ["issuer", "-this_update"]

    def __str__(self) -> str:
        return self.label or f"CRL {self.issuer} ({self.this_update:%d/%m/%Y})"

    @property
    def crl(self) -> x509.CertificateRevocationList:
        return x509.load_der_x509_crl(bytes(self.crl_der))


class SigningBatch(models.Model):
    """A background job signing many documents with one credential and one PIN entry.

    The PIN is kept sealed with the master key (``sealed_pin``) only while the batch is
    pending or running, and wiped when it ends, whatever the outcome.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ chạy")
        RUNNING = "running", _("Đang ký")
        DONE = "done", _("Hoàn thành")
        DONE_WITH_ERRORS = "partial", _("Hoàn thành, có lỗi")
        FAILED = "failed", _("Thất bại")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_batches",
        verbose_name=_("người ký"),
    )
    credential = models.ForeignKey(
        SigningCredential,
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("khóa ký số"),
    )
    provider = models.CharField(_("nguồn tài liệu"), max_length=200)
    item_ids = models.JSONField(_("danh sách mục cần ký"), default=list)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("tổng số"), default=0)
    done = models.PositiveIntegerField(_("đã ký"), default=0)
    failed = models.PositiveIntegerField(_("lỗi"), default=0)
    results = models.JSONField(_("kết quả từng mục"), default=dict, blank=True)
    error = models.TextField(_("lỗi chung"), blank=True)
    sealed_pin = models.BinaryField(verbose_name=_("mã PIN (đã mã hóa)"), null=True, editable=False)
    task_id = models.CharField(_("mã tác vụ"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        # the table keeps the name it had when signing was part of ``profiles`` (#13)
        db_table = "profiles_signingbatch"
        verbose_name = _("lô ký số")
        verbose_name_plural = pgettext_lazy("plural", "lô ký số")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Lô ký số #{self.pk} ({self.get_status_display()})"

    @property
    def progress(self) -> float:
        """Share of items processed, 0.0–1.0."""
        return (self.done + self.failed) / self.total if self.total else 1.0

    @property
    def finished(self) -> bool:
        return self.status in {
            self.Status.DONE,
            self.Status.DONE_WITH_ERRORS,
            self.Status.FAILED,
        }

    def failures(self) -> dict[str, Any]:
        return {k: v for k, v in self.results.items() if not v.get("ok")}
