"""Admin of the holding area ("Dòng chờ xử lý"): the rows an import refused, scoped by the
target unit. The change form shows one input per original cell; the actions re-import the
fixed rows ("Nhập lại các dòng đã sửa", through the job service like a file) and download
them as Excel with a "Lý do" column (fixed, the file goes through the normal import)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orgtree.access import EDIT_PROFILE_ROLES
from orgtree.admin.scoped import ScopedAdminMixin

from . import holding
from .columns import SHEETS
from .holding_models import HeldRow
from .report import ImportError_

_INFO = (
    "status",
    "unit",
    "file",
    "sheet",
    "row",
    "table",
    "problem_list",
    "job",
    "profile",
    "resolved_job",
    "resolved_at",
    "edited_at",
)


class HeldRowForm(forms.ModelForm):
    """The original cells, one input each (``cell_0`` …, labelled by their header)."""

    class Meta:
        model = HeldRow
        fields: list[str] = []

    def cell_names(self) -> list[str]:
        return [f"cell_{i}" for i in range(len(self.instance.cells or []))]

    def save(self, commit: bool = True) -> HeldRow:
        obj = self.instance
        cells = [list(c) for c in obj.cells or []]
        changed = False
        for i, cell in enumerate(cells):
            value = (self.cleaned_data.get(f"cell_{i}") or "").strip()
            if value != cell[1]:
                cell[1] = value
                changed = True
        if changed:
            obj.cells = cells
            obj.edited_at = timezone.now()
        return super().save(commit)


def grid_headers(rows: Sequence[HeldRow]) -> list[tuple[str, int]]:
    """The columns of a grid of held rows: the union of their headers, in order."""
    return holding.held_headers(rows)  # the Excel file's columns, the same order


def grid_values(h: HeldRow, headers: Sequence[tuple[str, int]]) -> list[str]:
    """The row's cell under each of ``headers`` ("" where the row has no such cell)."""
    values: dict[tuple[str, int], str] = {}
    count: dict[str, int] = defaultdict(int)
    for header, value in h.cells or []:
        values[(header, count[header])] = value
        count[header] += 1
    return [values.get(key, "") for key in headers]


def grid_cells(headers: Sequence[tuple[str, int]], values: Sequence[str]) -> list[list[str]]:
    """The row's cells back from the grid's values, in the headers' order."""
    return [[header, value] for (header, _), value in zip(headers, values, strict=True)]


def _problem_columns(h: HeldRow) -> set[str]:
    return {p.get("column", "") for p in h.problems or []}


#: rows the grid shows at once (the rest after these are fixed, or through the Excel file)
GRID_ROWS = 200


def _grid_edits(rows: list[HeldRow], post: Any) -> list[HeldRow]:
    """Apply the grid's inputs (``r<pk>-<column>``) to ``rows``; the rows that changed."""
    edited = []
    now = timezone.now()
    for h in rows:
        headers = grid_headers([h])
        values = grid_values(h, headers)
        new = [str(post.get(f"r{h.pk}-{j}", values[j])).strip()[:1000] for j in range(len(headers))]
        if new != values:
            h.cells = grid_cells(headers, new)
            h.edited_at = now
            h.updated_at = now
            edited.append(h)
    return edited


def _form_for(obj: HeldRow | None) -> type[HeldRowForm]:
    """One input per cell; a cell a problem names carries that problem under its input."""
    attrs: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for p in (obj.problems if obj else None) or []:
        problems.setdefault(p.get("column", ""), []).append(p.get("message", ""))
    for i, (header, value) in enumerate((obj.cells if obj else None) or []):
        named = problems.get(header, [])
        attrs[f"cell_{i}"] = forms.CharField(
            label=header or _("Cột %(number)d") % {"number": i + 1},
            required=False,
            initial=value,
            max_length=1000,
            help_text=" · ".join(named),
            widget=forms.TextInput(
                attrs={"size": 60, **({"class": "held-problem"} if named else {})}
            ),
        )
    return type("HeldRowCellsForm", (HeldRowForm,), attrs)


@admin.register(HeldRow)
class HeldRowAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "unit"
    view_roles = EDIT_PROFILE_ROLES
    edit_roles = EDIT_PROFILE_ROLES
    list_display = (
        "__str__",
        "personal_id",
        "first_problem",
        "status",
        "edited_at",
        "profile",
        "updated_at",
    )
    list_filter = ("status", "table")
    search_fields = ("file", "personal_id", "full_name")
    list_select_related = ("profile", "unit")
    actions = ["reimport_rows", "download_rows"]
    readonly_fields = _INFO
    change_form_template = "admin/transfer/import/heldrow_change_form.html"
    change_list_template = "admin/transfer/import/heldrow_change_list.html"

    def get_urls(self):
        return [
            path(
                "luoi/",
                self.admin_site.admin_view(self.grid_view),
                name="transfer_heldrow_grid",
            ),
            *super().get_urls(),
        ]

    # -- the editable grid ----------------------------------------------------------------------
    def grid_view(self, request: HttpRequest) -> HttpResponse:
        """The open held rows (of one job with ``?job=``) as a grid: one input per cell, every
        problem of the row beside it; save the edits, or save and import the ticked rows."""
        qs = self.get_queryset(request).filter(status=HeldRow.Status.OPEN).select_related("unit")
        job_id = request.GET.get("job", "")
        if job_id.isdigit():
            qs = qs.filter(job_id=int(job_id))
        rows = [h for h in qs[:GRID_ROWS] if self.has_change_permission(request, h)]
        if request.method == "POST":
            edited = _grid_edits(rows, request.POST)
            if edited:
                HeldRow.objects.bulk_update(edited, ["cells", "edited_at", "updated_at"])
            chosen = {int(v) for v in request.POST.getlist("chon") if v.isdigit()}
            if "_reimport" in request.POST:
                picked = [h for h in rows if h.pk in chosen]
                if not picked:
                    messages.warning(request, _("Chọn các dòng cần nhập lại."))
                else:
                    self.reimport_rows(
                        request, HeldRow.objects.filter(pk__in=[h.pk for h in picked])
                    )
            elif edited:
                messages.success(request, _("Đã lưu %(n)d dòng đã sửa.") % {"n": len(edited)})
            return redirect(request.get_full_path())
        tables: dict[str, list[HeldRow]] = {}
        for h in rows:
            tables.setdefault(h.table, []).append(h)
        grids = []
        for table, held in tables.items():
            headers = grid_headers(held)
            grids.append(
                {
                    "table": SHEETS[table].title if table in SHEETS else table,
                    "headers": [h for h, _ in headers],
                    "rows": [
                        {
                            "held": h,
                            "cells": [
                                (j, value, headers[j][0] in _problem_columns(h))
                                for j, value in enumerate(grid_values(h, headers))
                            ],
                        }
                        for h in held
                    ],
                }
            )
        return TemplateResponse(
            request,
            "admin/transfer/import/heldrow_grid.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Sửa các dòng chờ xử lý"),
                "opts": self.model._meta,
                "grids": grids,
                "job_id": job_id,
                "shown": len(rows),
                "limit": GRID_ROWS,
            },
        )

    def response_change(self, request: HttpRequest, obj: HeldRow) -> HttpResponse:
        """ "Lưu và nhập lại dòng này": the row just saved goes through the import at once."""
        if "_reimport" not in request.POST:
            return super().response_change(request, obj)
        try:
            started = holding.reimport(request.user, [obj])
        except ImportError_ as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        obj.refresh_from_db()
        for job in started:
            url = reverse("admin:transfer_importjob_change", args=[job.pk])
            messages.info(request, format_html(gettext('Lượt nhập <a href="{}">{}</a>'), url, job))
        if obj.status == HeldRow.Status.RESOLVED:
            messages.success(request, _("Đã nhập dòng %(row)s.") % {"row": obj})
            return redirect(reverse("admin:transfer_heldrow_changelist") + "?status__exact=open")
        messages.warning(
            request, _("Dòng vẫn chưa nhập được; lý do mới: %(why)s") % {"why": obj.reasons()}
        )
        return redirect(request.path)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # rows come from imports

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != HeldRow.Status.OPEN:
            return False  # an imported row is the profile's now
        return super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any):
        form = _form_for(obj)
        kw["form"] = form
        kw["fields"] = [n for n in form.base_fields if n.startswith("cell_")]
        return super().get_form(request, obj, change, **kw)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        cells = [f"cell_{i}" for i in range(len((obj.cells if obj else None) or []))]
        if not self.has_change_permission(request, obj):
            cells = ["cell_table"]
        return [
            (None, {"fields": _INFO}),
            (_("Các ô của dòng (sửa rồi chọn “Nhập lại các dòng đã sửa”)"), {"fields": cells}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if not self.has_change_permission(request, obj):
            return (*_INFO, "cell_table")
        return _INFO

    @admin.display(description=_("lý do"))
    def problem_list(self, obj: HeldRow) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p.get("message", ""),) for p in obj.problems)),
        )

    @admin.display(description=_("lý do đầu tiên"))
    def first_problem(self, obj: HeldRow) -> str:
        first = obj.problems[0].get("message", "") if obj.problems else ""
        more = len(obj.problems) - 1
        return f"{first} (+{more})" if more > 0 else first

    @admin.display(description=_("các ô gốc"))
    def cell_table(self, obj: HeldRow) -> str:
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", obj.cells or []),
        )

    # -- actions ------------------------------------------------------------------------------
    @admin.action(description=_("Nhập lại các dòng đã sửa"))
    def reimport_rows(self, request: HttpRequest, queryset: QuerySet[HeldRow]) -> None:
        rows = [
            h
            for h in queryset.select_related("unit")
            if h.status == HeldRow.Status.OPEN and self.has_change_permission(request, h)
        ]
        if not rows:
            messages.warning(request, _("Không có dòng chờ nào để nhập lại."))
            return
        try:
            started = holding.reimport(request.user, rows)
        except ImportError_ as exc:
            messages.error(request, str(exc))
            return
        pks = [h.pk for h in rows]
        resolved = HeldRow.objects.filter(pk__in=pks, status=HeldRow.Status.RESOLVED).count()
        for job in started:
            url = reverse("admin:transfer_importjob_change", args=[job.pk])
            messages.info(request, format_html(gettext('Lượt nhập <a href="{}">{}</a>'), url, job))
        messages.success(
            request,
            _("Đã nhập lại %(done)d/%(all)d dòng; các dòng còn lỗi vẫn chờ với lý do mới.")
            % {"done": resolved, "all": len(rows)},
        )

    @admin.action(description=_("Tải Excel các dòng chờ (có cột “Lý do”)"))
    def download_rows(self, request: HttpRequest, queryset: QuerySet[HeldRow]) -> HttpResponse:
        data = holding.build_workbook(queryset.filter(status=HeldRow.Status.OPEN))
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="dong-cho-xu-ly.xlsx"'
        return response
