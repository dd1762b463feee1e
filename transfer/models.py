"""Import mapping profiles and import jobs (Django discovers them through ``profiles.models``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgtree.models import Unit

__all__ = ["ImportChunk", "ImportJob", "ImportMapping", "ImportRowResult", "ImportedSourceData"]


class ImportMapping(models.Model):
    """How one source software writes its files: column and value overrides.

    ``column_overrides``: ``{sheet key: {header as written: field}}``, e.g.
    ``{"profile": {"Mã CB": "personal_id"}}``; they win over the built-in catalogue.
    ``value_mappings``: ``{kind: {original: code}}``, e.g. ``{"sex": {"1": "1", "0": "2"}}``.
    ``skipped_columns``: ``{sheet key: [header]}``: unknown columns not kept as source data
    (by default an unknown column of the people sheet is kept on the profile).
    """

    name = models.CharField(_("tên"), max_length=100)
    source_software = models.CharField(_("phần mềm nguồn"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan sử dụng"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Cơ quan (cây đơn vị) được dùng cấu hình này."),
    )
    column_overrides = models.JSONField(_("ánh xạ cột"), default=dict, blank=True)
    value_mappings = models.JSONField(_("ánh xạ giá trị"), default=dict, blank=True)
    skipped_columns = models.JSONField(
        _("cột bỏ qua"),
        default=dict,
        blank=True,
        help_text=_("{bảng: [tiêu đề cột]}: cột không nhận ra mà không giữ làm dữ liệu gốc."),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True, null=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    history = HistoricalRecords(
        verbose_name=_("lịch sử cấu hình nhập"), table_name="profiles_historicalimportmapping"
    )

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_importmapping"
        verbose_name = _("cấu hình nhập dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "cấu hình nhập dữ liệu")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="import_mapping_unit_name")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", _("Xem trước (không ghi)")
        COMMIT = "commit", _("Ghi vào cơ sở dữ liệu")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import", "Chờ xử lý")
        RUNNING = "running", _("Đang xử lý")
        PLANNED = "planned", _("Đã xem trước")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Thất bại")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị nhận"), on_delete=models.PROTECT, related_name="+"
    )
    mapping = models.ForeignKey(
        ImportMapping,
        verbose_name=_("cấu hình nhập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    files = models.JSONField(
        _("tệp"), default=list, help_text=_("[{name, path, sha256, size}] của các tệp đã tải lên.")
    )
    unit_mapping = models.JSONField(
        _("ánh xạ đơn vị cũ"),
        default=dict,
        blank=True,
        help_text=_("{tên hoặc mã đơn vị cũ: mã đơn vị hiện nay}"),
    )
    mode = models.CharField(_("chế độ"), max_length=10, choices=Mode.choices, default=Mode.DRY_RUN)
    all_or_nothing = models.BooleanField(_("tất cả hoặc không"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    done = models.PositiveIntegerField(_("đã xử lý"), default=0)
    total = models.PositiveIntegerField(_("tổng số dòng"), default=0)
    plan_hash = models.CharField(_("mã băm kế hoạch"), max_length=64, blank=True)
    report = models.JSONField(_("báo cáo"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    task_id = models.CharField(_("mã tác vụ nền"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("còn chạy lúc"),
        null=True,
        blank=True,
        help_text=_("Lần cuối tiến trình nhập báo còn chạy (vài giây một lần)."),
    )

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_importjob"
        verbose_name = _("lượt nhập dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "lượt nhập dữ liệu")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        names = ", ".join(f.get("name", "") for f in self.files) or "—"
        return gettext("Nhập %(files)s (%(status)s)") % {
            "files": names,
            "status": self.get_status_display(),
        }

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def status_json(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "status": self.status,
            "status_display": str(self.get_status_display()),
            "mode": self.mode,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error": self.error,
            "finished": self.status in (self.Status.DONE, self.Status.FAILED, self.Status.PLANNED),
            "totals": (self.report or {}).get("totals", {}),
        }


class ImportChunk(models.Model):
    """One committed chunk of an import job, written in the chunk's own transaction: after a
    crash these rows say exactly what was written (a rolled-back chunk leaves none)."""

    job = models.ForeignKey(
        ImportJob, verbose_name=_("lượt nhập"), on_delete=models.CASCADE, related_name="chunks"
    )
    table = models.CharField(_("bảng"), max_length=40)
    rows = models.PositiveIntegerField(_("số dòng đã ghi"))
    first_row = models.PositiveIntegerField(_("từ dòng"), default=0)
    last_row = models.PositiveIntegerField(_("đến dòng"), default=0)
    committed_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_importchunk"
        verbose_name = _("nhóm dòng đã ghi")
        verbose_name_plural = pgettext_lazy("plural", "nhóm dòng đã ghi")
        ordering = ["id"]

    def __str__(self) -> str:
        return gettext("%(table)s: %(rows)s dòng") % {"table": self.table, "rows": self.rows}


class ImportRowResult(models.Model):
    """What the plan of an import job does with one source row (a person or a child row): the
    preview reads one page of these, not the job's whole report (25 MB at 20,000 rows).

    Written in bulk when the job's plan is done (:mod:`transfer.results`);
    ``position`` is the preview's order (the refused rows first, then file, sheet, row);
    ``data`` holds the row's report entry besides the indexed columns: ``original``,
    ``stored``, ``changes``, ``errors``, ``warnings``, ``kept``, ``reason``.
    """

    job = models.ForeignKey(
        ImportJob, verbose_name=_("lượt nhập"), on_delete=models.CASCADE, related_name="row_results"
    )
    position = models.PositiveIntegerField(_("thứ tự"))
    file = models.CharField(_("tệp"), max_length=255)
    sheet = models.CharField(_("trang"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("dòng"))
    table = models.CharField(_("bảng"), max_length=40)
    personal_id = models.CharField(_("số định danh"), max_length=40, blank=True)
    #: the plan's action: create, update, merge, unchanged, review, error
    kind = models.CharField(_("kết quả"), max_length=10)
    warned = models.BooleanField(_("có cảnh báo"), default=False)
    data = models.JSONField(_("chi tiết"), default=dict)

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_importrowresult"
        verbose_name = _("kết quả từng dòng nhập")
        verbose_name_plural = pgettext_lazy("plural", "kết quả từng dòng nhập")
        ordering = ["job", "position"]
        indexes = [
            models.Index(fields=["job", "kind", "position"], name="import_row_job_kind"),
            models.Index(fields=["job", "position"], name="import_row_job_position"),
        ]

    def __str__(self) -> str:
        return gettext("%(file)s, %(sheet)s, dòng %(row)s: %(kind)s") % {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "kind": self.kind,
        }

    def as_report_row(self) -> dict[str, Any]:
        """The row as the report's ``rows`` list writes it."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "table": self.table,
            "personal_id": self.personal_id,
            "action": self.kind,
            **self.data,
        }


class ImportedSourceData(models.Model):
    """What an imported row carried that no field of the profile takes, kept as written:
    values of a code list nobody knows (a position of the old structure, an ethnicity
    spelling) and the columns the import does not know ("Số sổ BHXH" …).

    ``data``: ``{"unrecognised": {header: text}, "extra": {header: text}}``. One per profile:
    the latest import that carried such values.
    """

    profile = models.OneToOneField(
        "profiles.Profile",
        verbose_name=_("hồ sơ"),
        on_delete=models.CASCADE,
        related_name="import_source",
    )
    file = models.CharField(_("tệp"), max_length=255)
    sheet = models.CharField(_("trang"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("dòng"))
    data = models.JSONField(_("dữ liệu gốc"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        # the table keeps the name it had when the import was part of ``profiles`` (#13)
        db_table = "profiles_importedsourcedata"
        verbose_name = _("dữ liệu gốc từ tệp nhập")
        verbose_name_plural = pgettext_lazy("plural", "dữ liệu gốc từ tệp nhập")

    def __str__(self) -> str:
        return gettext("%(file)s, dòng %(row)s") % {"file": self.file, "row": self.row}


# the holding area's model, in its own module, is discovered through this one
from .holding_models import HeldRow  # noqa: E402, F401
