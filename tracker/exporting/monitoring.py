"""The 绩效运行监控表: budget execution and indicator progress of a unit as of a date.

One line per indicator of each project of the unit (and every unit below it): the
project's 全年预算 and 执行数 in 万元, 执行率, 序时进度, 差距 (序时进度 − 执行率, in
percentage points; positive means behind plan) and 状态 (正常 / 预警 / 严重滞后 by the
unit's rule), then the indicator's 一级 / 二级 / 三级, 年度指标值, 实际完成值 as last
recorded on or before the date, 完成进度 and the 偏差原因 / 改进措施 recorded.

The 合计 line comes first, as in the public tables; its rates come from the summed
amounts. With more than one unit in the selection each unit has its own subtotal line
before its projects. In ``.xlsx`` a project's figures are merged down over its
indicator lines; in ``.csv`` (one header line, then one line per row) every line
repeats them, so each line stands on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from openpyxl.worksheet.worksheet import Worksheet

from tracker.commands.selfeval import result_of
from tracker.domain import lag, selfeval
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_date, parse_year
from tracker.exporting.csv_export import write_csv
from tracker.exporting.forms import ROUNDING_NOTE, Cell, Column, Form, Row, stamped, wan
from tracker.exporting.selfeval_form import finish_sheet, half_up, ordered, runs, write_form
from tracker.exporting.xlsx import HEADER_ROW
from tracker.queries import Figures, ProjectStatus, default_as_of
from tracker.queries.indicators import of_projects
from tracker.queries.known import KnownOn
from tracker.queries.known_views import indicator_as_known
from tracker.store.chain import read_head

TITLE = "绩效运行监控表"
NOT_RECORDED = "未填报"
COLUMNS = [
    Column("index", 5),
    Column("code", 14),
    Column("text", 20),
    Column("money", 11),
    Column("money", 11),
    Column("score", 9),
    Column("score", 9),
    Column("score", 9),
    Column("text", 9),
    Column("text", 8),
    Column("text", 10),
    Column("text", 18),
    Column("text", 11),
    Column("text", 11),
    Column("score", 8),
    Column("text", 18),
    Column("text", 18),
]
PROJECT_COLS = range(9)  # 序号 … 状态: merged down over a project's indicator lines
STATUS_COL, LEVEL1_COL, LEVEL2_COL = 8, 9, 10
HEADER = [
    [
        "序号",
        "项目编码",
        "项目名称",
        "预算执行",
        "",
        "",
        "",
        "",
        "",
        "绩效指标执行",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "",
        "",
        "",
        "全年预算",
        "执行数",
        "执行率（%）",
        "序时进度（%）",
        "差距（百分点）",
        "状态",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "完成进度（%）",
        "偏差原因",
        "改进措施",
    ],
]
HEADER_MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 8), (0, 9, 0, 16)]


def status_label(status: str) -> str:
    """正常 / 预警 / 严重滞后."""
    return lag.STATUS_LABELS.get(status, status)


def rule_text(rule: lag.StatusRule) -> str:
    y, r = (f"{x.normalize():f}" for x in (rule.yellow, rule.red))
    if rule.kind == lag.POINTS:
        return (
            f"落后序时进度不超过{y}个百分点为正常，超过{y}个但不超过{r}个百分点为预警，"
            f"超过{r}个百分点为严重滞后"
        )
    m = f"{rule.min_points.normalize():f}"
    return (
        f"执行率达到序时进度的{y}%及以上为正常，{r}%（含）至{y}%为预警，低于{r}%为严重滞后；"
        f"落后序时进度不超过{m}个百分点的均为正常"
    )


def monitoring_form(
    app: Any, year: int | str, unit: str, as_of: dt.date | str | None = None, known: KnownOn | None = None
) -> Form:
    """The monitoring table of ``unit`` and its subtree as of ``as_of`` (default: today,
    or 31 December once the year is over); as known on ``known`` when given: the
    figures, the unit's rules, the indicators and their progress recorded by then."""
    fiscal_year = parse_year(year, "预算年度")
    day = parse_date(as_of, "截至日期") if as_of is not None else default_as_of(fiscal_year)
    units = app.queries.units(known)
    if unit not in units:
        raise NotFoundError(f"单位 {unit} 不存在", "单位编码")
    day, projects = app.queries.statuses(fiscal_year, day, unit, known=known)
    rule = app.queries.rule_of(units[unit])
    form = Form(
        "monitoring",
        TITLE,
        f"{unit}{units[unit]['name']}",
        fiscal_year,
        day,
        list(COLUMNS),
        [list(r) for r in HEADER],
        list(HEADER_MERGES),
        name_col=2,
    )
    indicators = of_projects(app.read, fiscal_year, [p.code for p in projects])
    progress: dict[str, list[dict[str, Any]]] | None = None
    if known is not None:
        indicators, progress = _as_known(app, indicators, known)
    total = Figures.total(p.figures for p in projects)
    form.rows.append(Row(["合计", "", "", *_figures(total, rule), *[""] * 8], "total"))
    form.row_merges.append((0, 0, 2))
    by_unit: dict[str, list[ProjectStatus]] = {}
    for p in projects:
        by_unit.setdefault(p.unit, []).append(p)
    number = 0
    for code in (c for c in app.queries.subtree(unit, units) if c in by_unit):
        if len(by_unit) > 1:
            subtotal = Figures.total(p.figures for p in by_unit[code])
            form.rows.append(
                Row(
                    [
                        "",
                        code,
                        units[code]["name"],
                        *_figures(subtotal, app.queries.rule_of(units[code])),
                        *[""] * 8,
                    ],
                    "class",
                )
            )
        for p in by_unit[code]:
            number += 1
            head: list[Cell] = [str(number), p.code, p.name, *_figures(p.figures, p.rule)]
            lines = ordered(indicators.get(p.code, []), lambda r: (r["level1"], r["level2"]))
            for row in lines:
                entries = None if progress is None else progress[row["id"]]
                form.rows.append(Row([*head, *_indicator_cells(app, row, day, entries)]))
            if not lines:
                form.rows.append(Row([*head, "", "", "（未设置绩效指标）", *[""] * 5]))
    form.notes = [
        "注：执行率 = 执行数 ÷ 全年预算；序时进度按资金支出计划在检查点之间逐日线性计算；"
        "差距 = 序时进度 − 执行率（百分点，正数为滞后）。状态：" + rule_text(rule) + "。",
        f"注：实际完成值为截至 {day.isoformat()} 最近一次填报的数值；完成进度按年度指标值计算"
        "（无实际完成值时为填报的完成比例，按期完成的时效指标为 100%）。",
        ROUNDING_NOTE,
    ]
    if known is not None:
        form.known = known.caption
        return stamped(form, f"{read_head(app.read).footer()}；{known.caption}")
    return stamped(form, read_head(app.read).footer())


def _as_known(
    app: Any, indicators: dict[str, list[dict[str, Any]]], known: KnownOn
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The indicators added by ``known`` with what was recorded of them by then, and
    each one's progress entries of then (by indicator id)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    progress: dict[str, list[dict[str, Any]]] = {}
    for code, lines in indicators.items():
        for row in lines:
            then = indicator_as_known(row, app.contiguous_events(UUID(row["id"])), known)
            if then is not None:
                rows.setdefault(code, []).append(then[0])
                progress[row["id"]] = then[1]
    return rows, progress


def _figures(f: Figures, rule: lag.StatusRule) -> list[Cell]:
    return [
        wan(f.budget),
        wan(f.disbursed),
        half_up(f.execution_rate),
        half_up(f.planned_rate),
        half_up(f.lag_points),
        status_label(lag.status(f.execution_rate, f.planned_rate, rule)),
    ]


def progress_as_of(
    app: Any, row: Mapping[str, Any], day: dt.date, entries: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The progress entry in force on ``day``: the latest business date on or before it
    (of two on one date, the later recorded), from the indicator's event history (or
    from ``entries``, those recorded by a moment)."""
    if not row["progress_date"]:
        return None
    if entries is None:
        entries = app.repository.get(UUID(row["id"])).progress
    best: dict[str, Any] | None = None
    for entry in entries:
        if entry["date"] <= day and (best is None or entry["date"] >= best["date"]):
            best = entry
    return best


def _indicator_cells(
    app: Any, row: dict[str, Any], day: dt.date, entries: list[dict[str, Any]] | None = None
) -> list[Cell]:
    entry = progress_as_of(app, row, day, entries)
    as_of_row = {**row, "actual_text": None, "actual_value": None, "completion": None, "progress_date": None}
    if entry is not None:
        as_of_row.update(
            actual_text=entry["actual_text"] or None,
            actual_value=None if entry["actual_value"] is None else str(entry["actual_value"]),
            completion=None if entry["completion"] is None else str(entry["completion"]),
            progress_date=entry["date"].isoformat(),
        )
    completion: Cell = ""
    if row["kind"] == "not_applicable":
        completion = "/"
    else:
        try:
            value = selfeval.indicator_completion(result_of(as_of_row))
        except selfeval.SelfEvaluationError:
            value = None
        if value is None and entry is not None and entry["completion"] is not None:
            value = Decimal(entry["completion"])  # in-year, the officer's estimate stands
        if value is not None:
            completion = half_up(value)
    actual = "" if entry is None else (entry["actual_text"] or _chosen(entry["completion"]))
    if not actual:
        actual = "/" if row["kind"] == "not_applicable" else NOT_RECORDED
    return [
        row["level1"],
        row["level2"],
        row["name"],
        row["target_text"],
        actual,
        completion,
        row["cause"] or "",
        row["action"] or "",
    ]


def _chosen(completion: Decimal | None) -> str:
    return "" if completion is None else f"完成比例{half_up(Decimal(completion))}%"


def write_monitoring(
    app: Any,
    year: int | str,
    unit: str,
    as_of: dt.date | str | None,
    path: str | Path,
    known: KnownOn | None = None,
) -> Path:
    """Write the monitoring table to ``path`` (``.xlsx`` or ``.csv``)."""
    form = monitoring_form(app, year, unit, as_of, known)
    body = [row.style == "body" for row in form.rows]
    projects = [row.cells[1] if ok else object() for row, ok in zip(form.rows, body, strict=True)]
    level1 = [
        (row.cells[1], row.cells[LEVEL1_COL]) if ok and row.cells[LEVEL1_COL] else object()
        for row, ok in zip(form.rows, body, strict=True)
    ]
    level2 = [
        (*key, row.cells[LEVEL2_COL]) if isinstance(key, tuple) else key
        for row, key in zip(form.rows, level1, strict=True)
    ]
    down = [(c, a, b) for a, b in runs(projects) for c in PROJECT_COLS]
    down += [(LEVEL1_COL, a, b) for a, b in runs(level1)]
    down += [(LEVEL2_COL, a, b) for a, b in runs(level2)]

    def finish(ws: Worksheet) -> None:
        finish_sheet(ws, form, down=down, center=(STATUS_COL, LEVEL1_COL, LEVEL2_COL))
        for c, text in enumerate(form.header[1]):  # 执行率 / （%） on two lines in print
            if "（" in text and form.columns[c].width < 12:
                ws.cell(HEADER_ROW + 1, c + 1).value = text.replace("（", "\n（")

    return write_form(form, path, finish, csv_writer=write_csv)


__all__ = ["TITLE", "monitoring_form", "progress_as_of", "rule_text", "status_label", "write_monitoring"]
