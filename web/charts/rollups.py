"""The roll-ups page's (汇总) bars: execution by functional class against its plan, and
stacked bars of disbursed and not yet disbursed by funding source and by type.

``Queries.rollup`` results in, figures out. ``link(key)`` gives the projects list a
click opens: the key is the group's code (a functional class, a source, a type). The
units x months heat map of the same page is in ``web.charts.heatmap``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.lag import STATUS_LABELS
from web.charts.common import (
    BLUE,
    CENT,
    GRID,
    STATUS_COLORS,
    Figure,
    base_layout,
    category_axis,
    in_unit,
    number,
    planned_ticks,
    rate_number,
)
from web.formatting import UNITS, money, percent

UNPAID = "#c9d3dc"
TOP_LEGEND = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}


@dataclass(frozen=True)
class RollupBar:
    """One group of a roll-up: its figures and its status (unrounded rates)."""

    key: str
    label: str
    projects: int
    budget: Decimal
    disbursed: Decimal
    execution: Decimal
    planned: Decimal
    status: str

    @property
    def available(self) -> Decimal:
        return self.budget - self.disbursed


def rollup_bar_data(rollup: dict[str, Any], rule: lag.StatusRule = lag.DEFAULT_RULE) -> list[RollupBar]:
    """The groups of a one-dimension ``Queries.rollup``, in its order (by key).

    A group's rates come from its summed amounts (budget-weighted), so its status is
    judged like a total row's, by the rule of the unit the roll-up is for."""
    out = []
    for row in rollup["rows"]:
        key, name = row["key"][0], row["name"][0]
        f = row["figures"]
        out.append(
            RollupBar(
                key=key,
                label=f"{key} {name}" if name and name != key else key,
                projects=row["projects"],
                budget=f.budget,
                disbursed=f.disbursed,
                execution=f.execution_rate,
                planned=f.planned_rate,
                status=lag.status(f.execution_rate, f.planned_rate, rule),
            )
        )
    return out


def rollup_class_bars(
    rollup: dict[str, Any],
    link: Callable[[str], str] | None = None,
    unit: str = "yuan",
    rule: lag.StatusRule = lag.DEFAULT_RULE,
) -> Figure:
    """Horizontal bars by functional class (long Chinese labels read across): execution
    rate coloured by status, a tick at the planned rate; a click opens the class's projects."""
    return rollup_class_figure(rollup_bar_data(rollup, rule), link, unit)


def rollup_class_figure(
    rows: Sequence[RollupBar], link: Callable[[str], str] | None = None, unit: str = "yuan"
) -> Figure:
    labels = [b.label for b in rows]
    top = max([Decimal(100), *(b.execution for b in rows), *(b.planned for b in rows)])
    traces: list[dict[str, Any]] = []
    for status, color in STATUS_COLORS.items():
        chosen = [b for b in rows if b.status == status]
        if not chosen:
            continue
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": f"执行率（{STATUS_LABELS[status]}）",
                "x": [rate_number(b.execution) for b in chosen],
                "y": [b.label for b in chosen],
                "customdata": [b.key for b in chosen],
                "marker": {"color": color},
                "width": 0.55,
                "text": [f"{percent(b.execution)} {STATUS_LABELS[status]}" for b in chosen],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [_rollup_hover(b, unit) for b in chosen],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    traces.append(
        planned_ticks(
            [b.planned for b in rows],
            labels,
            [b.key for b in rows],
            [_rollup_hover(b, unit) for b in rows],
            24,
        )
    )
    layout = base_layout(
        height=max(180, 90 + 36 * len(rows)),
        barmode="overlay",
        hovermode="closest",
        xaxis={
            "range": [0, number(top.quantize(CENT)) + 12],
            "ticksuffix": "%",
            "gridcolor": GRID,
            "zeroline": False,
        },
        yaxis=category_axis(labels),
    )
    layout["margin"] = {"l": 10, "r": 24, "t": 36, "b": 30}
    layout["legend"] = TOP_LEGEND
    return _with_links({"data": traces, "layout": layout, "title": "按功能分类的执行率"}, rows, link)


def rollup_split_bars(
    rollup: dict[str, Any],
    link: Callable[[str], str] | None = None,
    unit: str = "yuan",
    title: str = "按资金来源",
) -> Figure:
    """Stacked horizontal bars, one per group (funding source, or expenditure type):
    disbursed and not yet disbursed, together the whole-year budget; in 元 or 万元."""
    return rollup_split_figure(rollup_bar_data(rollup), link, unit, title)


def rollup_split_figure(
    rows: Sequence[RollupBar], link: Callable[[str], str] | None = None, unit: str = "yuan", title: str = ""
) -> Figure:
    label = UNITS.get(unit, "元")
    labels = [b.label for b in rows]
    parts = (
        ("已支付", BLUE, [b.disbursed for b in rows]),
        ("未支付", UNPAID, [max(b.available, Decimal(0)) for b in rows]),
    )
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "x": [number(in_unit(v, unit)) for v in values],
            "y": labels,
            "customdata": [b.key for b in rows],
            "marker": {"color": color},
            "hovertext": [
                f"{_rollup_hover(b, unit)}<br>{name} {money(v, unit)} {label}"
                for b, v in zip(rows, values, strict=True)
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
        for name, color, values in parts
    ]
    layout = base_layout(
        height=max(160, 90 + 36 * len(rows)),
        barmode="stack",
        hovermode="closest",
        xaxis={
            "title": {"text": f"金额（{label}）"},
            "gridcolor": GRID,
            "tickformat": ",.2~f",
            "rangemode": "tozero",
        },
        yaxis=category_axis(labels),
    )
    layout["margin"] = {"l": 10, "r": 24, "t": 36, "b": 40}
    layout["legend"] = TOP_LEGEND
    return _with_links({"data": traces, "layout": layout, "title": f"{title}：已支付与未支付"}, rows, link)


def _with_links(figure: Figure, rows: Sequence[RollupBar], link: Callable[[str], str] | None) -> Figure:
    if link is not None:
        figure["links"] = {b.key: link(b.key) for b in rows}
    return figure


def _rollup_hover(b: RollupBar, unit: str) -> str:
    label = UNITS.get(unit, "元")
    return (
        f"{b.label}（{b.projects} 个项目）<br>全年预算 {money(b.budget, unit)} {label}"
        f"<br>已支付 {money(b.disbursed, unit)} {label}<br>执行率 {percent(b.execution)}"
        f" · 序时进度 {percent(b.planned)} · {STATUS_LABELS[b.status]}"
    )
