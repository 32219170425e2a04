"""A unit's own (部门整体) indicators and self-evaluation: what ``tracker indicator add
--unit-level`` and ``tracker selfeval CODE --unit-level`` do, for a unit and a year.

The same rules as a project's: an administrator or an officer of the unit adds its
indicators; readers of the unit see its 自评表; an officer of the unit explains a
shortfall; a manager of the unit signs off or reopens. The commands are those of the
project doors with ``unit_level``.
"""

from __future__ import annotations

from typing import Any

from tracker.cli.selfeval_text import selfeval_json
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_code
from web.api.access import ADMIN, MANAGER, OFFICER, api_scope, caller, request_id, require_read, roles
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.inputs import typed, typed_with
from web.api.register import INDICATOR_TEXTS, REGISTER_ERRORS, require_register
from web.api.responses_admin import SelfEvalResponse, UnitIndicatorCreated
from web.api.schemas import IdempotencyHeader, ProgressIn
from web.api.schemas_admin import CauseIn, FinaliseIn, ReopenIn, UnitIndicatorIn, YearQuery
from web.api.selfeval import ERRORS
from web.extensions import tracker


def known_unit(code: str) -> str:
    unit = parse_code(code, "单位编码")
    if unit not in tracker().queries.units():
        raise NotFoundError(f"单位 {unit} 不存在", "单位编码")
    return unit


def form_of(unit: str, year: int) -> dict[str, Any]:
    return selfeval_json(tracker().self_evaluation(unit, year, unit_level=True))


def require_sign(unit: str) -> None:
    if not api_scope().can_manage(unit):
        raise ApiError(403, f"无权为单位 {unit} 的自评定稿：只能为本单位及下级单位定稿", "单位编码")


@bp.post("/units/<code>/indicators")
@roles(ADMIN, OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    UnitIndicatorIn,
    location="json",
    arg_name="body",
    example={
        "year": 2024,
        "level1": "履职效果",
        "level2": "部门履职目标",
        "name": "参保率",
        "target": "≥95%",
    },
)
@bp.output(
    UnitIndicatorCreated, status_code=201, description="已添加（同一请求编号重复提交时返回第一次的结果）"
)
@bp.doc(
    summary="添加部门整体绩效指标",
    description="为单位（部门整体）添加一个年度绩效指标，与 `tracker indicator add --unit-level` 相同；"
    "一级指标可用 部门管理、履职效果、能力建设 等。",
    responses=REGISTER_ERRORS,
)
def create_unit_indicator(code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"weight": "分值"}, texts=INDICATOR_TEXTS, notes={"note": "备注"})
    unit = known_unit(code)
    require_register(unit, "单位编码")
    iid = tracker().add_indicator(
        unit,
        level1=body["level1"],
        level2=body["level2"],
        name=body["name"],
        target=body["target"],
        weight=body["weight"],
        description=body["description"],
        year=body["year"],
        unit_level=True,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    row = next(r for r in tracker().indicators(unit, body["year"], unit_level=True) if r["id"] == str(iid))
    keys = ("level1", "level2", "name", "target_text", "kind", "weight")
    data = {"id": row["id"], "year": int(row["year"]), "unit": unit, "seq": int(row["seq"])}
    return {"data": {**data, **{k: row[k] for k in keys}}}, 201


@bp.get("/units/<code>/selfeval")
@bp.input(YearQuery, location="query", arg_name="query")
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="部门整体绩效自评表",
    description="与 `tracker selfeval 单位编码 --unit-level --year 年度 --format json` 输出相同。",
    responses={403: "无权查看该单位", 404: "单位不存在"},
)
def get_unit_selfeval(code: str, query: dict[str, Any]) -> Any:
    unit = known_unit(code)
    require_read(unit)
    return {"data": form_of(unit, query["year"])}


@bp.post("/units/<code>/selfeval/causes")
@roles(OFFICER)
@bp.input(YearQuery, location="query", arg_name="query")
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(CauseIn, location="json", arg_name="body")
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="说明部门整体指标的偏差原因及改进措施",
    description="单位（及上级单位）的财务人员为一个未达标的部门整体指标记录偏差原因及改进措施。",
    responses=ERRORS,
)
def explain_unit(code: str, query: dict[str, Any], headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(
        body, texts={"indicator": "指标编号"}, notes={"cause": "偏差原因", "action": "改进措施"}
    )
    unit = known_unit(code)
    if not api_scope().can_record(unit):
        raise ApiError(403, f"无权为单位 {unit} 说明偏差：只能为本单位及下级单位说明", "单位编码")
    wanted = body["indicator"].strip()
    if wanted not in {r["id"] for r in tracker().indicators(unit, query["year"], unit_level=True)}:
        raise NotFoundError(f"单位 {unit} {query['year']} 年没有指标 {wanted}", "指标编号")
    tracker().explain_deviation(
        wanted,
        cause=body["cause"],
        action=body["action"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(unit, query["year"])}


@bp.post("/units/<code>/selfeval/finalise")
@roles(MANAGER)
@bp.input(YearQuery, location="query", arg_name="query")
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(FinaliseIn, location="json", arg_name="body", example={"signed_by": "张局长"})
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="部门整体自评定稿",
    description="单位的管理人员签字定稿（`tracker selfeval --unit-level --finalise`），规则与项目自评相同。",
    responses=ERRORS,
)
def finalise_unit(code: str, query: dict[str, Any], headers: dict[str, Any], body: dict[str, Any]) -> Any:
    notes = {"execution_cause": "偏差原因", "execution_action": "改进措施"}
    body = typed_with(body, texts={"signed_by": "签字人"}, notes=notes)
    unit = known_unit(code)
    require_sign(unit)
    tracker().finalise_evaluation(
        unit,
        query["year"],
        signed_by=body["signed_by"],
        unit_level=True,
        execution_cause=body["execution_cause"].strip(),
        execution_action=body["execution_action"].strip(),
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(unit, query["year"])}


@bp.post("/units/<code>/selfeval/reopen")
@roles(MANAGER)
@bp.input(YearQuery, location="query", arg_name="query")
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(ReopenIn, location="json", arg_name="body", example={"reason": "指标完成值有误，退回修改"})
@bp.output(SelfEvalResponse)
@bp.doc(summary="退回部门整体自评", description="把已定稿的部门整体自评表退回为草稿。", responses=ERRORS)
def reopen_unit(code: str, query: dict[str, Any], headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"reason": "原因"})
    unit = known_unit(code)
    require_sign(unit)
    tracker().reopen_evaluation(
        unit,
        query["year"],
        reason=body["reason"],
        unit_level=True,
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(unit, query["year"])}


@bp.post("/units/<code>/indicators/<indicator_id>/progress")
@roles(OFFICER)
@bp.input(YearQuery, location="query", arg_name="query")
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(ProgressIn, location="json", arg_name="body", example={"value": "96%", "date": "2024-12-31"})
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="记录部门整体指标进展",
    description="单位（及上级单位）的财务人员记录部门整体指标的实际完成值或完成程度"
    "（`tracker indicator record`）；"
    "返回更新后的部门整体自评表。",
    responses=ERRORS,
)
def record_unit_progress(
    code: str, indicator_id: str, query: dict[str, Any], headers: dict[str, Any], body: dict[str, Any]
) -> Any:
    body = typed(body)
    unit = known_unit(code)
    if not api_scope().can_record(unit):
        raise ApiError(403, f"无权为单位 {unit} 登记：只能为本单位及下级单位登记", "单位编码")
    wanted = indicator_id.strip()
    if wanted not in {r["id"] for r in tracker().indicators(unit, query["year"], unit_level=True)}:
        raise NotFoundError(f"单位 {unit} {query['year']} 年没有指标 {indicator_id}", "指标编号")
    tracker().record_indicator(
        unit,
        wanted,
        body["value"],
        completion=body["completion"],
        date=body["date"],
        note=body["note"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(unit, query["year"])}
