"""Administrative units (reference data) and the agency org tree.

Two different things live here:

* **Administrative units** (đơn vị hành chính): provinces, (old) districts and communes as
  published by the General Statistics Office, loaded from versioned data files
  (:class:`AdminUnitRelease`). Never edited by hand; a new release is loaded beside the old.
* **Units** (đơn vị, cơ quan): the agencies and their departments that employ people, one tree
  (django-mptt) with effective dates. Business time is kept in :class:`UnitPeriod`
  (what the unit was called and where it hung, from when to when); every tree operation is a
  :class:`UnitChangeEvent` with its legal basis; merges and splits leave
  :class:`UnitSuccession` links so "where did old unit X go" can be answered.

Other apps must go through :mod:`orgtree.tree` and :mod:`orgtree.access`, not MPTT fields.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from .text import clean, fold

# ---------------------------------------------------------------------------------------------
# Administrative units: versioned reference data
# ---------------------------------------------------------------------------------------------


class AdminUnitRelease(models.Model):
    """One loaded data file: a set of administrative units, or a conversion table."""

    class Kind(models.TextChoices):
        UNITS = "units", _("Danh mục đơn vị hành chính")
        CONVERSION = "conversion", _("Bảng chuyển đổi đơn vị hành chính cũ – mới")
        HISTORIC = "historic", _("Tên địa danh cũ")

    key = models.SlugField(_("mã phiên bản"), max_length=80, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("tên"), max_length=200)
    effective_from = models.DateField(_("hiệu lực từ"))
    effective_to = models.DateField(_("hiệu lực đến (không kể ngày này)"), null=True, blank=True)
    snapshot_date = models.DateField(_("ngày chốt dữ liệu"), null=True, blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    licence = models.CharField(_("giấy phép"), max_length=200, blank=True)
    file_name = models.CharField(_("tệp"), max_length=200)
    sha256 = models.CharField(verbose_name=_("mã băm SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("số dòng"), default=0)
    loaded_at = models.DateTimeField(_("nạp lúc"), auto_now=True)

    class Meta:
        verbose_name = _("phiên bản dữ liệu ĐVHC")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản dữ liệu ĐVHC")
        ordering = ["kind", "effective_from"]

    def __str__(self) -> str:
        return f"{self.title} ({self.key})"

    def is_in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


class PlaceLookup(AdminUnitRelease):
    """No data of its own: gives the place-name resolver its page in the admin index."""

    class Meta:
        proxy = True
        verbose_name = _("tra cứu địa danh")
        verbose_name_plural = pgettext_lazy("plural", "tra cứu địa danh")
        default_permissions = ()


class AdminUnit(models.Model):
    """A province, a district (pre-2025 sets only) or a commune in one release."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh, thành phố")
        DISTRICT = "district", _("Quận, huyện")
        COMMUNE = "commune", _("Xã, phường, đặc khu")

    release = models.ForeignKey(
        AdminUnitRelease,
        verbose_name=_("bản danh mục"),
        on_delete=models.CASCADE,
        related_name="units",
    )
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=120)  # "Hà Nội", "Ba Đình"
    full_name = models.CharField(_("tên đầy đủ"), max_length=160)  # "Thành phố Hà Nội"
    unit_type = models.CharField(_("loại hình"), max_length=40, blank=True)  # "Tỉnh", "Phường"
    province_code = models.CharField(_("mã tỉnh"), max_length=10)
    district_code = models.CharField(_("mã huyện"), max_length=10, blank=True)
    folded_name = models.CharField(
        verbose_name=_("tên không dấu"), max_length=120, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị hành chính")
        ordering = ["release", "level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "level", "code"], name="adminunit_unique_code_in_release"
            )
        ]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        self.folded_name = fold(self.name)
        super().save(*args, **kwargs)


class AdminUnitConversion(models.Model):
    """One row of the official old commune → new commune table (effective 1/7/2025)."""

    class Kind(models.TextChoices):
        MERGED_WHOLE = "merged_whole", _("Nhập toàn bộ")
        MERGED_PART = "merged_part", _("Nhập một phần")
        UNCHANGED = "unchanged", _("Giữ nguyên")
        RENAMED = "renamed", _("Đổi tên")
        TYPE_CHANGED = "type_changed", _("Đổi loại hình")
        REORGANISED = "reorganised", _("Sắp xếp thành đặc khu")
        REMAINDER = "remainder", _("Phần còn lại sau khi tách")
        UNSPECIFIED = "unspecified", _("Không ghi chú")

    release = models.ForeignKey(
        AdminUnitRelease,
        verbose_name=_("bản danh mục"),
        on_delete=models.CASCADE,
        related_name="conversions",
    )
    row_number = models.PositiveIntegerField(_("dòng trong tệp"))
    new_province_code = models.CharField(verbose_name=_("mã tỉnh mới"), max_length=10)
    new_province_name = models.CharField(verbose_name=_("tên tỉnh mới"), max_length=120)
    new_commune_code = models.CharField(verbose_name=_("mã xã mới"), max_length=10)
    new_commune_name = models.CharField(verbose_name=_("tên xã mới"), max_length=120)
    old_province_code = models.CharField(verbose_name=_("mã tỉnh cũ"), max_length=10)
    old_province_name = models.CharField(verbose_name=_("tên tỉnh cũ"), max_length=120)
    old_district_code = models.CharField(verbose_name=_("mã huyện cũ"), max_length=10, blank=True)
    old_district_name = models.CharField(verbose_name=_("tên huyện cũ"), max_length=120, blank=True)
    old_commune_code = models.CharField(verbose_name=_("mã xã cũ"), max_length=10, db_index=True)
    old_commune_name = models.CharField(verbose_name=_("tên xã cũ"), max_length=120)
    kind = models.CharField(_("loại chuyển đổi"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("ghi chú gốc"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("dòng chuyển đổi ĐVHC")
        verbose_name_plural = _("bảng chuyển đổi ĐVHC")
        ordering = ["release", "row_number"]

    def __str__(self) -> str:
        return f"{self.old_commune_name} ({self.old_commune_code}) → {self.new_commune_name}"


class HistoricPlaceName(models.Model):
    """A place name no longer in the tables (Hà Tây, Thừa Thiên Huế …) and where it went.

    ``successor_province_code`` is a province code of the release named by ``successor_release``
    (usually the pre-2025 set); the resolver follows the conversion table from there.
    """

    class Kind(models.TextChoices):
        HISTORIC = "historic", _("Tên cũ")
        VARIANT = "variant", _("Cách viết khác, viết tắt")

    release = models.ForeignKey(
        AdminUnitRelease,
        verbose_name=_("bản danh mục"),
        on_delete=models.CASCADE,
        related_name="historic_names",
    )
    name = models.CharField(_("tên cũ"), max_length=120)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.HISTORIC)
    folded_name = models.CharField(
        verbose_name=_("tên không dấu"), max_length=120, db_index=True, editable=False
    )
    level = models.CharField(
        verbose_name=_("cấp hành chính"), max_length=10, choices=AdminUnit.Level.choices
    )
    successor_release_key = models.CharField(verbose_name=_("bản danh mục kế thừa"), max_length=80)
    successor_province_code = models.CharField(verbose_name=_("mã tỉnh kế thừa"), max_length=10)
    successor_district_code = models.CharField(
        verbose_name=_("mã huyện kế thừa"), max_length=10, blank=True
    )
    valid_until = models.DateField(_("không còn dùng từ"), null=True, blank=True)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tên địa danh cũ")
        verbose_name_plural = pgettext_lazy("plural", "tên địa danh cũ")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.folded_name = fold(self.name)
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# The agency org tree
# ---------------------------------------------------------------------------------------------

# QĐ 20/2020/QĐ-TTg agency identifier codes: "000.00.00.G09" (levels read right to left) or
# the left-to-right form seen after 2025: "H01", "H01.151", "H01.151.01".
IDENTIFIER_CODE_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{2,3}){0,5})$")


def validate_identifier_code(value: str) -> None:
    if not IDENTIFIER_CODE_RE.match(value or ""):
        raise ValidationError(
            "Mã định danh “%(value)s” không đúng định dạng QĐ 20/2020/QĐ-TTg "
            "(ví dụ 000.00.00.G09, 000.00.18.G12, H01.151, H01.151.01).",
            code="invalid_identifier_code",
            params={"value": value},
        )


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(status=Unit.Status.ACTIVE)

    def in_force_on(self, on: date) -> UnitQuerySet:
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))


class Unit(MPTTModel):
    """An agency or one of its parts (cơ quan, đơn vị)."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("Cấp quốc gia")
        MINISTRY = "ministry", _("Bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ")
        PROVINCE_PC = "province_pc", _("UBND tỉnh, thành phố trực thuộc trung ương")
        DEPARTMENT = "department", _("Sở, ban, ngành và tương đương")
        DISTRICT_PC = "district_pc", _("UBND huyện, quận, thị xã (trước 1/7/2025)")
        COMMUNE_PC = "commune_pc", _("UBND xã, phường, đặc khu")
        PUBLIC_SERVICE = "public_service", _("Đơn vị sự nghiệp công lập")
        DIVISION = "division", _("Phòng, ban, bộ phận")
        OTHER = "other", _("Khác")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        MERGED = "merged", _("Đã hợp nhất, sáp nhập")
        SPLIT = "split", _("Đã chia tách")
        DISSOLVED = "dissolved", _("Đã giải thể")

    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại đơn vị"), max_length=20, choices=Kind.choices)
    code = models.CharField(
        _("mã định danh"), max_length=40, validators=[validate_identifier_code], db_index=True
    )
    national_code = models.CharField(
        _("mã trên cây tổ chức quốc gia"),
        max_length=40,
        blank=True,
        help_text=_("Điền khi CSDL quốc gia dùng mã khác mã định danh của đơn vị."),
    )
    admin_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("đơn vị hành chính"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến (không kể ngày này)"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    legal_basis_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    legal_basis_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    search_text = models.CharField(
        verbose_name=_("nội dung tìm kiếm"), max_length=500, editable=False, db_index=True
    )

    history = HistoricalRecords(
        excluded_fields=["lft", "rght", "tree_id", "level", "search_text"],
        verbose_name=_("lịch sử đơn vị"),
    )
    objects = UnitQuerySet.as_manager()

    class MPTTMeta:
        order_insertion_by = ["name"]

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="active"),
                name="unit_code_unique_among_active",
                violation_error_message="Mã định danh đã được dùng cho một đơn vị đang hoạt động.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.code}]"

    def save(self, *args, **kwargs) -> None:
        self.name = clean(self.name)
        self.short_name = clean(self.short_name)
        self.code = (self.code or "").strip().upper()
        self.national_code = (self.national_code or "").strip().upper()
        self.search_text = " ".join(
            part for part in (fold(self.name), fold(self.short_name), self.code.lower()) if part
        )
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class UnitPeriod(models.Model):
    """What a unit was called and where it hung between two dates (business time).

    ``valid_to`` is exclusive. Exactly one open period (``valid_to`` null) exists per active
    unit; a closed unit's last period ends on its ``valid_to``.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="periods"
    )
    parent = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(verbose_name=_("tên"), max_length=255)
    short_name = models.CharField(verbose_name=_("tên viết tắt"), max_length=100, blank=True)
    code = models.CharField(verbose_name=_("mã"), max_length=40)
    kind = models.CharField(verbose_name=_("loại đơn vị"), max_length=20, choices=Unit.Kind.choices)
    valid_from = models.DateField(
        verbose_name=_("hiệu lực từ"),
    )
    valid_to = models.DateField(verbose_name=_("hiệu lực đến"), null=True, blank=True)
    event = models.ForeignKey(
        "UnitChangeEvent",
        verbose_name=_("sự kiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("giai đoạn của đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "giai đoạn của đơn vị")
        ordering = ["unit", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.name} {self.valid_from}–{self.valid_to or '…'}"


class UnitChangeEvent(models.Model):
    """One tree operation, atomic, with its effective date, legal basis and author."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Thành lập")
        UPDATE = "update", _("Cập nhật thông tin")
        RENAME = "rename", _("Đổi tên, đổi mã")
        MOVE = "move", _("Chuyển đơn vị cấp trên")
        MERGE = "merge", _("Hợp nhất, sáp nhập")
        SPLIT = "split", _("Chia, tách")
        DISSOLVE = "dissolve", _("Giải thể")
        IMPORT = "import", _("Nhập từ tệp")

    kind = models.CharField(_("loại thay đổi"), max_length=20, choices=Kind.choices)
    effective_date = models.DateField(_("ngày hiệu lực"))
    legal_basis_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    legal_basis_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)
    units = models.ManyToManyField(
        Unit, verbose_name=_("các đơn vị"), through="UnitEventLink", related_name="events"
    )
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("sự kiện thay đổi đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "sự kiện thay đổi đơn vị")
        ordering = ["-effective_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y}"


class UnitEventLink(models.Model):
    class Role(models.TextChoices):
        SUBJECT = "subject", _("Đơn vị được thay đổi")
        SOURCE = "source", _("Đơn vị nguồn")
        TARGET = "target", _("Đơn vị đích")
        REHOMED = "rehomed", _("Đơn vị trực thuộc chuyển theo")

    event = models.ForeignKey(
        UnitChangeEvent, verbose_name=_("sự kiện"), on_delete=models.CASCADE, related_name="links"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="event_links"
    )
    role = models.CharField(verbose_name=_("vai trò"), max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "unit", "role"], name="uniq_unit_event_link")
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.get_role_display()}: {self.unit_id}"


class UnitSuccession(models.Model):
    """``predecessor`` continued (wholly or partly) as ``successor`` from ``effective_date``."""

    predecessor = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị tiền thân"),
        on_delete=models.CASCADE,
        related_name="successions",
    )
    successor = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị kế thừa"),
        on_delete=models.CASCADE,
        related_name="predecessions",
    )
    event = models.ForeignKey(
        UnitChangeEvent, verbose_name=_("sự kiện"), on_delete=models.CASCADE, related_name="+"
    )
    effective_date = models.DateField(
        verbose_name=_("ngày hiệu lực"),
    )
    partial = models.BooleanField(_("kế thừa một phần"), default=False)

    class Meta:
        verbose_name = _("kế thừa đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "kế thừa đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "event"], name="uniq_unit_succession"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.effective_date})"


# ---------------------------------------------------------------------------------------------
# Access: (unit, role) assignments
# ---------------------------------------------------------------------------------------------


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", pgettext_lazy("role", "Quản trị cơ quan")
    HR_OFFICER = "hr_officer", _("Cán bộ tổ chức, nhân sự")
    APPROVER = "approver", _("Người phê duyệt, ký số")
    VIEWER = "viewer", _("Người xem")
    INTEGRATION = "integration", _("Hệ thống tích hợp")


class UnitAssignment(models.Model):
    """A user holds ``role`` over ``unit`` and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="unit_assignments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cấp quyền"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(verbose_name=_("cấp quyền lúc"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("lịch sử phân quyền"))

    class Meta:
        verbose_name = _("phân quyền theo đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "phân quyền theo đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_unit_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit.name}"


# ---------------------------------------------------------------------------------------------
# Integration clients and their API keys: an access grant bound to a unit subtree
# ---------------------------------------------------------------------------------------------


class IntegrationClient(models.Model):
    """Another system (payroll, e-office, the agency's portal) reading or writing via the API.

    Its keys see exactly the subtree of ``unit``. ``service_user`` is the account its writes
    are recorded under in the history (it cannot sign in: no usable password, not staff).
    """

    name = models.CharField(_("tên hệ thống tích hợp"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("cơ quan, đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("người quản trị khóa"), max_length=200, blank=True)
    contact_email = models.EmailField(_("thư điện tử liên hệ"), blank=True)
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=30, blank=True)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản ghi lịch sử"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="integration_client",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("lịch sử hệ thống tích hợp"))

    class Meta:
        verbose_name = _("hệ thống tích hợp")
        verbose_name_plural = _("hệ thống tích hợp (API)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = clean(self.name)
        self.contact_name = clean(self.contact_name)
        super().save(*args, **kwargs)


class ApiKey(models.Model):
    """One key of a client. Only the SHA-256 of the secret is stored; the secret is shown once.

    The secret has 256 bits of entropy, so a plain SHA-256 (no slow KDF) is enough and keeps
    authentication to one indexed lookup per request.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Đọc")
        WRITE = "write", _("Ghi (sửa hồ sơ)")
        IMPORT = "import", _("Nhập dữ liệu từ tệp")

    client = models.ForeignKey(
        IntegrationClient,
        verbose_name=_("hệ thống tích hợp"),
        on_delete=models.CASCADE,
        related_name="keys",
    )
    label = models.CharField(_("tên khóa"), max_length=100, blank=True)
    prefix = models.CharField(_("mã nhận diện khóa"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(verbose_name=_("mã băm bí mật"), max_length=64, editable=False)
    can_read = models.BooleanField(_("quyền đọc"), default=True)
    can_write = models.BooleanField(_("quyền ghi"), default=False)
    can_import = models.BooleanField(_("quyền nhập tệp"), default=False)
    rate_per_minute = models.PositiveIntegerField(
        _("giới hạn số yêu cầu mỗi phút"), default=600, help_text=_("Vượt quá thì trả lỗi 429.")
    )
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(
        _("dùng gần nhất lúc"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cấp"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    history = HistoricalRecords(
        verbose_name=_("lịch sử khóa API"), excluded_fields=["last_used_at", "secret_hash"]
    )

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = pgettext_lazy("plural", "khóa API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client.name} – {self.label or self.prefix} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        flags = (("read", self.can_read), ("write", self.can_write), ("import", self.can_import))
        return [name for name, on in flags if on]


class ApiRequestLog(models.Model):
    """One API call made with a key (one insert per request)."""

    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("khóa API"), on_delete=models.CASCADE, related_name="requests"
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    method = models.CharField(_("phương thức"), max_length=10)
    path = models.CharField(_("đường dẫn"), max_length=500)
    status = models.PositiveSmallIntegerField(_("mã trả về"))
    duration_ms = models.PositiveIntegerField(_("thời gian xử lý (ms)"))

    class Meta:
        verbose_name = _("nhật ký gọi API")
        verbose_name_plural = pgettext_lazy("plural", "nhật ký gọi API")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["api_key", "-at"], name="apilog_key_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class IdempotencyRecord(models.Model):
    """The answer to a POST sent with ``Idempotency-Key``, replayed for 24 hours."""

    #: "key:<id>" for an API key, "user:<id>" for a signed-in browser session
    caller = models.CharField(verbose_name=_("bên gọi"), max_length=40)
    key = models.CharField(verbose_name=_("khóa chống gửi trùng"), max_length=255)
    request_hash = models.CharField(verbose_name=_("mã băm yêu cầu"), max_length=64)
    status_code = models.PositiveSmallIntegerField(verbose_name=_("mã trạng thái HTTP"), null=True)
    response_body = models.BinaryField(verbose_name=_("nội dung phản hồi"), null=True)
    response_headers = models.JSONField(verbose_name=_("tiêu đề phản hồi"), default=dict)
    created_at = models.DateTimeField(verbose_name=_("tạo lúc"), auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_once_per_caller")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


# Operations that wait (scheduled operations, a split's profile review) live in their own module.
from .operations_models import ScheduledOperation, SplitAssignment  # noqa: E402, F401

# Accounts as agency admins manage them (proxy of auth.User, per-account security settings).
from .user_models import AccountSecurity, AgencyUser  # noqa: E402, F401
