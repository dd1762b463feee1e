"""Admin screens of the review queue (hàng đợi đối khớp hồ sơ trùng) and of the merge history.

A pair is visible only when *both* sides are in the user's scope (an agency never learns that
another agency holds a similar person). The review page shows the two sides field by field
with a radio per field, the child tables of both sides, and two buttons: "Gộp" (merge with
the picks) and "Không phải cùng một người". The merge history offers "Hoàn tác" (undo).
Behaviour is in :mod:`profiles.merging`; these views only collect the choices.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin

from .merging import (
    FIELD_GROUPS,
    NATURAL_KEYS,
    RULE_TEXT,
    mark_not_same,
    plan_fields,
    resolve_candidate,
    undo_merge,
)
from .models import CHILD_MODELS, HealthRecord, MergeCandidate, Profile, ProfileMerge
from .services import HIDDEN_NOTES, audit_sensitive_read, can_view_health


def _plural_label(model: type[Any]) -> str:
    """A child table's name in the language of the request (the labels are lazy)."""
    return str(model._meta.verbose_name_plural).capitalize()


class BothSidesScopedMixin(ScopedAdminMixin):
    """Rows whose ``unit`` and ``other_unit`` (when set) are both in the user's scope."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        scope = scope_for(request.user)
        if scope.is_national:
            return qs
        return qs.filter(Q(other_unit__isnull=True) | scope.q("other_unit", self.view_roles))

    def can_decide(self, request: HttpRequest, obj: Any) -> bool:
        scope = scope_for(request.user)
        return scope.covers(obj.unit, EDIT_PROFILE_ROLES) and (
            obj.other_unit_id is None or scope.covers(obj.other_unit, EDIT_PROFILE_ROLES)
        )

    def visible_object(self, request: HttpRequest, object_id: str) -> Any:
        self._ensure_visible(request, object_id)  # 404 for unknown ids and for other agencies
        return self.get_queryset(request).get(pk=object_id)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decided through the review / undo pages, never edited


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


#: fields holding a code of a code list: shown with the item's name
CODED_FIELDS = {"sex": "sex", "ethnicity": "ethnicity", "religion": "religion"}


def _field_label(name: str) -> str:
    return str(Profile._meta.get_field(name).verbose_name).capitalize()


def _child_text(name: str, row: Any) -> str:
    model = CHILD_MODELS[name]
    parts = []
    for value in NATURAL_KEYS[name](row):
        if value not in (None, "", False):
            parts.append(_show(value))
    if isinstance(row, model):
        return f"#{row.pk}: " + ", ".join(parts)
    return _("mới: %(values)s") % {"values": ", ".join(parts)}


@admin.register(MergeCandidate)
class MergeCandidateAdmin(BothSidesScopedMixin, SimpleHistoryAdmin):
    list_display = ("label", "other_label", "score_display", "rule", "status", "source")
    list_filter = ("status", "rule")
    search_fields = ("label", "other_label")
    list_select_related = ("unit",)
    show_full_result_count = False

    @admin.display(description=gettext_lazy("điểm"), ordering="score")
    def score_display(self, obj: MergeCandidate) -> str:
        return f"{obj.score:.0f}"

    def get_search_results(self, request, queryset, search_term):
        from orgtree.text import fold

        term = (search_term or "").strip()
        if not term:
            return queryset, False
        folded = fold(term)
        # labels are stored with diacritics: match either the typed text or its digits
        return queryset.filter(
            Q(label__icontains=term) | Q(other_label__icontains=term) | Q(pair_key__contains=folded)
        ), False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/xem-xet/",
                self.admin_site.admin_view(self.review_view),
                name="profiles_mergecandidate_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.visible_object(request, object_id)
        return HttpResponseRedirect(reverse("admin:profiles_mergecandidate_review", args=[obj.pk]))

    # -- the side-by-side review --------------------------------------------------------------
    def _sides(self, cand: MergeCandidate) -> tuple[dict[str, Any], dict[str, Any]]:
        names = [n for group in FIELD_GROUPS.values() for n in group]
        left = {n: getattr(cand.profile, n) for n in names} if cand.profile else {}
        if cand.other_profile is not None:
            right = {n: getattr(cand.other_profile, n) for n in names}
        else:
            incoming = cand.incoming.get("values", cand.incoming)
            right = {n: incoming[n] for n in names if n in incoming}
            if isinstance(right.get("date_of_birth"), str):
                right["date_of_birth"] = date.fromisoformat(right["date_of_birth"][:10])
        return left, right

    @staticmethod
    def _side_text(values: dict[str, Any], lead: str, names: tuple[str, ...]) -> str:
        from . import codelists

        if lead in CODED_FIELDS:
            code = values.get(lead)
            item = codelists.items(CODED_FIELDS[lead]).get(code) if code else None
            return f"{item.name} ({code})" if item else _show(code)
        if lead == "date_of_birth":
            text = _show(values.get("date_of_birth"))
            precision = values.get("birth_date_precision") or "day"
            if precision != "day":
                label = dict(Profile._meta.get_field("birth_date_precision").choices)
                text += f" ({str(label.get(precision, precision)).lower()})"
            return text
        shown = [_show(values.get(n)) for n in names[:3] if values.get(n) not in (None, "")]
        return " · ".join(shown) or "—"

    def _rows(self, cand: MergeCandidate) -> list[dict[str, Any]]:
        left, right = self._sides(cand)
        plan = plan_fields(left, right, survivor_date=None, other_date=cand.source_date)
        rows = []
        for lead, names in FIELD_GROUPS.items():
            if lead not in right and lead not in left:
                continue
            lv = self._side_text(left, lead, names)
            rv = self._side_text(right, lead, names)
            step = plan.get(lead)
            default = "other" if step and step["chosen"] == "other" else "profile"
            rows.append(
                {
                    "lead": lead,
                    "label": _field_label(lead),
                    "left": lv or "—",
                    "right": (rv or "—") if lead in right else _("(không có trong tệp)"),
                    "absent": lead not in right,
                    "differ": lead in right and left.get(lead) != right.get(lead),
                    "default": default,
                    "why": RULE_TEXT.get(step["rule"], "") if step else "",
                }
            )
        return rows

    def _children(self, cand: MergeCandidate, request: HttpRequest) -> list[dict[str, Any]]:
        out = []
        incoming_children = (cand.incoming or {}).get("children") or {}
        for name, model in CHILD_MODELS.items():
            if name == "asset_declarations":
                continue  # group 9 is restricted: never shown side by side
            left = list(model.objects.filter(profile=cand.profile)) if cand.profile else []
            if cand.other_profile is not None:
                right = list(model.objects.filter(profile=cand.other_profile))
            else:
                right = list(incoming_children.get(name, []))
            if not left and not right:
                continue
            if name == "health" and not can_view_health(request.user):
                # group 10 needs its permission: a note in place of the rows
                out.append(
                    {"name": name, "label": _plural_label(HealthRecord), "note": HIDDEN_NOTES[name]}
                )
                continue
            out.append(
                {
                    "name": name,
                    "label": _plural_label(model),
                    "left": [_child_text(name, r) for r in left],
                    "right": [_child_text(name, r) for r in right],
                }
            )
        return out

    def review_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        cand = self.visible_object(request, object_id)
        if request.method == "POST":
            if not self.can_decide(request, cand):
                raise PermissionDenied(_("Bạn không có quyền gộp hồ sơ của đơn vị này."))
            return self._decide(request, cand)
        can_decide = self.can_decide(request, cand) and cand.status == MergeCandidate.Status.OPEN
        children = self._children(cand, request) if cand.profile else []
        if any(c["name"] == "health" and "note" not in c for c in children):
            audit_sensitive_read(["health"], request=request, obj=cand, via="merge_review")
        return TemplateResponse(
            request,
            "admin/profiles/mergecandidate/review.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Xem xét cặp hồ sơ nghi trùng"),
                "opts": self.model._meta,
                "cand": cand,
                "rows": self._rows(cand) if cand.profile else [],
                "children": children,
                "can_decide": can_decide and cand.profile is not None,
                "is_pair": cand.other_profile_ref is not None,
            },
        )

    def _decide(self, request: HttpRequest, cand: MergeCandidate) -> HttpResponse:
        back = reverse("admin:profiles_mergecandidate_review", args=[cand.pk])
        try:
            if "not_same" in request.POST:
                mark_not_same(cand, actor=request.user)
                self.message_user(
                    request,
                    _("Đã ghi nhận: không phải cùng một người. Cặp này sẽ không được đề xuất lại."),
                )
                return HttpResponseRedirect(reverse("admin:profiles_mergecandidate_changelist"))
            if "merge" not in request.POST:
                raise ValidationError(_("Hãy chọn Gộp hoặc Không phải cùng một người."))
            # a pick equal to what the rules propose is recorded under the rule, not as a
            # decision, so the history says why each value was kept
            proposed = {row["lead"]: row["default"] for row in self._rows(cand)}
            decisions = {
                lead: request.POST[f"f_{lead}"]
                for lead in FIELD_GROUPS
                if request.POST.get(f"f_{lead}") in ("profile", "other")
                and request.POST[f"f_{lead}"] != proposed.get(lead)
            }
            keep = request.POST.get("keep", "profile")
            reason = (request.POST.get("reason") or "").strip() or (
                "Gộp hồ sơ trùng sau khi xem xét"
            )
            merge = resolve_candidate(
                cand, actor=request.user, decisions=decisions, keep=keep, reason=reason
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, _("Đã gộp: %(merge)s.") % {"merge": merge})
        return HttpResponseRedirect(reverse("admin:profiles_profilemerge_change", args=[merge.pk]))


class UndoForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do hoàn tác"), max_length=255)


@admin.register(ProfileMerge)
class ProfileMergeAdmin(BothSidesScopedMixin, SimpleHistoryAdmin):
    list_display = (
        "created_at",
        "survivor_label",
        "merged_label",
        "kind",
        "actor",
        "reason",
        "undo_state",
    )
    list_filter = ("kind", ("undone_at", admin.EmptyFieldListFilter))
    search_fields = ("survivor_label", "merged_label")
    list_select_related = ("actor",)
    fields = (
        "kind",
        "survivor",
        "merged_label",
        "unit",
        "other_unit",
        "source",
        "import_job_id",
        "actor",
        "created_at",
        "reason",
        "decision_table",
        "undo_state",
        "undone_by",
        "undo_reason",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=gettext_lazy("hoàn tác"))
    def undo_state(self, obj: ProfileMerge) -> str:
        if obj.undone_at:
            return _("Đã hoàn tác %(at)s") % {"at": f"{obj.undone_at:%d/%m/%Y %H:%M}"}
        url = reverse("admin:profiles_profilemerge_undo", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Hoàn tác"))

    @admin.display(description=gettext_lazy("quyết định từng trường"))
    def decision_table(self, obj: ProfileMerge) -> str:
        from django.utils.html import format_html_join

        rows = [
            (
                _field_label(lead),
                _show(step.get("survivor")),
                _show(step.get("other")),
                _("hồ sơ giữ lại") if step.get("chosen") == "survivor" else _("bên gộp vào"),
                RULE_TEXT.get(step.get("rule", ""), ""),
            )
            for lead, step in obj.decisions.items()
            if lead in FIELD_GROUPS and step.get("survivor") != step.get("other")
        ]
        if not rows:
            return _("Hai bên giống nhau ở mọi trường.")
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("Trường"),
            _("Hồ sơ giữ lại"),
            _("Bên gộp vào"),
            _("Lấy theo"),
            _("Quy tắc"),
            body,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/hoan-tac/",
                self.admin_site.admin_view(self.undo_view),
                name="profiles_profilemerge_undo",
            ),
            *super().get_urls(),
        ]

    def undo_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        merge = self.visible_object(request, object_id)
        if not self.can_decide(request, merge):
            raise PermissionDenied(_("Bạn không có quyền hoàn tác lần gộp này."))
        form = UndoForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                undo_merge(merge, request.user, form.cleaned_data["reason"])
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Đã hoàn tác: %(merge)s. Hai hồ sơ đã trở lại như cũ.") % {"merge": merge},
                )
            return HttpResponseRedirect(
                reverse("admin:profiles_profilemerge_change", args=[merge.pk])
            )
        return TemplateResponse(
            request,
            "admin/profiles/profilemerge/undo.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Hoàn tác gộp hồ sơ"),
                "opts": self.model._meta,
                "merge": merge,
                "form": form,
            },
        )
