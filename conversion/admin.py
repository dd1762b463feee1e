"""Admin: campaigns (commit, undo, report) and their rows (choose a candidate for a text).

Both lists are limited to the user's part of the tree (:class:`ScopedAdminMixin`); the
services check again that the user may edit the campaign's whole scope. Campaigns are created
by ``manage.py reform_convert`` or :func:`conversion.services.preview`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _

from orgtree.admin.scoped import ScopedAdminMixin
from profiles.admin import NationalAdminEditsMixin

from . import services
from .models import Campaign, ChangeRow, CodeMapping, Outcome
from .report import write_report


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "scope_unit"
    list_display = (
        "id",
        "title",
        "scope_unit",
        "as_of",
        "status",
        "profile_count",
        "converted",
        "to_review",
        "created_by",
        "created_at",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in Campaign._meta.fields]
    actions = ("commit_action", "undo_action", "report_action")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description=_("chuyển đổi"))
    def converted(self, obj: Campaign) -> int:
        return obj.counts.get("outcomes", {}).get(Outcome.CONVERTED, 0)

    @admin.display(description=_("cần người chọn"))
    def to_review(self, obj: Campaign) -> int:
        return obj.counts.get("outcomes", {}).get(Outcome.REVIEW, 0)

    @admin.action(description=_("Ghi các giá trị chuyển đổi vào hồ sơ"))
    def commit_action(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                result = services.commit(campaign, request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, _message(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                _("Đợt #%(id)s: đã ghi %(values)s giá trị vào %(profiles)s hồ sơ.")
                % {"id": campaign.pk, "values": result.values, "profiles": result.profiles},
            )

    @admin.action(description=_("Hoàn tác đợt chuyển đổi"))
    def undo_action(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                result = services.undo(campaign, request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, _message(exc), messages.ERROR)
                continue
            if result.done:
                self.message_user(
                    request,
                    _("Đợt #%(id)s: đã khôi phục %(n)s hồ sơ.")
                    % {"id": campaign.pk, "n": result.profiles},
                )
            else:
                names = "; ".join(
                    f"{b.get('full_name', b['profile_id'])}: {b['reason']}"
                    for b in result.blockers[:20]
                )
                self.message_user(
                    request,
                    _("Đợt #%(id)s chưa hoàn tác được, %(n)s hồ sơ đã sửa sau đó: %(names)s")
                    % {"id": campaign.pk, "n": len(result.blockers), "names": names},
                    messages.ERROR,
                )

    @admin.action(description=_("Tải báo cáo Excel"))
    def report_action(self, request: HttpRequest, queryset: QuerySet[Campaign]):
        campaign = queryset.first()
        if campaign is None:
            return None
        path = Path(tempfile.mkdtemp()) / f"chuyen-doi-{campaign.pk}.xlsx"
        write_report(campaign, path, user=request.user)
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@admin.register(ChangeRow)
class ChangeRowAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "campaign__scope_unit"
    list_display = (
        "profile",
        "field",
        "outcome",
        "rule",
        "old_text",
        "new_text",
        "choices",
        "applied",
    )
    list_filter = ("outcome", "field", "rule", "applied", "campaign")
    search_fields = ("old_text", "new_text", "profile__full_name", "profile__personal_id")
    list_select_related = ("profile",)
    readonly_fields = [f.name for f in ChangeRow._meta.fields]
    actions = ("choose_1", "choose_2", "choose_3", "choose_4")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description=_("phương án"))
    def choices(self, obj: ChangeRow) -> str:
        from .report import _candidate_labels

        return _candidate_labels(obj.candidates)

    def _choose(self, request: HttpRequest, queryset: QuerySet[ChangeRow], choice: int) -> None:
        texts = (
            queryset.filter(outcome=Outcome.REVIEW, field__in=list(services.PLACE_FIELDS))
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
