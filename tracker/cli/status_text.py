"""``tracker status`` and ``tracker rollup`` as terminal tables.

The figures come from ``tracker.queries`` (``status_report``, ``rollup``); this module
only draws them: amounts grouped by thousands, rates rounded half-up to two places,
statuses by their Chinese label.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tracker.cli.formatting import table
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import fmt_yuan_grouped
from tracker.queries import Figures

CENT = Decimal("0.01")


def _r(value: Decimal) -> str:
    """A rate as printed: two places, half-up (四舍五入)."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def known_caption(report: dict[str, Any]) -> str:
    """``，依据 2024-07-05 17:00 的登记`` when the report was asked as known on a moment."""
    known = report.get("known_on")
    return f"，{known.caption}" if known is not None else ""


def status_table(report: dict[str, Any]) -> str:
    """Every project of a ``status_report`` and its 合计 line, under a title with the date."""
    headers = [
        "项目编码",
        "项目名称",
        "全年预算(元)",
        "执行数(元)",
        "可用余额(元)",
        "执行率%",
        "序时进度%",
        "差距(百分点)",
        "状态",
        "预计年末%",
    ]
    rows = [_figure_row([p.code, p.name], p.figures, p.status) for p in report["projects"]]
    rows.append(
        _figure_row(["合计", f"{len(report['projects'])} 个项目"], report["total"], report["total_status"])
    )
    right: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 9)
    if has_commitments(report):  # shown beside the rates; absent where no contract is open
        headers += ["已签合同未支付(元)", "未占用余额(元)"]
        figures = [p.figures for p in report["projects"]] + [report["total"]]
        for row, f in zip(rows, figures, strict=True):
            row += [fmt_yuan_grouped(f.committed), fmt_yuan_grouped(f.uncommitted)]
        right += (10, 11)
    title = f"{report['year']} 年预算执行进度（截至 {report['as_of']}{known_caption(report)}）"
    if report["unit"]:
        title += f"  单位 {report['unit']}"
    lines = [title, table(headers, rows, right=right)]
    r = report["total_rule"]
    lines.append(f"合计状态规则（{r['source']}）：{r['rule'].describe()}")
    lines += plan_warning_lines(report["plan_warnings"])
    return "\n".join(lines)


def has_commitments(report: dict[str, Any]) -> bool:
    """Whether any project of the report has open commitments as of its date: only then
    do the table and the CSV gain the two commitment columns (a ledger without
    contracts prints exactly as before)."""
    return any(p.figures.committed for p in report["projects"])


def plan_warning_lines(by_code: dict[str, list[str]]) -> list[str]:
    """``计划提示：`` then one line per warning, naming the project."""
    if not by_code:
        return []
    return ["计划提示："] + [f"  {code}：{w}" for code, ws in by_code.items() for w in ws]


def _figure_row(lead: list[str], f: Figures, status: str) -> list[str]:
    return [
        *lead,
        fmt_yuan_grouped(f.budget),
        fmt_yuan_grouped(f.disbursed),
        fmt_yuan_grouped(f.available),
        _r(f.execution_rate),
        _r(f.planned_rate),
        _r(f.lag_points),
        STATUS_LABELS[status],
        _r(f.forecast_rate),
    ]


def rollup_table(r: dict[str, Any]) -> str:
    """One line per group of a ``rollup`` (key and name per dimension), then 合计."""
    labels = {
        "unit": "单位",
        "functional": "功能分类",
        "economic": "经济分类",
        "source": "资金来源",
        "type": "支出类型",
    }
    headers = [labels[d] for d in r["by"]] + [
        "项目数",
        "全年预算(元)",
        "执行数(元)",
        "执行率%",
        "序时进度%",
        "差距(百分点)",
    ]
    rows = []
    for row in r["rows"]:
        keys = [f"{k} {n}".strip() if k != n else k for k, n in zip(row["key"], row["name"], strict=True)]
        f = row["figures"]
        rows.append(
            [
                *keys,
                row["projects"],
                fmt_yuan_grouped(f.budget),
                fmt_yuan_grouped(f.disbursed),
                _r(f.execution_rate),
                _r(f.planned_rate),
                _r(f.lag_points),
            ]
        )
    t = r["total"]
    rows.append(
        [
            "合计",
            *[""] * (len(r["by"]) - 1),
            "",
            fmt_yuan_grouped(t.budget),
            fmt_yuan_grouped(t.disbursed),
            _r(t.execution_rate),
            _r(t.planned_rate),
            _r(t.lag_points),
        ]
    )
    n = len(r["by"])
    return f"{r['year']} 年汇总（截至 {r['as_of']}{known_caption(r)}）\n" + table(
        headers, rows, right=tuple(range(n, n + 6))
    )
