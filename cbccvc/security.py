"""Login with an optional TOTP second factor, and the rule that makes it mandatory.

The admin login form asks for a 6-digit code when the account has a confirmed TOTP device
(django-otp). With ``CBCCVC_OTP_REQUIRED`` on, a user who holds an approver or agency-admin
role (or is a superuser) is sent to the enrolment page until a device is confirmed, and can
do nothing else; so is, whatever the setting, an account an agency admin required it of.
A wrong code counts as a failed login for django-axes.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Kind, record

ENROL_URL_NAME = "second_factor"


class LoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Mã xác thực hai lớp"),
        required=False,
        max_length=8,
        help_text=_("Chỉ nhập khi tài khoản đã bật xác thực hai lớp."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "placeholder": _("6 số trong ứng dụng xác thực"),
                "style": "width: 100%; box-sizing: border-box",
            }
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        devices = list(devices_for_user(user, confirmed=True)) if user is not None else []
        if not devices:
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        # the password was right: keep it in the form so that only the code is left to type
        self.fields["password"].widget.render_value = True
        if not token:
            raise forms.ValidationError(
                _("Tài khoản này dùng xác thực hai lớp: nhập mã 6 số từ ứng dụng xác thực."),
                code="token_required",
            )
        for device in devices:
            if device.verify_is_allowed()[0] and device.verify_token(token):
                user.otp_device = device  # django-otp marks the session verified at login
                return cleaned
        # a wrong code is a failed login: django-axes counts it, the audit log records it
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=self.request,
        )
        raise forms.ValidationError(
            _("Mã xác thực không đúng hoặc đã hết hạn."), code="invalid_token"
        )


def needs_second_factor(user: Any) -> bool:
    """Approvers, agency admins and superusers must use a second factor when it is required;
    so must an account an agency admin required it of (orgtree.users.set_otp_required)."""
    from orgtree.access import APPROVE_ROLES, MANAGE_UNIT_ROLES
    from orgtree.models import UnitAssignment
    from orgtree.users import otp_required_for

    if not user.is_authenticated:
        return False
    if settings.CBCCVC_OTP_REQUIRED and (
        user.is_superuser
        or UnitAssignment.objects.filter(
            user=user, role__in=APPROVE_ROLES | MANAGE_UNIT_ROLES
        ).exists()
    ):
        return True
    return otp_required_for(user)


_EXEMPT_PREFIXES = ("/static/", "/healthz", "/metrics", "/i18n/", "/admin/logout/", "/admin/login/")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and request.path != reverse(ENROL_URL_NAME)
            and needs_second_factor(user)
        ):
            return redirect(ENROL_URL_NAME)
        return self.get_response(request)


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Mã 6 số đang hiện trong ứng dụng"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: inlined in HTML


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: scan the QR code (or type the key), confirm with a code."""
    from base64 import b32encode

    from django.contrib import admin

    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    device = None
    form = TokenForm(request.POST or None)
    if confirmed is None:
        device, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": "Ứng dụng xác thực"}
        )
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["otp_token"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                record(Kind.SECOND_FACTOR, request=request, obj=device, action="enrolled")
                return redirect("admin:index")
            form.add_error(
                "otp_token", gettext("Mã không đúng: kiểm tra giờ của điện thoại và thử lại.")
            )
    context = {
        **admin.site.each_context(request),
        "title": gettext("Xác thực hai lớp"),
        "confirmed": confirmed,
        "required": needs_second_factor(request.user),
        "form": form,
        "qr_svg": _qr_svg(device.config_url) if device else "",
        "secret": b32encode(device.bin_key).decode() if device else "",
    }
    return render(request, "security/second_factor.html", context)
