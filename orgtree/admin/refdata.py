"""Admin for the administrative-unit reference data: read-only lists of the loaded releases,
units, conversion rows and historic names, and the place-name lookup page.

Reference data is public and changes only through ``load_adminunits``: nobody adds, edits or
deletes it here. Any staff user may look at it and use the lookup page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbccvc.admin_mixins import ViewOnlyAdminMixin

from ..models import (
    AdminUnit,
    AdminUnitConversion,
    AdminUnitRelease,
    HistoricPlaceName,
    PlaceLookup,
)
from ..places import resolve_place
from ..text import fold


class ReadOnlyReferenceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Staff may view; nobody may add, change or delete (the loader owns these rows)."""

    access_scope = "reference"

    list_per_page = 100
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class FoldedSearchMixin:
    """Diacritic-insensitive search on ``folded_name`` plus exact code search."""

    code_field = "code"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(**{self.code_field: term}), False
        return queryset.filter(folded_name__contains=fold(term)), False


@admin.register(AdminUnitRelease)
class AdminUnitReleaseAdmin(ReadOnlyReferenceAdmin):
    list_display = [
        "key",
        "kind",
        "title",
        "effective_from",
        "effective_to",
        "snapshot_date",
        "row_count",
        "loaded_at",
    ]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in AdminUnitRelease._meta.fields]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": format_html(
                '{} <a href="{}">{}</a>',
                _("Tra cứu một địa danh:"),
                reverse("admin:orgtree_placelookup_changelist"),
                _("trang tra cứu"),
            ),
        }
        return super().changelist_view(request, extra_context)


@admin.register(AdminUnit)
class AdminUnitAdmin(FoldedSearchMixin, ReadOnlyReferenceAdmin):
    list_display = ["code", "full_name", "level", "unit_type", "province_code", "district_code"]
    list_filter = ["release", "level", "unit_type"]
    search_fields = ["folded_name", "code"]
    search_help_text = gettext_lazy("Tìm theo tên (có hoặc không dấu) hoặc theo mã.")
    list_select_related = ["release"]
    readonly_fields = [f.name for f in AdminUnit._meta.fields]


@admin.register(AdminUnitConversion)
class AdminUnitConversionAdmin(ReadOnlyReferenceAdmin):
    list_display = [
        "row_number",
        "old_commune_name",
        "old_commune_code",
        "old_district_name",
        "old_province_name",
        "new_commune_name",
        "new_commune_code",
        "new_province_name",
        "kind",
        "note",
    ]
    list_filter = ["kind", "new_province_name"]
    search_fields = ["old_commune_code", "new_commune_code", "old_commune_name", "new_commune_name"]
    search_help_text = gettext_lazy("Tìm theo mã xã cũ/mới hoặc tên (có hoặc không dấu).")
    readonly_fields = [f.name for f in AdminUnitConversion._meta.fields]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """A code finds the rows of that old or new commune; a name (with or without
        diacritics) finds the rows of every commune of that name, old or new."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            codes = [term]
        else:
            codes = list(
                AdminUnit.objects.filter(level=AdminUnit.Level.COMMUNE, folded_name=fold(term))
                .values_list("code", flat=True)
                .distinct()
            )
        return queryset.filter(Q(old_commune_code__in=codes) | Q(new_commune_code__in=codes)), False


@admin.register(HistoricPlaceName)
class HistoricPlaceNameAdmin(FoldedSearchMixin, ReadOnlyReferenceAdmin):
    list_display = [
        "name",
        "kind",
        "level",
        "successor_release_key",
        "successor_province_code",
        "valid_until",
        "legal_basis",
        "note",
    ]
    list_filter = ["kind"]
    search_fields = ["folded_name"]
    code_field = "successor_province_code"
    readonly_fields = [f.name for f in HistoricPlaceName._meta.fields]


class PlaceLookupForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Địa danh hoặc địa chỉ"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 80, "autofocus": True}),
        help_text=gettext_lazy(
            "Ví dụ: “Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh”, “TP.HCM”, “Đà Lạt”."
        ),
    )
    as_of = forms.DateField(
        label=gettext_lazy("Theo danh mục có hiệu lực ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=gettext_lazy("Bỏ trống: hôm nay."),
    )


@admin.register(PlaceLookup)
class PlaceLookupAdmin(ReadOnlyReferenceAdmin):
    """The lookup page takes the place of the (empty) change list."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PlaceLookupForm(request.GET or None)
        result = None
        if form.is_valid():
            result = resolve_place(form.cleaned_data["text"], as_of=form.cleaned_data["as_of"])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tra cứu địa danh"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "result_dict": result.to_dict() if result else None,
            # a district column only for a set that has districts (before 1/7/2025)
            "candidate_districts": bool(result)
            and any(c.get("district") for c in result.candidates),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/orgtree/place_lookup.html", context)

    def change_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("admin:orgtree_placelookup_changelist")
