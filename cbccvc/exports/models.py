"""One export run in the background: who asked, what, its state, progress and file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportFile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang xuất")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")

    # the id in URLs: not guessable (the owner check comes first anyway)
    token = models.UUIDField(
        verbose_name=_("mã tải về"), default=uuid.uuid4, unique=True, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xuất"),
        on_delete=models.CASCADE,
        related_name="export_files",
    )
    # the dotted path of the writer (cbccvc.exports.jobs)
    kind = models.CharField(_("loại"), max_length=100)
    title = models.CharField(_("nội dung"), max_length=200)
    # what the writer needs to find the same rows again (a filter's query string, ids, ...)
    params = models.JSONField(verbose_name=_("tham số"), default=dict, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("số dòng dự kiến"), default=0)
    done = models.PositiveIntegerField(_("đã xuất"), default=0)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    file_name = models.CharField(_("tên tệp"), max_length=200)
    storage_name = models.CharField(verbose_name=_("tên tệp lưu trữ"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("dung lượng"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    task_id = models.CharField(verbose_name=_("mã tác vụ"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("lúc yêu cầu"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(verbose_name=_("cập nhật lúc"), auto_now=True)
    finished_at = models.DateTimeField(_("lúc xong"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn"), db_index=True)

    class Meta:
        verbose_name = _("tệp đã xuất")
        verbose_name_plural = _("Tệp đã xuất")
        ordering = ("-created_at", "-pk")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.title} ({self.file_name})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.done / self.total))
