"""Admin for the signing engine: signing keys, the trust store, batches, and a page to verify
a signed XML file. Keys are shown only to their owner and the superuser; the private key and
the PIN are never shown, logged or stored in clear."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from cbccvc.admin_mixins import ViewOnlyAdminMixin

from .credentials import (
    build_pkcs12_credential,
    build_revocation_list,
    build_trusted_certificates,
)
from .errors import SigningError
from .models import RevocationList, SigningBatch, SigningCredential, TrustedCertificate
from .trust import TrustStore
from .xmlsig import verify_document

MAX_UPLOAD = 5 * 1024 * 1024
CERT_READONLY = (
    "subject",
    "common_name",
    "issuer",
    "serial",
    "fingerprint",
    "not_before",
    "not_after",
)


def _read(upload: Any, limit: int = MAX_UPLOAD, allowed: Any = None) -> bytes:
    from cbccvc.uploads import check_upload

    if upload.size > limit:
        raise ValidationError(
            _("Tệp quá lớn (tối đa %(megabytes)d MB).") % {"megabytes": limit // 1024 // 1024}
        )
    if allowed is not None:
        check_upload(upload, allowed=allowed, max_bytes=limit)  # type by content, not name
    return upload.read()


from cbccvc.uploads import KEY_FILE, XML  # noqa: E402


class BuiltInstanceForm(forms.ModelForm):
    """An upload form whose ``clean()`` builds the (unsaved) object through a service."""

    _built: Any

    def save(self, commit: bool = True) -> Any:
        self.instance = self._built
        if commit:
            self.instance.save()
        else:
            self.save_m2m = lambda: None
        return self.instance


# -- signing credentials ----------------------------------------------------------------------


class Pkcs12UploadForm(BuiltInstanceForm):
    pkcs12_file = forms.FileField(label=gettext_lazy("Tệp khóa (.p12, .pfx)"))
    pin = forms.CharField(
        label=gettext_lazy("Mã PIN của tệp khóa"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Chỉ dùng để kiểm tra tệp; không được lưu lại."),
    )

    class Meta:
        model = SigningCredential
        fields = ["label"]

    owner: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, pin = data.get("pkcs12_file"), data.get("pin")
        if upload is None or not pin:
            return data
        try:
            self._built = build_pkcs12_credential(
                self.owner, _read(upload, allowed=KEY_FILE), pin, data.get("label") or ""
            )
        except SigningError as exc:
            field = "pin" if exc.code == "wrong_pin" else "pkcs12_file"
            raise ValidationError({field: str(exc)}) from exc
        return data


@admin.register(SigningCredential)
class SigningCredentialAdmin(admin.ModelAdmin):
    access_scope = "owner"
    list_display = (
        "label",
        "owner",
        "kind",
        "common_name",
        "serial",
        "not_before",
        "not_after",
        "active",
    )
    list_filter = ("kind", "active", "key_algorithm")
    search_fields = ("label", "common_name", "serial", "owner__username")
    readonly_fields = (
        "owner",
        "kind",
        "key_algorithm",
        *CERT_READONLY,
        "token_label",
        "token_key_id",
        "token_key_label",
        "created_at",
        "last_used_at",
    )
    fields = ("label", "active", *readonly_fields)

    # Only the owner (and the superuser) sees a credential.
    def get_queryset(self, request: HttpRequest) -> QuerySet[SigningCredential]:
        qs = super().get_queryset(request).select_related("owner")
        return qs if request.user.is_superuser else qs.filter(owner=request.user)

    def _own(self, request: HttpRequest, obj: SigningCredential | None) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or request.user.is_superuser or obj.owner_id == request.user.pk

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._own(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._own(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._own(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._own(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: batches refer to the credential

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            # A subclass per request: never share the user through a class attribute.
            return type("Pkcs12UploadFormForUser", (Pkcs12UploadForm,), {"owner": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        if obj is None:
            return ("pkcs12_file", "pin", "label")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        return () if obj is None else self.readonly_fields

    @method_decorator(sensitive_post_parameters("pin"))
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):  # type: ignore[no-untyped-def]
        return super().add_view(request, form_url, extra_context)

    def get_urls(self):  # type: ignore[no-untyped-def]
        urls = super().get_urls()
        verify = path(
            "kiem-tra-chu-ky/",
            self.admin_site.admin_view(self.verify_view),
            name="signing_verify",
        )
        return [verify, *urls]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None):  # type: ignore[no-untyped-def]
        extra_context = dict(extra_context or {})
        extra_context["verify_url"] = reverse("admin:signing_verify")
        return super().changelist_view(request, extra_context)

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        form = VerifyUploadForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = verify_document(form.cleaned_data["xml_bytes"], TrustStore.from_database())
        context = {
            **self.admin_site.each_context(request),
            "title": _("Kiểm tra chữ ký số của tệp XML"),
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/signing/verify.html", context)


class VerifyUploadForm(forms.Form):
    xml_file = forms.FileField(label=gettext_lazy("Tệp XML đã ký"))

    def clean_xml_file(self) -> Any:
        upload = self.cleaned_data["xml_file"]
        self.cleaned_data["xml_bytes"] = _read(upload, 20 * 1024 * 1024, allowed={XML})
        return upload


# -- trust store --------------------------------------------------------------------------------


class TrustedCertificateUploadForm(BuiltInstanceForm):
    certificate_file = forms.FileField(label=gettext_lazy("Tệp chứng thư CA (PEM hoặc DER)"))

    class Meta:
        model = TrustedCertificate
        fields = ["label", "note"]

    user: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("certificate_file")
        if upload is None:
            return data
        try:
            rows = build_trusted_certificates(
                _read(upload), label=data.get("label") or "", user=self.user
            )
        except ValidationError as exc:
            raise ValidationError({"certificate_file": exc.messages}) from exc
        if len(rows) != 1:
            raise ValidationError({"certificate_file": _("Mỗi lần chỉ tải lên một chứng thư CA.")})
        self._built = rows[0]
        self._built.note = data.get("note") or ""
        return data


@admin.register(TrustedCertificate)
class TrustedCertificateAdmin(admin.ModelAdmin):
    access_scope = "national"  # the trust store: Django's model permissions
    list_display = ("label", "common_name", "is_self_signed", "serial", "not_after", "active")
    list_filter = ("active", "is_self_signed")
    search_fields = ("label", "subject", "serial", "fingerprint")
    readonly_fields = ("is_self_signed", *CERT_READONLY, "added_at", "added_by")
    fields = ("label", "active", "note", *readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead, so past verifications stay explainable

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            # A subclass per request: never share the user through a class attribute.
            return type(
                "TrustedCertificateUploadFormForUser",
                (TrustedCertificateUploadForm,),
                {"user": request.user},
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        if obj is None:
            return ("certificate_file", "label", "note")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        return () if obj is None else self.readonly_fields


class RevocationListUploadForm(BuiltInstanceForm):
    crl_file = forms.FileField(label=gettext_lazy("Tệp danh sách thu hồi (CRL, PEM hoặc DER)"))

    class Meta:
        model = RevocationList
        fields = ["label"]

    user: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("crl_file")
        if upload is None:
            return data
        try:
            self._built = build_revocation_list(
                _read(upload, 50 * 1024 * 1024), label=data.get("label") or "", user=self.user
            )
        except ValidationError as exc:
            raise ValidationError({"crl_file": exc.messages}) from exc
        return data


@admin.register(RevocationList)
class RevocationListAdmin(admin.ModelAdmin):
    access_scope = "national"  # the trust store: Django's model permissions
    list_display = ("__str__", "issuer", "this_update", "next_update", "revoked_count", "active")
    list_filter = ("active",)
    search_fields = ("label", "issuer")
    readonly_fields = (
        "issuer",
        "fingerprint",
        "this_update",
        "next_update",
        "revoked_count",
        "added_at",
        "added_by",
    )
    fields = ("label", "active", *readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            # A subclass per request: never share the user through a class attribute.
            return type(
                "RevocationListUploadFormForUser",
                (RevocationListUploadForm,),
                {"user": request.user},
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        if obj is None:
            return ("crl_file", "label")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):  # type: ignore[no-untyped-def]
        return () if obj is None else self.readonly_fields


# -- batches --------------------------------------------------------------------------------------


@admin.register(SigningBatch)
class SigningBatchAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    access_scope = "owner"
    list_display = (
        "__str__",
        "created_by",
        "credential",
        "status",
        "progress_display",
        "created_at",
    )
    list_filter = ("status",)
    readonly_fields = (
        "created_by",
        "credential",
        "provider",
        "status",
        "total",
        "done",
        "failed",
        "progress_display",
        "failures_display",
        "error",
        "task_id",
        "created_at",
        "started_at",
        "finished_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SigningBatch]:
        qs = super().get_queryset(request).select_related("created_by", "credential")
        return qs if request.user.is_superuser else qs.filter(created_by=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or request.user.is_superuser or obj.created_by_id == request.user.pk

    @admin.display(description=gettext_lazy("tiến độ"))
    def progress_display(self, obj: SigningBatch) -> str:
        return f"{obj.done + obj.failed}/{obj.total} ({obj.progress:.0%})"

    @admin.display(description=gettext_lazy("mục bị lỗi"))
    def failures_display(self, obj: SigningBatch) -> str:
        failures = obj.failures()
        if not failures:
            return "—"
        items = format_html_join(
            "", "<li>{}: {}</li>", ((k, f.get("error", "")) for k, f in failures.items())
        )
        return format_html("<ul>{}</ul>", items)
