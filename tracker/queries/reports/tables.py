"""The standard public tables (公开表), as pure queries on the read tables.

Every function takes a ``ReadStore`` (``app.read``), the fiscal year, an optional unit
code (the unit and its whole subtree) and an optional business date *d* (default 31
December of the year), and returns plain dataclasses with amounts in Decimal 元:

- ``income_expenditure_summary``  收支总表 / 收入支出决算表
- ``expenditure_by_function``     支出总表 (功能分类 类/款/项 × 基本支出/项目支出)
- ``basic_expenditure_by_economic``  基本支出表 (经济分类 × 人员经费/公用经费)
- ``project_expenditure_by_economic`` 项目支出表 (经济分类)
- ``three_public``                "三公"经费表

预算数 columns are the 全年预算数 as of d (年初预算 + adjustments + 上年结转, each
appropriation by its own date) and follow the project's classes; 执行数 columns are
the payments dated on or before d less the reversals dated on or before d, and follow
the payment's own economic class (the functional class and expenditure type are the
project's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tracker.domain import classification as cls
from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES
from tracker.domain.money import from_fen
from tracker.queries.known import KnownOn
from tracker.queries.reports.ledger import Ledger, load
from tracker.queries.reports.model import (
    Amounts,
    ClassRow,
    ClassTable,
    ExpenditureRow,
    IncomeRow,
    Summary,
    ThreePublic,
    ThreePublicRow,
)
from tracker.store.readstore import ReadStore

CARRYOVER = "carryover"
UNCLASSIFIED_FUNCTIONAL = "未列功能分类科目"
UNCLASSIFIED_ECONOMIC = "未列经济分类科目"
BASIC_TYPES = (cls.PERSONNEL, cls.OPERATING)

# Income lines of the 收支总表, in the order of the published forms (seeds 001, 003).
INCOME_LINES: tuple[tuple[str, str], ...] = (
    ("一般公共预算财政拨款", "一般公共预算财政拨款收入"),
    ("政府性基金预算财政拨款", "政府性基金预算财政拨款收入"),
    ("国有资本经营预算财政拨款", "国有资本经营预算财政拨款收入"),
    ("财政专户管理资金", "财政专户管理资金收入"),
    ("单位资金", "单位资金收入"),
    ("上级补助", "上级补助收入"),
    ("事业收入", "事业收入"),
    ("经营收入", "经营收入"),
    ("其他收入", "其他收入"),
)
CARRYOVER_SOURCE = "上年结转"

# "三公"经费: 因公出国(境)费 30212; 公务用车购置 31013 (and 30913, its 基本建设 twin in
# the 经济分类); 公务用车运行维护费 30231; 公务接待费 30217.
CAR_PURCHASE = ("31013", "30913")
THREE_PUBLIC_LINES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("合计", ("30212", *CAR_PURCHASE, "30231", "30217"), 0),
    ("一、因公出国（境）费", ("30212",), 1),
    ("二、公务用车购置及运行维护费", (*CAR_PURCHASE, "30231"), 1),
    ("其中：公务用车购置费", CAR_PURCHASE, 2),
    ("公务用车运行维护费", ("30231",), 2),
    ("三、公务接待费", ("30217",), 1),
)


def income_expenditure_summary(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> Summary:
    """收支总表: income by funding source (上年结转 apart), spending by 功能分类 类."""
    led = load(read, year, unit, as_of, known)
    income = {source: IncomeRow(label, source) for source, label in INCOME_LINES}
    carryover = 0
    classes: dict[str, ExpenditureRow] = {
        code: ExpenditureRow(code, name) for code, name in FUNCTIONAL_CLASSES.items() if len(code) == 3
    }
    for p in led.projects.values():
        carried = led.kind_fen(p.id, CARRYOVER)
        this_year = led.budget_fen(p.id) - carried
        carryover += carried
        if p.source == CARRYOVER_SOURCE:
            carryover += this_year
        else:
            row = income.setdefault(p.source, IncomeRow(p.source + "收入", p.source))
            row.amount += from_fen(this_year)
        _class_row(classes, p.functional).figures.budget += from_fen(led.budget_fen(p.id))
    for s in led.spending:
        _class_row(classes, led.projects[s.project_id].functional).figures.disbursed += from_fen(s.fen)
    expenditure = sorted(classes.values(), key=lambda r: (r.code == "", r.code))
    return Summary(
        led.year, led.as_of, led.unit, led.unit_label, list(income.values()), from_fen(carryover), expenditure
    )


def _class_row(classes: dict[str, ExpenditureRow], functional: str | None) -> ExpenditureRow:
    code = (functional or "")[:3]
    if code not in classes:
        classes[code] = ExpenditureRow(
            code, FUNCTIONAL_CLASSES.get(code, code) if code else UNCLASSIFIED_FUNCTIONAL
        )
    return classes[code]


def expenditure_by_function(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> ClassTable:
    """支出总表: 功能分类 类/款/项 rows (with 类 and 款 subtotals) and a 合计 row."""
    led = load(read, year, unit, as_of, known)
    tree = _Tree(cls.FUNCTIONAL_LEVELS, FUNCTIONAL_CLASSES, UNCLASSIFIED_FUNCTIONAL)
    for p in led.projects.values():
        tree.add(p.functional, p.expenditure_type, budget=led.budget_fen(p.id))
    for s in led.spending:
        p = led.projects[s.project_id]
        tree.add(p.functional, p.expenditure_type, spent=s.fen)
    return tree.table("function", led)


def basic_expenditure_by_economic(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> ClassTable:
    """基本支出表: 经济分类 类/款 of 基本支出, split 人员经费 (301, 303) / 公用经费 (the rest)."""
    led = load(read, year, unit, as_of, known)
    tree = _Tree(cls.ECONOMIC_LEVELS, ECONOMIC_CLASSES, UNCLASSIFIED_ECONOMIC)
    for p in led.projects.values():
        if p.expenditure_type in BASIC_TYPES:
            tree.add(p.economic, _basic_part(p.economic, p.expenditure_type), budget=led.budget_fen(p.id))
    for s in led.spending:
        p = led.projects[s.project_id]
        if p.expenditure_type in BASIC_TYPES:
            tree.add(s.economic, _basic_part(s.economic, p.expenditure_type), spent=s.fen)
    return tree.table("basic", led)


def _basic_part(economic: str | None, expenditure_type: str) -> str:
    """The split follows the economic class; an unclassified amount follows its project."""
    if economic is None:
        return expenditure_type
    return cls.PERSONNEL if cls.is_personnel_economic(economic) else cls.OPERATING


def project_expenditure_by_economic(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> ClassTable:
    """项目支出表: 经济分类 类/款 of 项目支出 (budget by project, spending by payment)."""
    led = load(read, year, unit, as_of, known)
    tree = _Tree(cls.ECONOMIC_LEVELS, ECONOMIC_CLASSES, UNCLASSIFIED_ECONOMIC)
    for p in led.projects.values():
        if p.expenditure_type == cls.PROJECT_SPENDING:
            tree.add(p.economic, cls.PROJECT_SPENDING, budget=led.budget_fen(p.id))
    for s in led.spending:
        if led.projects[s.project_id].expenditure_type == cls.PROJECT_SPENDING:
            tree.add(s.economic, cls.PROJECT_SPENDING, spent=s.fen)
    return tree.table("project-economic", led)


def three_public(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> ThreePublic:
    """The "三公"经费表: 年初预算数 and 全年预算数 by the project's economic class, 执行数
    by the payment's (a project classed only as 302 has no "三公" budget of its own)."""
    led = load(read, year, unit, as_of, known)
    rows = [ThreePublicRow(label, codes, depth) for label, codes, depth in THREE_PUBLIC_LINES]
    for p in led.projects.values():
        for row in _lines_of(rows, p.economic):
            row.initial += from_fen(led.kind_fen(p.id, "initial"))
            row.figures.budget += from_fen(led.budget_fen(p.id))
    for s in led.spending:
        for row in _lines_of(rows, s.economic):
            row.figures.disbursed += from_fen(s.fen)
    return ThreePublic(led.year, led.as_of, led.unit, led.unit_label, rows)


def _lines_of(rows: Iterable[ThreePublicRow], economic: str | None) -> list[ThreePublicRow]:
    return [r for r in rows if economic in r.codes] if economic else []


class _Tree:
    """Accumulates amounts under a class code and every level above it."""

    def __init__(self, levels: dict[int, str], names: dict[str, str], unclassified: str) -> None:
        self.levels, self.names, self.unclassified = levels, names, unclassified
        self.rows: dict[str, ClassRow] = {}
        self.total = ClassRow("", "合计", "合计")

    def add(self, code: str | None, part: str, *, budget: int = 0, spent: int = 0) -> None:
        prefixes = [code[:n] for n in self.levels if n <= len(code)] if code else [""]
        for prefix in [*prefixes, None]:
            row = self.total if prefix is None else self._row(prefix)
            if budget:
                row.part(part).budget += from_fen(budget)
            if spent:
                row.part(part).disbursed += from_fen(spent)

    def _row(self, code: str) -> ClassRow:
        if code not in self.rows:
            name = self.names.get(code, "") if code else self.unclassified
            self.rows[code] = ClassRow(code, name, self.levels.get(len(code), ""))
        return self.rows[code]

    def table(self, kind: str, led: Ledger) -> ClassTable:
        rows = sorted(
            (r for r in self.rows.values() if _nonzero(r.budget) or _nonzero(r.spent)),
            key=lambda r: (r.code == "", r.code),
        )
        return ClassTable(kind, led.year, led.as_of, led.unit, led.unit_label, rows, self.total)


def _nonzero(a: Amounts) -> bool:
    return bool(a.personnel or a.operating or a.project)
