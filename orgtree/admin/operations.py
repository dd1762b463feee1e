"""Admin for operations that wait: scheduled tree operations and a split's profile review.

Both lists are limited to the user's subtrees (:class:`ScopedAdminMixin`); rows are read-only
and change only through the actions, which call :mod:`orgtree.scheduling` and
:mod:`orgtree.split_review` and check the scope of every unit involved.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import scheduling, split_review
from ..access import EDIT_PROFILE_ROLES, MANAGE_UNIT_ROLES, scope_for
from ..models import ScheduledOperation, SplitAssignment, Unit
from .scoped import ScopedAdminMixin


def _intermediate(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: forms.Form,
    title: str,
    action: str,
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "rows": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/orgtree/operation_action.html", context)


def _involved_units(operation: ScheduledOperation) -> list[Unit]:
    """Every unit named by the operation (a cancel or apply needs the scope over all)."""
    ids: set[int] = {operation.unit_id}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"unit"}:
                ids.add(value["unit"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(operation.parameters)
    return list(Unit.objects.filter(pk__in=ids))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(ScheduledOperation)
class ScheduledOperationAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_field = "unit"
    edit_roles = MANAGE_UNIT_ROLES
    list_display = ["__str__", "kind", "unit", "effective_date", "status", "created_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["unit", "created_by"]
    date_hierarchy = "effective_date"
    actions = ["cancel_selected", "apply_due_selected"]
    fields = [
        "kind",
        "unit",
        "effective_date",
        "legal_basis_number",
        "legal_basis_date",
        "reason",
        "parameters",
        "status",
        "created_by",
        "created_at",
        "applied_at",
        "event",
        "error",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def _allowed(self, request: HttpRequest, rows: list[ScheduledOperation]) -> bool:
        scope = scope_for(request.user)
        ok = all(scope.covers(u, self.edit_roles) for row in rows for u in _involved_units(row))
        if not ok:
            self.message_user(
                request,
                _("Chỉ chọn các thao tác mà mọi đơn vị liên quan thuộc phạm vi được quản lý."),
                messages.ERROR,
            )
        return ok

    @admin.action(description=_("Hủy các thao tác đã chọn (ghi lý do)"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        rows = list(queryset)
        if not self._allowed(request, rows):
            return None
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                for row in rows:
                    scheduling.cancel(row, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return None
            self.message_user(request, _("Đã hủy %d thao tác.") % len(rows))
            return None
        title = _("Hủy thao tác cây đơn vị đã đặt lịch")
        return _intermediate(self, request, queryset, form, title, "cancel_selected")

    @admin.action(description=_("Thực hiện ngay các thao tác đã đến ngày hiệu lực"))
    def apply_due_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        rows = list(queryset)
        if not self._allowed(request, rows):
            return
        today = timezone.localdate()
        applied = sum(scheduling.apply_operation(row, today=today) for row in rows)
        self.message_user(
            request,
            _("Đã thực hiện %(n)d thao tác; thao tác chưa đến ngày hiệu lực không thay đổi.")
            % {"n": applied},
        )


class AssignForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Đơn vị tiếp nhận"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, choices: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Unit.objects.filter(pk__in=[u.pk for u in choices])


@admin.register(SplitAssignment)
class SplitAssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "source"
    edit_roles = EDIT_PROFILE_ROLES
    list_display = ["profile", "source", "status", "target", "assigned_by", "assigned_at"]
    list_filter = ["status", ("source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["profile", "source", "target", "assigned_by"]
    search_fields = ["profile__folded_name", "profile__personal_id"]
    actions = ["assign_selected", "assign_whole_units"]
    fields = ["event", "source", "profile", "status", "target", "assigned_by", "assigned_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def _assign(self, request: HttpRequest, queryset: QuerySet[Any], action: str, title: str):
        rows = list(queryset)
        scope = scope_for(request.user)
        if not all(scope.covers(r.source, self.edit_roles) for r in rows):
            self.message_user(request, _("Ngoài phạm vi được quản lý."), messages.ERROR)
            return None
        choices = [
            u for u in split_review.successor_choices(rows) if scope.covers(u, self.edit_roles)
        ]
        if not choices:
            self.message_user(
                request,
                _("Các hồ sơ đã chọn không có chung đơn vị tiếp nhận trong phạm vi được quản lý."),
                messages.ERROR,
            )
            return None
        form = AssignForm(request.POST if "apply" in request.POST else None, choices=choices)
        if "apply" in request.POST and form.is_valid():
            target = form.cleaned_data["target"]
            try:
                count = split_review.assign(rows, target, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return None
            self.message_user(
                request, _("Đã phân %(n)d hồ sơ về “%(unit)s”.") % {"n": count, "unit": target}
            )
            return None
        return _intermediate(self, request, queryset, form, title, action)

    @admin.action(description=_("Phân các hồ sơ đã chọn về một đơn vị tiếp nhận"))
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        queryset = queryset.filter(status=SplitAssignment.Status.PENDING)
        return self._assign(request, queryset, "assign_selected", _("Phân hồ sơ về đơn vị mới"))

    @admin.action(description=_("Phân toàn bộ hồ sơ chờ của đơn vị bị chia, tách đã chọn"))
    def assign_whole_units(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        """Every pending profile of the split units (sub-units) the selected rows belong to."""
        sources = queryset.values("source_id")
        whole = self.get_queryset(request).filter(
            source_id__in=sources, status=SplitAssignment.Status.PENDING
        )
        if "apply" in request.POST:
            whole = whole.filter(pk__in=request.POST.getlist("row"))
        return self._assign(
            request, whole, "assign_whole_units", _("Phân toàn bộ hồ sơ của đơn vị")
        )
