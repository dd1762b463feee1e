"""The campaign report as Excel: the summary, the texts waiting for a person, every row.

XlsxWriter in ``constant_memory`` mode (rows stream to disk, memory stays flat at 300,000
profiles); every text cell goes through :func:`cbccvc.xlsx_safety.safe_cell`; the export is
recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.utils import translation

from cbccvc.audit import Kind, record
from cbccvc.xlsx_safety import safe_cell

from .models import Campaign, ChangeRow, FieldName, Outcome
from .services import CHUNK, review_texts, summarise

DETAIL_HEADERS = (
    "Số định danh",
    "Họ và tên",
    "Mã đơn vị",
    "Trường",
    "Kết quả",
    "Quy tắc",
    "Lý do",
    "Nguyên văn",
    "Giá trị mới",
    "Mã tỉnh cũ",
    "Mã xã cũ",
    "Mã tỉnh mới",
    "Mã xã mới",
    "Độ tin cậy",
    "Phương án để chọn",
    "Đã ghi",
)


def _candidate_labels(candidates: list[dict[str, Any]]) -> str:
    labels = []
    for i, c in enumerate(candidates, start=1):
        if "unit" in c:
            labels.append(f"{i}) {c['unit']['name']} [{c['unit']['code']}]")
        elif "code" in c:  # a position or title in force
            labels.append(f"{i}) {c['name']} [{c['code']}]")
        else:
            parts = [x["name"] for x in (c.get("commune"), c.get("province")) if x]
            labels.append(f"{i}) {', '.join(parts)}")
    return "; ".join(labels)


def _write(sheet, row: int, values: list[Any]) -> None:
    sheet.write_row(row, 0, [safe_cell(v) for v in values])


def write_report(
    campaign: Campaign,
    target: Path | str | IO[bytes],
    *,
    user: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the report to a path or a binary stream; returns the number of detail rows.
    ``progress(done, total)`` is called once per chunk of detail rows. The report is a
    Vietnamese document of record: the same text whoever asks and whether it is written in
    the request or by a worker (where no language is active)."""
    with translation.override("vi"):
        return _write_report(campaign, target, user=user, progress=progress)


def _write_report(
    campaign: Campaign,
    target: Path | str | IO[bytes],
    *,
    user: Any,
    progress: Callable[[int, int], None] | None,
) -> int:
    import xlsxwriter

    fields = dict(FieldName.choices)
    outcomes = dict(Outcome.choices)
    workbook = xlsxwriter.Workbook(
        target if hasattr(target, "write") else str(target),
        {"constant_memory": True, "strings_to_numbers": False, "in_memory": False},
    )
    bold = workbook.add_format({"bold": True})
    try:
        summary = workbook.add_worksheet("Tổng hợp")
        counts = summarise(campaign)
        _write(summary, 0, [str(campaign)])
        summary.write_row(1, 0, ["Trạng thái", str(campaign.get_status_display())])
        summary.write_row(2, 0, ["Số hồ sơ", campaign.profile_count])
        summary.write_row(4, 0, ["Trường", *[str(outcomes[o]) for o in Outcome.values]], bold)
        line = 5
        for value, label in FieldName.choices:
            per = counts["fields"].get(value, {})
            summary.write_row(line, 0, [str(label), *[per.get(o, 0) for o in Outcome.values]])
            line += 1
        summary.write_row(line, 0, ["Tổng", *[counts["outcomes"][o] for o in Outcome.values]], bold)

        review = workbook.add_worksheet("Cần chọn")
        review.write_row(0, 0, ["Nguyên văn", "Số giá trị", "Phương án"], bold)
        for i, entry in enumerate(review_texts(campaign), start=1):
            _write(
                review,
                i,
                [entry["text"], entry["count"], _candidate_labels(entry["candidates"])],
            )

        detail = workbook.add_worksheet("Chi tiết")
        detail.write_row(0, 0, DETAIL_HEADERS, bold)
        # ``applied`` is annotated by ChangeRow.objects (unknown to the type checker's plugin)
        rows = (
            ChangeRow.objects.filter(campaign=campaign)  # type: ignore[misc]
            .order_by("profile_id", "id")
            .values_list(
                "profile__personal_id",
                "profile__full_name",
                "profile__unit__code",
                "field",
                "outcome",
                "rule",
                "reason",
                "old_text",
                "new_text",
                "old_province_code",
                "old_commune_code",
                "new_province_code",
                "new_commune_code",
                "confidence",
                "candidates",
                "applied",
                "child_label",
            )
        )
        total = rows.count() if progress else 0
        n = 0
        for n, values in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
            if progress and n % CHUNK == 0:
                progress(n, total)
            out = list(values)
            child = out.pop()  # a family or work-history row is named in the field's column
            out[3] = child or str(fields.get(out[3], out[3]))
            out[4] = str(outcomes.get(out[4], out[4]))
            out[14] = _candidate_labels(out[14])
            out[15] = "có" if out[15] else ""
            _write(detail, n, out)
        if progress:
            progress(n, total)
    finally:
        workbook.close()
    record(
        Kind.EXPORT,
        user=user,
        obj=campaign,
        export="reform-conversion",
        rows=n,
    )
    return n
