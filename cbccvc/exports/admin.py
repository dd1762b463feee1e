"""The download centre ("Tệp đã xuất"): a person's own exports, their progress (polled by
``exports/progress.js``: the site's CSP allows only its own scripts), and the downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cbccvc.admin_mixins import ViewOnlyAdminMixin
from cbccvc.audit import Kind, record

from . import jobs
from .models import ExportFile


@admin.register(ExportFile)
class ExportFileAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    access_scope = "owner"
    list_display = ("title", "created_at", "status_bar", "row_count", "size_text", "expires_at",
                    "download")  # fmt: skip
    list_display_links = None
    list_filter = ("status",)
    list_per_page = 50
    actions = None

    # -- everyone signed in to the admin sees their own exports, nobody else's ----------------
    def get_queryset(self, request: HttpRequest) -> Any:
        return jobs.visible_exports(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.user_id != request.user.pk:
            return False
        return self.has_module_permission(request)

    # -- columns ------------------------------------------------------------------------------
    @admin.display(description=_("tiến độ"))
    def status_bar(self, obj: ExportFile) -> str:
        return format_html(
            '<span class="export-status" data-export="{}" data-status="{}">'
            '<progress max="100" value="{}"></progress> '
            '<span class="export-status-label">{}</span> '
            '<span class="export-percent">{}%</span></span>',
            obj.token,
            obj.status,
            obj.percent,
            obj.get_status_display(),
            obj.percent,
        )

    @admin.display(description=_("số dòng"))
    def row_count(self, obj: ExportFile) -> int:
        """The rows written; until then, the rows the filter held when asked."""
        return obj.rows if obj.status == ExportFile.Status.DONE else obj.total

    @admin.display(description=_("dung lượng"))
    def size_text(self, obj: ExportFile) -> str:
        return filesizeformat(obj.size) if obj.status == ExportFile.Status.DONE else "–"

    @admin.display(description=_("tải về"))
    def download(self, obj: ExportFile) -> str:
        if obj.status != ExportFile.Status.DONE:
            return format_html('<span class="export-link" data-export="{}">–</span>', obj.token)
        return format_html(
            '<a class="export-link" href="{}">{}</a>',
            reverse("admin:exports_exportfile_download", args=[obj.token]),
            obj.file_name,
        )

    # -- views --------------------------------------------------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {"title": _("Tệp đã xuất"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "trang-thai/",
                self.admin_site.admin_view(self.status_view),
                name="exports_exportfile_status",
            ),
            path(
                "tai-ve/<uuid:token>/",
                self.admin_site.admin_view(self.download_view),
                name="exports_exportfile_download",
            ),
            *super().get_urls(),
        ]

    def _own(self, request: HttpRequest, token: Any) -> ExportFile:
        export = jobs.visible_exports(request.user).filter(token=token).first()
        if export is None:
            raise Http404
        return export

    def status_view(self, request: HttpRequest) -> JsonResponse:
        """``?id=<token>&id=...``: the state of those of the person's exports."""
        tokens = [t for t in request.GET.getlist("id") if t][:100]
        try:
            exports = jobs.visible_exports(request.user).filter(token__in=tokens)
            items = [jobs.status(e) for e in exports]
        except ValidationError as exc:  # not an export's id
            raise Http404 from exc
        return JsonResponse({"exports": items}, json_dumps_params={"ensure_ascii": False})

    def download_view(self, request: HttpRequest, token: Any) -> FileResponse:
        export = self._own(request, token)
        if export.status != ExportFile.Status.DONE:
            raise Http404
        record(
            Kind.EXPORT,
            request=request,
            obj=export,
            export=export.kind,
            background=True,
            stage="downloaded",
            rows=export.rows,
        )
        return FileResponse(
            jobs.open_file(export),
            as_attachment=True,
            filename=export.file_name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if export.file_name.endswith(".xlsx")
            else None,
        )

    class Media:
        js = ("exports/progress.js",)
