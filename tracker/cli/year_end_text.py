"""``tracker rollover`` and ``tracker ranking`` as terminal tables and JSON.

The figures come from the service layer (``RolloverResult``) and the queries
(``Ranking``); this module only draws them: amounts in 元 grouped by thousands and in
万元, rates half-up to two places, statuses by their Chinese label.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tracker.cli.formatting import table
from tracker.commands.rollover import CARRIED, WOULD_CARRY, RolloverResult, rollover_json
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import fmt_yuan, fmt_yuan_grouped, to_wan
from tracker.queries.figures import Figures
from tracker.queries.ranking import Ranking
from tracker.queries.ranking_wire import ranking_json

__all__ = ["ranking_json", "ranking_table", "rollover_json", "rollover_table"]

CENT = Decimal("0.01")
TARGET_LABELS = {"created": "新登记", "existing": "已有项目", "to_create": "将新登记", "": ""}


def _r(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def rollover_table(r: RolloverResult) -> str:
    headers = ["项目编码", "项目名称", "单位", "结余(元)", "结余(万元)", f"{r.from_year + 1} 年项目", "结果"]
    rows = [
        [
            i.carry.source.code,
            i.carry.source.name,
            i.carry.source.unit,
            fmt_yuan_grouped(i.amount),
            fmt_yuan(to_wan(i.amount)),
            TARGET_LABELS[i.target],
            i.label,
        ]
        for i in r.items
    ]
    what = "结转预览（未记录）" if r.dry_run else "结转结果"
    title = f"{r.from_year} 年度 → {r.from_year + 1} 年度 {what}" + (f"  单位 {r.unit}" if r.unit else "")
    if not rows:
        return f"{title}\n没有项目。"
    lines = [title, table(headers, rows, right=(3, 4))]
    for i in r.items:
        if i.outcome in (CARRIED, WOULD_CARRY):
            lines += [
                f"  {i.carry.source.code} 合同 {m.contract}（{m.id}）未支付 {fmt_yuan_grouped(m.open)} 元"
                f"{'将' if r.dry_run else '已'}结转为 {r.from_year + 1}-01-01 的合同占用"
                for m in i.carry.commitments
            ]
    return "\n".join(lines)


def _figure_cells(f: Figures | None) -> list[str]:
    if f is None:
        return ["", "", ""]
    return [fmt_yuan_grouped(f.budget), fmt_yuan_grouped(f.disbursed), _r(f.execution_rate)]


def ranking_table(k: Ranking) -> str:
    headers = [
        "排名",
        "单位编码",
        "单位名称",
        "全年预算(元)",
        "执行数(元)",
        "执行率%",
        "序时进度%",
        "差距(百分点)",
        "状态",
        "上年预算(元)",
        "上年执行数(元)",
        "上年执行率%",
        "同比(百分点)",
    ]
    rows: list[list[object]] = []
    for row in k.rows:
        f = row.figures
        now = [*_figure_cells(f), _r(f.planned_rate), _r(f.lag_points), STATUS_LABELS[row.status]]
        rows.append([row.rank, row.code, row.name, *now, *_figure_cells(row.previous), _r(row.change)])
    t, p = k.total, k.previous_total
    change = None if p is None else t.execution_rate - p.execution_rate
    now = [*_figure_cells(t), _r(t.planned_rate), _r(t.lag_points), STATUS_LABELS[k.total_status]]
    rows.append(["", "合计", "", *now, *_figure_cells(p), _r(change)])
    title = f"{k.year} 年预算执行进度排名（截至 {k.as_of}；上年同期 {k.previous_as_of}）  {k.unit_name}"
    return "\n".join([title, table(headers, rows, right=(0, 3, 4, 5, 6, 7, 9, 10, 11, 12))])
