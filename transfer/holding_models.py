"""The holding area ("Dòng chờ xử lý"): the rows an import refused, kept in the database with
their original cells and every problem, until an officer fixes and re-imports them
(:mod:`transfer.holding`). Django discovers the model through ``profiles.models``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orgtree.models import Unit

from .models import ImportJob

__all__ = ["HeldRow"]


class HeldRow(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("import", "Chờ xử lý")
        RESOLVED = "resolved", _("Đã nhập")

    job = models.ForeignKey(
        ImportJob,
        verbose_name=_("lượt nhập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="held_rows",
        help_text=_("Lượt nhập gần nhất đã từ chối dòng này."),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị nhận"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.CharField(_("tệp"), max_length=255)
    sheet = models.CharField(_("trang"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("dòng"))
    table = models.CharField(_("bảng"), max_length=40, default="profile")
    personal_id = models.CharField(_("số định danh"), max_length=40, blank=True, db_index=True)
    full_name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    #: every cell of the row as written, in the file's column order: [[header, text], …]
    cells = models.JSONField(_("các ô gốc"), default=list)
    #: every problem of the row: [{"column", "value", "message"}, …]
    problems = models.JSONField(_("lý do"), default=list)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    edited_at = models.DateTimeField(_("sửa lúc"), null=True, blank=True)
    profile = models.ForeignKey(
        "profiles.Profile",
        verbose_name=_("hồ sơ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_job = models.ForeignKey(
        ImportJob,
        verbose_name=_("nhập bởi lượt"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_heldrow"
        verbose_name = _("dòng chờ xử lý")
        verbose_name_plural = pgettext_lazy("plural", "dòng chờ xử lý")
        ordering = ["status", "file", "sheet", "row", "id"]
        indexes = [models.Index(fields=["unit", "status", "file", "sheet", "row"])]

    def __str__(self) -> str:
        where = (
            gettext("%(file)s, %(sheet)s, dòng %(row)s")
            % {"file": self.file, "sheet": self.sheet, "row": self.row}
            if self.sheet
            else self.file
        )
        return f"{where} ({self.full_name or self.personal_id or '—'})"

    def reasons(self) -> str:
        """Every problem, one per line, as the "Lý do" column and the admin show them."""
        return "\n".join(p.get("message", "") for p in self.problems)
