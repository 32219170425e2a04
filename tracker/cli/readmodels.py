"""Commands that read the read models: status, roll-ups, series, settings."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from tracker.cli.base import FORMAT, Context, TrackerGroup, cli, known_on_option, pass_ctx
from tracker.cli.formatting import echo, to_json
from tracker.cli.status_text import rollup_table, status_table
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_date
from tracker.queries import wire
from tracker.queries.known import KnownOn
from tracker.queries.known import known_on as parse_known_on

# ------------------------------------------------------------ read models


def _as_of(text: str | None) -> dt.date | None:
    return parse_date(text, "--as-of") if text else None


def _known(text: str | None) -> KnownOn | None:
    """``--known-on``: the moment (Beijing time) whose records count; 依据时点 in errors."""
    return parse_known_on(text)


@cli.command()
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（默认今天，年度结束后为 12-31）")
@click.option("--unit", "unit_code", help="单位编码（含全部下级单位）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@known_on_option
@pass_ctx
def status(
    c: Context, year: int, as_of: str | None, unit_code: str | None, fmt: str, known_on: str | None
) -> None:
    """各项目执行率、序时进度、差距与状态。"""
    report = c.app.queries.status_report(year, _as_of(as_of), unit_code, _known(known_on))
    if fmt == "json":
        echo(to_json(wire.status_json(report)))
    elif fmt == "csv":
        echo(wire.status_csv(report), nl=False)
    else:
        echo(status_table(report))


@cli.command()
@click.option("--year", required=True, type=int, help="预算年度")
@click.option(
    "--by",
    "by",
    required=True,
    help="汇总维度 unit|functional|economic|source|type，两个维度用逗号分隔即为交叉表",
)
@click.option("--level", type=click.Choice(["3", "5", "7"]), help="科目级次（类 3 / 款 5 / 项 7）")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD")
@click.option("--unit", "unit_code", help="单位编码（含全部下级单位）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@known_on_option
@pass_ctx
def rollup(
    c: Context,
    year: int,
    by: str,
    level: str | None,
    as_of: str | None,
    unit_code: str | None,
    fmt: str,
    known_on: str | None,
) -> None:
    """按单位、功能分类、经济分类、资金来源或支出类型汇总。"""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    known = _known(known_on)
    r = c.app.queries.rollup(year, dims, int(level) if level else None, _as_of(as_of), unit_code, known)
    if fmt == "json":
        echo(to_json(wire.rollup_json(r)))
    elif fmt == "csv":
        echo(wire.rollup_csv(r), nl=False)
    else:
        echo(rollup_table(r))


@cli.command()
@click.argument("code")
@click.option("--unit", "is_unit", is_flag=True, help="CODE 是单位编码（汇总其全部项目）")
@click.option("--year", type=int, help="预算年度（项目编码唯一时可省略；单位必填）")
@click.option("--as-of", "as_of", help="截至日期")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@known_on_option
@pass_ctx
def series(
    c: Context, code: str, is_unit: bool, year: int | None, as_of: str | None, fmt: str, known_on: str | None
) -> None:
    """逐日累计的预算、执行数、执行率与序时进度（供图表使用）。"""
    known = _known(known_on)
    if is_unit:
        if year is None:
            raise click.UsageError("--unit 时必须指定 --year")
        s = c.app.queries.series(year, unit=code, as_of=_as_of(as_of), known=known)
    else:
        pid = c.app.find_project(code, year)
        s = c.app.queries.series(year or c.app.project_year(pid), code=code, as_of=_as_of(as_of), known=known)
    if fmt == "csv":
        echo(wire.series_csv(s), nl=False)
    else:
        echo(
            to_json(
                {
                    "year": s["year"],
                    "code": s["code"],
                    "unit": s["unit"],
                    "as_of": s["as_of"],
                    **wire.known_json(known),
                    "points": wire.series_rows(s),
                }
            )
        )


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--as-of", "as_of", help="截至日期")
@click.option("--format", "fmt", type=FORMAT, default="table")
@known_on_option
@pass_ctx
def progress(
    c: Context, code: str, year: str | None, as_of: str | None, fmt: str, known_on: str | None
) -> None:
    """一个项目的检查点完成情况、预测与每日所需支出。"""
    from tracker.cli.show_text import progress_json, progress_text

    known = _known(known_on)
    data = c.app.queries.progress(c.app.find_project(code, year), _as_of(as_of), known)
    echo(to_json(progress_json(data)) if fmt == "json" else progress_text(data))


@cli.group(cls=TrackerGroup)
def settings() -> None:
    """单位设置（预警规则与阈值）。"""


@settings.command("set")
@click.argument("unit_code")
@click.option(
    "--rule",
    type=click.Choice(["ratio", "points"]),
    help="ratio：执行率/序时进度 比例；points：落后百分点（不写则保留单位现有规则及阈值）",
)
@click.option("--yellow", help="黄色阈值（ratio 默认 80，points 默认 5）")
@click.option("--red", help="红色阈值（ratio 默认 60，points 默认 10）")
@click.option("--min-points", "min_points", help="ratio 规则下至少落后多少个百分点才预警（默认 3）")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def settings_set(
    c: Context,
    unit_code: str,
    rule: str | None,
    yellow: str | None,
    red: str | None,
    min_points: str | None,
    request_id: str | None,
) -> None:
    """设定单位的滞后预警规则（一次设定全部：未写的阈值取默认值）。"""
    if rule is None:  # only thresholds given: keep the unit's rule and its other thresholds
        row = _unit_row(c, unit_code)
        rule = row["status_rule"]
        yellow = row["yellow"] if yellow is None else yellow
        red = row["red"] if red is None else red
        min_points = row["min_points"] if min_points is None else min_points
    uid = c.app.change_unit_settings(
        unit_code, rule=rule, yellow=yellow, red=red, min_points=min_points, request_id=request_id
    )
    echo(f"已设定单位 {unit_code} 的预警规则：{rule}")
    echo(str(uid))


def _unit_row(c: Context, unit_code: str) -> dict[str, Any]:
    row = c.app.queries.units().get(unit_code)
    if row is None:
        raise NotFoundError(f"单位 {unit_code} 不存在", "单位编码")
    return row


@settings.command("show")
@click.argument("unit_code")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def settings_show(c: Context, unit_code: str, fmt: str) -> None:
    """显示单位的预警规则。"""
    row = _unit_row(c, unit_code)
    rule = c.app.queries.rule_of(row)
    data = {"unit": unit_code, "rule": row["status_rule"], "yellow": row["yellow"], "red": row["red"]}
    if rule.kind == "ratio":
        data["min_points"] = f"{rule.min_points.normalize():f}"
    if fmt == "json":
        echo(to_json(data))
    else:
        label = "比例规则" if rule.kind == "ratio" else "百分点规则"
        least = f"，且至少落后 {data['min_points']} 个百分点" if "min_points" in data else ""
        echo(f"单位 {unit_code}：{label}，黄色阈值 {row['yellow']}，红色阈值 {row['red']}{least}")


@cli.group(cls=TrackerGroup)
def projections() -> None:
    """读模型（投影）维护。"""


@projections.command("rebuild")
@pass_ctx
def projections_rebuild(c: Context) -> None:
    """从事件日志重建全部读模型。"""
    with click.progressbar(length=1, label="重建读模型", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = c.app.rebuild_read_model(progress)
    echo(f"已重放 {count} 个事件")


@cli.command("export")
@click.argument(
    "kind",
    type=click.Choice(
        [
            "summary",
            "function",
            "basic",
            "project-economic",
            "three-public",
            "fdp",
            "monitoring",
            "selfeval",
            "ranking",
        ]
    ),
)
@click.option("--year", required=True, type=int, help="预算年度")
@click.option(
    "--unit", "unit_code", help="单位编码（含下级单位）；selfeval 时为项目或单位编码；ranking 时为上级单位"
)
@click.option("--as-of", "as_of", help="截至日期（默认年末或今天）")
@click.option(
    "-o",
    "--output",
    "--out",
    "output",
    required=True,
    type=click.Path(),
    help="输出文件（.xlsx/.csv；fdp 为目录或 .zip）",
)
@known_on_option
@pass_ctx
def export_cmd(
    c: Context,
    kind: str,
    year: int,
    unit_code: str | None,
    as_of: str | None,
    output: str,
    known_on: str | None,
) -> None:
    """导出公开报表（收支总表、支出总表、基本支出表、项目支出表、三公经费表）、
    财政数据包、绩效运行监控表、自评表或执行进度通报（ranking）。"""
    day = _as_of(as_of)
    known = _known(known_on)
    if kind == "monitoring":
        from tracker.exporting.monitoring import write_monitoring

        if not unit_code:
            raise click.UsageError("monitoring 需要 --unit")
        path = write_monitoring(c.app, year, unit_code, day, output, known)
    elif kind == "ranking":
        from tracker.exporting.ranking import write_ranking

        path = write_ranking(c.app.read, year, day, unit_code, output, known)
    elif kind == "selfeval":
        from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

        if not unit_code:
            raise click.UsageError("selfeval 需要 --unit 项目编码")
        form = c.app.self_evaluation(unit_code, year, known_on=known)
        path = write_selfeval_xlsx(with_names(c.app, form), output)
    else:
        from tracker.exporting import export

        path = export(c.app.read, kind, year, unit_code, output, as_of=day, known=known)
    echo(f"已导出：{path}")
