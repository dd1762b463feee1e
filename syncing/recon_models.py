"""Org-tree sync, reconciliation ("đối khớp") and the progress dashboard: the stored state.

* :class:`NationalUnit` — the national unit tree of an agency as last pulled;
* :class:`UnitMatch` — a suggested (then confirmed, rejected or edited) mapping of a local unit
  to a national unit code;
* :class:`Mismatch` — one difference the national side found between a profile and the national
  population database, with what HR decided;
* :class:`MismatchDailyCount` and :class:`ProgressSnapshot` — one row per agency and day, for the
  charts over time (the ministry's daily progress report counts the same things).

The behaviour lives in :mod:`syncing.orgsync`, :mod:`syncing.reconciliation` and
:mod:`syncing.dashboard`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgtree.models import Unit


def _user_fk(label: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


# -- org-tree sync ---------------------------------------------------------------------------------


class NationalUnit(models.Model):
    """A unit of the national org tree of one agency, as the national side last returned it."""

    agency = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="national_units",
    )
    code = models.CharField(_("mã trên cây quốc gia"), max_length=40)
    name = models.CharField(_("tên đơn vị (cây quốc gia)"), max_length=255)
    parent_code = models.CharField(_("mã đơn vị cấp trên"), max_length=40, blank=True)
    folded_name = models.CharField(
        verbose_name=_("tên không dấu"), max_length=255, editable=False, db_index=True
    )
    present = models.BooleanField(
        _("còn trên cây quốc gia"),
        default=True,
        help_text=_("Bỏ chọn khi lần tải gần nhất không còn trả về đơn vị này."),
    )
    pulled_at = models.DateTimeField(_("tải về lúc"))

    class Meta:
        verbose_name = _("đơn vị trên cây tổ chức quốc gia")
        verbose_name_plural = _("cây tổ chức quốc gia (bản tải về)")
        ordering = ["agency", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="national_unit_uniq_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.code}]"


class UnitMatch(models.Model):
    """The mapping of one local unit to a national code: suggested, then decided by an admin."""

    class Method(models.TextChoices):
        CODE = "code", _("Trùng mã định danh")
        NAME = "name", _("Tên gần giống")
        MANUAL = "manual", _("Quản trị nhập tay")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Đề xuất, chờ xác nhận")
        CONFIRMED = "confirmed", _("Đã xác nhận")
        REJECTED = "rejected", _("Đã từ chối")
        UNMATCHED = "unmatched", _("Chưa tìm được mã")

    unit = models.OneToOneField(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="national_match"
    )
    national_unit = models.ForeignKey(
        NationalUnit,
        verbose_name=_("đơn vị trên cây quốc gia"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
    )
    national_code = models.CharField(_("mã trên cây quốc gia"), max_length=40, blank=True)
    method = models.CharField(_("cách ghép"), max_length=10, choices=Method.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("độ tương đồng (%)"), default=0)
    reason = models.CharField(_("căn cứ"), max_length=300, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.SUGGESTED
    )
    decided_by = _user_fk(_("người xác nhận"))
    decided_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("đã gửi lên CSDL quốc gia lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    history = HistoricalRecords(verbose_name="lịch sử ghép mã đơn vị")

    class Meta:
        verbose_name = _("ghép mã đơn vị với cây quốc gia")
        verbose_name_plural = pgettext_lazy("plural", "ghép mã đơn vị với cây quốc gia")
        ordering = ["status", "-score", "unit__name"]
        indexes = [models.Index(fields=["status"], name="unit_match_status")]

    def __str__(self) -> str:
        return f"{self.unit.name} → {self.national_code or '?'}"


# -- reconciliation ("đối khớp") ------------------------------------------------------------------


class Mismatch(models.Model):
    """One difference between a profile and the national population database (CSDLQG về dân cư),
    as the national side's daily reconciliation returned it."""

    class Kind(models.TextChoices):
        SPELLING = "spelling", _("Sai chính tả họ tên")
        DATE_OF_BIRTH = "dob", _("Sai ngày sinh")
        SEX = "sex", _("Sai giới tính")
        ID_NOT_FOUND = "id_not_found", _("Không tìm thấy số định danh")
        DECEASED = "deceased", _("Công dân đã chết")
        OTHER = "other", _("Sai lệch khác")

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ xử lý")
        ACCEPTED = "accepted", _("Đã chấp nhận, sửa hồ sơ")
        DISPUTED = "disputed", _("Đã khiếu nại")
        RESOLVED = "resolved", _("Đã xử lý xong")

    external_id = models.CharField(_("mã sai lệch (CSDL quốc gia)"), max_length=80, unique=True)
    profile = models.ForeignKey(
        "profiles.Profile",
        verbose_name=_("hồ sơ"),
        on_delete=models.CASCADE,
        related_name="mismatches",
    )
    kind = models.CharField(_("loại sai lệch"), max_length=20, choices=Kind.choices)
    field = models.CharField(_("trường"), max_length=40, blank=True)
    our_value = models.CharField(_("giá trị trong hồ sơ"), max_length=255, blank=True)
    population_value = models.CharField(_("giá trị CSDL dân cư"), max_length=255, blank=True)
    since = models.DateField(_("sai lệch từ ngày"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("ghi chú, lý do khiếu nại"), blank=True)
    decided_by = _user_fk(_("người xử lý"))
    decided_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("nhận lần đầu lúc"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("nhận gần nhất lúc"))

    history = HistoricalRecords(verbose_name=_("lịch sử xử lý sai lệch"))

    class Meta:
        verbose_name = _("sai lệch đối khớp")
        verbose_name_plural = _("đối khớp với CSDL dân cư")
        ordering = ["status", "-since", "id"]
        indexes = [models.Index(fields=["kind", "status"], name="mismatch_kind_status")]

    # fields a result may name that are not fields of the profile
    EXTRA_FIELD_LABELS = {"deceased_on": _("Ngày chết")}

    def __str__(self) -> str:
        # the person's name, not the profile's id ("Sai chính tả họ tên: Nguyễn Thị Hương")
        return f"{self.get_kind_display()}: {self.profile.full_name}"

    @property
    def field_label(self) -> str:
        """The field's name as the profile page shows it ("Họ và tên khai sinh"), never the
        key the national side sent ("full_name"); an unknown key is shown as received."""
        from profiles.models import Profile

        try:
            model_field = Profile._meta.get_field(self.field)
            text = str(getattr(model_field, "verbose_name", self.field))
        except FieldDoesNotExist:
            text = str(self.EXTRA_FIELD_LABELS.get(self.field, self.field))
        return text[:1].upper() + text[1:]


class MismatchDailyCount(models.Model):
    """How many mismatches of a kind an agency had open (and newly received) on a day."""

    agency = models.ForeignKey(
        Unit, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("ngày"))
    kind = models.CharField(_("loại sai lệch"), max_length=20, choices=Mismatch.Kind.choices)
    open_count = models.PositiveIntegerField(_("đang chờ xử lý"), default=0)
    total_count = models.PositiveIntegerField(_("tổng đã nhận"), default=0)

    class Meta:
        verbose_name = _("số sai lệch theo ngày")
        verbose_name_plural = pgettext_lazy("plural", "số sai lệch theo ngày")
        ordering = ["-day", "agency", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "day", "kind"], name="mismatch_daily_count_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.open_count}"


class PullState(models.Model):
    """Where the last pull of a feed (reconciliation results, national tree) stopped."""

    class Feed(models.TextChoices):
        RECONCILIATION = "reconciliation", _("Kết quả đối khớp")
        ORG_TREE = "org_tree", _("Cây tổ chức quốc gia")

    agency = models.ForeignKey(
        Unit, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="+"
    )
    feed = models.CharField(_("dữ liệu"), max_length=20, choices=Feed.choices)
    cursor = models.CharField(_("con trỏ"), max_length=200, blank=True)
    pulled_at = models.DateTimeField(_("tải lúc"), null=True, blank=True)
    received = models.PositiveIntegerField(_("số bản ghi nhận lần gần nhất"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("trạng thái tải dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "trạng thái tải dữ liệu")
        constraints = [models.UniqueConstraint(fields=["agency", "feed"], name="pull_state_uniq")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.feed}"


# -- progress dashboard ---------------------------------------------------------------------------


class ProgressSnapshot(models.Model):
    """The day's progress figures of one agency (what the ministry's daily report counts)."""

    agency = models.ForeignKey(
        Unit, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("ngày"))
    units_total = models.PositiveIntegerField(_("số đơn vị"), default=0)
    units_mapped = models.PositiveIntegerField(_("đơn vị đã ghép mã"), default=0)
    profiles_total = models.PositiveIntegerField(_("tổng số hồ sơ"), default=0)
    profiles_approved = models.PositiveIntegerField(_("đã phê duyệt"), default=0)
    profiles_signed = models.PositiveIntegerField(_("đã ký số"), default=0)
    profiles_synced = models.PositiveIntegerField(_("đã đồng bộ"), default=0)
    profiles_mismatched = models.PositiveIntegerField(_("có sai lệch đối khớp"), default=0)
    sync_errors = models.PositiveIntegerField(_("lỗi đồng bộ"), default=0)
    taken_at = models.DateTimeField(_("chốt lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tiến độ đồng bộ")
        verbose_name_plural = pgettext_lazy("plural", "tiến độ đồng bộ")
        ordering = ["-day", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="progress_snapshot_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}"
