"""django-otp's TOTP device admin, with its two extra views (``<id>/config/`` and
``<id>/qrcode/``) answering 404 for a device the user may not see, whether it exists or not.

Upstream looks the device up with ``TOTPDevice.objects.get`` (an unknown id is a 500) and then
answers 403 for a device the user may not view, which tells anyone which ids exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


class ScopedTOTPDeviceAdmin(TOTPDeviceAdmin):
    def _visible_or_404(self, request: HttpRequest, pk: Any) -> None:
        device = self.get_queryset(request).filter(pk=pk).first()
        if device is None or not self.has_view_or_change_permission(request, device):
            raise Http404

    def config_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self._visible_or_404(request, pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self._visible_or_404(request, pk)
        return super().qrcode_view(request, pk)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, ScopedTOTPDeviceAdmin)
