"""Each public table laid out as its official form: title, headers, rows in 万元.

A ``Form`` is what every renderer draws (``xlsx``, ``csv_export``): the header grid
with its merged cells as the seeds print them, and body rows whose amounts are
already 万元 with two decimals — each figure rounded half-up from its exact 元 value,
so a printed 合计 may differ from the sum of its printed parts by a few 0.01 (the
published tables warn of the same 尾数误差).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tracker.domain.money import ZERO, to_wan
from tracker.queries.reports.model import Amounts, ClassRow, ClassTable, Summary

Cell = str | Decimal | None
NUMERALS = "一二三四五六七八九十"
PBOC_LINE = "人行科目"
ROUNDING_NOTE = "注：金额单位为万元，由元四舍五入保留两位小数，合计数与分项之和可能存在尾数误差。"


@dataclass(frozen=True)
class Column:
    kind: str  # index / code / text / money
    width: float


@dataclass
class Row:
    cells: list[Cell]
    style: str = "body"  # body / total / class (a 类 row) / sub (a 款 row)
    indent: int = 0  # of the name cell


@dataclass
class Form:
    kind: str
    title: str
    unit_label: str
    year: int
    as_of: dt.date
    columns: list[Column]
    header: list[list[str]]  # rows of the header grid ("" under a merged cell)
    merges: list[tuple[int, int, int, int]]  # (row, col, last_row, last_col), 0-based
    rows: list[Row] = field(default_factory=list)
    name_col: int = 2
    row_merges: list[tuple[int, int, int]] = field(default_factory=list)  # (row, col, last_col)
    one_page: bool = False  # fit the whole form on one page (short forms)
    notes: list[str] = field(default_factory=lambda: [ROUNDING_NOTE])
    footer: str = ""  # the event chain head (``stamped``): the last note, the CSV's last line
    known: str = ""  # 依据 … 的登记 when made as known on a moment: said beside 截至 in the header

    @property
    def flat_header(self) -> list[str]:
        """One header per column for CSV: the header levels joined by ``-``."""
        out = []
        levels = [r for r in self.header if r[0] != "栏次"]
        for c, col in enumerate(self.columns):
            parts: list[str] = []
            for r, row in enumerate(levels):
                text = _covering(self, r, c) or row[c]
                if text and text not in parts:
                    parts.append(text)
            name = "-".join(parts)
            out.append(f"{name}（万元）" if col.kind == "money" else name)
        return out


def stamped(form: Form, footer: str) -> Form:
    """``form`` with the event chain's head as its last note (``Head.footer()``), so a
    printed or filed table shows which log it was made from and an earlier head can
    later show a truncation (``tracker verify --head``)."""
    form.footer = footer
    form.notes.append(footer)
    return form


def _covering(form: Form, r: int, c: int) -> str:
    for r0, c0, r1, c1 in form.merges:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return form.header[r0][c0]
    return ""


def wan(amount: Decimal) -> Decimal:
    return to_wan(amount)


# ---------------------------------------------------------------- 收支总表


def summary_form(t: Summary) -> Form:
    form = Form(
        "summary",
        "收支预算总表",
        t.unit_label,
        t.year,
        t.as_of,
        [
            Column("index", 6),
            Column("text", 30),
            Column("money", 14),
            Column("text", 30),
            Column("money", 14),
            Column("money", 14),
        ],
        [
            ["序号", "收入", "", "支出", "", ""],
            ["", "项目", "金额", "项目（按功能分类）", "预算数", "执行数"],
            ["栏次", "", "1", "", "2", "3"],
        ],
        [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 0, 5)],
        name_col=1,
        one_page=True,
    )
    income = [(f"{_numeral(i)}、{r.label}", wan(r.amount)) for i, r in enumerate(t.income)]
    classed = [r for r in t.expenditure if r.code]
    spend: list[tuple[Cell, Cell, Cell]] = [
        (f"{_numeral(i)}、{r.name}", wan(r.budget), wan(r.spent)) for i, r in enumerate(classed)
    ]
    # Seed 003's form ends its list with 人行科目, a line of the budget system no
    # 功能分类 类 rolls into: kept so the form is the seed's, always 0.
    spend.append((f"{_numeral(len(classed))}、{PBOC_LINE}", ZERO, ZERO))
    spend += [(r.name, wan(r.budget), wan(r.spent)) for r in t.expenditure if not r.code]
    for i in range(max(len(income), len(spend))):
        left: tuple[Cell, Cell] = income[i] if i < len(income) else ("", None)
        right: tuple[Cell, Cell, Cell] = spend[i] if i < len(spend) else ("", None, None)
        form.rows.append(Row([str(i + 1), *left, *right]))
    n = len(form.rows)
    form.rows += [
        Row(
            [
                str(n + 1),
                "本年收入合计",
                wan(t.income_this_year),
                "本年支出合计",
                wan(t.budget_total),
                wan(t.spent_total),
            ],
            "total",
        ),
        Row(
            [
                str(n + 2),
                "上年结转结余",
                wan(t.carryover),
                "年末结转结余",
                wan(t.budget_balance),
                wan(t.spent_balance),
            ],
            "sub",
        ),
        Row(
            [
                str(n + 3),
                "收入总计",
                wan(t.income_total),
                "支出总计",
                wan(t.budget_total + t.budget_balance),
                wan(t.spent_total + t.spent_balance),
            ],
            "total",
        ),
    ]
    return form


def _numeral(i: int) -> str:
    """一 … 九十九 for 0 … 98."""
    n = i + 1
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones - 1]
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return head + "十" + (NUMERALS[ones - 1] if ones else "")


# ------------------------------------------------- 支出总表 / 基本支出表 / 项目支出表

TITLES = {"function": "支出总表", "basic": "基本支出表", "project-economic": "项目支出表"}


def class_form(t: ClassTable) -> Form:
    if t.kind == "function":
        return _class_form(
            t,
            "支出功能分类科目",
            [["合计", "基本支出", "", "", "项目支出"], ["", "小计", "人员经费", "公用经费", ""]],
            [(0, 0, 1, 0), (0, 1, 0, 3), (0, 4, 1, 4)],
            lambda a: [a.total, a.basic, a.personnel, a.operating, a.project],
        )
    if t.kind == "basic":
        return _class_form(
            t,
            "部门经济分类科目",
            [["合计", "人员经费", "公用经费"]],
            [],
            lambda a: [a.basic, a.personnel, a.operating],
        )
    return _class_form(t, "部门经济分类科目", [["项目支出"]], [], lambda a: [a.project])


def _class_form(
    t: ClassTable,
    classes: str,
    sub: list[list[str]],
    sub_merges: list[tuple[int, int, int, int]],
    figures: Callable[[Amounts], list[Decimal]],
) -> Form:
    """序号 | 科目编码 | 科目名称 | 预算数 (sub-columns) | 执行数 (the same sub-columns)."""
    width = len(sub[0])
    if width == 1:  # one figure each: 预算数 and 执行数 span the header rows
        sub, sub_merges = [[""]], []
    depth = len(sub) + 1  # header rows above 栏次
    top = ["序号", classes, "", "预算数", *[""] * (width - 1), "执行数", *[""] * (width - 1)]
    header = [top]
    for level, cells in enumerate(sub):
        lead = ["", "科目编码", "科目名称"] if level == 0 else ["", "", ""]
        header.append([*lead, *cells, *cells])
    header.append(["栏次", "", "", *[str(i + 1) for i in range(2 * width)]])
    merges = [
        (0, 0, depth - 1, 0),
        (0, 1, 0, 2),
        (1, 1, depth - 1, 1),
        (1, 2, depth - 1, 2),
        (0, 3, 0, 2 + width),
        (0, 3 + width, 0, 2 + 2 * width),
        (depth, 0, depth, 2),
    ]
    for shift in (3, 3 + width):
        merges += [(r0 + 1, c0 + shift, r1 + 1, c1 + shift) for r0, c0, r1, c1 in sub_merges]
    if width == 1:
        merges += [(0, 3, depth - 1, 3), (0, 4, depth - 1, 4)]
    money_width = 13 if width > 1 else 16
    form = Form(
        t.kind,
        TITLES[t.kind],
        t.unit_label,
        t.year,
        t.as_of,
        [
            Column("index", 6),
            Column("code", 11),
            Column("text", 34),
            *[Column("money", money_width)] * (2 * width),
        ],
        header,
        merges,
    )

    def line(index: str, row: ClassRow, style: str, indent: int) -> Row:
        amounts: list[Cell] = [wan(x) for x in (*figures(row.budget), *figures(row.spent))]
        return Row([index, row.code, row.name, *amounts], style, indent)

    form.rows.append(line("1", t.total, "total", 0))
    form.row_merges.append((0, 1, 2))  # 合计 spans 科目编码 and 科目名称
    for i, row in enumerate(t.rows, start=2):
        indent = {"类": 0, "款": 1, "项": 2}.get(row.level, 0)
        style = {"类": "class", "款": "sub"}.get(row.level, "body")
        if t.kind != "function" and row.level == "款":
            style = "body"
        form.rows.append(line(str(i), row, style, indent))
    return form
