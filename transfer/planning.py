"""Matching and planning: who each cleaned row is (:mod:`profiles.matching`), then what to do
with it (create, update, unchanged, merge, skip, review or error, with the reason and the
changed fields).

The people already in the agency are looked up in bulk (:mod:`.lookups`); an ID held by a
profile of another agency is an error, never an update.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orgtree.models import Unit
from profiles import matching
from profiles.models import CHILD_MODELS, Profile

from .cleaning import PlaceCache, is_empty
from .columns import PID_FIELD, PROFILE, SHEETS, SheetSpec
from .lookups import PROFILE_KEYS, load_children, load_profiles
from .mojibake import guard_child_action, guard_text_changes, warner
from .repeats import skip_repeats
from .report import Review, RowPlan, jsonable

#: a person planned from the rows of the files: {"plan": the first row, "values", "embedded",
#: "current": the stored profile's columns or None}
Entry = dict[str, Any]


class Planner:
    """Matches and plans the rows of one import into the target agency's tree."""

    def __init__(
        self,
        unit: Unit,
        root: Unit,
        tree_ids: set[int],
        allowed_units: set[int],
        places: PlaceCache,
    ):
        self.unit = unit
        self.root = root
        self.tree_ids = tree_ids
        self.allowed_units = allowed_units
        self.places = places
        self._records: dict[int, Any] = {}
        self.aliases: dict[str, str] = {}

    def _record(self, plan: RowPlan) -> Any:
        cached = self._records.get(id(plan))
        if cached is not None:
            return cached
        rec = self._records[id(plan)] = self._new_record(plan)
        return rec

    def _new_record(self, plan: RowPlan) -> Any:
        v = plan.values
        home = ""
        if v.get("hometown_text"):
            home = self.places.resolve(v["hometown_text"])[0]
        return matching.PersonRecord.from_row(
            {**v, "hometown_province_code": home},
            source=plan.file,
            ref=(plan.file, plan.sheet, plan.row),
        )

    def match_and_plan(self, rows: list[RowPlan]) -> list[Review]:
        """Who each row is (:mod:`profiles.matching`), then what to do with it.

        * the personal ID of a profile in the database: that profile (an update), unless the
          matcher finds the names too different (then a person reviews the pair);
        * else the matcher against the agency's profiles (ID one edit apart, old 9-digit ID,
          name + date of birth + sex + home province): certain → merged into that profile,
          uncertain → review queue;
        * else the matcher within the files: certain → one person (the later rows merge into
          the first), uncertain → review queue;
        * else a new person (a 12-digit ID is needed to create a profile).
        A row held only for its section's unit whose person arrives from another row of the
        file is a repeat of that row (:mod:`.repeats`).
        """
        skip_repeats(rows)
        profile_rows = [
            r for r in rows if r.table == "profile" and r.action not in ("error", "skip")
        ]
        pids = {r.personal_id for r in rows if r.personal_id}
        # only the columns the plan reads: who it is, where, and the fields the files carry
        # (all ~60 columns of 100,000 profiles took ~0.3 GB more on a re-import)
        wanted = {k for r in profile_rows for k in r.values} | PROFILE_KEYS | {"unit_id"}
        existing = load_profiles(pids, wanted)
        reviews: list[Review] = []
        judge = matching.ProfileIndex()
        self.aliases = {}
        # rows of people not (certainly) in the database
        fresh = self._match_stored(profile_rows, existing, judge, reviews)
        planned = self._match_within(fresh, judge, reviews)
        self._plan_stored(profile_rows, fresh, existing, planned)
        self._plan_people(profile_rows, planned)
        # child rows (their own sheets and the flat columns)
        self._plan_children(rows, planned, existing)
        return reviews

    # -- who each row is ----------------------------------------------------------------------
    def _match_stored(
        self,
        profile_rows: list[RowPlan],
        existing: dict[str, dict[str, Any]],
        judge: Any,
        reviews: list[Review],
    ) -> list[RowPlan]:
        """Each person's row against the database: the profile of its personal ID (the pair
        reviewed when the matcher doubts it), else the matcher against the agency's profiles.
        Returns the rows of people not (certainly) in the database."""
        index = None
        fresh: list[RowPlan] = []
        for plan in profile_rows:
            current = existing.get(plan.personal_id) if plan.personal_id else None
            if current is not None:
                if current["unit_id"] not in self.tree_ids or (
                    current["unit_id"] not in self.allowed_units
                ):
                    continue  # reported by _plan_stored with the scope errors
                rec = self._record(plan)
                other = _profile_record(current)
                result = judge.judge(rec, other, {"pid"})
                if not result.is_certain:
                    plan.action = "review"
                    plan.reason = "Cùng số định danh nhưng khác người? " + "; ".join(result.reasons)
                    reviews.append(Review(plan, result, current["id"], None))
                continue
            if index is None:
                index = matching.ProfileIndex.for_unit(self.root)
            rec = self._record(plan)
            result = index.match(rec) if len(index) else matching.no_match()
            if result.is_match and result.profile_id is not None:
                self._matched_stored(plan, result, existing, reviews)
                continue
            fresh.append(plan)
        return fresh

    def _matched_stored(
        self,
        plan: RowPlan,
        result: Any,
        existing: dict[str, dict[str, Any]],
        reviews: list[Review],
    ) -> None:
        """The matcher paired the row with a stored profile: certain → merged into it,
        uncertain → review queue."""
        if result.is_certain:
            target = Profile.objects.filter(pk=result.profile_id).values(
                *[f.attname for f in Profile._meta.concrete_fields]
            )[0]
            if target["unit_id"] not in self.allowed_units:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    plan.personal_id,
                    "Trùng với một hồ sơ ngoài phạm vi được phân quyền nhập.",
                )
                return
            plan.action = "merge"
            plan.target_id = result.profile_id
            plan.reason = (
                f"Cùng người với hồ sơ {target['personal_id']} ({result.rule}): "
                + "; ".join(result.reasons)
            )
            if plan.personal_id:
                self.aliases[plan.personal_id] = target["personal_id"]
            existing.setdefault(target["personal_id"], target)
        else:
            plan.action = "review"
            plan.reason = "Có thể trùng một hồ sơ đã có: " + "; ".join(result.reasons)
            reviews.append(Review(plan, result, result.profile_id, None))

    def _match_within(
        self, fresh: list[RowPlan], judge: Any, reviews: list[Review]
    ) -> dict[str, Entry]:
        """The same person in several rows/files: certain → the later rows merge into the
        first, uncertain → review queue. Returns the new people by personal ID."""
        records = [self._record(p) for p in fresh]
        partner: dict[int, tuple[int, Any]] = {}
        for i, j, result in matching.match_within_batch(records, judge.sex_parity):
            if j not in partner:
                partner[j] = (i, result)
        key_of: dict[int, str] = {}
        planned: dict[str, Entry] = {}
        for j, plan in enumerate(fresh):
            if j in partner:
                i, result = partner[j]
                first = fresh[i]
                if result.is_certain and i in key_of:
                    key = key_of[i]
                    key_of[j] = key
                    if plan.personal_id and plan.personal_id != key:
                        self.aliases[plan.personal_id] = key
                    self._merge_into(planned[key], plan, first, result)
                    continue
                if not result.is_certain and i in key_of:
                    plan.action = "review"
                    plan.reason = (
                        f"Có thể trùng {first.file}, trang {first.sheet}, dòng {first.row}: "
                        + "; ".join(result.reasons)
                    )
                    reviews.append(Review(plan, result, None, first))
                    continue
            key = plan.personal_id
            if not key or len(key) != 12:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    plan.values.get("old_id_number", ""),
                    "Thiếu số định danh cá nhân 12 số và không khớp được hồ sơ nào đã có: "
                    "không thể tạo hồ sơ.",
                )
                continue
            if key in planned:  # same ID, the matcher did not pair them: still one person
                self._merge_into(planned[key], plan, planned[key]["plan"], None)
                key_of[j] = key
                continue
            key_of[j] = key
            planned[key] = _entry(plan, None)
        return planned

    def _plan_stored(
        self,
        profile_rows: list[RowPlan],
        fresh: list[RowPlan],
        existing: dict[str, dict[str, Any]],
        planned: dict[str, Entry],
    ) -> None:
        """Rows of people already in the database (exact ID): planned against their profile,
        or an error when the profile is outside the agency or the importer's scope."""
        fresh_ids = {id(p) for p in fresh}
        for plan in profile_rows:
            if plan.action in ("error", "review", "merge") or id(plan) in fresh_ids:
                continue
            pid = plan.personal_id
            current = existing.get(pid)
            if current is None:
                continue
            if current["unit_id"] not in self.tree_ids:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    pid,
                    f"Số định danh {pid} đã có hồ sơ thuộc cơ quan khác: không thể nhập vào "
                    "cơ quan này (đề nghị cơ quan đang quản lý chuyển hồ sơ).",
                )
                continue
            if current["unit_id"] not in self.allowed_units:
                plan.fail(
                    plan.header(PID_FIELD, "Số định danh cá nhân"),
                    pid,
                    f"Hồ sơ {pid} thuộc đơn vị ngoài phạm vi được phân quyền nhập.",
                )
                continue
            if pid in planned:
                self._merge_into(planned[pid], plan, planned[pid]["plan"], None)
                continue
            planned[pid] = _entry(plan, current)

    # -- what to do with them -------------------------------------------------------------
    def _plan_people(self, profile_rows: list[RowPlan], planned: dict[str, Entry]) -> None:
        """Each planned person: created, or updated with the fields that changed."""
        for plan in profile_rows:  # merges into the database: unit and flat columns as ids
            if plan.action == "merge" and plan.target_id:
                plan.values = with_unit_id(plan.values)
                plan.embedded = {t: with_unit_id(v) for t, v in plan.embedded.items()}
        for entry in planned.values():
            plan = entry["plan"]
            current = entry["current"]
            values = entry["values"]
            if "unit" in values:
                values["unit_id"] = values.pop("unit").pk
            work = entry["embedded"].get("work_history")
            if work is not None and "unit" not in work and "unit_id" not in work:
                work["unit_id"] = values.get("unit_id") or (
                    current["unit_id"] if current else self.unit.pk
                )
            if current is None:
                plan.action = "create"
                plan.reason = "Người mới: tạo hồ sơ."
                plan.values = values
            else:
                plan.target_id = current["id"]
                changes = {
                    k: (current.get(k), v)
                    for k, v in values.items()
                    if k in current and not is_empty(v) and current.get(k) != v
                }
                changes = guard_text_changes(changes, values, warner(plan))
                plan.changes = changes
                plan.values = values
                plan.action = "update" if changes else "unchanged"
                plan.reason = (
                    "Đã có hồ sơ cùng số định danh: cập nhật " + ", ".join(_labels(changes))
                    if changes
                    else "Đã có hồ sơ cùng số định danh, dữ liệu không đổi."
                )
            plan.embedded = entry["embedded"]

    def _merge_into(self, target: Entry, plan: RowPlan, first: RowPlan, result: Any) -> None:
        """Row ``plan`` is the same person as ``target`` (planned from row ``first``)."""
        plan.action = "merge"
        why = "; ".join(result.reasons) if result is not None else "cùng số định danh"
        plan.reason = (
            f"Cùng người với {first.file}, trang {first.sheet}, dòng {first.row} ({why}): "
            "gộp; ô trống không ghi đè, giá trị sau thay giá trị trước."
        )
        for k, v in plan.values.items():
            if k in (PID_FIELD, "old_id_number") and not is_empty(target["values"].get(k)):
                continue  # the first row's IDs stay: a typo in a later file must not win
            if not is_empty(v):
                target["values"][k] = v
        for table, vals in plan.embedded.items():
            target["embedded"].setdefault(table, {}).update(vals)
        for part, vals in plan.source.items():
            target["plan"].source.setdefault(part, {}).update(vals)

    def _plan_children(
        self,
        rows: list[RowPlan],
        planned: dict[str, Entry],
        existing: dict[str, dict[str, Any]],
    ) -> None:
        profile_ids = {e["current"]["id"] for e in planned.values() if e["current"]}
        child_rows = [r for r in rows if r.table != "profile" and r.action != "error"]
        for r in child_rows:
            r.personal_id = self.aliases.get(r.personal_id, r.personal_id)
        for r in child_rows:
            if r.personal_id not in planned and r.personal_id in existing:
                cur = existing[r.personal_id]
                if cur["unit_id"] in self.allowed_units:
                    profile_ids.add(cur["id"])
        tables = {r.table for r in child_rows} | {
            t for e in planned.values() for t in e["embedded"]
        }
        stored: dict[str, dict[int, list[dict[str, Any]]]] = {
            t: load_children(CHILD_MODELS[t], profile_ids) for t in tables
        }
        _plan_flat_children(planned, stored)
        self._plan_child_rows(child_rows, planned, existing, stored)

    def _plan_child_rows(
        self,
        child_rows: list[RowPlan],
        planned: dict[str, Entry],
        existing: dict[str, dict[str, Any]],
        stored: dict[str, dict[int, list[dict[str, Any]]]],
    ) -> None:
        """The rows of the child sheets: each against its person's stored rows (a person of
        the files or of the database in scope), a repeated row skipped."""
        seen: dict[tuple, RowPlan] = {}
        for r in child_rows:
            spec = SHEETS[r.table]
            if r.personal_id in planned:
                owner = planned[r.personal_id]
                pid_id = owner["current"]["id"] if owner["current"] else None
            elif r.personal_id in existing:
                cur = existing[r.personal_id]
                if cur["unit_id"] not in self.allowed_units:
                    r.fail(
                        r.header(PID_FIELD, "Số định danh cá nhân"),
                        r.personal_id,
                        f"Hồ sơ {r.personal_id} thuộc cơ quan, đơn vị ngoài phạm vi được "
                        "phân quyền nhập.",
                    )
                    continue
                pid_id = cur["id"]
            else:
                r.fail(
                    r.header(PID_FIELD, "Số định danh cá nhân"),
                    r.personal_id,
                    f"Không có hồ sơ số định danh {r.personal_id} (trong tệp hoặc cơ sở dữ liệu).",
                )
                continue
            r.values = with_unit_id(r.values)
            r.values.pop(PID_FIELD, None)
            key = (r.table, r.personal_id, *(jsonable(r.values.get(f)) for f in spec.natural_key))
            if key in seen:
                first = seen[key]
                r.action = "skip"
                r.reason = f"Trùng dòng {first.row} trang {first.sheet} của {first.file}."
                continue
            seen[key] = r
            action, target, changes = _child_action(
                spec, r.values, stored[r.table].get(pid_id, []) if pid_id else []
            )
            action, changes = guard_child_action(action, changes, r.values, warner(r))
            r.action, r.target_id, r.changes = action, target, changes
            r.reason = {
                "create": f"Thêm {spec.title.lower()}.",
                "update": "Cập nhật " + ", ".join(_labels(changes, spec)),
                "unchanged": "Đã có, không đổi.",
            }[action]


def _plan_flat_children(
    planned: dict[str, Entry], stored: dict[str, dict[int, list[dict[str, Any]]]]
) -> None:
    """A person's flat columns (salary, position, party): compared like a row of the child
    sheet; a person otherwise unchanged is updated when one of them changes."""
    for entry in planned.values():
        plan: RowPlan = entry["plan"]
        pid_id = entry["current"]["id"] if entry["current"] else None
        child_changes = []
        for table, values in entry["embedded"].items():
            spec = SHEETS[table]
            values = with_unit_id(values)
            action, target, changes = _child_action(
                spec, values, stored[table].get(pid_id, []) if pid_id else []
            )
            action, changes = guard_child_action(action, changes, values, warner(plan))
            entry["embedded"][table] = {**values, "_action": action, "_target": target}
            if action != "unchanged":
                child_changes.append(spec.title)
        plan.embedded = entry["embedded"]
        if plan.action == "unchanged" and child_changes:
            plan.action = "update"
            plan.reason = "Đã có hồ sơ: thêm/cập nhật " + ", ".join(child_changes) + "."


def _entry(plan: RowPlan, current: dict[str, Any] | None) -> Entry:
    """A person planned from ``plan`` (the values of later rows of the same person merge in)."""
    return {
        "plan": plan,
        "values": dict(plan.values),
        "embedded": {k: dict(v) for k, v in plan.embedded.items()},
        "current": current,
    }


def _profile_record(row: dict[str, Any]) -> Any:
    return matching.PersonRecord(
        personal_id=row["personal_id"] or None,
        old_id_number=row["old_id_number"] or None,
        full_name=row["full_name"],
        date_of_birth=row["date_of_birth"],
        birth_date_precision=row["birth_date_precision"] or "day",
        sex=row["sex"] or "",
        home_province=row["hometown_province_code"] or "",
        profile_id=row["id"],
        ref=row["id"],
    )


def _labels(changes: dict[str, Any], spec: SheetSpec = PROFILE) -> list[str]:
    by_field = spec.by_field
    out = []
    for k in changes:
        col = by_field.get(k) or by_field.get(k.removesuffix("_id"))
        out.append(col.header if col else k)
    return out


def with_unit_id(values: dict[str, Any]) -> dict[str, Any]:
    if isinstance(values.get("unit"), Unit):
        values = dict(values)
        values["unit_id"] = values.pop("unit").pk
    return values


# -- a child row against the stored ones ----------------------------------------------------
def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if value is None:
        return ""
    return value


def _child_action(
    spec: SheetSpec, values: dict[str, Any], stored: list[dict[str, Any]]
) -> tuple[str, int | None, dict[str, tuple[Any, Any]]]:
    key = tuple(_norm(values.get(f, _default(spec, f))) for f in spec.natural_key)
    for row in stored:
        if tuple(_norm(row.get(f)) for f in spec.natural_key) == key:
            changes = {
                k: (row.get(k), v)
                for k, v in values.items()
                if k in row and not is_empty(v) and _norm(row.get(k)) != _norm(v)
            }
            return ("update" if changes else "unchanged"), row["id"], changes
    # a key field empty on one side (a family member stored without a birth year): the one
    # stored row that agrees on the other key fields is the same row
    loose = [
        row
        for row in stored
        if all(
            is_empty(k) or is_empty(_norm(row.get(f))) or _norm(row.get(f)) == k
            for f, k in zip(spec.natural_key, key, strict=True)
        )
    ]
    if len(loose) == 1 and len(spec.natural_key) > 1:
        row = loose[0]
        changes = {
            k: (row.get(k), v)
            for k, v in values.items()
            if k in row and not is_empty(v) and _norm(row.get(k)) != _norm(v)
        }
        return ("update" if changes else "unchanged"), row["id"], changes
    return "create", None, {}


def _default(spec: SheetSpec, name: str) -> Any:
    model = CHILD_MODELS[spec.key]
    try:
        f: Any = model._meta.get_field(name)
    except Exception:
        return None
    return f.get_default() if f.has_default() else None
