"""``tracker rollover`` (年末结转) and ``tracker ranking`` (通报排名)."""

from __future__ import annotations

import click

from tracker.cli.base import Context, cli, known_on_option, pass_ctx
from tracker.cli.formatting import echo, to_json
from tracker.cli.year_end_text import ranking_json, ranking_table, rollover_json, rollover_table
from tracker.domain.inputs import parse_date
from tracker.queries.known import known_on as parse_known_on
from tracker.queries.ranking_wire import ranking_csv


@cli.command()
@click.option("--from", "from_year", required=True, help="结转的年度（须已结束）")
@click.option("--unit", "unit_code", help="单位编码（含全部下级单位）")
@click.option("--dry-run", is_flag=True, help="只列出将结转的金额，不记录")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def rollover(c: Context, from_year: str, unit_code: str | None, dry_run: bool, fmt: str) -> None:
    """把各项目 12 月 31 日的结余结转到下一年度同编码项目（上年结转）。"""
    result = c.app.rollover(from_year, unit=unit_code, dry_run=dry_run)
    echo(to_json(rollover_json(result)) if fmt == "json" else rollover_table(result))


@cli.command()
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（默认今天，年度结束后为 12-31）")
@click.option("--unit", "unit_code", help="上级单位编码：排名其直属下级单位（各含其下级）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@known_on_option
@pass_ctx
def ranking(
    c: Context, year: int, as_of: str | None, unit_code: str | None, fmt: str, known_on: str | None
) -> None:
    """各单位按执行率排名，附上年同期与同比（通报）。"""
    day = parse_date(as_of, "--as-of") if as_of else None
    k = c.app.queries.ranking(year, day, unit_code, parse_known_on(known_on))
    if fmt == "json":
        echo(to_json(ranking_json(k)))
    elif fmt == "csv":
        echo(ranking_csv(k), nl=False)
    else:
        echo(ranking_table(k))
