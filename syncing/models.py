"""Sync with the national database: connections (keys), the outgoing queue, the schedule.

* :class:`Connection` — one agency's connection key to one destination (the national CBCCVC
  database or the Party members database). The secret is sealed with the master key
  (:func:`cbccvc.crypto.seal`, a key that is *not* in the database); a rotation keeps
  the old secret until the new one is confirmed by a successful health check.
* :class:`SyncItem` — one signed profile version to deliver to one destination. The
  idempotency key is ``<personal ID>:<version hash>``: a resubmission of the same version is
  recognised by the national side, so the queue may retry freely.
* :class:`SyncWindow` — the agency's sync schedule (e.g. the official 1/9–10/9 window, then
  continuous), reported to the national side.
* :class:`ExtraHoliday` — public holidays and compensation days beyond the ``holidays``
  package, for the "not synced within 3 working days" flag.
* :class:`TestSyncRun` — an "M51" test sync of 1–10 profiles and the national answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgtree.models import Unit
from profiles.models import ProfileVersion


class Destination(models.TextChoices):
    NATIONAL = "national", _("CSDL quốc gia về CBCCVC")
    PARTY = "party", _("CSDL tổ chức đảng, đảng viên")


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", _("Đang hoạt động")
    PENDING = "pending", _("Chờ kích hoạt")
    SUSPENDED = "suspended", _("Tạm dừng")
    REVOKED = "revoked", _("Đã bị thu hồi")


class Connection(models.Model):
    """An agency's connection key ("khóa kết nối") to one destination."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="sync_connections",
    )
    destination = models.CharField(
        _("nơi nhận"), max_length=10, choices=Destination.choices, default=Destination.NATIONAL
    )
    software_name = models.CharField(_("phần mềm quản lý hồ sơ"), max_length=200)
    base_url = models.URLField(_("địa chỉ API"), max_length=300)
    key_id = models.CharField(_("mã khóa kết nối"), max_length=100)
    secret_sealed = models.BinaryField(_("bí mật (đã mã hóa)"), null=True, editable=False)
    # rotation: the new key waits here until a health check with it succeeds
    pending_key_id = models.CharField(_("mã khóa mới (chờ xác nhận)"), max_length=100, blank=True)
    pending_secret_sealed = models.BinaryField(
        _("bí mật mới (đã mã hóa)"), null=True, editable=False
    )
    rotated_at = models.DateTimeField(_("đổi khóa lúc"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.ACTIVE,
    )
    status_message = models.CharField(_("thông báo trạng thái"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("đổi trạng thái lúc"), null=True, blank=True)
    is_official = models.BooleanField(
        _("kết nối chính thức"),
        default=True,
        help_text=_("Hàng đợi chỉ gửi qua kết nối chính thức; mỗi cơ quan và nơi nhận có một."),
    )
    admin_name = models.CharField(_("người quản trị khóa"), max_length=120, blank=True)
    admin_phone = models.CharField(_("điện thoại người quản trị khóa"), max_length=30, blank=True)
    admin_email = models.EmailField(_("thư điện tử người quản trị khóa"), blank=True)
    last_health_at = models.DateTimeField(_("kiểm tra kết nối lúc"), null=True, blank=True)
    last_health_ok = models.BooleanField(_("kết nối tốt"), null=True, blank=True)
    last_health_message = models.CharField(
        _("kết quả kiểm tra kết nối"), max_length=500, blank=True
    )
    # circuit breaker
    consecutive_failures = models.PositiveIntegerField(_("số lần lỗi liên tiếp"), default=0)
    circuit_open_until = models.DateTimeField(_("tạm ngắt đến"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("đồng bộ gần nhất"), null=True, blank=True)
    schedule_reported_at = models.DateTimeField(_("báo lịch đồng bộ lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    history = HistoricalRecords(
        excluded_fields=[
            "secret_sealed",
            "pending_secret_sealed",
            "consecutive_failures",
            "circuit_open_until",
            "last_sync_at",
            "last_health_at",
            "last_health_ok",
            "last_health_message",
        ]
    )

    class Meta:
        verbose_name = _("kết nối (khóa kết nối)")
        verbose_name_plural = pgettext_lazy("plural", "kết nối (khóa kết nối)")
        ordering = ["unit__code", "destination", "-is_official"]
        constraints = [
            # several keys per agency and destination (the old systems' ones too), one official
            models.UniqueConstraint(
                fields=["unit", "destination"],
                condition=models.Q(is_official=True),
                name="connection_official_unit_dest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.get_destination_display()} ({self.key_id})"

    # -- the secret -----------------------------------------------------------------------
    def set_secret(self, secret: str) -> None:
        from cbccvc.crypto import seal

        self.secret_sealed = seal(secret.encode("utf-8"))

    def secret(self) -> str:
        from cbccvc.crypto import unseal

        if not self.secret_sealed:
            return ""
        return unseal(bytes(self.secret_sealed)).decode("utf-8")

    def pending_secret(self) -> str:
        from cbccvc.crypto import unseal

        if not self.pending_secret_sealed:
            return ""
        return unseal(bytes(self.pending_secret_sealed)).decode("utf-8")

    @property
    def is_revoked(self) -> bool:
        return self.status == ConnectionStatus.REVOKED


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SYNCED = "synced", _("Đã đồng bộ")
    FAILED = "failed", _("Lỗi, sẽ gửi lại")
    DEAD = "dead", _("Hết lượt gửi lại (cần xử lý)")


class SyncItem(models.Model):
    """One signed profile version to deliver to one destination."""

    version = models.ForeignKey(
        ProfileVersion,
        verbose_name=_("phiên bản hồ sơ"),
        on_delete=models.CASCADE,
        related_name="sync_items",
    )
    destination = models.CharField(
        _("nơi nhận"), max_length=10, choices=Destination.choices, default=Destination.NATIONAL
    )
    connection = models.ForeignKey(
        Connection,
        verbose_name=_("kết nối"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), db_index=True)
    lease_until = models.DateTimeField(_("giữ để gửi đến"), null=True, blank=True)
    claim_token = models.CharField(
        verbose_name=_("mã giữ để gửi"), max_length=32, blank=True, editable=False, db_index=True
    )
    idempotency_key = models.CharField(_("khóa chống gửi trùng"), max_length=120)
    last_error_code = models.CharField(_("mã lỗi gần nhất"), max_length=60, blank=True)
    last_error_message = models.CharField(_("lỗi gần nhất"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("đưa vào hàng đợi lúc"), auto_now_add=True)
    changed_at = models.DateTimeField(_("thay đổi lúc"), null=True, blank=True)
    synced_at = models.DateTimeField(_("đồng bộ lúc"), null=True, blank=True)
    national_reference = models.CharField(
        _("mã tiếp nhận của nơi nhận"), max_length=255, blank=True
    )

    class Meta:
        verbose_name = _("mục đồng bộ")
        verbose_name_plural = _("hàng đợi đồng bộ")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "idempotency_key"], name="syncitem_dest_idem"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="syncitem_due"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.get_destination_display()}"


class SyncWindow(models.Model):
    """A period in which the agency syncs (an open end means "continuous from then on")."""

    connection = models.ForeignKey(
        Connection, verbose_name=_("kết nối"), on_delete=models.CASCADE, related_name="windows"
    )

    class Mode(models.TextChoices):
        OFFICIAL = "official", _("Đợt đồng bộ chính thức")
        CONTINUOUS = "continuous", _("Đồng bộ liên tục")
        TEST = "test", _("Đồng bộ thử")

    label = models.CharField(_("tên đợt"), max_length=200)
    mode = models.CharField(
        _("loại đợt"), max_length=10, choices=Mode.choices, default=Mode.OFFICIAL
    )
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(
        _("đến ngày"), null=True, blank=True, help_text=_("Để trống: liên tục.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lịch đồng bộ")
        verbose_name_plural = pgettext_lazy("plural", "lịch đồng bộ")
        ordering = ["connection", "starts_on"]

    def __str__(self) -> str:
        end = self.ends_on.strftime("%d/%m/%Y") if self.ends_on else gettext("liên tục")
        return f"{self.label}: {self.starts_on:%d/%m/%Y} – {end}"


class ExtraHoliday(models.Model):
    """A day the ``holidays`` package does not know: an extra day off (nghỉ bù, a holiday
    decided for one year) or a compensation working day (làm bù, e.g. a Saturday)."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Ngày nghỉ (nghỉ lễ, nghỉ bù)")
        WORKING_DAY = "work", _("Ngày làm việc bù")

    day = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=4, choices=Kind.choices, default=Kind.DAY_OFF)
    name = models.CharField(_("tên"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ngày nghỉ/làm bù bổ sung")
        verbose_name_plural = pgettext_lazy("plural", "ngày nghỉ/làm bù bổ sung")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


class TestSyncRun(models.Model):
    """An "M51" test sync of 1–10 profiles: what was sent and the national answer."""

    connection = models.ForeignKey(
        Connection, verbose_name=_("kết nối"), on_delete=models.CASCADE, related_name="test_runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    ok = models.BooleanField(_("thành công"), default=False)
    error = models.CharField(_("lỗi"), max_length=1000, blank=True)
    results = models.JSONField(_("kết quả từng hồ sơ"), default=list)

    class Meta:
        verbose_name = _("gửi thử (M51)")
        verbose_name_plural = pgettext_lazy("plural", "gửi thử (M51)")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("Gửi thử M51 %(when)s") % {"when": f"{self.created_at:%d/%m/%Y %H:%M}"}


# Org-tree sync, reconciliation ("đối khớp") and the progress dashboard (syncing/recon_models.py);
# the inventory of HR systems and their keys (letter 5034, syncing/inventory.py).
from .inventory import HrSystem, KeyState, SystemKey, SystemStatus  # noqa: E402
from .recon_models import (  # noqa: E402
    Mismatch,
    MismatchDailyCount,
    NationalUnit,
    ProgressSnapshot,
    PullState,
    UnitMatch,
)
from .reports import MinistryReport, ReportKind, ReportSubmission  # noqa: E402

__all__ = [
    "Connection",
    "ConnectionStatus",
    "Destination",
    "ExtraHoliday",
    "HrSystem",
    "KeyState",
    "MinistryReport",
    "Mismatch",
    "MismatchDailyCount",
    "NationalUnit",
    "ProgressSnapshot",
    "PullState",
    "ReportKind",
    "ReportSubmission",
    "SyncItem",
    "SyncStatus",
    "SyncWindow",
    "SystemKey",
    "SystemStatus",
    "TestSyncRun",
    "UnitMatch",
]
