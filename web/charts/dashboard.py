"""The dashboard's bullet bars: each project's execution rate, coloured by its status,
against a tick at its planned rate; the projects most behind their plan first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain.lag import STATUS_LABELS
from web.charts.common import (
    CENT,
    COMMITTED,
    GRID,
    INK,
    STATUS_COLORS,
    Figure,
    base_layout,
    number,
    planned_ticks,
    rate_number,
    short_label,
)
from web.formatting import UNITS, money, percent, points


@dataclass(frozen=True)
class Bullet:
    """One project's bar: execution against planned, both in percent (unrounded)."""

    code: str
    name: str
    label: str
    execution: Decimal
    planned: Decimal
    status: str


def bullet_data(statuses: Iterable[Any], limit: int | None = None) -> list[Bullet]:
    """Projects most behind their plan first (then by code); at most ``limit`` of them."""
    rows = [
        Bullet(
            code=p.code,
            name=p.name,
            label=short_label(p.code, p.name),
            execution=p.figures.execution_rate,
            planned=p.figures.planned_rate,
            status=p.status,
        )
        for p in statuses
    ]
    rows.sort(key=lambda b: (-(b.planned - b.execution), b.code))
    return rows[:limit] if limit is not None else rows


def bullet_bars(
    statuses: Iterable[Any], link: Callable[[str], str] | None = None, limit: int | None = None
) -> Figure:
    """One bar per project (execution rate, coloured by status) with a marker at its
    planned rate; ``link(code)`` gives the project page a click opens."""
    return bullet_figure(bullet_data(statuses, limit), link)


def bullet_figure(rows: Sequence[Bullet], link: Callable[[str], str] | None = None) -> Figure:
    labels = [b.label for b in rows]
    top = max([Decimal(100), *(b.execution for b in rows), *(b.planned for b in rows)])
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "orientation": "h",
            "name": "全年 100%",
            "x": [100] * len(rows),
            "y": labels,
            "customdata": [b.code for b in rows],
            "marker": {"color": "#eef1f5"},
            "width": 0.8,
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
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
                "customdata": [b.code for b in chosen],
                "marker": {"color": color},
                "width": 0.45,
                "hovertext": [_bullet_hover(b) for b in chosen],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    traces.append(
        planned_ticks(
            [b.planned for b in rows], labels, [b.code for b in rows], [_bullet_hover(b) for b in rows], 22
        )
    )
    layout = base_layout(
        height=max(160, 70 + 30 * len(rows)),
        barmode="overlay",
        hovermode="closest",
        xaxis={
            "range": [0, number(top.quantize(CENT)) + 2],
            "ticksuffix": "%",
            "gridcolor": GRID,
            "zeroline": False,
            "side": "top",
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
        },
    )
    layout["margin"] = {"l": 10, "r": 16, "t": 30, "b": 10}
    layout["legend"] = {"orientation": "h", "x": 0, "y": 0, "yanchor": "top"}
    figure: Figure = {"data": traces, "layout": layout, "title": "各项目执行率与序时进度"}
    if link is not None:
        figure["links"] = {b.code: link(b.code) for b in rows}
    return figure


def _bullet_hover(b: Bullet) -> str:
    return (
        f"{b.code} {b.name}<br>执行率 {percent(b.execution)}<br>序时进度 {percent(b.planned)}"
        f"<br>差距 {points(b.planned - b.execution)} 个百分点 · {STATUS_LABELS[b.status]}"
    )


INK_BAR, FREE_BAR = INK, "#dfe4ea"  # paid dark, free pale: the committed part stands out


@dataclass(frozen=True)
class Stack:
    """One project's budget split three ways, in 元: paid, committed, neither."""

    code: str
    name: str
    label: str
    budget: Decimal
    paid: Decimal
    committed: Decimal
    free: Decimal


def stack_data(statuses: Iterable[Any], limit: int | None = None) -> list[Stack]:
    """The same projects, in the same order, as the bullet bars above them."""
    order = [b.code for b in bullet_data(statuses, limit)]
    by_code = {p.code: p for p in statuses}
    rows = []
    for code in order:
        f = by_code[code].figures
        rows.append(
            Stack(
                code=code,
                name=by_code[code].name,
                label=short_label(code, by_code[code].name),
                budget=f.budget,
                paid=f.disbursed,
                committed=f.committed,
                free=max(f.uncommitted, Decimal(0)),
            )
        )
    return rows


STACK_PARTS = (
    ("paid", "已支付", INK_BAR),
    ("committed", "已签合同未支付", COMMITTED),
    ("free", "未占用余额", FREE_BAR),
)


def commitment_bars(
    statuses: Sequence[Any],
    link: Callable[[str], str] | None = None,
    limit: int | None = None,
    unit: str = "yuan",
) -> Figure:
    """Paid, committed and free as one stacked bar a project, each as a share of its
    budget (projects of every size read alike); the hover gives the amounts."""
    rows = stack_data(statuses, limit)
    labels = [r.label for r in rows]
    traces = []
    for part, name, color in STACK_PARTS:
        values = [getattr(r, part) for r in rows]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": [rate_number(_share(v, r.budget)) for v, r in zip(values, rows, strict=True)],
                "y": labels,
                "customdata": [r.code for r in rows],
                "marker": {"color": color},
                "hovertext": [_stack_hover(r, name, v, unit) for v, r in zip(values, rows, strict=True)],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    layout = base_layout(
        height=max(160, 70 + 30 * len(rows)),
        barmode="stack",
        hovermode="closest",
        xaxis={"range": [0, 100], "ticksuffix": "%", "gridcolor": GRID, "zeroline": False, "side": "top"},
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
        },
    )
    layout["margin"] = {"l": 10, "r": 16, "t": 30, "b": 10}
    layout["legend"] = {"orientation": "h", "x": 0, "y": 0, "yanchor": "top", "traceorder": "normal"}
    figure: Figure = {"data": traces, "layout": layout, "title": "各项目支付、合同占用与未占用余额"}
    if link is not None:
        figure["links"] = {r.code: link(r.code) for r in rows}
    return figure


def _share(value: Decimal, budget: Decimal) -> Decimal:
    return value / budget * 100 if budget > 0 else Decimal(0)


def _stack_hover(r: Stack, name: str, value: Decimal, unit: str) -> str:
    label = UNITS.get(unit, "元")
    return (
        f"{r.code} {r.name}<br>{name} {money(value, unit)} {label}（{percent(_share(value, r.budget))}）"
        f"<br>全年预算 {money(r.budget, unit)} {label}"
    )
