"""Reads of projects: the list, one project with its history, its payments, its indicators.

Everything comes from the read tables through ``tracker.queries`` (and the project's
stored events for its history); no aggregate is replayed on a request. A project of a
unit the caller may not read is 403; an unknown one 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from marshmallow import RAISE

from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_code
from tracker.domain.money import fmt_yuan
from tracker.queries import ProjectStatus, wire
from tracker.queries.known import known_on
from tracker.queries.project_page import IndicatorProgress, Payment, ProjectFacts, ProjectPageQueries
from web.api.access import api_scope, check_year, require_read, time_args
from web.api.blueprint import bp
from web.api.responses import IndicatorsResponse, PaymentsResponse, ProjectResponse, ProjectsResponse
from web.api.schemas import AsOfQuery, ProjectsQuery
from web.extensions import tracker

PROJECT_ERRORS = {403: "无权查看该项目所属单位", 404: "项目不存在"}


def pages() -> ProjectPageQueries:
    return ProjectPageQueries(tracker().read)


def project_facts(code: str, year: int | None) -> ProjectFacts:
    """The project with this code (in this year; without one, the code's only year)."""
    code = parse_code(code, "项目编码")
    if year is None:
        year = tracker().project_year(tracker().find_project(code))
    else:
        check_year(year)
    facts = pages().facts(year, code)
    if facts is None:
        raise NotFoundError(f"{year} 年没有编码为 {code} 的项目", "项目编码")
    return facts


def readable_project(year: int, code: str) -> ProjectFacts:
    facts = project_facts(code, year)
    require_read(facts.unit_code)
    return facts


def project_item(p: ProjectStatus) -> dict[str, Any]:
    return {
        **wire.project(p),
        "year": p.year,
        "expenditure_type": p.expenditure_type,
        "functional": p.functional,
        "economic": p.economic,
        "source": p.source,
        "plan": p.plan,
    }


def payment_item(p: Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "date": p.date.isoformat(),
        "amount": fmt_yuan(p.amount),
        "reversed": fmt_yuan(p.reversed),
        "net": fmt_yuan(p.net),
        "payee": p.payee,
        "economic": p.economic,
        "voucher": p.voucher,
        "source": p.source,
        "reversals": [
            {"id": r.id, "date": r.date.isoformat(), "amount": fmt_yuan(r.amount), "reason": r.reason}
            for r in p.reversals
        ],
    }


def indicator_item(i: IndicatorProgress) -> dict[str, Any]:
    return {
        "id": i.id,
        "seq": i.seq,
        "level1": i.level1,
        "level2": i.level2,
        "name": i.name,
        "target_text": i.target_text,
        "kind": i.kind,
        "weight": None if i.weight is None else str(i.weight),
        "actual_text": i.actual_text,
        "completion": None if i.completion is None else wire.pct(i.completion),
        "progress_date": i.progress_date.isoformat() if i.progress_date else None,
        "progress_note": i.progress_note,
        "cause": i.cause,
        "action": i.action,
    }


@bp.get("/projects")
@bp.input(ProjectsQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(ProjectsResponse)
@bp.doc(
    summary="项目列表",
    description="一个预算年度的项目及其截至日期的执行情况，只含调用者可查看的单位；"
    "可按单位（含下级）、功能分类（含下级科目）、资金来源、支出类型筛选。",
    responses={403: "无权查看该单位", 404: "单位不存在"},
)
def projects(query: dict[str, Any]) -> Any:
    year, day = time_args(query["year"], query["as_of"])
    unit = query["unit"]
    if unit is not None:
        require_read(unit)
    _, found = tracker().queries.statuses(year, day, unit, known=known_on(query["known_on"]))
    scope = api_scope()
    functional, source, kind = query["functional"], query["source"], query["type"]
    rows = [
        p
        for p in found
        if scope.can_read(p.unit)
        and (functional is None or (p.functional or "").startswith(functional.strip()))
        and (source is None or p.source == source.strip())
        and (kind is None or p.expenditure_type == kind.strip())
    ]
    return {"data": [project_item(p) for p in rows]}


@bp.get("/projects/<int:year>/<code>")
@bp.input(AsOfQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(ProjectResponse)
@bp.doc(
    summary="一个项目",
    description="项目登记信息、截至日期的执行情况、已到期检查点（达到与否）、下一检查点、预算批复，"
    "以及项目的全部事件历史（谁、何时、做了什么、备注）。",
    responses=PROJECT_ERRORS,
)
def project(year: int, code: str, query: dict[str, Any]) -> Any:
    facts = readable_project(year, code)
    _, day = time_args(facts.year, query["as_of"])
    known = known_on(query["known_on"])
    progress = tracker().queries.progress(UUID(facts.id), day, known)
    ledger = pages().ledger(facts.id, day, known=known)
    nxt: dt.date | None = progress["next_checkpoint"]
    target = progress["next_target_rate"]
    data = {
        **project_item(progress["project"]),
        "as_of": progress["as_of"].isoformat(),
        **wire.known_json(known),
        "unit_name": facts.unit_name,
        "owner": facts.owner,
        "checkpoints": [
            {
                "date": c["date"].isoformat(),
                "target_rate": wire.pct(c["target_rate"]),
                "actual_rate": wire.pct(c["actual_rate"]),
                "met": bool(c["met"]),
                "shortfall_points": wire.pct(c["shortfall_points"]),
            }
            for c in progress["checkpoints"]
        ],
        "next_checkpoint": nxt.isoformat() if nxt else None,
        "next_target_rate": None if target is None else wire.pct(target),
        "daily_needed": fmt_yuan(progress["daily_needed"]),
        "appropriations": [
            {
                "id": a.id,
                "date": a.date.isoformat(),
                "kind": a.kind,
                "kind_label": a.kind_label,
                "amount": fmt_yuan(a.amount),
                "doc": a.doc,
            }
            for a in ledger.appropriations
        ],
        "history": tracker().history(facts.code, facts.year, known),
    }
    return {"data": data}


@bp.get("/projects/<int:year>/<code>/payments")
@bp.input(AsOfQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(PaymentsResponse)
@bp.doc(
    summary="项目的支付",
    description="截至日期前的支付（最早的在前），每笔带截至日期前的冲销、已冲销与净支付金额。",
    responses=PROJECT_ERRORS,
)
def payments(year: int, code: str, query: dict[str, Any]) -> Any:
    facts = readable_project(year, code)
    _, day = time_args(facts.year, query["as_of"])
    known = known_on(query["known_on"])
    return {"data": [payment_item(p) for p in pages().ledger(facts.id, day, known=known).payments]}


@bp.get("/projects/<int:year>/<code>/indicators")
@bp.input(AsOfQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(IndicatorsResponse)
@bp.doc(
    summary="项目的绩效指标",
    description="项目的绩效指标（按添加顺序），带最近一次记录的实际完成值与完成程度。",
    responses=PROJECT_ERRORS,
)
def indicators(year: int, code: str, query: dict[str, Any]) -> Any:
    facts = readable_project(year, code)
    _, day = time_args(facts.year, query["as_of"])
    known = known_on(query["known_on"])
    as_known = None if known is None else (lambda rows: tracker().known_indicator_rows(rows, known))
    return {"data": [indicator_item(i) for i in pages().indicators(facts.year, facts.code, day, as_known)]}
