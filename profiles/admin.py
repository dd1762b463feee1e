"""Admin screens for profiles and code lists (everything in Vietnamese).

Every path goes through :class:`~orgtree.admin.scoped.ScopedAdminMixin`: a user sees only the
profiles of the subtrees where they hold a role. Behaviour (workflow, validation) is in the
service modules; the actions here call them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from cbccvc.admin_lists import CheapRowsMixin
from cbccvc.admin_mixins import HistoryIdMixin, SiteLanguageHistoryMixin, ViewOnlyAdminMixin
from cbccvc.audit import Kind as AuditKind
from cbccvc.audit import record
from cbccvc.xlsx_safety import FormulaSafeResource
from orgtree.access import ALL_ROLES, APPROVE_ROLES, EDIT_PROFILE_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.admin.unit_filter import UnitTreeFilter
from orgtree.models import Unit
from orgtree.text import fold

from . import actions, codelists, workflow
from .finding_names import FindingNamesMixin
from .id_numbers import use_id_fields
from .lazy_inlines import LazyInlinesMixin
from .models import (
    CHILD_MODELS,
    AssetDeclaration,
    CareerEvent,
    CodeItem,
    CodeList,
    CodeListRelease,
    Commendation,
    Discipline,
    Education,
    FamilyMember,
    Finding,
    HealthRecord,
    Membership,
    MilitaryService,
    Profile,
    ProfileStatus,
    ProfileVersion,
    QualityAssessment,
    SalaryHistory,
    Training,
    VersionStatus,
    WorkHistory,
)
from .places import PROFILE_PLACES
from .services import (
    ASSETS_PERMISSION,
    HIDDEN_NOTES,
    SENSITIVE_GROUPS,
    audit_sensitive_read,
    can_view_health,
    readable_groups,
)
from .signatures.admin import ProfileSigningAdminMixin

# ---------------------------------------------------------------------------------------------
# Code lists: everyone with a role may look; only the national admin (superuser) may edit
# ---------------------------------------------------------------------------------------------


class NationalAdminEditsMixin(HistoryIdMixin, SiteLanguageHistoryMixin):
    access_scope = "reference"  # every agency reads the code lists; the national admin edits

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and scope_for(request.user).has_any(ALL_ROLES)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CodeItemResource(FormulaSafeResource, resources.ModelResource):
    class Meta:
        model = CodeItem
        fields = ("release__code_list__key", "release__version", "code", "name", "extra",
                  "verified", "sort_order")  # fmt: skip
        export_order = fields


class CodeItemInline(admin.TabularInline):
    model = CodeItem
    fields = ("sort_order", "code", "name", "extra", "verified")
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active


@admin.register(CodeList)
class CodeListAdmin(NationalAdminEditsMixin, admin.ModelAdmin):
    list_display = ("key", "name", "current_version", "item_count")
    search_fields = ("key", "name")

    @admin.display(description=_("phiên bản đang hiệu lực"))
    def current_version(self, obj: CodeList) -> str:
        release = obj.current_release()
        return f"{release.version} (từ {release.effective_from:%d/%m/%Y})" if release else "—"

    @admin.display(description=_("số mục"))
    def item_count(self, obj: CodeList) -> int:
        return len(codelists.items(obj.key))


@admin.register(CodeListRelease)
class CodeListReleaseAdmin(NationalAdminEditsMixin, admin.ModelAdmin):
    list_display = ("code_list", "version", "effective_from", "effective_to", "file_name")
    list_filter = ("code_list",)
    readonly_fields = ("file_name", "sha256", "loaded_at")
    inlines = [CodeItemInline]


@admin.register(CodeItem)
class CodeItemAdmin(NationalAdminEditsMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [CodeItemResource]
    list_display = ("code", "name", "release", "verified")
    list_filter = ("release__code_list", "verified")
    search_fields = ("code", "name", "folded_name")

    def get_export_data(self, file_format: Any, request: HttpRequest, queryset: Any, **kw: Any):
        data = super().get_export_data(file_format, request, queryset, **kw)
        record(AuditKind.EXPORT, request=request, object_type="profiles.codeitem", export="admin")
        return data

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)


# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------


class ScopedInlineMixin:
    """Inline rows belong to the parent profile: its unit decides access."""

    def _covers(self, request: HttpRequest, obj: Profile | None, roles) -> bool:
        scope = scope_for(request.user)
        return scope.has_any(roles) if obj is None else scope.covers(obj.unit, roles)

    def has_view_permission(self, request: HttpRequest, obj: Profile | None = None) -> bool:
        return self._covers(request, obj, ALL_ROLES)

    def has_change_permission(self, request: HttpRequest, obj: Profile | None = None) -> bool:
        return self._covers(request, obj, EDIT_PROFILE_ROLES)

    def has_add_permission(self, request: HttpRequest, obj: Profile | None = None) -> bool:
        return self._covers(request, obj, EDIT_PROFILE_ROLES)

    def has_delete_permission(self, request: HttpRequest, obj: Profile | None = None) -> bool:
        return self._covers(request, obj, EDIT_PROFILE_ROLES)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.related_model is Unit:
            kwargs["queryset"] = scope_for(request.user).units(ALL_ROLES).active()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


#: unit fields are searched (the unit admin's folded-name search), never listed in full: a
#: select of every unit in scope, once per history row, made the profile page slow to render
UNIT_AUTOCOMPLETE = ("unit",)


def _inline(
    model_cls,
    fields: tuple[str, ...],
    coded: dict[str, str] | None = None,
    readonly: tuple[str, ...] = (),
):
    """An inline table of ``model_cls`` with ``fields`` in that order; ``coded``: fields edited
    as a select of a code list; ``readonly``: fields shown among them but never edited."""
    coded = coded or {}
    field_names = tuple(f for f in fields if f not in readonly)

    class Form(forms.ModelForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name, list_key in coded.items():
                field = self.fields.get(name)
                if field is not None:
                    field.widget = forms.Select(choices=[("", "—"), *codelists.choices(list_key)])

        class Meta:
            model = model_cls
            fields = field_names

    return type(
        f"{model_cls.__name__}Inline",
        (ScopedInlineMixin, admin.TabularInline),
        {
            "model": model_cls,
            "fields": fields,
            "extra": 0,
            "form": Form,
            "readonly_fields": readonly,
            # a province has thousands of units: a search box, not a select per history row
            "autocomplete_fields": UNIT_AUTOCOMPLETE if "unit" in fields else (),
        },
    )


# The reform conversion (conversion/children.py) writes ``place_note`` beside a past workplace
# ("nay thuộc Tỉnh Phú Thọ") and keeps a relative's address as written before in
# ``address_original``: shown beside the text they explain, never typed.
WorkHistoryInline = _inline(
    WorkHistory,
    ("start_date", "end_date", "unit", "unit_name", "place_note", "position_code", "title_code",
     "concurrent", "description"),
    {"position_code": "position", "title_code": "title"},
    readonly=("place_note",),
)  # fmt: skip
SalaryHistoryInline = _inline(
    SalaryHistory,
    ("effective_date", "grade_code", "salary_scale", "step", "coefficient", "position_allowance",
     "seniority_allowance_percent", "other_allowances", "note"),
    {"grade_code": "grade", "salary_scale": "salary-scale"},
)  # fmt: skip
EducationInline = _inline(
    Education,
    ("kind", "level_code", "major", "institution", "study_mode", "start_date", "end_date"),
    {"level_code": "education-level"},
)
TrainingInline = _inline(
    Training, ("kind", "level_code", "name", "institution", "start_date", "end_date")
)
CareerEventInline = _inline(
    CareerEvent,
    ("kind", "effective_date", "decision_number", "decision_date", "issuer", "unit", "note"),
)
CommendationInline = _inline(
    Commendation,
    ("kind_code", "awarded_on", "decision_number", "issuer", "reason"),
    {"kind_code": "commendation-kind"},
)
DisciplineInline = _inline(
    Discipline,
    ("kind_code", "decided_on", "decision_number", "issuer", "reason", "expires_on"),
    {"kind_code": "discipline-kind"},
)
FamilyInline = _inline(
    FamilyMember,
    ("side", "relationship_code", "full_name", "birth_year", "occupation", "address",
     "address_original", "deceased"),
    {"relationship_code": "relationship"},
    readonly=("address_original",),
)  # fmt: skip
MembershipInline = _inline(
    Membership,
    ("organisation", "admission_date", "full_membership_date", "card_number", "left_date",
     "highest_post"),
)  # fmt: skip
MilitaryInline = _inline(
    MilitaryService, ("enlisted_on", "discharged_on", "highest_rank", "branch")
)
AssessmentInline = _inline(
    QualityAssessment, ("year", "rating_code", "note"), {"rating_code": "quality-rating"}
)
HealthInline = _inline(
    HealthRecord, ("recorded_on", "status", "height_cm", "weight_kg", "blood_type", "disability")
)
AssetInline = _inline(
    AssetDeclaration,
    ("year", "declared_on", "annual_income", "land_and_houses", "other_assets"),
)


class ReadOnlyScopedInline(ViewOnlyAdminMixin, ScopedInlineMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class FindingInline(FindingNamesMixin, ReadOnlyScopedInline):
    model = Finding
    fk_name = "profile"
    fields = ("severity", "principle_name", "rule_name", "field_name", "message", "related")
    readonly_fields = fields
    verbose_name_plural = _("kết quả kiểm tra dữ liệu (đúng – đủ – sạch – sống)")

    @admin.display(description=_("hồ sơ liên quan"))
    def related(self, obj: Finding) -> str:
        if not obj.related_profile_id:
            return ""
        url = reverse("admin:profiles_profile_change", args=[obj.related_profile_id])
        return format_html('<a href="{}">Xem hồ sơ #{}</a>', url, obj.related_profile_id)


class VersionInline(ReadOnlyScopedInline):
    model = ProfileVersion
    fields = ("number", "status", "submitter", "submitted_at", "decider", "decided_at",
              "rejection_reason", "signed_at", "synced_at", "short_hash")  # fmt: skip
    readonly_fields = fields
    verbose_name_plural = _("các phiên bản đã trình")

    # People by their names, and the 64-digit hash shortened: the whole table fits the page.
    @staticmethod
    def _person(user: Any) -> str:
        if user is None:
            return "—"
        return user.get_full_name() or user.get_username()

    @admin.display(description=_("người trình"))
    def submitter(self, version: ProfileVersion) -> str:
        return self._person(version.submitted_by)

    @admin.display(description=_("người phê duyệt/trả lại"))
    def decider(self, version: ProfileVersion) -> str:
        return self._person(version.decided_by)

    @admin.display(description=_("mã băm SHA-256"))
    def short_hash(self, version: ProfileVersion) -> str:
        digest = version.content_hash or ""
        return format_html('<span title="{}">{}…</span>', digest, digest[:12]) if digest else "—"


# -- filters ------------------------------------------------------------------------------------
class UnitSubtreeFilter(UnitTreeFilter):
    """The profiles of a unit's subtree: a search box and a short tree (orgtree.admin)."""

    unit_field = "unit"


class FindingUnitFilter(UnitTreeFilter):
    """Findings of the profiles in a unit's subtree."""

    unit_field = "profile__unit"


class CompletenessFilter(admin.SimpleListFilter):
    title = _("mức đầy đủ")
    parameter_name = "completeness"
    BANDS = {"lt50": (0, 49), "50_79": (50, 79), "80_99": (80, 99), "100": (100, 100)}

    def lookups(self, request, model_admin):
        return [
            ("lt50", _("Dưới 50%")),
            ("50_79", "50–79%"),
            ("80_99", "80–99%"),
            ("100", _("Đủ 100%")),
        ]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        return queryset.filter(completeness__range=band) if band else queryset


class FindingsFilter(admin.SimpleListFilter):
    title = _("kết quả kiểm tra")
    parameter_name = "findings"

    def lookups(self, request, model_admin):
        return [
            ("errors", _("Có lỗi")),
            ("warnings", _("Chỉ có cảnh báo")),
            ("clean", _("Không có gì")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "errors":
            return queryset.filter(error_count__gt=0)
        if self.value() == "warnings":
            return queryset.filter(error_count=0, warning_count__gt=0)
        if self.value() == "clean":
            return queryset.filter(error_count=0, warning_count=0)
        return queryset


def _code_filter(field_name: str, list_key: str, label: str | Promise):
    class CodeFilter(admin.SimpleListFilter):
        title = label
        parameter_name = field_name

        def lookups(self, request, model_admin):
            return codelists.choices(list_key)

        def queryset(self, request, queryset):
            return queryset.filter(**{field_name: self.value()}) if self.value() else queryset

    CodeFilter.__name__ = f"{field_name}_filter"
    return CodeFilter


class ProfileForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("lý do thay đổi"),
        max_length=100,
        required=False,
        help_text=_("Ghi vào lịch sử hồ sơ (ví dụ: cập nhật theo quyết định số …)."),
    )

    class Meta:
        model = Profile
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose the fields shown

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_id_fields(self)  # "001 085 012 345" is accepted as 001085012345
        for name, list_key in (
            ("sex", "sex"),
            ("ethnicity", "ethnicity"),
            ("religion", "religion"),
        ):
            if name in self.fields:
                self.fields[name].widget = forms.Select(
                    choices=[("", "—"), *codelists.choices(list_key)]
                )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("lý do trả lại"), widget=forms.Textarea, max_length=2000)


# The profile page's fieldsets, named in the user's language; the tabs find them by title.
FIELDSET_PERSONAL = _("Nhóm 1 – Thông tin cá nhân")
FIELDSET_CURRENT = _("Nhóm 6 – Cơ quan, vị trí, lương hiện tại (tính từ quá trình công tác, lương)")
FIELDSET_STATUS = _("Trạng thái và chất lượng dữ liệu")
FIELDSET_SIGNING = _("Ký số")


def _fieldset(title: Promise) -> Promise:
    """A tab's reference to the fieldset ``title`` (profile_tabs.js: "fieldset:" + its h2)."""
    return format_lazy("fieldset:{}", title)


# The profile page in tabs, one per data group of Decree 27/2026 (Điều 5). Each part of the
# page is named by a fieldset's title or by an inline's prefix; a part no tab names lands in
# "Khác", so nothing is ever hidden.
DATA_GROUP_TABS: list[dict[str, Any]] = [
    {"id": "tong-quan", "title": _("Tổng quan"), "parts": [
        _fieldset(FIELDSET_STATUS), _fieldset(FIELDSET_SIGNING), "findings", "versions"]},
    {"id": "nhom-1", "title": _("1. Cá nhân"), "parts": [_fieldset(FIELDSET_PERSONAL)]},
    {"id": "nhom-2", "title": _("2. Gia đình"), "parts": ["family"]},
    {"id": "nhom-3-4", "title": _("3–4. Công tác, tuyển dụng"), "parts": [
        "work_history", "career_events"]},
    {"id": "nhom-5", "title": _("5. Đào tạo, bồi dưỡng"), "parts": ["education", "trainings"]},
    {"id": "nhom-6", "title": _("6. Vị trí, lương, đánh giá"), "parts": [
        _fieldset(FIELDSET_CURRENT), "salary_history", "assessments", "commendations",
        "disciplines"]},
    {"id": "nhom-7", "title": _("7. Đảng, đoàn thể"), "parts": ["memberships"]},
    {"id": "nhom-8", "title": _("8. Lực lượng vũ trang"), "parts": ["military_service"]},
    {"id": "nhom-9", "title": _("9. Tài sản, thu nhập"), "parts": ["asset_declarations"]},
    {"id": "nhom-10", "title": _("10. Sức khỏe"), "parts": ["health"]},
]  # fmt: skip


@admin.register(Profile)
class ProfileAdmin(
    CheapRowsMixin,  # fifty rows a page: the checkbox and the row link cost less
    LazyInlinesMixin,  # a data group's tables are loaded when its tab is opened
    ProfileSigningAdminMixin,
    ScopedAdminMixin,
    SimpleHistoryAdmin,
):
    form = ProfileForm
    scope_field = "unit"
    edit_roles = EDIT_PROFILE_ROLES
    list_display = ("full_name", "personal_id", "date_of_birth", "unit_name", "position",
                    "grade", "status", "completeness", "findings_summary")  # fmt: skip
    list_select_related = ("unit",)
    autocomplete_fields = UNIT_AUTOCOMPLETE
    list_filter = (
        UnitSubtreeFilter,
        "status",
        CompletenessFilter,
        FindingsFilter,
        _code_filter("grade_code", "grade", _("ngạch, chức danh nghề nghiệp")),
        _code_filter("position_code", "position", _("chức vụ")),
    )
    search_fields = ("personal_id",)  # the name search is done on the folded column below
    search_help_text = _("Tìm theo số định danh hoặc họ tên (gõ có dấu hay không dấu đều được).")
    show_full_result_count = False
    list_per_page = 50
    actions = [
        "submit_selected",
        "approve_selected",
        "reject_selected",
        "verify_selected",
        "revalidate_selected",
        "sign_selected",
    ]
    readonly_fields = ("status", "version_number", "position", "title", "grade", "salary",
                       "completeness", "error_count", "warning_count", "validated_at",
                       "signatures")  # fmt: skip
    fieldsets = (
        (FIELDSET_PERSONAL, {"fields": (
            ("personal_id", "old_id_number"), ("full_name", "other_names"),
            ("sex", "date_of_birth", "birth_date_precision"), "birth_registration_province",
            ("birthplace_text", "birthplace_province_code", "birthplace_commune_code",
             "birthplace_needs_review"),
            ("hometown_text", "hometown_province_code", "hometown_commune_code",
             "hometown_needs_review"),
            ("ethnicity", "religion"), "permanent_residence", "current_residence",
            "social_origin", ("phone", "email"),
        )}),
        (FIELDSET_CURRENT, {"fields": ("unit", ("position", "title"), ("grade", "salary"))}),
        (FIELDSET_STATUS, {"fields": (
            ("status", "version_number"), ("completeness", "error_count", "warning_count"),
            ("validated_at", "last_verified_at"), "change_reason",
        )}),
        (FIELDSET_SIGNING, {"fields": ("signatures",)}),
    )  # fmt: skip
    base_inlines = [
        WorkHistoryInline, SalaryHistoryInline, CareerEventInline, EducationInline,
        TrainingInline, FamilyInline, MembershipInline, MilitaryInline, AssessmentInline,
        CommendationInline, DisciplineInline,
    ]  # fmt: skip

    def get_inlines(self, request: HttpRequest, obj: Profile | None):
        # the sensitive groups only with their permissions (see change_view for the note
        # shown instead, and the audit of the read)
        inlines = list(self.base_inlines)
        if can_view_health(request.user):
            inlines.append(HealthInline)
        if request.user.has_perm(ASSETS_PERMISSION):
            inlines.append(AssetInline)
        if obj is not None:
            # What to fix and what happened to the submissions come first, not after twelve
            # data tables.
            inlines = [FindingInline, VersionInline, *inlines]
        return inlines

    # Shown to those who may only look: coded values by their names, no "reason" input.
    READ_ONLY_NAMES = {
        "sex": "sex_name",
        "ethnicity": "ethnicity_name",
        "religion": "religion_name",
    }

    # The place texts as written before a reform conversion replaced them (conversion app):
    # shown, read-only, under the personal group of a profile that has any; never typed.
    ORIGINAL_PLACES = tuple((c.text, c.original) for c in PROFILE_PLACES.values())

    def _originals(self, obj: Profile | None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return tuple(
            original
            for text, original in self.ORIGINAL_PLACES
            if getattr(obj, original) and getattr(obj, original) != getattr(obj, text)
        )

    def get_fieldsets(self, request: HttpRequest, obj: Profile | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        originals = self._originals(obj)
        if originals:
            fieldsets = [
                (title, {**opts, "fields": (*opts["fields"], originals)})
                if title == FIELDSET_PERSONAL
                else (title, opts)
                for title, opts in fieldsets
            ]
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets

        def swap(entry: Any) -> Any:
            if isinstance(entry, (tuple, list)):
                return tuple(swap(e) for e in entry if e != "change_reason")
            return self.READ_ONLY_NAMES.get(entry, entry)

        return [
            (title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Profile | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields += list(self.READ_ONLY_NAMES.values())
        if obj is not None:
            fields.append("unit")  # moves go through the work history
        return [*fields, *self._originals(obj)]

    # -- columns --------------------------------------------------------------------------------
    # Nine columns must fit beside the filters on a 1366-pixel screen: the unit by its name (its
    # code is in the unit filter), and the error and warning counts in one column.
    @admin.display(description=_("cơ quan, đơn vị"), ordering="unit__name")
    def unit_name(self, obj: Profile) -> str:
        return obj.unit.name if obj.unit_id else "—"

    @admin.display(description=_("kết quả kiểm tra"), ordering="-error_count")
    def findings_summary(self, obj: Profile) -> str:
        if not obj.error_count and not obj.warning_count:
            return "—"
        parts = []
        if obj.error_count:
            parts.append(
                format_html(
                    '<strong class="errors">{}</strong>',
                    ngettext("%(n)s lỗi", "%(n)s lỗi", obj.error_count) % {"n": obj.error_count},
                )
            )
        if obj.warning_count:
            parts.append(
                ngettext("%(n)s cảnh báo", "%(n)s cảnh báo", obj.warning_count)
                % {"n": obj.warning_count}
            )
        return format_html_join(", ", "{}", ((part,) for part in parts))

    @admin.display(description=_("giới tính"))
    def sex_name(self, obj: Profile) -> str:
        return codelists.name_of("sex", obj.sex)

    @admin.display(description=_("dân tộc"))
    def ethnicity_name(self, obj: Profile) -> str:
        return codelists.name_of("ethnicity", obj.ethnicity)

    @admin.display(description=_("tôn giáo"))
    def religion_name(self, obj: Profile) -> str:
        return codelists.name_of("religion", obj.religion)

    @admin.display(description=_("chức vụ"))
    def position(self, obj: Profile) -> str:
        return codelists.name_of("position", obj.position_code)

    @admin.display(description=_("chức danh"))
    def title(self, obj: Profile) -> str:
        return codelists.name_of("title", obj.title_code)

    @admin.display(description=_("ngạch"))
    def grade(self, obj: Profile) -> str:
        return codelists.name_of("grade", obj.grade_code)

    @admin.display(description=_("lương hiện tại"))
    def salary(self, obj: Profile) -> str:
        if not obj.salary_scale:
            return ""
        return (
            f"{obj.salary_scale}, bậc {obj.salary_step}, hệ số {obj.salary_coefficient} "
            f"(từ {obj.salary_since:%d/%m/%Y})"
        )

    # -- search: ID prefix, or the folded name (no diacritics needed) ---------------------------
    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(personal_id__startswith=term), False
        return queryset.filter(folded_name__contains=fold(term)), False

    # -- "Sơ yếu lý lịch" (Mẫu 2C) --------------------------------------------------------------
    def get_urls(self):
        from django.urls import path

        return [
            path(
                "muc-day-du-theo-don-vi/",
                self.admin_site.admin_view(self.completeness_view),
                name="profiles_profile_completeness",
            ),
            path(
                "<path:object_id>/so-yeu-ly-lich.<str:fmt>",
                self.admin_site.admin_view(self.cv_view),
                name="profiles_profile_cv",
            ),
            *super().get_urls(),
        ]

    def completeness_view(self, request: HttpRequest) -> HttpResponse:
        """Completeness and profiles with errors per unit, within the user's scope."""
        from .validation import unit_completeness

        if not self.has_view_permission(request):
            raise PermissionDenied
        from .completeness import page_context

        rows = unit_completeness(self.get_queryset(request))
        return TemplateResponse(
            request,
            "admin/profiles/unit_completeness.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mức đầy đủ hồ sơ theo đơn vị"),
                **page_context(request, rows),
                "opts": self.model._meta,
            },
        )

    def cv_view(self, request: HttpRequest, object_id: str, fmt: str) -> HttpResponse:
        from django.http import Http404

        from .export import render_docx, render_pdf

        obj = self.get_object(request, object_id)  # None outside the user's scope
        if obj is None or not self.has_view_permission(request, obj) or fmt not in {"pdf", "docx"}:
            raise Http404("Không tìm thấy hồ sơ.")
        with_health = can_view_health(request.user)  # item 23; without it, a note
        if fmt == "pdf":
            body, mime = render_pdf(obj, with_health=with_health), "application/pdf"
        else:
            body = render_docx(obj, with_health=with_health)
            mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        record(AuditKind.EXPORT, request=request, obj=obj, export="mau-2c", format=fmt)
        shown = ["health"] if with_health else []
        audit_sensitive_read(shown, request=request, obj=obj, via="mau-2c")
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = (
            f'attachment; filename="so-yeu-ly-lich-{obj.personal_id}.{fmt}"'
        )
        return response

    # -- the change page: why a profile came back -----------------------------------------------
    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """A profile returned to draft shows the approver's reason above the form; the page is
        laid out in tabs per data group."""
        extra_context = dict(extra_context or {})
        extra_context["data_group_tabs"] = DATA_GROUP_TABS
        obj = self.get_object(request, object_id)
        if obj is not None and obj.status == ProfileStatus.DRAFT:
            latest = obj.versions.select_related("decided_by").order_by("-number").first()
            if latest is not None and latest.status == VersionStatus.REJECTED:
                extra_context["rejected_version"] = latest
        readable = readable_groups(request.user)
        # in place of a sensitive group the user may not read: a note, in that group's tab
        extra_context["hidden_groups"] = [
            {"prefix": key, "note": HIDDEN_NOTES[key]}
            for key in SENSITIVE_GROUPS
            if key not in readable
        ]
        if obj is not None and request.method == "GET" and not self.lazy_page(request, obj):
            # the whole page shows the sensitive groups the user holds the permissions for (in
            # tabs, each group's read is audited when its table is loaded: inline_view)
            audit_sensitive_read(readable, request=request, obj=obj, via="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    # -- saving ---------------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Profile, form: Any, change: bool) -> None:
        reason = form.cleaned_data.get("change_reason") or ("Sửa hồ sơ" if change else "Tạo hồ sơ")
        if change:
            actions.do_save_profile(obj, acting_user=request.user, reason=reason)
        else:
            actions.do_create_profile(obj, acting_user=request.user, reason=reason)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Inline rows are saved in one block (:func:`profiles.actions.editing_children`): each
        row's history carries the user and the reason; what a change of child rows sets off
        (derived fields, re-opening, validation) then runs once, not once per row."""
        reason = form.cleaned_data.get("change_reason") or ("Sửa hồ sơ" if change else "Tạo hồ sơ")
        with actions.editing_children(
            form.instance, acting_user=request.user, reason=reason
        ) as edit:
            request._child_edit = edit  # type: ignore[attr-defined]  # read by save_formset
            super().save_related(request, form, formsets, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        edit = getattr(request, "_child_edit", None)
        if edit is None or formset.model not in CHILD_MODELS.values():
            super().save_formset(request, form, formset, change)
            return
        rows = formset.save(commit=False)
        for obj in formset.deleted_objects:
            edit.delete(obj)
        for obj in rows:
            edit.save(obj)
        formset.save_m2m()

    # -- actions (through the workflow) ---------------------------------------------------------
    def _run(self, request: HttpRequest, queryset: QuerySet, action, done: str | Promise) -> None:
        ok, failed = 0, []
        for profile in queryset:
            try:
                action(profile)
                ok += 1
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                failed.append(f"{profile.full_name} ({profile.personal_id}): {text}")
        if ok:
            self.message_user(
                request,
                ngettext("%(done)s: %(count)d hồ sơ.", "%(done)s: %(count)d hồ sơ.", ok)
                % {"done": done, "count": ok},
                messages.SUCCESS,
            )
        for line in failed[:20]:
            self.message_user(request, line, messages.ERROR)

    def _pending(self, profile: Profile) -> ProfileVersion:
        version = (
            profile.versions.filter(status=VersionStatus.SUBMITTED).order_by("-number").first()
        )
        if version is None:
            raise workflow.WorkflowError(
                gettext("Hồ sơ không có phiên bản nào đang chờ phê duyệt.")
            )
        return version

    # Actions are offered only to those who may run them: a viewer sees none of them.
    def has_approve_permission(self, request: HttpRequest) -> bool:
        return scope_for(request.user).has_any(APPROVE_ROLES)

    @admin.action(description=_("Trình duyệt các hồ sơ đã chọn"), permissions=["change"])
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, lambda p: workflow.submit(p, request.user), _("Đã trình"))

    @admin.action(description=_("Phê duyệt các hồ sơ đã chọn"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(
            request,
            queryset,
            lambda p: workflow.approve(self._pending(p), request.user),
            _("Đã phê duyệt"),
        )

    @admin.action(description=_("Trả lại các hồ sơ đã chọn (ghi lý do)"), permissions=["approve"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._run(
                request,
                queryset,
                lambda p: workflow.reject(self._pending(p), request.user, reason),
                _("Đã trả lại"),
            )
            return None
        return TemplateResponse(
            request,
            "admin/profiles/reject_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Trả lại hồ sơ"),
                "form": form,
                "profiles": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description=_("Xác nhận đã xác minh các hồ sơ đã chọn (hôm nay)"), permissions=["change"]
    )
    def verify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        def verify(profile: Profile) -> None:
            if not scope_for(request.user).covers(profile.unit, EDIT_PROFILE_ROLES):
                raise PermissionDenied(gettext("Bạn không có quyền sửa hồ sơ của đơn vị này."))
            actions.do_mark_verified(profile, acting_user=request.user)

        self._run(request, queryset, verify, _("Đã xác minh"))

    @admin.action(description=_("Kiểm tra lại dữ liệu các hồ sơ đã chọn"), permissions=["change"])
    def revalidate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from .validation import validate_profiles

        run = validate_profiles(queryset)
        self.message_user(
            request,
            gettext("Đã kiểm tra %(profiles)d hồ sơ: %(errors)d lỗi, %(warnings)d cảnh báo.")
            % {"profiles": run.profiles, "errors": run.errors, "warnings": run.warnings},
        )


@admin.register(Finding)
class FindingAdmin(FindingNamesMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Findings by name: the mixin shows the rule, principle, field and person by name."""

    scope_field = "profile__unit"
    list_display = ("profile", "severity", "principle", "code", "field", "message")
    list_filter = (FindingUnitFilter, "severity", "principle", "code")
    list_select_related = ("profile",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Signing: credentials, trust store, batches (registers its ModelAdmins on import).
# Review queue and merge history (registers its ModelAdmins on import).
from . import merge_admin  # noqa: E402, F401
