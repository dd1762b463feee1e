"""Models of tree operations that wait: scheduled operations and a split's profile review.

Imported by :mod:`orgtree.models` (so they belong to the ``orgtree`` app); only
:mod:`orgtree.scheduling` and :mod:`orgtree.split_review` write them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ScheduledOperation(models.Model):
    """A tree operation entered before its effective date; applied on that date.

    ``parameters`` holds the service's arguments as JSON (units by id, dates as ISO text);
    :func:`orgtree.scheduling.apply_operation` calls the same service an immediate operation
    calls, so the event, periods, history and signals are the same.
    """

    class Kind(models.TextChoices):
        UPDATE = "update", _("Cập nhật thông tin, đổi tên, đổi mã")
        MOVE = "move", _("Chuyển đơn vị cấp trên")
        MERGE = "merge", _("Hợp nhất, sáp nhập")
        SPLIT = "split", _("Chia, tách")
        DISSOLVE = "dissolve", _("Giải thể")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Chờ đến ngày hiệu lực")
        APPLIED = "applied", _("Đã thực hiện")
        CANCELLED = "cancelled", _("Đã hủy")
        FAILED = "failed", _("Thực hiện không thành công")

    kind = models.CharField(_("thao tác"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="scheduled_operations",
        help_text=_("Đơn vị chính của thao tác (đơn vị bị sáp nhập, chia tách, giải thể…)."),
    )
    parameters = models.JSONField(_("tham số"), default=dict, blank=True)
    effective_date = models.DateField(_("ngày hiệu lực"), db_index=True)
    legal_basis_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    legal_basis_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=Status.choices,
        default=Status.SCHEDULED,
        db_index=True,
    )
    applied_at = models.DateTimeField(_("thực hiện lúc"), null=True, blank=True)
    event = models.ForeignKey(
        "orgtree.UnitChangeEvent",
        verbose_name=_("sự kiện đã ghi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("lỗi"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người hủy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    cancel_reason = models.TextField(_("lý do hủy"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thao tác cây đơn vị chờ hiệu lực")
        verbose_name_plural = _("thao tác cây đơn vị chờ hiệu lực")
        ordering = ["effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y} (#{self.pk})"


class SplitAssignment(models.Model):
    """A profile of a split unit, waiting to be assigned to one of its successors.

    The profile keeps its unit (the closed, split one) until it is assigned; the assignment
    moves it through the profiles app's re-homing path, dated on the split's effective date.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ phân về đơn vị mới")
        ASSIGNED = "assigned", _("Đã phân về đơn vị mới")

    event = models.ForeignKey(
        "orgtree.UnitChangeEvent",
        verbose_name=_("sự kiện chia, tách"),
        on_delete=models.PROTECT,
        related_name="split_assignments",
    )
    source = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("đơn vị bị chia, tách"),
        on_delete=models.PROTECT,
        related_name="split_assignments",
    )
    # By name, not import: profiles sits above orgtree (see the import-linter layers).
    profile = models.ForeignKey(
        "profiles.Profile",
        verbose_name=_("hồ sơ"),
        on_delete=models.CASCADE,
        related_name="split_assignments",
    )
    target = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("đơn vị tiếp nhận"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phân"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("phân lúc"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hồ sơ chờ phân sau chia, tách")
        verbose_name_plural = _("hồ sơ chờ phân sau chia, tách")
        ordering = ["source_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "profile"], name="uniq_split_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.profile} ← {self.source}"
