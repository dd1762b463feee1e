"""Each role's work on the admin index: cards with a queue's count, linking to the filtered list.

A card counts the rows of a registered admin's own queryset (``ModelAdmin.get_queryset``, which
applies :func:`orgtree.access.scope_for`) filtered by plain field lookups, and links to the same
admin's changelist with the same lookups in the query string, so the number on the card is the
number of rows the list shows. One ``COUNT`` per card, on indexed columns (profile status and
error count, sync and mismatch status); never a query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgtree.access import scope_for
from orgtree.models import Role

#: Days ahead in which an API key counts as expiring soon.
KEY_EXPIRY_DAYS = 30


@dataclass
class Card:
    title: str
    url: str
    count: int | None = None
    hint: str = ""
    #: extra lines (e.g. the state of each sync connection); never None
    lines: list[str] = field(default_factory=list)
    #: "attention" when the queue is not empty and needs someone
    tone: str = ""
    #: a second link on the card (e.g. the approver's inbox for the same queue)
    action_url: str = ""
    action_label: str = ""


@dataclass
class Section:
    key: str
    title: str
    cards: list[Card] = field(default_factory=list)
    #: the URL of the profile list when the section offers a search box
    search_url: str = ""


def _admin_for(model: type[Model]) -> Any:
    return admin.site._registry.get(model)


def _changelist_url(model: type[Model], params: dict[str, Any]) -> str | None:
    opts = model._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(_query(params))}" if params else url


def _query(params: dict[str, Any]) -> dict[str, str]:
    """The admin changelist's spelling of ORM lookups: lists comma-separated, booleans 1/0."""
    out = {}
    for key, value in params.items():
        if isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[key] = "1" if value else "0"
        else:
            out[key] = str(value)
    return out


def queue_card(
    request: HttpRequest,
    model: type[Model],
    title: Any,
    params: dict[str, Any],
    *,
    hint: Any = "",
    attention: bool = True,
) -> Card | None:
    """A card counting ``model``'s rows the user sees in the admin, filtered by ``params``.

    None when the model has no admin the user may view (the card would lead nowhere)."""
    model_admin = _admin_for(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    url = _changelist_url(model, params)
    if url is None:
        return None
    count = model_admin.get_queryset(request).filter(**params).order_by().count()
    return Card(
        title=str(title),
        url=url,
        count=count,
        hint=str(hint),
        tone="attention" if attention and count else "",
    )


def _model(label: str) -> type[Model] | None:
    """A model by label, or None when it does not exist (yet) in this code base."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


# -- the cards of each role ------------------------------------------------------------------
def hr_cards(request: HttpRequest) -> list[Card | None]:
    from profiles.models import MergeCandidate, Profile, ProfileStatus
    from syncing.models import Mismatch
    from transfer.models import ImportJob

    return [
        queue_card(
            request,
            Profile,
            _("Hồ sơ có lỗi cần sửa"),
            {"error_count__gt": 0},
            hint=_("Hồ sơ còn lỗi kiểm tra dữ liệu (đúng – đủ – sạch – sống)."),
        ),
        queue_card(
            request,
            Profile,
            _("Hồ sơ bị trả lại hoặc mở lại để sửa"),
            {"status": ProfileStatus.DRAFT, "version_number__gt": 0},
            hint=_("Đã trình ít nhất một lần, nay đang soạn lại: sửa rồi trình lại."),
        ),
        queue_card(
            request,
            Mismatch,
            _("Sai lệch đối khớp chờ xử lý"),
            {"status": Mismatch.Status.OPEN},
            hint=_("Khác biệt với CSDL quốc gia về dân cư: chấp nhận, khiếu nại hoặc đánh dấu."),
        ),
        queue_card(
            request,
            MergeCandidate,
            _("Hồ sơ nghi trùng chờ xem xét"),
            {"status": MergeCandidate.Status.OPEN},
            hint=_("Dòng nhập hoặc hồ sơ có thể là cùng một người."),
        ),
        queue_card(
            request,
            ImportJob,
            _("Lượt nhập dữ liệu thất bại"),
            {"status": ImportJob.Status.FAILED},
        ),
    ]


def approver_cards(request: HttpRequest) -> list[Card | None]:
    from profiles.models import Profile, ProfileStatus
    from syncing.models import SyncItem, SyncStatus

    waiting = queue_card(
        request,
        Profile,
        _("Chờ phê duyệt"),
        {"status": ProfileStatus.SUBMITTED},
        hint=_("Hồ sơ đã trình, chờ phê duyệt hoặc trả lại."),
    )
    if waiting is not None:
        # the inbox: each profile's changes since its last approval, and the decisions
        waiting.action_url = reverse("portal:inbox")
        waiting.action_label = str(_("Mở hộp duyệt hồ sơ"))
    return [
        waiting,
        queue_card(
            request,
            Profile,
            _("Đã phê duyệt, chờ ký số"),
            {"status": ProfileStatus.APPROVED},
        ),
        queue_card(
            request,
            SyncItem,
            _("Đồng bộ lỗi"),
            {"status__in": [SyncStatus.FAILED, SyncStatus.DEAD]},
            hint=_("Mục chưa gửi được lên CSDL quốc gia (đang chờ gửi lại hoặc hết lượt)."),
        ),
    ]


def agency_admin_cards(request: HttpRequest) -> list[Card | None]:
    from orgtree.models import ApiKey, UnitAssignment
    from syncing.models import Connection, SyncItem, SyncStatus

    today = timezone.localdate()
    cards: list[Card | None] = [
        connections_card(request, Connection),
        old_keys_card(request),
        queue_card(
            request,
            SyncItem,
            _("Đồng bộ hết lượt gửi lại"),
            {"status": SyncStatus.DEAD},
            hint=_("Cần xử lý rồi đưa lại vào hàng đợi."),
        ),
        queue_card(
            request,
            ApiKey,
            _("Khóa API hết hạn trong %(days)s ngày") % {"days": KEY_EXPIRY_DAYS},
            {
                "revoked_at__isnull": True,
                "expires_at__date__gte": today,
                "expires_at__date__lte": today + timedelta(days=KEY_EXPIRY_DAYS),
            },
            hint=_("Cấp khóa mới cho hệ thống tích hợp trước khi khóa cũ hết hạn."),
        ),
        accounts_card(request),
        queue_card(
            request,
            UnitAssignment,
            _("Phân quyền người dùng"),
            {},
            hint=_("Số lượt giao vai trò trên các đơn vị bạn quản trị."),
            attention=False,
        ),
    ]
    scheduled = _model("orgtree.ScheduledOperation")
    if scheduled is not None and _admin_for(scheduled) is not None:
        cards.append(
            queue_card(
                request,
                scheduled,
                _("Thao tác cây đơn vị đã lên lịch"),
                {"status": "scheduled"},
                hint=_("Thực hiện vào ngày hiệu lực."),
                attention=False,
            )
        )
    return cards


def old_keys_card(request: HttpRequest) -> Card | None:
    """Letter 5034: the keys of the systems not chosen that the ministry has not revoked yet,
    with the latest key changes the inventory recorded (activation, revocation): two queries."""
    from syncing.models import KeyState, SystemKey

    card = queue_card(
        request,
        SystemKey,
        _("Khóa kết nối của hệ thống cũ chưa thu hồi"),
        {
            "system__is_chosen": False,
            "state__in": [KeyState.ISSUED, KeyState.ACTIVE, KeyState.REVOCATION_REQUESTED],
        },
        hint=_("Công văn 5034: đề nghị Bộ Nội vụ thu hồi khóa của phần mềm không còn dùng."),
    )
    if card is None:
        return None
    changed = (
        _admin_for(SystemKey)
        .get_queryset(request)
        .filter(state_changed_at__isnull=False)
        .select_related("system")
        .order_by("-state_changed_at", "-pk")[:3]
    )
    for key in changed:
        when = timezone.localtime(key.state_changed_at).strftime("%H:%M %d/%m/%Y")
        card.lines.append(f"{key.key_id} ({key.system.name}): {key.get_state_display()}, {when}")
    return card


def accounts_card(request: HttpRequest) -> Card | None:
    """The active accounts the agency admin manages (``orgtree.users.managed_users``), with a
    link to create one: the admin's main task starts here."""
    from orgtree.models import AgencyUser

    card = queue_card(
        request,
        AgencyUser,
        _("Tài khoản người dùng đang hoạt động"),
        {"is_active": True},
        hint=_("Tạo tài khoản, giao hoặc thu hồi vai trò, đặt lại mật khẩu, khóa tài khoản."),
        attention=False,
    )
    if card is not None and _admin_for(AgencyUser).has_add_permission(request):
        card.action_url = reverse("admin:orgtree_agencyuser_add")
        card.action_label = str(_("Tạo tài khoản"))
    return card


def connections_card(request: HttpRequest, connection_model: type[Model]) -> Card | None:
    """The state of the sync connections in scope: one query, a handful of rows."""
    model_admin = _admin_for(connection_model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    url = _changelist_url(connection_model, {})
    if url is None:
        return None
    rows = list(
        model_admin.get_queryset(request)
        .select_related("unit")
        .order_by("unit__code", "destination", "-is_official")[:6]
    )
    lines = []
    trouble = 0
    for conn in rows[:5]:
        state = conn.get_status_display()
        if conn.last_health_ok is False:
            state = f"{state}, {_('lần kiểm tra gần nhất lỗi')}"
        if conn.status != "active" or conn.last_health_ok is False:
            trouble += 1
        lines.append(f"{conn.unit.code} → {conn.get_destination_display()}: {state}")
    if len(rows) > 5:
        lines.append(str(_("…và các kết nối khác")))
    if not rows:
        lines.append(str(_("Chưa có kết nối nào.")))
    return Card(
        title=str(_("Kết nối đồng bộ")),
        url=url,
        count=None,
        lines=lines,
        tone="attention" if trouble or not rows else "",
    )


# -- the page --------------------------------------------------------------------------------
ROLE_SECTIONS: list[tuple[str, Any, Callable[[HttpRequest], list[Card | None]]]] = [
    (Role.HR_OFFICER, _("Việc của cán bộ tổ chức, nhân sự"), hr_cards),
    (Role.APPROVER, _("Việc của người phê duyệt, ký số"), approver_cards),
    (Role.AGENCY_ADMIN, _("Quản trị cơ quan"), agency_admin_cards),
]


def _profile_search_url() -> str:
    from profiles.models import Profile

    return _changelist_url(Profile, {}) or ""


def _kept(cards: Iterable[Card | None]) -> list[Card]:
    return [card for card in cards if card is not None]


def sections_for(request: HttpRequest) -> list[Section]:
    """The sections of the user's home page: one per role the user holds (each once, however
    many units it is held on); the national admin gets the same queues nation-wide."""
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return []
    scope = scope_for(user)
    sections: list[Section] = []
    if scope.is_national:
        sections.append(
            Section(
                "national",
                str(_("Toàn quốc: hồ sơ")),
                _kept([*approver_cards(request), *hr_cards(request)]),
            )
        )
        sections.append(
            Section(
                "national-admin", str(_("Toàn quốc: quản trị")), _kept(agency_admin_cards(request))
            )
        )
        sections.append(Section("search", str(_("Tìm hồ sơ")), search_url=_profile_search_url()))
        return [s for s in sections if s.cards or s.search_url]
    for role, title, make_cards in ROLE_SECTIONS:
        if scope.has_any({role}):
            sections.append(Section(str(role), str(title), _kept(make_cards(request))))
    if scope.has_any({Role.VIEWER}):
        sections.append(
            Section(str(Role.VIEWER), str(_("Tìm hồ sơ")), search_url=_profile_search_url())
        )
    return [s for s in sections if s.cards or s.search_url]
