"""Accounts for agency admins: create, list, roles, password, second factor, deactivation.

Limited to the accounts holding a role in the admin's subtree (:func:`orgtree.users.managed_users`);
every write goes through :mod:`orgtree.users`, which checks the scope again. The national admin
keeps Django's own user admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import users
from ..access import MANAGE_UNIT_ROLES, scope_for
from ..models import AgencyUser, Role, Unit, UnitAssignment
from .unit_filter import unit_picker

PASSWORD_GENERATE = "generate"
PASSWORD_SET = "set"


def _role_choices() -> list[tuple[str, str]]:
    return [(role, Role(role).label) for role in users.GRANTABLE_ROLES]


def _unit_field(user: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=scope_for(user).units(MANAGE_UNIT_ROLES).active().order_by("tree_id", "lft"),
        widget=unit_picker(),  # a province has hundreds of units: a search box
    )


class _PasswordFields(forms.Form):
    """Either a generated password (shown once) or one the admin types twice."""

    password_choice = forms.ChoiceField(
        label=_("Mật khẩu"),
        choices=[
            (PASSWORD_GENERATE, _("Tạo mật khẩu ngẫu nhiên (hiển thị một lần)")),
            (PASSWORD_SET, _("Tự đặt mật khẩu")),
        ],
        initial=PASSWORD_GENERATE,
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(
        label=_("Mật khẩu mới"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password_fields(self, user: Any) -> str | None:
        """The typed password, validated against ``user``; None for a generated one."""
        if self.cleaned_data.get("password_choice") != PASSWORD_SET:
            return None
        password1 = self.cleaned_data.get("password1") or ""
        password2 = self.cleaned_data.get("password2") or ""
        if not password1:
            self.add_error("password1", _("Nhập mật khẩu, hoặc chọn tạo mật khẩu ngẫu nhiên."))
            return None
        if password1 != password2:
            self.add_error("password2", _("Hai lần nhập mật khẩu không khớp."))
            return None
        try:
            validate_password(password1, user)
        except ValidationError as error:
            self.add_error("password1", error)
            return None
        return password1


class AccountCreationForm(forms.ModelForm):
    """A new account and its first role (the extra fields are not the user's own)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Vai trò"), choices=_role_choices)
    otp_required = forms.BooleanField(label=_("Bắt buộc xác thực hai lớp"), required=False)
    password_choice = _PasswordFields.base_fields["password_choice"]
    password1 = _PasswordFields.base_fields["password1"]
    password2 = _PasswordFields.base_fields["password2"]

    acting_user: Any = None

    class Meta:
        model = AgencyUser
        fields = ["username", "email"]
        labels = {"username": _("Tên đăng nhập"), "email": _("Thư điện tử")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(self.acting_user)
        self.fields["email"].required = False

    clean_password_fields = _PasswordFields.clean_password_fields

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        unit, role = cleaned.get("unit"), cleaned.get("role")
        if unit is not None and role and not users.can_grant(self.acting_user, unit, role):
            self.add_error("role", _("Không được giao vai trò này tại đơn vị đã chọn."))
        probe = AgencyUser(
            username=cleaned.get("username") or "",
            first_name=cleaned.get("full_name") or "",
            email=cleaned.get("email") or "",
        )
        cleaned["password"] = self.clean_password_fields(probe)
        return cleaned


class AccountChangeForm(forms.ModelForm):
    class Meta:
        model = AgencyUser
        fields = ["first_name", "email"]
        labels = {"first_name": _("Họ và tên"), "email": _("Thư điện tử")}


class GrantRoleForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Vai trò"), choices=_role_choices)

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(acting_user)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class PasswordResetForm(_PasswordFields):
    pass


class OtpForm(forms.Form):
    required = forms.TypedChoiceField(
        label=_("Xác thực hai lớp"),
        choices=[("1", _("Bắt buộc")), ("0", _("Không bắt buộc riêng tài khoản này"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


@admin.register(AgencyUser)
class AgencyUserAdmin(admin.ModelAdmin):
    access_scope = "subtree"  # see orgtree/checks.py; rows: orgtree.users.managed_users
    list_display = ["username", "full_name", "email", "is_active", "roles_here", "otp_flag"]
    list_filter = ["is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    change_form_template = "admin/orgtree/agencyuser/change_form.html"
    readonly_fields = ["username", "is_active", "last_login", "date_joined"]
    actions = None

    # -- rows and permissions -----------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        scoped = UnitAssignment.objects.filter(
            scope_for(request.user).q("unit", MANAGE_UNIT_ROLES)
        ).select_related("unit")
        return qs.filter(pk__in=users.managed_users(request.user).values("pk")).prefetch_related(
            Prefetch(
                "unit_assignments",
                queryset=scoped.order_by("unit__tree_id", "unit__lft", "role"),
                to_attr="scoped_roles",
            )
        )

    def _may_manage(self, request: HttpRequest) -> bool:
        return request.user.is_active and scope_for(request.user).has_any(MANAGE_UNIT_ROLES)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return self._may_manage(request)
        return self._may_manage(request) and self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return self._may_manage(request)
        return self._may_manage(request) and users.manages_fully(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # accounts are deactivated, not deleted

    # -- list ---------------------------------------------------------------------------------
    @admin.display(description=_("Họ và tên"), ordering="first_name")
    def full_name(self, obj: AgencyUser) -> str:
        return obj.get_full_name()

    def _scoped_assignments(self, request: HttpRequest, user: Any) -> QuerySet[UnitAssignment]:
        scope = scope_for(request.user)
        return (
            UnitAssignment.objects.filter(user=user)
            .filter(scope.q("unit", MANAGE_UNIT_ROLES))
            .select_related("unit")
            .order_by("unit__tree_id", "unit__lft", "role")
        )

    @admin.display(description=_("Vai trò trong phạm vi"))
    def roles_here(self, obj: AgencyUser) -> str:
        # prefetched by get_queryset: only the roles inside this admin's subtree
        return "; ".join(
            f"{a.get_role_display()} – {a.unit.name}" for a in getattr(obj, "scoped_roles", [])
        )

    @admin.display(description=_("Bắt buộc 2 lớp"), boolean=True)
    def otp_flag(self, obj: AgencyUser) -> bool:
        return users.otp_required_for(obj)

    # -- add and change -----------------------------------------------------------------------
    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return [
                "username",
                "full_name",
                "email",
                "unit",
                "role",
                "otp_required",
                "password_choice",
                "password1",
                "password2",
            ]
        return ["username", "first_name", "email", "is_active", "last_login", "date_joined"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            form = type(
                "BoundAccountCreationForm", (AccountCreationForm,), {"acting_user": request.user}
            )
            kwargs["fields"] = None
            return super().get_form(request, obj, change=change, form=form, **kwargs)
        kwargs["form"] = AccountChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            users.update_details(
                acting_user=request.user,
                user=AgencyUser.objects.get(pk=obj.pk),
                full_name=data["first_name"],
                email=data.get("email") or "",
            )
            return
        created = users.create_account(
            acting_user=request.user,
            username=data["username"],
            full_name=data["full_name"],
            email=data.get("email") or "",
            unit=data["unit"],
            role=data["role"],
            password=data.get("password"),
            otp_required=data.get("otp_required", False),
        )
        obj.pk = created.user.pk
        obj._state.adding = False
        request._generated_password = created.password  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # no relations edited here: roles go through their own pages

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):
        password = getattr(request, "_generated_password", None)
        if password is None:
            return HttpResponseRedirect(self._change_url(obj))
        return self._show_password(request, obj, password, _("Tài khoản vừa tạo"))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        user = self._visible_user(request, object_id, missing_ok=True)
        context = dict(extra_context or {})
        if user is not None:
            scoped = list(self._scoped_assignments(request, user))
            total = UnitAssignment.objects.filter(user=user).count()
            context.update(
                assignments=[(a, users.can_withdraw(request.user, a)) for a in scoped],
                roles_elsewhere=total - len(scoped),
                manages_fully=users.manages_fully(request.user, user),
                otp_required=users.otp_required_for(user),
                has_device=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
                action_urls={
                    name: reverse(f"admin:orgtree_agencyuser_{name}", args=[user.pk])
                    for name in ("grant", "password", "otp", "active")
                },
            )
        return super().change_view(request, object_id, form_url, context)

    # -- the account's own pages --------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        own = [
            path("<path:object_id>/grant/", wrap(self.grant_view), name="orgtree_agencyuser_grant"),
            path(
                "<path:object_id>/withdraw/<int:assignment_id>/",
                wrap(self.withdraw_view),
                name="orgtree_agencyuser_withdraw",
            ),
            path(
                "<path:object_id>/password/",
                wrap(self.password_view),
                name="orgtree_agencyuser_password",
            ),
            path("<path:object_id>/otp/", wrap(self.otp_view), name="orgtree_agencyuser_otp"),
            path(
                "<path:object_id>/active/", wrap(self.active_view), name="orgtree_agencyuser_active"
            ),
        ]
        return own + super().get_urls()

    def _visible_user(self, request: HttpRequest, object_id: str, missing_ok: bool = False):
        """The account if it is in the admin's subtree; otherwise 404, as for an unknown id."""
        user = None
        if self._may_manage(request):
            try:
                user = self.get_queryset(request).filter(pk=int(object_id)).first()
            except (TypeError, ValueError):
                user = None
        if user is None and not missing_ok:
            raise Http404(_("Không tìm thấy đối tượng."))
        return user

    def _change_url(self, user: Any) -> str:
        return reverse("admin:orgtree_agencyuser_change", args=[user.pk])

    def _action_page(
        self, request: HttpRequest, user: Any, form: forms.Form, title: Any, **extra: Any
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "account": user,
            "form": form,
            **extra,
        }
        return TemplateResponse(request, "admin/orgtree/agencyuser/action.html", context)

    def _show_password(
        self, request: HttpRequest, user: Any, password: str, title: Any
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "account": user,
            "password": password,
        }
        response = TemplateResponse(request, "admin/orgtree/agencyuser/password.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _done(self, request: HttpRequest, user: Any, message: Any) -> HttpResponseRedirect:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(user))

    def _run(self, form: forms.Form, write: Any) -> bool:
        """Call the service; its validation errors land on the form."""
        try:
            write()
        except ValidationError as error:
            form.add_error(None, error)
            return False
        return True

    def grant_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = self._visible_user(request, object_id)
        form = GrantRoleForm(request.POST or None, acting_user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if self._run(
                form,
                lambda: users.grant_role(
                    acting_user=request.user, user=user, unit=data["unit"], role=data["role"]
                ),
            ):
                return self._done(request, user, _("Đã giao vai trò."))
        return self._action_page(request, user, form, _("Giao vai trò"))

    def withdraw_view(self, request: HttpRequest, object_id: str, assignment_id: int):
        user = self._visible_user(request, object_id)
        assignment = self._scoped_assignments(request, user).filter(pk=assignment_id).first()
        if assignment is None:
            raise Http404(_("Không tìm thấy đối tượng."))
        if not users.can_withdraw(request.user, assignment):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            if self._run(
                form,
                lambda: users.withdraw_role(
                    acting_user=request.user, assignment=assignment, reason=reason
                ),
            ):
                return self._done(request, user, _("Đã thu hồi vai trò."))
        return self._action_page(request, user, form, _("Thu hồi vai trò"), assignment=assignment)

    def _require_full(self, request: HttpRequest, user: Any) -> None:
        if not users.manages_fully(request.user, user):
            raise PermissionDenied

    def password_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = self._visible_user(request, object_id)
        self._require_full(request, user)
        form = PasswordResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            typed = form.clean_password_fields(user)
            if not form.errors:
                generated = users.reset_password(
                    acting_user=request.user, user=user, password=typed
                )
                if generated:
                    return self._show_password(request, user, generated, _("Mật khẩu mới"))
                return self._done(request, user, _("Đã đặt mật khẩu mới."))
        return self._action_page(request, user, form, _("Đặt lại mật khẩu"))

    def otp_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = self._visible_user(request, object_id)
        current = users.otp_required_for(user)
        form = OtpForm(request.POST or None, initial={"required": "0" if current else "1"})
        if request.method == "POST" and form.is_valid():
            required = form.cleaned_data["required"]
            users.set_otp_required(acting_user=request.user, user=user, required=required)
            return self._done(
                request,
                user,
                _("Đã bật bắt buộc xác thực hai lớp.")
                if required
                else _("Đã bỏ bắt buộc xác thực hai lớp riêng tài khoản này."),
            )
        return self._action_page(request, user, form, _("Xác thực hai lớp"))

    def active_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = self._visible_user(request, object_id)
        self._require_full(request, user)
        form = ReasonForm(request.POST or None)
        activate = not user.is_active
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            if self._run(
                form,
                lambda: users.set_active(
                    acting_user=request.user, user=user, active=activate, reason=reason
                ),
            ):
                return self._done(
                    request,
                    user,
                    _("Đã mở lại tài khoản.") if activate else _("Đã khóa tài khoản."),
                )
        return self._action_page(
            request, user, form, _("Mở lại tài khoản") if activate else _("Khóa tài khoản")
        )
