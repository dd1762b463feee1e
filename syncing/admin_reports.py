"""Admin of the reports to the ministry (letter 5034 and the status report of 19/9): enter a
report, produce its PDF from the database and look at it, download it as DOCX, submit it through
the national contract. Scoped to the agency admin's subtree; every submission is recorded with
who sent which document and the ministry's receipt. Behaviour lives in
:mod:`.report_documents`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ForeignKey, Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from cbccvc.admin_mixins import ViewOnlyAdminMixin
from orgtree.access import ALL_ROLES, MANAGE_UNIT_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.models import Unit
from signing.credentials import open_signer
from signing.errors import SigningError
from signing.forms import SignWithKeyForm
from signing.keys import vn_time
from signing.models import SigningCredential

from . import report_documents, report_signing
from .reports import MinistryReport, ReportSubmission


class SubmissionInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = ReportSubmission
    extra = 0
    can_delete = False
    fields = (
        "submitted_at",
        "submitted_by",
        "document_sha256",
        "status",
        "receipt_id",
        "received_at",
        "message",
    )
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the report's agency decides (agency admins hold no Django model permissions)
        scope = scope_for(request.user)
        return scope.has_any(ALL_ROLES) if obj is None else scope.covers(obj.agency, ALL_ROLES)


@admin.register(MinistryReport)
class MinistryReportAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "agency"
    edit_roles = MANAGE_UNIT_ROLES
    inlines = [SubmissionInline]
    list_display = ["number", "kind", "agency", "report_date", "produced_at", "last_submission"]
    list_filter = ["kind"]
    search_fields = ["number", "agency__name", "agency__code"]
    fieldsets = [
        (None, {"fields": ["agency", "kind", "number", "place", "report_date", "figures_date"]}),
        (gettext_lazy("Nội dung"), {"fields": ["recipient", "narrative"]}),
        (gettext_lazy("Người ký"), {"fields": ["signer_name", "signer_position"]}),
        (
            gettext_lazy("Tệp báo cáo và gửi Bộ Nội vụ"),
            {
                "fields": [
                    "document_links",
                    "document_sha256",
                    "produced_at",
                    "produced_by",
                    "signature_status",
                ]
            },
        ),
    ]
    readonly_fields = [
        "document_links",
        "document_sha256",
        "produced_at",
        "produced_by",
        "signature_status",
    ]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Unit:
            kwargs["queryset"] = scope_for(request.user).units(self.edit_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if not change and isinstance(obj, MinistryReport):
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("Lần gửi gần nhất"))
    def last_submission(self, obj: MinistryReport) -> str:
        last = obj.submissions.order_by("-submitted_at").first()
        if last is None:
            return _("chưa gửi")
        receipt = f" – {last.receipt_id}" if last.receipt_id else ""
        return f"{last.get_status_display()}{receipt}"

    @admin.display(description=gettext_lazy("Chữ ký số"))
    def signature_status(self, obj: MinistryReport) -> str:
        if obj.pk is None or not obj.document:
            return "–"
        if not obj.signature:
            return format_html('<span id="report-signature">{}</span>', _("chưa ký số"))
        problem = report_signing.signature_problem(obj)
        signed_at = vn_time(obj.signed_at) if obj.signed_at else ""
        text = _("đã ký – %(certificate)s, %(when)s") % {
            "certificate": obj.signature_certificate,
            "when": signed_at,
        }
        return format_html(
            '<span id="report-signature">{}</span>', f"{text}. {problem}" if problem else text
        )

    @admin.display(description=gettext_lazy("Tệp báo cáo"))
    def document_links(self, obj: MinistryReport) -> str:
        if obj.pk is None:
            return _("Lưu báo cáo trước, rồi xuất tệp.")
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        pdf = (
            format_html(
                '<a href="{}" target="_blank" id="report-pdf">{}</a> · ',
                reverse(f"{name}_pdf", args=[obj.pk]),
                _("Xem tệp PDF"),
            )
            if obj.document
            else _("Chưa xuất tệp.") + " "
        )
        # buttons of the change form itself (its CSRF token), posted to their own views
        sign = (
            format_html(
                '<a href="{}" class="button" id="report-sign">{}</a> ',
                reverse(f"{name}_sign", args=[obj.pk]),
                _("Ký số"),
            )
            if obj.document
            else ""
        )
        return format_html(
            '{}<a href="{}" id="report-docx">{}</a> '
            '<button type="submit" formaction="{}" formnovalidate class="button"'
            ' id="report-produce">{}</button> '
            "{}"
            '<button type="submit" formaction="{}" formnovalidate class="button"'
            ' id="report-submit">{}</button>',
            pdf,
            reverse(f"{name}_docx", args=[obj.pk]),
            _("Tải DOCX"),
            reverse(f"{name}_produce", args=[obj.pk]),
            _("Xuất tệp từ số liệu đã lưu"),
            sign,
            reverse(f"{name}_submit", args=[obj.pk]),
            _("Gửi Bộ Nội vụ"),
        )

    # -- produce, view, submit ------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name=f"{name}_pdf",
            ),
            path(
                "<path:object_id>/docx/",
                self.admin_site.admin_view(self.docx_view),
                name=f"{name}_docx",
            ),
            path(
                "<path:object_id>/xuat-tep/",
                self.admin_site.admin_view(self.produce_view),
                name=f"{name}_produce",
            ),
            path(
                "<path:object_id>/ky-so/",
                self.admin_site.admin_view(self.sign_view),
                name=f"{name}_sign",
            ),
            path(
                "<path:object_id>/gui-bo/",
                self.admin_site.admin_view(self.submit_view),
                name=f"{name}_submit",
            ),
            *super().get_urls(),
        ]

    def _visible(self, request: HttpRequest, object_id: str) -> MinistryReport:
        obj = self.get_object(request, object_id)  # None outside the user's scope
        if obj is None:
            raise Http404(_("Không tìm thấy báo cáo."))
        return obj

    def _editable(self, request: HttpRequest, object_id: str) -> MinistryReport:
        obj = self._visible(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _back(self, obj: MinistryReport) -> HttpResponseRedirect:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        return HttpResponseRedirect(reverse(name, args=[obj.pk]))

    def pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._visible(request, object_id)
        if not obj.document:
            raise Http404(_("Báo cáo chưa xuất tệp."))
        response = HttpResponse(bytes(obj.document), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bao-cao-{obj.pk}.pdf"'
        return response

    def docx_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._visible(request, object_id)
        try:
            data = report_documents.render_docx(report_documents.build_document(obj))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return self._back(obj)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{obj.pk}.docx"'
        return response

    def produce_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._produce)(request, object_id)

    def _produce(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._editable(request, object_id)
        try:
            report_documents.produce(obj, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Đã xuất tệp báo cáo %(number)s; hãy xem lại trước khi gửi.")
                % {"number": obj.number},
            )
        return self._back(obj)

    def sign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Sign the frozen PDF with one of the user's own signing keys (PIN typed here, used
        once, never stored)."""
        obj = self._editable(request, object_id)
        if not obj.document:
            messages.error(
                request,
                _("Báo cáo %(number)s: chưa xuất tệp; hãy xuất tệp trước.")
                % {"number": obj.number},
            )
            return self._back(obj)
        form = SignWithKeyForm(
            request.POST if request.method == "POST" else None, user=request.user
        )
        if form.is_bound and form.is_valid():
            try:
                with open_signer(
                    form.cleaned_data["credential"], form.cleaned_data["pin"], user=request.user
                ) as signer:
                    report_signing.sign_report(obj, signer, acting_user=request.user)
            except (SigningError, ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                form.add_error("pin", text or _("Không mở được khóa ký số."))
            else:
                messages.success(
                    request,
                    _("Đã ký số báo cáo %(number)s (%(certificate)s).")
                    % {"number": obj.number, "certificate": obj.signature_certificate},
                )
                return self._back(obj)
        return TemplateResponse(
            request,
            "admin/syncing/ministryreport/sign.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ký số báo cáo"),
                "opts": self.opts,
                "report": obj,
                "form": form,
                "has_credentials": SigningCredential.objects.filter(
                    owner=request.user.pk, active=True
                ).exists(),
            },
        )

    def submit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._submit)(request, object_id)

    def _submit(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._editable(request, object_id)
        try:
            record = report_documents.submit(obj, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Báo cáo %(number)s: %(message)s Mã tiếp nhận %(receipt)s.")
                % {"number": obj.number, "message": record.message, "receipt": record.receipt_id},
            )
        return self._back(obj)
