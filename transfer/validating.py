"""Validation of the cleaned rows: the model's field checks, then the correctness rules of
:mod:`profiles.validation` that make a person's row unusable (personal ID format, birth date)
are errors; the row is not written."""

from __future__ import annotations

from .cleaning import Cleaner, is_empty
from .columns import PID_FIELD, PROFILE, SHEETS
from .field_checks import check_row
from .report import RowPlan

#: the ID's cross-checks against the sex and birth date: warnings at import, findings after
_PID_CROSS_CHECKS = frozenset({"PID_SEX", "PID_YEAR", "PID_CENTURY"})


def validate(rows: list[RowPlan], cleaner: Cleaner) -> None:
    """Fails the rows whose values cannot be written (each row on its own)."""
    from profiles.validation import build_context, rule_birth_date, rule_old_id, rule_personal_id

    ctx = build_context()
    for plan in rows:  # the model's field checks: a bad value fails its row only
        check_row(plan)
    for plan in rows:
        if plan.action == "error" or plan.table != "profile":
            continue
        v = plan.values
        rec = {
            "personal_id": v.get(PID_FIELD, ""),
            "old_id_number": v.get("old_id_number", ""),
            "date_of_birth": v.get("date_of_birth"),
            "sex": v.get("sex", ""),
            "birth_registration_province": v.get("birth_registration_province", ""),
            "birthplace_province_code": "",
        }
        rules = [rule_old_id, rule_birth_date]
        if rec["personal_id"]:
            rules.insert(0, rule_personal_id)
        for rule in rules:
            for issue in rule(rec, ctx):
                # an ID that contradicts the sex or birth year is still the person's ID:
                # imported, and the finding says what to check
                if issue.severity != "error" or issue.code in _PID_CROSS_CHECKS:
                    plan.warnings.append(issue.message)
                    continue
                col = PROFILE.by_field.get(issue.field)
                header = plan.header(issue.field, col.header if col else issue.field)
                plan.fail(header, v.get(issue.field, ""), issue.message)
        _embedded_required(plan, cleaner)


def _embedded_required(plan: RowPlan, cleaner: Cleaner) -> None:
    """The child rows of a person's flat columns: dropped (with a warning) when incomplete."""
    emb = plan.embedded
    salary = emb.get("salary_history")
    if salary:
        grade = salary.get("grade_code")
        if grade and not salary.get("salary_scale"):
            item = cleaner.codes("grade").get(grade)
            if item is not None and item.extra.get("scale"):
                salary["salary_scale"] = item.extra["scale"]
        missing = [
            SHEETS["salary_history"].by_field[f].header
            for f in ("effective_date", "grade_code", "salary_scale", "step", "coefficient")
            if is_empty(salary.get(f))
        ]
        if missing:
            plan.warnings.append(
                "Không ghi quá trình lương từ các cột lương: thiếu " + ", ".join(missing) + "."
            )
            del emb["salary_history"]
    work = emb.get("work_history")
    if work is not None and is_empty(work.get("start_date")):
        if any(not is_empty(x) for x in work.values()):
            plan.warnings.append(
                "Không ghi quá trình công tác từ các cột chức vụ: thiếu ngày bắt đầu."
            )
        del emb["work_history"]
    party = emb.get("memberships")
    if party is not None:
        if is_empty(party.get("admission_date")):
            del emb["memberships"]
        else:
            party["organisation"] = "party"
