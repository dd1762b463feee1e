"""Org-tree sync ("API đồng bộ cây tổ chức đơn vị"): pull the national unit tree of an agency,
suggest which national code each local unit is, let the agency admin decide, push back.

* :func:`store_national_tree` keeps the pulled tree (:class:`~syncing.recon_models.NationalUnit`);
* :func:`suggest_matches` proposes a national code per local unit — by identifier code first
  (the unit's own code or its recorded national code), then by folded name with rapidfuzz,
  preferring a candidate under the national unit its parent maps to — with a score and a reason;
* :func:`confirm_match` / :func:`reject_match` record the admin's decision; a confirmed code is
  written to the unit through :func:`orgtree.services.update_unit` (an attributable event);
* :func:`push_units` sends the agency's units with their identifier and national codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz, process

from cbccvc.history import save_with_history
from orgtree import services as unit_services
from orgtree.access import MANAGE_UNIT_ROLES, scope_for
from orgtree.models import Unit
from orgtree.text import clean, fold
from orgtree.tree import descendants, is_within

from .recon_models import NationalUnit, PullState, UnitMatch

__all__ = [
    "NAME_SCORE_CUTOFF",
    "MatchSummary",
    "agency_of",
    "agency_units",
    "confirm_match",
    "mapped_counts",
    "pull_national_tree",
    "push_units",
    "reject_match",
    "store_national_tree",
    "suggest_matches",
]

# Below this rapidfuzz score (0–100) a name is not offered as a match.
NAME_SCORE_CUTOFF = 80
# Bonus when the candidate hangs under the national unit the local parent maps to.
PARENT_BONUS = 10


# -- agencies ----------------------------------------------------------------------------------
def agency_of(unit: Unit) -> Unit:
    """The root of the tree ``unit`` belongs to: the agency (a ministry or a province)."""
    unit = Unit.objects.get(pk=unit.pk)
    for root in Unit.objects.filter(parent__isnull=True):
        if is_within(unit, root):
            return root
    return unit


def agency_units(agency: Unit) -> Any:
    """The agency's active units (itself included); tree fields read fresh from the database."""
    return descendants(Unit.objects.get(pk=agency.pk)).filter(status=Unit.Status.ACTIVE)


def client_for_agency(agency: Unit) -> Any:
    """The national client of the agency's connection; a clear error when there is none or
    its key is revoked (nothing is called then)."""
    from .connections import client_for
    from .models import Connection, ConnectionStatus, Destination

    conn = Connection.objects.filter(
        unit=agency, destination=Destination.NATIONAL, is_official=True
    ).first()
    if conn is None:
        raise ValidationError(
            f"Cơ quan “{agency.name}” chưa có kết nối (khóa kết nối) tới CSDL quốc gia."
        )
    if conn.status == ConnectionStatus.REVOKED:
        raise ValidationError(
            f"Khóa kết nối {conn.key_id} của “{agency.name}” đã bị thu hồi; liên hệ Bộ Nội vụ "
            "để được kích hoạt khóa của phần mềm đang dùng."
        )
    return client_for(conn, timeout=30.0)


# -- pulling ------------------------------------------------------------------------------------
def _field(row: Any, *names: str) -> str:
    for name in names:
        value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
        if value:
            return str(value)
    return ""


@transaction.atomic
def store_national_tree(agency: Unit, rows: Iterable[Any]) -> int:
    """Replace the agency's stored national tree with ``rows`` (dicts or objects with ``code``,
    ``name`` and ``parent_code``); units no longer returned stay, marked absent. Returns the
    number of units received. A row without a code or a name fails the whole pull."""
    now = timezone.now()
    received: dict[str, tuple[str, str]] = {}
    for number, row in enumerate(rows, start=1):
        code = _field(row, "code").strip().upper()
        name = clean(_field(row, "name"))
        if not code or not name:
            raise ValidationError(
                f"Đơn vị thứ {number} của cây quốc gia thiếu mã hoặc tên; không lưu lần tải này."
            )
        if _field(row, "status") == "dissolved":
            continue  # gone from the national tree: kept below as absent
        received[code] = (name, _field(row, "parent_code", "parent").strip().upper())
    existing = {nu.code: nu for nu in NationalUnit.objects.filter(agency=agency)}
    new, changed = [], []
    for code, (name, parent_code) in received.items():
        nu = existing.get(code)
        if nu is None:
            new.append(
                NationalUnit(
                    agency=agency,
                    code=code,
                    name=name,
                    parent_code=parent_code,
                    folded_name=fold(name),
                    pulled_at=now,
                )
            )
            continue
        nu.name, nu.parent_code, nu.folded_name = name, parent_code, fold(name)
        nu.present, nu.pulled_at = True, now
        changed.append(nu)
    NationalUnit.objects.bulk_create(new, batch_size=500)
    NationalUnit.objects.bulk_update(
        changed, ["name", "parent_code", "folded_name", "present", "pulled_at"], batch_size=500
    )
    NationalUnit.objects.filter(agency=agency).exclude(code__in=list(received)).update(
        present=False
    )
    PullState.objects.update_or_create(
        agency=agency,
        feed=PullState.Feed.ORG_TREE,
        defaults={"pulled_at": now, "received": len(received), "last_error": ""},
    )
    return len(received)


def pull_national_tree(agency: Unit, client: Any) -> int:
    """Pull the agency's whole national tree through the client (the key names the agency)
    and store it."""
    return store_national_tree(agency, client.pull_all_units())


# -- suggesting -----------------------------------------------------------------------------------
AGENCY_PREFIXES = ("uy ban nhan dan ", "ubnd ")


def _locality_stripper(agency: Unit) -> Any:
    """A function removing the agency's place ("tinh phu tho") at the end of a folded name:
    "Sở Tài chính tỉnh Phú Thọ" and "Sở Tài chính" are the same department."""
    place = fold(agency.name)
    for prefix in AGENCY_PREFIXES:
        place = place.removeprefix(prefix)
    suffix = f" {place}" if place and place != fold(agency.name) else ""

    def strip(folded: str) -> str:
        return folded[: -len(suffix)] if suffix and folded.endswith(suffix) else folded

    return strip


@dataclass
class MatchSummary:
    by_code: int = 0
    by_name: int = 0
    unmatched: int = 0
    kept: int = 0  # already decided by an admin: left alone


@transaction.atomic
def suggest_matches(agency: Unit) -> MatchSummary:
    """(Re)compute the suggestions for the agency's units that no admin has decided on yet."""
    national = list(NationalUnit.objects.filter(agency=agency, present=True))
    by_code = {nu.code: nu for nu in national}
    units = list(agency_units(agency).order_by("pk"))
    decided = dict(
        UnitMatch.objects.filter(unit__in=units)
        .exclude(status__in=[UnitMatch.Status.SUGGESTED, UnitMatch.Status.UNMATCHED])
        .values_list("unit_id", "national_code")
    )
    summary = MatchSummary(kept=len(decided))
    claimed = set(decided.values())
    proposals: dict[int, tuple[NationalUnit | None, str, int, str]] = {}
    # 1) identifier codes: the national code recorded on the unit, else its own code
    for unit in units:
        if unit.pk in decided:
            continue
        for code, label in (
            (unit.national_code, "mã trên cây quốc gia"),
            (unit.code, "mã định danh"),
        ):
            nu = by_code.get(code) if code else None
            if nu is not None and nu.code not in claimed:
                proposals[unit.pk] = (nu, UnitMatch.Method.CODE, 100, f"Trùng {label} {nu.code}")
                claimed.add(nu.code)
                break
    # 2) names, among the national units nobody claimed, the parent's mapping as a tiebreak
    parent_of = {u.pk: u.parent_id for u in units}
    mapped = {pk: p[0].code for pk, p in proposals.items() if p[0] is not None}
    mapped.update({pk: code for pk, code in decided.items() if code})
    free = [nu for nu in national if nu.code not in claimed]
    strip = _locality_stripper(agency)
    keys = [strip(nu.folded_name) for nu in free]
    for unit in units:
        if unit.pk in decided or unit.pk in proposals:
            continue
        choices = {i: keys[i] for i, nu in enumerate(free) if nu.code not in claimed}
        if not choices:
            break
        folded = strip(fold(unit.name))
        best: tuple[int, NationalUnit, int] | None = None
        for _, raw, i in process.extract(
            folded, choices, scorer=fuzz.token_sort_ratio, limit=5, score_cutoff=NAME_SCORE_CUTOFF
        ):
            nu = free[i]
            parent_map = mapped.get(parent_of.get(unit.pk) or 0)
            bonus = PARENT_BONUS if parent_map and nu.parent_code == parent_map else 0
            ranked = round(raw) + bonus
            if best is None or ranked > best[0]:
                best = (ranked, nu, round(raw))
        if best is not None:
            _, nu, raw_score = best
            reason = f"Tên gần giống “{nu.name}” ({raw_score}%)"
            if nu.parent_code and nu.parent_code == mapped.get(parent_of.get(unit.pk) or 0):
                reason += ", cùng đơn vị cấp trên"
            proposals[unit.pk] = (nu, UnitMatch.Method.NAME, raw_score, reason)
            claimed.add(nu.code)
            mapped[unit.pk] = nu.code
    existing = {m.unit_id: m for m in UnitMatch.objects.filter(unit__in=units)}
    for unit in units:
        if unit.pk in decided:
            continue
        nu, method, score, reason = proposals.get(
            unit.pk, (None, "", 0, "Không tìm thấy mã hoặc tên tương ứng trên cây quốc gia")
        )
        if method == UnitMatch.Method.CODE:
            summary.by_code += 1
        elif method == UnitMatch.Method.NAME:
            summary.by_name += 1
        else:
            summary.unmatched += 1
        match = existing.get(unit.pk) or UnitMatch(unit=unit)
        match.national_unit = nu
        match.national_code = nu.code if nu else ""
        match.method = method
        match.score = score
        match.reason = reason[:300]
        match.status = UnitMatch.Status.SUGGESTED if nu else UnitMatch.Status.UNMATCHED
        save_with_history(
            match, acting_user=None, reason="Đề xuất ghép mã theo cây tổ chức quốc gia"
        )
    return summary


# -- deciding -------------------------------------------------------------------------------------
def _check_admin(user: Any, unit: Unit) -> None:
    if not scope_for(user).covers(unit, MANAGE_UNIT_ROLES):
        raise PermissionDenied("Đơn vị nằm ngoài phạm vi quản trị của bạn.")


def check_code(match: UnitMatch, code: str) -> NationalUnit:
    """The national unit ``code`` names for ``match``'s agency; ValidationError (keyed
    ``national_code``) when it is empty, unknown or already confirmed for another unit."""
    if not code:
        raise ValidationError({"national_code": "Chưa có mã trên cây quốc gia để xác nhận."})
    nu = NationalUnit.objects.filter(agency=agency_of(match.unit), code=code).first()
    if nu is None:
        raise ValidationError(
            {"national_code": f"Mã “{code}” không có trên cây tổ chức quốc gia đã tải về."}
        )
    clash = (
        UnitMatch.objects.filter(national_code=code, status=UnitMatch.Status.CONFIRMED)
        .exclude(pk=match.pk)
        .select_related("unit")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"national_code": f"Mã “{code}” đã được xác nhận cho đơn vị “{clash.unit.name}”."}
        )
    return nu


@transaction.atomic
def confirm_match(match: UnitMatch, user: Any, national_code: str | None = None) -> UnitMatch:
    """Confirm the suggestion (or the code the admin typed instead) and write it to the unit."""
    match = UnitMatch.objects.select_for_update().select_related("unit").get(pk=match.pk)
    unit = match.unit
    _check_admin(user, unit)
    code = (national_code if national_code is not None else match.national_code).strip().upper()
    nu = check_code(match, code)
    if code != match.national_code:
        match.method = UnitMatch.Method.MANUAL
        match.score = 100
        match.reason = f"Quản trị chọn mã {code} ({nu.name})"
    # the national code is recorded on the unit only when it differs from its own code
    desired = "" if code == unit.code else code
    if unit.national_code != desired:
        unit_services.update_unit(
            unit,
            effective_date=timezone.localdate(),
            actor=user,
            reason=f"Ghép mã với cây tổ chức quốc gia: {code} ({nu.name})",
            national_code=desired,
        )
    match.national_unit = nu
    match.national_code = code
    match.status = UnitMatch.Status.CONFIRMED
    match.decided_by = user
    match.decided_at = timezone.now()
    match.pushed_at = None
    save_with_history(match, acting_user=user, reason="Xác nhận ghép mã")
    return match


@transaction.atomic
def reject_match(match: UnitMatch, user: Any) -> UnitMatch:
    match = UnitMatch.objects.select_for_update().select_related("unit").get(pk=match.pk)
    _check_admin(user, match.unit)
    match.status = UnitMatch.Status.REJECTED
    match.decided_by = user
    match.decided_at = timezone.now()
    save_with_history(match, acting_user=user, reason="Từ chối đề xuất ghép mã")
    return match


# -- pushing --------------------------------------------------------------------------------------
def unit_rows(agency: Unit) -> list[dict[str, str]]:
    """The agency's active units as the contract sends them, parents first. A unit is known
    nationally by its confirmed national code, else by its own identifier code."""
    units = list(agency_units(agency).select_related("parent"))  # tree order: parents first

    def national(u: Unit) -> str:
        return u.national_code or u.code

    return [
        {
            "code": national(u),
            "identifier_code": u.code,
            "name": u.name,
            "short_name": u.short_name,
            "parent_code": national(u.parent) if u.parent_id and u.pk != agency.pk else "",
            "kind": u.kind,
        }
        for u in units
    ]


@dataclass
class PushSummary:
    sent: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)


def push_units(agency: Unit, client: Any, chunk: int = 1000) -> PushSummary:
    """Send the agency's units with their codes (in chunks the contract allows); mark
    confirmed mappings as pushed. Rejections are returned with the national side's reason."""
    rows = unit_rows(agency)
    summary = PushSummary(sent=len(rows))
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        for result in client.push_units(part):
            status = str(result.get("status", ""))
            if status in ("created", "updated", "unchanged"):
                setattr(summary, status, getattr(summary, status) + 1)
            else:
                code = result.get("code") or part[int(result.get("index", 0))]["code"]
                summary.rejected.append(f"{code}: {result.get('message', status)}")
    UnitMatch.objects.filter(
        unit__in=agency_units(agency), status=UnitMatch.Status.CONFIRMED
    ).update(pushed_at=timezone.now())
    return summary


# -- counting -------------------------------------------------------------------------------------
def mapped_counts(units: Any) -> dict[int, int]:
    """unit id → 1 when the unit's national code is confirmed, for the units given (a queryset)."""
    return dict.fromkeys(
        UnitMatch.objects.filter(unit__in=units, status=UnitMatch.Status.CONFIRMED).values_list(
            "unit_id", flat=True
        ),
        1,
    )
