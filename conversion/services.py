"""The conversion campaign: preview, decisions, commit, undo.

Every function checks that the user may edit profiles of the campaign's unit
(:data:`orgtree.access.EDIT_PROFILE_ROLES` over the unit's subtree) and runs in one
transaction. Profiles are read in chunks (``iterator(chunk_size=…)``), texts are resolved once
per distinct text (:class:`~conversion.rules.TextConverter`), rows are written in bulk. The
commit writes profiles through the bulk actions (:func:`profiles.actions.do_bulk_update_rows`:
one statement per batch plus a simple-history row per profile with the reason and the user)
with what :func:`profiles.actions.reopen_and_validate` would write after them: the workflow
rule for edited profiles (a submitted version is withdrawn, an approved/signed copy goes back
to draft) and the validation, run in memory before the write so that each profile row is
written once (not a second ``UPDATE`` of every row, with its indexes, for the status and the
validation's counters).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit, UnitSuccession
from orgtree.text import in_vietnamese
from orgtree.tree import subtree_q, successors
from profiles import actions, bulkio, validation
from profiles.models import Profile, ProfileVersion, VersionStatus, WorkHistory
from profiles.places import PROFILE_PLACES, PlaceColumns
from profiles.receivers import rehome_profiles
from profiles.services import DERIVED_FIELDS
from profiles.validation import validate_profiles

from . import children
from . import moves as unit_moves
from .codes import LISTS, CodeConverter
from .models import (
    Campaign,
    ChangeRow,
    FieldName,
    Outcome,
    ProfileCommit,
    TextDecision,
)
from .rules import TextConverter, place_outcome

CHUNK = 2000
ROW_BATCH = 5000

#: field → the profile's columns of that place (text, province code, commune code, review flag
#: or None, original text): profiles' table, keyed by our field names (an unknown place fails here)
PLACE_FIELDS: dict[str, PlaceColumns] = {
    FieldName(place): columns for place, columns in PROFILE_PLACES.items()
}
READ_FIELDS = ["id", "unit_id", *LISTS] + [
    name for names in PLACE_FIELDS.values() for name in names[:4] if name is not None
]
#: the place texts a person may decide (the profile's own, then its family and work rows')
TEXT_FIELDS = [*PLACE_FIELDS, *children.CHILD_FIELDS]
#: the fields the commit writes from the rows (places, position and title codes, child rows)
WRITTEN_FIELDS = [*PLACE_FIELDS, *LISTS, *children.CHILD_FIELDS]
#: key of :attr:`ProfileCommit.before`/``after`` holding the work rows' codes
WORK_KEY = "work_history"


class ConversionError(ValidationError):
    """A step that is not allowed in the campaign's state."""


def check_scope(user: Any, unit: Unit) -> None:
    if not scope_for(user).covers(unit, EDIT_PROFILE_ROLES):
        raise PermissionDenied(_("Bạn không có quyền sửa hồ sơ của đơn vị này."))


def campaign_profiles(campaign: Campaign):
    unit = Unit.objects.get(pk=campaign.scope_unit_id)
    return Profile.objects.filter(subtree_q(unit, "unit"))


# -- preview ------------------------------------------------------------------------------------
class _UnitRules:
    """The unit outcome per distinct unit (one look-up per unit, not per profile)."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._cache: dict[int, dict[str, Any]] = {}

    def get(self, unit_id: int) -> dict[str, Any]:
        found = self._cache.get(unit_id)
        if found is None:
            found = self._cache[unit_id] = self._rule(Unit.objects.get(pk=unit_id))
        return found

    def _rule(self, unit: Unit) -> dict[str, Any]:
        in_force = unit.status == Unit.Status.ACTIVE and (
            unit.valid_to is None or unit.valid_to > self.as_of
        )
        base = {"old_unit_id": unit.pk, "old_text": f"{unit.name} [{unit.code}]"[:255]}
        if in_force:
            return base | {
                "outcome": Outcome.CURRENT,
                "rule": "unit_active",
                "reason": "Đơn vị đang hoạt động",
                "new_text": base["old_text"],
                "new_unit_id": unit.pk,
                "candidates": [],
            }
        closed = in_vietnamese(Unit.Status(unit.status).label).lower()  # stored: Vietnamese
        ends = [u for u in successors(unit) if u.pk != unit.pk]
        candidates = [{"unit": {"id": u.pk, "code": u.code, "name": u.name}} for u in ends]
        if len(ends) == 1:  # merged (through one or more reforms): the commit re-homes
            return base | {
                "outcome": Outcome.CONVERTED,
                "rule": "unit_merged",
                "reason": (
                    f"Đơn vị {closed}, kế thừa bởi một đơn vị: "
                    "chuyển hồ sơ sang đơn vị kế thừa (ghi quá trình công tác)"
                ),
                "new_text": f"{ends[0].name} [{ends[0].code}]"[:255],
                "new_unit_id": ends[0].pk,
                "candidates": candidates,
            }
        if len(ends) > 1:  # split: the tree's split review assigns each person
            return base | {
                "outcome": Outcome.REVIEW,
                "rule": "unit_split",
                "reason": (
                    "Đơn vị bị chia tách: phân công từng hồ sơ cho đơn vị kế thừa tại "
                    "“Phân công hồ sơ sau chia tách” (Cơ cấu tổ chức; orgtree.split_review)"
                ),
                "new_text": "",
                "new_unit_id": None,
                "candidates": candidates,
            }
        return base | {
            "outcome": Outcome.REVIEW if ends else Outcome.UNRESOLVABLE,
            "rule": "unit_successor" if ends else "unit_closed",
            "reason": (
                f"Đơn vị {closed}; chuyển hồ sơ bằng quá trình "
                "công tác (điều động) sang đơn vị kế thừa"
                if ends
                else f"Đơn vị {closed}, không có đơn vị kế thừa"
            ),
            "new_text": f"{ends[0].name} [{ends[0].code}]"[:255] if len(ends) == 1 else "",
            "new_unit_id": ends[0].pk if len(ends) == 1 else None,
            "candidates": candidates,
        }


def _decisions(campaign: Campaign) -> dict[str, dict[str, Any]]:
    return {
        d["text"]: d
        for d in TextDecision.objects.filter(campaign=campaign).values(
            "text", "province_code", "commune_code", "label"
        )
    }


def _rows_for(
    campaign: Campaign,
    values: dict[str, Any],
    converter: TextConverter,
    units: _UnitRules,
    codes: CodeConverter,
) -> Iterator[bulkio.Draft]:
    """The new :class:`ChangeRow` rows of one profile, as :class:`profiles.bulkio.Draft` (a
    model instance per row, built and dropped, was about a quarter of the preview in cProfile)."""
    pid = values["id"]
    for name, list_key in LISTS.items():
        code = values[name] or ""
        if not code:
            continue
        found = codes.convert(list_key, code)
        yield bulkio.draft(
            ChangeRow,
            campaign_id=campaign.pk,
            profile_id=pid,
            field=name,
            outcome=found.outcome,
            rule=found.rule,
            reason=found.reason[:300],
            confidence=1.0,
            old_text=found.old_text,
            new_text=found.new_text,
            old_code=code,
            new_code=found.new_code,
            candidates=found.candidates,
        )
    for name, (text_f, prov_f, comm_f, review_f, _orig) in PLACE_FIELDS.items():
        text = values[text_f] or ""
        if not text:
            continue
        province, commune = values[prov_f] or "", values[comm_f] or ""
        review = bool(values[review_f]) if review_f else False
        result = converter.convert(text)
        outcome = place_outcome(result, text, province, commune, review)
        yield bulkio.draft(
            ChangeRow,
            campaign_id=campaign.pk,
            profile_id=pid,
            field=name,
            outcome=outcome,
            rule=result.rule,
            reason=result.reason[:300],
            confidence=result.confidence,
            old_text=text,
            new_text=result.new_text if result.resolved else "",
            old_province_code=province,
            old_commune_code=commune,
            new_province_code=result.province_code,
            new_commune_code=result.commune_code,
            candidates=result.candidates,
        )
    unit = units.get(values["unit_id"])
    yield bulkio.draft(
        ChangeRow,
        campaign_id=campaign.pk,
        profile_id=pid,
        field=FieldName.UNIT,
        outcome=unit["outcome"],
        rule=unit["rule"],
        reason=unit["reason"][:300],
        confidence=1.0,
        old_text=unit["old_text"],
        new_text=unit["new_text"],
        old_unit_id=unit["old_unit_id"],
        new_unit_id=unit["new_unit_id"],
        candidates=unit["candidates"],
    )


@dataclass
class PreviewStats:
    profiles: int = 0
    rows: int = 0
    distinct_texts: int = 0
    resolver_calls: int = 0


#: ``progress(done, total)``: called as the work advances (the background task's bar)
Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


class _Steps:
    """The steps of one run (a profile, a family or work-history row, …) told to ``progress``:
    at most every ``every`` steps, never more than ``total - 1`` until :meth:`finish`, so the
    bar moves forward only and is full only once everything is written."""

    def __init__(self, progress: Progress, total: int, every: int = 1) -> None:
        self.progress, self.total, self.every = progress, total, max(every, 1)
        self.done = self.told = 0
        progress(0, total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done - self.told >= self.every:
            self.told = self.done
            if self.done > self.total:  # rows added since they were counted: never back
                self.total = self.done + 1
            if self.done < self.total:  # the last step is told by finish()
                self.progress(self.done, self.total)

    def finish(self) -> None:
        self.total = max(self.total, self.done)
        self.progress(self.total, self.total)


def preview(
    *, unit: Unit, as_of: date, user: Any, title: str = "", chunk_size: int = CHUNK
) -> Campaign:
    """Create a campaign over ``unit``'s subtree and store what every value becomes."""
    campaign = create_campaign(unit=unit, as_of=as_of, user=user, title=title)
    return fill_preview(campaign, user, chunk_size)


def create_campaign(*, unit: Unit, as_of: date, user: Any, title: str = "") -> Campaign:
    """An empty campaign ("đang xem trước") that :func:`fill_preview` fills."""
    check_scope(user, unit)
    return Campaign.objects.create(
        scope_unit=unit,
        as_of=as_of,
        status=Campaign.Status.PREPARING,
        created_by=user if getattr(user, "pk", None) else None,
        **({"title": title} if title else {}),
    )


def fill_preview(
    campaign: Campaign, user: Any, chunk_size: int = CHUNK, progress: Progress = _no_progress
) -> Campaign:
    """Store the rows of a campaign being prepared (one transaction: all rows or none)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        check_scope(user, campaign.scope_unit)
        if campaign.status != Campaign.Status.PREPARING:
            raise ConversionError(_("Đợt chuyển đổi này đã được xem trước."))
        stats, steps = _fill_rows(campaign, chunk_size, progress)
        bulkio.analyze(ChangeRow)  # the commit reads the rows per chunk of profiles
        campaign.status = Campaign.Status.PREVIEWED
        campaign.profile_count = stats.profiles
        campaign.counts = summarise(campaign) | {
            "resolver_calls": stats.resolver_calls,
            "distinct_texts": stats.distinct_texts,
        }
        campaign.save(update_fields=["status", "profile_count", "counts"])
        steps.finish()  # the rows and the counts are written
    campaign.stats = stats  # type: ignore[attr-defined]
    return campaign


def _fill_rows(
    campaign: Campaign, chunk_size: int, progress: Progress = _no_progress
) -> tuple[PreviewStats, _Steps]:
    converter = TextConverter(campaign.as_of, _decisions(campaign))
    units = _UnitRules(campaign.as_of)
    codes = CodeConverter(campaign.as_of)
    stats = PreviewStats()
    batch: list[bulkio.Draft] = []
    query = campaign_profiles(campaign).order_by().values(*READ_FIELDS)
    # a step per profile and per family or work-history row looked at
    steps = _Steps(
        progress,
        campaign_profiles(campaign).count() + children.step_count(campaign_profiles(campaign)),
        every=chunk_size,
    )
    for values in query.iterator(chunk_size=chunk_size):
        stats.profiles += 1
        steps.advance()
        batch.extend(_rows_for(campaign, values, converter, units, codes))
        if len(batch) >= ROW_BATCH:
            stats.rows += _insert_rows(batch)
    kids = children.preview_rows(
        campaign, campaign_profiles(campaign), converter, chunk_size, step=steps.advance
    )
    for row in kids:  # the family and work-history places, streamed like the profiles
        batch.append(row)
        if len(batch) >= ROW_BATCH:
            stats.rows += _insert_rows(batch)
    stats.rows += _insert_rows(batch)
    stats.resolver_calls = converter.resolver_calls
    stats.distinct_texts = len(converter._cache)
    return stats, steps


def _insert_rows(batch: list[bulkio.Draft]) -> int:
    """Write and empty ``batch`` (PostgreSQL ``COPY``: a campaign over 300,000 profiles
    writes millions of rows, which ``bulk_create``'s ``INSERT … RETURNING`` made the larger
    part of the preview)."""
    count = len(batch)
    bulkio.insert(ChangeRow, batch)
    batch.clear()
    return count


def summarise(campaign: Campaign) -> dict[str, Any]:
    """Counts per outcome, per field and outcome, and per rule (one grouping query)."""
    by_outcome: Counter[str] = Counter()
    by_field: dict[str, Counter[str]] = defaultdict(Counter)
    by_rule: Counter[str] = Counter()
    rows = (
        ChangeRow.objects.filter(campaign=campaign)
        .order_by()
        .values_list("field", "outcome", "rule")
        .annotate(n=Count("id"))
    )
    for fname, outcome, rule, n in rows:
        by_outcome[outcome] += n
        by_field[fname][outcome] += n
        by_rule[rule] += n
    return {
        "outcomes": {o: by_outcome.get(o, 0) for o in Outcome.values},
        "fields": {f: dict(c) for f, c in by_field.items()},
        "rules": dict(by_rule),
    }


# -- review -------------------------------------------------------------------------------------
def review_texts(campaign: Campaign) -> list[dict[str, Any]]:
    """The distinct texts waiting for a person, with how many values carry them."""
    texts = (
        ChangeRow.objects.filter(campaign=campaign, outcome=Outcome.REVIEW, field__in=TEXT_FIELDS)
        .order_by()
        .values("old_text")
        .annotate(n=Count("id"))
        .order_by("-n", "old_text")
    )
    out = []
    for entry in texts:
        row = ChangeRow.objects.filter(
            campaign=campaign, outcome=Outcome.REVIEW, old_text=entry["old_text"]
        ).first()
        out.append({"text": entry["old_text"], "count": entry["n"], "candidates": row.candidates})
    return out


@transaction.atomic
def decide_text(campaign: Campaign, text: str, choice: int, user: Any) -> int:
    """Choose candidate number ``choice`` (from 0) for ``text``: every value carrying that text
    in the campaign is converted to it. Returns the number of values changed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    check_scope(user, campaign.scope_unit)
    if campaign.status != Campaign.Status.PREVIEWED:
        raise ConversionError(_("Chỉ chọn được khi đợt chuyển đổi chưa ghi vào hồ sơ."))
    rows = ChangeRow.objects.filter(
        campaign=campaign, old_text=text, outcome=Outcome.REVIEW, field__in=TEXT_FIELDS
    )
    sample = rows.first()
    if sample is None:
        raise ConversionError(_("Không có giá trị nào chờ chọn với văn bản này."))
    if not 0 <= choice < len(sample.candidates):
        raise ConversionError(_("Phương án không có trong danh sách."))
    chosen = sample.candidates[choice]
    province = chosen["province"]
    commune = chosen.get("commune") or {}
    label = ", ".join(x["name"] for x in (commune, province) if x)
    decision = {
        "text": text,
        "province_code": province["code"],
        "commune_code": commune.get("code", ""),
        "label": label,
    }
    TextDecision.objects.update_or_create(
        campaign=campaign,
        text=text,
        defaults={**{k: v for k, v in decision.items() if k != "text"}, "decided_by": user},
    )
    result = TextConverter(campaign.as_of).decided(text, decision)
    changed = 0
    for fname in set(rows.values_list("field", flat=True)):
        changed += rows.filter(field=fname).update(
            outcome=Outcome.CONVERTED,
            rule=result.rule,
            reason=result.reason[:300],
            confidence=result.confidence,
            new_text=children.decided_text(fname, result),
            new_province_code=result.province_code,
            new_commune_code=result.commune_code,
        )
    campaign.counts = {**campaign.counts, **summarise(campaign)}
    campaign.save(update_fields=["counts"])
    return changed


# -- commit -------------------------------------------------------------------------------------
@dataclass
class CommitResult:
    profiles: int = 0
    values: int = 0
    moved: int = 0  # profiles re-homed to the successor of their merged unit
    stale: list[int] = field(default_factory=list)  # profiles changed since the preview


def _reason(campaign: Campaign, undo: bool = False) -> str:
    what = "Hoàn tác chuyển đổi" if undo else "Chuyển đổi"
    return (
        f"{what} địa danh, chức vụ, chức danh theo địa giới và tổ chức mới "
        f"(đợt #{campaign.pk}, {campaign.as_of:%d/%m/%Y})"
    )


def commit(
    campaign: Campaign, user: Any, chunk_size: int = CHUNK, progress: Progress = _no_progress
) -> CommitResult:
    """Write the converted values into the profiles, with history; re-open and re-validate."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        check_scope(user, campaign.scope_unit)
        if campaign.status != Campaign.Status.PREVIEWED:
            raise ConversionError(_("Đợt chuyển đổi này đã được ghi hoặc đã hoàn tác."))
        now = timezone.now()
        result = CommitResult()
        ids = list(
            ChangeRow.objects.filter(
                campaign=campaign, outcome=Outcome.CONVERTED, field__in=WRITTEN_FIELDS
            )
            .order_by("profile_id")
            .values_list("profile_id", flat=True)
            .distinct()
        )
        # a step per profile and per family or work-history row written with it
        kid_rows = Counter(
            ChangeRow.objects.filter(
                campaign=campaign, outcome=Outcome.CONVERTED, field__in=list(children.CHILD_FIELDS)
            ).values_list("profile_id", flat=True)
        )
        steps = _Steps(progress, len(ids) + sum(kid_rows.values()))
        if ids:
            checks = validation.bulk_context()  # the rules' code lists, the duplicate groups
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start : start + chunk_size]
                _commit_chunk(campaign, chunk, user, now, result, checks)
                steps.advance(len(chunk) + sum(kid_rows[pid] for pid in chunk))
        _commit_units(campaign, user, result)
        # the re-homing (work history, career event) is recorded by conversion.moves and
        # undone with the campaign; the commit time is taken after it so that its own history
        # rows do not count as later edits
        now = timezone.now() if result.moved else now
        campaign.status = Campaign.Status.COMMITTED
        campaign.committed_by = user if getattr(user, "pk", None) else None
        campaign.committed_at = now
        campaign.counts = {
            **campaign.counts,
            "committed_profiles": result.profiles,
            "committed_values": result.values,
            "stale_profiles": len(result.stale),
            "moved_profiles": result.moved,
        }
        campaign.save()
        steps.finish()
    return result


#: the columns of a change row the commit reads
COMMIT_READ = (
    "pk", "profile_id", "field", "old_text", "new_text", "old_code", "new_code",
    "old_province_code", "old_commune_code", "new_province_code", "new_commune_code", "child_id",
)  # fmt: skip


def _commit_chunk(
    campaign: Campaign,
    ids: list[int],
    user: Any,
    now,
    result: CommitResult,
    checks: validation.Context,
) -> None:
    rows: dict[int, list[Any]] = defaultdict(list)
    # named tuples, not model instances: a commit reads millions of rows
    for row in (
        ChangeRow.objects.filter(
            campaign=campaign,
            profile_id__in_array=ids,
            outcome=Outcome.CONVERTED,
            field__in=WRITTEN_FIELDS,
        )
        .order_by("profile_id", "id")
        .values_list(*COMMIT_READ, named=True)
    ):
        rows[row.profile_id].append(row)
    work = _current_work_rows(ids, campaign.as_of)
    work_changed: dict[int, WorkHistory] = {}
    kids = children.ChildCommit([row for found in rows.values() for row in found])
    profiles = bulkio.by_pk(Profile, ids)
    submitted = defaultdict(list)
    for vid, pid in ProfileVersion.objects.filter(
        profile_id__in_array=ids, status=VersionStatus.SUBMITTED
    ).values_list("pk", "profile_id"):
        submitted[pid].append(vid)
    changed: list[Profile] = []
    commits: list[Any] = []  # bulkio drafts of ProfileCommit rows
    applied = 0
    skipped: list[int] = []  # the rows left alone (``ChangeRow.skipped``); the rest is applied
    names: set[str] = set()
    reason = _reason(campaign)
    for pid in ids:
        profile = profiles.get(pid)
        if profile is None:
            skipped.extend(row.pk for row in rows[pid])
            continue
        before: dict[str, Any] = {"status": profile.status}
        after: dict[str, Any] = {}
        stale = False
        for row in rows[pid]:
            if row.field in LISTS:
                if getattr(profile, row.field) != row.old_code:
                    stale = True
                    skipped.append(row.pk)
                    continue
                before[row.field], after[row.field] = row.old_code, row.new_code
                setattr(profile, row.field, row.new_code)
                for entry in work.get(pid, []):
                    if getattr(entry, row.field) == row.old_code:
                        key = str(entry.pk)
                        before.setdefault(WORK_KEY, {}).setdefault(key, {})[row.field] = (
                            row.old_code
                        )
                        after.setdefault(WORK_KEY, {}).setdefault(key, {})[row.field] = row.new_code
                        setattr(entry, row.field, row.new_code)
                        work_changed[entry.pk] = entry
                applied += 1
                continue
            if row.field in children.CHILD_FIELDS:  # a family or work-history row
                if kids.apply(row, before, after):
                    applied += 1
                else:
                    stale = True
                    skipped.append(row.pk)
                continue
            text_f, prov_f, comm_f, review_f, orig_f = PLACE_FIELDS[row.field]
            current = (getattr(profile, text_f), getattr(profile, prov_f), getattr(profile, comm_f))
            if current != (row.old_text, row.old_province_code, row.old_commune_code):
                stale = True
                skipped.append(row.pk)
                continue
            new = {
                text_f: row.new_text,
                prov_f: row.new_province_code,
                comm_f: row.new_commune_code,
            }
            if review_f:
                new[review_f] = False
            if row.new_text != row.old_text and not getattr(profile, orig_f):
                new[orig_f] = row.old_text
            for attr, value in new.items():
                before[attr] = getattr(profile, attr)
                after[attr] = value
                setattr(profile, attr, value)
            applied += 1
        if stale:
            result.stale.append(pid)
        if not after:
            continue
        names.update(k for k in after if k not in (WORK_KEY, children.CHILD_KEY))
        changed.append(profile)
        commits.append(
            bulkio.draft(
                ProfileCommit,
                campaign_id=campaign.pk,
                profile_id=pid,
                before=before,
                after=after,
                withdrawn_versions=submitted.get(pid, []),
            )
        )
    entries = list(work_changed.values())
    actions.do_bulk_update_rows(
        WorkHistory, entries, LISTS, acting_user=_user(user), reason=reason, when=now
    )
    kids.write(user=_user(user), reason=reason, when=now)
    if changed:
        # the workflow rule and the validation (the child rows written above, the profiles
        # as they are in memory), written with the profile rows: each row written once
        reopened = actions.withdraw_for_edit(changed)
        checked = validation.check_before_write(changed, names, checks, now)
        actions.do_bulk_update_profiles(
            changed,
            names,
            acting_user=_user(user),
            reason=reason,
            when=now,
            unrecorded=reopened | checked.columns(changed),
        )
        validation.store_findings(checked)
    bulkio.insert(ProfileCommit, commits)
    bulkio.set_values(ChangeRow, skipped, skipped=True)  # rare: the others need no write
    result.profiles += len(changed)
    result.values += applied


def _commit_units(campaign: Campaign, user: Any, result: CommitResult) -> None:
    """Move the profiles whose unit was merged to its successor through the tree's re-homing
    path (:func:`profiles.receivers.rehome_profiles`: work rows closed and opened on the merge
    date, a career event, history with the merge decision as reason, re-approval). Split units
    stay with :mod:`orgtree.split_review`."""
    moves: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = ChangeRow.objects.filter(
        campaign=campaign, field=FieldName.UNIT, outcome=Outcome.CONVERTED, rule="unit_merged"
    ).values_list("pk", "profile_id", "old_unit_id", "new_unit_id")
    pks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, pid, old, new in rows:
        moves[old, new].append(pid)
        pks[old, new].append(pk)
    for (old, new), pids in moves.items():
        succession = (
            UnitSuccession.objects.filter(predecessor_id=old)
            .select_related("event")
            .order_by("effective_date", "pk")
            .first()
        )
        if succession is None:
            bulkio.set_values(ChangeRow, pks[old, new], skipped=True)
            continue
        source, target = Unit.objects.get(pk=old), Unit.objects.get(pk=new)
        before = unit_moves.snapshot(old, pids)
        moved = rehome_profiles(
            succession.event, source, target, profile_ids=pids, actor=_user(user)
        )
        unit_moves.record(campaign, before, moved, new)  # what undo takes back
        result.moved += len(moved)
        left = set(pids) - set(moved)  # no longer in the merged unit
        result.stale.extend(sorted(left))
        skipped = [pk for pk, pid in zip(pks[old, new], pids, strict=True) if pid in left]
        bulkio.set_values(ChangeRow, skipped, skipped=True)


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _current_work_rows(ids: list[int], on: date) -> dict[int, list[WorkHistory]]:
    """The main (not concurrent) work row in force on ``on`` per profile: the row the
    profile's current position and title come from
    (:func:`profiles.services.current_from_histories`)."""
    found: dict[int, list[WorkHistory]] = defaultdict(list)
    rows = WorkHistory.objects.filter(
        profile_id__in_array=ids, start_date__lte=on, concurrent=False
    ).exclude(end_date__lt=on)
    for row in rows.order_by("profile_id", "-start_date", "-pk"):
        if not found[row.profile_id]:  # the latest start, as current_from_histories
            found[row.profile_id].append(row)
    return found


# -- undo ---------------------------------------------------------------------------------------
@dataclass
class UndoResult:
    profiles: int = 0
    blockers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.blockers


def undo_blockers(campaign: Campaign, chunk_size: int = CHUNK) -> list[dict[str, Any]]:
    """The profiles changed since the commit (another edit recorded in their history, or a
    converted value that differs now): they block the undo."""
    blockers: list[dict[str, Any]] = []
    later = set(
        Profile.history.filter(
            id__in=ProfileCommit.objects.filter(campaign=campaign).values("profile_id"),
            history_date__gt=campaign.committed_at,
        )
        .values_list("id", flat=True)
        .distinct()
    )
    every = sorted(
        {attr for names in PLACE_FIELDS.values() for attr in names if attr}
        | set(LISTS)
        | set(DERIVED_FIELDS)
    )
    commits = list(ProfileCommit.objects.filter(campaign=campaign).order_by("profile_id"))
    moved_rows = unit_moves.changed_rows_since(commits, campaign.committed_at)
    for start in range(0, len(commits), chunk_size):
        chunk = commits[start : start + chunk_size]
        current = {
            row["id"]: row
            for row in Profile.objects.filter(pk__in=[c.profile_id for c in chunk]).values(
                "id", "full_name", *every
            )
        }
        for entry in chunk:
            now = current.get(entry.profile_id)
            if now is None:
                blockers.append({"profile_id": entry.profile_id, "reason": _("Hồ sơ đã bị xóa")})
                continue
            differs = [
                f
                for f in sorted(entry.after)
                if f not in (WORK_KEY, unit_moves.MOVE_KEY, children.CHILD_KEY)
                and now[f] != entry.after[f]
            ]
            differs += _work_differs(entry.after.get(WORK_KEY, {}))
            differs += children.differs(entry.after.get(children.CHILD_KEY, {}))
            differs += unit_moves.differs(now, entry.after.get(unit_moves.MOVE_KEY, {}))
            if differs or entry.profile_id in later | moved_rows:
                why = _("Hồ sơ đã được sửa sau khi chuyển đổi")
                if differs:
                    why += f" ({', '.join(differs)})"
                blockers.append(
                    {"profile_id": entry.profile_id, "full_name": now["full_name"], "reason": why}
                )
    return blockers


def undo(
    campaign: Campaign, user: Any, chunk_size: int = CHUNK, progress: Progress = _no_progress
) -> UndoResult:
    """Restore every profile of a committed campaign exactly as it was, or change nothing and
    list the profiles that block it."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        check_scope(user, campaign.scope_unit)
        if campaign.status != Campaign.Status.COMMITTED:
            raise ConversionError(_("Chỉ hoàn tác được đợt chuyển đổi đã ghi vào hồ sơ."))
        result = UndoResult(blockers=undo_blockers(campaign, chunk_size))
        if result.blockers:
            return result
        now = timezone.now()
        reason = _reason(campaign, undo=True)
        ids: list[int] = []
        commits = list(ProfileCommit.objects.filter(campaign=campaign).order_by("profile_id"))
        # a step per profile and per family or work-history row restored with it
        steps = _Steps(
            progress, sum(1 + len(c.before.get(children.CHILD_KEY, {})) for c in commits)
        )
        for start in range(0, len(commits), chunk_size):
            chunk = commits[start : start + chunk_size]
            profiles = Profile.objects.in_bulk([c.profile_id for c in chunk])
            changed, names = [], set()
            _restore_work(chunk, reason, user, now)
            children.restore([c.before for c in chunk], user=_user(user), reason=reason, when=now)
            for entry in chunk:
                profile = profiles[entry.profile_id]
                data = {
                    **unit_moves.restore(entry, reason, _user(user)),  # the unit move, if any
                    **{
                        k: v
                        for k, v in entry.before.items()
                        if k not in ("status", WORK_KEY, unit_moves.MOVE_KEY, children.CHILD_KEY)
                    },
                }
                for attr, value in data.items():
                    setattr(profile, attr, value)
                names.update(data)
                changed.append(profile)
            actions.do_bulk_update_profiles(
                changed, names, acting_user=_user(user), reason=reason, when=now
            )
            ids.extend(p.pk for p in changed)
            steps.advance(sum(1 + len(c.before.get(children.CHILD_KEY, {})) for c in chunk))
        by_status: dict[str, list[int]] = defaultdict(list)
        versions: list[int] = []
        for entry in commits:
            by_status[entry.before["status"]].append(entry.profile_id)
            versions.extend(entry.withdrawn_versions)
        for status, pids in by_status.items():
            Profile.objects.filter(pk__in=pids).update(status=status)
        ProfileVersion.objects.filter(pk__in=versions, status=VersionStatus.WITHDRAWN).update(
            status=VersionStatus.SUBMITTED
        )
        if ids:
            validate_profiles(Profile.objects.filter(pk__in=ids))
        campaign.status = Campaign.Status.UNDONE
        campaign.undone_by = _user(user)
        campaign.undone_at = now
        campaign.save(update_fields=["status", "undone_by", "undone_at"])
        result.profiles = len(ids)
        steps.finish()
    return result


def _work_differs(after: dict[str, dict[str, str]]) -> list[str]:
    """The work rows whose converted code changed since the commit (or that were deleted)."""
    if not after:
        return []
    now = WorkHistory.objects.in_bulk([int(k) for k in after])
    out = []
    for key, values in after.items():
        row = now.get(int(key))
        if row is None or any(getattr(row, f) != v for f, v in values.items()):
            out.append(f"{WORK_KEY}#{key}")
    return out


def _restore_work(commits: list[ProfileCommit], reason: str, user: Any, now) -> None:
    before = {
        int(key): values
        for entry in commits
        for key, values in entry.before.get(WORK_KEY, {}).items()
    }
    if not before:
        return
    rows = list(WorkHistory.objects.filter(pk__in=list(before)))
    for row in rows:
        for attr, value in before[row.pk].items():
            setattr(row, attr, value)
    actions.do_bulk_update_rows(
        WorkHistory, rows, LISTS, acting_user=_user(user), reason=reason, when=now
    )
