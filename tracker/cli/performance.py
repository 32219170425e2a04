"""Commands for performance indicators and the year-end self-evaluation."""

from __future__ import annotations

import click

from tracker.cli.base import FORMAT, Context, TrackerGroup, cli, pass_ctx
from tracker.cli.formatting import echo, table, to_json


@cli.group(cls=TrackerGroup)
def indicator() -> None:
    """绩效指标。"""


@indicator.command("parse")
@click.argument("text")
@click.option("--year", type=int, help="年度（用于只写月份的期限）")
@click.option("--format", "fmt", type=FORMAT, default="json")
def indicator_parse(text: str, year: int | None, fmt: str) -> None:
    """解析指标值文本，如 ≥2400人次、≤60分钟、2024年12月、逐步提高。"""
    from tracker.domain.indicator import parse_target

    t = parse_target(text, year)
    data = {
        "kind": t.kind,
        "value": None if t.value is None else f"{t.value.normalize():f}",
        "unit": t.unit,
        "text": t.text,
        "deadline": t.deadline.isoformat() if t.deadline else None,
    }
    if fmt == "json":
        echo(to_json(data))
    else:
        echo(
            table(
                ["类型", "数值", "单位", "期限", "原文"],
                [
                    [
                        data["kind"],
                        data["value"] or "",
                        data["unit"] or "",
                        data["deadline"] or "",
                        data["text"],
                    ]
                ],
            )
        )


@indicator.command("add")
@click.argument("code")
@click.option("--level1", required=True, help="一级指标，如 产出指标")
@click.option("--level2", required=True, help="二级指标，如 数量指标")
@click.option("--name", required=True, help="三级指标名称")
@click.option("--target", required=True, help="指标值，如 ≥2400人次")
@click.option("--weight", help="分值")
@click.option("--description", default="", help="指标描述")
@click.option("--year", help="预算年度")
@click.option("--unit-level", is_flag=True, help="CODE 是单位编码（部门整体绩效指标）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def indicator_add(
    c: Context,
    code: str,
    level1: str,
    level2: str,
    name: str,
    target: str,
    weight: str | None,
    description: str,
    year: str | None,
    unit_level: bool,
    note: str,
    request_id: str | None,
) -> None:
    """添加绩效指标；最后一行输出指标编号。"""
    iid = c.app.add_indicator(
        code,
        level1=level1,
        level2=level2,
        name=name,
        target=target,
        weight=weight,
        description=description,
        year=year,
        unit_level=unit_level,
        note=note,
        request_id=request_id,
    )
    echo(f"已添加指标 {name}（{target}）")
    echo(str(iid))


@indicator.command("record")
@click.argument("code")
@click.argument("indicator_id")
@click.argument("value", required=False)
@click.option("--completion", help="定性指标的完成程度，如 86.67%")
@click.option("--date", "day", required=True, help="日期 YYYY-MM-DD")
@click.option("--note", default="", help="佐证说明")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def indicator_record(
    c: Context,
    code: str,
    indicator_id: str,
    value: str | None,
    completion: str | None,
    day: str,
    note: str,
    request_id: str | None,
) -> None:
    """记录实际完成值（或定性指标的完成程度）。"""
    if value is None and completion is None:
        raise click.UsageError("需要 VALUE 或 --completion")
    c.app.record_indicator(
        code, indicator_id, value, completion=completion, date=day, note=note, request_id=request_id
    )
    echo(f"已记录指标 {indicator_id} 的完成情况")
    echo(indicator_id)


@indicator.command("weight")
@click.argument("indicator_id")
@click.argument("weight")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def indicator_weight(c: Context, indicator_id: str, weight: str, note: str, request_id: str | None) -> None:
    """设置或修改指标分值（WEIGHT 写 默认 则恢复按默认模板分配）。"""
    value = None if weight.strip() in ("默认", "默认模板") else weight
    c.app.set_indicator_weight(indicator_id, value, note=note, request_id=request_id)
    shown = "默认模板" if value is None else value
    echo(f"已设置指标 {indicator_id} 的分值：{shown}")
    echo(indicator_id)


@indicator.command("shares")
@click.argument("unit_code")
@click.argument("shares")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def indicator_shares(c: Context, unit_code: str, shares: str, note: str, request_id: str | None) -> None:
    """单位自定未填分值指标的一级分值，如 产出指标=40,效益指标=40,满意度指标=10（合计 90）。"""
    c.app.set_weight_shares(unit_code, shares, note=note, request_id=request_id)
    echo(f"已设置单位 {unit_code} 的一级分值：{shares}")
    echo(unit_code)


@indicator.command("explain")
@click.argument("indicator_id")
@click.option("--cause", required=True, help="偏差原因分析")
@click.option("--action", required=True, help="改进措施")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def indicator_explain(c: Context, indicator_id: str, cause: str, action: str, request_id: str | None) -> None:
    """说明未完成指标的偏差原因与改进措施。"""
    c.app.explain_deviation(indicator_id, cause=cause, action=action, request_id=request_id)
    echo(f"已记录指标 {indicator_id} 的偏差原因与改进措施")
    echo(indicator_id)


@indicator.command("list")
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--unit-level", is_flag=True, help="CODE 是单位编码")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def indicator_list(c: Context, code: str, year: str | None, unit_level: bool, fmt: str) -> None:
    """列出项目（或单位）的绩效指标与完成情况。"""
    rows = c.app.indicators(code, year, unit_level)
    if fmt == "json":
        echo(to_json(rows))
        return
    echo(
        table(
            ["序号", "一级指标", "二级指标", "三级指标", "指标值", "分值", "实际完成", "完成程度", "编号"],
            [
                [
                    r["seq"],
                    r["level1"],
                    r["level2"],
                    r["name"],
                    r["target_text"],
                    r["weight"] or "默认模板",
                    r["actual_text"] or "",
                    r["completion"] or "",
                    r["id"],
                ]
                for r in rows
            ],
        )
    )


@indicator.command("combine")
@click.argument("unit_code")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--same", "same", multiple=True, help="同一含义、名称不同的指标编号，逗号分隔（可多次）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="输出文件（xlsx 必填）")
@pass_ctx
def indicator_combine(
    c: Context, unit_code: str, year: int, same: tuple[str, ...], fmt: str, output: str | None
) -> None:
    """汇总单位（含下级）各项目的资金与指标：绝对数相加，比率按资金加权平均，期限与定性指标全部达成才算达成。"""
    from tracker.cli.selfeval_text import combined_text, selfeval_json

    groups = [[i.strip() for i in text.replace("，", ",").split(",") if i.strip()] for text in same]
    form = c.app.self_evaluation(unit_code, year, unit_level=True, combine=True, same=groups)
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("--format xlsx 需要 -o 文件名")
        from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

        write_selfeval_xlsx(with_names(c.app, form), output)
        echo(f"已导出汇总自评表：{output}")
    elif fmt == "json":
        data = selfeval_json(form)
        by_id = {r["id"]: r for r in form["indicators"]}
        for i in data["indicators"]:
            i["parts"], i["projects"] = by_id[i["id"]]["parts"], by_id[i["id"]]["projects"]
        echo(to_json(data))
    else:
        echo(combined_text(form))


@cli.command("selfeval")
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--unit-level", is_flag=True, help="CODE 是单位编码（部门整体自评）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="输出文件（xlsx 必填）")
@click.option("--finalise", is_flag=True, help="定稿并签字（须所有偏差均已说明）")
@click.option("--signed-by", help="签字人（分管领导/局长），定稿时必填")
@click.option("--reopen", is_flag=True, help="退回已定稿的自评（须 --reason），签字保留在历史中")
@click.option("--reason", help="退回原因")
@click.option("--execution-cause", default="", help="预算执行未达 100% 的原因")
@click.option("--execution-action", default="", help="预算执行的改进措施")
@click.option("--goal", help="年度总体目标：预期目标（记录为事件）")
@click.option("--outcome", help="年度总体目标：实际完成情况（记录为事件）")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def selfeval_cmd(
    c: Context,
    code: str,
    year: str | None,
    unit_level: bool,
    fmt: str,
    output: str | None,
    finalise: bool,
    signed_by: str | None,
    reopen: bool,
    reason: str | None,
    execution_cause: str,
    execution_action: str,
    goal: str | None,
    outcome: str | None,
    request_id: str | None,
) -> None:
    """绩效自评：执行率 10 分 + 指标 90 分，评定等级；--goal/--outcome 年度总体目标；--finalise 定稿。"""
    from tracker.cli.selfeval_text import selfeval_json, selfeval_text

    if goal is not None or outcome is not None:
        # With --finalise or --reopen in the same run, the --id names those; the goal's is derived.
        goal_request = f"{request_id}:goal" if request_id and (finalise or reopen) else request_id
        c.app.set_evaluation_goal(
            code, year, goal=goal, outcome=outcome, unit_level=unit_level, request_id=goal_request
        )

    if reopen and finalise:
        raise click.UsageError("--reopen 与 --finalise 不能同时使用")
    if reopen:
        if not reason:
            raise click.UsageError("退回需要 --reason")
        c.app.reopen_evaluation(code, year, reason=reason, unit_level=unit_level, request_id=request_id)
        if fmt == "table":
            echo(f"已退回 {code} 的自评，修改后须重新定稿")
    if finalise:
        if not signed_by:
            raise click.UsageError("定稿需要 --signed-by")
        c.app.finalise_evaluation(
            code,
            year,
            signed_by=signed_by,
            unit_level=unit_level,
            execution_cause=execution_cause,
            execution_action=execution_action,
            request_id=request_id,
        )
    form = c.app.self_evaluation(
        code, year, unit_level=unit_level, execution_cause=execution_cause, execution_action=execution_action
    )
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("--format xlsx 需要 -o 文件名")
        from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

        write_selfeval_xlsx(with_names(c.app, form), output)
        echo(f"已导出自评表：{output}")
    elif fmt == "json":
        echo(to_json(selfeval_json(form)))
    else:
        echo(selfeval_text(form))
