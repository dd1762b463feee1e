"""Findings in words: the rule's name instead of its code ("NOT_VERIFIED"), the principle's name,
the field's verbose name instead of its key ("last_verified_at"), the profile by the person's
name. Used by the findings list and the findings table of the profile page
(:class:`FindingNamesMixin`); the inbox uses :func:`profiles.diffing.field_label` the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .diffing import field_label
from .models import Finding

#: rule code (profiles.validation) → its name; tests check every code the rules use has one
RULE_NAMES: dict[str, Any] = {
    "PID_FORMAT": _("Số định danh sai định dạng"),
    "PID_PROVINCE": _("Mã tỉnh trong số định danh không có"),
    "PID_CENTURY": _("Số định danh không khớp thế kỷ sinh"),
    "PID_YEAR": _("Số định danh không khớp năm sinh"),
    "PID_SEX": _("Số định danh không khớp giới tính"),
    "PID_BIRTH_PROVINCE": _("Tỉnh đăng ký khai sinh khác số định danh"),
    "PID_BIRTHPLACE": _("Nơi sinh khác tỉnh trong số định danh"),
    "OLD_ID_FORMAT": _("Số CMND cũ sai định dạng"),
    "DATE_FUTURE": _("Ngày ở tương lai"),
    "TOO_YOUNG": _("Chưa đủ 15 tuổi"),
    "BEFORE_BIRTH": _("Ngày trước ngày sinh"),
    "PERIOD_REVERSED": _("Ngày kết thúc trước ngày bắt đầu"),
    "WORK_BEFORE_15": _("Làm việc khi chưa đủ 15 tuổi"),
    "WORK_OVERLAP": _("Quá trình công tác chồng nhau"),
    "PARTY_FULL_BEFORE_ADMISSION": _("Ngày vào Đảng chính thức trước ngày vào Đảng"),
    "PARTY_PROBATION_SHORT": _("Thời gian dự bị đảng viên dưới 12 tháng"),
    "PARTY_TOO_YOUNG": _("Vào Đảng khi chưa đủ 18 tuổi"),
    "REQUIRED": _("Thiếu thông tin bắt buộc"),
    "CODE_UNKNOWN": _("Mã không có trong danh mục"),
    "GRADE_SCALE": _("Ngạch không thuộc bảng lương"),
    "SALARY_STEP": _("Bậc lương không có trong bảng"),
    "SALARY_COEFFICIENT": _("Hệ số lương khác hệ số của bậc"),
    "TEXT_NOT_CLEAN": _("Chữ chưa chuẩn hóa"),
    "PLACE_REVIEW": _("Địa danh chưa xác định chắc chắn"),
    "PLACE_UNRESOLVED": _("Địa danh chưa đối chiếu danh mục"),
    "PLACE_NOT_IN_FORCE": _("Mã địa danh không còn hiệu lực"),
    "UNIT_NOT_IN_FORCE": _("Đơn vị không còn hoạt động"),
    "POSSIBLE_DUPLICATE": _("Có thể trùng người"),
    "INCOMPLETE": _("Hồ sơ chưa đầy đủ"),
    "NOT_VERIFIED": _("Chưa xác minh hoặc xác minh đã lâu"),
    # what the profile schema (XSD) would refuse at signing time (profiles.schema_rules)
    "SCHEMA_FORMAT": _("Sai định dạng của hồ sơ điện tử"),
    "SCHEMA_CHOICE": _("Giá trị không được phép"),
    "SCHEMA_LENGTH": _("Quá dài"),
    "SCHEMA_RANGE": _("Số ngoài giới hạn"),
}
#: the four principles "đúng – đủ – sạch – sống", as stored → as shown
PRINCIPLE_NAMES: dict[str, Any] = {
    "đúng": _("Đúng"),
    "đủ": _("Đủ"),
    "sạch": _("Sạch"),
    "sống": _("Sống"),
}


def rule_name(code: str) -> str:
    """The rule's name; an unknown code (a rule newer than this table) is shown as it is."""
    return str(RULE_NAMES.get(code, code))


def principle_name(principle: str) -> str:
    return str(PRINCIPLE_NAMES.get(principle, principle))


class RuleFilter(admin.SimpleListFilter):
    """The findings' rules by name, only those present."""

    title = _("quy tắc")
    parameter_name = "code__exact"  # the same parameter as the code filter it replaces

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = model_admin.get_queryset(request).order_by().values_list("code", flat=True)
        return sorted(((c, rule_name(c)) for c in set(codes)), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(code=self.value()) if self.value() else queryset


class PrincipleFilter(admin.SimpleListFilter):
    title = _("nguyên tắc")
    parameter_name = "principle__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, str(name)) for key, name in PRINCIPLE_NAMES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(principle=self.value()) if self.value() else queryset


# list_display / list_filter entries shown by name instead of code
NAMED_COLUMNS = {
    "profile": "profile_link",
    "principle": "principle_name",
    "code": "rule_name",
    "field": "field_name",
}
NAMED_FILTERS: dict[str, Any] = {"code": RuleFilter, "principle": PrincipleFilter}


class FindingNamesMixin:
    """Columns and filters of findings by name; for a ModelAdmin or an inline."""

    def get_list_display(self, request: HttpRequest) -> Any:
        names = super().get_list_display(request)  # type: ignore[misc]
        return [NAMED_COLUMNS.get(n, n) if isinstance(n, str) else n for n in names]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        return [NAMED_FILTERS.get(f, f) if isinstance(f, str) else f for f in filters]

    @admin.display(description=_("hồ sơ"), ordering="profile__folded_name")
    def profile_link(self, obj: Finding) -> str:
        url = reverse("admin:profiles_profile_change", args=[obj.profile_id])
        return format_html('<a href="{}">{}</a>', url, obj.profile.full_name)

    @admin.display(description=_("nguyên tắc"), ordering="principle")
    def principle_name(self, obj: Finding) -> str:
        return principle_name(obj.principle)

    @admin.display(description=_("quy tắc"), ordering="code")
    def rule_name(self, obj: Finding) -> str:
        return rule_name(obj.code)

    @admin.display(description=_("trường"))
    def field_name(self, obj: Finding) -> str:
        return field_label(obj.field) or "—"
