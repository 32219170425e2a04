"""The rows of the public tables: plain dataclasses, amounts in Decimal 元.

A row's budget (预算数) and spending (执行数) are a ``Figures``, the shape every query
gives a project's figures; a class row holds one for each expenditure type, and
``Amounts`` is one column of it (预算数 or 执行数) split by type, as the forms print it.
Tables are converted to 万元 (two decimals, half-up) only by the renderers in
``tracker.exporting``, each figure from its exact 元 value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from tracker.domain import classification as cls
from tracker.domain.money import ZERO
from tracker.queries.figures import Figures


@dataclass(frozen=True)
class Amounts:
    """One column split by expenditure type: 基本支出 (人员经费 + 公用经费) and 项目支出."""

    personnel: Decimal = ZERO
    operating: Decimal = ZERO
    project: Decimal = ZERO

    @property
    def basic(self) -> Decimal:
        return self.personnel + self.operating

    @property
    def total(self) -> Decimal:
        return self.basic + self.project


@dataclass
class ClassRow:
    """One 科目 (类/款/项) of a table, or its 合计 row (level ``合计``, code ""), with the
    figures of each expenditure type."""

    code: str
    name: str
    level: str  # 类 / 款 / 项 / 合计 ("" for an unclassified row)
    personnel: Figures = field(default_factory=Figures)
    operating: Figures = field(default_factory=Figures)
    project: Figures = field(default_factory=Figures)

    def part(self, expenditure_type: str) -> Figures:
        """The figures of an expenditure type (``项目支出``, ``基本支出-人员经费`` ...)."""
        if expenditure_type == cls.PERSONNEL:
            return self.personnel
        if expenditure_type == cls.OPERATING:
            return self.operating
        return self.project

    @property
    def budget(self) -> Amounts:
        """预算数 by type."""
        return Amounts(self.personnel.budget, self.operating.budget, self.project.budget)

    @property
    def spent(self) -> Amounts:
        """执行数 by type."""
        return Amounts(self.personnel.disbursed, self.operating.disbursed, self.project.disbursed)


@dataclass
class ClassTable:
    """支出总表 (functional), 基本支出表 and 项目支出表 (economic)."""

    kind: str  # function / basic / project-economic
    year: int
    as_of: dt.date
    unit: str | None
    unit_label: str
    rows: list[ClassRow]
    total: ClassRow


@dataclass
class IncomeRow:
    """One funding source on the income side of the 收支总表."""

    label: str  # 一般公共预算财政拨款收入 ...
    source: str  # the 资金来源 it rolls up
    amount: Decimal = ZERO


@dataclass
class ExpenditureRow:
    """One 功能分类 类 on the expenditure side of the 收支总表."""

    code: str
    name: str
    figures: Figures = field(default_factory=Figures)

    @property
    def budget(self) -> Decimal:
        return self.figures.budget

    @property
    def spent(self) -> Decimal:
        return self.figures.disbursed


@dataclass
class Summary:
    """收支总表: income by source, expenditure by 功能分类 类; both sides balance.

    收入总计 = 本年收入合计 + 上年结转 = Σ 全年预算数 = 本年支出合计 (预算数) = 支出总计.
    On the 执行数 side the difference between income and spending is the
    年末结转结余, so that 支出总计 (执行数) = 收入总计 as well.
    """

    year: int
    as_of: dt.date
    unit: str | None
    unit_label: str
    income: list[IncomeRow]
    carryover: Decimal
    expenditure: list[ExpenditureRow]

    @property
    def income_this_year(self) -> Decimal:
        return sum((r.amount for r in self.income), ZERO)

    @property
    def income_total(self) -> Decimal:
        return self.income_this_year + self.carryover

    @property
    def budget_total(self) -> Decimal:
        return sum((r.budget for r in self.expenditure), ZERO)

    @property
    def spent_total(self) -> Decimal:
        return sum((r.spent for r in self.expenditure), ZERO)

    @property
    def budget_balance(self) -> Decimal:
        """年终结转结余 on the budget side (0 when every appropriation is in a project)."""
        return self.income_total - self.budget_total

    @property
    def spent_balance(self) -> Decimal:
        """年末结转结余 as of d: income received less net spending."""
        return self.income_total - self.spent_total


@dataclass
class ThreePublicRow:
    """One line of the "三公"经费表."""

    label: str
    codes: tuple[str, ...]  # the 经济分类 款 it covers
    depth: int  # 0 合计, 1 一、二、三, 2 其中
    initial: Decimal = ZERO  # 年初预算数 (kind initial)
    figures: Figures = field(default_factory=Figures)  # 全年预算数 and 执行数 as of d

    @property
    def budget(self) -> Decimal:
        return self.figures.budget

    @property
    def spent(self) -> Decimal:
        return self.figures.disbursed


@dataclass
class ThreePublic:
    year: int
    as_of: dt.date
    unit: str | None
    unit_label: str
    rows: list[ThreePublicRow]

    @property
    def total(self) -> ThreePublicRow:
        return self.rows[0]
