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
    GRID,
    STATUS_COLORS,
    Figure,
    base_layout,
    number,
    planned_ticks,
    rate_number,
    short_label,
)
from web.formatting import percent, points


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
