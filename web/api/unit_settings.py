"""A unit's settings (administrators): its lag rule and thresholds, its alert settings
(which rules alert, after how many working days an alert goes to the managers), and
its delivery channels with a test send.

The commands of ``tracker settings set``, ``tracker alerts settings`` and ``tracker
channels add/list/test``. A channel's secret fields (robot keys, tokens, SMTP
passwords, signing secrets) are accepted only as references (``env:NAME``,
``file:/path``), read when sending; a listing shows the references as typed and any
secret an older release stored as ``***``: no secret is ever answered.
"""

from __future__ import annotations

from typing import Any

from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.inputs import parse_code
from tracker.notify.channels import ChannelConfigError, check_new_config, masked
from tracker.notify.delivery import test_channel
from tracker.queries import Queries
from web.api.access import ADMIN, caller, request_id, roles
from web.api.blueprint import bp
from web.api.inputs import typed_with
from web.api.responses_admin import ChannelResponse, ChannelsResponse, ChannelTestResponse, SettingsResponse
from web.api.schemas import IdempotencyHeader
from web.api.schemas_admin import AlertSettingsIn, ChannelIn, SettingsIn
from web.extensions import tracker

ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "不是系统管理员",
    404: "单位或渠道不存在",
    409: "请求编号已用于另一条不同的命令",
    422: "字段校验不通过（`field` 指出字段）",
}


def unit_row(code: str) -> dict[str, Any]:
    key = parse_code(code, "单位编码")
    row = tracker().queries.units().get(key)
    if row is None:
        raise NotFoundError(f"单位 {key} 不存在", "单位编码")
    return row


def settings_item(code: str) -> dict[str, Any]:
    row = unit_row(code)
    alerts = tracker().alert_settings(row["code"])
    return {
        "unit": row["code"],
        "rule": row["status_rule"],
        "yellow": str(row["yellow"]),
        "red": str(row["red"]),
        "min_points": f"{Queries.rule_of(row).min_points.normalize():f}",
        "alert_rules": list(alerts["rules"]),
        "escalation_days": int(alerts["escalation_days"]),
        "managers": alerts["managers"] or "",
    }


def channel_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "unit": row["unit_code"],
        "name": row["name"],
        "kind": row["kind"],
        "purpose": row["purpose"],
        "params": masked(row["config"]),
    }


@bp.get("/units/<code>/settings")
@roles(ADMIN)
@bp.output(SettingsResponse)
@bp.doc(
    summary="单位设置",
    description="单位的滞后规则与阈值（`tracker settings show`），"
    "以及预警设置（启用的规则、升级天数、升级对象）。",
    responses=ERRORS,
)
def get_settings(code: str) -> Any:
    return {"data": settings_item(code)}


@bp.put("/units/<code>/settings")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    SettingsIn, location="json", arg_name="body", example={"rule": "points", "yellow": "5", "red": "10"}
)
@bp.output(SettingsResponse)
@bp.doc(
    summary="设定滞后规则",
    description="与 `tracker settings set` 相同：ratio（执行率 ÷ 序时进度，默认黄 80、红 60）"
    "或 points（落后的百分点，默认黄 5、红 10）。",
    responses=ERRORS,
)
def put_settings(code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, numbers={"yellow": "黄色阈值", "red": "红色阈值", "min_points": "最少落后百分点"})
    row = unit_row(code)
    tracker().change_unit_settings(
        row["code"],
        rule=body["rule"],
        yellow=body["yellow"] or None,
        red=body["red"] or None,
        min_points=body["min_points"] or None,
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": settings_item(row["code"])}


@bp.put("/units/<code>/alert-settings")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    AlertSettingsIn,
    location="json",
    arg_name="body",
    example={"rules": ["lag", "checkpoint_missed"], "escalation_days": 3, "managers": "张局长"},
)
@bp.output(SettingsResponse)
@bp.doc(
    summary="设定预警",
    description="启用哪些预警规则，未确认的预警在多少个工作日后升级给领导（整体替换）。",
    responses=ERRORS,
)
def put_alert_settings(code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts={"managers": "升级对象"})
    row = unit_row(code)
    tracker().change_alert_settings(
        row["code"],
        rules_enabled=body["rules"],
        escalation_days=body["escalation_days"],
        managers=body["managers"].strip(),
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": settings_item(row["code"])}


@bp.get("/units/<code>/channels")
@roles(ADMIN)
@bp.output(ChannelsResponse)
@bp.doc(
    summary="单位的发送渠道",
    description="与 `tracker channels list --unit` 相同：密钥只显示其引用，旧版本直接保存的密钥显示为 ***。",
    responses=ERRORS,
)
def list_channels(code: str) -> Any:
    row = unit_row(code)
    return {"data": [channel_item(c) for c in tracker().channels(row["code"])]}


def checked_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The channel's settings as the CLI's ``--set KEY=VALUE`` gives them (texts), each
    refused by its key: a nested value, a bad setting, a secret typed in clear."""
    config: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidInputError(f"渠道参数 {key} 应为文本", key)
        config[key] = str(value).strip()
    try:
        check_new_config({"kind": kind, **config})
    except ChannelConfigError as e:
        raise InvalidInputError(str(e), e.field) from None
    return config


@bp.post("/units/<code>/channels")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    ChannelIn,
    location="json",
    arg_name="body",
    example={
        "kind": "wecom",
        "name": "财务群机器人",
        "purpose": "alerts",
        "params": {"key": "env:WECOM_KEY"},
    },
)
@bp.output(ChannelResponse, status_code=201, description="已添加（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="添加发送渠道",
    description="与 `tracker channels add` 相同：参数先经校验；密钥（key、token、secret、password）"
    "只能写成 `env:变量名` 或 `file:/文件路径`，直接写出的密钥被拒绝（422，`field` 为该参数）。",
    responses=ERRORS,
)
def create_channel(code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts={"name": "渠道名称"})
    row = unit_row(code)
    config = checked_params(body["kind"], body["params"])
    cid = tracker().add_channel(
        row["code"],
        name=body["name"],
        kind=body["kind"],
        config=config,
        purpose=body["purpose"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    made = next(c for c in tracker().channels(row["code"]) if c["id"] == str(cid))
    return {"data": channel_item(made)}, 201


@bp.post("/channels/<channel_id>/test")
@roles(ADMIN)
@bp.output(ChannelTestResponse)
@bp.doc(
    summary="测试发送渠道",
    description="立即向渠道发送一条测试消息并报告结果（同时检查密钥引用的环境变量或文件是否可读）；"
    "不记录任何内容，因此不需要 Idempotency-Key。发送失败为 422，`error` 说明原因。",
    responses={403: "不是系统管理员", 404: "渠道不存在", 422: "测试发送失败或渠道配置有误"},
)
def channel_test(channel_id: str) -> Any:
    try:
        result = test_channel(tracker(), channel_id.strip())
    except ChannelConfigError as e:
        raise InvalidInputError(str(e), e.field) from None
    return {"data": {"id": channel_id.strip(), "result": result}}
