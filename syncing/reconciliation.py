"""Reconciliation with the national population database ("đối khớp với CSDLQG về dân cư").

From 11/9/2025 the Ministry of Home Affairs compares every synced profile with the population
database each day and returns the differences. :func:`pull_mismatches` fetches the new results of
an agency through the client (from where the last pull stopped) and stores them as
:class:`~syncing.recon_models.Mismatch` rows; HR officers then, per mismatch:

* :func:`accept` — the population database is right: the profile takes its value, through an
  ordinary attributable save (the profile returns to draft) and is submitted again, so the new
  version goes through approval, signing and sync like any other change;
* :func:`dispute` — our value is right: a note saying why is required;
* :func:`resolve` — for kinds with no value to copy (ID not found, deceased): handled outside,
  with a note.

:func:`snapshot_counts` records the open and total mismatches per kind and day for the charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from cbccvc.history import save_with_history
from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit
from orgtree.text import clean, fold
from orgtree.tree import subtree_q
from profiles import actions, workflow
from profiles.models import Profile, ProfileVersion

from .recon_models import Mismatch, MismatchDailyCount, PullState

__all__ = [
    "CORRECTABLE",
    "AcceptResult",
    "PullResult",
    "accept",
    "dispute",
    "ingest",
    "pull_mismatches",
    "resolve",
    "snapshot_counts",
]

Kind = Mismatch.Kind
Status = Mismatch.Status

# Kinds whose population-database value can be copied into the profile: kind → profile field.
CORRECTABLE: dict[str, str] = {
    Kind.SPELLING: "full_name",
    Kind.DATE_OF_BIRTH: "date_of_birth",
    Kind.SEX: "sex",
}
FIELD_LABELS = {"full_name": "họ và tên", "date_of_birth": "ngày sinh", "sex": "giới tính"}

# Names the national side may use for a kind (the contract's codes and a few synonyms).
KIND_ALIASES: dict[str, str] = {
    "spelling": Kind.SPELLING,
    "name": Kind.SPELLING,
    "full_name": Kind.SPELLING,
    "dob": Kind.DATE_OF_BIRTH,
    "date_of_birth": Kind.DATE_OF_BIRTH,
    "birth_date": Kind.DATE_OF_BIRTH,
    "sex": Kind.SEX,
    "gender": Kind.SEX,
    "id_not_found": Kind.ID_NOT_FOUND,
    "not_found": Kind.ID_NOT_FOUND,
    "deceased": Kind.DECEASED,
    "dead": Kind.DECEASED,
}
SEX_NAMES = {"nam": "1", "male": "1", "m": "1", "nu": "2", "female": "2", "f": "2"}


def _get(row: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
        if value not in (None, ""):
            return value
    return default


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


DATE_FIELDS = {"date_of_birth", "deceased_on"}


def _display(value: Any, field_name: str = "") -> str:
    """A value as HR reads it: dates dd/mm/yyyy, sex by name ("Nữ", not "2")."""
    if field_name in DATE_FIELDS:
        value = _as_date(value) or value
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    text = clean(str(value if value is not None else ""))
    if field_name == "sex" and text in ("1", "2"):
        from profiles.codelists import name_of

        text = name_of("sex", text) or text
    return text[:255]


# -- pulling --------------------------------------------------------------------------------------
@dataclass
class PullResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    resolved: int = 0
    unknown_profiles: list[str] = field(default_factory=list)
    cursor: str = ""


@transaction.atomic
def ingest(agency: Unit, rows: Iterable[Any]) -> PullResult:
    """Store reconciliation results of ``agency`` (one per profile and field).

    A result is keyed by its national id: received again it is updated (still open unless HR
    already decided), a result marked resolved by the national side closes the mismatch. A
    personal ID that is not a profile of the agency is counted, not stored. A row without an id
    or a personal ID fails the whole batch, naming the row.
    """
    rows = list(rows)
    result = PullResult(received=len(rows))
    parsed: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        personal_id = str(_get(row, "personal_id", "citizen_id")).strip()
        field_name = str(_get(row, "field", default="")).strip()
        external_id = str(_get(row, "id", "mismatch_id", "result_id")).strip() or (
            f"{personal_id}:{field_name}" if personal_id and field_name else ""
        )
        if not external_id or not personal_id:
            raise ValidationError(
                f"Kết quả đối khớp thứ {number} thiếu mã kết quả hoặc số định danh; "
                "không lưu lần tải này."
            )
        raw_kind = fold(str(_get(row, "kind", "type", default="other"))).replace(" ", "_")
        kind = KIND_ALIASES.get(raw_kind, Kind.OTHER)
        since = _as_date(_get(row, "since", "detected_on", "date", default=None))
        parsed.append(
            {
                "external_id": external_id,
                "personal_id": personal_id,
                "kind": kind,
                "field": (field_name or CORRECTABLE.get(kind, ""))[:40],
                "our_value": _display(_get(row, "our_value", "local_value"), field_name),
                "population_value": _display(
                    _get(row, "population_value", "registry_value"), field_name
                ),
                "since": since or timezone.localdate(),
                "resolved": bool(_get(row, "resolved", "resolved_on", default=False))
                or str(_get(row, "status")).lower() == "resolved",
            }
        )
    agency = Unit.objects.get(pk=agency.pk)  # fresh tree fields
    profiles = dict(
        Profile.objects.filter(subtree_q(agency, "unit"))
        .filter(personal_id__in={p["personal_id"] for p in parsed})
        .values_list("personal_id", "pk")
    )
    existing = {
        m.external_id: m
        for m in Mismatch.objects.filter(external_id__in=[p["external_id"] for p in parsed])
    }
    now = timezone.now()
    for item in parsed:
        profile_id = profiles.get(item["personal_id"])
        if profile_id is None:
            result.unknown_profiles.append(item["personal_id"])
            continue
        mismatch = existing.get(item["external_id"])
        if mismatch is None:
            if item["resolved"]:
                continue
            mismatch = Mismatch(external_id=item["external_id"], profile_id=profile_id)
            result.created += 1
        else:
            result.updated += 1
            if (
                mismatch.status != Status.OPEN
                and not item["resolved"]
                and item["since"] > mismatch.since
            ):
                # the same field differs again after it was settled: a new case for HR
                mismatch.status = Status.OPEN
                mismatch.note = ""
                mismatch.decided_by = None
                mismatch.decided_at = None
        for name in ("kind", "field", "our_value", "population_value", "since"):
            setattr(mismatch, name, item[name])
        mismatch.last_seen_at = now
        if item["resolved"] and mismatch.status != Status.RESOLVED:
            mismatch.status = Status.RESOLVED
            mismatch.decided_at = now
            result.resolved += 1
            why = "CSDL quốc gia báo sai lệch đã hết"
        else:
            why = "Nhận kết quả đối khớp hằng ngày"
        save_with_history(mismatch, acting_user=None, reason=why)
    return result


def pull_mismatches(agency: Unit, client: Any) -> PullResult:
    """Fetch the agency's reconciliation results changed since the last pull.

    The watermark (the latest ``updated_at`` received) is kept in :class:`PullState`; the
    national side's pages are followed until it has no next cursor, each page stored in its own
    transaction; the watermark moves only when the last page is stored, so a pull that fails
    half-way starts again from the previous one (storing is idempotent: a result received twice
    changes nothing) and the error is recorded for the dashboard.
    """
    state, _ = PullState.objects.get_or_create(agency=agency, feed=PullState.Feed.RECONCILIATION)
    watermark = state.cursor or None
    total = PullResult(cursor=state.cursor)
    page_cursor: str | None = None
    try:
        for _ in range(10_000):  # a bound: a misbehaving server cannot keep us here forever
            page = client.reconciliation(since=watermark, cursor=page_cursor)
            items = list(_get(page, "items", "results", default=[]))
            page_cursor = _get(page, "next_cursor", default=None)
            stamps = [str(_get(i, "updated_at")) for i in items if _get(i, "updated_at")]
            with transaction.atomic():
                part = ingest(agency, items)
                total.received += part.received
                total.created += part.created
                total.updated += part.updated
                total.resolved += part.resolved
                total.unknown_profiles += part.unknown_profiles
                if stamps:
                    total.cursor = max([total.cursor, *stamps])
                PullState.objects.filter(pk=state.pk).update(
                    cursor=total.cursor if not page_cursor else state.cursor,
                    pulled_at=timezone.now(),
                    received=total.received,
                    last_error="",
                )
            if not items or not page_cursor:
                break
    except Exception as exc:
        PullState.objects.filter(pk=state.pk).update(last_error=str(exc)[:2000])
        raise
    return total


# -- deciding -------------------------------------------------------------------------------------
def _lock(mismatch: Mismatch, user: Any) -> Mismatch:
    locked = (
        Mismatch.objects.select_for_update()
        .select_related("profile__unit")
        .filter(pk=mismatch.pk)
        .first()
    )
    if locked is None or not scope_for(user).covers(locked.profile.unit, EDIT_PROFILE_ROLES):
        raise PermissionDenied("Sai lệch này nằm ngoài phạm vi được phân quyền.")
    if locked.status != Status.OPEN:
        raise ValidationError(
            gettext("Sai lệch đã ở trạng thái “%(status)s”, không xử lý lại được.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _close(mismatch: Mismatch, status: str, user: Any, note: str, reason: str) -> None:
    mismatch.status = status
    mismatch.note = note
    mismatch.decided_by = user
    mismatch.decided_at = timezone.now()
    save_with_history(mismatch, acting_user=user, reason=reason)


def population_value_for(mismatch: Mismatch) -> Any:
    """The population-database value converted to the profile field's type."""
    field_name = CORRECTABLE.get(mismatch.kind)
    raw = mismatch.population_value.strip()
    if field_name == "date_of_birth":
        value = _as_date(raw)
        if value is None:
            raise ValidationError(f"Ngày sinh “{raw}” của CSDL dân cư không đọc được.")
        return value
    if field_name == "sex":
        code = raw if raw in ("1", "2") else SEX_NAMES.get(fold(raw))
        if code is None:
            raise ValidationError(f"Giới tính “{raw}” của CSDL dân cư không đọc được.")
        return code
    if not raw:
        raise ValidationError("CSDL dân cư không trả về giá trị để cập nhật.")
    return clean(raw)


@dataclass
class AcceptResult:
    mismatch: Mismatch
    version: ProfileVersion | None
    submit_error: str = ""


@transaction.atomic
def accept(mismatch: Mismatch, user: Any, note: str = "") -> AcceptResult:
    """Take the population database's value into the profile and submit it for approval again.

    The officer's ``note``, if any, is kept on the mismatch (and its history) and appended to the
    profile's change reason (which the history cuts at 100 characters).

    The profile is saved like any other edit (history with the user and the reason), which
    returns it to draft; it is then submitted as a new version waiting for approval. When the
    profile still has blocking errors it stays in draft and ``submit_error`` says why.
    """
    mismatch = _lock(mismatch, user)
    note = clean(note or "")
    field_name = CORRECTABLE.get(mismatch.kind)
    if field_name is None:
        raise ValidationError(
            gettext(
                "Sai lệch loại “%(kind)s” không có giá trị để cập nhật vào hồ sơ; hãy khiếu nại "
                "hoặc đánh dấu đã xử lý kèm ghi chú."
            )
            % {"kind": mismatch.get_kind_display()}
        )
    value = population_value_for(mismatch)
    profile = Profile.objects.select_for_update().get(pk=mismatch.profile_id)
    label = FIELD_LABELS[field_name]
    actions.do_update_profile(
        profile,
        {field_name: value},
        acting_user=user,
        reason=(
            f"Đối khớp CSDL dân cư: sửa {label} “{mismatch.our_value}” thành "
            f"“{mismatch.population_value}”" + (f" – {note}" if note else "")
        ),
    )
    profile.refresh_from_db()
    version, submit_error = None, ""
    try:
        version = workflow.submit(profile, user)
    except workflow.WorkflowError as exc:
        submit_error = " ".join(exc.messages)
    _close(
        mismatch,
        Status.ACCEPTED,
        user,
        note or mismatch.note,
        f"Chấp nhận giá trị CSDL dân cư ({label})",
    )
    return AcceptResult(mismatch, version, submit_error)


def _require_note(note: str, action: str) -> str:
    note = clean(note or "")
    if not note:
        raise ValidationError({"note": f"Phải ghi rõ lý do khi {action}."})
    return note


@transaction.atomic
def dispute(mismatch: Mismatch, user: Any, note: str) -> Mismatch:
    """Our value is right: record the dispute with its reason (required)."""
    note = _require_note(note, "khiếu nại")
    mismatch = _lock(mismatch, user)
    _close(mismatch, Status.DISPUTED, user, note, "Khiếu nại kết quả đối khớp")
    return mismatch


@transaction.atomic
def resolve(mismatch: Mismatch, user: Any, note: str) -> Mismatch:
    """Handled outside the profile (e.g. a deceased person's record closed): note required."""
    note = _require_note(note, "đánh dấu đã xử lý")
    mismatch = _lock(mismatch, user)
    _close(mismatch, Status.RESOLVED, user, note, "Đánh dấu sai lệch đã xử lý")
    return mismatch


# -- counting -------------------------------------------------------------------------------------
def counts_by_kind(queryset: Any) -> dict[str, dict[str, int]]:
    """kind → {"open": n, "total": n} over a Mismatch queryset, in one query."""
    rows = queryset.values("kind").annotate(
        total=Count("pk"), open=Count("pk", filter=Q(status=Status.OPEN))
    )
    return {r["kind"]: {"open": r["open"], "total": r["total"]} for r in rows}


@transaction.atomic
def snapshot_counts(agency: Unit, day: date | None = None) -> list[MismatchDailyCount]:
    """Record today's (or ``day``'s) counts per kind for ``agency``; idempotent per day."""
    day = day or timezone.localdate()
    agency = Unit.objects.get(pk=agency.pk)  # fresh tree fields
    counts = counts_by_kind(Mismatch.objects.filter(subtree_q(agency, "profile__unit")))
    rows = []
    for kind in Kind.values:
        c = counts.get(kind, {"open": 0, "total": 0})
        row, _ = MismatchDailyCount.objects.update_or_create(
            agency=agency,
            day=day,
            kind=kind,
            defaults={"open_count": c["open"], "total_count": c["total"]},
        )
        rows.append(row)
    return rows
