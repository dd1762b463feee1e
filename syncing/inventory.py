"""The agency's inventory of HR systems and their connection keys (letter 5034/BNV-CCVC).

After a merger every former unit brought its own HR software and, often, its own connection key
to the national database. Letter 5034 asks the merged agency to list those systems, **choose
one** (and say why), report the keys with the contact of each key's administrator, and ask the
Ministry to revoke the keys of the systems no longer used.

* :class:`HrSystem` — one HR system of the agency (an old one of a merged unit, or the chosen
  one): vendor, product, version, how many profiles, which units used it, its status and dates,
  whether it is the chosen one and why. At most one chosen system per agency.
* :class:`SystemKey` — a connection key one system holds: key id, destination, state and the
  key administrator's contact. The key of the chosen system links to the :class:`Connection`
  the sync queue uses; the keys of old systems hold no secret (we never had them).

The behaviour (revocation requests, refreshing key states) lives in
:mod:`syncing.inventory_actions`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgtree.models import Unit


class SystemStatus(models.TextChoices):
    IN_USE = "in_use", _("Đang sử dụng")
    MIGRATING = "migrating", _("Đang chuyển đổi dữ liệu")
    RETIRED = "retired", _("Đã dừng sử dụng")


class HrSystem(models.Model):
    """An HR software system used by the agency or by one of the units that merged into it."""

    agency = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="hr_systems",
    )
    name = models.CharField(_("tên hệ thống"), max_length=200)
    vendor = models.CharField(_("đơn vị cung cấp"), max_length=200, blank=True)
    product = models.CharField(_("sản phẩm"), max_length=200, blank=True)
    version = models.CharField(_("phiên bản"), max_length=60, blank=True)
    profile_count = models.PositiveIntegerField(_("số hồ sơ quản lý"), default=0)
    units_served = models.ManyToManyField(
        Unit,
        verbose_name=_("đơn vị sử dụng"),
        blank=True,
        related_name="hr_systems_used",
        help_text=_("Các đơn vị (kể cả đơn vị cũ trước hợp nhất) đã dùng hệ thống này."),
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=SystemStatus.choices, default=SystemStatus.IN_USE
    )
    in_use_since = models.DateField(_("sử dụng từ ngày"), null=True, blank=True)
    retired_on = models.DateField(_("dừng sử dụng từ ngày"), null=True, blank=True)
    is_chosen = models.BooleanField(
        _("hệ thống được chọn"),
        default=False,
        help_text=_("Hệ thống duy nhất cơ quan dùng sau hợp nhất (Công văn 5034/BNV-CCVC)."),
    )
    choice_reason = models.TextField(_("lý do lựa chọn"), blank=True)
    chosen_on = models.DateField(_("ngày quyết định lựa chọn"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    history = HistoricalRecords(m2m_fields=[units_served])

    class Meta:
        verbose_name = _("hệ thống quản lý hồ sơ")
        verbose_name_plural = _("hệ thống quản lý hồ sơ (kiểm kê)")
        ordering = ["agency__code", "-is_chosen", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(is_chosen=True),
                name="hrsystem_one_chosen_per_agency",
            ),
            models.UniqueConstraint(fields=["agency", "name"], name="hrsystem_agency_name"),
        ]

    def __str__(self) -> str:
        label = " ".join(p for p in (self.product or self.name, self.version) if p)
        return f"{label} ({self.agency.code})" if self.agency_id else label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.is_chosen and not self.choice_reason.strip():
            errors["choice_reason"] = "Hệ thống được chọn phải có lý do lựa chọn."
        if self.is_chosen and self.status == SystemStatus.RETIRED:
            errors["status"] = "Hệ thống được chọn không thể ở trạng thái đã dừng sử dụng."
        if self.retired_on and self.in_use_since and self.retired_on < self.in_use_since:
            errors["retired_on"] = "Ngày dừng sử dụng trước ngày bắt đầu sử dụng."
        if errors:
            raise ValidationError(errors)


# the choices of syncing.models.Destination (not imported: models.py imports this module)
DESTINATIONS = [
    ("national", _("CSDL quốc gia về CBCCVC")),
    ("party", _("CSDL tổ chức đảng, đảng viên")),
]


class KeyState(models.TextChoices):
    ISSUED = "issued", _("Đã cấp, chưa kích hoạt")
    ACTIVE = "active", _("Đang hoạt động")
    REVOCATION_REQUESTED = "revoke_req", _("Đã đề nghị thu hồi")
    REVOKED = "revoked", _("Đã thu hồi")


class SystemKey(models.Model):
    """A connection key held by one HR system, with its administrator's contact."""

    system = models.ForeignKey(
        HrSystem, verbose_name=_("hệ thống"), on_delete=models.CASCADE, related_name="keys"
    )
    key_id = models.CharField(_("mã khóa kết nối"), max_length=100)
    destination = models.CharField(
        _("nơi nhận"),
        max_length=10,
        choices=DESTINATIONS,
        default="national",
    )
    state = models.CharField(
        _("trạng thái khóa"), max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE
    )
    admin_name = models.CharField(_("người quản trị khóa"), max_length=120, blank=True)
    admin_position = models.CharField(_("chức vụ"), max_length=120, blank=True)
    admin_phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    admin_email = models.EmailField(_("thư điện tử"), blank=True)
    connection = models.ForeignKey(
        "syncing.Connection",
        verbose_name=_("kết nối đang dùng"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inventory_keys",
        help_text=_("Chỉ với khóa mà phần mềm này dùng để đồng bộ."),
    )
    state_changed_at = models.DateTimeField(_("đổi trạng thái lúc"), null=True, blank=True)
    state_note = models.CharField(_("ghi chú trạng thái"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("khóa kết nối (kiểm kê)")
        verbose_name_plural = pgettext_lazy("plural", "khóa kết nối (kiểm kê)")
        ordering = ["system", "key_id"]
        constraints = [
            models.UniqueConstraint(fields=["destination", "key_id"], name="systemkey_dest_key")
        ]

    def __str__(self) -> str:
        return f"{self.key_id} – {self.get_state_display()}"
