"""The import pipeline: parse → clean → validate → match → plan, then commit the plan.

One pipeline behind three doors (the ``import_profiles`` command, the admin wizard, the REST
endpoint through :mod:`transfer.jobs`).

* **Parse** (:mod:`.parsing`): every sheet of every file is read (:mod:`.readers`), its header
  row and table recognised (:mod:`.columns`).
* **Clean** (:mod:`.cleaning`): legacy text (TCVN3/VNI/VIQR) converted, NFC and one tone
  style, dates parsed (impossible dates reported, never guessed), values mapped to codes, units
  mapped to today's tree (per-import unit mapping, then the successor chain), places resolved.
* **Validate** (:mod:`.validating`): the model's limits and the correctness rules of
  :mod:`profiles.validation` that make a row unusable (personal ID format, birth date) are
  errors; the row is not written.
* **Match** (:mod:`.planning`): the people already in the agency are looked up in bulk (one
  query per 5,000 IDs, :mod:`.lookups`); an ID held by a profile of another agency is an error,
  never an update.
* **Plan** (:mod:`.planning`): one :class:`~.report.RowPlan` per data row: create, update,
  unchanged, merge, skip, review or error, with the reason, the original values and the
  changed fields.

**Commit applies exactly the plan the dry run showed.** The plan is deterministic: the same
files against the same database give the same plan. A dry run stores the SHA-256 of the plan
(:attr:`.report.Plan.digest`) on the job; the commit recomputes the plan in the same way and
refuses to write when the digest differs (someone changed the data in between, or the files).
We chose to recompute and compare rather than store the plan: a 100,000-row plan is hundreds
of MB of JSON, while the files are stored anyway and recomputing costs seconds.

Writing (:mod:`.writer`): in chunks of people, each chunk one transaction (``bulk_create``/
``bulk_update`` with their history rows, reason "Nhập từ tệp X, dòng N", the importing user as
author). A chunk that fails in the database is retried person by person, each in a savepoint,
so a bad row is never half-written and the others still go in. With ``all_or_nothing`` the
whole import is one transaction, and any error row (or failure) leaves the database as it was.

Empty cells never erase stored values; re-importing the same file plans "unchanged" everywhere.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from orgtree.access import EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit
from orgtree.tree import subtree_q
from profiles.models import Profile
from profiles.services import readable_groups

from .cleaning import Cleaner, PlaceCache, UnitResolver
from .parsing import Parser
from .planning import Planner
from .report import ImportError_, Plan, plan_digest
from .validating import validate
from .writer import Writer


@dataclass
class SourceFile:
    path: Path
    name: str


@dataclass
class Options:
    mapping: Any = None  # an ImportMapping or None
    unit_mapping: dict[str, str] = field(default_factory=dict)
    all_or_nothing: bool = False
    as_of: date | None = None
    validate_after: bool = True
    job_id: str = ""  # recorded on merges and review-queue entries
    # called inside each chunk's transaction with (table, rows written): a job records its
    # progress there, so after a crash the record is exactly what was committed
    on_chunk: Callable[[str, list[Any]], None] | None = None


ProgressFn = Callable[[int, int], None]


class Pipeline:
    """One import: the files, the target unit and the importing user; :meth:`plan` is the dry
    run, :meth:`commit` writes the plan."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        unit: Unit,
        actor: Any,
        options: Options | None = None,
        progress: ProgressFn | None = None,
    ):
        self.files = list(files)
        self.unit = unit
        self.actor = actor
        self.options = options or Options()
        self.progress = progress
        scope = scope_for(actor)
        if not scope.covers(unit, EDIT_PROFILE_ROLES):
            raise ImportError_("Đơn vị nhận nằm ngoài phạm vi được phân quyền nhập hồ sơ.")
        self.allowed_units = set(scope.units(EDIT_PROFILE_ROLES).values_list("pk", flat=True))
        self.root = unit.get_root() if unit.parent_id else unit
        self.tree_ids = set(Unit.objects.filter(subtree_q(self.root)).values_list("pk", flat=True))
        mapping = self.options.mapping
        self.cleaner = Cleaner(
            unit, (mapping.value_mappings if mapping else {}) or {}, self.options.as_of
        )
        self.parser = Parser(
            unit,
            self.root,
            self.allowed_units,
            self.cleaner,
            UnitResolver(self.root, self.allowed_units, self.options.unit_mapping),
            overrides=(mapping.column_overrides if mapping else {}) or {},
            mapping=mapping,
            readable=readable_groups(actor) if actor is not None else set(),
        )
        self.places = PlaceCache(self.options.as_of)
        self.planner = Planner(unit, self.root, self.tree_ids, self.allowed_units, self.places)

    # -- run --------------------------------------------------------------------------------
    def plan(self) -> Plan:
        with gc_paused():
            return self._plan()

    def _plan(self) -> Plan:
        t0 = time.perf_counter()
        rows, reports = self.parser.parse(self.files)
        t1 = time.perf_counter()
        validate(rows, self.cleaner)
        t2 = time.perf_counter()
        reviews = self.planner.match_and_plan(rows)
        t3 = time.perf_counter()
        by_file = {r.file: r for r in reports}
        for row in rows:
            report = by_file[row.file]
            if row.action == "error" and row.soft:  # a refused row: every problem it has
                row.errors.extend(row.soft)
                row.soft = []
            report.counts[row.action] += 1
            table = report.tables.setdefault(row.table, {})
            table[row.action] = table.get(row.action, 0) + 1
            report.errors.extend(row.errors)
        digest = plan_digest(self.unit.pk, rows)
        plan = Plan(rows, reports, self.unit, digest, reviews=reviews)
        plan.seconds = {"parse_clean": t1 - t0, "validate": t2 - t1, "match_plan": t3 - t2}
        return plan

    def commit(self, plan: Plan, expected_digest: str = "") -> Plan:
        with gc_paused():
            return self._commit(plan, expected_digest)

    def _commit(self, plan: Plan, expected_digest: str = "") -> Plan:
        if expected_digest and expected_digest != plan.digest:
            raise ImportError_(
                "Dữ liệu hoặc tệp đã thay đổi từ lúc xem trước: kế hoạch nhập không còn như đã "
                "xem. Hãy xem trước lại rồi xác nhận."
            )
        t0 = time.perf_counter()
        writer = Writer(self, plan)
        if self.options.all_or_nothing:
            if any(r.action == "error" for r in plan.rows) or any(f.errors for f in plan.files):
                plan.seconds["commit"] = 0.0
                return plan  # nothing written: the report lists the errors
            try:
                with transaction.atomic():
                    writer.write_all(atomic_chunks=False)
            except DatabaseError as exc:
                raise ImportError_(
                    "Không ghi được; cơ sở dữ liệu giữ nguyên như trước khi nhập: "
                    + str(exc).splitlines()[0]
                ) from None
        else:
            writer.write_all(atomic_chunks=True)
        plan.committed = True
        plan.seconds["commit"] = time.perf_counter() - t0
        if self.options.validate_after and writer.touched:
            t1 = time.perf_counter()
            _refresh_findings(sorted(writer.touched))
            plan.seconds["findings"] = time.perf_counter() - t1
        return plan


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic garbage collection during a stage of a large import.

    A 100,000-row plan holds millions of objects, and every full collection walks all of
    them: in a 20,000-row bench_import run, 28 full collections took 25 s of the process's
    time. What the pipeline builds is acyclic and lives until the stage ends; the few cycles
    (query and exception objects) are collected when collection resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refresh_findings(ids: list[int]) -> None:
    """Findings of the touched profiles: now for small imports, else in the background."""
    from profiles.validation import validate_profiles

    if len(ids) <= 5000:
        validate_profiles(Profile.objects.filter(pk__in=ids))
        return
    from django_q.tasks import async_task

    async_task(
        "transfer.jobs.validate_ids_task",
        ids,
        task_name=f"Kiểm tra {len(ids)} hồ sơ vừa nhập",
    )
