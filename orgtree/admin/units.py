"""Admin for the org tree: a collapsible tree of units, their change events and history.

Every write goes through :mod:`orgtree.services`: adding a unit is ``create_unit``, editing it
is ``update_unit`` and/or ``move_unit`` (with the effective date, reason and decision the form
asks for), dragging a node onto another is ``move_unit`` on today's date, and the merge,
dissolve and Excel import actions use their services too. A service refusal is shown on the
form. Nothing is ever deleted, and simple-history's "revert" is disabled (it would bypass the
services).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin
from simple_history.admin import SimpleHistoryAdmin

from cbccvc.admin_mixins import ViewOnlyAdminMixin

from .. import scheduling, services, unit_io
from ..access import MANAGE_UNIT_ROLES, scope_for
from ..models import ScheduledOperation, Unit, UnitChangeEvent, UnitEventLink, UnitPeriod
from ..text import fold
from . import unit_ops
from .scoped import ScopedAdminMixin
from .unit_views import UnitNavigationMixin, UnitStatusFilter, event_units, events_with_units

OpKind = ScheduledOperation.Kind

# Service argument → form field, for showing a refusal next to the right input.
_ERROR_FIELD = {
    "new_parent": "parent",
    "effective_date": "change_effective_date",
    "legal_basis_number": "change_legal_basis_number",
    "legal_basis_date": "change_legal_basis_date",
    "unit": None,
}
# A text input in the Vietnamese form (dd/mm/yyyy, see cbccvc/formats/vi): the browser's own
# date picker follows the computer's language and shows mm/dd/yyyy on an English system.
_DATE_WIDGET = AdminDateWidget(attrs={"placeholder": "dd/mm/yyyy"})


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        name = _ERROR_FIELD.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class UnitAdminForm(forms.ModelForm):
    """The unit form; saving it runs the tree services (inside the admin's transaction)."""

    change_effective_date = forms.DateField(
        label=_("Ngày hiệu lực của thay đổi"), required=False, widget=_DATE_WIDGET
    )
    change_reason = forms.CharField(label=_("Lý do thay đổi"), required=False)
    change_legal_basis_number = forms.CharField(
        label=_("Số quyết định (của thay đổi)"), required=False, max_length=100
    )
    change_legal_basis_date = forms.DateField(
        label=_("Ngày quyết định (của thay đổi)"), required=False, widget=_DATE_WIDGET
    )

    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "parent",
            "national_code",
            "admin_unit",
            "valid_from",
            "legal_basis_number",
            "legal_basis_date",
        ]
        widgets = {"valid_from": _DATE_WIDGET, "legal_basis_date": _DATE_WIDGET}

    request: HttpRequest | None = None  # set by UnitAdmin.get_form
    applied: Unit | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            for name in [n for n in self.fields if n.startswith("change_")]:
                del self.fields[name]
        else:
            self.fields["change_effective_date"].initial = timezone.localdate()

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_national_code(self) -> str:
        return (self.cleaned_data.get("national_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Uniqueness among active units and the tree rules are the services' to enforce.
        self._validate_unique = False
        if self.errors or self.request is None:
            return data
        try:
            self.applied = self._apply(data)
        except ValidationError as exc:
            _add_service_errors(self, exc)
        return data

    def _apply(self, data: dict[str, Any]) -> Unit:
        user = self.request.user if self.request else None
        scope = scope_for(user)
        parent = data.get("parent")
        if self.instance.pk is None:
            if parent is None and not scope.is_national:
                raise ValidationError(
                    {"parent": gettext("Chỉ quản trị cấp quốc gia được tạo đơn vị cấp cao nhất.")}
                )
            return services.create_unit(
                name=data["name"],
                code=data["code"],
                kind=data["kind"],
                parent=parent,
                valid_from=data["valid_from"],
                short_name=data.get("short_name", ""),
                national_code=data.get("national_code", ""),
                admin_unit=data.get("admin_unit"),
                legal_basis_number=data.get("legal_basis_number", ""),
                legal_basis_date=data.get("legal_basis_date"),
                actor=user,
                reason="Thêm trong trang quản trị",
            )
        unit = Unit.objects.get(pk=self.instance.pk)
        common = {
            "effective_date": data.get("change_effective_date") or timezone.localdate(),
            "actor": user,
            "reason": data.get("change_reason") or "Sửa trong trang quản trị",
            "legal_basis_number": data.get("change_legal_basis_number", ""),
            "legal_basis_date": data.get("change_legal_basis_date"),
        }
        changes = {
            name: data.get(name)
            for name in services.UPDATABLE_FIELDS
            if name in self.changed_data and name in data
        }
        if changes:
            try:
                self._submit(OpKind.UPDATE, unit=unit, **common, **changes)
            except ValidationError as exc:
                if getattr(exc, "code", None) != "no_change":  # e.g. only the letter case
                    raise
        if "parent" in self.changed_data and unit.parent_id != getattr(parent, "pk", None):
            if parent is None and not scope.is_national:
                raise ValidationError(
                    {"parent": gettext("Chỉ quản trị cấp quốc gia được bỏ đơn vị cấp trên.")}
                )
            self._submit(OpKind.MOVE, unit=unit, new_parent=parent, **common)
        unit.refresh_from_db()
        return unit

    scheduled: list[ScheduledOperation]

    def _submit(self, kind: str, **params: Any) -> None:
        """Apply now, or schedule when the change's effective date is after today."""
        submitted = scheduling.submit(kind, today=timezone.localdate(), **params)
        if submitted.is_scheduled:
            self.scheduled = [*getattr(self, "scheduled", []), submitted.scheduled]


def _sees_history(request: HttpRequest, unit: Unit | None) -> bool:
    """A unit's periods and events are visible to whoever may see the unit (by scope, not by
    Django model permissions, which agency users do not hold)."""
    scope = scope_for(request.user)
    return scope.has_any() if unit is None else scope.covers(unit)


class _UnitHistoryInline(admin.TabularInline):
    """Read-only rows of a unit's history, shown to whoever may see the unit."""

    fk_name = "unit"
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _sees_history(request, obj)


class UnitPeriodInline(_UnitHistoryInline):
    model = UnitPeriod
    verbose_name_plural = _("Các giai đoạn (tên, mã, cấp trên theo thời gian)")
    fields = ["period_from", "period_to", "period_name", "period_code", "period_kind",
              "period_parent", "event_link"]  # fmt: skip
    readonly_fields = fields
    ordering = ["valid_from"]

    # The period model's fields have no Vietnamese names: these columns give them one.
    @admin.display(description=_("từ ngày"))
    def period_from(self, period: UnitPeriod) -> str:
        return f"{period.valid_from:%d/%m/%Y}"

    @admin.display(description=_("đến ngày (không kể)"))
    def period_to(self, period: UnitPeriod) -> str:
        return f"{period.valid_to:%d/%m/%Y}" if period.valid_to else "—"

    @admin.display(description=_("tên đơn vị"))
    def period_name(self, period: UnitPeriod) -> str:
        return period.name

    @admin.display(description=_("mã định danh"))
    def period_code(self, period: UnitPeriod) -> str:
        return period.code

    @admin.display(description=_("loại đơn vị"))
    def period_kind(self, period: UnitPeriod) -> str:
        return period.get_kind_display()

    @admin.display(description=_("đơn vị cấp trên"))
    def period_parent(self, period: UnitPeriod) -> str:
        return str(period.parent) if period.parent_id else "—"

    @admin.display(description=_("sự kiện"))
    def event_link(self, period: UnitPeriod) -> str:
        if period.event_id is None:
            return "—"
        url = reverse("admin:orgtree_unitchangeevent_change", args=[period.event_id])
        return format_html('<a href="{}">{}</a>', url, period.event)


class UnitEventLinkInline(_UnitHistoryInline):
    model = UnitEventLink
    verbose_name_plural = _("Sự kiện thay đổi liên quan")
    fields = ["event_link", "role_name", "legal_basis", "actor"]
    readonly_fields = fields

    @admin.display(description=_("vai trò của đơn vị"))
    def role_name(self, link: UnitEventLink) -> str:
        return link.get_role_display()

    ordering = ["-event__effective_date", "-event_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnitEventLink]:
        return super().get_queryset(request).select_related("event", "event__actor")

    @admin.display(description=_("sự kiện"))
    def event_link(self, link: UnitEventLink) -> str:
        url = reverse("admin:orgtree_unitchangeevent_change", args=[link.event_id])
        return format_html('<a href="{}">{}</a>', url, link.event)

    @admin.display(description=_("căn cứ"))
    def legal_basis(self, link: UnitEventLink) -> str:
        event = link.event
        if not event.legal_basis_number:
            return "—"
        if not event.legal_basis_date:
            return event.legal_basis_number
        return gettext("%(number)s ngày %(date)s") % {
            "number": event.legal_basis_number,
            "date": f"{event.legal_basis_date:%d/%m/%Y}",
        }

    @admin.display(description=_("người thực hiện"))
    def actor(self, link: UnitEventLink) -> str:
        return str(link.event.actor or "—")


class MergeForm(forms.Form):
    target_code = forms.CharField(label=_("Mã định danh đơn vị đích (đơn vị tiếp nhận)"))
    effective_date = forms.DateField(label=_("Ngày hiệu lực"), widget=_DATE_WIDGET)
    legal_basis_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=100)
    legal_basis_date = forms.DateField(
        label=_("Ngày quyết định"), required=False, widget=_DATE_WIDGET
    )
    reason = forms.CharField(label=_("Lý do"), required=False)


class SplitForm(forms.Form):
    new_targets = forms.CharField(
        label=_("Đơn vị mới"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "Mỗi dòng một đơn vị: Mã định danh; Tên đơn vị. Cùng loại và cùng cấp trên "
            "với đơn vị bị chia, tách."
        ),
    )
    existing_targets = forms.CharField(
        label=_("Đơn vị có sẵn tiếp nhận"),
        required=False,
        help_text=_("Mã định danh, cách nhau bởi dấu phẩy."),
    )
    effective_date = forms.DateField(label=_("Ngày hiệu lực"), widget=_DATE_WIDGET)
    legal_basis_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=100)
    legal_basis_date = forms.DateField(
        label=_("Ngày quyết định"), required=False, widget=_DATE_WIDGET
    )
    reason = forms.CharField(label=_("Lý do"), required=False)

    def __init__(self, *args: Any, source: Unit, children: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        for child in children:
            self.fields[f"child_{child.pk}"] = forms.CharField(
                label=gettext("“%(name)s” chuyển về (mã đơn vị tiếp nhận)") % {"name": child.name},
                required=False,
                help_text=_("Để trống: giữ lại để xem xét sau."),
            )

    def clean_new_targets(self) -> list[dict[str, Any]]:
        targets = []
        for number, line in enumerate(self.cleaned_data["new_targets"].splitlines(), start=1):
            if not line.strip():
                continue
            code, sep, name = line.partition(";")
            if not sep or not name.strip():
                raise ValidationError(
                    gettext("Dòng %(number)d: ghi theo dạng “Mã định danh; Tên đơn vị”.")
                    % {"number": number}
                )
            targets.append(
                {"code": code.strip().upper(), "name": name.strip(), "kind": self.source.kind}
            )
        return targets

    def clean_existing_targets(self) -> list[str]:
        text = self.cleaned_data["existing_targets"]
        return [c.strip().upper() for c in text.split(",") if c.strip()]


class DissolveForm(forms.Form):
    effective_date = forms.DateField(label=_("Ngày hiệu lực"), widget=_DATE_WIDGET)
    legal_basis_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=100)
    legal_basis_date = forms.DateField(
        label=_("Ngày quyết định"), required=False, widget=_DATE_WIDGET
    )
    reason = forms.CharField(label=_("Lý do"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))
    effective_date = forms.DateField(
        label=_("Ngày hiệu lực của các thay đổi"),
        required=False,
        widget=_DATE_WIDGET,
        help_text=_("Để trống: hôm nay. Dùng cho đổi tên, chuyển cấp trên của đơn vị đã có."),
    )
    legal_basis_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=100)
    legal_basis_date = forms.DateField(
        label=_("Ngày quyết định"), required=False, widget=_DATE_WIDGET
    )
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, không ghi"), required=False, initial=True)

    def clean_file(self) -> Any:
        from cbccvc.uploads import XLSX, check_upload

        upload = self.cleaned_data["file"]
        check_upload(upload, allowed={XLSX})  # size, type by content, zip bomb
        return upload


class _RollBack(Exception):
    """Raised to roll back a dry run of several operations."""


def _posted(request: HttpRequest) -> bool:
    """The action page was submitted (to preview or to apply)."""
    return "apply" in request.POST or unit_ops.PREVIEW in request.POST


def _basis(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("effective_date", "legal_basis_number", "legal_basis_date", "reason")
    return {k: data[k] for k in keys}


def _is_autocomplete(request: HttpRequest) -> bool:
    """A request of the admin's autocomplete view (a unit field's search box)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


@admin.register(Unit)
class UnitAdmin(UnitNavigationMixin, ScopedAdminMixin, DraggableMPTTAdmin, SimpleHistoryAdmin):
    scope_field = ""
    edit_roles = MANAGE_UNIT_ROLES
    form = UnitAdminForm
    list_display = [
        "tree_actions",
        "indented_title",
        "code",
        "kind",
        "status",
        "valid_from",
        "ended_on",
    ]
    list_display_links = ["indented_title"]
    list_filter = ["kind", UnitStatusFilter]  # active units unless asked (or searching)
    search_fields = ["search_text"]  # folded in get_search_results
    search_help_text = _("Tìm theo tên (có hoặc không dấu), tên viết tắt hoặc mã định danh.")
    raw_id_fields = ["admin_unit"]  # ~13,000 administrative units: no select box
    autocomplete_fields = ["parent"]  # hundreds of units in a province: a search box
    inlines = [UnitPeriodInline, UnitEventLinkInline]
    actions = ["merge_selected", "split_selected", "dissolve_selected"]
    expand_tree_by_default = True
    list_per_page = 500

    # -- form ---------------------------------------------------------------------------------
    def get_form(self, request: HttpRequest, obj: Unit | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        if obj is None:
            return []
        return ["valid_from", "legal_basis_number", "legal_basis_date", "status", "valid_to"]

    def get_fieldsets(self, request: HttpRequest, obj: Unit | None = None) -> Any:
        unit_fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "parent",
            "national_code",
            "admin_unit",
        ]
        founding = ["valid_from", "legal_basis_number", "legal_basis_date"]
        if obj is None:
            return [(None, {"fields": unit_fields}), (_("Thành lập"), {"fields": founding})]
        return [
            (None, {"fields": unit_fields}),
            (_("Thành lập và trạng thái"), {"fields": [*founding, "status", "valid_to"]}),
            (
                _("Căn cứ của thay đổi"),
                {
                    "fields": [
                        "change_effective_date",
                        "change_reason",
                        "change_legal_basis_number",
                        "change_legal_basis_date",
                    ],
                    "description": _(
                        "Thay đổi tên, mã, loại hoặc cấp trên được ghi thành một "
                        "sự kiện có ngày hiệu lực và căn cứ pháp lý."
                    ),
                },
            ),
        ]

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        applied = form.applied
        if applied is None:  # pragma: no cover - clean() always applies or adds errors
            raise PermissionDenied
        obj.pk = applied.pk
        obj._state.adding = False
        obj.refresh_from_db()
        for operation in getattr(form, "scheduled", []):
            self.message_user(request, unit_ops.scheduled_message(operation), messages.INFO)

    def has_change_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        if obj is not None and not obj.is_active:
            return False  # closed units are history
        return super().has_change_permission(request, obj)

    # -- the tree column ----------------------------------------------------------------------
    @admin.display(description=_("Tên đơn vị"))
    def indented_title(self, item: Unit) -> str:
        """The unit's name, indented by its depth; wrapped lines keep the indent (mptt's own
        column indents the first line only and repeats the code shown in its own column).
        Closed units (merged, split, dissolved) are marked so the list can grey them out."""
        return format_html(
            '<div class="unit-title{}" style="padding-left:{}px">{}</div>',
            "" if item.is_active else " unit-closed",
            item.level * self.mptt_level_indent,
            item.name,
        )

    @admin.display(description=_("Hết hiệu lực từ"), ordering="valid_to", empty_value="—")
    def ended_on(self, item: Unit) -> date | None:
        return item.valid_to

    # -- search -------------------------------------------------------------------------------
    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Unit], search_term: str
    ) -> tuple[QuerySet[Unit], bool]:
        """Every word must match, without regard to diacritics or case (name or code). The
        search box of a unit field elsewhere (the admin's autocomplete) offers only units that
        are still active, the only ones those fields accept."""
        if _is_autocomplete(request):
            queryset = queryset.filter(status=Unit.Status.ACTIVE)
        for word in search_term.split():
            folded = fold(word)
            q = Q(code__icontains=word.strip())
            if folded:
                q |= Q(search_text__contains=folded)
            queryset = queryset.filter(q | Q(search_text__contains=word.lower()))
        return queryset, False

    # -- drag and drop --------------------------------------------------------------------------
    def _move_node(self, request: HttpRequest) -> HttpResponse:
        position = request.POST.get("position")
        queryset = self.get_queryset(request)
        try:
            unit = queryset.get(pk=request.POST.get("cut_item"))
            pasted_on = queryset.get(pk=request.POST.get("pasted_on"))
        except (Unit.DoesNotExist, TypeError, ValueError):
            self.message_user(
                request, gettext("Không tìm thấy đơn vị, hãy thử lại."), messages.ERROR
            )
            return http.HttpResponse("FAIL, invalid objects.")
        if position == "last-child":
            new_parent = pasted_on
        elif position in ("left", "right"):
            new_parent = pasted_on.parent
        else:
            self.message_user(request, gettext("Không hiểu thao tác kéo thả."), messages.ERROR)
            return http.HttpResponse("FAIL, unknown instruction.")
        scope = scope_for(request.user)
        allowed = self.has_change_permission(request, unit) and (
            scope.covers(new_parent, self.edit_roles) if new_parent else scope.is_national
        )
        if not allowed:
            self.message_user(request, gettext("Không có quyền chuyển đơn vị này."), messages.ERROR)
            return http.HttpResponse("FAIL, no permission.")
        try:
            services.move_unit(
                unit,
                new_parent,
                effective_date=timezone.localdate(),
                actor=request.user,
                reason="Kéo thả trong cây đơn vị",
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return http.HttpResponse("FAIL, invalid move.")
        self.message_user(
            request, gettext("Đã chuyển “%(name)s” (hiệu lực từ hôm nay).") % {"name": unit.name}
        )
        return http.HttpResponse("OK, moved.")

    # -- history: view only -------------------------------------------------------------------
    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        if request.method == "POST":
            raise PermissionDenied(
                gettext("Không khôi phục phiên bản cũ; hãy dùng các thao tác cây tổ chức.")
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    # -- actions --------------------------------------------------------------------------------
    def _checked_units(self, request: HttpRequest, queryset: QuerySet[Unit]) -> list[Unit] | None:
        units = list(queryset)
        if not all(self.has_change_permission(request, u) for u in units):
            self.message_user(
                request,
                gettext("Chỉ chọn các đơn vị đang hoạt động trong phạm vi được quản lý."),
                messages.ERROR,
            )
            return None
        return units

    def _action_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[Unit],
        form: forms.Form,
        title: str,
        action: str,
        impact: scheduling.Impact | None = None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "units": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "impact": impact,
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/orgtree/unit_action.html", context)

    @admin.action(description=_("Sáp nhập các đơn vị đã chọn vào một đơn vị"))
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Unit]) -> Any:
        units = self._checked_units(request, queryset)
        if units is None:
            return None
        posted = _posted(request)
        form = MergeForm(request.POST if posted else None)
        impact = None
        if posted and form.is_valid():
            data = form.cleaned_data
            target = (
                self.get_queryset(request)
                .filter(code=data["target_code"].strip().upper(), status=Unit.Status.ACTIVE)
                .first()
            )
            if target is None or not self.has_change_permission(request, target):
                form.add_error(
                    "target_code",
                    gettext(
                        "Không có đơn vị đích đang hoạt động với mã này trong phạm vi được quản lý."
                    ),
                )
            else:
                params = {"sources": units, "target": target, **_basis(data)}
                state, outcome = unit_ops.run(
                    request, form, OpKind.MERGE, params, field_map=_ERROR_FIELD
                )
                if state == "done":
                    if not outcome.is_scheduled:
                        self.message_user(
                            request,
                            gettext("Đã sáp nhập %(count)d đơn vị vào “%(name)s”.")
                            % {"count": len(units), "name": target.name},
                        )
                    return None
                impact = outcome
        return self._action_page(
            request, queryset, form, gettext("Sáp nhập đơn vị"), "merge_selected", impact
        )

    @admin.action(description=_("Chia, tách đơn vị đã chọn"))
    def split_selected(self, request: HttpRequest, queryset: QuerySet[Unit]) -> Any:
        units = self._checked_units(request, queryset)
        if units is None:
            return None
        if len(units) != 1:
            self.message_user(
                request, gettext("Chọn đúng một đơn vị để chia, tách."), messages.ERROR
            )
            return None
        source = units[0]
        children = list(source.get_children().filter(status=Unit.Status.ACTIVE))
        data = request.POST if _posted(request) else None
        form = SplitForm(data, source=source, children=children)
        impact = None
        if data is not None and form.is_valid():
            result = self._split(request, source, children, form)
            if isinstance(result, scheduling.Impact):
                impact = result
            elif result is not None:
                return result
        return self._action_page(
            request, queryset, form, gettext("Chia, tách đơn vị"), "split_selected", impact
        )

    def _split(
        self, request: HttpRequest, source: Unit, children: list[Unit], form: SplitForm
    ) -> Any:
        data = form.cleaned_data
        existing = []
        for code in data["existing_targets"]:
            unit = self.get_queryset(request).filter(code=code, status=Unit.Status.ACTIVE).first()
            if unit is None or not self.has_change_permission(request, unit):
                form.add_error(
                    "existing_targets",
                    gettext("Không có đơn vị đang hoạt động mã “%(code)s”.") % {"code": code},
                )
                return None
            existing.append(unit)
        new_codes = {t["code"] for t in data["new_targets"]}
        by_code = {u.code: u for u in existing}
        mapping: dict[int, Any] = {}
        for child in children:
            code = form.cleaned_data.get(f"child_{child.pk}", "").strip().upper()
            if not code:
                continue
            if code in new_codes:
                mapping[child.pk] = code
            elif code in by_code:
                mapping[child.pk] = by_code[code].pk
            else:
                form.add_error(
                    f"child_{child.pk}", gettext("Mã này không thuộc các đơn vị tiếp nhận.")
                )
                return None
        params = {
            "source": source,
            "targets": [*data["new_targets"], *existing],
            "child_mapping": mapping,
            **_basis(data),
        }
        state, outcome = unit_ops.run(request, form, OpKind.SPLIT, params, field_map=_ERROR_FIELD)
        if state != "done":
            return outcome  # the impact of a preview, or None after an error
        if outcome.is_scheduled:
            return redirect("admin:orgtree_unit_changelist")
        targets, _, rest = outcome.result
        message = gettext("Đã chia, tách “%(name)s” thành %(count)d đơn vị.") % {
            "name": source.name,
            "count": len(targets),
        }
        review = source.split_assignments.filter(status="pending").count()
        if review:
            message += " " + gettext(
                "%(count)d hồ sơ của đơn vị chờ phân về đơn vị mới trong "
                "“Hồ sơ chờ phân sau chia, tách”."
            ) % {"count": review}
        if rest:
            names = ", ".join(u.name for u in rest)
            message += " " + gettext("Còn %(count)d đơn vị trực thuộc cần xem xét: %(names)s.") % {
                "count": len(rest),
                "names": names,
            }
        self.message_user(request, message, messages.WARNING if rest else messages.SUCCESS)
        return redirect("admin:orgtree_unit_changelist")

    @admin.action(description=_("Giải thể các đơn vị đã chọn"))
    def dissolve_selected(self, request: HttpRequest, queryset: QuerySet[Unit]) -> Any:
        units = self._checked_units(request, queryset)
        if units is None:
            return None
        posted = _posted(request)
        form = DissolveForm(request.POST if posted else None)
        impact = None
        if posted and form.is_valid():
            ordered = sorted(units, key=lambda u: -u.level)  # children first
            try:
                impact = self._dissolve(request, ordered, form.cleaned_data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                if impact is None:
                    return None
        return self._action_page(
            request, queryset, form, gettext("Giải thể đơn vị"), "dissolve_selected", impact
        )

    def _dissolve(
        self, request: HttpRequest, units: list[Unit], data: dict[str, Any]
    ) -> scheduling.Impact | None:
        """Dissolve ``units`` as one decision (all or none): a preview, now, or scheduled."""

        def each(fn: Any) -> list[Any]:
            with transaction.atomic():
                return [fn(unit) for unit in units]

        preview = unit_ops.PREVIEW in request.POST
        future = data["effective_date"] > timezone.localdate()
        if preview or future:  # validate the batch together, then roll it back
            try:
                with transaction.atomic():
                    for unit in units:
                        services.dissolve_unit(unit, actor=request.user, **data)
                    raise _RollBack
            except _RollBack:
                pass
        if preview:
            return scheduling.Impact(closed=units)
        done = each(
            lambda unit: scheduling.submit(
                OpKind.DISSOLVE, actor=request.user, validate=False, unit=unit, **data
            )
        )
        if future:
            for submitted in done:
                self.message_user(request, unit_ops.scheduled_message(submitted.scheduled))
        else:
            self.message_user(
                request, gettext("Đã giải thể %(count)d đơn vị.") % {"count": len(units)}
            )
        return None

    # -- Excel import / export ----------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        return [
            path(
                "import-excel/",
                self.admin_site.admin_view(self.import_view),
                name="orgtree_unit_import_excel",
            ),
            path(
                "export-excel/",
                self.admin_site.admin_view(self.export_view),
                name="orgtree_unit_export_excel",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            result = unit_io.import_units(
                upload,
                actor=request.user,
                dry_run=data["dry_run"],
                effective_date=data["effective_date"],
                legal_basis_number=data["legal_basis_number"],
                legal_basis_date=data["legal_basis_date"],
                scope=scope_for(request.user),
                file_name=upload.name,
            )
            if result.written:
                self.message_user(request, result.summary())
                return redirect("admin:orgtree_unit_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Nhập cây đơn vị từ Excel"),
            "form": form,
            "result": result,
            "columns": [header for _, header in unit_io.COLUMNS],
        }
        return TemplateResponse(request, "admin/orgtree/unit_import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        background = self._background_export(request)
        if background is not None:
            return background
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="don-vi-{date.today():%Y%m%d}.xlsx"'
        )
        count = unit_io.export_units(response, scope=scope_for(request.user))
        from cbccvc.audit import Kind, record

        record(Kind.EXPORT, request=request, object_type="orgtree.unit", export="units", rows=count)
        return response

    def _background_export(self, request: HttpRequest) -> HttpResponse | None:
        """Over the threshold: a task writes the file; the person follows it in the download
        centre ("Tệp đã xuất")."""
        from cbccvc.exports import jobs as export_jobs

        from .. import export_jobs as unit_exports

        count = unit_io.units_for_export(scope=scope_for(request.user)).count()
        if count <= export_jobs.threshold():
            return None
        export_jobs.start_export(
            request.user,
            kind=unit_exports.KIND,
            title=gettext("Cây đơn vị (%(count)s đơn vị)") % {"count": count},
            file_name=f"don-vi-{date.today():%Y%m%d}.xlsx",
            params={},
            total=count,
            request=request,
        )
        messages.success(
            request,
            gettext(
                "Đang xuất %(count)s đơn vị ở chế độ nền. Theo dõi tiến độ và tải tệp "
                "trong mục Tệp đã xuất."
            )
            % {"count": count},
        )
        return redirect(reverse("admin:exports_exportfile_changelist"))


@admin.register(UnitChangeEvent)
class UnitChangeEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: events are written by the tree services only."""

    access_scope = "subtree"  # get_queryset keeps the events touching the user's units

    list_display = [
        "__str__",
        "named_units",
        "kind",
        "effective_date",
        "legal_basis_number",
        "actor",
        "recorded_at",
    ]
    list_filter = ["kind", "effective_date"]
    search_fields = ["legal_basis_number"]  # see get_search_results
    date_hierarchy = "effective_date"
    list_select_related = ["actor"]
    fields = [
        "kind",
        "effective_date",
        "legal_basis_number",
        "legal_basis_date",
        "reason",
        "actor",
        "recorded_at",
        "unit_links",
        "details_pretty",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnitChangeEvent]:
        qs = super().get_queryset(request)
        scope = scope_for(request.user)
        qs = events_with_units(qs, scope)  # the units column: those in the user's scope
        if scope.is_national:
            return qs
        visible = UnitEventLink.objects.filter(scope.q("unit")).values("event_id")
        return qs.filter(pk__in=visible)

    @admin.display(description=_("đơn vị"))
    def named_units(self, event: UnitChangeEvent) -> str:
        return event_units(event)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Decision number, reason, or a unit's name (without diacritics) or code."""
        for word in search_term.split():
            units = UnitEventLink.objects.filter(
                Q(unit__search_text__contains=fold(word) or word.lower())
                | Q(unit__code__icontains=word)
            ).values("event_id")
            queryset = queryset.filter(
                Q(legal_basis_number__icontains=word) | Q(reason__icontains=word) | Q(pk__in=units)
            )
        return queryset, False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and scope_for(request.user).has_any()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return scope_for(request.user).has_any()
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    @admin.display(description=_("đơn vị liên quan"))
    def unit_links(self, event: UnitChangeEvent) -> str:
        links = event.links.select_related("unit").order_by("role", "unit__name")
        return format_html_join(
            mark_safe("<br>"),
            '{}: <a href="{}">{}</a> [{}]',
            (
                (
                    link.get_role_display(),
                    reverse("admin:orgtree_unit_change", args=[link.unit_id]),
                    link.unit.name,
                    link.unit.code,
                )
                for link in links
            ),
        )

    @admin.display(description=_("chi tiết"))
    def details_pretty(self, event: UnitChangeEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.details, ensure_ascii=False, indent=2))
