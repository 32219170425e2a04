"""The roll-ups page's heat map: units (down, as a tree) by months (across) of execution
against plan, on one diverging scale centred at 100%.

``tracker.queries.heatmap.unit_months`` results in, a figure out; ``link(key)`` gives
the projects list a click on a cell opens, its key ``unit|YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tracker.domain.lag import STATUS_LABELS
from web.charts.common import AMBER, GREEN, RED, Figure, base_layout, category_axis, rate_number
from web.formatting import UNITS, money, percent

NEUTRAL = "#f4f4f2"
# One diverging scale centred at 100% of plan (zmin 0, zmid 100, zmax 200): red at 0,
# amber at 60% (the default rule's red line), neutral on plan, green at twice the plan.
HEAT_SCALE = [[0.0, RED], [0.3, AMBER], [0.5, NEUTRAL], [1.0, GREEN]]
HEAT_MAX = 200


def rollup_heatmap(heat: Any, link: Callable[[str], str] | None = None, unit: str = "yuan") -> Figure:
    """Units (down, as a tree) by months (across) of execution ÷ planned, on one
    diverging scale centred at 100%; each cell also says its percentage (colour is
    never alone). A month with nothing planned yet is blank, not 0%. ``heat`` is a
    ``tracker.queries.heatmap.Heatmap``; its total row comes last, when the selection
    has more than one root unit (else it would repeat the root's row)."""
    rows = [*heat.rows, heat.total] if heat_shows_total(heat) else list(heat.rows)
    labels = [("　" * r.depth + r.name) if r is not heat.total else "合计" for r in rows]
    months = [f"{int(m[5:])}月" for m in heat.months]
    z, text, hover, keys = [], [], [], []
    for r, name in zip(rows, labels, strict=True):
        z.append([None if c.ratio is None else rate_number(c.ratio) for c in r.cells])
        text.append(
            [
                "" if c.ratio is None else f"{c.ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"
                for c in r.cells
            ]
        )
        hover.append([_heat_hover(name.strip("　"), c, unit) for c in r.cells])
        keys.append([f"{r.code}|{c.month}" for c in r.cells])
    trace = {
        "type": "heatmap",
        "x": months,
        "y": labels,
        "z": z,
        "text": text,
        "texttemplate": "%{text}",
        "hovertext": hover,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "customdata": keys,
        "colorscale": HEAT_SCALE,
        "zmin": 0,
        "zmid": 100,
        "zmax": HEAT_MAX,
        "xgap": 2,
        "ygap": 2,
        "hoverongaps": False,
        "colorbar": {  # below the grid: a phone's width is for the months
            "title": {"text": "执行÷计划", "side": "top"},
            "tickvals": [0, 60, 100, 150, HEAT_MAX],
            "ticktext": ["0%", "60%", "100%", "150%", f"≥{HEAT_MAX}%"],
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yanchor": "top",
            "ypad": 8,
            "len": 0.6,
            "thickness": 10,
        },
    }
    layout = base_layout(
        height=max(220, 150 + 34 * len(rows)),
        xaxis={"side": "top", "type": "category"},
        yaxis={**category_axis(labels), "showgrid": False},
    )
    layout["margin"] = {"l": 10, "r": 16, "t": 40, "b": 80}
    figure: Figure = {"data": [trace], "layout": layout, "title": "各单位逐月执行进度（执行率 ÷ 序时进度）"}
    if link is not None:
        figure["links"] = {key: link(key) for line in keys for key in line}
    return figure


def heat_shows_total(heat: Any) -> bool:
    """A total row only when the selection has more than one root unit (else it would
    repeat the root's row); the page's table asks too, to match the chart."""
    return sum(1 for r in heat.rows if r.depth == 0) != 1


def _heat_hover(name: str, c: Any, unit: str) -> str:
    label = UNITS.get(unit, "元")
    ratio = "尚无计划进度" if c.ratio is None else f"执行÷计划 {percent(c.ratio)} · {STATUS_LABELS[c.status]}"
    return (
        f"{name} · 截至 {c.day.isoformat()}<br>{ratio}<br>执行率 {percent(c.execution_rate)}"
        f" · 序时进度 {percent(c.planned_rate)}<br>已支付 {money(c.disbursed, unit)} {label}"
        f" / 全年预算 {money(c.budget, unit)} {label}"
    )
