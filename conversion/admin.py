"""Admin: campaigns (commit, undo, report) and their rows (choose a candidate for a text).

Both lists are limited to the user's part of the tree (:class:`ScopedAdminMixin`); the
services check again that the user may edit the campaign's whole scope. A campaign is started
here ("Thêm": unit and date; the preview runs in the background, :mod:`conversion.jobs`), by
``manage.py reform_convert`` or :func:`conversion.services.preview`; its page shows the
progress, the counts, the review queue and the commit, report and undo buttons.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.admin.unit_filter import unit_picker
from orgtree.models import Unit
from profiles.admin import NationalAdminEditsMixin

from . import export_jobs as report_exports
from . import jobs, review, services
from .models import Campaign, ChangeRow, CodeMapping, FieldName, Outcome, Task
from .report import write_report

#: rows shown on the campaign page (the Excel report has them all)
SAMPLE_ROWS = 50


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


class StartForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Đơn vị (gồm các đơn vị trực thuộc)"),
        queryset=Unit.objects.none(),  # the user's units (__init__): what is accepted
        widget=unit_picker(),  # a province has hundreds of units: a search box
    )
    as_of = forms.DateField(
        label=_("Ngày tham chiếu"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    title = forms.CharField(label=_("Tên đợt"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = scope_for(user).filter(Unit.objects.active(), "", EDIT_PROFILE_ROLES)
        units = units.order_by("code")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ReviewFilter(forms.Form):
    field = forms.ChoiceField(label=_("Trường"), required=False, choices=[("", _("Mọi trường"))])
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), required=False, queryset=Unit.objects.none(), empty_label=_("Mọi đơn vị")
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            ("", _("Mọi trường")),
            *review.PLACE_FIELD_CHOICES,
            *review.CODE_FIELD_CHOICES,
        ]
        self.fields["unit"].queryset = review.review_units(campaign)  # type: ignore[attr-defined]


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The campaign page: start (background preview), progress, counts, the review queue with
    the candidates as buttons, commit, report, undo."""

    scope_field = "scope_unit"
    list_display = (
        "id",
        "title",
        "scope_unit",
        "as_of",
        "status",
        "task_state",
        "profile_count",
        "converted",
        "to_review",
        "created_by",
        "created_at",
    )
    list_display_links = ("id", "title")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Campaign._meta.fields]
    actions = ("commit_action", "undo_action", "report_action")

    @admin.display(description=_("chuyển đổi"))
    def converted(self, obj: Campaign) -> int:
        return obj.counts.get("outcomes", {}).get(Outcome.CONVERTED, 0)

    @admin.display(description=_("cần người chọn"))
    def to_review(self, obj: Campaign) -> int:
        return obj.counts.get("outcomes", {}).get(Outcome.REVIEW, 0)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:campaign_id>/dot/", view(self.page_view), name="conversion_campaign_page"),
            path(
                "<int:campaign_id>/trang-thai/",
                view(self.status_view),
                name="conversion_campaign_status",
            ),
            path(
                "<int:campaign_id>/bao-cao.xlsx",
                view(self.report_view),
                name="conversion_campaign_report",
            ),
            *super().get_urls(),
        ]

    def _campaign(self, request: HttpRequest, campaign_id: int) -> Campaign:
        found = self.get_queryset(request).filter(pk=campaign_id).first()
        if found is None:
            raise Http404(_("Không tìm thấy đợt chuyển đổi."))
        return found

    # -- start ------------------------------------------------------------------------------------
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StartForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                campaign = jobs.start_preview(
                    user=request.user,
                    unit=form.cleaned_data["unit"],
                    as_of=form.cleaned_data["as_of"],
                    title=form.cleaned_data["title"],
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, _message(exc))
            else:
                return redirect("admin:conversion_campaign_page", campaign.pk)
        return TemplateResponse(
            request,
            "admin/conversion/start.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Chuyển đổi hồ sơ theo địa giới và tổ chức mới"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        try:
            return redirect("admin:conversion_campaign_page", int(object_id))
        except (ValueError, NoReverseMatch):  # not an integer, or a negative one
            raise Http404 from None

    # -- the campaign page ------------------------------------------------------------------------
    def page_view(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = self._campaign(request, campaign_id)
        page_url = reverse("admin:conversion_campaign_page", args=[campaign.pk])
        if request.method == "POST":
            if not self.has_change_permission(request, campaign):
                raise PermissionDenied
            try:
                self._post(request, campaign)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, _message(exc))
            query = request.POST.get("filter_query", "")
            return redirect(f"{page_url}?{query}" if query else page_url)
        status = jobs.status_json(campaign)
        campaign.refresh_from_db()
        filters = ReviewFilter(request.GET or None, campaign=campaign)
        field_name, unit = "", None
        if filters.is_valid():
            field_name = filters.cleaned_data["field"] or ""
            unit = filters.cleaned_data["unit"]
        previewed = campaign.status == Campaign.Status.PREVIEWED
        groups = review.review_groups(campaign, field_name, unit) if previewed else []
        code_groups = review.code_groups(campaign, field_name, unit) if previewed else []
        field_labels = dict(FieldName.choices)
        outcomes = campaign.counts.get("outcomes", {})
        fields = [
            {
                "label": field_labels.get(name, name),
                "counts": [by.get(o, 0) for o in Outcome.values],
            }
            for name, by in campaign.counts.get("fields", {}).items()
        ]
        samples = (
            ChangeRow.objects.filter(campaign=campaign)
            .exclude(outcome=Outcome.CURRENT)
            .select_related("profile")
            .order_by("id")[:SAMPLE_ROWS]
            if campaign.status != Campaign.Status.PREPARING
            else []
        )
        return TemplateResponse(
            request,
            "admin/conversion/campaign.html",
            {
                **self.admin_site.each_context(request),
                "title": str(campaign),
                "campaign": campaign,
                "status": status,
                "status_url": reverse("admin:conversion_campaign_status", args=[campaign.pk]),
                "report_url": reverse("admin:conversion_campaign_report", args=[campaign.pk]),
                "outcome_labels": [Outcome(o).label for o in Outcome.values],
                "outcomes": [(Outcome(o).label, outcomes.get(o, 0)) for o in Outcome.values],
                "fields": fields,
                "samples": samples,
                "groups": [
                    {
                        "group": g,
                        "fields": ", ".join(
                            f"{field_labels.get(k, k)}: {n}" for k, n in sorted(g.fields.items())
                        ),
                    }
                    for g in groups
                ],
                "code_groups": [
                    {"group": g, "field": field_labels.get(g.field, g.field)} for g in code_groups
                ],
                "filters": filters,
                "filter_query": request.GET.urlencode(),
                "blockers": campaign.counts.get("undo_blockers", []),
                "can_edit": self.has_change_permission(request, campaign),
                "running": status["task_state"] in jobs.ACTIVE,
                "opts": self.model._meta,
            },
        )

    def _post(self, request: HttpRequest, campaign: Campaign) -> None:
        post = request.POST
        if "choose" in post:
            texts = post.getlist("text")
            changed = review.decide_group(campaign, texts, post["choose"], request.user)
            messages.success(
                request,
                _("Đã chọn cho %(t)s văn bản: %(n)s giá trị của mọi hồ sơ mang văn bản đó.")
                % {"t": len(texts), "n": changed},
            )
        elif "choose_code" in post:
            changed = review.decide_code(
                campaign,
                post.get("field", ""),
                post.get("old_code", ""),
                post["choose_code"],
                request.user,
            )
            messages.success(
                request,
                _("Đã chọn cho %(n)s giá trị có cùng mã cũ.") % {"n": changed},
            )
        elif "commit" in post:
            jobs.start_step(request.user, campaign, Task.COMMIT)
        elif "undo" in post:
            jobs.start_step(request.user, campaign, Task.UNDO)
        elif "retry" in post:
            jobs.start_step(request.user, campaign, Task.PREVIEW)

    def status_view(self, request: HttpRequest, campaign_id: int) -> JsonResponse:
        return JsonResponse(jobs.status_json(self._campaign(request, campaign_id)))

    def report_view(self, request: HttpRequest, campaign_id: int) -> HttpResponseBase:
        """The report at once when it is small; over the export threshold a background task
        writes it and the person follows it in the download centre ("Tệp đã xuất")."""
        from cbccvc.exports import jobs as export_jobs

        campaign = self._campaign(request, campaign_id)
        if campaign.status == Campaign.Status.PREPARING:
            raise Http404(_("Đợt chuyển đổi chưa xem trước xong."))
        rows = ChangeRow.objects.filter(campaign=campaign).count()
        name = report_exports.file_name(campaign)
        if rows > export_jobs.threshold():
            export_jobs.start_export(
                request.user,
                kind=report_exports.KIND,
                title=gettext("Báo cáo đợt chuyển đổi #%(id)s (%(rows)s dòng)")
                % {"id": campaign.pk, "rows": rows},
                file_name=name,
                params={"campaign": campaign.pk},
                total=rows,
                request=request,
            )
            messages.success(
                request,
                gettext(
                    "Đang lập báo cáo %(rows)s dòng ở chế độ nền. Theo dõi tiến độ và tải tệp "
                    "ở trang “Tệp đã xuất”."
                )
                % {"rows": rows},
            )
            return redirect("admin:exports_exportfile_changelist")
        path = Path(tempfile.mkdtemp()) / name
        write_report(campaign, path, user=request.user)
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)

    # -- list actions (the same steps, as background tasks) ---------------------------------------
    @admin.action(description=_("Ghi các giá trị chuyển đổi vào hồ sơ"))
    def commit_action(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._start(request, queryset, Task.COMMIT)

    @admin.action(description=_("Hoàn tác đợt chuyển đổi"))
    def undo_action(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._start(request, queryset, Task.UNDO)

    def _start(self, request: HttpRequest, queryset: QuerySet[Campaign], task: Task) -> None:
        for campaign in queryset:
            try:
                jobs.start_step(request.user, campaign, task)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"#{campaign.pk}: {_message(exc)}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("Đợt #%(id)s: đã bắt đầu bước “%(task)s” (chạy nền, xem tiến độ ở trang đợt).")
                % {"id": campaign.pk, "task": task.label},
            )

    @admin.action(description=_("Tải báo cáo Excel"))
    def report_action(self, request: HttpRequest, queryset: QuerySet[Campaign]):
        campaign = queryset.first()
        if campaign is None:
            return None
        return redirect("admin:conversion_campaign_report", campaign.pk)


class AppliedFilter(admin.SimpleListFilter):
    """The derived "đã ghi" flag (:class:`conversion.models.ChangeRowManager`)."""

    title = _("đã ghi")
    parameter_name = "applied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Có")), ("0", _("Không"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ChangeRow]):
        if self.value() in ("0", "1"):
            return queryset.filter(applied=self.value() == "1")  # type: ignore[misc]
        return queryset


@admin.register(ChangeRow)
class ChangeRowAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "campaign__scope_unit"
    list_display = (
        "profile",
        "field",
        "child_label",
        "outcome",
        "rule",
        "old_text",
        "new_text",
        "choices",
        "applied_flag",
    )
    list_filter = ("outcome", "field", "rule", AppliedFilter, "campaign")
    search_fields = ("old_text", "new_text", "profile__full_name", "profile__personal_id")
    list_select_related = ("profile",)
    readonly_fields = [*(f.name for f in ChangeRow._meta.fields), "applied_flag"]
    actions = ("choose_1", "choose_2", "choose_3", "choose_4")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description=_("đã ghi"), boolean=True)
    def applied_flag(self, obj: ChangeRow) -> bool:
        return bool(getattr(obj, "applied", False))  # annotated by ChangeRow.objects

    @admin.display(description=_("phương án"))
    def choices(self, obj: ChangeRow) -> str:
        from .report import _candidate_labels

        return _candidate_labels(obj.candidates)

    def _choose(self, request: HttpRequest, queryset: QuerySet[ChangeRow], choice: int) -> None:
        texts = (
            queryset.filter(outcome=Outcome.REVIEW, field__in=services.TEXT_FIELDS)
            .values_list("campaign_id", "old_text")
            .distinct()
        )
        total = 0
        for campaign_id, text in texts:
            try:
                total += services.decide_text(
                    Campaign.objects.get(pk=campaign_id), text, choice, request.user
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"“{text}”: {_message(exc)}", messages.ERROR)
        self.message_user(
            request, _("Đã áp dụng lựa chọn cho %(n)s giá trị cùng văn bản.") % {"n": total}
        )

    @admin.action(description=_("Chọn phương án 1 cho văn bản này (mọi hồ sơ cùng văn bản)"))
    def choose_1(self, request: HttpRequest, queryset: QuerySet[ChangeRow]) -> None:
        self._choose(request, queryset, 0)

    @admin.action(description=_("Chọn phương án 2 cho văn bản này (mọi hồ sơ cùng văn bản)"))
    def choose_2(self, request: HttpRequest, queryset: QuerySet[ChangeRow]) -> None:
        self._choose(request, queryset, 1)

    @admin.action(description=_("Chọn phương án 3 cho văn bản này (mọi hồ sơ cùng văn bản)"))
    def choose_3(self, request: HttpRequest, queryset: QuerySet[ChangeRow]) -> None:
        self._choose(request, queryset, 2)

    @admin.action(description=_("Chọn phương án 4 cho văn bản này (mọi hồ sơ cùng văn bản)"))
    def choose_4(self, request: HttpRequest, queryset: QuerySet[ChangeRow]) -> None:
        self._choose(request, queryset, 3)


@admin.register(CodeMapping)
class CodeMappingAdmin(NationalAdminEditsMixin, admin.ModelAdmin):
    """The old → new position and title table: every agency reads it, the national admin
    edits it (``access_scope = "reference"`` from the mixin)."""

    list_display = ("list_key", "old_code", "old_name", "new_code", "candidates", "effective_from")
    list_filter = ("list_key", "effective_from")
    search_fields = ("old_code", "old_name", "new_code")
