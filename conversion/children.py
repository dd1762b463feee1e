"""Places in a profile's child rows: family members' residences and workplaces in the work
history, converted (or noted) with the same resolver, review queue, commit and undo as the
profile's own places.

What is converted, and why (issue 15; domain brief §2 and letter 5034/BNV-CCVC in
``/work/shared/seeds/``, which asks to update profiles "theo các thông tin mới về đơn vị công
tác, chức danh, chức vụ, địa chỉ địa danh … theo cây đơn vị mới"):

* **Family rows, "nơi ở"** of a living relative: where that person lives *now*, an address like
  the profile's own current residence. It is converted to the new two-level address ("Thôn 3,
  Xã Tam Hồng, Tỉnh Phú Thọ"); the text before is kept in ``FamilyMember.address_original``
  ("nguyên văn"). A split commune goes to the review queue, the row named ("Quan hệ gia đình:
  Mẹ – Nguyễn Thị A, nơi ở").
* The "nơi ở" of a **deceased** relative describes the past (the last residence): kept as
  written, no row. The relative's "nghề nghiệp, chức vụ, nơi công tác" is an occupation text,
  not a place: kept.
* **Work history** describes the past. "Ủy ban nhân dân huyện Yên Lạc, Tỉnh Vĩnh Phúc" is where
  someone worked in 2010; rewriting it to "…, Tỉnh Phú Thọ" (what the resolver's text
  conversion would give) would state something that never existed. ``unit_name`` is therefore
  never rewritten: when it names a place no longer in force, a note is written beside it in
  ``WorkHistory.place_note`` ("nay thuộc Tỉnh Phú Thọ"), so a reader of the Mẫu 2C knows
  where that place lies today. A text already naming places in force needs no note
  ("current"); a text naming no place at all ("Công ty ABC") is not a place and gets no row.
  Rows inside the tree (``unit`` set) are left to the tree, which keeps each unit's history.

The commit records before/after of each child row under :data:`CHILD_KEY` of the profile's
:class:`~conversion.models.ProfileCommit`; undo restores them (both through
:func:`profiles.actions.do_bulk_update_rows`), and a child row changed since the commit
blocks the undo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet

from profiles import actions, bulkio, codelists
from profiles.models import FamilyMember, WorkHistory

from .models import Campaign, ChangeRow, FieldName, Outcome
from .rules import TextConverter, TextResult

#: field → (model, text field, field written with the text before / the note)
CHILD_FIELDS: dict[str, tuple[type[models.Model], str, str]] = {
    FieldName.FAMILY_ADDRESS: (FamilyMember, "address", "address_original"),
    FieldName.WORK_PLACE: (WorkHistory, "unit_name", "place_note"),
}
#: key of :attr:`ProfileCommit.before`/``after`` holding the child rows' values
CHILD_KEY = "child_rows"
NOTE_PREFIX = "nay thuộc "


def note(result: TextResult) -> str:
    """The note beside a past workplace: "nay thuộc Xã Tam Hồng, Tỉnh Phú Thọ"."""
    return f"{NOTE_PREFIX}{result.place}"[:255] if result.place else ""


def _outcome(result: TextResult, old: str, new: str) -> str:
    if result.rule == "review":
        return Outcome.REVIEW
    if result.rule == "unresolved":
        return Outcome.UNRESOLVABLE
    return Outcome.CURRENT if new == old else Outcome.CONVERTED


def _row(campaign: Campaign, result: TextResult, **values: Any) -> bulkio.Draft:
    return bulkio.draft(
        ChangeRow,
        campaign_id=campaign.pk,
        rule=result.rule,
        reason=result.reason[:300],
        confidence=result.confidence,
        new_province_code=result.province_code,
        new_commune_code=result.commune_code,
        candidates=result.candidates,
        **values,
    )


def _family(profiles: QuerySet[Any]) -> QuerySet[Any]:
    """The family rows whose place is looked at: a living relative's residence."""
    return FamilyMember.objects.filter(profile__in=profiles.values("pk"), deceased=False).exclude(
        address=""
    )


def _work(profiles: QuerySet[Any]) -> QuerySet[Any]:
    """The work-history rows whose place is looked at: outside the tree, a name written."""
    return WorkHistory.objects.filter(profile__in=profiles.values("pk"), unit__isnull=True).exclude(
        unit_name=""
    )


def step_count(profiles: QuerySet[Any]) -> int:
    """How many child rows :func:`preview_rows` looks at (the progress bar's steps), rows that
    turn out not to name a place included."""
    return _family(profiles).count() + _work(profiles).count()


def _no_step() -> None:
    return None


def preview_rows(
    campaign: Campaign,
    profiles: QuerySet[Any],
    converter: TextConverter,
    chunk_size: int,
    step: Callable[[], None] = _no_step,
) -> Iterator[bulkio.Draft]:
    """The rows of the family and work-history places of ``profiles`` (new
    :class:`~conversion.models.ChangeRow` rows as :class:`profiles.bulkio.Draft`); ``step()``
    is called once for every child row looked at (one of :func:`step_count`), a row yielded or
    not."""
    relation: dict[str, str] = {}
    family = _family(profiles).order_by("pk")
    family = family.values_list("pk", "profile_id", "relationship_code", "full_name", "address")
    for pk, pid, code, name, text in family.iterator(chunk_size=chunk_size):
        step()
        if code not in relation:
            relation[code] = codelists.name_of("relationship", code, campaign.as_of)
        result = converter.convert(text)
        new = result.new_text if result.resolved else ""
        yield _row(
            campaign,
            result,
            profile_id=pid,
            field=FieldName.FAMILY_ADDRESS,
            outcome=_outcome(result, text, new),
            old_text=text,
            new_text=new,
            child_id=pk,
            child_label=f"Quan hệ gia đình: {relation[code]} – {name}, nơi ở"[:300],
        )
    work = _work(profiles).order_by("pk")
    work = work.values_list("pk", "profile_id", "start_date", "end_date", "unit_name", "place_note")
    for pk, pid, start, end, text, current_note in work.iterator(chunk_size=chunk_size):
        step()
        result = converter.convert(text)
        if result.rule == "unresolved":  # names no place: not a place field
            continue
        if result.rule == "direct":  # already the places in force: no note needed
            new = current_note
        else:
            new = note(result) if result.resolved else ""
        period = f"{start:%m/%Y} – {f'{end:%m/%Y}' if end else 'nay'}"
        yield _row(
            campaign,
            result,
            profile_id=pid,
            field=FieldName.WORK_PLACE,
            outcome=_outcome(result, current_note, new),
            old_text=text,
            new_text=new,
            child_id=pk,
            child_label=f"Quá trình công tác: {period}, nơi công tác (ghi chú địa danh)"[:300],
        )


def decided_text(field: str, result: TextResult) -> str:
    """What a person's choice makes of a row of ``field``: the text, or the note."""
    return note(result) if field == FieldName.WORK_PLACE else result.new_text


# -- commit and undo ----------------------------------------------------------------------------
class ChildCommit:
    """The child rows of one chunk of profiles being committed."""

    def __init__(self, rows: list[ChangeRow]) -> None:
        ids: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            if row.field in CHILD_FIELDS and row.child_id is not None:
                ids[row.field].append(row.child_id)
        self.objects = {f: bulkio.by_pk(CHILD_FIELDS[f][0], pks) for f, pks in ids.items()}
        self.changed: dict[str, dict[int, Any]] = defaultdict(dict)

    def apply(self, row: ChangeRow, before: dict[str, Any], after: dict[str, Any]) -> bool:
        """Set the row's new value on its child row; False when the row changed since the
        preview (or is gone)."""
        _model, text_f, extra_f = CHILD_FIELDS[row.field]
        obj = self.objects.get(row.field, {}).get(row.child_id)
        if obj is None or getattr(obj, text_f) != row.old_text:
            return False
        if row.field == FieldName.WORK_PLACE:
            if obj.unit_id is not None:
                return False
            new = {extra_f: row.new_text}
        else:
            new = {text_f: row.new_text}
            if not getattr(obj, extra_f):
                new[extra_f] = row.old_text
        key = f"{row.field}#{obj.pk}"
        before.setdefault(CHILD_KEY, {})[key] = {k: getattr(obj, k) for k in new}
        after.setdefault(CHILD_KEY, {})[key] = new
        for attr, value in new.items():
            setattr(obj, attr, value)
        self.changed[row.field][obj.pk] = obj
        return True

    def write(self, *, user: Any, reason: str, when: datetime) -> None:
        for fname, objs in self.changed.items():
            model, text_f, extra_f = CHILD_FIELDS[fname]
            actions.do_bulk_update_rows(
                model,
                list(objs.values()),
                [text_f, extra_f],
                acting_user=user,
                reason=reason,
                when=when,
            )


def _by_field(values: dict[str, dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    out: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for key, fields in values.items():
        fname, pk = key.rsplit("#", 1)
        out[fname][int(pk)] = fields
    return out


def differs(after: dict[str, dict[str, Any]]) -> list[str]:
    """The child rows whose committed values changed since the commit (or that were deleted)."""
    out = []
    for fname, rows in _by_field(after).items():
        current = CHILD_FIELDS[fname][0].objects.in_bulk(list(rows))  # type: ignore[attr-defined]
        for pk, values in rows.items():
            obj = current.get(pk)
            if obj is None or any(getattr(obj, k) != v for k, v in values.items()):
                out.append(f"{fname}#{pk}")
    return out


def restore(befores: list[dict[str, Any]], *, user: Any, reason: str, when: datetime) -> None:
    """Put back the child rows' values of ``befores`` (the commits' ``before`` maps)."""
    merged: dict[str, dict[str, Any]] = {}
    for before in befores:
        merged.update(before.get(CHILD_KEY, {}))
    for fname, rows in _by_field(merged).items():
        model, text_f, extra_f = CHILD_FIELDS[fname]
        objs = list(model.objects.filter(pk__in=list(rows)))  # type: ignore[attr-defined]
        for obj in objs:
            for attr, value in rows[obj.pk].items():
                setattr(obj, attr, value)
        actions.do_bulk_update_rows(
            model, objs, [text_f, extra_f], acting_user=user, reason=reason, when=when
        )
