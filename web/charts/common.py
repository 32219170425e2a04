"""What every figure shares: the app's colours (the three status colours are the same
everywhere), the layout's fonts and margins, the category axis of horizontal bars, and
the last step of every amount and rate (rounded as the tables round it, then a JSON
number).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tracker.domain.money import to_wan

GREEN, AMBER, RED = "#2e9e53", "#e0a100", "#d93025"
STATUS_COLORS = {"green": GREEN, "yellow": AMBER, "red": RED}
INK, MUTED, GRID, BLUE = "#1b1f24", "#8a939d", "#d5dae0", "#1d4f91"
COMMITTED = "#6f5aa8"  # 已签合同未支付: not a status colour, so never read as 预警
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
CENT = Decimal("0.01")

Figure = dict[str, Any]


def in_unit(amount: Decimal, unit: str) -> Decimal:
    """An amount in 元 shown in the user's unit, rounded as the tables round it."""
    if unit == "wan":
        return to_wan(amount)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Decimal) -> float | int:
    """The JSON number of an already rounded Decimal (the last step, never earlier)."""
    return int(value) if value == value.to_integral_value() else float(value)


def rate_number(rate: Decimal) -> float | int:
    return number(rate.quantize(CENT, rounding=ROUND_HALF_UP))


def base_layout(**extra: Any) -> dict[str, Any]:
    """What every figure shares: system CJK fonts, compact margins, legend below."""
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": INK},
        "margin": {"l": 60, "r": 16, "t": 16, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": ".,",
        "legend": {"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"},
        "hoverlabel": {"font": {"family": FONT}},
    }
    layout.update(extra)
    return layout


def short_label(code: str, name: str, width: int = 12) -> str:
    """A bar's label: the code and the name cut to ``width`` characters, so long Chinese
    names leave the bars room on a phone (the hover and the table give them whole)."""
    short = name if len(name) <= width else name[: width - 1] + "…"
    return f"{code} {short}"


def category_axis(labels: Sequence[str]) -> dict[str, Any]:
    """A horizontal bar chart's y axis: the labels in the given order, top to bottom."""
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": list(labels),
        "autorange": "reversed",
        "automargin": True,
    }


def planned_ticks(
    planned: Sequence[Decimal], labels: Sequence[str], keys: Sequence[str], hover: Sequence[str], size: int
) -> dict[str, Any]:
    """The planned rate (序时进度) as a tick across each bar, shared by the dashboard's
    bullet bars and the roll-ups' bars so the two read the same."""
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "序时进度",
        "x": [rate_number(p) for p in planned],
        "y": list(labels),
        "customdata": list(keys),
        "marker": {"symbol": "line-ns-open", "size": size, "color": INK, "line": {"color": INK, "width": 3}},
        "hovertext": list(hover),
        "hovertemplate": "%{hovertext}<extra></extra>",
    }
