"""Admin of the sync queue: connection keys (scoped to the agency), the queue with its dead
letters and requeue, the "not synced within 3 working days" filter, the M51 test sync, the
extra holidays. Behaviour lives in :mod:`.connections`, :mod:`.sender`, :mod:`.m51`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from cbccvc.admin_mixins import HistoryIdMixin
from cbccvc.history import attribute
from orgtree.access import ALL_ROLES, EDIT_PROFILE_ROLES, MANAGE_UNIT_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from profiles.models import Profile

from . import connections as conn_services
from . import contract, transport
from .m51 import run_test_sync
from .models import (
    Connection,
    ConnectionStatus,
    ExtraHoliday,
    SyncItem,
    SyncStatus,
    SyncWindow,
    TestSyncRun,
)
from .sender import requeue
from .workdays import overdue_since


def _warn_revoked(request: HttpRequest, conns: QuerySet[Connection]) -> None:
    for conn in conns.filter(status=ConnectionStatus.REVOKED):
        messages.error(
            request, f"{conn.unit} – {conn.get_destination_display()}: {conn.status_message}"
        )


def _connections_in_scope(request: HttpRequest) -> QuerySet[Connection]:
    return scope_for(request.user).filter(Connection.objects.all(), "unit", ALL_ROLES)


# -- connections ----------------------------------------------------------------------------


class ConnectionForm(forms.ModelForm):
    secret = forms.CharField(
        label=gettext_lazy("bí mật của khóa kết nối"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=gettext_lazy(
            "Chỉ nhập khi tạo kết nối; được mã hóa, không bao giờ hiển thị lại."
        ),
    )
    new_key_id = forms.CharField(label=gettext_lazy("mã khóa mới"), required=False, max_length=100)
    new_secret = forms.CharField(
        label=gettext_lazy("bí mật của khóa mới"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=gettext_lazy(
            "Đổi khóa: khóa cũ vẫn dùng cho đến khi khóa mới được xác nhận "
            "(thao tác “Xác nhận khóa mới”)."
        ),
    )

    class Meta:
        model = Connection
        fields = [
            "unit",
            "destination",
            "software_name",
            "base_url",
            "key_id",
            "is_official",
            "admin_name",
            "admin_phone",
            "admin_email",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None and not data.get("secret"):
            self.add_error("secret", _("Phải nhập bí mật của khóa kết nối."))
        if bool(data.get("new_key_id")) != bool(data.get("new_secret")):
            self.add_error("new_secret", _("Đổi khóa cần cả mã khóa mới và bí mật mới."))
        if data.get("base_url") and (problem := transport.refusal(data["base_url"])):
            self.add_error("base_url", problem)  # HTTPS only, but for the loopback demo
        return data


ROTATION_FIELDS = ["pending_key_id", "rotated_at", "new_key_id", "new_secret"]


class SyncWindowInline(admin.TabularInline):
    model = SyncWindow
    extra = 0
    fields = ["label", "mode", "starts_on", "ends_on"]


@admin.register(Connection)
class ConnectionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = ConnectionForm
    edit_roles = MANAGE_UNIT_ROLES
    inlines = [SyncWindowInline]
    list_display = [
        "unit",
        "destination",
        "software_name",
        "key_id",
        "is_official",
        "status_badge",
        "admin_name",
        "admin_phone",
        "last_health",
        "last_sync_at",
    ]
    list_filter = ["destination", "status", "is_official"]
    search_fields = ["unit__name", "unit__code", "software_name", "key_id", "admin_name"]
    readonly_fields = [
        "status",
        "status_message",
        "pending_key_id",
        "rotated_at",
        "last_health_at",
        "last_health_ok",
        "last_health_message",
        "consecutive_failures",
        "circuit_open_until",
        "last_sync_at",
        "schedule_reported_at",
    ]
    actions = ["check_health", "confirm_new_key", "send_schedule", "reset_circuit"]

    def get_fieldsets(self, request: HttpRequest, obj: Connection | None = None) -> Any:
        main = ["unit", "destination", "software_name", "base_url", "key_id", "is_official"]
        if obj is None:
            main.append("secret")
        sets: list[Any] = [
            (None, {"fields": main}),
            (_("Người quản trị khóa"), {"fields": ["admin_name", "admin_phone", "admin_email"]}),
        ]
        if obj is not None:
            sets += [
                (
                    _("Đổi khóa"),
                    {"fields": ["pending_key_id", "rotated_at", "new_key_id", "new_secret"]},
                ),
                (_("Trạng thái"), {"fields": self.readonly_fields[:2] + self.readonly_fields[4:]}),
            ]
        return sets

    @admin.display(description=gettext_lazy("trạng thái"))
    def status_badge(self, obj: Connection) -> str:
        colour = {"active": "green", "revoked": "#ba2121"}.get(obj.status, "#a66800")
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_status_display())

    @admin.display(description=gettext_lazy("kiểm tra kết nối"))
    def last_health(self, obj: Connection) -> str:
        if obj.last_health_at is None:
            return _("chưa kiểm tra")
        mark = "✔" if obj.last_health_ok else "✘"
        return f"{mark} {timezone.localtime(obj.last_health_at):%H:%M %d/%m/%Y}"

    def save_model(self, request: HttpRequest, obj: Connection, form: Any, change: bool) -> None:
        from cbccvc.crypto import seal

        if form.cleaned_data.get("secret"):
            obj.set_secret(form.cleaned_data["secret"])
        if form.cleaned_data.get("new_key_id"):
            obj.pending_key_id = form.cleaned_data["new_key_id"].strip()
            obj.pending_secret_sealed = seal(form.cleaned_data["new_secret"].encode("utf-8"))
            attribute(obj, acting_user=request.user, reason="Nhập khóa kết nối mới (chờ xác nhận)")
        if not change:
            obj.status_changed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET":
            _warn_revoked(request, self.get_queryset(request))
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "GET" and object_id.isdigit():  # else Django's "not found"
            _warn_revoked(request, self.get_queryset(request).filter(pk=object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def _editable(self, request: HttpRequest, queryset: QuerySet[Connection]) -> list:
        scope = scope_for(request.user)
        return [c for c in queryset.select_related("unit") if scope.covers(c.unit, self.edit_roles)]

    @admin.action(description=gettext_lazy("Kiểm tra kết nối tới CSDL quốc gia"))
    def check_health(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for conn in self._editable(request, queryset):
            ok, message = conn_services.health_check(conn)
            self.message_user(
                request, f"{conn}: {message}", messages.SUCCESS if ok else messages.ERROR
            )

    @admin.action(description=gettext_lazy("Xác nhận khóa mới (kiểm tra rồi thay khóa cũ)"))
    def confirm_new_key(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for conn in self._editable(request, queryset):
            try:
                conn = conn_services.confirm_rotation(conn, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{conn}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{conn}: {conn.status_message}", messages.SUCCESS)

    @admin.action(description=gettext_lazy("Báo lịch đồng bộ cho CSDL quốc gia"))
    def send_schedule(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for conn in self._editable(request, queryset):
            try:
                conn_services.report_schedule(conn)
            except ValidationError as exc:
                self.message_user(request, f"{conn}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(connection)s: đã báo lịch đồng bộ.") % {"connection": conn},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Đóng lại bộ ngắt (thử gửi lại ngay)"))
    def reset_circuit(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        ids = [c.pk for c in self._editable(request, queryset)]
        Connection.objects.filter(pk__in=ids).update(
            consecutive_failures=0, circuit_open_until=None
        )
        self.message_user(
            request,
            ngettext(
                "Đã đóng bộ ngắt của %(count)d kết nối.",
                "Đã đóng bộ ngắt của %(count)d kết nối.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )


# -- the queue ------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("quá hạn 3 ngày làm việc")
    parameter_name = "qua_han"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", _("Chưa đồng bộ sau 3 ngày làm việc"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SyncItem]) -> QuerySet[SyncItem]:
        if self.value() == "1":
            return overdue(queryset)
        return queryset


def overdue(queryset: QuerySet[SyncItem]) -> QuerySet[SyncItem]:
    """Items not synced although changed before the 3-working-day cutoff."""
    return queryset.exclude(status=SyncStatus.SYNCED).filter(changed_at__lt=overdue_since())


@admin.register(SyncItem)
class SyncItemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "version__profile__unit"
    list_display = [
        "profile_name",
        "personal_id",
        "version_number",
        "destination",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "synced_at",
    ]
    list_filter = ["status", "destination", OverdueFilter]
    search_fields = ["version__profile__personal_id", "version__profile__folded_name"]
    list_select_related = ["version__profile"]
    actions = ["requeue_items", "m51_test_sync"]
    readonly_fields = [f.name for f in SyncItem._meta.fields if f.name != "claim_token"]
    exclude = ["claim_token"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):  # type: ignore[no-untyped-def]
        from orgtree.text import fold

        return super().get_search_results(request, queryset, fold(search_term))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return scope_for(request.user).has_any(EDIT_PROFILE_ROLES)

    @admin.display(description=gettext_lazy("họ và tên"), ordering="version__profile__full_name")
    def profile_name(self, obj: SyncItem) -> str:
        return obj.version.profile.full_name

    @admin.display(description=gettext_lazy("số định danh cá nhân"))
    def personal_id(self, obj: SyncItem) -> str:
        return obj.version.profile.personal_id

    @admin.display(description=gettext_lazy("phiên bản"))
    def version_number(self, obj: SyncItem) -> int:
        return obj.version.number

    @admin.display(description=gettext_lazy("lỗi gần nhất"))
    def last_error(self, obj: SyncItem) -> str:
        if not obj.last_error_code:
            return ""
        return f"[{obj.last_error_code}] {obj.last_error_message[:200]}"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET":
            _warn_revoked(request, _connections_in_scope(request))
        return super().changelist_view(request, extra_context)

    def _in_edit_scope(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return scope_for(request.user).filter(queryset, self.scope_field, EDIT_PROFILE_ROLES)

    @admin.action(
        description=gettext_lazy("Đưa lại vào hàng đợi (mục lỗi/hết lượt)"), permissions=["requeue"]
    )
    def requeue_items(self, request: HttpRequest, queryset: QuerySet[SyncItem]) -> None:
        count = requeue(self._in_edit_scope(request, queryset))
        self.message_user(
            request,
            ngettext(
                "Đã đưa lại %(count)d mục vào hàng đợi.",
                "Đã đưa lại %(count)d mục vào hàng đợi.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Gửi thử M51 (1–10 hồ sơ đã chọn)"), permissions=["requeue"]
    )
    def m51_test_sync(self, request: HttpRequest, queryset: QuerySet[SyncItem]) -> Any:
        ids = self._in_edit_scope(request, queryset).values_list("version__profile", flat=True)
        profiles = Profile.objects.filter(pk__in=set(ids)).select_related("unit")
        return _run_m51(self, request, profiles)


def _run_m51(model_admin: Any, request: HttpRequest, profiles: Any) -> HttpResponse | None:
    try:
        run = run_test_sync(profiles, request.user)
    except ValidationError as exc:
        model_admin.message_user(request, "; ".join(exc.messages), messages.ERROR)
        return None
    return HttpResponseRedirect(reverse("admin:syncing_testsyncrun_change", args=[run.pk]))


# -- M51 test sync --------------------------------------------------------------------------


class M51Form(forms.Form):
    personal_ids = forms.CharField(
        label=gettext_lazy("số định danh cá nhân (1–10, mỗi dòng một số)"),
        widget=forms.Textarea(attrs={"rows": 10, "cols": 30}),
    )

    def __init__(self, *args: Any, profiles: QuerySet[Profile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles = profiles

    def clean_personal_ids(self) -> list[Profile]:
        raw = self.cleaned_data["personal_ids"].replace(",", "\n").split()
        ids = list(dict.fromkeys(x.strip() for x in raw if x.strip()))
        if not contract.M51_MIN <= len(ids) <= contract.M51_MAX:
            raise ValidationError(
                _("Nhập từ %(min)d đến %(max)d số định danh; đã nhập %(count)d.")
                % {"min": contract.M51_MIN, "max": contract.M51_MAX, "count": len(ids)}
            )
        found = {p.personal_id: p for p in self.profiles.filter(personal_id__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationError(
                _("Không tìm thấy hồ sơ (trong phạm vi của bạn) có số định danh: %(ids)s")
                % {"ids": ", ".join(missing)}
            )
        return [found[i] for i in ids]


@admin.register(TestSyncRun)
class TestSyncRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "connection__unit"
    list_display = ["created_at", "connection", "created_by", "ok", "profile_count", "error"]
    list_select_related = ["connection__unit", "created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TestSyncRun]:
        # the agency's runs, and the runs the user sent (an HR officer of a department sends
        # through the agency's connection)
        own = TestSyncRun.objects.filter(created_by=request.user.pk)
        return (super().get_queryset(request) | own).distinct()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.created_by_id == request.user.pk:
            return True
        return super().has_view_permission(request, obj)

    @admin.display(description=gettext_lazy("số hồ sơ"))
    def profile_count(self, obj: TestSyncRun) -> int:
        return len(obj.results)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):  # type: ignore[no-untyped-def]
        if not self.has_add_permission(request):
            raise PermissionDenied
        profiles = scope_for(request.user).filter(
            Profile.objects.select_related("unit"), "unit", EDIT_PROFILE_ROLES
        )
        form = M51Form(request.POST or None, profiles=profiles)
        if request.method == "POST" and form.is_valid():
            response = _run_m51(self, request, form.cleaned_data["personal_ids"])
            if response is not None:
                return response
        return TemplateResponse(
            request,
            "admin/syncing/m51_form.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Gửi thử M51 (1–10 hồ sơ)"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ):  # type: ignore[no-untyped-def]
        self._ensure_visible(request, object_id)
        run = self.get_queryset(request).select_related("connection__unit").get(pk=object_id)
        when = timezone.localtime(run.created_at)
        return TemplateResponse(
            request,
            "admin/syncing/m51_result.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Kết quả gửi thử M51 lúc %(at)s") % {"at": f"{when:%H:%M %d/%m/%Y}"},
                "run": run,
                "opts": self.model._meta,
            },
        )


# -- holidays -------------------------------------------------------------------------------


@admin.register(ExtraHoliday)
class ExtraHolidayAdmin(HistoryIdMixin, SimpleHistoryAdmin):
    """National calendar corrections: only the national admin edits them."""

    access_scope = "national"

    list_display = ["day", "kind", "name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission  # type: ignore[assignment]
    has_delete_permission = has_view_permission
