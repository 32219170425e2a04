"""The year-end self-evaluation (绩效自评表) as a ``Form``, saved as ``.xlsx`` or ``.csv``.

Laid out like seed 001's 项目支出绩效自评表 (and seed 004's 专项资金绩效目标自评表): a header
block with 项目名称 / 项目编码 / 主管部门 / 实施单位, the budget block in 万元 (年初预算数,
全年预算数, 全年执行数, 分值 10, 执行率, 得分), the indicators by 一级 / 二级 / 三级 with
年度指标值, 实际完成值, 分值 (scaled to 90 when the weights do not add up), 完成率, 得分 and
偏差原因分析及改进措施, then 总分 with its 等级, and the 签字 line. A unit's own form
(``owner_kind == "unit"``) is the 部门整体支出绩效自评表.

``selfeval_form(form)`` takes the dict of ``BudgetTracker.self_evaluation``; the project's
name and its units come from optional keys that ``with_names(app, form)`` adds (without
them the header shows the codes). The sheet is drawn by the shared renderer
(``xlsx.draw``) and then finished here: numbers in the score columns stored exactly,
一级 / 二级 cells merged down their rows, and rows made tall enough for wrapped text.
The ``.csv`` is the same grid, line by line, as the sheet shows it.

The blocks of the form live in ``selfeval_blocks``; the sheet finishing and the writers
(``finish_sheet``, ``fit_row_heights``, ``write_form``), which serve the monitoring form
(``tracker.exporting.monitoring``) too, in ``selfeval_sheet`` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.selfeval import Evaluation
from tracker.exporting.forms import Column, Form, stamped
from tracker.exporting.selfeval_blocks import (
    GOAL_ROWS,
    budget_block,
    goal_block,
    indicator_block,
    ordered,
    total_and_signature,
)
from tracker.exporting.selfeval_sheet import (
    finish_sheet,
    fit_row_heights,
    half_up,
    runs,
    write_form,
    write_grid_csv,
)
from tracker.queries.projects import find
from tracker.store.chain import read_head

TITLES = {"project": "项目支出绩效自评表", "unit": "部门整体支出绩效自评表"}
GRADE_NOTE = (
    "注：预算执行率得分 = 10 × min(全年执行数 ÷ 全年预算数, 1)；指标得分 = 分值 × 完成率；"
    "定性指标按“全部或基本达成 100%—80%（含）、部分达成 80%—60%（含）、未达成 60% 以下”三档评定；"
    "分值、得分显示两位小数（四舍五入），总分按未舍入得分计算。"
    "等级：优 ≥ 90 分，良 80—90 分，中 60—80 分，差 < 60 分。"
)
AMOUNT_NOTE = "注：金额单位为万元，由元四舍五入保留两位小数；执行率、完成率单位为 %。"

# Columns as seed 001: 一级 | 二级 | 三级 | 年度指标值 (指标性质 | 指标值 | 度量单位) |
# 实际完成值 | 分值 | 完成率 | 得分 | 偏差原因分析及改进措施. The budget block reuses
# columns 2–7 for 年初预算数 … 得分.
COLUMNS = [
    Column("text", 11),
    Column("text", 13),
    Column("text", 22),
    Column("text", 8),
    Column("text", 12),
    Column("text", 8),
    Column("text", 16),
    Column("score", 10),
    Column("score", 10),
    Column("score", 10),
    Column("text", 30),
]
LEVEL1, LEVEL2, NAME, NATURE, TARGET, UNIT, ACTUAL, WEIGHT, COMPLETION, POINTS, EXPLAIN = range(11)


# ------------------------------------------------------------------ the form


def with_names(app: Any, form: Mapping[str, Any]) -> dict[str, Any]:
    """``form`` plus what its header block names: ``name`` (项目名称 or 部门名称),
    ``unit_code`` / ``unit_name`` (实施单位) and ``department`` (主管部门: the parent unit,
    or the unit itself when it has none, as seed 001 prints it)."""
    out = dict(form)
    unit_code = form["code"]
    if form["owner_kind"] == "project":
        project = find(app.read, form["year"], form["code"])
        if project is not None:
            out["name"], unit_code = project.name, project.unit
    units = app.queries.units()
    unit = units.get(unit_code)
    out["unit_code"] = unit_code
    out["unit_name"] = unit["name"] if unit else ""
    if form["owner_kind"] == "unit":
        out["name"] = out["unit_name"] or unit_code
    parent = units.get(unit["parent_code"]) if unit and unit["parent_code"] else None
    out["department"] = (parent or unit or {}).get("name", "")
    out["chain_head"] = read_head(app.read).footer()
    return out


def selfeval_form(form: Mapping[str, Any]) -> Form:
    """The self-evaluation laid out as seed 001's 自评表 (amounts in 万元, scores in 分)."""
    ev: Evaluation = form["evaluation"]
    kind = form["owner_kind"]
    year = int(form["year"])
    unit_code = form.get("unit_code") or (form["code"] if kind == "unit" else "")
    unit_name = form.get("unit_name") or ""
    unit_label = f"{unit_code}{unit_name}" or form["code"]
    name = form.get("name") or form["code"]
    department = form.get("department") or unit_name or unit_code
    first, code_label = ("部门名称", "单位编码") if kind == "unit" else ("项目名称", "项目编码")
    header = [
        [first, name, "", "", "", "", code_label, "", form["code"], "", ""],
        ["主管部门", department, "", "", "", "", "实施单位", "", unit_name or unit_code, "", ""],
    ]
    merges = [(r, c0, r, c1) for r in (0, 1) for c0, c1 in ((1, 5), (6, 7), (8, 10))]
    out = Form(
        f"selfeval-{kind}",
        TITLES.get(kind, TITLES["project"]),
        unit_label,
        year,
        dt.date(year, 12, 31),
        list(COLUMNS),
        header,
        merges,
        name_col=NAME,
        one_page=True,
    )
    budget_block(out, form, ev)
    goal_block(out, form)
    indicator_block(out, form, ev)
    total_and_signature(out, form, ev)
    rounding = [f"注：{form['rounding_note']}。"] if form.get("rounding_note") else []
    out.notes = [*([f"注：{ev.scale_note}。"] if ev.scale_note else []), *rounding, GRADE_NOTE, AMOUNT_NOTE]
    if form.get("known_on") is not None:
        out.known = form["known_on"].caption
    footer = form.get("chain_head") or ""
    if out.known:
        footer = f"{footer}；{out.known}" if footer else out.known
    return stamped(out, footer) if footer else out


# ------------------------------------------------------------------ writing


def write_selfeval_xlsx(form: Mapping[str, Any], path: str | Path) -> Path:
    """Write the form to ``path``: ``.xlsx`` (the official layout) or ``.csv`` (its grid)."""
    laid_out = selfeval_form(form)
    rows = {r["id"]: r for r in form["indicators"]}
    lines = ordered(form["evaluation"].lines, lambda line: (rows[line.id]["level1"], rows[line.id]["level2"]))
    # The indicator rows start after the budget block (its header, 年度资金总额 and its
    # parts), the 年度总体目标 rows and the indicators' own header.
    first = 3 + len((form.get("funds") or [])[1:]) + GOAL_ROWS
    groups1 = runs([rows[line.id]["level1"] for line in lines])
    groups2 = runs([(rows[line.id]["level1"], rows[line.id]["level2"]) for line in lines])
    down = [(LEVEL1, first + a, first + b) for a, b in groups1]
    down += [(LEVEL2, first + a, first + b) for a, b in groups2]

    def finish(ws: Worksheet) -> None:
        finish_sheet(ws, laid_out, down=down, center=(LEVEL1, LEVEL2), labels=(0, 6))

    return write_form(laid_out, path, finish, csv_writer=write_grid_csv)


__all__ = [
    "finish_sheet",
    "fit_row_heights",
    "half_up",
    "ordered",
    "runs",
    "selfeval_form",
    "with_names",
    "write_form",
    "write_grid_csv",
    "write_selfeval_xlsx",
]
