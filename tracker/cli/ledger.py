"""Commands that record and show the ledger: units, projects, money, plans."""

from __future__ import annotations

import click

from tracker.cli.base import FORMAT, Context, TrackerGroup, cli, known_on_option, pass_ctx
from tracker.cli.formatting import echo, table, to_json
from tracker.queries.known_views import LATER

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
def unit_add(c: Context, code: str, name: str, parent: str | None, note: str, request_id: str | None) -> None:
    """添加预算单位。"""
    uid = c.app.add_unit(code, name, parent, note=note, request_id=request_id)
    echo(f"已添加单位 {code} {name}")
    echo(str(uid))


@unit.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def unit_list(c: Context, fmt: str) -> None:
    """列出预算单位。"""
    rows = c.app.units()
    if fmt == "json":
        echo(to_json(rows))
    else:
        echo(
            table(
                ["单位编码", "单位名称", "上级单位"],
                [[r["code"], r["name"], r["parent_code"] or ""] for r in rows],
            )
        )


# ---------------------------------------------------------------- projects


@cli.group(cls=TrackerGroup)
def project() -> None:
    """预算项目。"""


@project.command("add")
@click.option("--year", required=True, help="预算年度")
@click.option("--unit", "unit_code", required=True, help="预算单位编码")
@click.option("--code", required=True, help="项目编码")
@click.option("--name", required=True, help="项目名称")
@click.option(
    "--type", "etype", default="项目支出", help="支出类型：项目支出、基本支出-人员经费、基本支出-公用经费"
)
@click.option("--functional", help="支出功能分类科目（3/5/7 位）")
@click.option("--economic", help="部门经济分类科目（3/5 位）")
@click.option("--source", help="资金来源（默认 一般公共预算财政拨款）")
@click.option("--plan", "plan_spec", help="资金支出计划，如 03-31:25%,06-30:50%,09-30:75%,12-31:100%")
@click.option("--wan", is_flag=True, help="计划中的金额单位为万元")
@click.option("--owner", default="", help="项目负责人")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def project_add(
    c: Context,
    year: str,
    unit_code: str,
    code: str,
    name: str,
    etype: str,
    functional: str | None,
    economic: str | None,
    source: str | None,
    plan_spec: str | None,
    wan: bool,
    owner: str,
    note: str,
    request_id: str | None,
) -> None:
    """添加预算项目。"""
    pid = c.app.add_project(
        year=year,
        unit=unit_code,
        code=code,
        name=name,
        expenditure_type=etype,
        functional=functional,
        economic=economic,
        source=source,
        owner=owner,
        plan=plan_spec,
        wan=wan,
        note=note,
        request_id=request_id,
    )
    echo(f"已添加 {year} 年项目 {code} {name}")
    echo(str(pid))


@project.command("list")
@click.option("--year", type=int)
@click.option("--unit", "unit_code")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def project_list(c: Context, year: int | None, unit_code: str | None, fmt: str) -> None:
    """列出预算项目。"""
    rows = c.app.projects(year, unit_code)
    if fmt == "json":
        echo(to_json(rows))
        return
    echo(
        table(
            ["年度", "项目编码", "项目名称", "单位", "支出类型", "功能分类"],
            [
                [
                    r["year"],
                    r["code"],
                    r["name"],
                    r["unit_code"],
                    r["expenditure_type"],
                    r["functional"] or "",
                ]
                for r in rows
            ],
        )
    )


# ------------------------------------------------------------- money moves


@cli.command()
@click.argument("code")
@click.argument("amount")
@click.option("--date", "day", required=True, help="业务日期 YYYY-MM-DD")
@click.option(
    "--kind",
    type=click.Choice(["initial", "add", "reduce", "carryover", "recall"]),
    default="initial",
    show_default=True,
    help="年初预算 / 追加 / 调减 / 上年结转 / 收回",
)
@click.option("--doc", default="", help="文号，如 保财社【2023】111号")
@click.option("--wan", is_flag=True, help="金额单位为万元")
@click.option("--year", help="预算年度（编码在多个年度存在时必填）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def budget(
    c: Context,
    code: str,
    amount: str,
    day: str,
    kind: str,
    doc: str,
    wan: bool,
    year: str | None,
    note: str,
    request_id: str | None,
) -> None:
    """记录预算批复（年初预算、追加、调减、上年结转、收回）。"""
    aid = c.app.appropriate(
        code, amount, date=day, kind=kind, doc=doc, wan=wan, year=year, note=note, request_id=request_id
    )
    echo(f"已记录 {code} 预算 {kind} {amount}{'万元' if wan else '元'}")
    echo(str(aid))


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
@click.option("--commitment", help="按合同支付：合同编号（先使用该合同未支付的部分）")
@pass_ctx
def pay(
    c: Context,
    code: str,
    amount: str,
    day: str,
    payee: str,
    economic: str | None,
    voucher: str,
    source: str | None,
    wan: bool,
    year: str | None,
    note: str,
    request_id: str | None,
    commitment: str | None,
) -> None:
    """记录一笔支付；超出可用预算（已签合同占用的除外）的支付会被拒绝。"""
    pid = c.app.pay(
        code,
        amount,
        date=day,
        payee=payee,
        economic=economic,
        voucher=voucher,
        source=source,
        wan=wan,
        year=year,
        note=note,
        request_id=request_id,
        commitment=commitment,
    )
    echo(f"已记录 {code} 支付 {amount}{'万元' if wan else '元'} → {payee}")
    echo(str(pid))


@cli.command()
@click.argument("payment_id")
@click.argument("amount", required=False)
@click.option("--date", "day", required=True, help="冲销日期 YYYY-MM-DD")
@click.option("--reason", required=True, help="冲销原因")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def reverse(
    c: Context, payment_id: str, amount: str | None, day: str, reason: str, request_id: str | None
) -> None:
    """冲销（退回）一笔支付，可部分冲销；不写金额即冲销剩余全部。"""
    rid = c.app.reverse(payment_id, amount, date=day, reason=reason, request_id=request_id)
    echo(f"已冲销支付 {payment_id}")
    echo(str(rid))


@cli.command()
@click.argument("code")
@click.argument("spec")
@click.option("--year", help="预算年度")
@click.option("--wan", is_flag=True, help="金额单位为万元（也可在数值后加“万”）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def plan(
    c: Context, code: str, spec: str, year: str | None, wan: bool, note: str, request_id: str | None
) -> None:
    """设定资金支出计划（新版本，旧版本保留在历史中）。"""
    pid = c.app.set_plan(code, spec, year=year, wan=wan, note=note, request_id=request_id)
    view = c.app.show(code, year)
    echo(f"已设定 {code} 的资金支出计划：{view['plan']}")
    for warning in view["plan_warnings"]:
        echo(f"提示：{warning}")
    echo(str(pid))


# ------------------------------------------------------------------- views


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--format", "fmt", type=FORMAT, default="table")
@known_on_option
@pass_ctx
def show(c: Context, code: str, year: str | None, fmt: str, known_on: str | None) -> None:
    """显示一个项目的当前状态（或依据时点时的状态）。"""
    view = c.app.show(code, year, known_on)
    if fmt == "json":
        echo(to_json(view))
        return
    from tracker.cli.show_text import show_text

    echo(show_text(view))


@cli.command()
@click.argument("code")
@click.option("--year", help="预算年度")
@click.option("--format", "fmt", type=FORMAT, default="table")
@known_on_option
@pass_ctx
def history(c: Context, code: str, year: str | None, fmt: str, known_on: str | None) -> None:
    """按时间顺序列出项目的全部事件（谁、何时）；给出依据时点时标出其后登记的。"""
    rows = c.app.history(code, year, known_on)
    if fmt == "json":
        echo(to_json(rows))
        return
    marked = bool(known_on)
    echo(
        table(
            [
                "序号",
                "记录时间",
                "操作人",
                "事件",
                "业务日期",
                "金额(元)",
                "说明",
                *(["依据时点"] if marked else []),
            ],
            [
                [
                    r["version"],
                    r["recorded_at"],
                    r["user"],
                    r["label"],
                    r["date"] or "",
                    r["amount"] or "",
                    r["details"] + (f"；备注：{r['note']}" if r["note"] else ""),
                    *([LATER if r["recorded_after"] else ""] if marked else []),
                ]
                for r in rows
            ],
            right=(5,),
        )
    )


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, help="预算年度（表中无“预算年度”列时必填）")
@click.option("--dry-run", is_flag=True, help="只校验，不记录")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def import_cmd(c: Context, path: str, year: int | None, dry_run: bool, fmt: str) -> None:
    """导入项目表、绩效指标表或支付明细表（.xlsx/.csv）；先校验全部行，有错则不导入。"""
    from tracker.importing import import_file, text_progress

    report = import_file(
        c.app, path, year=year, dry_run=dry_run, user=c.settings.user, progress=text_progress()
    )
    if fmt == "json":
        echo(to_json(report.as_dict()))
    else:
        for line in report.lines():
            echo(line)
