"""Figures on the wire: amounts as two-decimal strings in 元, rates rounded half-up.

Statuses were decided from unrounded values before they get here; a total row's
rates come from summed amounts, so they are budget-weighted.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tracker.cli.formatting import table
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import fmt_yuan, fmt_yuan_grouped
from tracker.queries import Figures, ProjectStatus

CENT = Decimal("0.01")


def pct(value: Decimal) -> float:
    """Percent rounded half-up (四舍五入) to two places, as a JSON number."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def figures(f: Figures) -> dict[str, Any]:
    return {
        "budget": fmt_yuan(f.budget),
        "disbursed": fmt_yuan(f.disbursed),
        "available": fmt_yuan(f.available),
        "execution_rate": pct(f.execution_rate),
        "planned_rate": pct(f.planned_rate),
        "lag_points": pct(f.lag_points),
        "forecast_rate": pct(f.forecast_rate),
    }


def project(p: ProjectStatus) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "unit": p.unit, **figures(p.figures), "status": p.status}


def status_json(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "year": report["year"],
        "as_of": report["as_of"].isoformat(),
        "unit": report["unit"],
        "projects": [project(p) for p in report["projects"]],
        "total": {**figures(report["total"]), "status": report["total_status"]},
    }


STATUS_COLUMNS = [
    "code",
    "name",
    "unit",
    "budget",
    "disbursed",
    "available",
    "execution_rate",
    "planned_rate",
    "lag_points",
    "status",
    "forecast_rate",
]


def status_csv(report: dict[str, Any]) -> str:
    data = status_json(report)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STATUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in data["projects"]:
        writer.writerow(row)
    writer.writerow({"code": "合计", "name": "", "unit": data["unit"] or "", **data["total"]})
    return out.getvalue()


def _r(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def status_table(report: dict[str, Any]) -> str:
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
    title = f"{report['year']} 年预算执行进度（截至 {report['as_of']}）"
    if report["unit"]:
        title += f"  单位 {report['unit']}"
    return title + "\n" + table(headers, rows, right=(2, 3, 4, 5, 6, 7, 9))


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


def rollup_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "year": r["year"],
        "as_of": r["as_of"].isoformat(),
        "by": r["by"],
        "level": r["level"],
        "unit": r["unit"],
        "rows": [
            {"key": row["key"], "name": row["name"], "projects": row["projects"], **figures(row["figures"])}
            for row in r["rows"]
        ],
        "total": figures(r["total"]),
    }


def rollup_table(r: dict[str, Any]) -> str:
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
    return f"{r['year']} 年汇总（截至 {r['as_of']}）\n" + table(headers, rows, right=tuple(range(n, n + 6)))


def rollup_csv(r: dict[str, Any]) -> str:
    data = rollup_json(r)
    out = io.StringIO()
    keys = [f"{d}" for d in data["by"]] + [f"{d}_name" for d in data["by"]]
    cols = [
        *keys,
        "projects",
        "budget",
        "disbursed",
        "available",
        "execution_rate",
        "planned_rate",
        "lag_points",
        "forecast_rate",
    ]
    writer = csv.DictWriter(out, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for row in data["rows"]:
        flat = {k: v for k, v in row.items() if k not in ("key", "name")}
        for i, d in enumerate(data["by"]):
            flat[d] = row["key"][i]
            flat[f"{d}_name"] = row["name"][i]
        writer.writerow(flat)
    return out.getvalue()


def series_rows(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "date": p["date"].isoformat(),
            "budget": fmt_yuan(p["figures"].budget),
            "disbursed": fmt_yuan(p["figures"].disbursed),
            "execution_rate": pct(p["figures"].execution_rate),
            "planned_rate": pct(p["figures"].planned_rate),
        }
        for p in s["points"]
    ]


def series_csv(s: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["date", "budget", "disbursed", "execution_rate", "planned_rate"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(series_rows(s))
    return out.getvalue()
