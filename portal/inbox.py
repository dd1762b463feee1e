"""The approver's inbox ("Hộp duyệt hồ sơ"): the profiles waiting for approval in the
approver's subtree, each with what changed since its last approved or signed version, and the
decisions — approve, return with a comment, approve and sign — for one or several profiles.

Every decision goes through :mod:`profiles.workflow` (``approve``, ``reject``: who, when, why
are recorded there) and, for signing, through the existing batch signing
(:func:`signing.tasks.start_batch`). Nothing here decides who may do what beyond
hiding what the workflow would refuse: the workflow checks the scope and four eyes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgtree import tree
from orgtree.access import APPROVE_ROLES, scope_for
from orgtree.models import Unit
from profiles import diffing, four_eyes, workflow
from profiles.models import Finding, Profile, ProfileStatus, ProfileVersion, VersionStatus
from profiles.services import HIDDEN_NOTES, audit_sensitive_read, without_hidden_groups
from signing.forms import SignWithKeyForm

PAGE_SIZE = 25

APPROVE = "approve"
RETURN = "return"
APPROVE_SIGN = "approve_sign"
ACTIONS = {
    APPROVE: gettext_lazy("Phê duyệt"),
    RETURN: gettext_lazy("Trả lại"),
    APPROVE_SIGN: gettext_lazy("Phê duyệt và ký số"),
}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do trả lại (bắt buộc)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
    )


# -- what the approver may see ----------------------------------------------------------------
def may_use_inbox(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and scope_for(user).has_any(APPROVE_ROLES))


def waiting_profiles(user: Any) -> QuerySet[Profile]:
    """Profiles waiting for approval in the subtrees where ``user`` holds the approver role."""
    return scope_for(user).filter(
        Profile.objects.filter(status=ProfileStatus.SUBMITTED), "unit", APPROVE_ROLES
    )


def pending_version(profile: Profile) -> ProfileVersion | None:
    return (
        profile.versions.filter(status=VersionStatus.SUBMITTED)
        .select_related("submitted_by")
        .order_by("-number")
        .first()
    )


def person_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def own_submission(version: ProfileVersion | None, profile: Profile, user: Any) -> bool:
    return bool(
        version is not None
        and version.submitted_by_id == user.pk
        and four_eyes.required_for(profile)
    )


def four_eyes_reason(version: ProfileVersion, profile: Profile, user: Any) -> str:
    """Why ``user`` may not approve ``version`` (the four-eyes rule), or ""."""
    try:
        four_eyes.check(version, profile, user)
    except PermissionDenied as exc:
        return str(exc)
    return ""


@dataclass
class Row:
    profile: Profile
    version: ProfileVersion | None
    own: bool

    @property
    def submitter(self) -> str:
        return person_name(self.version.submitted_by) if self.version else ""


def _rows(profiles: list[Profile], user: Any) -> list[Row]:
    versions: dict[int, ProfileVersion] = {}
    for version in (
        ProfileVersion.objects.filter(
            profile_id__in=[p.pk for p in profiles], status=VersionStatus.SUBMITTED
        )
        .select_related("submitted_by")
        .order_by("number")
    ):
        versions[version.profile_id] = version  # the latest submitted wins
    rows = []
    for profile in profiles:
        pending = versions.get(profile.pk)
        rows.append(Row(profile, pending, own_submission(pending, profile, user)))
    return rows


def _unit_choices(queryset: QuerySet[Profile]) -> list[tuple[Unit, int]]:
    """The units holding waiting profiles, with their counts (a handful, not the whole tree)."""
    from django.db.models import Count

    counts = dict(
        queryset.order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    units = Unit.objects.filter(pk__in=counts).order_by("code")
    return [(unit, counts[unit.pk]) for unit in units]


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **admin.site.each_context(request),
        "title": title,
        "inbox_url": reverse("portal:inbox"),
        **extra,
    }


def _check_access(request: HttpRequest) -> None:
    if not may_use_inbox(request.user):
        raise PermissionDenied(_("Chỉ người giữ vai trò phê duyệt mới dùng được hộp duyệt hồ sơ."))


# -- pages -----------------------------------------------------------------------------------
def inbox(request: HttpRequest) -> HttpResponse:
    _check_access(request)
    queryset = waiting_profiles(request.user)
    if request.method == "POST":
        ids = request.POST.getlist("profile")
        selected = queryset.filter(pk__in=[i for i in ids if i.isdigit()])
        return act(request, selected, request.POST.get("action", ""), back=reverse("portal:inbox"))
    unit_choices = _unit_choices(queryset)
    unit_id = request.GET.get("don_vi", "")
    chosen: Unit | None = None
    if unit_id.isdigit():
        chosen = scope_for(request.user).units(APPROVE_ROLES).filter(pk=int(unit_id)).first()
        if chosen is not None:
            queryset = queryset.filter(tree.subtrees_q([chosen], "unit"))
    queryset = queryset.select_related("unit").order_by("unit__code", "folded_name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))
    rows = _rows(list(page.object_list), request.user)
    return TemplateResponse(
        request,
        "portal/inbox.html",
        _context(
            request,
            _("Hộp duyệt hồ sơ"),
            rows=rows,
            page=page,
            unit_choices=unit_choices,
            chosen_unit=chosen,
            return_form=ReturnForm(),
            sign_form=SignWithKeyForm(user=request.user),
            actions=ACTIONS,
        ),
    )


def finding_rows(profile: Profile) -> list[dict[str, str]]:
    return [
        {
            "severity": finding.severity,
            "severity_label": finding.get_severity_display(),
            "principle": finding.principle,
            "field": diffing.field_label(finding.field),
            "message": finding.message,
        }
        for finding in Finding.objects.filter(profile=profile).order_by("-severity", "code", "pk")
    ]


def detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    _check_access(request)
    queryset = waiting_profiles(request.user)
    profile = queryset.select_related("unit").filter(pk=profile_id).first()
    if profile is None:  # another unit's profile, or no longer waiting: not here
        raise Http404(_("Không có hồ sơ này trong hộp duyệt của bạn."))
    if request.method == "POST":
        return act(
            request,
            queryset.filter(pk=profile.pk),
            request.POST.get("action", ""),
            back=reverse("portal:inbox_detail", args=[profile.pk]),
        )
    version = pending_version(profile)
    if version is None:
        raise Http404(_("Hồ sơ không có phiên bản nào đang chờ phê duyệt."))
    kept: set[str] = set()

    def visible(data: dict[str, Any]) -> dict[str, Any]:
        shown, keys = without_hidden_groups(data, request.user)
        kept.update(keys)
        return shown

    diff = diffing.diff_versions(version, visible=visible)
    shown_sensitive = {g.key for g in diff.groups} & kept
    audit_sensitive_read(shown_sensitive, via="inbox", request=request, obj=profile)
    hidden = [str(note) for key, note in HIDDEN_NOTES.items() if key not in kept]
    blocked = four_eyes_reason(version, profile, request.user)
    return TemplateResponse(
        request,
        "portal/inbox_detail.html",
        _context(
            request,
            _("Duyệt hồ sơ: %(name)s") % {"name": profile.full_name},
            profile=profile,
            version=version,
            submitter=person_name(version.submitted_by),
            diff=diff,
            base=diff.base,
            findings=finding_rows(profile),
            hidden_notes=hidden,
            four_eyes_reason=blocked,
            return_form=ReturnForm(),
            sign_form=SignWithKeyForm(user=request.user),
        ),
    )


# -- decisions -------------------------------------------------------------------------------
def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _label(profile: Profile) -> str:
    return f"{profile.full_name} ({profile.personal_id})"


def _version_or_error(profile: Profile) -> ProfileVersion:
    version = pending_version(profile)
    if version is None:
        raise workflow.WorkflowError(_("Hồ sơ không có phiên bản nào đang chờ phê duyệt."))
    return version


def _approve_all(request: HttpRequest, profiles: list[Profile]) -> list[Profile]:
    approved = []
    for profile in profiles:
        try:
            workflow.approve(_version_or_error(profile), request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{_label(profile)}: {_error_text(exc)}")
        else:
            approved.append(profile)
    if approved:
        messages.success(request, _("Đã phê duyệt %(n)s hồ sơ.") % {"n": len(approved)})
    return approved


def act(request: HttpRequest, selected: QuerySet[Profile], action: str, *, back: str) -> Any:
    """Run ``action`` on the ``selected`` waiting profiles (already limited to the scope)."""
    if action not in ACTIONS:
        messages.error(request, _("Chưa chọn thao tác."))
        return redirect(back)
    profiles = list(selected.select_related("unit").order_by("folded_name", "pk"))
    if not profiles:
        messages.error(request, _("Chưa chọn hồ sơ nào (hoặc hồ sơ không còn chờ phê duyệt)."))
        return redirect(back)
    if action == RETURN:
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Phải ghi lý do trả lại hồ sơ."))
            return redirect(back)
        reason = form.cleaned_data["reason"]
        done = 0
        for profile in profiles:
            try:
                workflow.reject(_version_or_error(profile), request.user, reason)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{_label(profile)}: {_error_text(exc)}")
            else:
                done += 1
        if done:
            messages.success(request, _("Đã trả lại %(n)s hồ sơ.") % {"n": done})
        return redirect("portal:inbox")

    sign_form = SignWithKeyForm(request.POST, user=request.user) if action == APPROVE_SIGN else None
    with_errors = [p for p in profiles if p.error_count]
    if with_errors and request.POST.get("confirm_errors") != "1":
        return TemplateResponse(
            request,
            "portal/inbox_confirm.html",
            _context(
                request,
                _("Xác nhận phê duyệt hồ sơ còn lỗi"),
                profiles=profiles,
                with_errors=with_errors,
                action=action,
                action_label=ACTIONS[action],
                sign_form=SignWithKeyForm(user=request.user) if sign_form is not None else None,
                back=back,
            ),
        )
    if sign_form is None:
        _approve_all(request, profiles)
        return redirect("portal:inbox")
    return _approve_and_sign(request, profiles, sign_form, back)


def _approve_and_sign(
    request: HttpRequest, profiles: list[Profile], form: SignWithKeyForm, back: str
) -> HttpResponse:
    """Approve, then sign the approved versions in one batch (the list's signing action's own
    batch): the PIN is tried first, so a wrong PIN approves nothing."""
    from profiles.signatures.versions import PROVIDER, signable_items
    from signing.credentials import open_signer
    from signing.errors import SigningError
    from signing.tasks import start_batch

    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[key].label}: {' '.join(map(str, errors))}"
            for key, errors in form.errors.items()
        )
        messages.error(request, _("Chưa ký được: %(problems)s") % {"problems": problems})
        return redirect(back)
    credential = form.cleaned_data["credential"]
    pin = form.cleaned_data["pin"]
    try:
        open_signer(credential, pin, user=request.user).close()
    except (SigningError, ValidationError, PermissionDenied) as exc:
        messages.error(
            request,
            _("Không mở được khóa ký số, chưa phê duyệt hồ sơ nào: %(error)s")
            % {"error": _error_text(exc)},
        )
        return redirect(back)
    approved = _approve_all(request, profiles)
    if not approved:
        return redirect(back)
    fresh = Profile.objects.filter(pk__in=[p.pk for p in approved]).select_related("unit")
    items, refused = signable_items(fresh.order_by("folded_name", "pk"), request.user)
    for line in refused:
        messages.error(request, line)
    if not items:
        return redirect("portal:inbox")
    try:
        batch = start_batch(request.user, credential, items, provider=PROVIDER, pin=pin)
    except (SigningError, ValidationError, PermissionDenied) as exc:
        messages.error(
            request,
            _("Đã phê duyệt nhưng chưa ký được: %(error)s") % {"error": _error_text(exc)},
        )
        return redirect("portal:inbox")
    messages.success(
        request,
        _("Đã tạo lô ký số #%(batch)s gồm %(n)s hồ sơ.") % {"batch": batch.pk, "n": len(items)},
    )
    return redirect("admin:profiles_profile_signing_batch", batch.pk)
