"""Charts drawn by the server as inline SVG: no JavaScript, no library, no CDN.

Why server-side: the planners' charts are small (tens of bars), so SVG text costs a few
kilobytes, renders before any script runs, prints well and is readable by screen readers
through its ``<title>``/``<desc>``; pages pair each chart with a data table too.
Sizes are in viewBox units; CSS scales the SVG to the column width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

INK = "#1b1b1b"
GRID = "#c9c9c9"
FONT = 'font-family="system-ui, sans-serif"'


def fr_number(value: float, digits: int = 0) -> str:
    """French formatting: thin non-breaking space for thousands, comma for decimals."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _svg(width: int, height: int, chart_id: str, title: str, desc: str, body: list[str]
         ) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>")


def histogram(edges: Sequence[float], heights: Sequence[float], colors: Sequence[str], *,
              chart_id: str, title: str, desc: str, x_label: str, y_label: str,
              y_format: Callable[[float], str] = fr_number, width: int = 640,
              height: int = 300) -> Markup:
    """Vertical bars between consecutive ``edges``; ``heights[i]`` is bin i's total."""
    if len(edges) != len(heights) + 1 or len(colors) != len(heights):
        raise ValueError("histogram: edges must be one longer than heights and colors")
    left, right, top, bottom = 70, 10, 12, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(heights, default=0))
    y_max = ticks[-1]
    x0, x1 = edges[0], edges[-1]

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - y / y_max * plot_h

    body = []
    for t in ticks:
        y = sy(t)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                    f'fill="{INK}">{escape(y_format(t))}</text>')
    for i, h in enumerate(heights):
        xa, xb = sx(edges[i]), sx(edges[i + 1])
        label = (f"{fr_number(edges[i], 1)} à {fr_number(edges[i + 1], 1)} : "
                 f"{y_format(h)}")
        body.append(f'<rect class="bar" x="{xa + 0.5:.1f}" y="{sy(h):.1f}" '
                    f'width="{max(xb - xa - 1, 0.5):.1f}" height="{plot_h + top - sy(h):.1f}" '
                    f'fill="{escape(colors[i])}"><title>{escape(label)}</title></rect>')
    step = max(1, len(heights) // 10)
    for i in range(0, len(edges), step):
        x = sx(edges[i])
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                    f'font-size="12" fill="{INK}">{escape(fr_number(edges[i], 1))}</text>')
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                f'y2="{top + plot_h}" stroke="{INK}"/>')
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="13" fill="{INK}">{escape(x_label)}</text>')
    body.append(f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" font-size="13" '
                f'fill="{INK}" transform="rotate(-90 14 {top + plot_h / 2:.1f})">'
                f'{escape(y_label)}</text>')
    return _svg(width, height, chart_id, title, desc, body)


def stacked_bars(rows: Sequence[tuple[str, Sequence[float]]], colors: Sequence[str],
                 names: Sequence[str], *, chart_id: str, title: str, desc: str,
                 width: int = 640, bar: int = 18, label_width: int = 210) -> Markup:
    """One horizontal 100 % bar per row, split by category (shares of each row's total),
    with a legend above; the first category's share is written after each bar."""
    gap, legend_h, right = 6, 28, 52
    height = legend_h + len(rows) * (bar + gap) + 4
    plot_w = width - label_width - right
    body = []
    x = label_width
    for color, name in zip(colors, names, strict=True):
        body.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{escape(color)}" '
                    f'stroke="#888"/>')
        body.append(f'<text x="{x + 19}" y="18" font-size="13" fill="{INK}">'
                    f'{escape(name)}</text>')
        x += 30 + 8 * len(name)
    for r, (label, values) in enumerate(rows):
        y = legend_h + r * (bar + gap)
        total = float(sum(values))
        body.append(f'<text x="{label_width - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" '
                    f'font-size="12" fill="{INK}">{escape(label)}</text>')
        x = float(label_width)
        for value, color, name in zip(values, colors, names, strict=True):
            share = value / total if total > 0 else 0.0
            w = share * plot_w
            tip = f"{label} — {name} : {fr_number(100 * share, 1)} % ({fr_number(value)})"
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                        f'height="{bar}" fill="{escape(color)}"><title>{escape(tip)}</title>'
                        f'</rect>')
            x += w
        first = values[0] / total if total > 0 else 0.0
        body.append(f'<text x="{label_width + plot_w + 4}" y="{y + bar * 0.72:.1f}" '
                    f'font-size="12" fill="{INK}">{escape(fr_number(100 * first, 1))} %</text>')
    return _svg(width, height, chart_id, title, desc, body)
