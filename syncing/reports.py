"""The agency's reports to the Ministry of Home Affairs (letter 5034/BNV-CCVC and its follow-up).

* the **software review report** ("Báo cáo rà soát, lựa chọn phần mềm và khóa kết nối"): the
  old systems of the merged units and their keys with each administrator's contact, the system
  chosen and why (from :mod:`.inventory`);
* the **status report** ("Báo cáo tình hình xây dựng, triển khai cơ sở dữ liệu", due 19/9):
  figures of the agency's subtree at a date and a narrative the officer writes.

:class:`MinistryReport` holds what the officer enters and, once produced, the frozen PDF (what
is submitted is exactly what was previewed). :class:`ReportSubmission` records every sending
through the national contract: who, when, which document (its SHA-256) and the ministry's
receipt. Producing and submitting live in :mod:`.report_documents`, signing the frozen PDF in
:mod:`.report_signing`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgtree.models import Unit


class ReportKind(models.TextChoices):
    SOFTWARE = "software", _("Báo cáo rà soát, lựa chọn phần mềm và khóa kết nối")
    STATUS = "status", _("Báo cáo tình hình xây dựng, triển khai cơ sở dữ liệu")


class MinistryReport(models.Model):
    agency = models.ForeignKey(
        Unit, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="ministry_reports"
    )
    kind = models.CharField(_("loại báo cáo"), max_length=10, choices=ReportKind.choices)
    number = models.CharField(_("số, ký hiệu"), max_length=60, help_text=_("Ví dụ: 125/BC-UBND"))
    place = models.CharField(
        _("địa danh"), max_length=120, blank=True, help_text=_("Ví dụ: Phú Thọ")
    )
    report_date = models.DateField(_("ngày báo cáo"))
    figures_date = models.DateField(
        _("số liệu tính đến ngày"),
        null=True,
        blank=True,
        help_text=_("Báo cáo tình hình: ngày chốt số liệu (để trống: ngày báo cáo)."),
    )
    recipient = models.CharField(_("kính gửi"), max_length=200, default="Bộ Nội vụ")
    narrative = models.TextField(
        _("nội dung đánh giá, kiến nghị"),
        blank=True,
        help_text=_("Phần cán bộ tự viết: kết quả, khó khăn, vướng mắc, kiến nghị."),
    )
    signer_name = models.CharField(_("người ký"), max_length=120)
    signer_position = models.TextField(
        _("chức vụ người ký"),
        max_length=200,
        help_text=_("Mỗi dòng một dòng của khối chữ ký, ví dụ: “KT. Chủ tịch” rồi “Phó Chủ tịch”."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lập lúc"), auto_now_add=True)
    # the produced document, frozen: what is previewed is what is submitted
    document = models.BinaryField(_("tệp PDF"), null=True, editable=False)
    document_sha256 = models.CharField(_("mã băm SHA-256 tệp PDF"), max_length=64, blank=True)
    produced_at = models.DateTimeField(_("xuất tệp lúc"), null=True, blank=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xuất tệp"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # the agency's signature over the frozen PDF: a signed XML envelope holding its SHA-256
    # (see :mod:`.report_signing`); cleared when the PDF is produced again
    signature = models.BinaryField(_("chữ ký số (XML)"), null=True, editable=False)
    signed_at = models.DateTimeField(_("ký số lúc"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký số"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signature_certificate = models.CharField(
        _("chứng thư ký số"), max_length=500, blank=True, help_text=_("Tên (CN) và số hiệu.")
    )
    history = HistoricalRecords(excluded_fields=["document", "signature"])

    class Meta:
        verbose_name = _("báo cáo gửi Bộ Nội vụ")
        verbose_name_plural = pgettext_lazy("plural", "báo cáo gửi Bộ Nội vụ")
        ordering = ["-report_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="ministry_report_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.get_kind_display()}"


class ReportSubmission(models.Model):
    """One sending of a report's PDF to the national side, with the ministry's answer."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Đã tiếp nhận")
        ALREADY_RECEIVED = "already_received", _("Đã tiếp nhận trước đó")
        FAILED = "failed", _("Gửi không thành công")

    report = models.ForeignKey(
        MinistryReport,
        verbose_name=_("báo cáo"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("gửi lúc"))
    document_sha256 = models.CharField(_("mã băm tệp đã gửi"), max_length=64)
    status = models.CharField(_("kết quả"), max_length=20, choices=Status.choices)
    receipt_id = models.CharField(_("mã tiếp nhận của Bộ"), max_length=80, blank=True)
    received_at = models.DateTimeField(_("Bộ nhận lúc"), null=True, blank=True)
    message = models.CharField(_("thông báo"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lần gửi báo cáo")
        verbose_name_plural = _("các lần gửi báo cáo")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.report} – {self.get_status_display()}"
