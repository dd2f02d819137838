"""Small trend charts drawn as inline SVG on the server: no script, nothing to load,
they print, and they read the same in a phone's narrow card as on a desktop.

    {% load charts %}
    {% bar_chart panel.context.trend label=_("Sales by month") %}

`points` is a list of `ChartPoint`s (or mappings with `label`, `value` and optionally
`title` and `current`): one bar each, left to right, the `current` one (this month)
in the accent colour. A bar's tooltip (`<title>`) is its `title`, else its label and
value with thousands separators. Negative values draw as zero-height bars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

BAR_WIDTH = 24
GAP = 8
PLOT_HEIGHT = 80
LABEL_HEIGHT = 16


@dataclass(frozen=True)
class ChartPoint:
    label: str
    value: Decimal
    title: str = ""
    current: bool = False


def _point(item: ChartPoint | Mapping[str, Any]) -> ChartPoint:
    if isinstance(item, ChartPoint):
        return item
    return ChartPoint(
        label=str(item.get("label", "")),
        value=Decimal(item.get("value") or 0),
        title=str(item.get("title", "")),
        current=bool(item.get("current", False)),
    )


def amount(value: Decimal, places: int = 2) -> str:
    """`value` with thousands separators in the active language."""
    return str(number_format(value, places, use_l10n=True, force_grouping=True))


@register.simple_tag
def bar_chart(points: Iterable[Any], label: str = "", places: int = 2) -> SafeString:
    """An SVG bar chart of `points` (see the module docstring); `label` names it for
    screen readers; `places`: decimals in the tooltips (0 for counts)."""
    bars = [_point(item) for item in points]
    if not bars:
        return SafeString("")
    top = max((bar.value for bar in bars), default=Decimal(0))
    width = len(bars) * (BAR_WIDTH + GAP) - GAP
    height = PLOT_HEIGHT + LABEL_HEIGHT
    rows = []
    for index, bar in enumerate(bars):
        share = bar.value / top if top > 0 and bar.value > 0 else Decimal(0)
        bar_height = max(int(share * PLOT_HEIGHT), 1 if bar.value > 0 else 0)
        x = index * (BAR_WIDTH + GAP)
        tip = bar.title or f"{bar.label}: {amount(bar.value, places)}"
        rows.append(
            (
                "chart-bar current" if bar.current else "chart-bar",
                x,
                PLOT_HEIGHT - bar_height,
                BAR_WIDTH,
                bar_height,
                tip,
                x + BAR_WIDTH / 2,
                height - 3,
                bar.label,
            )
        )
    body = format_html_join(
        "",
        '<g><rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2"><title>{}</title></rect>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
        rows,
    )
    return format_html(
        '<svg class="bar-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMax meet">'
        '<line class="chart-axis" x1="0" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        width,
        height,
        label,
        PLOT_HEIGHT + 0.5,
        width,
        PLOT_HEIGHT + 0.5,
        body,
    )


@register.simple_tag
def progress_bar(percent: Any, forecast: Any = None, label: str = "") -> SafeString:
    """A completion bar (0–100 % filled) coloured by where the run rate leads: on track
    (forecast ≥ 100 %), close (≥ 80 %), or behind; grey without a forecast."""
    done = min(max(Decimal(percent or 0), Decimal(0)), Decimal(100))
    if forecast is None:
        state = "unknown"
    elif Decimal(forecast) >= 100:
        state = "on-track"
    elif Decimal(forecast) >= 80:
        state = "close"
    else:
        state = "behind"
    return format_html(
        '<svg class="progress-bar {}" viewBox="0 0 100 8" preserveAspectRatio="none" '
        'role="img" aria-label="{} {} %"><rect class="progress-track" width="100" height="8" '
        'rx="2"></rect><rect class="progress-done" width="{}" height="8" rx="2"></rect></svg>',
        state,
        label,
        amount(done, 1),
        f"{done:.1f}",
    )
