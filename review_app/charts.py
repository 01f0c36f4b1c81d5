"""Charts as inline SVG, rendered on the server.

The CSP allows no inline script and no inline style, so a chart is plain SVG
with presentation attributes (`fill`, `x`, `width` ...) and `<title>` tooltips.
Every label is escaped: site names, usernames and contacts come from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FONT = 'font-family="sans-serif" font-size="12"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str = ""  # shown after the bar; the value when empty
    href: str = ""  # the label links here when set


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    max_value: float | None = None,
    color: str = PALETTE[0],
    width: int = 560,
    label_width: int = 150,
    row: int = 22,
) -> Markup:
    """Horizontal bars, one row each, scaled to `max_value` (default: the largest)."""
    if not bars:
        return _svg(width, row, title, ['<text x="0" y="15" fill="#888">暂无数据</text>'])
    top = max_value or max(b.value for b in bars) or 1.0
    span = width - label_width - 110
    body = []
    for i, bar in enumerate(bars):
        y = i * row
        length = max(0.0, bar.value / top * span)
        label = escape(bar.label if len(bar.label) <= 18 else bar.label[:17] + "…")
        text = f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{label}</text>'
        if bar.href:
            text = f'<a href="{escape(bar.href)}">{text}</a>'
        shown = escape(bar.text or f"{bar.value:g}")
        body.append(
            f"{text}"
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{color}"><title>{escape(bar.label)}: {shown}</title></rect>'
            f'<text x="{label_width + length + 5:.1f}" y="{y + 15}" fill="#333">{shown}</text>'
        )
    return _svg(width, row * len(bars), title, body)


def stacked_columns(
    days: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    width: int = 560,
    height: int = 200,
) -> Markup:
    """One column per day, stacked by series (label, a count per day), with a legend."""
    legend_rows = (len(series) + 2) // 3
    plot_top, plot_left, plot_bottom = 10, 36, height - 20
    total_height = height + legend_rows * 18 + 6
    totals = [sum(values[i] for _, values in series) for i in range(len(days))]
    top = max(totals, default=0) or 1
    step = (width - plot_left) / max(len(days), 1)
    scale = (plot_bottom - plot_top) / top
    body = [
        f'<line x1="{plot_left}" y1="{plot_bottom}" x2="{width}" y2="{plot_bottom}" stroke="#999"/>',
        f'<text x="{plot_left - 4}" y="{plot_top + 10}" text-anchor="end" fill="#666">{top}</text>',
        f'<text x="{plot_left - 4}" y="{plot_bottom}" text-anchor="end" fill="#666">0</text>',
    ]
    for i, day in enumerate(days):
        x = plot_left + i * step
        y = float(plot_bottom)
        for n, (label, values) in enumerate(series):
            if not values[i]:
                continue
            h = values[i] * scale
            y -= h
            body.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}">'
                f"<title>{escape(day)} {escape(label)}: {values[i]}</title></rect>"
            )
    every = max(1, len(days) // 8)
    for i in range(0, len(days), every):
        x = plot_left + i * step + step / 2
        body.append(
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#666">'
            f"{escape(days[i][5:])}</text>"
        )
    column = (width - plot_left) / 3
    for n, (label, values) in enumerate(series):
        x = plot_left + (n % 3) * column
        y = height + 6 + (n // 3) * 18
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="10" height="10" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{x + 14:.1f}" y="{y + 10}">{escape(label)} {sum(values)}</text>'
        )
    if not series:
        body.append(f'<text x="{plot_left + 8}" y="{plot_top + 20}" fill="#888">暂无数据</text>')
    return _svg(width, total_height, title, body)
