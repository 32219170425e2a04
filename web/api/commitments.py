"""合同/采购 commitments: POST /api/v1/commitments, POST /api/v1/commitments/<id>/release,
GET /api/v1/projects/<year>/<code>/commitments; ``commitment_id`` on POST /payments.

The same commands as ``tracker commit`` / ``commit release`` / ``commitments``
(``BudgetTracker.commit``, ``release_commitment``, ``commitments``), so they refuse
what the CLI refuses in the same words. Writes need an officer who may record for the
project's unit (403 otherwise); the ``Idempotency-Key`` is the request id, as for
payments. Reads need a caller who may see the unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from apiflask import Schema
from marshmallow import RAISE, fields

from tracker.domain.errors import NotFoundError
from tracker.queries import commitments as wire
from tracker.queries import lookups
from tracker.queries.known import known_on
from web.api.access import OFFICER, caller, request_id, require_record, roles, time_args
from web.api.blueprint import bp
from web.api.inputs import typed_with
from web.api.ledger import WRITE_ERRORS
from web.api.projects import PROJECT_ERRORS, project_facts, readable_project
from web.api.responses import envelope, money, req
from web.api.schemas import (
    ApiSchema,
    AsOfQuery,
    IdempotencyHeader,
    Text,
    amount_field,
    code_field,
    date_field,
    named,
    year_field,
)
from web.extensions import tracker

EXAMPLE = {
    "project": "P1",
    "amount": "50000.00",
    "date": "2024-04-01",
    "contract": "满医保采〔2024〕3号 办公室整修合同",
    "supplier": "某装修公司",
}


class CommitmentIn(ApiSchema):
    project = code_field("项目编码", required=True)
    amount = amount_field(required=True)
    date = date_field("日期", "合同签订日期 YYYY-MM-DD（自该日起占用预算）", required=True)
    contract = named(Text, "合同", "合同名称或编号（必填）", required=True)
    supplier = named(Text, "供应商", load_default="")
    year = year_field(load_default=None, metadata={"description": "预算年度（项目编码在多个年度存在时必填）"})
    note = named(Text, "备注", load_default="")


class ReleaseIn(ApiSchema):
    amount = amount_field(load_default=None, metadata={"description": "解除的金额；不给则解除全部未支付部分"})
    date = date_field("日期", "解除日期 YYYY-MM-DD（不早于合同日期）", required=True)
    reason = named(Text, "原因", required=True)


class CommitmentOut(Schema):
    id = req(Text, "合同编号")
    project = req(Text, "项目编码")
    year = req(fields.Integer, "年度")
    date = req(Text, "合同日期")
    contract = req(Text, "合同")
    supplier = req(Text, "供应商")
    amount = money("合同金额")
    drawn = money("已按合同支付（扣除冲销退回）")
    released = money("已解除")
    open = money("未支付（仍占用预算）")


class ReleaseOut(Schema):
    id = req(Text, "解除编号")
    commitment = fields.Nested(CommitmentOut, required=True, metadata={"title": "解除后的合同"})


class CommitmentsOut(Schema):
    code = req(Text, "项目编码")
    year = req(fields.Integer, "年度")
    as_of = req(Text, "截至日期")
    known_on = named(Text, "依据时点", "给出依据时点时才有：北京时间 ISO 8601")
    known_on_caption = named(Text, "依据说明", "如“依据 2024-07-05 17:00 的登记”")
    committed = money("已签合同未支付合计")
    commitments = req(fields.List, "合同占用（最早的在前）", cls_or_instance=fields.Nested(CommitmentOut))


CommitmentCreated = envelope(CommitmentOut, "CommitmentCreated")
ReleaseCreated = envelope(ReleaseOut, "CommitmentReleaseCreated")
CommitmentsResponse = envelope(CommitmentsOut, "CommitmentsResponse")


def _item(cid: UUID, code: str, year: int) -> dict[str, Any]:
    """A commitment's figures after everything recorded (as of 31 December)."""
    _, rows = tracker().commitments(code, year=year, as_of=dt.date(year, 12, 31))
    row = next(r for r in rows if r.id == str(cid))
    return {**wire.commitment_json(row), "project": code, "year": year}


@bp.post("/commitments")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(CommitmentIn, location="json", arg_name="body", example=EXAMPLE)
@bp.output(CommitmentCreated, status_code=201, description="已登记（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="登记合同占用",
    description="登记一份合同/采购对预算的占用：自合同日期起，未支付且未被其他合同占用的余额中预留该金额。"
    "超出合同日期及以后任一日的该余额为 422，`field` 为“金额”；执行率仍按支付计算。",
    responses=WRITE_ERRORS,
)
def create_commitment(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(
        body,
        numbers={"amount": "金额"},
        texts={"project": "项目编码", "contract": "合同", "supplier": "供应商"},
        notes={"note": "备注"},
    )
    facts = project_facts(body["project"], body["year"])
    require_record(facts.unit_code)
    cid = tracker().commit(
        facts.code,
        body["amount"],
        date=body["date"],
        contract=body["contract"],
        supplier=body["supplier"],
        year=facts.year,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": _item(cid, facts.code, facts.year)}, 201


@bp.post("/commitments/<commitment_id>/release")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(ReleaseIn, location="json", arg_name="body", example={"date": "2024-09-01", "reason": "合同终止"})
@bp.output(ReleaseCreated, status_code=201, description="已解除（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="解除合同占用",
    description="解除合同尚未支付部分对预算的占用（全部或一部分）。超过解除日期起未支付的部分、"
    "早于合同日期或没有原因时为 422；合同不存在为 404，`field` 为“合同”。",
    responses=WRITE_ERRORS,
)
def release_commitment(commitment_id: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"amount": "金额"}, notes={"reason": "原因"})
    cid, pid = tracker().commitment_ref(commitment_id)
    key = lookups.project_key(tracker().read, pid)
    if key is None:
        raise NotFoundError(f"合同 {commitment_id} 不存在", "合同")
    require_record(key.unit_code)
    rid = tracker().release_commitment(
        cid,
        body["amount"],
        date=body["date"],
        reason=body["reason"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": {"id": str(rid), "commitment": _item(cid, key.code, key.year)}}, 201


@bp.get("/projects/<int:year>/<code>/commitments")
@bp.input(AsOfQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(CommitmentsResponse)
@bp.doc(
    summary="项目的合同占用",
    description="截至日期前签订的合同占用（最早的在前），每份带截至日期的已支付、已解除与未支付金额，"
    "与 `tracker commitments --format json` 输出相同。",
    responses=PROJECT_ERRORS,
)
def project_commitments(year: int, code: str, query: dict[str, Any]) -> Any:
    facts = readable_project(year, code)
    _, day = time_args(facts.year, query["as_of"])
    known = known_on(query["known_on"])
    day, rows = tracker().commitments(facts.code, year=facts.year, as_of=day, known=known)
    return {"data": wire.commitments_json(facts.code, facts.year, day, rows, known)}
