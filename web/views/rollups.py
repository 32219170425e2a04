"""汇总: the year rolled up by functional class, unit x month, funding source and type.

Each chart has its table on the page (screen readers, printing) and opens the projects
behind a bar or a cell: the project list (``projects.index``) with the group as its
filter and the as-of date in the URL. Figures come from ``Queries.rollup`` and
``tracker.queries.heatmap``; a roll-up is over one unit's subtree, so a user whose
reach is limited always has one of their readable units chosen (a roll-up of "every
unit" would count units they may not see).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.domain import lag
from tracker.domain.classification import EXPENDITURE_TYPES, FUNCTIONAL_LEVELS, FUNDING_SOURCES
from tracker.queries import Figures, Queries
from tracker.queries.heatmap import TOTAL, Heatmap, unit_months
from web import charts
from web.auth import Scope, WebUser, scope
from web.extensions import tracker
from web.formatting import money_unit
from web.timectl import TimeView, current
from web.views.dashboard import ALL_UNITS, default_unit, unit_tree

bp = Blueprint("rollups", __name__)

DEFAULT_LEVEL = 7  # 项: a bureau's projects mostly share one 类, so 类 alone is one bar
UNCLASSIFIED = "未分类"  # the roll-up's key for projects without a functional class


@dataclass(frozen=True)
class Choice:
    """The unit and functional level the page rolls up, as the URL chose them."""

    unit: str | None  # None: every unit (only for users who may read every unit)
    level: int
    may_choose_all: bool


def choose(sc: Scope, own: Sequence[str], args: Mapping[str, str], units: Mapping[str, Any]) -> Choice:
    """``?unit=`` (403 outside the user's reach) and ``?level=`` (3, 5 or 7)."""
    level_text = (args.get("level") or "").strip()
    if level_text and (not level_text.isdigit() or int(level_text) not in FUNCTIONAL_LEVELS):
        abort(400, description="功能分类级次应为 3（类）、5（款）或 7（项）")
    level = int(level_text) if level_text else DEFAULT_LEVEL
    everything = sc.readable is None
    asked = (args.get("unit") or "").strip()
    if asked and asked != ALL_UNITS:
        if not sc.can_read(asked):
            abort(403)
        if asked not in units:
            abort(404)
        return Choice(asked, level, everything)
    if everything:
        return Choice(None if asked == ALL_UNITS else default_unit(own, None, units), level, True)
    unit = default_unit(own, sc.readable, units) or _first_top(sc.readable or frozenset(), units)
    if unit is None:
        abort(403)
    return Choice(unit, level, False)


def _first_top(readable: frozenset[str], units: Mapping[str, Any]) -> str | None:
    """The first readable unit whose parent is not readable (a root of the user's reach)."""
    tops = sorted(c for c in readable if c in units and units[c]["parent_code"] not in readable)
    return tops[0] if tops else None


def projects_url(tv: TimeView, unit: str | None, **filters: str) -> str:
    """The project list behind a bar or a cell ("" while that page is not served)."""
    if "projects.index" not in current_app.view_functions:
        return ""
    values: dict[str, Any] = {"unit": unit or ALL_UNITS, **filters, "year": str(tv.year)}
    if tv.known is not None:  # the projects behind it as known on the same moment
        values["known_on"] = tv.known.url
    return url_for("projects.index", **values)


def heat_link(tv: TimeView, chosen: str | None) -> Callable[[str], str]:
    """A heat map cell's key (``unit|YYYY-MM``) to the unit's projects on that day."""

    def link(key: str) -> str:
        code, _, month = key.partition("|")
        cell_unit = chosen if code == TOTAL else code
        return projects_url(tv, cell_unit, as_of=_cell_day(month, tv))

    return link


def _cell_day(month: str, tv: TimeView) -> str:
    """The day a cell stands for: the month's end, or the as-of date in its month."""
    year, number = int(month[:4]), int(month[5:])
    end = f"{month}-{calendar.monthrange(year, number)[1]:02d}"
    return min(end, tv.as_of.isoformat())


@bp.route("/rollups")
@login_required
def index() -> Any:
    user = cast(WebUser, current_user)
    sc = scope()
    tv = current()
    queries: Queries = tracker().queries
    units = queries.units(tv.known)
    choice = choose(sc, user.units, request.args, units)
    unit = choice.unit
    as_of = tv.as_of.isoformat()
    # the level cuts only functional codes, so the by-type grouping can share it
    pivot, types = queries.rollups(
        tv.year, [["functional", "source"], ["type"]], choice.level, tv.as_of, unit, tv.known
    )
    by_class = marginal(pivot, 0)
    by_source = in_order(marginal(pivot, 1), FUNDING_SOURCES)
    by_type = in_order({**types, "level": None}, EXPENDITURE_TYPES)
    heat: Heatmap = unit_months(tracker().read, tv.year, tv.as_of, unit, tv.known)
    rule, _ = Queries.total_rule(units, unit, [row.code for row in heat.rows])  # as the status total
    shown = money_unit()

    def class_link(key: str) -> str:
        if key == UNCLASSIFIED:  # the list filters by code prefix; there is none to give
            return ""
        return projects_url(tv, unit, functional=key, as_of=as_of)

    def source_link(key: str) -> str:
        return projects_url(tv, unit, source=key, as_of=as_of)

    def type_link(key: str) -> str:
        return projects_url(tv, unit, type=key, as_of=as_of)

    figures = {
        "functional": _linked(charts.rollup_class_bars(by_class, class_link, shown, rule)),
        "heat": _linked(charts.rollup_heatmap(heat, heat_link(tv, unit), shown)),
        "source": _linked(charts.rollup_split_bars(by_source, source_link, shown, "按资金来源")),
        "type": _linked(charts.rollup_split_bars(by_type, type_link, shown, "按支出类型")),
    }
    return render_template(
        "rollups/index.html",
        year=tv.year,
        as_of=by_class["as_of"],
        unit=unit,
        unit_name=str(units[unit]["name"]) if unit else "",
        choice=choice,
        units=unit_tree(list(units.values()), sc.readable),
        levels=FUNCTIONAL_LEVELS,
        by_class=charts.rollup_bar_data(by_class, rule),
        by_source=charts.rollup_bar_data(by_source, rule),
        by_type=charts.rollup_bar_data(by_type, rule),
        totals={
            "functional": by_class["total"],
            "source": by_source["total"],
            "type": by_type["total"],
        },
        total_status=lag.status(by_class["total"].execution_rate, by_class["total"].planned_rate, rule),
        heat=heat,
        heat_shows_total=charts.heat_shows_total(heat),
        figures=figures,
        class_link=class_link,
        source_link=source_link,
        type_link=type_link,
        heat_link=heat_link(tv, unit),
    )


def marginal(pivot: dict[str, Any], axis: int) -> dict[str, Any]:
    """One dimension of a two-dimension roll-up, as ``Queries.rollup`` gives it for that
    dimension alone: each project lies in one cell of the pivot, so summing the cells of
    a row adds every project once (one query serves two charts)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in pivot["rows"]:
        key = row["key"][axis]
        group = groups.setdefault(
            key, {"key": [key], "name": [row["name"][axis]], "projects": 0, "figures": Figures()}
        )
        group["projects"] += row["projects"]
        group["figures"].add(row["figures"])
    return {**pivot, "by": [pivot["by"][axis]], "rows": [groups[k] for k in sorted(groups)]}


def in_order(rollup: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """Groups in the official order of their list (sources, types), others after by name."""
    rank = {key: i for i, key in enumerate(order)}
    rows = sorted(rollup["rows"], key=lambda r: (rank.get(r["key"][0], len(rank)), r["key"][0]))
    return {**rollup, "rows": rows}


def _linked(figure: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys whose page is not served (a click there does nothing)."""
    if "links" in figure:
        figure["links"] = {k: v for k, v in figure["links"].items() if v}
    return figure
