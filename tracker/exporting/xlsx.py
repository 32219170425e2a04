"""Draw a ``Form`` as an Excel sheet that looks like the printed 公开表.

Title merged across the table, a line with 单位名称 / 预算年度 and 单位：万元, bold
bordered multi-row headers with merged cells, amounts as numbers in 万元 with two
decimals (``#,##0.00``; the cell holds the exact two-decimal value, never a float
computed from 元), zeros left blank in detail rows as the published forms do, a CJK
font, landscape A4 fitted to the page width with the header repeated on each page.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.money import FEN
from tracker.exporting.files import replacing
from tracker.exporting.forms import Form, Row

FONT = "宋体"
MONEY_FORMAT = "#,##0.00"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3


def write_xlsx(forms: list[Form], path: Path) -> Path:
    """One sheet per form (usually one), saved to ``path``."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    for i, form in enumerate(forms):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = form.title.replace("“", "").replace("”", "")[:31]
        draw(ws, form)
    with replacing(path) as temporary:
        wb.save(temporary)
    return path


def draw(ws: Worksheet, form: Form) -> None:
    """Title, info line, header grid, body, notes, and the page set-up."""
    last = get_column_letter(len(form.columns))
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    title = ws.cell(TITLE_ROW, 1, form.title)
    title.font = Font(name=FONT, size=18, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[TITLE_ROW].height = 36
    _info_line(ws, form)
    _header(ws, form)
    first_body = HEADER_ROW + len(form.header)
    for i, row in enumerate(form.rows):
        _body_row(ws, form, row, first_body + i)
    for r, c0, c1 in form.row_merges:
        text = next((v for v in form.rows[r].cells[c0 : c1 + 1] if v), None)
        ws.cell(first_body + r, c0 + 1, text)
        ws.merge_cells(
            start_row=first_body + r, start_column=c0 + 1, end_row=first_body + r, end_column=c1 + 1
        )
        ws.cell(first_body + r, c0 + 1).alignment = Alignment(horizontal="center", vertical="center")
    note_row = first_body + len(form.rows) + 1
    _notes(ws, form, note_row)
    for c, col in enumerate(form.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.freeze_panes = ws.cell(first_body, 1)
    ws.print_title_rows = f"{HEADER_ROW}:{first_body - 1}"
    ws.print_area = f"A1:{last}{note_row + len(form.notes) - 1}"
    _page_setup(ws, form)


def _header(ws: Worksheet, form: Form) -> None:
    for r, texts in enumerate(form.header):
        for c, text in enumerate(texts):
            cell = ws.cell(HEADER_ROW + r, c + 1, text or None)
            cell.font = Font(name=FONT, size=10, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = BORDER
        ws.row_dimensions[HEADER_ROW + r].height = 20 if texts[0] == "栏次" else 24
    for r0, c0, r1, c1 in form.merges:
        if (r0, c0) != (r1, c1):
            ws.merge_cells(
                start_row=HEADER_ROW + r0, start_column=c0 + 1, end_row=HEADER_ROW + r1, end_column=c1 + 1
            )


def _body_row(ws: Worksheet, form: Form, row: Row, excel_row: int) -> None:
    bold = row.style in ("total", "class")
    for c, value in enumerate(row.cells):
        col = form.columns[c]
        cell = ws.cell(excel_row, c + 1)
        cell.border = BORDER
        cell.font = Font(name=FONT, size=10, bold=bold)
        if col.kind == "money":
            cell.number_format = MONEY_FORMAT
            cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)
            # Zeros stay blank in detail rows, as the published forms print them.
            if isinstance(value, Decimal) and (value != 0 or row.style == "total"):
                exact_number(cell, value)
        elif col.kind == "index":
            cell.value = int(value) if isinstance(value, str) and value.isdigit() else value
            cell.alignment = Alignment(horizontal="center", vertical="center")
        else:
            cell.value = value
            if col.kind == "text" and row.style == "total":
                cell.alignment = Alignment(horizontal="center", vertical="center")
                continue
            indent = row.indent + 1 if c == form.name_col else 1
            cell.alignment = Alignment(
                horizontal="left", vertical="center", indent=indent, wrap_text=col.kind == "text"
            )
            if col.kind == "code":
                cell.number_format = "@"
    ws.row_dimensions[excel_row].height = 18


def _notes(ws: Worksheet, form: Form, first: int) -> None:
    ncols = len(form.columns)
    for j, note in enumerate(form.notes):
        ws.merge_cells(start_row=first + j, start_column=1, end_row=first + j, end_column=ncols)
        cell = ws.cell(first + j, 1, note)
        cell.font = Font(name=FONT, size=9)
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        wide = text_width(note) > sum(c.width for c in form.columns)
        ws.row_dimensions[first + j].height = 28 if wide else 16


def _page_setup(ws: Worksheet, form: Form) -> None:
    """Landscape A4, fitted to the page width (and height for the one-page forms)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if form.one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.sheet_view.showGridLines = False


def text_width(text: str) -> float:
    """Roughly how many Excel width units a text takes (a CJK character about two)."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text) + 2


def exact_number(cell: Cell, value: Decimal) -> None:
    """Store ``9064.36`` as the text ``9064.36`` in the sheet XML.

    openpyxl writes every number as ``"%.16g" % value``, which turns Decimal("9064.36")
    into 9064.360000000001. A numeric cell whose stored value is already the canonical
    decimal text is written verbatim, so Excel reads exactly the two-decimal figure.
    """
    cell._value = f"{value.quantize(FEN):f}"
    cell.data_type = "n"


def _info_line(ws: Worksheet, form: Form) -> None:
    """``单位名称：…`` on the left, 预算年度 / 截至 in the middle, ``单位：万元`` on the right.

    On a narrow form the year and date follow the unit's name in the left cell.
    """
    ncols = len(form.columns)
    widths = [c.width for c in form.columns]
    left = f"单位名称：{form.unit_label}"
    middle = f"预算年度：{form.year}　截至：{form.as_of.isoformat()}" + (
        f"　{form.known}" if form.known else ""
    )
    left_end, width = 1, widths[0]
    while width < text_width(left) and left_end < ncols - 2:
        width += widths[left_end]
        left_end += 1
    cells = [(1, left_end, left, "left")]
    if sum(widths[left_end : ncols - 1]) >= text_width(middle):
        cells.append((left_end + 1, ncols - 1, middle, "center"))
    else:
        cells[0] = (1, ncols - 1, f"{left}　　{middle}", "left")
    cells.append((ncols, ncols, "单位：万元", "right"))
    for start, end, text, align in cells:
        if end > start:
            ws.merge_cells(start_row=INFO_ROW, start_column=start, end_row=INFO_ROW, end_column=end)
        cell = ws.cell(INFO_ROW, start, text)
        cell.font = Font(name=FONT, size=10)
        cell.alignment = Alignment(horizontal=align, vertical="center")
    ws.row_dimensions[INFO_ROW].height = 20
