"""Weights through the API: an indicator's 分值 set or changed later (``tracker indicator
weight``) and a unit's own 一级 shares for indicators printed without one (``tracker
indicator shares``). Same validation as the CLI (``set_indicator_weight``,
``set_weight_shares``), Chinese errors naming the field, idempotent on the key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from apiflask import Schema

from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_code
from tracker.queries.indicators import unit_shares
from web.api.access import ADMIN, OFFICER, caller, request_id, roles
from web.api.blueprint import bp
from web.api.inputs import typed_with
from web.api.projects import indicator_item, pages, project_facts
from web.api.register import REGISTER_ERRORS, require_register
from web.api.responses import IndicatorResponse, Text, envelope, req
from web.api.schemas import ApiSchema, IdempotencyHeader, named
from web.extensions import tracker


class WeightIn(ApiSchema):
    weight = named(Text, "分值", "0–100；null 或空则回到默认模板", load_default=None, allow_none=True)
    note = named(Text, "备注", load_default="")


class SharesIn(ApiSchema):
    shares = named(Text, "一级分值", "如 产出指标=40,效益指标=40,满意度指标=10（合计 90）", required=True)
    note = named(Text, "备注", load_default="")


class SharesOut(Schema):
    unit = req(Text, "单位编码")
    shares = req(Text, "一级分值", "如 产出指标=40,效益指标=40,满意度指标=10")


SharesResponse = envelope(SharesOut, "SharesResponse")


@bp.post("/projects/<int:year>/<code>/indicators/<indicator_id>/weight")
@roles(ADMIN, OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(WeightIn, location="json", arg_name="body", example={"weight": "20"})
@bp.output(IndicatorResponse)
@bp.doc(
    summary="设置指标分值",
    description="设置或更改一个指标的分值（`tracker indicator weight`，记录为事件）；"
    "空值回到国家模板的默认分值。系统管理员或项目所属单位（及上级单位）的财务人员。",
    responses=REGISTER_ERRORS,
)
def set_weight(year: int, code: str, indicator_id: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"weight": "分值"}, notes={"note": "备注"})
    facts = project_facts(code, year)
    require_register(facts.unit_code, "项目编码")
    wanted = indicator_id.strip()
    if wanted not in {r["id"] for r in tracker().indicators(facts.code, facts.year)}:
        raise NotFoundError(f"项目 {facts.code} 中没有指标 {wanted}", "指标编号")
    tracker().set_indicator_weight(
        wanted,
        body["weight"],
        note=body["note"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    found = pages().indicators(facts.year, facts.code, dt.date(facts.year, 12, 31))
    return {"data": indicator_item(next(i for i in found if i.id == wanted))}


@bp.post("/units/<code>/weight-shares")
@roles(ADMIN, OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    SharesIn, location="json", arg_name="body", example={"shares": "产出指标=40,效益指标=40,满意度指标=10"}
)
@bp.output(SharesResponse)
@bp.doc(
    summary="设置单位一级分值",
    description="单位自定的一级指标分值（`tracker indicator shares`），本单位及下级单位未填分值的指标"
    "按它分配（代替国家模板的 产出50/效益30/满意度10）；须合计 90。",
    responses=REGISTER_ERRORS,
)
def set_shares(code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts={"shares": "一级分值"}, notes={"note": "备注"})
    unit = parse_code(code, "单位编码")
    require_register(unit, "单位编码")
    tracker().set_weight_shares(
        unit,
        body["shares"],
        note=body["note"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    shares = unit_shares(tracker().read, unit)
    return {"data": {"unit": unit, "shares": ",".join(f"{k}={v}" for k, v in shares.items())}}
