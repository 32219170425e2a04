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

The finishing helpers (``finish_sheet``, ``fit_row_heights``) serve the monitoring form
(``tracker.exporting.monitoring``) too.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.errors import InvalidInputError
from tracker.domain.selfeval import Evaluation
from tracker.exporting.csv_export import ENCODING, cell_text
from tracker.exporting.files import replacing
from tracker.exporting.forms import Cell, Column, Form, Row, stamped
from tracker.exporting.selfeval_blocks import (
    GOAL_ROWS,
    HEAD,
    budget_block,
    goal_block,
    indicator_block,
    ordered,
    total_and_signature,
)
from tracker.exporting.xlsx import FONT, HEADER_ROW, INFO_ROW, MONEY_FORMAT, TITLE_ROW, draw, exact_number
from tracker.queries.projects import find
from tracker.store.chain import read_head

CENT = Decimal("0.01")
LINE_HEIGHT, ROW_PAD, MIN_HEIGHT = 13.5, 5.0, 18.0
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
    return stamped(out, form["chain_head"]) if form.get("chain_head") else out


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


def runs(keys: Sequence[object]) -> list[tuple[int, int]]:
    """(first, last) index of each run of equal keys longer than one."""
    out, start = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - 1 > start:
                out.append((start, i - 1))
            start = i
    return out


def write_form(
    form: Form,
    path: str | Path,
    finish: Callable[[Worksheet], None],
    csv_writer: Callable[[Form, Path], Path],
) -> Path:
    """``.xlsx`` through the shared renderer and ``finish``; ``.csv`` through ``csv_writer``."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return csv_writer(form, target)
    if suffix != ".xlsx":
        raise InvalidInputError(f"无法从文件名“{target.name}”判断导出格式：请用 .xlsx 或 .csv", "导出格式")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = form.title[:31]
    draw(ws, form)
    finish(ws)
    with replacing(target) as temporary:
        wb.save(temporary)
    return target


def write_grid_csv(form: Form, path: Path) -> Path:
    """The form line by line as the sheet shows it (UTF-8 with BOM): title, 单位 and 年度,
    the header block, every body row, the notes. Numbers as text with two decimals."""
    with replacing(path) as temporary, temporary.open("w", encoding=ENCODING, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([form.title])
        writer.writerow([f"单位名称：{form.unit_label}", f"预算年度：{form.year}"])
        for line in form.header:
            writer.writerow(line)
        for row in form.rows:
            writer.writerow([cell_text(v) for v in row.cells])
        for note in form.notes:
            writer.writerow([note])
    return path


# ---------------------------------------------------------------- finishing


def first_body_row(form: Form) -> int:
    return HEADER_ROW + len(form.header)


def finish_sheet(
    ws: Worksheet,
    form: Form,
    *,
    down: Iterable[tuple[int, int, int]] = (),
    center: Iterable[int] = (),
    labels: Iterable[int] = (),
) -> None:
    """What the shared renderer leaves to each form.

    - Decimal cells outside the money columns (scores, rates, the 万元 of a block that
      shares a text column) are stored as exact numbers, right-aligned;
    - ``head`` rows (sub-headers inside the body) are bold and centred;
    - ``down``: (column, first body row, last body row) cells merged downwards;
    - ``center``: body columns centred (一级 / 二级 as the printed forms show them);
    - ``labels``: header-grid columns that are labels (bold); the others are values;
    - every row tall enough for its wrapped text.
    """
    first = first_body_row(form)
    centred = set(center)
    for i, row in enumerate(form.rows):
        for c, value in enumerate(row.cells):
            _style_cell(ws.cell(first + i, c + 1), form.columns[c], row, value, c in centred)
    for r, c0, _ in form.row_merges:  # merged label cells keep wrapping (long 未定稿 notes)
        cell = ws.cell(first + r, c0 + 1)
        bold = form.rows[r].style in ("total", "class", HEAD)
        cell.font = Font(name=FONT, size=10, bold=bold)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, r0, r1 in down:
        if r1 > r0:
            ws.merge_cells(start_row=first + r0, start_column=c + 1, end_row=first + r1, end_column=c + 1)
            top = ws.cell(first + r0, c + 1)
            was = top.alignment
            top.alignment = Alignment(
                horizontal=was.horizontal, vertical="center", wrap_text=was.wrap_text, indent=was.indent
            )
    label_cols = set(labels)
    for r in range(len(form.header)):
        for c in range(len(form.columns)):
            if c not in label_cols and form.header[r][c]:
                cell = ws.cell(HEADER_ROW + r, c + 1)
                if labels:
                    cell.font = Font(name=FONT, size=10)
    notes_end = first + len(form.rows) + 1 + len(form.notes)  # the renderer leaves one blank row
    fit_row_heights(ws, range(HEADER_ROW, notes_end))


def _style_cell(cell: Any, col: Column, row: Row, value: Cell, centred: bool) -> None:
    if row.style == HEAD:
        cell.font = Font(name=FONT, size=10, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    elif isinstance(value, Decimal) and col.kind != "money":
        exact_number(cell, value)
        # One number format for every figure: LibreOffice drops the indent of a number
        # whose left neighbour is a number in another format.
        cell.number_format = MONEY_FORMAT
        cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)
    elif isinstance(value, str) and col.kind != "index" and (centred or (col.kind == "score" and value)):
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    elif isinstance(value, str) and col.kind == "code":
        cell.alignment = Alignment(horizontal="left", vertical="center", indent=1, wrap_text=True)


def _text_chars(text: str) -> float:
    """Width in Excel units at 10 pt 宋体: a CJK character about 1.9, others about 1."""
    return sum(1.9 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 1.0)  # less the cell's padding and indent
    return sum(max(1, math.ceil(_text_chars(part) / usable)) for part in text.split("\n"))


def fit_row_heights(ws: Worksheet, rows: Iterable[int]) -> None:
    """Make each row tall enough for its wrapped text (LibreOffice and Excel keep the
    explicit heights the renderer sets, so long text would otherwise be cut off)."""
    wanted = list(rows)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row, rng.max_col)
    skip = {
        (r, c)
        for rng in ws.merged_cells.ranges
        for r in range(rng.min_row, rng.max_row + 1)
        for c in range(rng.min_col, rng.max_col + 1)
    } - set(spans)
    tall: list[tuple[int, int, float]] = []  # (first row, last row, height needed)
    heights: dict[int, float] = {}
    for r in wanted:
        heights[r] = ws.row_dimensions[r].height or MIN_HEIGHT
        for cell in ws[r]:
            if not isinstance(cell.value, str) or (r, cell.column) in skip:
                continue
            last_row, last_col = spans.get((r, cell.column), (r, cell.column))
            width = sum(
                ws.column_dimensions[get_column_letter(c)].width or 8.43
                for c in range(cell.column, last_col + 1)
            )
            need = max(MIN_HEIGHT, _lines(cell.value, width) * LINE_HEIGHT + ROW_PAD)
            if last_row == r:
                heights[r] = max(heights[r], need)
            else:
                tall.append((r, last_row, need))
    for r0, r1, need in tall:
        have = sum(heights.get(r, MIN_HEIGHT) for r in range(r0, r1 + 1))
        if need > have:
            extra = (need - have) / (r1 - r0 + 1)
            for r in range(r0, r1 + 1):
                heights[r] = heights.get(r, MIN_HEIGHT) + extra
    for r, height in heights.items():
        if r not in (TITLE_ROW, INFO_ROW):
            ws.row_dimensions[r].height = round(height, 1)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


__all__ = [
    "TITLES",
    "finish_sheet",
    "fit_row_heights",
    "selfeval_form",
    "with_names",
    "write_form",
    "write_grid_csv",
    "write_selfeval_xlsx",
]
