"""Reads of the whole ledger: status, roll-ups, daily series, units, and who is asking.

``/status``, ``/rollups`` and ``/series`` answer exactly what ``tracker status``,
``tracker rollup`` and ``tracker series`` print as JSON for the same arguments
(``tracker.queries.wire``), limited to what the caller may read: a unit outside the
caller's units is refused (403), and a listing over every unit keeps only the
caller's projects, with the total recomputed from them the way the report does it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from tracker.domain import lag
from tracker.domain.errors import InvalidInputError
from tracker.queries import Figures, wire
from tracker.queries.known import known_on
from web.api.access import api_scope, caller, require_read, time_args
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.responses import MeResponse, RollupResponse, SeriesResponse, StatusResponse, UnitsResponse
from web.api.schemas import RollupQuery, SeriesQuery, StatusQuery
from web.auth import Scope
from web.extensions import tracker

READ_ERRORS = {403: "无权查看该单位", 404: "单位或项目不存在"}


def visible_report(report: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The status report without the projects the caller may not read.

    The total is summed again from the remaining projects and its status decided the
    way ``Queries.status_report`` decides it (``total_rule``) for what remains.
    """
    projects = [p for p in report["projects"] if scope.can_read(p.unit)]
    if len(projects) == len(report["projects"]):
        return report
    total = Figures()
    for p in projects:
        total.add(p.figures)
    queries = tracker().queries
    rule, source = queries.total_rule(
        queries.units(report.get("known_on")), report["unit"], {p.unit for p in projects}
    )
    codes = {p.code for p in projects}
    return {
        **report,
        "projects": projects,
        "total": total,
        "total_status": lag.status(total.execution_rate, total.planned_rate, rule),
        "total_rule": {"rule": rule, "source": source},
        "plan_warnings": {c: w for c, w in report["plan_warnings"].items() if c in codes},
    }


def single_root() -> str | None:
    """The unit a restricted caller's roll-up covers when none is named.

    A roll-up adds projects up inside the query, so it cannot drop another unit's
    projects afterwards: a caller who may not read everything names a unit, or gets
    their own when they have exactly one top unit.
    """
    scope = api_scope()
    if scope.readable is None:
        return None
    units = tracker().queries.units()
    roots = sorted(
        code for code in scope.readable if (units.get(code) or {}).get("parent_code") not in scope.readable
    )
    if len(roots) == 1:
        return roots[0]
    raise ApiError(422, "请指定单位编码（unit）：您可查看多个单位", "单位编码")


@bp.get("/status")
@bp.input(StatusQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(StatusResponse)
@bp.doc(
    summary="执行进度",
    description="各项目执行率、序时进度、差距与状态，与 `tracker status --format json` 输出相同；"
    "只含调用者可查看的单位的项目（合计按剩余项目重新计算）。",
    responses=READ_ERRORS,
)
def status(query: dict[str, Any]) -> Any:
    year, day = time_args(query["year"], query["as_of"])
    unit = query["unit"]
    if unit is not None:
        require_read(unit)
    report = tracker().queries.status_report(year, day, unit, known_on(query["known_on"]))
    return {"data": wire.status_json(visible_report(report, api_scope()))}


@bp.get("/rollups")
@bp.input(RollupQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(RollupResponse)
@bp.doc(
    summary="汇总",
    description="按单位、功能分类、经济分类、资金来源或支出类型汇总（一个或两个维度），"
    "与 `tracker rollup --format json` 输出相同。可查看全部单位以外的调用者须指定单位"
    "（只有一个所属单位时默认为该单位）。",
    responses=READ_ERRORS,
)
def rollups(query: dict[str, Any]) -> Any:
    year, day = time_args(query["year"], query["as_of"])
    unit = query["unit"]
    if unit is not None:
        require_read(unit)
    else:
        unit = single_root()
    dims = [d.strip() for d in query["by"].split(",") if d.strip()]
    known = known_on(query["known_on"])
    try:
        result = tracker().queries.rollup(year, dims, query["level"], day, unit, known)
    except InvalidInputError as e:
        if e.field != "--by":  # the query names the option as the CLI does; the API calls it by
            raise
        raise InvalidInputError(e.message, "汇总维度") from None
    return {"data": wire.rollup_json(result)}


@bp.get("/series")
@bp.input(SeriesQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(SeriesResponse)
@bp.doc(
    summary="逐日累计数据",
    description="一个项目（code）或一个单位及其下级（unit）从 1 月 1 日到截至日期的逐日累计预算、执行数、"
    "执行率与序时进度，与 `tracker series` 的 JSON 输出相同。",
    responses=READ_ERRORS,
)
def series(query: dict[str, Any]) -> Any:
    from web.api.projects import project_facts

    code, unit = query["code"], query["unit"]
    known = known_on(query["known_on"])
    if code:
        facts = project_facts(code, query["year"])  # no year: the code's only year, as the CLI
        require_read(facts.unit_code)
        year, day = time_args(facts.year, query["as_of"])
        s = tracker().queries.series(year, code=facts.code, as_of=day, known=known)
    else:
        if unit is None:
            unit = single_root()
        if unit is None:
            raise ApiError(422, "需要项目编码（code）或单位编码（unit）", "项目编码")
        require_read(unit)
        year, day = time_args(query["year"], query["as_of"])
        s = tracker().queries.series(year, unit=unit, as_of=day, known=known)
    data = {
        "year": s["year"],
        "code": s["code"],
        "unit": s["unit"],
        "as_of": s["as_of"].isoformat(),
        **wire.known_json(known),
        "points": wire.series_rows(s),
    }
    return {"data": data}


@bp.get("/units")
@bp.output(UnitsResponse)
@bp.doc(summary="单位", description="调用者可查看的单位（含上下级关系）。")
def units() -> Any:
    scope = api_scope()
    rows = [u for u in tracker().units() if scope.can_read(u["code"])]
    return {"data": [{"code": u["code"], "name": u["name"], "parent_code": u["parent_code"]} for u in rows]}


@bp.get("/me")
@bp.output(MeResponse)
@bp.doc(summary="当前用户", description="令牌所属的用户、角色，以及可查看、可登记、可确认预警的单位。")
def me() -> Any:
    user, scope = caller(), api_scope()
    return {
        "data": {
            "name": user.name,
            "roles": list(user.roles),
            "units": list(user.units),
            "readable": None if scope.readable is None else sorted(scope.readable),
            "recordable": sorted(scope.recordable),
            "managed": sorted(scope.managed),
        }
    }
