"""The project page's S-curve: cumulative disbursed against the spending plan, the
checkpoints met, missed or upcoming, and the forecast to 31 December.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from tracker.domain import lag
from tracker.domain.plan import HUNDRED
from web.charts.common import (
    BLUE,
    COMMITTED,
    GREEN,
    GRID,
    INK,
    MUTED,
    RED,
    Figure,
    base_layout,
    in_unit,
    number,
)
from web.formatting import UNITS, money, percent, points


@dataclass(frozen=True)
class Mark:
    """A checkpoint on the S-curve: ``state`` is met, missed or upcoming."""

    date: dt.date
    target_rate: Decimal
    actual_rate: Decimal | None
    amount: Decimal  # the target in 元, on the planned curve
    state: str


@dataclass(frozen=True)
class SCurveData:
    """A project's year as plain data, every amount in 元."""

    year: int
    as_of: dt.date
    disbursed: tuple[tuple[dt.date, Decimal, Decimal], ...]  # (day, cumulative, execution rate)
    budget: tuple[tuple[dt.date, Decimal], ...]
    planned: tuple[tuple[dt.date, Decimal, Decimal], ...]  # (day, amount, planned rate)
    marks: tuple[Mark, ...]
    forecast: tuple[tuple[dt.date, Decimal], ...]  # as-of point and 31 Dec, or empty
    forecast_rate: Decimal
    # (day, disbursed + open commitments, open commitments) where either changes; empty
    # when the project never had a commitment up to the as-of day
    committed: tuple[tuple[dt.date, Decimal, Decimal], ...] = ()


def s_curve_data(
    series: dict[str, Any],
    progress: dict[str, Any],
    committed: Sequence[tuple[dt.date, Decimal]] = (),
) -> SCurveData:
    """The curves of ``Queries.series(year, code=…)`` and ``Queries.progress(…)``.

    ``committed`` is each day's change of open commitments in 元
    (``queries.commitments.committed_changes``): drawn as a band above disbursed.

    Up to the as-of day the planned curve is the plan's interpolation on each day's
    budget (as the status uses it); after it, on the as-of budget. Cumulative amounts
    are kept only where they change (drawn as steps), the planned curve only at its
    corners: a year fits in a few dozen points instead of 366 per line.
    """
    year: int = series["year"]
    pts = series["points"]
    end = dt.date(year, 12, 31)
    project = progress["project"]
    as_of: dt.date = min(series["as_of"], end)
    checkpoints = lag.checkpoints_for(project.plan, year)
    budget_now = pts[-1]["figures"].budget if pts else Decimal(0)
    budget_on = {p["date"]: p["figures"].budget for p in pts}

    disbursed = _changes([(p["date"], p["figures"].disbursed, p["figures"].execution_rate) for p in pts])
    budget = [(d, b) for d, b, _ in _changes([(p["date"], p["figures"].budget, Decimal(0)) for p in pts])]
    if pts and as_of < end:
        budget.append((end, budget_now))

    planned: list[tuple[dt.date, Decimal, Decimal]] = [
        (p["date"], p["figures"].planned_rate * p["figures"].budget / HUNDRED, p["figures"].planned_rate)
        for p in pts
    ]
    day = (pts[-1]["date"] if pts else dt.date(year - 1, 12, 31)) + dt.timedelta(days=1)
    while day <= end:
        r = lag.planned_rate(checkpoints, year, day, budget_now)
        planned.append((day, r * budget_now / HUNDRED, r))
        day += dt.timedelta(days=1)

    marks = [
        Mark(
            c["date"],
            c["target_rate"],
            c["actual_rate"],
            c["target_rate"] * budget_on.get(c["date"], budget_now) / HUNDRED,
            "met" if c["met"] else "missed",
        )
        for c in progress["checkpoints"]
    ]
    for cp in checkpoints:
        if not cp.is_blank and cp.date > as_of:
            target = lag.checkpoint_rate(cp, budget_now)
            marks.append(Mark(cp.date, target, None, target * budget_now / HUNDRED, "upcoming"))

    figures = project.figures
    forecast: tuple[tuple[dt.date, Decimal], ...] = ()
    if pts and as_of < end:
        forecast = ((as_of, figures.disbursed), (end, figures.forecast_amount))
    return SCurveData(
        year=year,
        as_of=as_of,
        disbursed=tuple(disbursed),
        budget=tuple(budget),
        planned=tuple(_corners(planned, budget, checkpoints)),
        marks=tuple(marks),
        forecast=forecast,
        forecast_rate=figures.forecast_rate,
        committed=_committed_band(pts, committed, as_of),
    )


def _committed_band(
    pts: Sequence[dict[str, Any]], changes: Sequence[tuple[dt.date, Decimal]], as_of: dt.date
) -> tuple[tuple[dt.date, Decimal, Decimal], ...]:
    """Disbursed plus what is still committed, on each day either changes up to the
    as-of day (and on that day), so the band's steps follow both lines."""
    changes = [(d, v) for d, v in changes if d <= as_of]
    if not changes or not pts:
        return ()
    by_day = dict(changes)
    open_ = Decimal(0)
    out: list[tuple[dt.date, Decimal, Decimal]] = []
    previous: tuple[Decimal, Decimal] | None = None
    for i, p in enumerate(pts):
        day = p["date"]
        open_ += by_day.get(day, Decimal(0))
        paid = p["figures"].disbursed
        if (out or open_) and (previous != (paid, open_) or i == len(pts) - 1):
            out.append((day, paid + open_, open_))  # from the first commitment's day on
            previous = (paid, open_)
    return tuple(out)


def _changes(rows: Sequence[tuple[dt.date, Decimal, Decimal]]) -> list[tuple[dt.date, Decimal, Decimal]]:
    """First day, each day the amount changes, and the last day (a step line)."""
    out: list[tuple[dt.date, Decimal, Decimal]] = []
    for i, row in enumerate(rows):
        if not out or row[1] != out[-1][1] or i == len(rows) - 1:
            out.append(row)
    return out


def _corners(
    rows: Sequence[tuple[dt.date, Decimal, Decimal]],
    budget: Sequence[tuple[dt.date, Decimal]],
    plan: Iterable[Any],
) -> list[tuple[dt.date, Decimal, Decimal]]:
    """The planned curve's corners: between them it is a straight line, since the
    planned rate grows linearly between checkpoints and the budget is constant between
    its changes. Kept: both ends, each checkpoint, and both sides of a budget change."""
    if len(rows) <= 2:
        return list(rows)
    keys = {rows[0][0], rows[-1][0]}
    keys.update(cp.date for cp in plan if not cp.is_blank)
    for (_, before), (day, after) in pairwise(budget):
        if after != before:
            keys.update((day, day - dt.timedelta(days=1)))
    return [r for r in rows if r[0] in keys]


def s_curve(
    series: dict[str, Any],
    progress: dict[str, Any],
    unit: str = "yuan",
    committed: Sequence[tuple[dt.date, Decimal]] = (),
) -> Figure:
    """The project's S-curve: cumulative disbursed (solid) against the plan (dashed),
    checkpoints filled when met and hollow when missed, the forecast to 31 December
    (dotted), the as-of day as a vertical line, open commitments as a band above
    disbursed; y in 元 or 万元."""
    return s_curve_figure(s_curve_data(series, progress, committed), unit)


def s_curve_figure(data: SCurveData, unit: str = "yuan") -> Figure:
    label = UNITS.get(unit, "元")

    def amount(value: Decimal) -> str:
        return f"{money(value, unit)} {label}"

    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "全年预算",
            "x": [d.isoformat() for d, _ in data.budget],
            "y": [number(in_unit(v, unit)) for _, v in data.budget],
            "line": {"color": MUTED, "width": 1, "shape": "hv"},
            "hovertext": [f"{d.isoformat()}<br>全年预算 {amount(v)}" for d, v in data.budget],
            "hovertemplate": "%{hovertext}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "计划进度",
            "x": [d.isoformat() for d, _, _ in data.planned],
            "y": [number(in_unit(v, unit)) for _, v, _ in data.planned],
            "line": {"color": BLUE, "width": 2, "dash": "dash"},
            "hovertext": [
                f"{d.isoformat()}<br>计划累计 {amount(v)}<br>序时进度 {percent(r)}"
                for d, v, r in data.planned
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "累计支付",
            "x": [d.isoformat() for d, _, _ in data.disbursed],
            "y": [number(in_unit(v, unit)) for _, v, _ in data.disbursed],
            "line": {"color": INK, "width": 3, "shape": "hv"},
            "hovertext": [
                f"{d.isoformat()}<br>累计支付 {amount(v)}<br>执行率 {percent(r)}"
                for d, v, r in data.disbursed
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
        },
    ]
    if data.committed:
        traces.extend(_committed_traces(data.committed, unit, amount))
    if data.forecast:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "年末预计",
                "x": [d.isoformat() for d, _ in data.forecast],
                "y": [number(in_unit(v, unit)) for _, v in data.forecast],
                "line": {"color": INK, "width": 2, "dash": "dot"},
                "hovertext": [
                    f"{data.forecast[0][0].isoformat()}<br>按此前日均进度推算",
                    f"{data.forecast[1][0].isoformat()}<br>年末预计 {amount(data.forecast[1][1])}"
                    f"<br>预计执行率 {percent(data.forecast_rate)}",
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    traces.extend(_mark_traces(data.marks, unit, amount))
    year = data.year
    layout = base_layout(
        height=380,
        hovermode="closest",
        xaxis={
            "type": "date",
            "range": [f"{year}-01-01", f"{year}-12-31"],
            "tickformat": "%m-%d",
            "gridcolor": GRID,
        },
        yaxis={
            "title": {"text": f"金额（{label}）", "standoff": 10},
            "automargin": True,  # long tick labels must not run under the title
            "rangemode": "tozero",
            "gridcolor": GRID,
            "tickformat": ",.2~f",
        },
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": data.as_of.isoformat(),
                "x1": data.as_of.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED, "width": 1.5, "dash": "dash"},
            }
        ],
        annotations=[
            {
                "x": data.as_of.isoformat(),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"截至 {data.as_of.isoformat()}",
                "showarrow": False,
                "font": {"size": 12, "color": MUTED},
            }
        ],
    )
    layout["margin"] = {"l": 70, "r": 16, "t": 24, "b": 40}
    return {"data": traces, "layout": layout, "title": "累计支付与支出计划（S 曲线）"}


def _committed_traces(
    band: Sequence[tuple[dt.date, Decimal, Decimal]], unit: str, amount: Callable[[Decimal], str]
) -> list[dict[str, Any]]:
    """The band from disbursed up to disbursed + committed: an unseen lower edge on the
    band's own days (so the fill starts where the first commitment does, not at
    1 January), then the upper edge filled down to it."""
    x = [d.isoformat() for d, _, _ in band]
    lower = {
        "type": "scatter",
        "mode": "lines",
        "name": "已签合同未支付（下沿）",
        "x": x,
        "y": [number(in_unit(v - c, unit)) for _, v, c in band],
        "line": {"width": 0, "shape": "hv"},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    upper = {
        "type": "scatter",
        "mode": "lines",
        "name": "已签合同未支付",
        "x": x,
        "y": [number(in_unit(v, unit)) for _, v, _ in band],
        "line": {"color": COMMITTED, "width": 1, "shape": "hv"},
        "fill": "tonexty",
        "fillcolor": "rgba(111, 90, 168, 0.22)",
        "hovertext": [
            f"{d.isoformat()}<br>已签合同未支付 {amount(c)}<br>支付加合同 {amount(v)}" for d, v, c in band
        ],
        "hovertemplate": "%{hovertext}<extra></extra>",
    }
    return [lower, upper]


MARK_STYLES = {
    "met": ("检查点（已达标）", "circle", GREEN),
    "missed": ("检查点（未达标）", "circle-open", RED),
    "upcoming": ("检查点（未到期）", "diamond-open", MUTED),
}


def _mark_traces(marks: Iterable[Mark], unit: str, amount: Callable[[Decimal], str]) -> list[dict[str, Any]]:
    traces = []
    for state, (name, symbol, color) in MARK_STYLES.items():
        chosen = [m for m in marks if m.state == state]
        if not chosen:
            continue
        texts = []
        for m in chosen:
            text = f"检查点 {m.date.isoformat()}<br>计划 {percent(m.target_rate)}（{amount(m.amount)}）"
            if m.actual_rate is not None:
                verdict = (
                    "已达标"
                    if state == "met"
                    else f"未达标，差 {points(m.target_rate - m.actual_rate)} 个百分点"
                )
                text += f"<br>实际 {percent(m.actual_rate)}，{verdict}"
            texts.append(text)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [m.date.isoformat() for m in chosen],
                "y": [number(in_unit(m.amount, unit)) for m in chosen],
                "marker": {
                    "symbol": symbol,
                    "size": 12,
                    "color": color,
                    "line": {"color": color, "width": 2},
                },
                "hovertext": texts,
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    return traces
