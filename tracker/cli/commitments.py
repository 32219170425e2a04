"""``tracker commit``, ``tracker commit release`` and ``tracker commitments``: 合同/采购
commitments that reserve budget until paid (``pay --commitment``) or released."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from tracker.cli.base import Context, TrackerGroup, cli, known_on_option, pass_ctx
from tracker.cli.formatting import echo, table, to_json
from tracker.domain.inputs import parse_date
from tracker.domain.money import fmt_yuan_grouped
from tracker.queries import commitments as wire
from tracker.queries.known import known_on as parse_known_on

RECORD = "record"


class CommitGroup(TrackerGroup):
    """``commit CODE AMOUNT ...`` records a commitment; ``commit release ID`` frees one.

    Anything that is not a subcommand's name goes to the hidden ``record`` command, so
    the short form ``tracker commit P1 50000 --date ... --contract ...`` works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [RECORD, *args]
        return super().parse_args(ctx, args)


@cli.group(cls=CommitGroup)
def commit() -> None:
    """合同/采购占用预算：tracker commit 项目编码 金额 --date 日期 --contract 合同；
    tracker commit release 合同编号 [金额] --date 日期 --reason 原因。"""


@commit.command(RECORD, hidden=True)
@click.argument("code")
@click.argument("amount")
@click.option("--date", "day", required=True, help="合同签订日期 YYYY-MM-DD")
@click.option("--contract", required=True, help="合同名称或编号")
@click.option("--supplier", default="", help="供应商")
@click.option("--wan", is_flag=True, help="金额单位为万元")
@click.option("--year", help="预算年度（编码在多个年度存在时必填）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号（重复提交不会重复记录）")
@pass_ctx
def commit_record(
    c: Context,
    code: str,
    amount: str,
    day: str,
    contract: str,
    supplier: str,
    wan: bool,
    year: str | None,
    note: str,
    request_id: str | None,
) -> None:
    """记录一份合同/采购对预算的占用；超出未支付且未占用的余额会被拒绝。"""
    cid = c.app.commit(
        code,
        amount,
        date=day,
        contract=contract,
        supplier=supplier,
        wan=wan,
        year=year,
        note=note,
        request_id=request_id,
    )
    echo(f"已记录 {code} 合同占用 {amount}{'万元' if wan else '元'}（{contract}）")
    echo(str(cid))


@commit.command("release")
@click.argument("commitment_id")
@click.argument("amount", required=False)
@click.option("--date", "day", required=True, help="解除日期 YYYY-MM-DD")
@click.option("--reason", required=True, help="原因")
@click.option("--id", "request_id", help="请求编号（重复提交不会重复记录）")
@pass_ctx
def commit_release(
    c: Context, commitment_id: str, amount: str | None, day: str, reason: str, request_id: str | None
) -> None:
    """解除合同对预算的占用（不给金额则解除全部未支付部分）。"""
    rid = c.app.release_commitment(commitment_id, amount, date=day, reason=reason, request_id=request_id)
    echo(f"已解除合同 {commitment_id} 的占用" + (f" {amount} 元" if amount else ""))
    echo(str(rid))


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（默认今天，年度结束后为 12-31）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@known_on_option
@pass_ctx
def commitments(
    c: Context, code: str, year: str | None, as_of: str | None, fmt: str, known_on: str | None
) -> None:
    """列出项目的合同占用及未支付余额。"""
    known = parse_known_on(known_on)
    day, rows = c.app.commitments(
        code, year=year, as_of=parse_date(as_of, "--as-of") if as_of else None, known=known
    )
    data = wire.commitments_json(code, c.app.project_year(c.app.find_project(code, year)), day, rows, known)
    if fmt == "json":
        echo(to_json(data))
    elif fmt == "csv":
        echo(wire.commitments_csv(rows), nl=False)
    else:
        echo(commitments_text(data))


def commitments_text(data: dict[str, Any]) -> str:
    known = f"，{data['known_on_caption']}" if "known_on_caption" in data else ""
    lines = [f"{data['year']} 年 {data['code']} 合同占用（截至 {data['as_of']}{known}）"]
    g = fmt_yuan_grouped
    rows = [
        [
            r["date"],
            r["contract"],
            r["supplier"],
            g(Decimal(r["amount"])),
            g(Decimal(r["drawn"])),
            g(Decimal(r["released"])),
            g(Decimal(r["open"])),
            r["id"],
        ]
        for r in data["commitments"]
    ]
    headers = ["日期", "合同", "供应商", "合同金额(元)", "已支付(元)", "已解除(元)", "未支付(元)", "合同编号"]
    lines.append(table(headers, rows, right=(3, 4, 5, 6)))
    lines.append(f"已签合同未支付合计：{g(Decimal(data['committed']))} 元")
    return "\n".join(lines)
