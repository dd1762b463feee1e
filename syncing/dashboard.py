"""The progress dashboard ("tiến độ đồng bộ"): per agency and unit, what the ministry's daily
progress report counts — the software and key, units mapped to national codes, profiles total /
approved / signed / synced / with mismatches, the last sync and the errors.

Counting is done with a handful of aggregate queries grouped by unit (never a loop over
profiles); the per-unit counts are then rolled up the tree in Python over the units only, so a
province of 300,000 profiles and a few thousand units costs the same few queries.

Also here: the daily :class:`~syncing.recon_models.ProgressSnapshot`, the chart over time as an
inline SVG (no JavaScript, no CDN: the app works offline) and the Excel and PDF exports.
"""

from __future__ import annotations

import io
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cbccvc.xlsx_safety import write_cell
from orgtree.models import Unit
from orgtree.tree import subtrees_q
from profiles.models import Profile, ProfileStatus

from .charts import Series, chart_svg, shares_by_unit_svg, shares_over_time_svg
from .recon_models import Mismatch, ProgressSnapshot, UnitMatch

__all__ = [
    "ProgressRow",
    "Series",
    "agencies",
    "chart_svg",
    "progress_rows",
    "render_pdf",
    "render_xlsx",
    "shares_by_unit_svg",
    "shares_over_time_svg",
    "take_snapshots",
]

APPROVED = [ProfileStatus.APPROVED, ProfileStatus.SIGNED, ProfileStatus.SYNCED]
SIGNED = [ProfileStatus.SIGNED, ProfileStatus.SYNCED]
SYNCED = [ProfileStatus.SYNCED]


@dataclass
class ProgressRow:
    unit_id: int
    code: str
    name: str
    is_agency: bool
    software: str = ""
    key_status: str = ""
    key_admin: str = ""
    key_contact: str = ""  # name, phone, e-mail of the official key's administrator
    key_status_code: str = ""
    units_total: int = 0
    units_mapped: int = 0
    profiles_total: int = 0
    profiles_approved: int = 0
    profiles_signed: int = 0
    profiles_synced: int = 0
    profiles_mismatched: int = 0
    last_sync: datetime | None = None
    sync_errors: int = 0
    children: int = 0

    COUNTERS = (
        "units_total",
        "units_mapped",
        "profiles_total",
        "profiles_approved",
        "profiles_signed",
        "profiles_synced",
        "profiles_mismatched",
        "sync_errors",
    )

    def add(self, other: dict[str, int]) -> None:
        for name in self.COUNTERS:
            setattr(self, name, getattr(self, name) + other.get(name, 0))

    def percent(self, name: str) -> int:
        return round(100 * getattr(self, name) / self.profiles_total) if self.profiles_total else 0

    @property
    def synced_percent(self) -> int:
        return self.percent("profiles_synced")

    @property
    def signed_percent(self) -> int:
        return self.percent("profiles_signed")

    @property
    def mapped_percent(self) -> int:
        return round(100 * self.units_mapped / self.units_total) if self.units_total else 0


def agencies() -> Any:
    """Every agency: the active roots of the org tree (ministries, provincial committees)."""
    return Unit.objects.filter(parent__isnull=True, status=Unit.Status.ACTIVE).order_by("code")


# -- connection and sync facts (the queue's models) ---------------------------------------------
def connection_facts(agency_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """agency id → software, key status and key administrator of its national connection."""
    from .models import Connection, Destination

    facts: dict[int, dict[str, Any]] = {}
    for conn in Connection.objects.filter(
        unit_id__in=list(agency_ids), destination=Destination.NATIONAL, is_official=True
    ):
        contact = ", ".join(p for p in (conn.admin_phone, conn.admin_email) if p)
        facts[conn.unit_id] = {
            "software": conn.software_name,
            "key_status": conn.get_status_display(),
            "key_status_code": conn.status,
            "key_admin": f"{conn.admin_name} ({contact})" if contact else conn.admin_name,
            "key_contact": "\n".join(
                p for p in (conn.admin_name, conn.admin_phone, conn.admin_email) if p
            ),
            "last_sync": conn.last_sync_at,
            "status_message": conn.status_message,
        }
    return facts


def sync_facts(unit_q: Q) -> tuple[dict[int, datetime], dict[int, int]]:
    """(unit id → last confirmed sync, unit id → failed or dead sync items), grouped by the
    profile's unit, for the national destination; ``unit_q`` filters profiles by unit."""
    from .models import Destination, SyncItem, SyncStatus

    items = SyncItem.objects.filter(
        destination=Destination.NATIONAL,
        version__profile__in=Profile.objects.filter(unit_q).values("pk"),
    )
    last = dict(
        items.filter(status=SyncStatus.SYNCED)
        .values("version__profile__unit_id")
        .annotate(last=Max("synced_at"))
        .order_by()
        .values_list("version__profile__unit_id", "last")
    )
    errors = dict(
        items.filter(status__in=[SyncStatus.FAILED, SyncStatus.DEAD])
        .values("version__profile__unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("version__profile__unit_id", "n")
    )
    return last, errors


# -- counting -------------------------------------------------------------------------------------
def _per_unit_counts(roots: Sequence[Unit]) -> dict[int, dict[str, int]]:
    """unit id → its own counters (not rolled up), from aggregate queries."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    profile_q = subtrees_q(roots, "unit")
    for row in (
        Profile.objects.filter(profile_q)
        .values("unit_id")
        .annotate(
            total=Count("pk"),
            approved=Count("pk", filter=Q(status__in=APPROVED)),
            signed=Count("pk", filter=Q(status__in=SIGNED)),
            synced=Count("pk", filter=Q(status__in=SYNCED)),
        )
        .order_by()
    ):
        c = counts[row["unit_id"]]
        c["profiles_total"] = row["total"]
        c["profiles_approved"] = row["approved"]
        c["profiles_signed"] = row["signed"]
        c["profiles_synced"] = row["synced"]
    for row in (
        Mismatch.objects.filter(subtrees_q(roots, "profile__unit"), status=Mismatch.Status.OPEN)
        .values("profile__unit_id")
        .annotate(n=Count("profile_id", distinct=True))
        .order_by()
    ):
        counts[row["profile__unit_id"]]["profiles_mismatched"] = row["n"]
    for unit_id in UnitMatch.objects.filter(
        subtrees_q(roots, "unit"),
        status=UnitMatch.Status.CONFIRMED,
        unit__status=Unit.Status.ACTIVE,
    ).values_list("unit_id", flat=True):
        counts[unit_id]["units_mapped"] = 1
    return counts


def progress_rows(roots: Sequence[Unit], *, children_of: Unit | None = None) -> list[ProgressRow]:
    """One row per unit of ``roots`` — or, with ``children_of``, that unit then one row per
    active child — each counting its whole subtree."""
    if children_of is not None:
        children_of = Unit.objects.get(pk=children_of.pk)  # fresh tree fields
        focus = [children_of]
        shown = [children_of, *Unit.objects.filter(parent=children_of, status="active")]
    else:
        focus = list(Unit.objects.filter(pk__in=[r.pk for r in roots]).order_by("code"))
        shown = focus
    if not focus:
        return []
    units = list(Unit.objects.filter(subtrees_q(focus)).values_list("pk", "parent_id", "status"))
    parent = {pk: parent_id for pk, parent_id, _ in units}
    shown_ids = {u.pk for u in shown}
    counts = _per_unit_counts(focus)
    last_sync, errors = sync_facts(subtrees_q(focus, "unit"))
    for unit_id, n in errors.items():
        counts[unit_id]["sync_errors"] = n
    rows = {
        u.pk: ProgressRow(
            unit_id=u.pk,
            code=u.code,
            name=u.name,
            is_agency=u.parent_id is None,
        )
        for u in shown
    }
    for pk, _, status in units:
        own = dict(counts.get(pk, {}))
        if status == Unit.Status.ACTIVE:
            own["units_total"] = 1
        # walk up to every shown ancestor (the unit itself included)
        node: int | None = pk
        while node is not None:
            if node in shown_ids:
                rows[node].add(own)
                if pk in last_sync and (
                    rows[node].last_sync is None or last_sync[pk] > rows[node].last_sync
                ):
                    rows[node].last_sync = last_sync[pk]
            node = parent.get(node)
    active_children = Counter(par for _, par, st in units if st == Unit.Status.ACTIVE)
    for pk in shown_ids:
        rows[pk].children = active_children.get(pk, 0)
    facts = connection_facts([u.pk for u in shown if u.parent_id is None])
    for agency_id, info in facts.items():
        row = rows[agency_id]
        row.software = info.get("software", "")
        row.key_status = info.get("key_status", "")
        row.key_admin = info.get("key_admin", "")
        row.key_contact = info.get("key_contact", "")
        row.key_status_code = info.get("key_status_code", "")
    return [rows[u.pk] for u in shown]


def totals(rows: Iterable[ProgressRow]) -> ProgressRow:
    total = ProgressRow(unit_id=0, code="Cộng", name="Tổng cộng", is_agency=False)
    for row in rows:
        total.add({name: getattr(row, name) for name in ProgressRow.COUNTERS})
        if row.last_sync and (total.last_sync is None or row.last_sync > total.last_sync):
            total.last_sync = row.last_sync
    return total


# -- daily snapshots ------------------------------------------------------------------------------
@transaction.atomic
def take_snapshots(day: date | None = None, roots: Sequence[Unit] | None = None) -> int:
    """Record the day's figures of every agency (idempotent: the day's row is replaced)."""
    day = day or timezone.localdate()
    rows = progress_rows(list(roots if roots is not None else agencies()))
    for row in rows:
        ProgressSnapshot.objects.update_or_create(
            agency_id=row.unit_id,
            day=day,
            defaults={name: getattr(row, name) for name in ProgressRow.COUNTERS},
        )
    return len(rows)


CHART_SERIES = (
    ("profiles_total", "Tổng số hồ sơ", "#9fb4c7"),
    ("profiles_approved", "Đã phê duyệt", "#9fc5e8"),
    ("profiles_signed", "Đã ký số", "#417690"),
    ("profiles_synced", "Đã đồng bộ", "#2e7d32"),
    ("profiles_mismatched", "Có sai lệch đối khớp", "#c62828"),
)


def history(agency_ids: Sequence[int], days: int = 30) -> tuple[list[date], list[Series]]:
    """The daily figures summed over ``agency_ids`` for the last ``days`` days with data."""
    since = timezone.localdate() - timedelta(days=days - 1)
    names = [name for name, _, _ in CHART_SERIES]
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(names, 0))
    for snap in ProgressSnapshot.objects.filter(agency_id__in=agency_ids, day__gte=since).values(
        "day", *names
    ):
        for name in names:
            per_day[snap["day"]][name] += snap[name]
    days_list = sorted(per_day)
    series = [
        Series(name, label, colour, [per_day[d][name] for d in days_list])
        for name, label, colour in CHART_SERIES
    ]
    return days_list, series


# -- exports --------------------------------------------------------------------------------------
EXPORT_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("code", "Mã", 0.09),
    ("name", "Cơ quan, đơn vị", 0.22),
    ("software", "Phần mềm", 0.09),
    ("key_status", "Khóa kết nối", 0.07),
    ("units_mapped_text", "Đơn vị đã ghép mã", 0.07),
    ("profiles_total", "Tổng hồ sơ", 0.06),
    ("profiles_approved", "Đã phê duyệt", 0.06),
    ("profiles_signed", "Đã ký số", 0.06),
    ("profiles_synced", "Đã đồng bộ", 0.06),
    ("profiles_mismatched", "Có sai lệch", 0.06),
    ("last_sync_text", "Đồng bộ gần nhất", 0.09),
    ("sync_errors", "Lỗi", 0.04),
)
# The Excel report keeps every figure a number (a share is a fraction shown as a percentage, the
# last sync a date and time), so it can be summed, sorted and charted; it also names whom to call
# about each agency's key. (name, label, width in characters, kind)
XLSX_COLUMNS: tuple[tuple[str, Any, float, str], ...] = (
    ("code", gettext_lazy("Mã"), 14, "text"),
    ("name", gettext_lazy("Cơ quan, đơn vị"), 35, "text"),
    ("software", gettext_lazy("Phần mềm"), 14, "text"),
    ("key_status", gettext_lazy("Khóa kết nối"), 11, "text"),
    ("key_contact", gettext_lazy("Người quản trị khóa (điện thoại, thư điện tử)"), 19, "text"),
    ("units_mapped", gettext_lazy("Đơn vị đã ghép mã"), 11, "int"),
    ("units_total", gettext_lazy("Tổng số đơn vị"), 10, "int"),
    ("units_mapped_share", gettext_lazy("Tỷ lệ đơn vị đã ghép mã"), 11, "share"),
    ("profiles_total", gettext_lazy("Tổng hồ sơ"), 10, "int"),
    ("profiles_approved", gettext_lazy("Đã phê duyệt"), 10, "int"),
    ("profiles_signed", gettext_lazy("Đã ký số"), 10, "int"),
    ("profiles_signed_share", gettext_lazy("Tỷ lệ đã ký số"), 10, "share"),
    ("profiles_synced", gettext_lazy("Đã đồng bộ"), 10, "int"),
    ("profiles_synced_share", gettext_lazy("Tỷ lệ đã đồng bộ"), 10, "share"),
    ("profiles_mismatched", gettext_lazy("Có sai lệch"), 10, "int"),
    ("last_sync", gettext_lazy("Đồng bộ gần nhất"), 16, "datetime"),
    ("sync_errors", gettext_lazy("Lỗi"), 7, "int"),
)
SHARES = {
    "units_mapped_share": ("units_mapped", "units_total"),
    "profiles_signed_share": ("profiles_signed", "profiles_total"),
    "profiles_synced_share": ("profiles_synced", "profiles_total"),
}


def _xlsx_value(row: ProgressRow, name: str) -> Any:
    """A cell's value: a number stays a number; a share is part / whole (blank when there is
    no whole); the last sync a naive local datetime (what a spreadsheet stores)."""
    if name in SHARES:
        part, whole = (getattr(row, n) for n in SHARES[name])
        return part / whole if whole else None
    if name == "last_sync":
        return timezone.localtime(row.last_sync).replace(tzinfo=None) if row.last_sync else None
    return getattr(row, name)


def _cell(row: ProgressRow, name: str) -> Any:
    if name == "units_mapped_text":
        return f"{row.units_mapped}/{row.units_total}"
    if name == "last_sync_text":
        return timezone.localtime(row.last_sync).strftime("%d/%m/%Y %H:%M") if row.last_sync else ""
    return getattr(row, name)


def report_title(day: date) -> str:
    return f"Báo cáo tiến độ đồng bộ CSDLQG về CBCCVC ngày {day:%d/%m/%Y}"


def render_xlsx(rows: Sequence[ProgressRow], day: date, *, drill: bool = False) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(str(gettext_lazy("Tiến độ")))
    bold = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#DDE7EE", "border": 1, "text_wrap": True})
    formats = {
        "text": book.add_format({"border": 1}),
        "int": book.add_format({"border": 1, "num_format": "#,##0"}),
        "share": book.add_format({"border": 1, "num_format": "0.0%"}),
        "datetime": book.add_format({"border": 1, "num_format": "dd/mm/yyyy hh:mm"}),
    }
    write_cell(sheet, 0, 0, report_title(day), bold)
    for col, (_, label, width, _) in enumerate(XLSX_COLUMNS):
        write_cell(sheet, 2, col, str(label), head)
        sheet.set_column(col, col, width)
    all_rows = list(rows) if drill or len(rows) < 2 else [*rows, totals(rows)]
    for r, row in enumerate(all_rows, start=3):
        for col, (name, _, _, kind) in enumerate(XLSX_COLUMNS):
            value = _xlsx_value(row, name)
            if kind == "datetime" and value is not None:
                sheet.write_datetime(r, col, value, formats[kind])
            else:
                # texts (unit names, contacts typed by people) never become formulas
                write_cell(sheet, r, col, value, formats[kind])
    sheet.freeze_panes(3, 2)
    book.close()
    return out.getvalue()


FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def render_pdf(rows: Sequence[ProgressRow], day: date, *, drill: bool = False) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=10)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(report_title(day))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, report_title(day), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    pdf.cell(
        0,
        5,
        f"Lập lúc {timezone.localtime():%H:%M %d/%m/%Y}. Đã phê duyệt gồm cả hồ sơ đã ký số, "
        "đã đồng bộ; đã ký số gồm cả hồ sơ đã đồng bộ.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    width = pdf.epw
    with pdf.table(
        col_widths=[share * width for _, _, share in EXPORT_COLUMNS],
        headings_style=FontFace(emphasis="BOLD", fill_color=(221, 231, 238)),
        line_height=4.4,
        text_align="LEFT",
        width=width,
    ) as grid:
        head = grid.row()
        for _, label, _ in EXPORT_COLUMNS:
            head.cell(label)
        for row in list(rows) if drill or len(rows) < 2 else [*rows, totals(rows)]:
            cells = grid.row()
            for name, _, _ in EXPORT_COLUMNS:
                cells.cell(str(_cell(row, name)))
    return bytes(pdf.output())


def row_dicts(rows: Iterable[ProgressRow]) -> list[dict[str, Any]]:
    return [{f.name: getattr(r, f.name) for f in fields(r)} for r in rows]
