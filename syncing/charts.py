"""Charts of the progress dashboard and the reconciliation worklist, as inline SVG (no
JavaScript, no CDN: the app works offline and under a strict content security policy).

* :func:`chart_svg` — grouped bars per day (counts over time);
* :func:`shares_by_unit_svg` — one 100% bar per unit split into the profiles' stages (synced,
  signed, approved, not yet approved), so a small unit's progress shows beside a large one's;
* :func:`shares_over_time_svg` — the same stages as a 100% column per day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .dashboard import ProgressRow


@dataclass
class Series:
    name: str
    label: str
    colour: str
    values: list[int] = field(default_factory=list)


def chart_svg(days: Sequence[date], series: Sequence[Series], width: int = 760) -> SafeString:
    """Grouped bars per day, with a y axis and a legend, as inline SVG."""
    height, left, bottom, top = 240, 56, 34, 28
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = max([max(s.values, default=0) for s in series] + [1])
    step = _nice_step(peak)
    y_max = step * -(-peak // step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(gettext_lazy("Biểu đồ tiến độ theo ngày"))}">'
    ]
    for i in range(0, 5):
        value = y_max * i // 4
        y = top + plot_h - plot_h * value / y_max
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 12}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{value:,}</text>'.replace(",", ".")
        )
    if not days:
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
            'font-size="13" fill="#777">Chưa có số liệu theo ngày.</text>'
        )
    group_w = plot_w / max(len(days), 1)
    bar_w = min(18.0, group_w * 0.8 / len(series))
    label_every = max(1, len(days) // 10)
    for d_i, day in enumerate(days):
        x0 = left + d_i * group_w + (group_w - bar_w * len(series)) / 2
        for s_i, s in enumerate(series):
            value = s.values[d_i]
            h = plot_h * value / y_max
            x = x0 + s_i * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(s.label)} '
                f"{day:%d/%m}: {value}</title></rect>"
            )
        if d_i % label_every == 0:
            parts.append(
                f'<text x="{left + d_i * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="11" fill="#555">{day:%d/%m}</text>'
            )
    x = left
    for s in series:
        parts.append(
            f'<rect x="{x}" y="8" width="11" height="11" fill="{s.colour}"/>'
            f'<text x="{x + 15}" y="17" font-size="12" fill="#333">{escape(s.label)}</text>'
        )
        x += 24 + 7 * len(s.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped labels only


# -- stacked shares ----------------------------------------------------------------------------
# The stages nest (synced ⊂ signed ⊂ approved ⊂ all), so each profile is in exactly one segment.
STAGES: tuple[tuple[str, Any, str], ...] = (
    ("synced", gettext_lazy("Đã đồng bộ"), "#2e7d32"),
    ("signed", gettext_lazy("Đã ký số, chưa đồng bộ"), "#417690"),
    ("approved", gettext_lazy("Đã phê duyệt, chưa ký số"), "#9fc5e8"),
    ("rest", gettext_lazy("Chưa phê duyệt"), "#e0e0e0"),
)


def stage_counts(total: int, approved: int, signed: int, synced: int) -> dict[str, int]:
    """How many profiles are at each stage and no further."""
    return {
        "synced": synced,
        "signed": max(signed - synced, 0),
        "approved": max(approved - signed, 0),
        "rest": max(total - approved, 0),
    }


def _legend(x: float, y: int) -> list[str]:
    parts = []
    for _, label, colour in STAGES:
        text = escape(str(label))
        parts.append(
            f'<rect x="{x:.0f}" y="{y}" width="11" height="11" fill="{colour}" stroke="#bbb"/>'
            f'<text x="{x + 15:.0f}" y="{y + 9}" font-size="12" fill="#333">{text}</text>'
        )
        x += 30 + 6.5 * len(str(label))
    return parts


def _segments(x: float, y: float, length: float, thick: float, counts: dict[str, int],
              total: int, what: str, vertical: bool = False) -> list[str]:  # fmt: skip
    parts = []
    pos = 0.0
    for name, label, colour in STAGES:
        n = counts[name]
        if not n or not total:
            continue
        size = length * n / total
        share = 100 * n / total
        tip = escape(f"{what} – {label}: {n} ({share:.1f}%)")
        if vertical:  # grows upwards from the bottom y
            rect = (x, y - pos - size, thick, size)
        else:
            rect = (x + pos, y, size, thick)
        parts.append(
            f'<rect class="stage-{name}" data-count="{n}" x="{rect[0]:.1f}" y="{rect[1]:.1f}" '
            f'width="{rect[2]:.1f}" height="{rect[3]:.1f}" fill="{colour}"><title>{tip}</title>'
            "</rect>"
        )
        pos += size
    return parts


def shares_by_unit_svg(rows: Sequence[ProgressRow], width: int = 760) -> SafeString:
    """One bar per unit, 100% wide, split into the stages: small units and large ones side by
    side, and the signed and synced parts visible however large the total."""
    shown = [r for r in rows if r.profiles_total][:60]
    label_w, bar_x, right = 230, 238, 52
    bar_w = width - bar_x - right
    row_h, top = 22, 30
    height = top + row_h * max(len(shown), 1) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="share-chart" id="shares-by-unit" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(gettext_lazy("Tỷ lệ hồ sơ theo bước, từng đơn vị"))}">',
        *_legend(8, 8),
    ]
    if not shown:
        parts.append(
            f'<text x="{bar_x}" y="{top + 14}" font-size="13" fill="#777">'
            f"{escape(gettext_lazy('Chưa có hồ sơ.'))}</text>"
        )
    for i, row in enumerate(shown):
        y = top + i * row_h
        name = row.name if len(row.name) <= 34 else row.name[:33] + "…"
        parts.append(
            f'<g class="unit-bar" data-unit="{escape(row.code)}">'
            f'<text x="{label_w}" y="{y + 14}" text-anchor="end" font-size="12" fill="#333">'
            f"<title>{escape(row.name)}</title>{escape(name)}</text>"
        )
        counts = stage_counts(
            row.profiles_total, row.profiles_approved, row.profiles_signed, row.profiles_synced
        )
        parts += _segments(bar_x, y + 3, bar_w, row_h - 6, counts, row.profiles_total, row.name)
        parts.append(
            f'<text x="{width - right + 6}" y="{y + 14}" font-size="11" fill="#2e7d32">'
            f"{row.synced_percent}%</text></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped texts only


def shares_over_time_svg(
    days: Sequence[date], series: Sequence[Series], width: int = 760
) -> SafeString:
    """A 100% column per day (from the daily snapshots), split into the stages."""
    height, left, bottom, top = 230, 44, 30, 30
    plot_w, plot_h = width - left - 12, height - top - bottom
    values = {s.name: s.values for s in series}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="share-chart" id="shares-over-time" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(gettext_lazy("Tỷ lệ hồ sơ theo bước, theo ngày"))}">',
        *_legend(left, 8),
    ]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h - plot_h * pct / 100
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 12}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{pct}%</text>'
        )
    if not days:
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
            f'font-size="13" fill="#777">{escape(gettext_lazy("Chưa có số liệu theo ngày."))}'
            "</text>"
        )
    slot = plot_w / max(len(days), 1)
    bar_w = min(28.0, slot * 0.75)
    label_every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        total = values["profiles_total"][i]
        counts = stage_counts(
            total,
            values["profiles_approved"][i],
            values["profiles_signed"][i],
            values["profiles_synced"][i],
        )
        x = left + i * slot + (slot - bar_w) / 2
        parts.append(f'<g class="day-bar" data-day="{day:%Y-%m-%d}">')
        parts += _segments(x, top + plot_h, plot_h, bar_w, counts, total, f"{day:%d/%m/%Y}", True)
        parts.append("</g>")
        if i % label_every == 0:
            parts.append(
                f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="11" fill="#555">{day:%d/%m}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped texts only


def _nice_step(peak: int) -> int:
    raw = max(peak / 4, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)
