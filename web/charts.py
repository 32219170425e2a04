"""Plotly figures, built in two pure steps: query results -> plain chart data -> figure.

Nothing here touches Flask's request, the session or the database: a view hands in
what ``tracker.queries`` returned (and the URL of each project, for drill-down), and
gets back a figure dict ``{"data": [...], "layout": {...}, "links": {key: url}}`` that
``web/static/js/app.js`` draws with the vendored plotly.js (zh-CN locale, no logo,
download-as-PNG only) and follows ``links[clicked point's customdata]`` on a click.

Amounts stay ``Decimal`` until the last step, where they are rounded (half-up, to the
分 in 元 or to 0.01 万元) and only then turned into JSON numbers; hover texts are
formatted from the Decimals with the tables' own format. Status colours are the three
of the whole app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from tracker.domain import lag
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import to_wan
from tracker.domain.plan import HUNDRED
from web.formatting import UNITS, money, percent, points

GREEN, AMBER, RED = "#2e9e53", "#e0a100", "#d93025"
STATUS_COLORS = {"green": GREEN, "yellow": AMBER, "red": RED}
INK, MUTED, GRID, BLUE = "#1b1f24", "#8a939d", "#d5dae0", "#1d4f91"
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
CENT = Decimal("0.01")

Figure = dict[str, Any]


# ----------------------------------------------------------------- helpers


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


# ------------------------------------------------------------- the S-curve


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


def s_curve_data(series: dict[str, Any], progress: dict[str, Any]) -> SCurveData:
    """The curves of ``Queries.series(year, code=…)`` and ``Queries.progress(…)``.

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
    )


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


def s_curve(series: dict[str, Any], progress: dict[str, Any], unit: str = "yuan") -> Figure:
    """The project's S-curve: cumulative disbursed (solid) against the plan (dashed),
    checkpoints filled when met and hollow when missed, the forecast to 31 December
    (dotted), the as-of day as a vertical line; y in 元 or 万元."""
    return s_curve_figure(s_curve_data(series, progress), unit)


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
            "title": {"text": f"金额（{label}）"},
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


# --------------------------------------------------------- the bullet bars


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
            label=_label(p.code, p.name),
            execution=p.figures.execution_rate,
            planned=p.figures.planned_rate,
            status=p.status,
        )
        for p in statuses
    ]
    rows.sort(key=lambda b: (-(b.planned - b.execution), b.code))
    return rows[:limit] if limit is not None else rows


def _label(code: str, name: str, width: int = 12) -> str:
    short = name if len(name) <= width else name[: width - 1] + "…"
    return f"{code} {short}"


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
        {
            "type": "scatter",
            "mode": "markers",
            "name": "序时进度",
            "x": [rate_number(b.planned) for b in rows],
            "y": labels,
            "customdata": [b.code for b in rows],
            "marker": {
                "symbol": "line-ns-open",
                "size": 22,
                "color": INK,
                "line": {"color": INK, "width": 3},
            },
            "hovertext": [_bullet_hover(b) for b in rows],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
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


# --- roll-ups
# The roll-ups page (汇总): bars by functional class, the units x months heat map of
# execution against plan, stacked bars by funding source and by type. The same two
# steps as above: ``Queries.rollup`` and ``tracker.queries.heatmap.unit_months`` results
# in, figures out. ``link(key)`` gives the projects list a click opens: the key is the
# group's code (a functional class, a source, a type), or ``unit|YYYY-MM`` for a cell.

NEUTRAL, UNPAID = "#f4f4f2", "#c9d3dc"
# One diverging scale centred at 100% of plan (zmin 0, zmid 100, zmax 200): red at 0,
# amber at 60% (the default rule's red line), neutral on plan, green at twice the plan.
HEAT_SCALE = [[0.0, RED], [0.3, AMBER], [0.5, NEUTRAL], [1.0, GREEN]]
HEAT_MAX = 200
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
        {
            "type": "scatter",
            "mode": "markers",
            "name": "序时进度",
            "x": [rate_number(b.planned) for b in rows],
            "y": labels,
            "customdata": [b.key for b in rows],
            "marker": {
                "symbol": "line-ns-open",
                "size": 24,
                "color": INK,
                "line": {"color": INK, "width": 3},
            },
            "hovertext": [_rollup_hover(b, unit) for b in rows],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
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
        yaxis=_category_axis(labels),
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
        yaxis=_category_axis(labels),
    )
    layout["margin"] = {"l": 10, "r": 24, "t": 36, "b": 40}
    layout["legend"] = TOP_LEGEND
    return _with_links({"data": traces, "layout": layout, "title": f"{title}：已支付与未支付"}, rows, link)


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
        yaxis={**_category_axis(labels), "showgrid": False},
    )
    layout["margin"] = {"l": 10, "r": 16, "t": 40, "b": 80}
    figure: Figure = {"data": [trace], "layout": layout, "title": "各单位逐月执行进度（执行率 ÷ 序时进度）"}
    if link is not None:
        figure["links"] = {key: link(key) for line in keys for key in line}
    return figure


def heat_shows_total(heat: Any) -> bool:
    return sum(1 for r in heat.rows if r.depth == 0) != 1


def _category_axis(labels: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": list(labels),
        "autorange": "reversed",
        "automargin": True,
    }


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


def _heat_hover(name: str, c: Any, unit: str) -> str:
    label = UNITS.get(unit, "元")
    ratio = "尚无计划进度" if c.ratio is None else f"执行÷计划 {percent(c.ratio)} · {STATUS_LABELS[c.status]}"
    return (
        f"{name} · 截至 {c.day.isoformat()}<br>{ratio}<br>执行率 {percent(c.execution_rate)}"
        f" · 序时进度 {percent(c.planned_rate)}<br>已支付 {money(c.disbursed, unit)} {label}"
        f" / 全年预算 {money(c.budget, unit)} {label}"
    )
