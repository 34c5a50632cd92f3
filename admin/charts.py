"""Charts drawn on the server as SVG: columns (a series over weeks) and bars (a value per label).

Why by hand: the State's chart component (``@gouvfr/dsfr-chart``) is a Vue
web component that draws with JavaScript, and the admin must work without
JavaScript under a CSP that forbids inline scripts; a plotting library
(matplotlib, pygal) would be a large dependency for two kinds of chart. An
SVG of rectangles and text is a few dozen lines, needs no script, and prints.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``;
the page puts the same numbers in a table beside it for screen readers (the
SVG alone is not a table). Colours are the DSFR's illustrative palette, with
text in the DSFR's grey on white (contrast above 4.5:1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

#: DSFR colours: blue France, then the "illustrative" hues with enough contrast on white.
PALETTE = ("#000091", "#c9191e", "#18753c", "#b34000", "#6e445a", "#3a3a3a")
TEXT = "#3a3a3a"
GRID = "#dddddd"
WIDTH = 720
HEIGHT = 300
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 16, 56


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def number(value: float) -> str:
    """French number formatting: narrow no-break space between thousands, comma for decimals."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    return text.replace(",", "\u202f").replace(".", ",")


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round axis steps (1, 2, 5 x 10^n) from 0 to at least ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    if step < 1 and maximum >= 1:
        step = 1
    top = math.ceil(maximum / step) * step
    return [round(i * step, 10) for i in range(int(round(top / step)) + 1)]


def column_chart(ident: str, title: str, description: str, categories: Sequence[str],
                 series: Sequence[Series], *, max_labels: int = 13) -> Markup:
    """Grouped vertical columns, one group per category (e.g. one per week), one colour per series."""
    top = max((v for s in series for v in s.values), default=0)
    ticks = nice_ticks(top)
    scale_top = ticks[-1] or 1
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / max(len(categories), 1)
    bar = max(slot * 0.8 / max(len(series), 1), 0.5)
    parts = [_open(ident, title, description, HEIGHT)]
    parts += _y_axis(ticks, scale_top, plot_width, plot_height)
    every = max(1, math.ceil(len(categories) / max_labels))
    for index, category in enumerate(categories):
        x0 = MARGIN_LEFT + index * slot + slot * 0.1
        for number_in_group, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0
            height = plot_height * value / scale_top
            x = x0 + number_in_group * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{MARGIN_TOP + plot_height - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{PALETTE[number_in_group % len(PALETTE)]}">'
                f"<title>{escape(category)} — {escape(one.name)} : {number(value)}</title></rect>"
            )
        if index % every == 0:
            x = MARGIN_LEFT + index * slot + slot / 2
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" font-size="11" fill="{TEXT}" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    parts += _legend(series, HEIGHT - 14)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(ident: str, title: str, description: str, labels: Sequence[str], values: Sequence[float],
              *, unit: str = "") -> Markup:
    """Horizontal bars, one per label, the value written at the end of each bar."""
    row = 24
    label_width = 180
    height = MARGIN_TOP + row * max(len(labels), 1) + 8
    top = max(values, default=0) or 1
    plot_width = WIDTH - label_width - 80
    parts = [_open(ident, title, description, height)]
    for index, (label, value) in enumerate(zip(labels, values)):
        y = MARGIN_TOP + index * row
        width = plot_width * value / top
        shown = f"{number(value)}{(' ' + unit) if unit else ''}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" font-size="12" fill="{TEXT}" text-anchor="end">'
            f"{escape(_shorten(label, 28))}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)} : {escape(shown)}</title></rect>"
            f'<text x="{label_width + width + 6:.1f}" y="{y + 15}" font-size="12" fill="{TEXT}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(ident: str, title: str, description: str, height: int) -> str:
    ident = escape(ident)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{ident}-titre {ident}-desc" class="aplus-chart" font-family="Marianne, arial, sans-serif">'
        f'<title id="{ident}-titre">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _y_axis(ticks: list[float], scale_top: float, plot_width: float, plot_height: float) -> list[str]:
    parts = []
    for tick in ticks:
        y = MARGIN_TOP + plot_height - plot_height * tick / scale_top
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" font-size="11" fill="{TEXT}" text-anchor="end">'
            f"{number(tick)}</text>"
        )
    return parts


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts = []
    x = MARGIN_LEFT
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 18}" y="{y}" font-size="12" fill="{TEXT}">{escape(one.name)}</text>'
        )
        x += 30 + 8 * len(one.name)
    return parts


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
