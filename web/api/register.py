"""The registers: add a unit (administrators), a project with its plan, and a
project's indicator (administrators, or an officer of the unit's subtree).

The same commands as ``tracker unit add``, ``tracker project add`` and ``tracker
indicator add``, with the same parsers and Chinese messages. The order of the checks
is the ledger's: a token (401), the role (403), the body's shape (422), the project or
unit (404), the caller's units (403), then the command, which records nothing when it
refuses. The ``Idempotency-Key`` is the command's request id, prefixed per caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_code
from web.api.access import ADMIN, OFFICER, api_scope, caller, request_id, roles, time_args
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.inputs import typed_with
from web.api.projects import indicator_item, pages, project_facts, project_item
from web.api.responses_admin import IndicatorCreated, ProjectCreated, UnitCreated
from web.api.schemas import IdempotencyHeader
from web.api.schemas_admin import IndicatorIn, ProjectIn, UnitIn
from web.extensions import tracker

CREATED = "已添加（同一请求编号重复提交时返回第一次的结果）"
ADMIN_ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "不是系统管理员",
    404: "上级单位不存在",
    409: "编码已存在，或请求编号已用于另一条不同的命令",
}
REGISTER_ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "不是系统管理员或该单位（及上级单位）的财务人员",
    404: "单位或项目不存在",
    409: "编码已存在，或请求编号已用于另一条不同的命令",
}
PROJECT_TEXTS = {
    "unit": "预算单位",
    "code": "项目编码",
    "name": "项目名称",
    "type": "支出类型",
    "functional": "功能分类科目",
    "economic": "经济分类科目",
    "source": "资金来源",
    "owner": "负责人",
}
INDICATOR_TEXTS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "指标值",
    "description": "指标描述",
}


def require_register(unit: str, field: str) -> None:
    """An administrator registers anywhere; an officer only in the units given to them
    and their subtrees (as they record payments)."""
    if caller().has(ADMIN) or api_scope().can_record(unit):
        return
    raise ApiError(403, f"无权为单位 {unit} 添加：只能为本单位及下级单位添加", field)


@bp.post("/units")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    UnitIn,
    location="json",
    arg_name="body",
    example={"code": "450004", "name": "某县医疗保障局", "parent": None},
)
@bp.output(UnitCreated, status_code=201, description=CREATED)
@bp.doc(
    summary="添加单位",
    description="在上级单位之下（或作为顶级单位）登记一个预算单位，与 `tracker unit add` 相同。",
    responses=ADMIN_ERRORS,
)
def create_unit(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(
        body, texts={"code": "单位编码", "name": "单位名称", "parent": "上级单位"}, notes={"note": "备注"}
    )
    tracker().add_unit(
        body["code"],
        body["name"],
        body["parent"],
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    row = tracker().queries.units()[parse_code(body["code"], "单位编码")]
    return {"data": {"code": row["code"], "name": row["name"], "parent": row["parent_code"]}}, 201


@bp.post("/projects")
@roles(ADMIN, OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    ProjectIn,
    location="json",
    arg_name="body",
    example={
        "year": 2024,
        "unit": "450002",
        "code": "P9",
        "name": "医保政策宣传",
        "functional": "2101501",
        "economic": "30201",
        "plan": "03-31:25%,06-30:50%,09-30:75%,12-31:100%",
        "owner": "王五",
    },
)
@bp.output(ProjectCreated, status_code=201, description=CREATED)
@bp.doc(
    summary="添加项目",
    description="登记一个预算年度的项目，可同时设定资金支出计划"
    "（与 `tracker project add --plan` 的写法相同）。"
    "系统管理员可为任何单位添加；财务人员只能为本单位及下级单位添加。",
    responses=REGISTER_ERRORS,
)
def create_project(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"plan": "资金支出计划"}, texts=PROJECT_TEXTS, notes={"note": "备注"})
    unit = parse_code(body["unit"], "预算单位")
    require_register(unit, "预算单位")
    pid = tracker().add_project(
        year=body["year"],
        unit=unit,
        code=body["code"],
        name=body["name"],
        expenditure_type=body["type"],
        functional=body["functional"],
        economic=body["economic"],
        source=body["source"],
        owner=body["owner"],
        plan=body["plan"] if body["plan"] and body["plan"].strip() else None,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": created_project(pid, body["year"], parse_code(body["code"], "项目编码"))}, 201


def created_project(pid: UUID, year: int, code: str) -> dict[str, Any]:
    """The new project as the project list shows it, with its id, unit name and owner."""
    facts = project_facts(code, year)
    _, day = time_args(year, None)
    _, found = tracker().queries.statuses(year, day, facts.unit_code, [facts.code])
    return {**project_item(found[0]), "id": str(pid), "unit_name": facts.unit_name, "owner": facts.owner}


@bp.post("/projects/<int:year>/<code>/indicators")
@roles(ADMIN, OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    IndicatorIn,
    location="json",
    arg_name="body",
    example={
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "宣传场次",
        "target": "≥20场",
        "weight": "20",
    },
)
@bp.output(IndicatorCreated, status_code=201, description=CREATED)
@bp.doc(
    summary="添加绩效指标",
    description="为项目添加一个三级绩效指标；指标值的写法与 `tracker indicator add` 相同"
    "（≥2400人次、≤60分钟、100%、12月底前完成、全覆盖、/ ……）。",
    responses=REGISTER_ERRORS,
)
def create_indicator(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"weight": "分值"}, texts=INDICATOR_TEXTS, notes={"note": "备注"})
    facts = project_facts(code, year)
    require_register(facts.unit_code, "项目编码")
    iid = tracker().add_indicator(
        facts.code,
        level1=body["level1"],
        level2=body["level2"],
        name=body["name"],
        target=body["target"],
        weight=body["weight"],
        description=body["description"],
        year=facts.year,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    found = pages().indicators(facts.year, facts.code, dt.date(facts.year, 12, 31))
    made = next((i for i in found if i.id == str(iid)), None)
    if made is None:  # a key first used for another project replays that indicator: not this one
        raise NotFoundError(f"项目 {facts.code} 中没有指标 {iid}", "指标编号")
    return {"data": indicator_item(made)}, 201
