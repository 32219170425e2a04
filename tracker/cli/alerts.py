"""Commands for lag alerts and their delivery channels (the embedded default: no Redis)."""

from __future__ import annotations

import json

import click

from tracker.cli.base import FORMAT, Context, TrackerGroup, cli, pass_ctx
from tracker.cli.formatting import echo, table, to_json
from tracker.domain.alert import RULE_LABELS
from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date
from tracker.domain.lag import STATUS_LABELS


@cli.group(cls=TrackerGroup)
def alerts() -> None:
    """滞后预警。"""


@alerts.command("check")
@click.option("--as-of", "as_of", help="检查日期（默认今天）")
@click.option("--year", type=int, help="预算年度（默认检查日期所在年度）")
@click.option("--deliver", is_flag=True, help="检查后立即通过已配置的渠道发送（无需 Redis）")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def alerts_check(c: Context, as_of: str | None, year: int | None, deliver: bool, fmt: str) -> None:
    """按各单位的规则检查执行进度，产生新的预警；重复运行不会重复预警。"""
    day = parse_date(as_of, "--as-of") if as_of else None
    result = c.app.check_alerts(day, year=year)
    if deliver:
        from tracker.notify.delivery import deliver_pending

        result["delivered"] = deliver_pending(c.app)
    if fmt == "json":
        echo(
            to_json(
                {
                    "as_of": result["as_of"],
                    "raised": result["raised"],
                    "already_open": result["already_open"],
                    "resolved": result["resolved"],
                    "escalated": result["escalated"],
                    **({"delivered": result["delivered"]} if deliver else {}),
                }
            )
        )
        return
    echo(
        f"检查日期 {result['as_of']}：新增预警 {len(result['raised'])} 条，"
        f"已存在 {result['already_open']} 条，解除 {len(result['resolved'])} 条，"
        f"升级 {len(result['escalated'])} 条"
    )
    if result["raised"]:
        echo(
            table(
                ["单位", "项目", "规则", "级别", "差距(百分点)", "期间", "预警编号"],
                [
                    [
                        r["unit"],
                        r["project"],
                        RULE_LABELS[r["rule"]],
                        STATUS_LABELS[r["severity"]],
                        r["lag_points"] or "",
                        r["period"],
                        r["id"],
                    ]
                    for r in result["raised"]
                ],
            )
        )


@alerts.command("list")
@click.option("--open", "open_only", is_flag=True, help="只列未解除的预警")
@click.option("--unit", "unit_code", help="单位编码")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def alerts_list(c: Context, open_only: bool, unit_code: str | None, fmt: str) -> None:
    """列出预警。"""
    rows = c.app.alerts(open_only=open_only, unit=unit_code)
    if fmt == "json":
        echo(to_json(rows))
        return
    echo(
        table(
            ["产生日期", "单位", "项目", "规则", "级别", "期间", "确认", "升级", "解除", "预警编号"],
            [
                [
                    r["raised_on"],
                    r["unit_code"],
                    r["project"],
                    RULE_LABELS[r["rule"]],
                    STATUS_LABELS[r["severity"]],
                    r["period"],
                    r["acknowledged_by"] or "",
                    r["escalated_to"] or "",
                    r["resolved_on"] or "",
                    r["id"],
                ]
                for r in rows
            ],
        )
    )


@alerts.command("ack")
@click.argument("alert_id")
@click.option("--comment", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def alerts_ack(c: Context, alert_id: str, comment: str, request_id: str | None) -> None:
    """确认预警（停止升级）。"""
    c.app.acknowledge_alert(alert_id, comment=comment, request_id=request_id)
    echo(f"已确认预警 {alert_id}")
    echo(alert_id)


@alerts.command("settings")
@click.argument("unit_code")
@click.option("--rules", "rule_list", help="启用的规则，逗号分隔：" + ",".join(RULE_LABELS))
@click.option("--escalation-days", type=int, default=3, show_default=True, help="未确认多少个工作日后升级")
@click.option("--managers", default="", help="升级对象（单位领导）")
@pass_ctx
def alerts_settings(
    c: Context, unit_code: str, rule_list: str | None, escalation_days: int, managers: str
) -> None:
    """设定单位启用的预警规则与升级规则。"""
    chosen = [r.strip() for r in rule_list.split(",") if r.strip()] if rule_list else None
    uid = c.app.change_alert_settings(
        unit_code, rules_enabled=chosen, escalation_days=escalation_days, managers=managers
    )
    echo(f"已设定单位 {unit_code} 的预警规则")
    echo(str(uid))


@cli.group(cls=TrackerGroup)
def channels() -> None:
    """预警发送渠道（企业微信、钉钉、邮件、Webhook）。"""


@channels.command("add")
@click.argument("unit_code")
@click.option("--kind", type=click.Choice(["wecom", "dingtalk", "email", "webhook"]), required=True)
@click.option("--name", required=True, help="渠道名称")
@click.option("--purpose", type=click.Choice(["alerts", "managers", "digest"]), default="alerts")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help=(
        "渠道参数，如 key=env:WECOM_KEY token=… secret=file:/etc/tracker/dingtalk.secret base_url=… "
        "url=… host=… port=… sender=… recipients=a@b,c@d；密钥（key、token、secret、password）"
        "只能写成 env:变量名 或 file:/文件路径，发送时读取"
    ),
)
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def channels_add(
    c: Context,
    unit_code: str,
    kind: str,
    name: str,
    purpose: str,
    settings: tuple[str, ...],
    request_id: str | None,
) -> None:
    """为单位添加发送渠道；参数先经校验，密钥只记录引用（env:变量名 或 file:/文件路径）。"""
    config = {}
    for item in settings:
        if "=" not in item:
            raise click.UsageError(f"--set 需要 KEY=VALUE：{item}")
        key, value = item.split("=", 1)
        config[key.strip()] = value.strip()
    from tracker.notify.channels import ChannelConfigError, check_new_config

    try:
        check_new_config({"kind": kind, **config})  # refuses a bad setting or a literal secret, by name
    except ChannelConfigError as e:
        raise InvalidInputError(str(e), e.field) from None
    cid = c.app.add_channel(
        unit_code, name=name, kind=kind, config=config, purpose=purpose, request_id=request_id
    )
    echo(f"已为单位 {unit_code} 添加渠道 {name}（{kind}）")
    echo(str(cid))


@channels.command("list")
@click.option("--unit", "unit_code", help="单位编码")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def channels_list(c: Context, unit_code: str | None, fmt: str) -> None:
    """列出发送渠道（密钥引用照录，旧版本直接保存的密钥显示为 ***）。"""
    from tracker.notify.channels import masked

    rows = [{**r, "config": masked(r["config"])} for r in c.app.channels(unit_code)]
    if fmt == "json":
        echo(to_json(rows))
        return
    echo(
        table(
            ["单位", "名称", "类型", "用途", "参数", "渠道编号"],
            [
                [
                    r["unit_code"],
                    r["name"],
                    r["kind"],
                    r["purpose"],
                    json.dumps(r["config"], ensure_ascii=False),
                    r["id"],
                ]
                for r in rows
            ],
        )
    )


@channels.command("test")
@click.argument("channel_id")
@pass_ctx
def channels_test(c: Context, channel_id: str) -> None:
    """向渠道发送一条测试消息，报告结果（同时检查密钥引用的环境变量或文件是否可读）。"""
    from tracker.notify.delivery import test_channel

    echo(test_channel(c.app, channel_id))
