"""Writing a ``Form`` as the official sheet: the ``.xlsx`` finish (numbers stored exactly,
cells merged down their rows, rows tall enough for wrapped text) and the ``.csv`` grid.

Shared by the 自评表 (``selfeval_form``) and the monitoring form (``monitoring``); kept
apart from the 自评表's layout so each file stays readable.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.errors import InvalidInputError
from tracker.exporting.csv_export import ENCODING, cell_text
from tracker.exporting.files import replacing
from tracker.exporting.forms import Cell, Column, Form, Row
from tracker.exporting.selfeval_blocks import HEAD
from tracker.exporting.xlsx import FONT, HEADER_ROW, INFO_ROW, MONEY_FORMAT, TITLE_ROW, draw, exact_number

CENT = Decimal("0.01")
LINE_HEIGHT, ROW_PAD, MIN_HEIGHT = 13.5, 5.0, 18.0


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
        writer.writerow(
            [f"单位名称：{form.unit_label}", f"预算年度：{form.year}", *([form.known] if form.known else [])]
        )
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
