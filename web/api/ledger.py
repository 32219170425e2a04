"""Writes to the ledger: payments, appropriations, reversals, plans, indicator progress.

Each goes through the service layer's command (``tracker.commands``), the one the
forms, the CLI and the import call, so it is refused by the same rules in the same
words. The order of the checks: a token (401), an officer (403), the body's shape
(422), the project (404), the caller's units (403), then the command itself, which
records nothing when it refuses (422 naming the field, 409 for a reused key).

The ``Idempotency-Key`` header becomes the command's request id, prefixed per caller:
the same key with the same body again records nothing and answers what the first
request answered (201 again, with the same id); with another body it is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from tracker.domain import classification as cls
from tracker.domain.commitment import parse_commitment_id
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.domain.project import KIND_LABELS, KIND_SIGN
from tracker.queries.project_page import Payment, ProjectFacts
from web.api.access import OFFICER, caller, request_id, require_record, roles, time_args
from web.api.blueprint import bp
from web.api.inputs import typed
from web.api.projects import indicator_item, pages, project_facts
from web.api.responses import (
    AppropriationCreated,
    IndicatorResponse,
    PaymentCreated,
    PlanResponse,
    ReversalCreated,
)
from web.api.schemas import (
    AppropriationIn,
    IdempotencyHeader,
    PaymentIn,
    PlanIn,
    ProgressIn,
    ReversalIn,
)
from web.extensions import tracker

WRITE_ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "不是财务人员，或项目不属于调用者可登记的单位",
    404: "项目（或支付、指标）不存在",
    409: "请求编号已用于另一条不同的命令",
    503: "并发写入过多，未记录任何内容，可用同一请求编号重试",
}
PAYMENT_EXAMPLE = {"project": "P1", "amount": "1000.00", "date": "2024-07-01", "payee": "某印刷厂"}


@bp.post("/payments")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(PaymentIn, location="json", arg_name="body", example=PAYMENT_EXAMPLE)
@bp.output(PaymentCreated, status_code=201, description="已登记（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="登记支付",
    description="登记一笔支付；超出可用预算（截至支付日期及以后各日，已签合同占用的不可用）为 422，"
    "`field` 为“金额”。给出 `commitment_id` 时按合同支付：先使用该合同未支付的部分，超出部分须在可用预算内；"
    "合同不存在、属于其他项目或已无未支付余额时 `field` 为“合同”。"
    "同一 Idempotency-Key、同一内容重复提交不会重复登记，返回 201 与同一支付编号。",
    responses=WRITE_ERRORS,
)
def create_payment(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed(body)
    facts = project_facts(body["project"], body["year"])
    require_record(facts.unit_code)
    pid = tracker().pay(
        facts.code,
        body["amount"],
        date=body["date"],
        payee=body["payee"],
        economic=body["economic"],
        voucher=body["voucher"],
        source=body["source"],
        year=facts.year,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
        commitment=body["commitment_id"],
    )
    data = {
        "id": str(pid),
        "project": facts.code,
        "year": facts.year,
        "amount": fmt_yuan(parse_amount(body["amount"])),
        "date": parse_date(body["date"]).isoformat(),
        "payee": parse_text(body["payee"], "收款人"),
        "economic": cls.economic_code(body["economic"]) if body["economic"] else facts.economic,
        "voucher": parse_text(body["voucher"], "凭证号", required=False),
        "source": cls.funding_source(body["source"]) if body["source"] else facts.source,
        "commitment_id": str(parse_commitment_id(body["commitment_id"])) if body["commitment_id"] else None,
    }
    return {"data": data}, 201


@bp.post("/appropriations")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    AppropriationIn,
    location="json",
    arg_name="body",
    example={
        "project": "P1",
        "amount": "5000.00",
        "date": "2024-07-01",
        "kind": "add",
        "doc": "财【2024】9号",
    },
)
@bp.output(
    AppropriationCreated, status_code=201, description="已登记（同一请求编号重复提交时返回第一次的结果）"
)
@bp.doc(
    summary="登记预算批复或调整",
    description="年初预算（initial）、追加（add）、调减（reduce）、上年结转（carryover）、收回（recall）。"
    "调减、收回使预算低于已支出数时为 422。",
    responses=WRITE_ERRORS,
)
def create_appropriation(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed(body)
    facts = project_facts(body["project"], body["year"])
    require_record(facts.unit_code)
    aid = tracker().appropriate(
        facts.code,
        body["amount"],
        date=body["date"],
        kind=body["kind"],
        doc=body["doc"],
        year=facts.year,
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    value = parse_amount(body["amount"])
    data = {
        "id": str(aid),
        "project": facts.code,
        "year": facts.year,
        "date": parse_date(body["date"]).isoformat(),
        "kind": body["kind"],
        "kind_label": KIND_LABELS[body["kind"]],
        "amount": fmt_yuan(value * KIND_SIGN[body["kind"]]),
        "doc": parse_text(body["doc"], "文号", required=False),
    }
    return {"data": data}, 201


def payment_of(facts: ProjectFacts, payment_id: str) -> Payment:
    """The project's payment with this id (404 when it is another project's, or none)."""
    try:
        key = str(UUID(payment_id.strip()))
    except ValueError:
        raise NotFoundError(f"支付编号 {payment_id} 格式无效", "支付编号") from None
    for p in pages().ledger(facts.id, dt.date(facts.year, 12, 31)).payments:
        if p.id == key:
            return p
    raise NotFoundError(f"项目 {facts.code} 中没有支付 {payment_id}", "支付编号")


@bp.post("/projects/<int:year>/<code>/payments/<payment_id>/reversals")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    ReversalIn,
    location="json",
    arg_name="body",
    example={"amount": "500.00", "date": "2024-07-02", "reason": "金额录入有误"},
)
@bp.output(ReversalCreated, status_code=201, description="已冲销（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="冲销支付",
    description="冲销（退回）一笔支付的全部（不填金额）或部分，作为一条新记录；原支付保留。",
    responses=WRITE_ERRORS,
)
def create_reversal(
    year: int, code: str, payment_id: str, headers: dict[str, Any], body: dict[str, Any]
) -> Any:
    body = typed(body)
    facts = project_facts(code, year)
    require_record(facts.unit_code)
    payment = payment_of(facts, payment_id)
    rid = tracker().reverse(
        payment.id,
        body["amount"],
        date=body["date"],
        reason=body["reason"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    after = payment_of(facts, payment.id)
    done = next((r for r in after.reversals if r.id == str(rid)), None)
    data = {
        "id": str(rid),
        "payment": payment.id,
        "project": facts.code,
        "year": facts.year,
        "date": done.date.isoformat() if done else parse_date(body["date"]).isoformat(),
        "amount": fmt_yuan(done.amount if done else parse_amount(body["amount"] or payment.net)),
        "reason": done.reason if done else parse_text(body["reason"], "原因"),
    }
    return {"data": data}, 201


@bp.put("/projects/<int:year>/<code>/plan")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    PlanIn, location="json", arg_name="body", example={"plan": "03-31:25%,06-30:50%,09-30:75%,12-31:100%"}
)
@bp.output(PlanResponse)
@bp.doc(
    summary="设定资金支出计划",
    description="以新计划替换项目的资金支出计划（旧版本保留在历史中）。检查点为累计百分比或累计金额（元），"
    "可留空（该检查点不设目标），最后一个检查点为 12-31。",
    responses=WRITE_ERRORS,
)
def put_plan(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed(body)
    facts = project_facts(code, year)
    require_record(facts.unit_code)
    tracker().set_plan(
        facts.code,
        body["plan"],
        year=facts.year,
        wan=body["wan"],
        user=caller().name,
        note=body["note"],
        request_id=request_id(headers["idempotency_key"]),
    )
    after = tracker().show(facts.code, facts.year)
    data = {"project": facts.code, "year": facts.year, "plan": after["plan"] or ""}
    return {"data": {**data, "plan_warnings": after["plan_warnings"]}}


@bp.post("/projects/<int:year>/<code>/indicators/<indicator_id>/progress")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    ProgressIn,
    location="json",
    arg_name="body",
    example={"value": "2400人次", "date": "2024-07-01", "note": "上半年"},
)
@bp.output(IndicatorResponse)
@bp.doc(
    summary="记录指标进展",
    description="记录绩效指标的实际完成值（value），或定性指标的完成程度（completion，0–100）。",
    responses=WRITE_ERRORS,
)
def record_progress(
    year: int, code: str, indicator_id: str, headers: dict[str, Any], body: dict[str, Any]
) -> Any:
    body = typed(body)
    facts = project_facts(code, year)
    require_record(facts.unit_code)
    _, day = time_args(facts.year, None)
    ids = {i.id for i in pages().indicators(facts.year, facts.code, day)}
    try:
        key = str(UUID(indicator_id.strip()))
    except ValueError:
        key = ""
    if key not in ids:
        raise NotFoundError(f"项目 {facts.code} 中没有指标 {indicator_id}", "指标编号")
    tracker().record_indicator(
        facts.code,
        key,
        body["value"],
        completion=body["completion"],
        date=body["date"],
        note=body["note"],
        year=facts.year,
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    after = next(i for i in pages().indicators(facts.year, facts.code, day) if i.id == key)
    return {"data": indicator_item(after)}
