"""POST /api/v1/transfers: 预算调剂 between two projects of one year.

The same command as ``tracker transfer`` and the form (``BudgetTracker.transfer``), so
it refuses what they refuse in the same words. The caller must be an officer who may
record for BOTH projects' units (403 otherwise, naming the side it may not touch);
the ``Idempotency-Key`` is the request id, as for payments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from apiflask import Schema
from marshmallow import fields

from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.queries.project_page import ProjectFacts
from web.api.access import OFFICER, api_scope, caller, request_id, roles
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.inputs import typed_with
from web.api.ledger import WRITE_ERRORS
from web.api.projects import project_facts
from web.api.responses import envelope, money, req
from web.api.schemas import (
    ApiSchema,
    IdempotencyHeader,
    Text,
    amount_field,
    code_field,
    date_field,
    named,
    year_field,
)
from web.extensions import tracker

EXAMPLE = {"from": "P1", "to": "P2", "amount": "5000.00", "date": "2024-07-01", "doc": "财预调【2024】5号"}


class TransferIn(ApiSchema):
    from_ = code_field("调出项目", "调出预算的项目编码", required=True, data_key="from")
    to = code_field("调入项目", "调入预算的项目编码", required=True)
    amount = amount_field(required=True)
    date = date_field("日期", "调剂日期 YYYY-MM-DD（预算自该日起变动）", required=True)
    doc = named(Text, "文号", "调剂文件的文号（必填）", required=True)
    year = year_field(load_default=None, metadata={"description": "预算年度（项目编码在多个年度存在时必填）"})
    note = named(Text, "备注", load_default="")


class SideOut(Schema):
    project = req(fields.String, "项目编码")
    unit = req(fields.String, "单位编码")
    budget = money("调剂后的全年预算数")


class TransferOut(Schema):
    id = req(fields.String, "调剂编号")
    year = req(fields.Integer, "年度")
    amount = money("调剂金额")
    date = req(fields.String, "调剂日期")
    doc = req(fields.String, "文号")
    from_ = fields.Nested(SideOut, required=True, data_key="from", metadata={"title": "调出项目"})
    to = fields.Nested(SideOut, required=True, metadata={"title": "调入项目"})


TransferCreated = envelope(TransferOut, "TransferCreated")


@bp.post("/transfers")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(TransferIn, location="json", arg_name="body", example=EXAMPLE)
@bp.output(TransferCreated, status_code=201, description="已调剂（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="预算调剂",
    description="把预算从一个项目调至同一年度、同一资金来源的另一个项目，两个项目同时变动或都不变动。"
    "调出后调出项目在调剂日期及以后任一日的预算低于已支出数时为 422，`field` 为“金额”。"
    "调用者须可为两个项目所属单位登记，否则为 403。",
    responses=WRITE_ERRORS,
)
def create_transfer(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(
        body,
        numbers={"amount": "金额"},
        texts={"from_": "调出项目", "to": "调入项目", "doc": "文号"},
        notes={"note": "备注"},
    )
    giver = _side(body["from_"], body["year"], "调出项目")
    receiver = _side(body["to"], body["year"], "调入项目")
    tid = tracker().transfer(
        giver.code,
        receiver.code,
        body["amount"],
        date=body["date"],
        doc=body["doc"],
        year=giver.year,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    _, rows = tracker().queries.statuses(
        giver.year, dt.date(giver.year, 12, 31), codes=[giver.code, receiver.code]
    )
    budgets = {r.code: fmt_yuan(r.figures.budget) for r in rows}
    data = {
        "id": str(tid),
        "year": giver.year,
        "amount": fmt_yuan(parse_amount(body["amount"])),
        "date": parse_date(body["date"]).isoformat(),
        "doc": parse_text(body["doc"], "文号"),
        "from_": {"project": giver.code, "unit": giver.unit_code, "budget": budgets[giver.code]},
        "to": {"project": receiver.code, "unit": receiver.unit_code, "budget": budgets[receiver.code]},
    }
    return {"data": data}, 201


def _side(code: str, year: int | None, field: str) -> ProjectFacts:
    """One project of the transfer (404 naming its side), which the caller may record for."""
    try:
        facts = project_facts(code, year)
    except TrackerError as e:
        if e.field != "项目编码":  # 年度 when the code is in several years: say so
            raise
        raise type(e)(e.message, field) from None
    if not api_scope().can_record(facts.unit_code):
        raise ApiError(403, f"无权为单位 {facts.unit_code} 登记：只能在本单位及下级单位的项目之间调剂", field)
    return facts
