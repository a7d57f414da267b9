"""Charts as inline SVG, drawn in Python: the report needs no script, font or network to render."""

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

Series = tuple[str, Sequence[float | None], str]
"""(name, one value per label, colour)."""

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 90, 20, 46, 64


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above value (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _frame(title: str, top: float, unit: str, legend: Sequence[tuple[str, str]]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(6):
        value = top * i / 5
        y = TOP + plot_h - plot_h * i / 5
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    x = LEFT
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="35">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#999"/>'
    )
    return parts


def _x_labels(labels: Sequence[str], centre: list[float]) -> list[str]:
    every = max(1, math.ceil(len(labels) / 14))
    baseline = HEIGHT - BOTTOM + 14
    return [
        f'<text x="{x:.1f}" y="{baseline}" text-anchor="end" transform="rotate(-35 {x:.1f} {baseline})" '
        f'fill="#333">{escape(label)}</text>'
        for i, (label, x) in enumerate(zip(labels, centre, strict=True))
        if i % every == 0
    ]


def _empty(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 60" width="{WIDTH}" height="60" '
        f'font-family="Helvetica, Arial, sans-serif">'
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">'
        f'{escape(title)}</text><text x="{LEFT}" y="44" fill="#777">no data</text></svg>'
    )


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """One bar per label, the series stacked bottom-up."""
    totals = [sum(v or 0 for _, values, _ in series for v in [values[i]]) for i in range(len(labels))]
    if not labels or max(totals, default=0) <= 0:
        return _empty(title)
    top = nice_ceiling(max(totals))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    bar = max(2.0, slot * 0.7)
    parts = _frame(title, top, unit, [(name, colour) for name, _, colour in series])
    centres = []
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar) / 2
        centres.append(x + bar / 2)
        y = float(TOP + plot_h)
        for name, values, colour in series:
            value = values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)} {escape(name)}: {_number(value)}{escape(unit)}</title></rect>"
            )
    return "\n".join([*parts, *_x_labels(labels, centres), "</svg>"])


def grouped_bars(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "", top: float | None = None
) -> str:
    """One group per label, one bar per series side by side."""
    values = [v for _, vs, _ in series for v in vs if v is not None]
    if not labels or not values:
        return _empty(title)
    top = top or nice_ceiling(max(values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    bar = max(2.0, slot * 0.8 / max(1, len(series)))
    parts = _frame(
        title, top, unit, [(name, colour) for name, _, colour in series] if len(series) > 1 else []
    )
    centres = []
    for i, label in enumerate(labels):
        start = LEFT + slot * i + (slot - bar * len(series)) / 2
        centres.append(start + bar * len(series) / 2)
        for j, (name, vs, colour) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            parts.append(
                f'<rect x="{start + bar * j:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)} {escape(name)}: '
                f"{_number(value)}{escape(unit)}</title></rect>"
            )
    return "\n".join([*parts, *_x_labels(labels, centres), "</svg>"])


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """One line per series; gaps where a value is missing."""
    values = [v for _, vs, _ in series for v in vs if v is not None]
    if len(labels) < 2 or not values:
        return _empty(title)
    top = nice_ceiling(max(values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / (len(labels) - 1)
    centres = [LEFT + step * i for i in range(len(labels))]
    parts = _frame(title, top, unit, [(name, colour) for name, _, colour in series])
    for name, vs, colour in series:
        runs: list[list[str]] = [[]]
        for i, value in enumerate(vs):
            if value is None:
                runs.append([])
                continue
            y = TOP + plot_h - plot_h * min(value, top) / top
            runs[-1].append(f"{centres[i]:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{centres[i]:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(labels[i])} {escape(name)}: {_number(value)}{escape(unit)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
    return "\n".join([*parts, *_x_labels(labels, centres), "</svg>"])
