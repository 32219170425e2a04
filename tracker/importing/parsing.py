"""Step 1 of an import: every data row read into a typed record (``ProjectRow``,
``IndicatorRow``, ``PaymentRow``), with a ``Problem`` (row, column, reason) for every
cell that cannot be understood. Pure: no database access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from tracker.commands.indicators import parse_weight
from tracker.domain import classification as cls
from tracker.domain.errors import TrackerError
from tracker.domain.indicator import check_levels
from tracker.domain.inputs import parse_code, parse_year
from tracker.domain.money import FEN, WAN, to_wan
from tracker.domain.plan import Checkpoint, validate_checkpoints
from tracker.importing.cells import (
    CellError,
    is_zero,
    nfkc,
    optional_text,
    read_amount,
    read_code,
    read_date,
    read_economic,
    read_number,
    read_source,
    read_voucher,
    required_text,
    text_of,
)
from tracker.importing.fast_payments import FastPayments
from tracker.importing.layouts import (
    INDICATORS,
    PAYMENTS,
    PROJECTS,
    Table,
    class_code,
    is_blank_mark,
    is_total_row,
    plan_kind,
    source_name,
    split_unit,
)
from tracker.importing.readers import Value
from tracker.importing.records import PLAN_COLUMN, IndicatorRow, Parsed, PaymentRow, Problem, ProjectRow

T = TypeVar("T")


@dataclass
class _RowContext:
    table: Table
    number: int
    cells: tuple[Value, ...]
    problems: list[Problem]

    def value(self, key: str) -> Value:
        found = self.table.columns.get(key)
        if found is None or found[0] >= len(self.cells):
            return None
        return self.cells[found[0]]

    def has(self, key: str) -> bool:
        return key in self.table.columns

    def problem(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.number, column, reason, self.table.sheet))

    def read(self, key: str, reader: Callable[[Value], T]) -> T | None:
        """``reader(cell)``, or ``None`` after recording the problem it raised."""
        try:
            return reader(self.value(key))
        except CellError as e:
            self.problem(self.table.label(key), str(e))
        except TrackerError as e:
            self.problem(self.table.label(key), e.message)
        return None


def parse_tables(tables: list[Table], *, year: int | None = None) -> Parsed:
    """Typed rows of every recognised table, and every problem found in them."""
    parsed = Parsed(tables)
    for table in tables:
        for row, column, reason in table.problems:
            parsed.problems.append(Problem(row, column, reason, table.sheet))
        if table.ignored:
            parsed.warnings.append(f"工作表“{table.sheet}”：以下列不导入：{'、'.join(table.ignored)}")
        if table.problems:
            continue  # the header is wrong: the rows cannot be read reliably
        if year is None and "year" not in table.columns:
            parsed.problems.append(
                Problem(
                    table.header_row,
                    "预算年度",
                    "未指定预算年度：请用 --year 指定，或在表中增加“预算年度”列",
                    table.sheet,
                )
            )  # the rows are still read, so one run reports every other problem too
        _read_rows(table, year, parsed)
    return parsed


def _read_rows(table: Table, year: int | None, parsed: Parsed) -> None:
    reader = {PROJECTS: _project, INDICATORS: _indicator, PAYMENTS: _payment}[table.kind]
    fast = FastPayments(table, year) if table.kind == PAYMENTS else None
    fill: dict[str, Value] = {}
    for number, cells in table.rows:
        if is_total_row(cells):
            parsed.warnings.append(f"工作表“{table.sheet}”第{number}行：合计行，已跳过")
            continue
        if fast is not None and (payment := fast.row(number, cells)) is not None:
            parsed.payments.append(payment)
            continue
        ctx = _RowContext(table, number, cells, parsed.problems)
        if table.kind == INDICATORS:
            ctx.cells = _fill_down(ctx, fill)
        record = reader(ctx, year, parsed.warnings)
        if isinstance(record, ProjectRow):
            parsed.projects.append(record)
        elif isinstance(record, IndicatorRow):
            parsed.indicators.append(record)
        elif isinstance(record, PaymentRow):
            parsed.payments.append(record)


def _row_year(ctx: _RowContext, year: int | None) -> int | None:
    if not ctx.has("year"):
        return year
    cell = ctx.value("year")
    if cell is None:
        if year is None:
            ctx.problem(ctx.table.label("year"), "预算年度为空（也未用 --year 指定）")
        return year
    text = nfkc(text_of(cell) or "").removesuffix("年度").removesuffix("年")
    try:
        found = parse_year(text)
    except TrackerError as e:
        reason = e.message if text.isdigit() else f"“{text_of(cell)}”不是有效的预算年度（应为如 2024）"
        ctx.problem(ctx.table.label("year"), reason)
        return None
    if year is not None and found != year:
        ctx.problem(ctx.table.label("year"), f"预算年度 {found} 与 --year {year} 不一致")
        return None
    return found


def _project(ctx: _RowContext, year: int | None, warnings: list[str]) -> ProjectRow | None:
    before = len(ctx.problems)
    fiscal = _row_year(ctx, year)
    code = ctx.read("code", read_code)
    name = ctx.read("name", required_text(200, "项目名称"))
    unit_cell = ctx.value("unit") if ctx.has("unit") else ctx.table.default_unit
    unit_code, unit_name = split_unit(unit_cell)
    if unit_code is None and unit_name is None:
        ctx.problem(ctx.table.label("unit"), "不能为空")
    elif unit_code is not None:
        try:
            unit_code = parse_code(unit_code, "预算单位")
        except TrackerError as e:
            ctx.problem(ctx.table.label("unit"), e.message)
        if unit_name is not None and len(unit_name) > 200:
            ctx.problem(ctx.table.label("unit"), "单位名称不能超过 200 个字符")
    etype = ctx.read("type", lambda v: cls.expenditure_type(text_of(v) or cls.PROJECT_SPENDING))
    functional = ctx.read("functional", lambda v: cls.functional_code(c) if (c := class_code(v)) else None)
    economic = ctx.read("economic", lambda v: cls.economic_code(c) if (c := class_code(v)) else None)
    source = ctx.read("source", lambda v: cls.funding_source(source_name(v) or cls.DEFAULT_SOURCE))
    owner = ctx.read("owner", optional_text(100, "负责人")) if ctx.has("owner") else None
    doc = ctx.read("doc", optional_text(200, "文号")) or ""
    budget = _budget(ctx)
    approved: dt.date | None = None
    if fiscal is not None:
        approved = dt.date(fiscal, 1, 1)
        if ctx.has("approved") and ctx.value("approved") is not None:
            approved = ctx.read("approved", read_date)
            if approved is not None and approved.year != fiscal:
                ctx.problem(ctx.table.label("approved"), f"批复日期 {approved} 不在预算年度 {fiscal} 年内")
    plan = _plan(ctx, fiscal, budget) if fiscal is not None else None
    if len(ctx.problems) > before or fiscal is None or approved is None:
        return None
    assert code is not None
    assert name is not None
    assert etype is not None
    assert source is not None
    return ProjectRow(
        ctx.table.sheet,
        ctx.number,
        fiscal,
        code,
        name,
        unit_code,
        unit_name,
        etype,
        functional,
        economic,
        source,
        owner,
        plan,
        budget,
        approved,
        doc,
    )


def _budget(ctx: _RowContext) -> Decimal | None:
    for key, wan in (
        ("budget_wan", True),
        ("budget_bare", not ctx.table.budget_in_yuan),
        ("budget_yuan", False),
    ):
        if ctx.has(key):
            cell = ctx.value(key)
            if is_blank_mark(cell) or is_zero(cell):
                return None  # no 年初预算 yet
            return ctx.read(key, _amount_reader(wan))
    return None


def _amount_reader(wan: bool) -> Callable[[Value], Decimal]:
    def reader(value: Value) -> Decimal:
        return read_amount(value, wan=wan)

    return reader


def _plan(ctx: _RowContext, year: int, budget: Decimal | None) -> list[Checkpoint] | None:
    columns = ctx.table.checkpoints
    if not columns:
        return None
    values = [ctx.cells[c.index] if c.index < len(ctx.cells) else None for c in columns]
    kind = plan_kind(values)
    if kind is None:
        return None
    if kind == "mixed":
        ctx.problem(PLAN_COLUMN, "同一计划不能混用百分比和金额（带 % 的是百分比，其余按万元金额）")
        return None
    checkpoints: list[Checkpoint] = []
    ok = True
    for column, value in zip(columns, values, strict=True):
        try:
            checkpoints.append(_checkpoint(column.date(year), value, kind))
        except ValueError:
            ctx.problem(column.label, f"{year} 年没有这一天")
            ok = False
        except CellError as e:
            ctx.problem(column.label, str(e))
            ok = False
    if not ok:
        return None
    try:
        validate_checkpoints(checkpoints, year)
    except TrackerError as e:
        ctx.problem(PLAN_COLUMN, e.message)
        return None
    if kind == "amount" and budget is not None:
        top = max(c.amount for c in checkpoints if c.amount is not None)
        if top > budget:
            ctx.problem(
                PLAN_COLUMN, f"累计计划 {to_wan(top)} 万元超过预算数 {to_wan(budget)} 万元（百分比请带 %）"
            )
            return None
    return checkpoints


def _checkpoint(day: dt.date, value: Value, kind: str) -> Checkpoint:
    """A blank, a percentage, or a cumulative 万元 amount (kept in 元)."""
    if is_blank_mark(value):
        return Checkpoint(day)
    if kind == "amount" and isinstance(value, str):
        value = nfkc(value).removesuffix("万元").removesuffix("万")  # the cells are in 万元 already
    number = read_number(value, "百分比" if kind == "percent" else "金额（万元）")
    if kind == "percent":
        return Checkpoint(day, percent=number)
    amount = number * WAN
    if amount != amount.quantize(FEN):
        raise CellError(f"“{text_of(value)}”：万元金额最多六位小数")
    return Checkpoint(day, amount=amount.quantize(FEN))


def _fill_down(ctx: _RowContext, fill: dict[str, Value]) -> tuple[Value, ...]:
    """Merged cells (项目编码, 一级指标, 二级指标 written once for a block) take the value above."""
    cells = list(ctx.cells)
    width = max([len(cells)] + [i + 1 for i, _ in ctx.table.columns.values()])
    cells += [None] * (width - len(cells))
    has_own = any(
        cells[ctx.table.columns[k][0]] is not None for k in ("name", "target") if k in ctx.table.columns
    )
    for key in ("code", "level1", "level2"):
        if key not in ctx.table.columns:
            continue
        index = ctx.table.columns[key][0]
        if cells[index] is None:
            if has_own:
                cells[index] = fill.get(key)
        else:
            fill[key] = cells[index]
            if key == "code":
                fill.pop("level1", None)
                fill.pop("level2", None)
            elif key == "level1":
                fill.pop("level2", None)
    return tuple(cells)


def _indicator(ctx: _RowContext, year: int | None, warnings: list[str]) -> IndicatorRow | None:
    before = len(ctx.problems)
    fiscal = _row_year(ctx, year)
    code = ctx.read("code", read_code)
    level1 = ctx.read("level1", required_text(50, "一级指标"))
    level2 = ctx.read("level2", required_text(50, "二级指标"))
    name = ctx.read("name", required_text(200, "三级指标"))
    target = ctx.read("target", required_text(200, "指标值"))
    weight = ctx.read("weight", lambda v: parse_weight(text_of(v))) if ctx.has("weight") else None
    description = ctx.read("description", optional_text(500, "指标描述")) or ""
    if len(ctx.problems) > before or fiscal is None:
        return None
    assert code is not None
    assert level1 is not None
    assert level2 is not None
    assert name is not None
    assert target is not None
    for warning in check_levels(level1, level2):
        warnings.append(f"工作表“{ctx.table.sheet}”第{ctx.number}行：{warning}")
    return IndicatorRow(
        ctx.table.sheet, ctx.number, fiscal, code, level1, level2, name, target, weight, description
    )


def _payment(ctx: _RowContext, year: int | None, warnings: list[str]) -> PaymentRow | None:
    before = len(ctx.problems)
    fiscal = _row_year(ctx, year)
    day = ctx.read("date", read_date)
    code = ctx.read("code", read_code)
    if ctx.has("amount_wan"):
        amount = ctx.read("amount_wan", lambda v: read_amount(v, wan=True))
    else:
        amount = ctx.read("amount_yuan", read_amount)
    payee = ctx.read("payee", required_text(200, "收款人"))
    economic = ctx.read("economic", read_economic)
    voucher = ctx.read("voucher", read_voucher) or ""
    source = ctx.read("source", read_source)
    if day is not None and fiscal is not None and day.year != fiscal:
        ctx.problem(ctx.table.label("date"), f"日期 {day} 不在预算年度 {fiscal} 年内")
    if len(ctx.problems) > before or fiscal is None:
        return None
    assert day is not None
    assert code is not None
    assert amount is not None
    assert payee is not None
    return PaymentRow(
        ctx.table.sheet, ctx.number, fiscal, code, day, amount, payee, economic, voucher, source
    )
