"""Charts as SVG drawn on the server, for the PDF exports (WeasyPrint runs no
JavaScript; on screen the same ``Chart`` is drawn by ECharts). Bars, horizontal
bars and lines, with the category labels and the values written on the chart:
a printed report is read, not hovered."""

from __future__ import annotations

from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 46
HBAR_LEFT = 150
COLOURS = ("#1f5fa8", "#e07b39", "#3a9d5d", "#b5443b", "#7a5fb0", "#8c8c8c")


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, dict):  # a rate as JSON
        value = value.get("rate")
        if value is None:
            return None
    return float(Decimal(str(value)))


def _label(value: float, unit: str) -> str:
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text}{unit}"


def render(chart: dict) -> str:
    """One chart (``Chart.as_json()``) as an SVG element."""
    categories = chart["categories"]
    series = chart["series"]
    kind = chart["kind"]
    unit = "%" if chart.get("unit") == "%" else ""
    values = [_number(v) for s in series for v in s["data"]]
    top = max([v for v in values if v is not None] + [0.0]) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Noto Sans CJK SC, sans-serif" font-size="10">',
             f'<text x="{LEFT}" y="16" font-size="12" font-weight="bold">{escape(chart["title"])}</text>']
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if kind not in ("pie", "funnel"):
        parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
                     f'stroke="#999"/>')
    count = max(len(categories), 1)
    if kind in ("pie", "funnel"):
        parts.extend(_pie(categories, series[0]["data"] if series else [], unit))
    elif kind == "hbar":
        row_h = plot_h / count
        for index, category in enumerate(categories):
            y = TOP + index * row_h
            value = _number(series[0]["data"][index]) if series else None
            parts.append(f'<text x="{LEFT - 4}" y="{y + row_h * 0.65:.1f}" text-anchor="end">'
                         f'{escape(str(category))[:10]}</text>')
            if value is not None:
                width = plot_w * value / top
                parts.append(f'<rect x="{LEFT}" y="{y + row_h * 0.15:.1f}" width="{width:.1f}" '
                             f'height="{row_h * 0.7:.1f}" fill="{COLOURS[0]}"/>')
                parts.append(f'<text x="{LEFT + width + 3:.1f}" y="{y + row_h * 0.65:.1f}">'
                             f'{_label(value, unit)}</text>')
    else:
        slot = plot_w / count
        for index, category in enumerate(categories):
            x = LEFT + index * slot + slot / 2
            parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                         f'{escape(str(category))[:12]}</text>')
        for number, serie in enumerate(series):
            colour = COLOURS[number % len(COLOURS)]
            points = []
            for index, raw in enumerate(serie["data"]):
                value = _number(raw)
                if value is None:
                    continue
                x = LEFT + index * slot + slot / 2
                y = TOP + plot_h - plot_h * value / top
                if kind == "line":
                    points.append(f"{x:.1f},{y:.1f}")
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
                else:
                    bar_w = slot * 0.7 / max(len(series), 1)
                    bx = LEFT + index * slot + slot * 0.15 + number * bar_w
                    parts.append(f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                                 f'height="{TOP + plot_h - y:.1f}" fill="{colour}"/>')
                parts.append(f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="9">'
                             f'{_label(value, unit)}</text>')
            if points:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                             f'stroke-width="1.5"/>')
        for number, serie in enumerate(series):
            x = LEFT + number * 120
            parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="8" height="8" fill="{COLOURS[number % 6]}"/>'
                         f'<text x="{x + 12}" y="{HEIGHT - 6}">{escape(str(serie["name"]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pie(categories, data, unit: str) -> list[str]:
    """Slices from twelve o'clock, clockwise, with a legend of label, value and share."""
    import math

    values = [max(_number(v) or 0.0, 0.0) for v in data]
    total = sum(values) or 1.0
    cx, cy, r = 120, TOP + (HEIGHT - TOP - 10) / 2, min(90, (HEIGHT - TOP - 20) / 2)
    parts, angle = [], -math.pi / 2
    for index, (category, value) in enumerate(zip(categories, values, strict=False)):
        colour = COLOURS[index % len(COLOURS)]
        sweep = 2 * math.pi * value / total
        if value and sweep >= 2 * math.pi - 1e-9:
            parts.append(f'<circle cx="{cx}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}"/>')
        elif value:
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
            large = 1 if sweep > math.pi else 0
            arc = f"A{r:.1f},{r:.1f} 0 {large} 1 {x2:.1f},{y2:.1f}"
            parts.append(f'<path d="M{cx},{cy:.1f} L{x1:.1f},{y1:.1f} {arc} Z" fill="{colour}"/>')
        angle += sweep
        y = TOP + 10 + index * 16
        parts.append(f'<rect x="250" y="{y - 8}" width="9" height="9" fill="{colour}"/>'
                     f'<text x="264" y="{y}">{escape(str(category))[:24]}: {_label(value, unit)} '
                     f'({value * 100 / total:.1f}%)</text>')
    return parts
