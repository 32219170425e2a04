"""``tracker transfer``: 预算调剂 between two projects of one year (one atomic command)."""

from __future__ import annotations

import click

from tracker.cli.base import Context, cli, pass_ctx
from tracker.cli.formatting import echo


@cli.command()
@click.argument("from_code")
@click.argument("to_code")
@click.argument("amount")
@click.option("--date", "day", required=True, help="调剂日期 YYYY-MM-DD")
@click.option("--doc", required=True, help="调剂文号，如 满财预调【2024】5号")
@click.option("--wan", is_flag=True, help="金额单位为万元")
@click.option("--year", help="预算年度（编码在多个年度存在时必填）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号（重复提交不会重复记录）")
@pass_ctx
def transfer(
    c: Context,
    from_code: str,
    to_code: str,
    amount: str,
    day: str,
    doc: str,
    wan: bool,
    year: str | None,
    note: str,
    request_id: str | None,
) -> None:
    """预算调剂：把预算从一个项目调至同一年度的另一个项目（两边同时记录，或都不记录）。"""
    tid = c.app.transfer(
        from_code, to_code, amount, date=day, doc=doc, wan=wan, year=year, note=note, request_id=request_id
    )
    echo(f"已调剂 {amount}{'万元' if wan else '元'}：{from_code} → {to_code}（文号 {doc}）")
    echo(str(tid))
