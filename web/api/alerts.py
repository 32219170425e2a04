"""Lag alerts: the list (of the caller's units) and a manager's acknowledgement.

Acknowledging (确认) is a manager's act for the units they manage; it stops the
alert's escalation and is recorded with its comment, through the same command the
alerts page and the CLI use.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import RAISE

from tracker.domain.errors import NotFoundError
from web.api.access import MANAGER, api_scope, caller, request_id, require_manage, require_read, roles
from web.api.blueprint import bp
from web.api.inputs import typed
from web.api.responses import AlertResponse, AlertsResponse
from web.api.schemas import AcknowledgeIn, AlertsQuery, IdempotencyHeader
from web.extensions import tracker


def alert_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "unit": row["unit_code"],
        "project": row["project"],
        "year": int(row["year"]),
        "rule": row["rule"],
        "severity": row["severity"],
        "period": row["period"],
        "raised_on": row["raised_on"],
        "figures": row["figures"],
        "attempts": int(row["attempts"]),
        "acknowledged_by": row["acknowledged_by"],
        "ack_comment": row["ack_comment"],
        "escalated_to": row["escalated_to"],
        "resolved_on": row["resolved_on"],
    }


def find_alert(alert_id: str) -> dict[str, Any]:
    try:
        key = str(UUID(alert_id.strip()))
    except ValueError:
        raise NotFoundError(f"预警编号 {alert_id} 格式无效", "预警编号") from None
    for row in tracker().alerts():
        if row["id"] == key:
            return row
    raise NotFoundError(f"预警 {alert_id} 不存在", "预警编号")


@bp.get("/alerts")
@bp.input(AlertsQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(AlertsResponse)
@bp.doc(
    summary="预警",
    description="调用者可查看的单位的预警（最新的在前）；open=true 只列出尚未解除的。",
    responses={403: "无权查看该单位"},
)
def alerts(query: dict[str, Any]) -> Any:
    unit = query["unit"]
    if unit is not None:
        require_read(unit)
    scope = api_scope()
    rows = [r for r in tracker().alerts(open_only=query["open"], unit=unit) if scope.can_read(r["unit_code"])]
    return {"data": [alert_item(r) for r in rows]}


@bp.post("/alerts/<alert_id>/acknowledge")
@roles(MANAGER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(AcknowledgeIn, location="json", arg_name="body", example={"comment": "已督促加快支付"})
@bp.output(AlertResponse)
@bp.doc(
    summary="确认预警",
    description="管理人员确认本单位及下级单位的预警（附说明），停止其升级。",
    responses={
        400: "请求体不是有效的 JSON",
        403: "不是管理人员，或预警不属于调用者管理的单位",
        404: "预警不存在",
        409: "请求编号已用于另一条不同的命令",
    },
)
def acknowledge(alert_id: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed(body)
    row = find_alert(alert_id)
    require_manage(row["unit_code"])
    tracker().acknowledge_alert(
        row["id"],
        comment=body["comment"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": alert_item(find_alert(row["id"]))}
