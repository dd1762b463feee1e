"""Writing a plan: in chunks of people, each chunk one transaction (``bulk_create``/
``bulk_update`` with their history rows through :mod:`profiles.actions`, reason "Nhập từ tệp X,
dòng N", the importing user as author). A chunk that fails in the database is retried person
by person, each in a savepoint, so a bad row is never half-written and the others still go in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from orgtree.text import clean, title_case
from profiles import actions, bulkio
from profiles.models import CHILD_MODELS, Profile, SalaryHistory, WorkHistory
from profiles.services import Row, apply_current, current_from_histories

from .cleaning import is_empty
from .columns import PID_FIELD
from .lookups import LOOKUP_BATCH, load_ids
from .planning import with_unit_id
from .report import Plan, RowPlan, jsonable

if TYPE_CHECKING:
    from .pipeline import Pipeline

CHUNK = 2000


def _reason(plan: RowPlan) -> str:
    return f"Nhập từ tệp {plan.file}, dòng {plan.row}"[:100]


class Writer:
    """Applies a plan: bulk writes with history, chunk by chunk."""

    def __init__(self, pipeline: Pipeline, plan: Plan):
        self.p = pipeline
        self.plan = plan
        self.actor = pipeline.actor
        self.touched: set[int] = set()  # profiles written: their findings are recomputed
        self.refresh: set[int] = set()  # profiles whose work/salary rows changed
        self.now = timezone.now()

    def write_all(self, atomic_chunks: bool) -> None:
        rows = [r for r in self.plan.rows if r.action in ("create", "update", "merge")]
        people = [r for r in rows if r.table == "profile" and r.action != "merge"]
        children = [r for r in rows if r.table != "profile"]
        total = len(people) + len(children)
        done = 0
        for start in range(0, len(people), CHUNK):
            chunk = people[start : start + CHUNK]
            self._written("profile", chunk, self._write_people, atomic_chunks)
            done += len(chunk)
            self._progress(done, total)
        for row in [r for r in rows if r.table == "profile" and r.action == "merge"]:
            if row.target_id:  # the same person as a profile in the database
                self._written("profile", [row], self._merge_into_profile, atomic_chunks)
        pid_to_id = load_ids({r.personal_id for r in children})
        for start in range(0, len(children), CHUNK * 5):
            chunk = children[start : start + CHUNK * 5]
            self._written(
                "children", chunk, lambda c: self._write_children(c, pid_to_id), atomic_chunks
            )
            done += len(chunk)
            self._progress(done, total)
        self._refresh_current(sorted(self.refresh), atomic_chunks)
        self._propose_reviews()

    def _merge_into_profile(self, chunk: list[RowPlan]) -> None:
        from profiles.merging import FIELD_GROUPS, merge_row_into_profile

        allowed = {n for names in FIELD_GROUPS.values() for n in names}
        for row in chunk:
            profile = Profile.objects.get(pk=row.target_id)
            values = {k: v for k, v in row.values.items() if k in allowed and not is_empty(v)}
            children = {
                table: [{k: v for k, v in vals.items() if not k.startswith("_")}]
                for table, vals in row.embedded.items()
            }
            _save_source_data([(row, profile.pk)] if row.source else [])
            merge_row_into_profile(
                profile,
                values,
                children=children,
                actor=self.actor,
                reason=_reason(row),
                source=row.file,
                source_date=self.p.options.as_of,
                import_job_id=self.p.options.job_id,
            )
            self.touched.add(profile.pk)

    def _propose_reviews(self) -> None:
        from profiles.merging import propose_candidate

        fields = {f.attname for f in Profile._meta.concrete_fields}
        for review in self.plan.reviews:
            if review.row.action != "review":
                continue
            if review.profile_id is not None:
                profile = Profile.objects.filter(pk=review.profile_id).first()
            elif review.partner is not None and review.partner.personal_id:
                profile = Profile.objects.filter(personal_id=review.partner.personal_id).first()
            else:
                profile = None
            if profile is None:
                continue
            incoming = {
                k: jsonable(v)
                for k, v in with_unit_id(review.row.values).items()
                if k in fields and not is_empty(v)
            }
            propose_candidate(
                profile,
                review.result,
                incoming=incoming,
                source=review.row.file,
                import_job_id=self.p.options.job_id,
            )

    def _progress(self, done: int, total: int) -> None:
        if self.p.progress:
            self.p.progress(done, total)

    def _written(self, table: str, chunk: list[RowPlan], fn, atomic_chunks: bool) -> None:
        """A chunk and its progress record in one transaction (a savepoint around the chunk
        keeps the row-by-row retry of :meth:`_guarded`)."""
        on_chunk = self.p.options.on_chunk
        if on_chunk is None:
            self._guarded(chunk, fn, atomic_chunks)
            return
        with transaction.atomic() if atomic_chunks else _nullcontext():
            self._guarded(chunk, fn, atomic_chunks)
            on_chunk(table, [r for r in chunk if r.action != "error"])

    def _guarded(self, chunk: list[RowPlan], fn, atomic_chunks: bool) -> None:
        if not atomic_chunks:
            fn(chunk)
            return
        try:
            with transaction.atomic():
                fn(chunk)
        except DatabaseError:
            # one bad row spoils the batch: retry row by row, each in its own savepoint
            for row in chunk:
                try:
                    with transaction.atomic():
                        fn([row])
                except DatabaseError as exc:
                    report = next(f for f in self.plan.files if f.file == row.file)
                    report.counts[row.action] -= 1
                    row.fail("", "", f"Không ghi được dòng này: {str(exc).splitlines()[0]}")
                    report.counts["error"] += 1
                    report.errors.extend(row.errors[-1:])

    # -- people ---------------------------------------------------------------------------
    def _place(self, text: str) -> tuple[str, str, bool]:
        return self.p.places.resolve(text)

    def _apply_places(self, profile: Any, fields: Iterable[str]) -> list[str]:
        changed = []
        for prefix in ("birthplace", "hometown"):
            if f"{prefix}_text" not in fields:
                continue
            text = getattr(profile, f"{prefix}_text")
            prov, comm, review = self._place(text) if text else ("", "", False)
            for name, value in (
                (f"{prefix}_province_code", prov),
                (f"{prefix}_commune_code", comm),
                (f"{prefix}_needs_review", review),
            ):
                if getattr(profile, name) != value:
                    setattr(profile, name, value)
                    changed.append(name)
        return changed

    def _write_people(self, chunk: list[RowPlan]) -> None:
        from profiles.models.profile import normalise_profile_text

        creates: list[Any] = []  # bulkio.Draft rows
        updates: list[Profile] = []
        create_reasons: list[str] = []
        update_reasons: list[str] = []
        update_fields: set[str] = set()
        embedded: list[tuple[RowPlan, Any]] = []
        existing_ids = [r.target_id for r in chunk if r.target_id]
        current = Profile.objects.in_bulk(existing_ids)
        profile_fields = {f.attname for f in Profile._meta.concrete_fields}
        for row in chunk:
            values = {k: v for k, v in row.values.items() if k in profile_fields}
            if row.action == "create":
                values.setdefault("unit_id", self.p.unit.pk)
                pid = values.get(PID_FIELD, "")
                values.setdefault("birth_registration_province", pid[:3])
                profile = bulkio.draft(Profile, created_by_id=self.actor.pk, **values)
                normalise_profile_text(profile)  # a Draft: attributes only
                self._apply_places(profile, ("birthplace_text", "hometown_text"))
                profile.created_at = profile.updated_at = self.now
                _current_from_embedded(profile, row)
                creates.append(profile)
                create_reasons.append(_reason(row))
                embedded.append((row, profile))
            else:
                profile = current.get(row.target_id)
                if profile is None:
                    raise DatabaseError("hồ sơ đã bị xóa trong lúc nhập")
                changed = []
                for k, v in values.items():
                    if is_empty(v) or getattr(profile, k) == v:
                        continue
                    setattr(profile, k, v)
                    changed.append(k)
                if changed:
                    normalise_profile_text(profile)
                    changed += self._apply_places(profile, changed)
                    changed += ["folded_name", "updated_at"]
                    profile.updated_at = self.now
                    update_fields.update(changed)
                    updates.append(profile)
                    update_reasons.append(_reason(row))
                embedded.append((row, profile))
        actions.do_bulk_create_rows(
            Profile, creates, acting_user=self.actor, reason=create_reasons, when=self.now
        )
        if updates:
            actions.do_bulk_update_profiles(
                updates, update_fields, acting_user=self.actor, reason=update_reasons, when=self.now
            )
            # the workflow rule for edited profiles (the findings follow: _refresh_findings)
            actions.reopen_edited([p.pk for p in updates], unless_unchanged=False)
        self.touched.update(p.pk for p in creates)
        self.touched.update(p.pk for p in updates)
        # the flat columns' child rows
        by_model: dict[type, _Batch] = {}
        for row, profile in embedded:
            for table, vals in row.embedded.items():
                action = vals.get("_action")
                if action not in ("create", "update"):
                    continue
                model = CHILD_MODELS[table]
                data = {k: v for k, v in vals.items() if not k.startswith("_")}
                batch = by_model.setdefault(model, _Batch())
                if action == "create":
                    batch.create(bulkio.draft(model, profile_id=profile.pk, **data), row)
                else:
                    obj = model(pk=vals["_target"], profile_id=profile.pk, **data)
                    batch.update(obj, row, data)
                self.touched.add(profile.pk)
        for model, batch in by_model.items():
            self._save_children(model, batch)
        self.refresh.difference_update(p.pk for p in creates)  # computed before the insert
        _save_source_data([(row, profile.pk) for row, profile in embedded if row.source])

    def _save_children(self, model, batch: _Batch) -> None:
        creates, updates, fields = batch.creates, batch.updates, batch.fields
        for obj in creates + updates:
            for name in model.clean_fields_:
                setattr(obj, name, clean(getattr(obj, name)))
            for name in model.name_fields_:
                setattr(obj, name, title_case(getattr(obj, name) or ""))
        if model in (WorkHistory, SalaryHistory):
            self.refresh.update(o.profile_id for o in creates + updates)
        actions.do_bulk_create_rows(
            model, creates, acting_user=self.actor, reason=batch.create_reasons, when=self.now
        )
        if updates:
            # only the imported fields change: re-read the others for the history rows
            stored = model.objects.in_bulk([o.pk for o in updates])
            full = []
            for obj in updates:
                cur = stored[obj.pk]
                for name in fields:
                    setattr(cur, name, getattr(obj, name))
                full.append(cur)
            actions.do_bulk_update_rows(
                model,
                full,
                fields,
                acting_user=self.actor,
                reason=batch.update_reasons,
                when=self.now,
            )

    def _write_children(self, chunk: list[RowPlan], pid_to_id: dict[str, int]) -> None:
        by_model: dict[type, _Batch] = {}
        for row in chunk:
            profile_id = pid_to_id.get(row.personal_id)
            if profile_id is None:
                raise DatabaseError(f"không có hồ sơ {row.personal_id}")
            model = CHILD_MODELS[row.table]
            batch = by_model.setdefault(model, _Batch())
            if row.action == "create":
                batch.create(bulkio.draft(model, profile_id=profile_id, **row.values), row)
            else:
                data = {k: v for k, v in row.values.items() if k in row.changes}
                batch.update(model(pk=row.target_id, profile_id=profile_id, **data), row, data)
            self.touched.add(profile_id)
        for model, batch in by_model.items():
            self._save_children(model, batch)

    def _refresh_current(self, ids: list[int], atomic_chunks: bool) -> None:
        """The derived current unit, position, grade and salary from the histories."""
        for start in range(0, len(ids), LOOKUP_BATCH):
            chunk = ids[start : start + LOOKUP_BATCH]
            work: dict[int, list] = defaultdict(list)
            salary: dict[int, list] = defaultdict(list)
            for w in WorkHistory.objects.filter(profile_id__in=chunk):
                work[w.profile_id].append(w)
            for s in SalaryHistory.objects.filter(profile_id__in=chunk):
                salary[s.profile_id].append(s)
            changed: list[Profile] = []
            fields: set[str] = set()
            for profile in Profile.objects.filter(pk__in=chunk):
                names = apply_current(
                    profile,
                    current_from_histories(
                        work[profile.pk], salary[profile.pk], default_unit_id=profile.unit_id
                    ),
                )
                if names:
                    changed.append(profile)
                    fields.update(names)
            actions.do_bulk_update_profiles(
                changed,
                fields,
                acting_user=self.actor,
                reason="Nhập từ tệp: cập nhật vị trí, lương hiện tại",
                when=self.now,
            )


@dataclass
class _Batch:
    """New and changed rows of one child table in a chunk, each with its history reason."""

    creates: list[Any] = field(default_factory=list)
    create_reasons: list[str] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    update_reasons: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)

    def create(self, obj: Any, row: RowPlan) -> None:
        self.creates.append(obj)
        self.create_reasons.append(_reason(row))

    def update(self, obj: Any, row: RowPlan, data: dict[str, Any]) -> None:
        self.updates.append(obj)
        self.update_reasons.append(_reason(row))
        self.fields.update(data)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _save_source_data(rows: list[tuple[RowPlan, int]]) -> None:
    """The values no field takes, kept as written (one query for a chunk of people)."""
    if not rows:
        return
    from .models import ImportedSourceData

    ImportedSourceData.objects.bulk_create(
        [
            ImportedSourceData(
                profile_id=pk,
                file=row.file[:255],
                sheet=row.sheet[:100],
                row=row.row,
                data=row.source,
            )
            for row, pk in rows
        ],
        update_conflicts=True,
        unique_fields=["profile"],
        update_fields=["file", "sheet", "row", "data", "updated_at"],
    )


def _current_from_embedded(profile: Any, row: RowPlan) -> None:
    """A new person's current unit, position and salary from the row's flat columns."""
    work = row.embedded.get("work_history")
    pay = row.embedded.get("salary_history")
    apply_current(
        profile,
        current_from_histories(
            [Row(WorkHistory, **_fields(work))] if work else [],
            [Row(SalaryHistory, **_fields(pay))] if pay else [],
            default_unit_id=profile.unit_id,
        ),
    )


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}
