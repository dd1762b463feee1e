"""Admin glue for signing profiles: the batch action on the profile list, the batch progress
page (with a JSON status URL), the signatures shown on the profile page with "Kiểm tra lại chữ
ký", and a read-only list of profile signatures. Behaviour is in :mod:`.profile_signing`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cbccvc.admin_mixins import ViewOnlyAdminMixin
from orgtree.access import ALL_ROLES, APPROVE_ROLES, scope_for
from orgtree.admin.scoped import ScopedAdminMixin
from signing.errors import SigningError
from signing.forms import SignWithKeyForm
from signing.keys import vn_time
from signing.models import SigningBatch
from signing.tasks import start_batch

from ..models import Profile, ProfileSignature, ProfileVersion
from ..workflow import WorkflowError
from .versions import PROVIDER, signable_items, verify_version, version_of_item

MAX_MESSAGES = 30


def _batch_for(request: HttpRequest, batch_id: int) -> SigningBatch:
    batch = SigningBatch.objects.filter(pk=batch_id, provider=PROVIDER).first()
    if batch is None or not (request.user.is_superuser or batch.created_by_id == request.user.pk):
        raise Http404(_("Không tìm thấy lô ký số."))
    return batch


def batch_failures(batch: SigningBatch) -> list[dict[str, Any]]:
    """The failed items of a profile batch, with the profile each one is about."""
    failures = batch.failures()
    ids = {version_of_item(k) for k in failures}
    versions = {
        v.pk: v for v in ProfileVersion.objects.filter(pk__in=ids).select_related("profile")
    }
    rows = []
    for key, failure in failures.items():
        version = versions.get(version_of_item(key))
        rows.append(
            {
                "profile": version.profile if version else None,
                "version": version,
                "error": failure.get("error", ""),
            }
        )
    return rows


def batch_status(batch: SigningBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total": batch.total,
        "done": batch.done,
        "failed": batch.failed,
        "progress": round(batch.progress, 4),
        "finished": batch.finished,
        "error": batch.error,
    }


class ProfileSigningAdminMixin:
    """Mixed into :class:`profiles.admin.ProfileAdmin`."""

    # -- batch signing action -------------------------------------------------------------------
    @admin.action(description=gettext_lazy("Ký số các hồ sơ đã phê duyệt"))
    def sign_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if not scope_for(request.user).has_any(APPROVE_ROLES):
            self.message_user(
                request, _("Chỉ người giữ vai trò phê duyệt mới được ký số hồ sơ."), messages.ERROR
            )
            return None
        form = SignWithKeyForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_bound and form.is_valid():
            items, refused = signable_items(queryset.select_related("unit"), request.user)
            for line in refused[:MAX_MESSAGES]:
                self.message_user(request, line, messages.ERROR)
            if len(refused) > MAX_MESSAGES:
                self.message_user(
                    request,
                    ngettext(
                        "… và %(count)d hồ sơ khác không được ký.",
                        "… và %(count)d hồ sơ khác không được ký.",
                        len(refused) - MAX_MESSAGES,
                    )
                    % {"count": len(refused) - MAX_MESSAGES},
                    messages.ERROR,
                )
            if not items:
                self.message_user(request, _("Không có hồ sơ nào ký được."), messages.WARNING)
                return None
            try:
                batch = start_batch(
                    request.user,
                    form.cleaned_data["credential"],
                    items,
                    provider=PROVIDER,
                    pin=form.cleaned_data["pin"],
                )
            except (SigningError, ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                form.add_error("pin", text)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "Đã tạo lô ký số #%(batch)s gồm %(count)d hồ sơ.",
                        "Đã tạo lô ký số #%(batch)s gồm %(count)d hồ sơ.",
                        len(items),
                    )
                    % {"batch": batch.pk, "count": len(items)},
                    messages.SUCCESS,
                )
                return redirect("admin:profiles_profile_signing_batch", batch.pk)
        select_across = request.POST.get("select_across") == "1"
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        return TemplateResponse(
            request,
            "admin/profiles/sign_selected.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ký số các hồ sơ đã phê duyệt"),
                "form": form,
                "count": queryset.count(),
                "sample": queryset[:20],
                "select_across": select_across,
                "selected": selected,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "has_credentials": form.fields["credential"].queryset.exists(),
                "opts": self.model._meta,
            },
        )

    # -- pages ----------------------------------------------------------------------------------
    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view
        return [
            path(
                "lo-ky-so/<int:batch_id>/",
                view(self.signing_batch_view),
                name="profiles_profile_signing_batch",
            ),
            path(
                "lo-ky-so/<int:batch_id>/trang-thai.json",
                view(self.signing_batch_status_view),
                name="profiles_profile_signing_batch_status",
            ),
            path(
                "<path:object_id>/kiem-tra-chu-ky/",
                view(self.reverify_view),
                name="profiles_profile_reverify",
            ),
            *super().get_urls(),
        ]

    def signing_batch_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = _batch_for(request, batch_id)
        return TemplateResponse(
            request,
            "admin/profiles/signing_batch.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Lô ký số hồ sơ #%(batch)s") % {"batch": batch.pk},
                "batch": batch,
                "percent": int(batch.progress * 100),
                "failures": batch_failures(batch),
                "opts": self.model._meta,
            },
        )

    def signing_batch_status_view(self, request: HttpRequest, batch_id: int) -> JsonResponse:
        return JsonResponse(batch_status(_batch_for(request, batch_id)))

    def reverify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return redirect("admin:profiles_profile_change", object_id)
        profile = self.get_object(request, object_id)  # None outside the user's scope
        if profile is None or not self.has_view_permission(request, profile):
            raise Http404(_("Không tìm thấy hồ sơ."))
        signatures = ProfileSignature.objects.filter(version__profile=profile)
        wanted = request.POST.get("_kiem_tra_chu_ky")
        if wanted:
            signatures = signatures.filter(pk=wanted)
        for signature in signatures.select_related("version"):
            outcome = verify_version(signature.version)
            label = _("Phiên bản %(number)s") % {"number": signature.version.number}
            if outcome.ok:
                self.message_user(
                    request,
                    _("%(version)s: chữ ký số hợp lệ.") % {"version": label},
                    messages.SUCCESS,
                )
            else:
                text = "; ".join(outcome.messages)
                self.message_user(
                    request,
                    _("%(version)s: chữ ký số KHÔNG hợp lệ – %(problems)s")
                    % {"version": label, "problems": text},
                    messages.ERROR,
                )
        return redirect("admin:profiles_profile_change", profile.pk)

    # -- the signatures on the profile page -----------------------------------------------------
    @admin.display(description=gettext_lazy("chữ ký số"))
    def signatures(self, obj: Profile) -> str:
        if obj is None or obj.pk is None:
            return "—"
        rows = ProfileSignature.objects.filter(version__profile=obj).select_related(
            "version", "signed_by"
        )
        if not rows:
            return _("Chưa có phiên bản nào được ký số.")
        url = reverse("admin:profiles_profile_reverify", args=[obj.pk])
        blocks = []
        for s in rows:
            facts = (
                (_("Phiên bản"), s.version.number),
                (_("Người ký"), s.signer_name or s.signed_by),
                (_("Chủ thể chứng thư"), s.signer_subject),
                (_("Số hiệu chứng thư"), s.certificate_serial),
                (_("Tổ chức cấp"), s.issuer),
                (_("Thời điểm ký"), vn_time(s.signing_time)),
                (_("Thuật toán"), s.algorithm),
                (_("Kiểm tra gần nhất"), verification_summary(s)),
            )
            blocks.append(
                format_html(
                    '<table class="chu-ky-so">{}</table><p><button type="submit" formaction="{}" '
                    'formmethod="post" formnovalidate name="_kiem_tra_chu_ky" value="{}">'
                    "{}</button></p>",
                    format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", facts),
                    url,
                    s.pk,
                    _("Kiểm tra lại chữ ký"),
                )
            )
        return format_html_join("", "{}", ((b,) for b in blocks))


def verification_summary(signature: ProfileSignature) -> str:
    if signature.last_verified_at is None:
        return _("Chưa kiểm tra")
    when = vn_time(signature.last_verified_at)
    if signature.last_verification_ok:
        return _("Hợp lệ (kiểm tra lúc %(at)s)") % {"at": when}
    problems = "; ".join(signature.last_verification_messages) or _("không rõ lý do")
    return _("KHÔNG hợp lệ (kiểm tra lúc %(at)s): %(problems)s") % {
        "at": when,
        "problems": problems,
    }


@admin.register(ProfileSignature)
class ProfileSignatureAdmin(ViewOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read-only list of signed profile versions, in the user's scope."""

    scope_field = "version__profile__unit"
    view_roles = ALL_ROLES
    list_display = ("version", "signer_name", "certificate_serial", "signing_time",
                    "last_verification_ok", "last_verified_at")  # fmt: skip
    list_select_related = ("version__profile",)
    list_filter = ("last_verification_ok",)
    search_fields = ("version__profile__personal_id", "certificate_serial")
    fields = ("version", "signed_by", "credential", "signer_name", "signer_subject",
              "certificate_serial", "issuer", "signing_time", "algorithm", "includes_assets",
              "document_sha256", "last_verified_at", "verification")  # fmt: skip
    readonly_fields = fields
    actions = ["reverify_selected"]

    @admin.display(description=gettext_lazy("kết quả kiểm tra gần nhất"))
    def verification(self, obj: ProfileSignature) -> str:
        return verification_summary(obj)

    @admin.action(description=gettext_lazy("Kiểm tra lại chữ ký"))
    def reverify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        ok = bad = 0
        for signature in queryset.select_related("version__profile"):
            try:
                outcome = verify_version(signature.version)
            except WorkflowError as exc:  # pragma: no cover - every row here is signed
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                continue
            if outcome.ok:
                ok += 1
            else:
                bad += 1
                self.message_user(
                    request,
                    f"{signature.version}: " + "; ".join(outcome.messages),
                    messages.ERROR,
                )
        self.message_user(
            request, _("Đã kiểm tra: %(ok)d hợp lệ, %(bad)d không hợp lệ.") % {"ok": ok, "bad": bad}
        )
