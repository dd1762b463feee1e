"""The per-row results of an import job, kept in a table (:class:`ImportRowResult`).

The job's report (a JSON field) keeps the totals, the files' summaries and the unknown columns
and values; the rows are one table row each, written in bulk when the plan is done and read one
page at a time by the preview (an index on job, kind, position). Jobs that ran before the table
existed still carry their rows in the report: :func:`has_table` tells them apart and the preview
and :func:`full_report` read those rows from the report as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from profiles import bulkio

from .models import ImportJob, ImportRowResult

#: report key that says the rows are in the table (not in the report)
IN_TABLE = "rows_in_table"

#: the report row's keys that go to the table's own columns; the rest goes to ``data``
_COLUMNS = ("file", "sheet", "row", "table", "personal_id", "action")


def has_table(report: Mapping[str, Any] | None) -> bool:
    """Whether a job's rows live in the table (a job run since the table exists)."""
    return bool((report or {}).get(IN_TABLE)) and "rows" not in (report or {})


def preview_order(row: Mapping[str, Any]) -> tuple[bool, str, str, int]:
    """The refused rows first, then the files' order."""
    return (row["action"] != "error", row["file"], row["sheet"], row["row"])


def store(job: ImportJob, rows: Sequence[Mapping[str, Any]]) -> int:
    """Replace the job's row results by ``rows`` (report rows, as ``RowPlan.as_dict``)."""
    ordered = sorted(rows, key=preview_order)  # stable: a row's child rows stay in plan order
    drafts = []
    for position, r in enumerate(ordered):
        drafts.append(
            bulkio.draft(
                ImportRowResult,
                job_id=job.pk,
                position=position,
                file=r["file"][:255],
                sheet=(r["sheet"] or "")[:100],
                row=r["row"],
                table=r["table"],
                personal_id=(r["personal_id"] or "")[:40],
                kind=r["action"],
                warned=bool(r.get("warnings")),
                data={k: v for k, v in r.items() if k not in _COLUMNS},
            )
        )
    with transaction.atomic():
        clear(job)
        if connection.vendor == "postgresql":
            bulkio.copy_objects(ImportRowResult, drafts, with_pk=False)
        else:
            ImportRowResult.objects.bulk_create(
                [d.instance() for d in drafts],  # type: ignore[misc]
                batch_size=bulkio.BATCH,
            )
    return len(drafts)


def clear(job: ImportJob) -> None:
    if connection.vendor == "postgresql":  # no per-row delete collection for a plain table
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {ImportRowResult._meta.db_table} WHERE job_id = %s", [job.pk])
    else:
        ImportRowResult.objects.filter(job_id=job.pk).delete()


def _filter(key: str) -> Q:
    if key == "update":
        return Q(kind__in=("update", "merge"))
    if key == "held":  # as the report counts people held: refused or sent to review
        return Q(kind__in=("error", "review"))
    if key == "warning":
        return Q(warned=True)
    if key == "all":
        return Q()
    return Q(kind=key)


def filtered(job: ImportJob, key: str) -> QuerySet[ImportRowResult]:
    """The job's rows under a preview filter, in the preview's order."""
    return ImportRowResult.objects.filter(_filter(key), job_id=job.pk).order_by("position")


def counts(job: ImportJob, keys: Sequence[str]) -> dict[str, int]:
    """The number of rows under each filter key, in one query."""
    found = ImportRowResult.objects.filter(job_id=job.pk).aggregate(
        **{k: Count("pk", filter=_filter(k)) for k in keys}
    )
    return {k: found[k] or 0 for k in keys}


def rows_of(job: ImportJob) -> list[dict[str, Any]]:
    """Every row of the job as the report writes it (old jobs: from the report)."""
    report = job.report or {}
    if not has_table(report):
        return list(report.get("rows", []))
    return [r.as_report_row() for r in filtered(job, "all")]


def full_report(job: ImportJob) -> dict[str, Any]:
    """The job's report with its ``rows`` (for the command's ``--report`` file and the API)."""
    report = dict(job.report or {})
    if has_table(report):
        report.pop(IN_TABLE, None)
        report["rows"] = rows_of(job)
    return report
