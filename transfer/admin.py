"""Admin: the import wizard (upload → preview → confirm → progress → report), the mapping
profiles, and the "Xuất Excel" export of the profile list.

Why custom admin views rather than django-import-export's ``ImportMixin``: its flow imports
one model through one ``Resource`` inside the request (form → ``import_data`` dry run →
confirm form → ``import_data`` again). Our files hold a person and up to 13 child tables across
several sheets, with header recognition, legacy encodings, matching across files, a plan digest
that the commit must reproduce, and large files that must run in a django-q2 task with a
progress bar. The views below keep the admin's look (the same base templates) and call the job
service (:mod:`transfer.jobs`) like the command and the API do.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.admin.unit_filter import unit_picker
from orgtree.models import Unit

from . import jobs, results, wizard
from .heartbeat import reap_stale_import_jobs
from .models import ImportedSourceData, ImportJob, ImportMapping
from .report import ImportError_


@admin.register(ImportMapping)
class ImportMappingAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "source_software", "unit")
    search_fields = ("name", "source_software")
    edit_roles = EDIT_PROFILE_ROLES
    fields = (
        "name",
        "source_software",
        "unit",
        "column_overrides",
        "skipped_columns",
        "value_mappings",
        "notes",
    )


@admin.register(ImportedSourceData)
class ImportedSourceDataAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What imported rows carried that no field takes (unknown codes, unknown columns), read
    only: the officer maps the values and edits the profile."""

    scope_field = "profile__unit"
    list_display = ("profile", "file", "sheet", "row", "updated_at")
    search_fields = ("profile__personal_id", "profile__full_name", "file")
    list_select_related = ("profile",)
    readonly_fields = ("profile", "file", "sheet", "row", "data", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label=gettext_lazy("Tệp (.xlsx, .xls, .ods, .csv)"))
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị nhận"),
        queryset=Unit.objects.none(),  # the user's units (__init__): what is accepted
        widget=unit_picker(),  # a province has hundreds of units: a search box
    )
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Cấu hình nhập"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tự nhận diện cột"),
    )
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("Tất cả hoặc không (có dòng lỗi thì không ghi dòng nào)"),
        required=False,
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["unit"].queryset = scope.units(EDIT_PROFILE_ROLES).active().order_by("code")
        self.fields["mapping"].queryset = scope.filter(ImportMapping.objects.all(), "unit")


class MappingForm(forms.Form):
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Cấu hình nhập"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tự nhận diện cột"),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = scope_for(user).filter(
            ImportMapping.objects.all(), "unit"
        )


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "unit", "created_by", "mode", "status", "progress", "created_at")
    list_filter = ("status", "mode")
    edit_roles = EDIT_PROFILE_ROLES
    view_roles = EDIT_PROFILE_ROLES
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    @admin.display(description=gettext_lazy("tiến độ"))
    def progress(self, obj: ImportJob) -> str:
        return f"{obj.done}/{obj.total}"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    actions = ["resume_jobs"]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        reap_stale_import_jobs()  # a job whose worker died is shown failed, not "running"
        return super().changelist_view(request, extra_context)

    @admin.action(description=gettext_lazy("Chạy tiếp các lượt nhập đã thất bại hoặc bị dừng"))
    def resume_jobs(self, request: HttpRequest, queryset) -> None:
        resumed = 0
        for job in queryset:
            try:
                jobs.resume_job(request.user, job)
            except (ImportError_, jobs.JobNotFound) as exc:
                messages.warning(request, f"{job}: {exc}")
            else:
                resumed += 1
        if resumed:
            messages.success(request, _("Đã chạy tiếp %(count)d lượt nhập.") % {"count": resumed})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:job_id>/xem-truoc/", view(self.preview_view), name="transfer_import_preview"
            ),
            path("<int:job_id>/trang-thai/", view(self.status_view), name="transfer_import_status"),
            path(
                "<int:job_id>/bao-cao.json", view(self.report_view), name="transfer_import_report"
            ),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, job_id: int) -> ImportJob:
        try:
            return jobs.get_job(request.user, job_id)
        except jobs.JobNotFound:
            raise Http404(_("Không tìm thấy lượt nhập.")) from None

    # -- upload (the "add" page) ---------------------------------------------------------------
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            uploads = form.cleaned_data["files"]
            try:
                job = jobs.start_import(
                    user=request.user,
                    unit=form.cleaned_data["unit"],
                    files=[(f.name, f) for f in uploads],
                    dry_run=True,
                    mapping=form.cleaned_data["mapping"],
                    all_or_nothing=form.cleaned_data["all_or_nothing"],
                )
            except ImportError_ as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("admin:transfer_import_preview", job.pk)
        return TemplateResponse(
            request,
            "admin/transfer/import/upload.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Nhập hồ sơ từ tệp"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    # -- preview, fix mapping, confirm ---------------------------------------------------------
    def preview_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        mapping_form = MappingForm(
            request.POST if "recompute" in request.POST else None,
            user=request.user,
            initial={"mapping": job.mapping_id},
        )
        if request.method == "POST":
            try:
                if "recompute" in request.POST and mapping_form.is_valid():
                    jobs.rerun_preview(request.user, job, mapping_form.cleaned_data["mapping"])
                    messages.info(request, _("Đã xem trước lại với cấu hình nhập đã chọn."))
                    return redirect("admin:transfer_import_preview", job.pk)
                if "save_mapping" in request.POST:
                    mapping = self._save_mapping(request, job)
                    jobs.rerun_preview(request.user, job, mapping)
                    messages.success(
                        request,
                        _("Đã lưu lựa chọn vào cấu hình nhập “%(name)s” và xem trước lại.")
                        % {"name": mapping.name},
                    )
                    return redirect("admin:transfer_import_preview", job.pk)
                if "confirm" in request.POST:
                    jobs.confirm_job(request.user, job)
                    return redirect("admin:transfer_import_preview", job.pk)
            except ImportError_ as exc:
                messages.error(request, str(exc))
            except jobs.JobNotFound:
                raise Http404 from None
        report = job.report or {}
        filter_key = request.GET.get("loc", "all")
        page = wizard.preview_page(job, filter_key, request.GET.get("trang", 1))
        filters = wizard.filter_counts(job)
        can_confirm = job.mode == ImportJob.Mode.DRY_RUN and job.status == ImportJob.Status.PLANNED
        unknown_columns, unknown_values = (
            wizard.unknowns(report, job.mapping) if can_confirm else ([], [])
        )
        # the most frequent values first; a file of a thousand free-text positions must not
        # make a page of a thousand drop-downs: the rest after these are mapped
        more_values = max(0, len(unknown_values) - wizard.MAX_VALUES)
        unknown_values = sorted(unknown_values, key=lambda v: -(v.count or 0))[: wizard.MAX_VALUES]
        unknown_values.sort(key=lambda v: (v.kind, -(v.count or 0), v.value))
        held_url = ""
        if report.get("committed") and (report.get("holding") or {}).get("held"):
            held_url = reverse("admin:transfer_heldrow_grid") + f"?job={job.pk}"
        return TemplateResponse(
            request,
            "admin/transfer/import/preview.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Lượt nhập #%(number)d") % {"number": job.pk},
                "job": job,
                "report": report,
                "rows": page.object_list,
                "page": page,
                "filter_key": page_filter(filter_key),
                "filters": filters,
                "row_count": next(n for k, _label, n in filters if k == "all"),
                "mapping_form": mapping_form,
                "unknown_columns": unknown_columns,
                "unknown_values": unknown_values,
                "more_values": more_values,
                "KEEP": wizard.KEEP,
                "SKIP": wizard.SKIP,
                "editable_mappings": wizard.mappings_for(request.user),
                "default_mapping_name": wizard.default_name(job),
                "held_url": held_url,
                "status_url": reverse("admin:transfer_import_status", args=[job.pk]),
                "report_url": reverse("admin:transfer_import_report", args=[job.pk]),
                "opts": self.model._meta,
                "can_confirm": can_confirm,
            },
        )

    def _save_mapping(self, request: HttpRequest, job: ImportJob) -> ImportMapping:
        columns, values = wizard.parse_choices(request.POST)
        target = request.POST.get("target_mapping", "")
        mapping = None
        if target:
            mapping = wizard.mappings_for(request.user).filter(pk=target).first()
            if mapping is None:
                raise ImportError_(_("Cấu hình nhập nằm ngoài phạm vi của bạn."))
        return wizard.save_choices(
            request.user,
            job,
            mapping=mapping,
            name=request.POST.get("mapping_name", ""),
            source_software=request.POST.get("source_software", ""),
            columns=columns,
            values=values,
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        try:
            return redirect("admin:transfer_import_preview", int(object_id))
        except (ValueError, NoReverseMatch):  # not an integer, or a negative one
            raise Http404 from None

    def status_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        return JsonResponse(self._job(request, job_id).status_json())

    def report_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        report_file = jobs.imports_dir() / str(job.pk) / "report.json"
        if report_file.exists():
            return FileResponse(
                report_file.open("rb"),
                as_attachment=True,
                filename=f"bao-cao-nhap-{job.pk}.json",
                content_type="application/json",
            )
        return JsonResponse(results.full_report(job), json_dumps_params={"ensure_ascii": False})


def page_filter(key: str) -> str:
    return key if key in wizard.FILTERS else "all"


# -- export of the profile list ---------------------------------------------------------------
class ProfileExportAdminMixin:
    """The "Xuất Excel" button (the current filters and search, inside the scope) and the
    "export selected" action, both through :func:`transfer.export.export_profiles`."""

    def get_urls(self):
        return [
            path(
                "xuat-excel/",
                self.admin_site.admin_view(self.export_xlsx_view),  # type: ignore[attr-defined]
                name="profiles_profile_export_xlsx",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)  # type: ignore[misc]
        func = type(self).export_selected_xlsx
        actions["export_selected_xlsx"] = (
            func,
            "export_selected_xlsx",
            gettext_lazy("Xuất Excel các hồ sơ đã chọn"),
        )
        return actions

    def _xlsx_response(self, request: HttpRequest, queryset) -> HttpResponse:
        import tempfile

        from cbccvc.audit import Kind, record
        from profiles.services import HIDDEN_NOTES, audit_sensitive_read, readable_groups

        from .export import export_profiles

        readable = readable_groups(request.user)
        background = self._background_export(request, queryset)
        if background is not None:
            return background
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
        tmp.close()
        result = export_profiles(
            queryset,
            tmp.name,
            with_assets="asset_declarations" in readable,
            with_health="health" in readable,
        )
        record(
            Kind.EXPORT,
            request=request,
            object_type="profiles.profile",
            export="xlsx",
            profiles=result.profiles,
        )
        audit_sensitive_read(readable, request=request, via="xlsx", object_type="profiles.profile")
        for key, note in HIDDEN_NOTES.items():
            if key not in readable:
                messages.info(request, _("Tệp Excel không có trang này: %(note)s") % {"note": note})
        return FileResponse(
            open(tmp.name, "rb"),
            as_attachment=True,
            filename="ho-so-cbccvc.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def _background_export(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """Over the threshold: a background task (cbccvc.exports) finds the same rows again
        (the same query string, and the selected ids unless "all" were selected) and the
        person waits in the download centre, not in the request."""
        from cbccvc.exports import jobs as export_jobs
        from profiles.services import HIDDEN_NOTES, readable_groups

        from . import export_jobs as profile_exports

        count = queryset.count()
        if count <= export_jobs.threshold():
            return None
        query = request.GET.urlencode()
        ids = None
        if request.method == "POST" and request.POST.get("select_across") != "1":
            ids = [int(pk) for pk in queryset.values_list("pk", flat=True)]
        export_jobs.start_export(
            request.user,
            kind=profile_exports.KIND,
            title=_("Danh sách hồ sơ CBCCVC (%(count)s hồ sơ)") % {"count": count},
            file_name="ho-so-cbccvc.xlsx",
            params=profile_exports.export_params(query, ids),
            total=count,
            request=request,
        )
        readable = readable_groups(request.user)
        for key, note in HIDDEN_NOTES.items():
            if key not in readable:
                messages.info(request, _("Tệp Excel không có trang này: %(note)s") % {"note": note})
        messages.success(
            request,
            _(
                "Đang xuất %(count)s hồ sơ ở chế độ nền. Theo dõi tiến độ và tải tệp "
                "trong mục Tệp đã xuất."
            )
            % {"count": count},
        )
        return redirect(reverse("admin:exports_exportfile_changelist"))

    def export_selected_xlsx(self, request: HttpRequest, queryset) -> HttpResponse:
        return self._xlsx_response(request, queryset)

    def export_xlsx_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        return self._xlsx_response(request, changelist.get_queryset(request))


# The profile list's "Xuất Excel" button and action belong to this app: the profile admin of
# ``profiles`` is extended here (``profiles`` never imports ``transfer``). INSTALLED_APPS puts
# ``transfer`` after ``profiles``, so its admin module is discovered after the one it extends.
from profiles.admin import ProfileAdmin as _BaseProfileAdmin  # noqa: E402
from profiles.models import Profile  # noqa: E402

from . import holding_admin  # noqa: E402, F401 - registers the holding area's admin


class ProfileAdmin(ProfileExportAdminMixin, _BaseProfileAdmin):
    pass


admin.site.unregister(Profile)
admin.site.register(Profile, ProfileAdmin)
