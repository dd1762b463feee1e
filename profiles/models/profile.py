"""The electronic profile (hồ sơ điện tử) of Decree 27/2026/NĐ-CP: group 1 on :class:`Profile`,
the other groups in child tables with effective dates (``children.py``).

The current unit, position, title, grade and salary on :class:`Profile` are *derived*: written
only by :func:`profiles.services.refresh_current` from the work and salary histories.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgtree.models import Unit
from orgtree.text import clean, fold, title_case


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã trình duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    SIGNED = "signed", _("Đã ký số")
    SYNCED = "synced", _("Đã đồng bộ")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Đủ ngày tháng năm")
    MONTH = "month", _("Tháng và năm")
    YEAR = "year", _("Chỉ có năm")


class Profile(models.Model):
    # -- group 1: identity ------------------------------------------------------------------
    personal_id = models.CharField(
        _("số định danh cá nhân"),
        max_length=12,
        unique=True,
        help_text=_("12 chữ số (số CCCD); là mã của hồ sơ."),
    )
    old_id_number = models.CharField(_("số CMND cũ (9 số)"), max_length=9, blank=True)
    full_name = models.CharField(_("họ và tên khai sinh"), max_length=120)
    folded_name = models.CharField(
        verbose_name=_("tên không dấu"), max_length=120, editable=False, db_index=True
    )
    other_names = models.CharField(_("tên gọi khác"), max_length=200, blank=True)
    sex = models.CharField(
        _("giới tính"), max_length=10, help_text=_("Mã theo danh mục giới tính.")
    )
    date_of_birth = models.DateField(_("ngày sinh"))
    birth_date_precision = models.CharField(
        _("độ chính xác ngày sinh"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    birth_registration_province = models.CharField(
        _("tỉnh đăng ký khai sinh (mã cũ, 3 số)"),
        max_length=3,
        blank=True,
        help_text=_("Theo mã tỉnh trên CCCD (63 tỉnh trước 2025), ví dụ 001 Hà Nội."),
    )
    birthplace_text = models.CharField(_("nơi sinh (nguyên văn)"), max_length=255, blank=True)
    birthplace_province_code = models.CharField(_("nơi sinh – mã tỉnh"), max_length=10, blank=True)
    birthplace_commune_code = models.CharField(_("nơi sinh – mã xã"), max_length=10, blank=True)
    birthplace_needs_review = models.BooleanField(_("nơi sinh cần xem lại"), default=False)
    hometown_text = models.CharField(_("quê quán (nguyên văn)"), max_length=255, blank=True)
    hometown_province_code = models.CharField(_("quê quán – mã tỉnh"), max_length=10, blank=True)
    hometown_commune_code = models.CharField(_("quê quán – mã xã"), max_length=10, blank=True)
    hometown_needs_review = models.BooleanField(_("quê quán cần xem lại"), default=False)
    ethnicity = models.CharField(_("dân tộc"), max_length=10, blank=True)
    religion = models.CharField(_("tôn giáo"), max_length=10, blank=True)
    permanent_residence = models.CharField(_("nơi thường trú"), max_length=255, blank=True)
    permanent_residence_province_code = models.CharField(
        _("nơi thường trú – mã tỉnh"), max_length=10, blank=True
    )
    permanent_residence_commune_code = models.CharField(
        _("nơi thường trú – mã xã"), max_length=10, blank=True
    )
    current_residence = models.CharField(_("nơi ở hiện nay"), max_length=255, blank=True)
    current_residence_province_code = models.CharField(
        _("nơi ở hiện nay – mã tỉnh"), max_length=10, blank=True
    )
    current_residence_commune_code = models.CharField(
        _("nơi ở hiện nay – mã xã"), max_length=10, blank=True
    )
    # The text as first written, kept when a reform conversion (app ``conversion``) replaces the
    # place text by the official names in force; empty while the text was never converted.
    birthplace_original = models.CharField(
        _("nơi sinh – nguyên văn trước chuyển đổi"), max_length=255, blank=True
    )
    hometown_original = models.CharField(
        _("quê quán – nguyên văn trước chuyển đổi"), max_length=255, blank=True
    )
    permanent_residence_original = models.CharField(
        _("nơi thường trú – nguyên văn trước chuyển đổi"), max_length=255, blank=True
    )
    current_residence_original = models.CharField(
        _("nơi ở hiện nay – nguyên văn trước chuyển đổi"), max_length=255, blank=True
    )
    social_origin = models.CharField(_("thành phần gia đình xuất thân"), max_length=100, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)

    # -- group 6: derived from the histories (never typed) ----------------------------------
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan, đơn vị"),
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    position_code = models.CharField(
        _("chức vụ hiện tại"), max_length=40, blank=True, editable=False
    )
    title_code = models.CharField(
        _("chức danh hiện tại"), max_length=40, blank=True, editable=False
    )
    grade_code = models.CharField(
        _("ngạch/chức danh nghề nghiệp"), max_length=40, blank=True, editable=False
    )
    salary_scale = models.CharField(_("bảng lương"), max_length=20, blank=True, editable=False)
    salary_step = models.PositiveSmallIntegerField(_("bậc lương"), null=True, editable=False)
    salary_coefficient = models.DecimalField(
        _("hệ số lương"), max_digits=5, decimal_places=2, null=True, editable=False
    )
    salary_since = models.DateField(_("hưởng lương từ"), null=True, editable=False)

    # -- workflow and quality ---------------------------------------------------------------
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ProfileStatus.choices,
        default=ProfileStatus.DRAFT,
        editable=False,
    )
    version_number = models.PositiveIntegerField(_("phiên bản gần nhất"), default=0, editable=False)
    completeness = models.PositiveSmallIntegerField(
        _("mức đầy đủ (%)"), default=0, editable=False, db_index=True
    )
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0, editable=False)
    warning_count = models.PositiveIntegerField(_("số cảnh báo"), default=0, editable=False)
    validated_at = models.DateTimeField(_("kiểm tra lúc"), null=True, editable=False)
    last_verified_at = models.DateField(
        _("ngày xác minh gần nhất"),
        null=True,
        blank=True,
        help_text=_("Ngày cán bộ tổ chức đối chiếu hồ sơ với bản gốc hoặc với người có hồ sơ."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(
        verbose_name=_("lịch sử hồ sơ"),
        excluded_fields=["folded_name", "validated_at", "updated_at"],
    )

    class Meta:
        verbose_name = _("hồ sơ CBCCVC")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ CBCCVC")
        ordering = ["folded_name", "id"]
        indexes = [
            models.Index(fields=["unit", "status"], name="profile_unit_status"),
            models.Index(fields=["unit", "folded_name"], name="profile_unit_name"),
            models.Index(fields=["grade_code"], name="profile_grade"),
            models.Index(fields=["position_code"], name="profile_position"),
            models.Index(fields=["folded_name", "date_of_birth", "sex"], name="profile_dupkey"),
            models.Index(fields=["error_count"], name="profile_errors"),
            # the officer's home page counts the profiles returned or reopened for changes
            # (drafts submitted before): few of them, in a small index instead of a look at
            # every draft of the scope (60 ms at 300,000 profiles, on every login)
            models.Index(
                fields=["unit"],
                condition=models.Q(status=ProfileStatus.DRAFT, version_number__gt=0),
                name="profile_returned",
            ),
        ]
        permissions = [
            ("view_assets_income", "Được xem tài sản, thu nhập (nhóm 9)"),
            ("view_health", "Được xem thông tin sức khỏe (nhóm 10)"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"

    def save(self, *args, **kwargs) -> None:
        normalise_profile_text(self)
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        # the place texts as loaded: they are resolved again only when they change
        obj._original_places = (
            obj.__dict__.get("birthplace_text"),
            obj.__dict__.get("hometown_text"),
        )
        return obj


TEXT_FIELDS = (
    "other_names",
    "birthplace_text",
    "hometown_text",
    "permanent_residence",
    "current_residence",
    "social_origin",
)


def normalise_profile_text(profile: Profile) -> None:
    """Stored text: NFC, one tone style, trimmed; the name title-cased; the search key."""
    profile.personal_id = (profile.personal_id or "").strip()
    profile.old_id_number = (profile.old_id_number or "").strip()
    profile.full_name = title_case(profile.full_name or "")
    profile.folded_name = fold(profile.full_name)
    for name in TEXT_FIELDS:
        setattr(profile, name, clean(getattr(profile, name)))
