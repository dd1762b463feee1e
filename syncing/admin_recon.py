"""Admin pages of org-tree sync, the reconciliation worklist ("đối khớp") and the progress
dashboard. Every page filters through the user's scope; rows of another agency answer like
unknown ids. The work is done by :mod:`syncing.orgsync`, :mod:`syncing.reconciliation` and
:mod:`syncing.dashboard`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from orgtree.access import ALL_ROLES, EDIT_PROFILE_ROLES, MANAGE_UNIT_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from orgtree.models import Unit
from orgtree.text import fold
from orgtree.tree import is_within
from profiles.diffing import Part, char_diff

from . import dashboard, orgsync, reconciliation
from .recon_models import Mismatch, MismatchDailyCount, NationalUnit, ProgressSnapshot, UnitMatch


def _error_text(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _national_client(agency: Unit) -> Any:
    return orgsync.client_for_agency(agency)


# -- org-tree sync --------------------------------------------------------------------------------
@admin.register(NationalUnit)
class NationalUnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The national tree as last pulled: read-only."""

    scope_field = "agency"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = ()
    list_display = ["code", "name", "parent_code", "agency", "present", "pulled_at"]
    list_filter = ["present"]
    search_fields = ["code"]
    list_per_page = 100

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(code__iexact=term) | Q(folded_name__contains=fold(term))), False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UnitMatchForm(forms.ModelForm):
    def clean_national_code(self) -> str:
        code = (self.cleaned_data.get("national_code") or "").strip().upper()
        try:
            orgsync.check_code(self.instance, code)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("national_code", exc.messages)) from None
        return code

    class Meta:
        model = UnitMatch
        fields = ["national_code"]
        help_texts = {
            "national_code": gettext_lazy(
                "Sửa mã nếu đề xuất chưa đúng; lưu là xác nhận mã này cho đơn vị."
            )
        }


@admin.register(UnitMatch)
class UnitMatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Suggested national codes of the agency's units; the agency admin confirms, rejects or
    types the right code. Buttons above the list pull the national tree and push our units."""

    scope_field = "unit"
    view_roles = MANAGE_UNIT_ROLES
    edit_roles = MANAGE_UNIT_ROLES
    form = UnitMatchForm
    list_display = [
        "unit_name",
        "unit_code",
        "national_code",
        "national_name",
        "score_badge",
        "reason",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "method"]
    list_select_related = ["unit", "national_unit", "decided_by"]
    search_fields = ["unit__code"]
    actions = ["confirm_selected", "reject_selected"]
    readonly_fields = ["unit", "national_unit", "method", "score", "reason", "status"]
    change_list_template = "admin/syncing/unitmatch/change_list.html"
    list_per_page = 100

    @admin.display(description=gettext_lazy("đơn vị"), ordering="unit__name")
    def unit_name(self, obj: UnitMatch) -> str:
        return obj.unit.name

    @admin.display(description=gettext_lazy("mã định danh"), ordering="unit__code")
    def unit_code(self, obj: UnitMatch) -> str:
        return obj.unit.code

    @admin.display(description=gettext_lazy("tên trên cây quốc gia"))
    def national_name(self, obj: UnitMatch) -> str:
        return obj.national_unit.name if obj.national_unit else "—"

    @admin.display(description=gettext_lazy("độ tương đồng"), ordering="score")
    def score_badge(self, obj: UnitMatch) -> str:
        if not obj.national_code:
            return "—"
        level = "high" if obj.score >= 95 else "mid" if obj.score >= 85 else "low"
        return format_html('<strong class="score-{}">{}%</strong>', level, obj.score)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            Q(unit__code__iexact=term)
            | Q(national_code__iexact=term)
            | Q(unit__search_text__contains=fold(term))
        ), False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: UnitMatch, form: Any, change: bool) -> None:
        orgsync.confirm_match(obj, request.user, national_code=obj.national_code)

    @admin.action(description=gettext_lazy("Xác nhận các đề xuất đã chọn"))
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, failed = 0, []
        for match in queryset.exclude(national_code=""):
            try:
                orgsync.confirm_match(match, request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                failed.append(f"{match.unit.name}: {_error_text(exc)}")
        if done:
            messages.success(
                request,
                ngettext(
                    "Đã xác nhận %(count)d mã đơn vị.", "Đã xác nhận %(count)d mã đơn vị.", done
                )
                % {"count": done},
            )
        for text in failed[:10]:
            messages.error(request, text)

    @admin.action(description=gettext_lazy("Từ chối các đề xuất đã chọn"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = 0
        for match in queryset:
            orgsync.reject_match(match, request.user)
            n += 1
        messages.info(
            request,
            ngettext("Đã từ chối %(count)d đề xuất.", "Đã từ chối %(count)d đề xuất.", n)
            % {"count": n},
        )

    # -- pull / push ------------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        return [
            path(
                "tai-cay-quoc-gia/",
                self.admin_site.admin_view(self.pull_view),
                name="syncing_unitmatch_pull",
            ),
            path(
                "gui-don-vi/",
                self.admin_site.admin_view(self.push_view),
                name="syncing_unitmatch_push",
            ),
            *super().get_urls(),
        ]

    def _agencies(self, request: HttpRequest) -> list[Unit]:
        scope = scope_for(request.user)
        if scope.is_national:
            return list(dashboard.agencies())
        return [
            root for root in scope.roots(MANAGE_UNIT_ROLES) if root.parent_id is None
        ] or scope.roots(MANAGE_UNIT_ROLES)

    def _agency_from(self, request: HttpRequest) -> Unit:
        if request.method != "POST":
            raise PermissionDenied
        agencies = {str(a.pk): a for a in self._agencies(request)}
        agency = agencies.get(request.POST.get("agency", "")) or (
            next(iter(agencies.values())) if len(agencies) == 1 else None
        )
        if agency is None:
            raise Http404(_("Không tìm thấy cơ quan."))
        return agency

    def pull_view(self, request: HttpRequest) -> HttpResponse:
        agency = self._agency_from(request)
        try:
            received = orgsync.pull_national_tree(agency, _national_client(agency))
            summary = orgsync.suggest_matches(agency)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except Exception as exc:  # the client's typed errors carry a Vietnamese message
            messages.error(
                request, _("Không tải được cây tổ chức quốc gia: %(error)s") % {"error": exc}
            )
        else:
            messages.success(
                request,
                _(
                    "Đã tải %(received)s đơn vị của cây quốc gia. Đề xuất: %(by_code)s theo mã, "
                    "%(by_name)s theo tên, %(unmatched)s chưa tìm được; "
                    "%(kept)s đã xác nhận hoặc từ chối trước đó giữ nguyên."
                )
                % {
                    "received": received,
                    "by_code": summary.by_code,
                    "by_name": summary.by_name,
                    "unmatched": summary.unmatched,
                    "kept": summary.kept,
                },
            )
        return redirect("admin:syncing_unitmatch_changelist")

    def push_view(self, request: HttpRequest) -> HttpResponse:
        agency = self._agency_from(request)
        try:
            pushed = orgsync.push_units(agency, _national_client(agency))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except Exception as exc:
            messages.error(
                request, _("Không gửi được danh sách đơn vị: %(error)s") % {"error": exc}
            )
        else:
            messages.success(
                request,
                _(
                    "Đã gửi %(sent)s đơn vị lên CSDL quốc gia: %(created)s mới, "
                    "%(updated)s cập nhật, %(unchanged)s không đổi, %(rejected)s bị từ chối."
                )
                % {
                    "sent": pushed.sent,
                    "created": pushed.created,
                    "updated": pushed.updated,
                    "unchanged": pushed.unchanged,
                    "rejected": len(pushed.rejected),
                },
            )
            for text in pushed.rejected[:10]:
                messages.warning(request, text)
        return redirect("admin:syncing_unitmatch_changelist")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = dict(extra_context or {})
        agencies = self._agencies(request)
        extra_context["agencies"] = agencies
        extra_context["counts"] = {
            row["status"]: row["n"]
            for row in self.get_queryset(request).values("status").annotate(n=Count("pk"))
        }
        return super().changelist_view(request, extra_context)


def _parts_html(parts: list[Part], tag: str) -> SafeString:
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<{} class="recon-diff">{}</{}>', tag, p.text, tag) if p.changed
             else p.text,)
            for p in parts
        ),
    )  # fmt: skip


def marked_value(obj: Mismatch, side: str) -> SafeString:
    """One side of a mismatch with the characters that differ from the other side marked
    (``<del>`` in our value, ``<ins>`` in the population database's), by the same
    character diff as the approver's inbox (:func:`profiles.diffing.char_diff`)."""
    ours, theirs = obj.our_value or "", obj.population_value or ""
    text = ours if side == "ours" else theirs
    if not text:
        return format_html('<span class="recon-{}">—</span>', side)
    old_parts, new_parts = char_diff(ours, theirs)
    parts, tag = (old_parts, "del") if side == "ours" else (new_parts, "ins")
    return format_html('<span class="recon-{}">{}</span>', side, _parts_html(parts, tag))


# -- reconciliation worklist ----------------------------------------------------------------------
class ScopedUnitFilter(admin.SimpleListFilter):
    """The units of the user's scope that have mismatches (never another agency's names)."""

    title = gettext_lazy("đơn vị")
    parameter_name = "don_vi"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = (
            model_admin.get_queryset(request)
            .values("profile__unit_id", "profile__unit__name")
            .annotate(n=Count("pk"))
            .order_by("profile__unit__name")[:200]
        )
        return [
            (str(r["profile__unit_id"]), f"{r['profile__unit__name']} ({r['n']})") for r in rows
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        # not a unit id ("abc", 40 digits: a ValueError or, on SQLite, an OverflowError):
        # no unit has it
        if not (value.isascii() and value.isdigit() and int(value) < 2**63):
            return queryset.none()
        return queryset.filter(profile__unit_id=value)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Ghi chú, lý do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text=gettext_lazy("Bắt buộc khi khiếu nại hoặc đánh dấu đã xử lý."),
    )


@admin.register(Mismatch)
class MismatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The HR officers' worklist: our value next to the population database's; accept, dispute
    or mark handled."""

    scope_field = "profile__unit"
    view_roles = ALL_ROLES
    edit_roles = EDIT_PROFILE_ROLES
    list_display = [
        "person",
        "kind",
        "field_shown",
        "our_value_cell",
        "population_value_cell",
        "since",
        "decide_link",
    ]
    list_filter = ["status", "kind", ScopedUnitFilter]
    list_select_related = ["profile__unit"]
    search_fields = ["profile__personal_id"]
    readonly_fields = [
        "profile",
        "kind",
        "field_shown",
        "our_value",
        "population_value",
        "since",
        "status",
        "note",
        "decided_by",
        "decided_at",
        "first_seen_at",
        "last_seen_at",
    ]
    fields = readonly_fields
    change_list_template = "admin/syncing/mismatch/change_list.html"
    actions = ["accept_selected"]
    list_per_page = 50

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if "status__exact" not in request.GET and "q" not in request.GET:
            # the worklist opens on what is still to do
            query = request.GET.copy()
            query["status__exact"] = Mismatch.Status.OPEN
            request.GET = query
        extra_context = dict(extra_context or {})
        qs = self.get_queryset(request)
        counts = reconciliation.counts_by_kind(qs)
        extra_context["kind_counts"] = [
            {"label": label, "open": counts.get(k, {}).get("open", 0), **counts.get(k, {})}
            for k, label in Mismatch.Kind.choices
            if k in counts
        ]
        extra_context["chart"] = self._chart(request)
        extra_context["title"] = _("Đối khớp với CSDL quốc gia về dân cư")
        return super().changelist_view(request, extra_context)

    def _chart(self, request: HttpRequest) -> Any:
        scope = scope_for(request.user)
        since = timezone.localdate() - timedelta(days=29)
        rows = MismatchDailyCount.objects.filter(day__gte=since)
        if not scope.is_national:
            roots = scope.roots()
            rows = rows.filter(agency__in=[r for r in roots if r.parent_id is None] or [0])
        per_day: dict[Any, dict[str, int]] = {}
        for r in rows.values("day", "kind", "open_count"):
            per_day.setdefault(r["day"], {}).setdefault(r["kind"], 0)
            per_day[r["day"]][r["kind"]] += r["open_count"]
        days = sorted(per_day)
        palette = ["#c62828", "#ef6c00", "#6a1b9a", "#1565c0", "#37474f", "#9e9e9e"]
        series = [
            dashboard.Series(
                kind, label, palette[i % len(palette)], [per_day[d].get(kind, 0) for d in days]
            )
            for i, (kind, label) in enumerate(Mismatch.Kind.choices)
            if any(per_day[d].get(kind) for d in days)
        ]
        return dashboard.chart_svg(days, series, width=560) if series else None

    @admin.display(description=gettext_lazy("người"), ordering="profile__folded_name")
    def person(self, obj: Mismatch) -> str:
        url = reverse("admin:profiles_profile_change", args=[obj.profile_id])
        return format_html(
            '<a href="{}">{}</a><br><small>{} · {}</small>',
            url,
            obj.profile.full_name,
            obj.profile.personal_id,
            obj.profile.unit.name,
        )

    @admin.display(description=gettext_lazy("trường"))
    def field_shown(self, obj: Mismatch) -> str:
        return obj.field_label or "—"

    @admin.display(description=gettext_lazy("giá trị trong hồ sơ"))
    def our_value_cell(self, obj: Mismatch) -> str:
        return marked_value(obj, "ours")

    @admin.display(description=gettext_lazy("giá trị CSDL dân cư"))
    def population_value_cell(self, obj: Mismatch) -> str:
        return marked_value(obj, "theirs")

    @admin.display(description=gettext_lazy("xử lý"), ordering="status")
    def decide_link(self, obj: Mismatch) -> str:
        url = reverse("admin:syncing_mismatch_decide", args=[obj.pk])
        if obj.status == Mismatch.Status.OPEN:
            return format_html('<a class="button recon-decide" href="{}">{}</a>', url, _("Xử lý"))
        who = obj.decided_by.get_full_name() or obj.decided_by.username if obj.decided_by else ""
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>', url, obj.get_status_display(), who
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(profile__personal_id__startswith=term), False
        return queryset.filter(profile__folded_name__contains=fold(term)), False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions go through the decision page, never the raw form

    def has_decide_permission(self, request: HttpRequest, obj: Mismatch) -> bool:
        return scope_for(request.user).covers(obj.profile.unit, EDIT_PROFILE_ROLES)

    @admin.action(
        description=gettext_lazy("Chấp nhận giá trị CSDL dân cư cho các sai lệch đã chọn…")
    )
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """First a page listing each change with its differing characters marked; the
        profiles are corrected only when the officer confirms there."""
        chosen = list(queryset.filter(status=Mismatch.Status.OPEN).select_related("profile__unit"))
        correctable = [m for m in chosen if m.kind in reconciliation.CORRECTABLE]
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Xác nhận sửa hồ sơ theo CSDL dân cư"),
                "opts": self.model._meta,
                "items": [
                    {
                        "obj": m,
                        "ours": marked_value(m, "ours"),
                        "theirs": marked_value(m, "theirs"),
                    }
                    for m in correctable
                ],
                "skipped": [m for m in chosen if m.kind not in reconciliation.CORRECTABLE],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/syncing/mismatch/accept_confirm.html", context)
        done, failed = 0, []
        for mismatch in correctable:
            try:
                result = reconciliation.accept(mismatch, request.user)
            except (ValidationError, PermissionDenied) as exc:
                failed.append(f"{mismatch.profile.full_name}: {_error_text(exc)}")
                continue
            done += 1
            if result.submit_error:
                failed.append(
                    _("%(name)s: đã sửa nhưng chưa trình — %(error)s")
                    % {"name": mismatch.profile.full_name, "error": result.submit_error}
                )
        if done:
            messages.success(
                request,
                _("Đã chấp nhận %(n)s sai lệch; hồ sơ đã sửa được trình phê duyệt lại.")
                % {"n": done},
            )
        for text in failed[:10]:
            messages.warning(request, text)
        return None

    # -- the decision page ------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/xu-ly/",
                self.admin_site.admin_view(self.decide_view),
                name="syncing_mismatch_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, object_id)  # None outside the user's scope
        if obj is None:
            raise Http404(_("Không tìm thấy sai lệch."))
        can_decide = self.has_decide_permission(request, obj) and (
            obj.status == Mismatch.Status.OPEN
        )
        form = DecisionForm(request.POST or None)
        confirming = False
        if request.method == "POST":
            if not can_decide:
                raise PermissionDenied
            action = request.POST.get("action")
            if form.is_valid():
                note = form.cleaned_data["note"]
                try:
                    if action == "accept" and request.POST.get("confirmed") != "yes":
                        confirming = True  # asked once more, with the change spelled out
                    elif action == "accept":
                        result = reconciliation.accept(obj, request.user, note)
                        if result.version is not None:
                            messages.success(
                                request,
                                _(
                                    "Đã sửa hồ sơ %(name)s theo CSDL dân cư và trình phê duyệt "
                                    "phiên bản %(number)s."
                                )
                                % {
                                    "name": obj.profile.full_name,
                                    "number": result.version.number,
                                },
                            )
                        else:
                            messages.warning(
                                request,
                                _("Đã sửa hồ sơ theo CSDL dân cư; hồ sơ chưa trình được: %(e)s")
                                % {"e": result.submit_error},
                            )
                    elif action == "dispute":
                        reconciliation.dispute(obj, request.user, note)
                        messages.success(request, _("Đã ghi nhận khiếu nại."))
                    elif action == "resolve":
                        reconciliation.resolve(obj, request.user, note)
                        messages.success(request, _("Đã đánh dấu sai lệch đã xử lý."))
                    else:
                        raise ValidationError(_("Chưa chọn cách xử lý."))
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for field_name, errs in exc.message_dict.items():
                            form.add_error(field_name if field_name in form.fields else None, errs)
                    else:
                        form.add_error(None, exc.messages)
                else:
                    if not confirming:
                        return redirect("admin:syncing_mismatch_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Xử lý sai lệch đối khớp – %(name)s") % {"name": obj.profile.full_name},
            "opts": self.model._meta,
            "obj": obj,
            "ours": marked_value(obj, "ours"),
            "theirs": marked_value(obj, "theirs"),
            "confirming": confirming,
            "form": form,
            "can_decide": can_decide,
            "correctable": obj.kind in reconciliation.CORRECTABLE,
        }
        return TemplateResponse(request, "admin/syncing/mismatch/decide.html", context)


# -- progress dashboard ---------------------------------------------------------------------------
@admin.register(ProgressSnapshot)
class ProgressDashboardAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The dashboard takes the place of the snapshot list; exports of the day's report."""

    scope_field = "agency"
    view_roles = ALL_ROLES
    edit_roles = ()
    list_display = ["agency", "day", "profiles_total", "profiles_synced"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "bao-cao.<str:fmt>",
                self.admin_site.admin_view(self.export_view),
                name="syncing_progresssnapshot_export",
            ),
            *super().get_urls(),
        ]

    def _roots(self, request: HttpRequest) -> list[Unit]:
        scope = scope_for(request.user)
        if scope.is_national:
            return list(dashboard.agencies())
        roots = list({u.pk: u for u in scope.roots()}.values())
        # a grant inside another grant's subtree is already counted there
        outer = [u for u in roots if not any(o.pk != u.pk and is_within(u, o) for o in roots)]
        return sorted(outer, key=lambda u: u.code)

    def _rows(self, request: HttpRequest) -> tuple[list[dashboard.ProgressRow], Unit | None]:
        focus = None
        unit_id = request.GET.get("don_vi", "")
        if unit_id:
            focus = Unit.objects.filter(pk=unit_id if unit_id.isdigit() else 0).first()
            if focus is None or not scope_for(request.user).covers(focus):
                raise Http404(_("Không tìm thấy đơn vị."))
            return dashboard.progress_rows([], children_of=focus), focus
        return dashboard.progress_rows(self._roots(request)), None

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows, focus = self._rows(request)
        agency_ids = [r.unit_id for r in rows if r.is_agency] or [
            u.pk for u in self._roots(request)
        ]
        days, series = dashboard.history(agency_ids)
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tiến độ đồng bộ CSDL quốc gia"),
            "opts": self.model._meta,
            "rows": rows,
            "total": dashboard.totals(rows[1:] if focus else rows),
            "focus": focus,
            "shares_by_unit": dashboard.shares_by_unit_svg(rows),
            "shares_over_time": dashboard.shares_over_time_svg(days, series),
            "today": today,
            "query": request.GET.urlencode(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/syncing/dashboard.html", context)

    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if not self.has_view_permission(request) or fmt not in {"xlsx", "pdf"}:
            raise Http404(_("Không có báo cáo này."))
        today = timezone.localdate()
        # the day's report is a Vietnamese document whatever the user's language (the keys'
        # statuses in its rows are translatable choices)
        with translation.override("vi"):
            rows, focus = self._rows(request)
            drill = focus is not None  # the first row is the total of the others
            if fmt == "xlsx":
                body = dashboard.render_xlsx(rows, today, drill=drill)
                mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            else:
                body, mime = dashboard.render_pdf(rows, today, drill=drill), "application/pdf"
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = (
            f'attachment; filename="tien-do-dong-bo-{today:%Y-%m-%d}.{fmt}"'
        )
        return response
