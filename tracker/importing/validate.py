"""Validate a whole file before anything is recorded: typed rows, or every problem.

Pure: no database access. Two steps, so the caller can fetch exactly the database
state the file refers to:

1. ``parse_tables`` reads each data row into a typed record (``ProjectRow``,
   ``IndicatorRow``, ``PaymentRow``), collecting a ``Problem`` (row, column, reason)
   for every cell that cannot be understood;
2. ``check`` compares the records with the database state passed in (``DbState``:
   units, projects of the year with their daily budget and spending, payments by
   凭证号, indicators, request ids already used) and sorts them into what is new and
   what is already recorded; it adds the problems only the database can reveal
   (unknown project codes, a 凭证号 used by another payment, overspending).

Decisions (DOMAIN.md, "Spreadsheet import"):

- the fiscal year of a row comes from ``--year`` or its 预算年度 cell (both given and
  different: a problem);
- a unit cell ``450001保定市满城区医疗保障局本级`` is split into code and name, and the
  unit is created when missing;
- checkpoint values with ``%`` (or Excel percent cells) are percentages, otherwise
  cumulative 万元 amounts; an empty cell (or the dash the published tables print) is a
  blank checkpoint where it stands;
- two payment rows with the same 凭证号 (in one unit's books of one year) are
  duplicates; two identical rows with different 凭证号 (or both without one) are two
  payments.

Request ids (what makes a re-import record nothing) are derived from content, never
from the file name: a payment's from its 凭证号 when it has one, else from its content
and the how-manieth identical row it is (so a later, longer cumulative export of the
same books finds the same rows again even when rows were inserted above them).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _json  # the C escaper json.dumps uses
from typing import Any, TypeVar
from uuid import UUID

from tracker.domain import classification as cls
from tracker.domain.errors import TrackerError
from tracker.domain.ids import NAMESPACE, entry_id, project_id
from tracker.domain.indicator import check_levels
from tracker.domain.money import FEN, WAN, fmt_yuan_grouped, parse_amount, to_fen, to_wan
from tracker.domain.plan import Checkpoint, plan_spec, validate_checkpoints
from tracker.importing.headroom import Headroom
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
from tracker.indicator_service import parse_weight
from tracker.inputs import parse_code, parse_text, parse_year

IMPORT_NOTE = "表格导入"
_IMPORT_NOTE_JSON = _json(IMPORT_NOTE)
NO_ID = UUID(int=0)
KINDS = ("units", "projects", "appropriations", "indicators", "payments")
PLAN_COLUMN = "资金支出计划"
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (row and column as the user sees them) and why."""

    row: int | None
    column: str | None
    reason: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列“{self.column}”")
        return ("，".join(where) + "：" if where else "") + self.reason


# ------------------------------------------------------------------ records


@dataclass
class UnitRow:
    sheet: str
    row: int
    code: str
    name: str


@dataclass
class ProjectRow:
    sheet: str
    row: int
    year: int
    code: str
    name: str
    unit_code: str | None
    unit_name: str | None
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str
    owner: str | None  # None: the file has no 负责人 column
    plan: list[Checkpoint] | None
    budget: Decimal | None  # 年初预算 in 元
    approved: dt.date
    doc: str

    @property
    def request_id(self) -> str:
        return f"import:project:{self.year}:{self.code}"

    @property
    def budget_request_id(self) -> str:
        return f"import:budget:{self.year}:{self.code}:initial"


@dataclass
class IndicatorRow:
    sheet: str
    row: int
    year: int
    code: str
    level1: str
    level2: str
    name: str
    target: str
    weight: Decimal | None
    description: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.year, self.code, indicator_key(self.level1, self.level2, self.name))

    @property
    def request_id(self) -> str:
        digest = hashlib.sha256(self.key[2].encode()).hexdigest()[:20]
        return f"import:indicator:{self.year}:{self.code}:{digest}"


@dataclass
class PaymentRow:
    sheet: str
    row: int
    year: int
    code: str
    date: dt.date
    amount: Decimal  # 元
    payee: str
    economic: str | None
    voucher: str
    source: str | None
    unit_code: str = ""
    request_id: str = ""
    fingerprint: str = ""
    project_id: UUID = NO_ID  # set with the request id (``assign_payment_ids``)
    payment_id: UUID = NO_ID
    project_key: str = ""  # the two as text, as the ledger keys them
    payment_key: str = ""

    @property
    def fen(self) -> int:
        return to_fen(self.amount)

    def command_args(self) -> dict[str, Any]:
        """Exactly the arguments ``BudgetTracker.pay`` fingerprints, so a request id
        recorded by the import is the same request as ``tracker pay --id`` with it."""
        return {"note": IMPORT_NOTE, "project": self.project_key, "amount": str(self.amount),
                "date": self.date.isoformat(), "payee": self.payee, "economic": self.economic,
                "voucher": self.voucher, "source": self.source}

    def request(self) -> dict[str, str]:
        """The request as the event carries it: what ``BudgetTracker.pay`` would write."""
        return {"id": self.request_id, "hash": self.fingerprint, "result": self.payment_key}

    def request_hash(self) -> str:
        """The service layer's fingerprint of ``("pay", command_args())`` — sha256 of
        ``json.dumps([command, args], sort_keys=True, ensure_ascii=False)`` — spelled
        out in sorted order (a fifth of the cost of building and dumping the dict per
        row). ``run.fingerprinter`` compares it with the service layer's own first."""
        economic, source = self.economic, self.source
        blob = (
            f'["pay", {{"amount": {_json(str(self.amount))}, "date": "{self.date.isoformat()}", '
            f'"economic": {"null" if economic is None else _json(economic)}, "note": {_IMPORT_NOTE_JSON}, '
            f'"payee": {_json(self.payee)}, "project": {_json(self.project_key)}, '
            f'"source": {"null" if source is None else _json(source)}, "voucher": {_json(self.voucher)}}}]'
        )
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Parsed:
    """What the rows say, before the database is asked."""

    tables: list[Table]
    projects: list[ProjectRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------- database state


@dataclass
class ProjectState:
    """A project already in the database, with what the import compares against."""

    year: int
    code: str
    unit_code: str
    name: str
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str
    owner: str
    plan: str | None  # plan_spec text, as the read model keeps it
    initial_fen: int | None  # sum of 年初预算 appropriations; None: there is none
    daily: dict[str, tuple[int, int]] = field(default_factory=dict)  # iso -> (budget, spent) 分


@dataclass(frozen=True)
class ExistingPayment:
    project_code: str
    date: str
    amount_fen: int
    payee: str


@dataclass
class DbState:
    """The part of the database a file refers to (loaded by ``run``)."""

    units: dict[str, str] = field(default_factory=dict)  # code -> name
    projects: dict[tuple[int, str], ProjectState] = field(default_factory=dict)
    vouchers: dict[tuple[int, str, str], list[ExistingPayment]] = field(default_factory=dict)
    indicators: dict[tuple[int, str, str], tuple[str, str | None]] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)  # request id -> fingerprint


@dataclass
class Validated:
    """What to record, in order, and what was found already recorded."""

    units: list[UnitRow] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)
    appropriations: list[ProjectRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)



# ------------------------------------------------------------ cell readers


class CellError(Exception):
    """A cell that cannot be read; carries the reason shown to the user."""


def text_of(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


_DATE_FORMS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def read_date(value: Value) -> dt.date:
    """A date cell: an Excel date, ``2024-03-01``, ``2024/3/1``, ``2024年3月1日``, ``20240301``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)  # the common case, fast
        except ValueError:
            pass
    text = _nfkc(text_of(value) or "")
    for pattern in _DATE_FORMS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    if isinstance(value, Decimal):
        raise CellError(f"“{text}”不是日期：请把单元格设为日期格式，或写成 2024-03-01")
    raise CellError(f"“{text}”不是有效日期，应写成 2024-03-01")


def read_amount(value: Value, *, wan: bool = False) -> Decimal:
    """A positive amount (元, or 万元 when ``wan``) exact to the 分."""
    if isinstance(value, bool | dt.date):
        raise CellError(f"“{text_of(value)}”不是有效的金额")
    raw: str | Decimal
    if isinstance(value, Decimal) or (isinstance(value, str) and value.isascii()):
        raw = value
    else:
        raw = _nfkc(text_of(value) or "")
    try:
        return parse_amount(raw, wan=wan)
    except TrackerError as e:
        raise CellError(e.message) from None


def _is_zero(value: Value) -> bool:
    try:
        return Decimal(_nfkc(text_of(value) or "x").replace(",", "")) == 0
    except InvalidOperation:
        return False


def _number(value: Value, what: str) -> Decimal:
    text = _nfkc(text_of(value) or "").replace(",", "")
    if text.endswith("%"):
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text_of(value)}”不是有效的{what}") from None
    if not number.is_finite() or "e" in text.lower():
        raise CellError(f"“{text_of(value)}”不是有效的{what}")
    if number < 0:
        raise CellError(f"{what}不能为负数")
    return number


def indicator_key(level1: str, level2: str, name: str) -> str:
    """Levels and name compared without spaces and width differences."""
    return "|".join(re.sub(r"\s+", "", _nfkc(s)) for s in (level1, level2, name))


# ------------------------------------------------------------------ parsing


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
            parsed.problems.append(Problem(table.header_row, "预算年度",
                                           "未指定预算年度：请用 --year 指定，或在表中增加“预算年度”列",
                                           table.sheet))
            continue
        _read_rows(table, year, parsed)
    return parsed


def _read_rows(table: Table, year: int | None, parsed: Parsed) -> None:
    reader = {PROJECTS: _project, INDICATORS: _indicator, PAYMENTS: _payment}[table.kind]
    fast = _FastPayments(table, year) if table.kind == PAYMENTS else None
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
    text = _nfkc(text_of(cell) or "").removesuffix("年度").removesuffix("年")
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


def _code(value: Value) -> str:
    return parse_code(_nfkc(text_of(value) or ""), "项目编码")


def _required_text(limit: int, field_name: str) -> Callable[[Value], str]:
    return lambda v: parse_text(text_of(v), field_name, limit=limit)


def _optional_text(limit: int, field_name: str) -> Callable[[Value], str]:
    return lambda v: parse_text(text_of(v), field_name, required=False, limit=limit)


def _project(ctx: _RowContext, year: int | None, warnings: list[str]) -> ProjectRow | None:
    before = len(ctx.problems)
    fiscal = _row_year(ctx, year)
    code = ctx.read("code", _code)
    name = ctx.read("name", _required_text(200, "项目名称"))
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
    owner = ctx.read("owner", _optional_text(100, "负责人")) if ctx.has("owner") else None
    doc = ctx.read("doc", _optional_text(200, "文号")) or ""
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
    return ProjectRow(ctx.table.sheet, ctx.number, fiscal, code, name, unit_code, unit_name, etype,
                      functional, economic, source, owner, plan, budget, approved, doc)


def _budget(ctx: _RowContext) -> Decimal | None:
    for key, wan in (("budget_wan", True), ("budget_bare", not ctx.table.budget_in_yuan),
                     ("budget_yuan", False)):
        if ctx.has(key):
            cell = ctx.value(key)
            if is_blank_mark(cell) or _is_zero(cell):
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
            ctx.problem(PLAN_COLUMN, f"累计计划 {to_wan(top)} 万元超过预算数 {to_wan(budget)} 万元"
                                     "（百分比请带 %）")
            return None
    return checkpoints


def _checkpoint(day: dt.date, value: Value, kind: str) -> Checkpoint:
    """A blank, a percentage, or a cumulative 万元 amount (kept in 元)."""
    if is_blank_mark(value):
        return Checkpoint(day)
    number = _number(value, "百分比" if kind == "percent" else "金额（万元）")
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
    has_own = any(cells[ctx.table.columns[k][0]] is not None for k in ("name", "target")
                  if k in ctx.table.columns)
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
    code = ctx.read("code", _code)
    level1 = ctx.read("level1", _required_text(50, "一级指标"))
    level2 = ctx.read("level2", _required_text(50, "二级指标"))
    name = ctx.read("name", _required_text(200, "三级指标"))
    target = ctx.read("target", _required_text(200, "指标值"))
    weight = ctx.read("weight", lambda v: parse_weight(text_of(v))) if ctx.has("weight") else None
    description = ctx.read("description", _optional_text(500, "指标描述")) or ""
    if len(ctx.problems) > before or fiscal is None:
        return None
    assert code is not None
    assert level1 is not None
    assert level2 is not None
    assert name is not None
    assert target is not None
    for warning in check_levels(level1, level2):
        warnings.append(f"工作表“{ctx.table.sheet}”第{ctx.number}行：{warning}")
    return IndicatorRow(ctx.table.sheet, ctx.number, fiscal, code, level1, level2, name, target, weight,
                        description)


def _economic(value: Value) -> str | None:
    # Keyed by the cell's type and text too: Decimal("30201") == Decimal("30201.0"), and
    # a plain cache would let whichever came first decide for both.
    return _economic_of(type(value).__name__, str(value), value)


@functools.lru_cache(maxsize=1024)
def _economic_of(_kind: str, _text: str, value: Value) -> str | None:
    code = class_code(value)
    return cls.economic_code(code) if code else None


def _source(value: Value) -> str | None:
    return _source_of(type(value).__name__, str(value), value)


@functools.lru_cache(maxsize=256)
def _source_of(_kind: str, _text: str, value: Value) -> str | None:
    name = source_name(value)
    return cls.funding_source(name) if name else None


def _voucher(value: Value) -> str:
    text = text_of(value) or ""
    return parse_text(text if text.isascii() else _nfkc(text), "凭证号", required=False, limit=100)


def _payment(ctx: _RowContext, year: int | None, warnings: list[str]) -> PaymentRow | None:
    before = len(ctx.problems)
    fiscal = _row_year(ctx, year)
    day = ctx.read("date", read_date)
    code = ctx.read("code", _code)
    if ctx.has("amount_wan"):
        amount = ctx.read("amount_wan", lambda v: read_amount(v, wan=True))
    else:
        amount = ctx.read("amount_yuan", read_amount)
    payee = ctx.read("payee", _required_text(200, "收款人"))
    economic = ctx.read("economic", _economic)
    voucher = ctx.read("voucher", _voucher) or ""
    source = ctx.read("source", _source)
    if day is not None and fiscal is not None and day.year != fiscal:
        ctx.problem(ctx.table.label("date"), f"日期 {day} 不在预算年度 {fiscal} 年内")
    if len(ctx.problems) > before or fiscal is None:
        return None
    assert day is not None
    assert code is not None
    assert amount is not None
    assert payee is not None
    return PaymentRow(ctx.table.sheet, ctx.number, fiscal, code, day, amount, payee, economic, voucher,
                      source)


class _FastPayments:
    """The payment reader without per-cell bookkeeping, for the 100,000-row case.

    It calls the same cell readers as ``_payment`` and gives up (``None``) at the first
    doubt — a cell it cannot read, a year to compare — so ``_payment`` reads that row
    again and records its problems: the two accept exactly the same rows.
    """

    def __init__(self, table: Table, year: int | None) -> None:
        self.sheet = table.sheet
        self.year = year
        index = {key: found[0] for key, found in table.columns.items()}
        self.wan = "amount_wan" in table.columns
        absent = 1 << 30  # a column the table does not have reads as an empty cell
        keys = ("date", "code", "amount_wan" if self.wan else "amount_yuan", "payee", "economic", "voucher",
                "source")
        self.at = tuple(index.get(k, absent) for k in keys)
        self.year_at = index.get("year")
        # Codes and payees repeat down a long table: each text read once.
        self.codes: dict[str, str] = {}
        self.payees: dict[str, str] = {}

    def _code(self, cell: Value) -> str:
        if type(cell) is not str:
            return _code(cell)
        code = self.codes.get(cell)
        if code is None:
            code = self.codes[cell] = _code(cell)
        return code

    def _payee(self, cell: Value) -> str:
        if type(cell) is not str:
            return parse_text(text_of(cell), "收款人", limit=200)
        payee = self.payees.get(cell)
        if payee is None:
            payee = self.payees[cell] = parse_text(text_of(cell), "收款人", limit=200)
        return payee

    def _year(self, cell: Value) -> int | None:
        text = _nfkc(text_of(cell) or "").removesuffix("年度").removesuffix("年")
        try:
            found = parse_year(text)
        except TrackerError:
            return None
        return found if self.year is None or found == self.year else None

    def row(self, number: int, cells: tuple[Value, ...]) -> PaymentRow | None:
        n = len(cells)
        fiscal = self.year
        if self.year_at is not None and self.year_at < n and cells[self.year_at] is not None:
            fiscal = self._year(cells[self.year_at])
        if fiscal is None:
            return None  # no year, or one to compare with --year: _payment says what is wrong
        at = self.at
        try:
            day = read_date(cells[at[0]] if at[0] < n else None)
            code = self._code(cells[at[1]] if at[1] < n else None)
            amount = read_amount(cells[at[2]] if at[2] < n else None, wan=self.wan)
            payee = self._payee(cells[at[3]] if at[3] < n else None)
            economic = _economic(cells[at[4]] if at[4] < n else None)
            voucher = _voucher(cells[at[5]] if at[5] < n else None) or ""
            source = _source(cells[at[6]] if at[6] < n else None)
        except (CellError, TrackerError):
            return None
        if day.year != fiscal:
            return None
        return PaymentRow(self.sheet, number, fiscal, code, day, amount, payee, economic, voucher, source)


# ------------------------------------------------------------ request ids


def assign_payment_ids(parsed: Parsed, db: DbState) -> list[str]:
    """Give each payment its unit and request id; returns the ids (to look up in the db).

    With a 凭证号: ``import:payment:{year}:{unit}:v:{凭证号}``. Without: a digest of the
    row's content and its occurrence number among identical rows, so two identical rows
    are two payments and a later export holding the same rows finds them again.
    """
    units = _project_units(parsed, db)
    make_id = _payment_id if _payment_id("probe") == entry_id("payment", "probe") else _entry_payment_id
    seen: dict[tuple[Any, ...], int] = {}
    pids: dict[tuple[int, str], tuple[UUID, str]] = {}
    ids = []
    for p in parsed.payments:
        key = (p.year, p.code)
        p.unit_code = units.get(key, "")
        found = pids.get(key)
        if found is None:
            pid = project_id(p.year, p.code)
            found = pids[key] = (pid, str(pid))
        p.project_id, p.project_key = found
        if p.voucher:
            p.request_id = f"import:payment:{p.year}:{p.unit_code}:v:{p.voucher}"
        else:
            content = (p.year, p.code, p.date.isoformat(), str(p.amount), p.payee, p.economic or "",
                       p.source or "")
            seen[content] = seen.get(content, 0) + 1
            digest = hashlib.sha256(repr(content).encode()).hexdigest()[:24]
            p.request_id = f"import:payment:{p.year}:{p.unit_code}:h:{digest}:{seen[content]}"
        p.payment_id = make_id(p.request_id)
        p.payment_key = str(p.payment_id)
        ids.append(p.request_id)
    return ids


_NAMESPACE = NAMESPACE.bytes
_UUID5_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))  # the variant and version bits
_UUID5_SET = (0x8000 << 48) | (5 << 76)  # RFC 4122 variant, version 5


def _payment_id(request_id: str) -> UUID:
    """``entry_id("payment", request_id)`` (uuid5) in a third of the time: the standard
    library's ``uuid5`` imports ``hashlib`` and builds the UUID from bytes on every call.
    ``assign_payment_ids`` checks the two agree before using this one."""
    digest = hashlib.sha1(_NAMESPACE + f"payment:{request_id}".encode()).digest()
    return UUID(int=(int.from_bytes(digest[:16]) & _UUID5_CLEAR) | _UUID5_SET)


def _entry_payment_id(request_id: str) -> UUID:
    return entry_id("payment", request_id)


def request_ids(parsed: Parsed, db: DbState) -> list[str]:
    """Every request id the file would use (the caller fetches their fingerprints)."""
    ids = [p.request_id for p in parsed.projects] + [p.budget_request_id for p in parsed.projects]
    ids += [i.request_id for i in parsed.indicators]
    return ids + assign_payment_ids(parsed, db)


def _project_units(parsed: Parsed, db: DbState) -> dict[tuple[int, str], str]:
    units = {key: state.unit_code for key, state in db.projects.items()}
    for p in parsed.projects:
        if p.unit_code and (p.year, p.code) not in units:
            units[(p.year, p.code)] = p.unit_code
    return units


# ------------------------------------------------------------------ checking


def check(parsed: Parsed, db: DbState, fingerprint: Callable[[PaymentRow], str]) -> Validated:
    """Sort the records into new and already recorded; add the database's problems.

    ``fingerprint(row)`` is the service layer's own request hash of the row's ``pay``
    command (``BudgetTracker._request``), passed in to keep this module pure.
    """
    out = Validated(problems=list(parsed.problems), warnings=list(parsed.warnings))
    if not any(p.request_id for p in parsed.payments):
        assign_payment_ids(parsed, db)
    _check_units_and_projects(parsed, db, out)
    file_projects = {(p.year, p.code): p for p in parsed.projects}
    _check_indicators(parsed, db, out, file_projects)
    _check_payments(parsed, db, out, file_projects, fingerprint)
    order = {t.sheet: i for i, t in enumerate(parsed.tables)}
    out.problems.sort(key=lambda p: (order.get(p.sheet or "", -1), p.row or 0))
    return out


def _check_units_and_projects(parsed: Parsed, db: DbState, out: Validated) -> None:
    names_in_db: dict[str, list[str]] = {}
    for code, name in db.units.items():
        names_in_db.setdefault(_nfkc(name), []).append(code)
    new_units: dict[str, UnitRow] = {}
    seen: dict[tuple[int, str], ProjectRow] = {}
    for p in parsed.projects:
        if not _resolve_unit(p, db, names_in_db, new_units, out):
            continue
        key = (p.year, p.code)
        if key in seen:
            out.problems.append(Problem(p.row, "项目编码", f"项目编码 {p.code} 与第{seen[key].row}行重复",
                                        p.sheet))
            continue
        seen[key] = p
        _classify_project(p, db.projects.get(key), out)
    units_used = {p.unit_code for p in out.projects}
    out.units = [u for u in new_units.values() if u.code in units_used]
    out.present["units"] = len({p.unit_code for p in parsed.projects if p.unit_code in db.units})


def _resolve_unit(p: ProjectRow, db: DbState, names_in_db: dict[str, list[str]],
                  new_units: dict[str, UnitRow], out: Validated) -> bool:
    """Settle the row's unit code (known, or new with its name); False after a problem."""
    column = "预算单位"
    if p.unit_code is None:
        assert p.unit_name is not None
        matches = names_in_db.get(_nfkc(p.unit_name), []) + [
            u.code for u in new_units.values() if u.name == p.unit_name]
        if len(set(matches)) != 1:
            out.problems.append(Problem(p.row, column, f"“{p.unit_name}”缺少单位编码（应写成如 "
                                        "450001保定市满城区医疗保障局本级），系统中也没有唯一的同名单位",
                                        p.sheet))
            return False
        p.unit_code = matches[0]
    if p.unit_code in db.units:
        if p.unit_name and _nfkc(p.unit_name) != _nfkc(db.units[p.unit_code]):
            out.warnings.append(f"工作表“{p.sheet}”第{p.row}行：单位 {p.unit_code} 已登记为"
                                f"“{db.units[p.unit_code]}”，文件写作“{p.unit_name}”，未更名")
        return True
    first = new_units.get(p.unit_code)
    if first is not None:
        if p.unit_name and p.unit_name != first.name:
            out.problems.append(Problem(p.row, column, f"单位 {p.unit_code} 的名称“{p.unit_name}”与第"
                                        f"{first.row}行的“{first.name}”不一致", p.sheet))
            return False
        return True
    if not p.unit_name:
        out.problems.append(Problem(p.row, column, f"预算单位 {p.unit_code} 不存在，且未给出单位名称"
                                    "（写成如 450001保定市满城区医疗保障局本级 即可新建）", p.sheet))
        return False
    new_units[p.unit_code] = UnitRow(p.sheet, p.row, p.unit_code, p.unit_name)
    return True


def _classify_project(p: ProjectRow, state: ProjectState | None, out: Validated) -> None:
    """New project (and its 年初预算), or one already recorded: compare, warn, change nothing."""
    if state is None:
        out.projects.append(p)
        if p.budget is not None:
            out.appropriations.append(p)
        return
    out.present["projects"] += 1
    for difference in _differences(p, state):
        out.warnings.append(f"工作表“{p.sheet}”第{p.row}行：项目 {p.code} 已存在，{difference}，未更改")
    if p.budget is None:
        return
    if state.initial_fen is None:
        out.appropriations.append(p)
        return
    out.present["appropriations"] += 1
    if state.initial_fen != to_fen(p.budget):
        out.warnings.append(
            f"工作表“{p.sheet}”第{p.row}行：项目 {p.code} 已记录年初预算 "
            f"{to_wan(Decimal(state.initial_fen) / 100)} 万元，文件为 {to_wan(p.budget)} 万元，未更改"
            "（调整请用 tracker budget --kind add/reduce）")


def _differences(p: ProjectRow, s: ProjectState) -> list[str]:
    found = []
    pairs: list[tuple[str, Any, Any]] = [
        ("项目名称", p.name, s.name), ("预算单位", p.unit_code, s.unit_code),
        ("支出类型", p.expenditure_type, s.expenditure_type), ("功能分类科目", p.functional, s.functional),
        ("经济分类科目", p.economic, s.economic), ("资金来源", p.source, s.source),
    ]
    if p.owner is not None:
        pairs.append(("负责人", p.owner, s.owner))
    if p.plan is not None:
        pairs.append((PLAN_COLUMN, plan_spec(p.plan), s.plan or ""))
    for label, mine, theirs in pairs:
        if (mine or None) != (theirs or None):
            found.append(f"{label}（已记录“{theirs or ''}”，文件为“{mine or ''}”）")
    return found


def _at(where: Problem, column: str, reason: str) -> Problem:
    return Problem(where.row, column, reason, where.sheet)


def _check_indicators(parsed: Parsed, db: DbState, out: Validated,
                      file_projects: dict[tuple[int, str], ProjectRow]) -> None:
    seen: dict[tuple[int, str, str], IndicatorRow] = {}
    for i in parsed.indicators:
        where = Problem(i.row, None, "", i.sheet)
        if (i.year, i.code) not in db.projects and (i.year, i.code) not in file_projects:
            out.problems.append(_at(where, "项目编码", f"{i.year} 年没有编码为 {i.code} 的项目"))
            continue
        if i.key in seen:
            out.problems.append(_at(where, "三级指标", f"指标“{i.name}”与第{seen[i.key].row}行重复"))
            continue
        seen[i.key] = i
        existing = db.indicators.get(i.key)
        if existing is None:
            out.indicators.append(i)
            continue
        out.present["indicators"] += 1
        target, weight = existing
        if target != i.target or (weight is not None and i.weight is not None
                                  and Decimal(weight) != i.weight):
            out.warnings.append(f"工作表“{i.sheet}”第{i.row}行：指标“{i.name}”已存在（指标值“{target}”，"
                                f"分值 {weight or '无'}），未更改")


def _check_payments(parsed: Parsed, db: DbState, out: Validated,
                    file_projects: dict[tuple[int, str], ProjectRow],
                    fingerprint: Callable[[PaymentRow], str]) -> None:
    seen_vouchers: dict[tuple[int, str, str], PaymentRow] = {}
    new: list[PaymentRow] = []
    for p in parsed.payments:
        key = (p.year, p.code)
        if key not in db.projects and key not in file_projects:
            out.problems.append(_payment_problem(p, _label(parsed, p, "code"),
                                                 f"{p.year} 年没有编码为 {p.code} 的项目"))
            continue
        if p.voucher:
            vkey = (p.year, p.unit_code, p.voucher)
            if vkey in seen_vouchers:
                out.problems.append(_payment_problem(
                    p, _label(parsed, p, "voucher"),
                    f"凭证号 {p.voucher} 与第{seen_vouchers[vkey].row}行重复"))
                continue
            seen_vouchers[vkey] = p
        p.fingerprint = fingerprint(p)
        recorded = db.requests.get(p.request_id)
        if recorded is not None:
            if recorded == p.fingerprint:
                out.present["payments"] += 1
            else:
                out.problems.append(_payment_problem(
                    p, _label(parsed, p, "voucher"),
                    f"凭证号 {p.voucher} 已导入，但金额、日期、项目或收款人与已记录的不同"
                    if p.voucher else "该行已导入，但内容与已记录的不同"))
            continue
        if p.voucher and (p.year, p.unit_code, p.voucher) in db.vouchers:
            existing = db.vouchers[(p.year, p.unit_code, p.voucher)]
            same = [e for e in existing if (e.project_code, e.date, e.amount_fen, e.payee)
                    == (p.code, p.date.isoformat(), to_fen(p.amount), p.payee)]
            if same:
                out.present["payments"] += 1
            else:
                e = existing[0]
                out.problems.append(_payment_problem(
                    p, _label(parsed, p, "voucher"),
                    f"凭证号 {p.voucher} 已被另一笔支付使用（项目 {e.project_code}，"
                    f"{e.date}，{fmt_yuan_grouped(Decimal(e.amount_fen) / 100)} 元）"))
            continue
        new.append(p)
    _check_overspend(parsed, db, out, new, file_projects)


def _payment_problem(p: PaymentRow, column: str, reason: str) -> Problem:
    return Problem(p.row, column, reason, p.sheet)


def _label(parsed: Parsed, p: PaymentRow, key: str) -> str:
    for t in parsed.tables:
        if t.sheet == p.sheet and t.kind == PAYMENTS:
            return t.label(key)
    return key


def _check_overspend(parsed: Parsed, db: DbState, out: Validated, new: list[PaymentRow],
                     file_projects: dict[tuple[int, str], ProjectRow]) -> None:
    """Every new payment must fit under the budget on every date from its own on, as
    the aggregate will check it: budget already recorded, plus the 年初预算 of this
    file, minus spending already recorded and the file's earlier rows."""
    by_project: dict[tuple[int, str], list[PaymentRow]] = {}
    for p in new:
        by_project.setdefault((p.year, p.code), []).append(p)
    refused: set[int] = set()
    for key, payments in by_project.items():
        year = key[0]
        state = db.projects.get(key)
        deltas: dict[dt.date, int] = {}
        if state is not None:
            for iso, (budget, spent) in state.daily.items():
                day = dt.date.fromisoformat(iso)
                deltas[day] = deltas.get(day, 0) + budget - spent
        planned = file_projects.get(key)
        if planned is not None and planned.budget is not None and (
                state is None or state.initial_fen is None):
            deltas[planned.approved] = deltas.get(planned.approved, 0) + to_fen(planned.budget)
        room = Headroom(year, deltas)
        if room.fits_all((p.date, to_fen(p.amount)) for p in payments):
            continue
        room = Headroom(year, deltas)
        for p in payments:
            fen = to_fen(p.amount)
            available = room.available_from(p.date)
            if fen > available:
                refused.add(id(p))
                out.problems.append(Problem(
                    p.row, _label(parsed, p, "amount_wan" if _in_wan(parsed, p) else "amount_yuan"),
                    f"支付 {fmt_yuan_grouped(p.amount)} 元超出项目 {p.code} 的可用预算：截至 {p.date}"
                    f"（及以后各日）可用余额为 {fmt_yuan_grouped(Decimal(available) / 100)} 元", p.sheet))
            else:
                room.add(p.date, -fen)
    out.payments = [p for p in new if id(p) not in refused]


def _in_wan(parsed: Parsed, p: PaymentRow) -> bool:
    return any(t.sheet == p.sheet and t.kind == PAYMENTS and "amount_wan" in t.columns for t in parsed.tables)
