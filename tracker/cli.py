"""The ``tracker`` command: a thin door onto ``tracker.application``.

Refused commands exit 1 with the reason (naming the field) on stderr; usage errors
exit 2 (click's convention); commands that create something print its id alone on
the last line, so scripts can capture it with ``tail -n1``.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from tracker import wire
from tracker.application import BudgetTracker
from tracker.config import Settings
from tracker.domain.errors import NotFoundError, TrackerError
from tracker.formatting import table, to_json
from tracker.inputs import parse_date

FORMAT = click.Choice(["table", "json"])


class TrackerGroup(click.Group):
    """Turns refusals into exit status 1 with a readable message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            click.echo(f"错误：{e}", err=True)
            ctx.exit(1)
        except PersistenceError as e:
            click.echo(f"数据库错误：{e}", err=True)
            ctx.exit(1)


class Context:
    """Opens the tracker lazily, so ``--help`` never touches a database."""

    def __init__(self, db: str | None, user: str | None) -> None:
        base = Settings.from_env()
        self.settings = Settings(db_url=db or base.db_url, user=user or base.user)
        self._app: BudgetTracker | None = None

    @property
    def app(self) -> BudgetTracker:
        if self._app is None:
            self._app = BudgetTracker(self.settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=TrackerGroup)
@click.option("--db", envvar="TRACKER_DB", help="数据库地址：sqlite:///文件 或 postgresql://…（默认 sqlite:///tracker.db）")
@click.option("--user", envvar="TRACKER_USER", help="操作人（默认取操作系统用户名）")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None) -> None:
    """预算执行进度跟踪（budget execution tracker）。"""
    obj = Context(db, user)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


# ------------------------------------------------------------------- units


@cli.group(cls=TrackerGroup)
def unit() -> None:
    """预算单位。"""


@unit.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", help="上级单位编码")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号（重复提交不会重复记录）")
@pass_ctx
def unit_add(c: Context, code: str, name: str, parent: str | None, note: str,
             request_id: str | None) -> None:
    """添加预算单位。"""
    uid = c.app.add_unit(code, name, parent, note=note, request_id=request_id)
    click.echo(f"已添加单位 {code} {name}")
    click.echo(str(uid))


@unit.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def unit_list(c: Context, fmt: str) -> None:
    """列出预算单位。"""
    rows = c.app.units()
    if fmt == "json":
        click.echo(to_json(rows))
    else:
        click.echo(table(["单位编码", "单位名称", "上级单位"],
                         [[r["code"], r["name"], r["parent_code"] or ""] for r in rows]))


# ---------------------------------------------------------------- projects


@cli.group(cls=TrackerGroup)
def project() -> None:
    """预算项目。"""


@project.command("add")
@click.option("--year", required=True, help="预算年度")
@click.option("--unit", "unit_code", required=True, help="预算单位编码")
@click.option("--code", required=True, help="项目编码")
@click.option("--name", required=True, help="项目名称")
@click.option("--type", "etype", default="项目支出",
              help="支出类型：项目支出、基本支出-人员经费、基本支出-公用经费")
@click.option("--functional", help="支出功能分类科目（3/5/7 位）")
@click.option("--economic", help="部门经济分类科目（3/5 位）")
@click.option("--source", help="资金来源（默认 一般公共预算财政拨款）")
@click.option("--plan", "plan_spec", help="资金支出计划，如 03-31:25%,06-30:50%,09-30:75%,12-31:100%")
@click.option("--owner", default="", help="项目负责人")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def project_add(c: Context, year: str, unit_code: str, code: str, name: str, etype: str,
                functional: str | None, economic: str | None, source: str | None,
                plan_spec: str | None, owner: str, note: str, request_id: str | None) -> None:
    """添加预算项目。"""
    pid = c.app.add_project(
        year=year, unit=unit_code, code=code, name=name, expenditure_type=etype,
        functional=functional, economic=economic, source=source, owner=owner,
        plan=plan_spec, note=note, request_id=request_id,
    )
    click.echo(f"已添加 {year} 年项目 {code} {name}")
    click.echo(str(pid))


@project.command("list")
@click.option("--year", type=int)
@click.option("--unit", "unit_code")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def project_list(c: Context, year: int | None, unit_code: str | None, fmt: str) -> None:
    """列出预算项目。"""
    rows = c.app.projects(year, unit_code)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    click.echo(table(
        ["年度", "项目编码", "项目名称", "单位", "支出类型", "功能分类"],
        [[r["year"], r["code"], r["name"], r["unit_code"], r["expenditure_type"],
          r["functional"] or ""] for r in rows],
    ))


# ------------------------------------------------------------- money moves


@cli.command()
@click.argument("code")
@click.argument("amount")
@click.option("--date", "day", required=True, help="业务日期 YYYY-MM-DD")
@click.option("--kind", type=click.Choice(["initial", "add", "reduce", "carryover", "recall"]),
              default="initial", show_default=True,
              help="年初预算 / 追加 / 调减 / 上年结转 / 收回")
@click.option("--doc", default="", help="文号，如 保财社【2023】111号")
@click.option("--wan", is_flag=True, help="金额单位为万元")
@click.option("--year", help="预算年度（编码在多个年度存在时必填）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def budget(c: Context, code: str, amount: str, day: str, kind: str, doc: str, wan: bool,
           year: str | None, note: str, request_id: str | None) -> None:
    """记录预算批复（年初预算、追加、调减、上年结转、收回）。"""
    aid = c.app.appropriate(code, amount, date=day, kind=kind, doc=doc, wan=wan, year=year,
                            note=note, request_id=request_id)
    click.echo(f"已记录 {code} 预算 {kind} {amount}{'万元' if wan else '元'}")
    click.echo(str(aid))


@cli.command()
@click.argument("code")
@click.argument("amount")
@click.option("--date", "day", required=True, help="支付日期 YYYY-MM-DD")
@click.option("--payee", required=True, help="收款人")
@click.option("--economic", help="经济分类科目（默认取项目的）")
@click.option("--voucher", default="", help="凭证号")
@click.option("--source", help="资金来源（默认取项目的）")
@click.option("--wan", is_flag=True, help="金额单位为万元")
@click.option("--year", help="预算年度")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def pay(c: Context, code: str, amount: str, day: str, payee: str, economic: str | None,
        voucher: str, source: str | None, wan: bool, year: str | None, note: str,
        request_id: str | None) -> None:
    """记录一笔支付；超出可用预算的支付会被拒绝。"""
    pid = c.app.pay(code, amount, date=day, payee=payee, economic=economic, voucher=voucher,
                    source=source, wan=wan, year=year, note=note, request_id=request_id)
    click.echo(f"已记录 {code} 支付 {amount}{'万元' if wan else '元'} → {payee}")
    click.echo(str(pid))


@cli.command()
@click.argument("payment_id")
@click.argument("amount", required=False)
@click.option("--date", "day", required=True, help="冲销日期 YYYY-MM-DD")
@click.option("--reason", required=True, help="冲销原因")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def reverse(c: Context, payment_id: str, amount: str | None, day: str, reason: str,
            request_id: str | None) -> None:
    """冲销（退回）一笔支付，可部分冲销；不写金额即冲销剩余全部。"""
    rid = c.app.reverse(payment_id, amount, date=day, reason=reason, request_id=request_id)
    click.echo(f"已冲销支付 {payment_id}")
    click.echo(str(rid))


@cli.command()
@click.argument("code")
@click.argument("spec")
@click.option("--year", help="预算年度")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def plan(c: Context, code: str, spec: str, year: str | None, note: str,
         request_id: str | None) -> None:
    """设定资金支出计划（新版本，旧版本保留在历史中）。"""
    pid = c.app.set_plan(code, spec, year=year, note=note, request_id=request_id)
    click.echo(f"已设定 {code} 的资金支出计划：{spec}")
    click.echo(str(pid))


# ------------------------------------------------------------------- views


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def show(c: Context, code: str, year: str | None, fmt: str) -> None:
    """显示一个项目的当前状态。"""
    view = c.app.show(code, year)
    if fmt == "json":
        click.echo(to_json(view))
        return
    from tracker.cli_views import show_text

    click.echo(show_text(view))


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def history(c: Context, code: str, year: str | None, fmt: str) -> None:
    """按时间顺序列出项目的全部事件（谁、何时）。"""
    rows = c.app.history(code, year)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    click.echo(table(
        ["序号", "记录时间", "操作人", "事件", "业务日期", "金额(元)", "说明"],
        [[r["version"], r["recorded_at"], r["user"], r["label"], r["date"] or "",
          r["amount"] or "", r["details"] + (f"；备注：{r['note']}" if r["note"] else "")]
         for r in rows],
        right=(5,),
    ))


# ------------------------------------------------------------ read models


def _as_of(text: str | None) -> dt.date | None:
    return parse_date(text, "--as-of") if text else None


@cli.command()
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（默认今天，年度结束后为 12-31）")
@click.option("--unit", "unit_code", help="单位编码（含全部下级单位）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@pass_ctx
def status(c: Context, year: int, as_of: str | None, unit_code: str | None, fmt: str) -> None:
    """各项目执行率、序时进度、差距与状态。"""
    report = c.app.queries.status_report(year, _as_of(as_of), unit_code)
    if fmt == "json":
        click.echo(to_json(wire.status_json(report)))
    elif fmt == "csv":
        click.echo(wire.status_csv(report), nl=False)
    else:
        click.echo(wire.status_table(report))


@cli.command()
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--by", "by", required=True,
              help="汇总维度 unit|functional|economic|source|type，两个维度用逗号分隔即为交叉表")
@click.option("--level", type=click.Choice(["3", "5", "7"]), help="科目级次（类 3 / 款 5 / 项 7）")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD")
@click.option("--unit", "unit_code", help="单位编码（含全部下级单位）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@pass_ctx
def rollup(c: Context, year: int, by: str, level: str | None, as_of: str | None,
           unit_code: str | None, fmt: str) -> None:
    """按单位、功能分类、经济分类、资金来源或支出类型汇总。"""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    r = c.app.queries.rollup(year, dims, int(level) if level else None, _as_of(as_of), unit_code)
    if fmt == "json":
        click.echo(to_json(wire.rollup_json(r)))
    elif fmt == "csv":
        click.echo(wire.rollup_csv(r), nl=False)
    else:
        click.echo(wire.rollup_table(r))


@cli.command()
@click.argument("code")
@click.option("--unit", "is_unit", is_flag=True, help="CODE 是单位编码（汇总其全部项目）")
@click.option("--year", type=int, help="预算年度（项目编码唯一时可省略；单位必填）")
@click.option("--as-of", "as_of", help="截至日期")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@pass_ctx
def series(c: Context, code: str, is_unit: bool, year: int | None, as_of: str | None,
           fmt: str) -> None:
    """逐日累计的预算、执行数、执行率与序时进度（供图表使用）。"""
    if is_unit:
        if year is None:
            raise click.UsageError("--unit 时必须指定 --year")
        s = c.app.queries.series(year, unit=code, as_of=_as_of(as_of))
    else:
        pid = c.app.find_project(code, year)
        s = c.app.queries.series(year or c.app.project_year(pid), code=code, as_of=_as_of(as_of))
    if fmt == "csv":
        click.echo(wire.series_csv(s), nl=False)
    else:
        click.echo(to_json({"year": s["year"], "code": s["code"], "unit": s["unit"],
                            "as_of": s["as_of"], "points": wire.series_rows(s)}))


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--as-of", "as_of", help="截至日期")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def progress(c: Context, code: str, year: str | None, as_of: str | None, fmt: str) -> None:
    """一个项目的检查点完成情况、预测与每日所需支出。"""
    from tracker.cli_views import progress_json, progress_text

    data = c.app.queries.progress(c.app.find_project(code, year), _as_of(as_of))
    click.echo(to_json(progress_json(data)) if fmt == "json" else progress_text(data))


@cli.group(cls=TrackerGroup)
def settings() -> None:
    """单位设置（预警规则与阈值）。"""


@settings.command("set")
@click.argument("unit_code")
@click.option("--rule", type=click.Choice(["ratio", "points"]), required=True,
              help="ratio：执行率/序时进度 比例；points：落后百分点")
@click.option("--yellow", help="黄色阈值（ratio 默认 80，points 默认 5）")
@click.option("--red", help="红色阈值（ratio 默认 60，points 默认 10）")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def settings_set(c: Context, unit_code: str, rule: str, yellow: str | None, red: str | None,
                 request_id: str | None) -> None:
    """设定单位的滞后预警规则。"""
    uid = c.app.change_unit_settings(unit_code, rule=rule, yellow=yellow, red=red,
                                     request_id=request_id)
    click.echo(f"已设定单位 {unit_code} 的预警规则：{rule}")
    click.echo(str(uid))


@settings.command("show")
@click.argument("unit_code")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def settings_show(c: Context, unit_code: str, fmt: str) -> None:
    """显示单位的预警规则。"""
    row = c.app.queries.units().get(unit_code)
    if row is None:
        raise NotFoundError(f"单位 {unit_code} 不存在", "单位编码")
    data = {"unit": unit_code, "rule": row["status_rule"], "yellow": row["yellow"],
            "red": row["red"]}
    if fmt == "json":
        click.echo(to_json(data))
    else:
        label = "比例规则" if row["status_rule"] == "ratio" else "百分点规则"
        click.echo(f"单位 {unit_code}：{label}，黄色阈值 {row['yellow']}，红色阈值 {row['red']}")


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
    click.echo(f"已重放 {count} 个事件")


@cli.command()
@click.option("--until", "until", default="2024-12-31", show_default=True,
              help="生成支付数据截至的日期")
@click.option("--reset", is_flag=True, help="先删除现有 SQLite 数据库文件")
@pass_ctx
def demo(c: Context, until: str, reset: bool) -> None:
    """生成演示数据：保定市满城区医疗保障局本级 2024 年的八个项目。"""
    from tracker.demo import run_demo

    run_demo(c, until=until, reset=reset, echo=click.echo)


def main() -> None:
    cli(prog_name="tracker")
