"""The one shape of a project and of its figures, for every query that reads them.

``ProjectRef`` is a project as registered (its classes and plan), ``Figures`` its
budget and 执行数 as of a date with the planned amount they imply, and
``ProjectStatus`` the two together with the unit's rule. The status page, roll-ups,
series, alerts, the monitoring form and the public tables all use these, so a
project's figures mean the same thing wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.money import ZERO
from tracker.domain.plan import HUNDRED


@dataclass
class Figures:
    """Budget and disbursed amounts with the planned amount they imply.

    An accumulator on purpose: a total is built by ``add``-ing its parts in order, so
    its rates come from summed amounts (budget-weighted)."""

    budget: Decimal = ZERO
    disbursed: Decimal = ZERO
    planned_amount: Decimal = ZERO  # Σ planned_rate × budget, for budget-weighted totals
    forecast_amount: Decimal = ZERO
    planned: Decimal | None = None  # one project's own rate (a % plan needs no budget)
    committed: Decimal = ZERO  # open commitments (已签合同未支付); rates stay on payments

    @property
    def uncommitted(self) -> Decimal:
        """Neither paid nor committed: budget − disbursed − committed."""
        return self.budget - self.disbursed - self.committed

    @property
    def available(self) -> Decimal:
        return self.budget - self.disbursed

    @property
    def execution_rate(self) -> Decimal:
        return lag.rate(self.disbursed, self.budget)

    @property
    def planned_rate(self) -> Decimal:
        if self.planned is not None:
            return self.planned
        return lag.rate(self.planned_amount, self.budget)

    @property
    def lag_points(self) -> Decimal:
        return self.planned_rate - self.execution_rate

    @property
    def forecast_rate(self) -> Decimal:
        return lag.rate(self.forecast_amount, self.budget)

    def add(self, other: Figures) -> None:
        self.budget += other.budget
        self.disbursed += other.disbursed
        self.planned_amount += other.planned_amount
        self.forecast_amount += other.forecast_amount
        self.committed += other.committed

    @classmethod
    def total(cls, parts: Iterable[Figures]) -> Figures:
        """The sum of ``parts``, added in the order given."""
        out = cls()
        for part in parts:
            out.add(part)
        return out


@dataclass
class ProjectRef:
    """One project as registered: its classes and plan (no amounts); ``owner`` by name."""

    id: str
    year: int
    code: str
    name: str
    unit: str
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str
    plan: str | None
    owner: str = field(default="", kw_only=True)

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> ProjectRef:
        """From an ``rm_projects`` row; an empty class code counts as unclassified."""
        return cls(
            r["id"],
            int(r["year"]),
            r["code"],
            r["name"],
            r["unit_code"],
            r["expenditure_type"],
            r["functional"] or None,
            r["economic"] or None,
            r["source"],
            r["plan"],
            owner=r["owner"],
        )


# The rm_projects columns ``ProjectRef.from_row`` reads, for every SELECT of a project.
PROJECT_COLUMNS = (
    "id, year, code, name, unit_code, expenditure_type, functional, economic, source, plan, owner"
)


@dataclass
class ProjectStatus(ProjectRef):
    """One project's standing as of a date: the project, its unit's rule and its figures.

    Built once by the status query; charts and tests also build one by hand (the
    positional fields are the project's, then the rule)."""

    rule: lag.StatusRule
    figures: Figures = field(default_factory=Figures)

    @classmethod
    def of(cls, ref: ProjectRef, figures: Figures, rule: lag.StatusRule = lag.DEFAULT_RULE) -> ProjectStatus:
        # The project's fields from its instance dict (a ProjectRef has no slots), the
        # rule and figures given over any it has: 1,000 of these a status read.
        return cls(**{**vars(ref), "rule": rule, "figures": figures})

    @property
    def status(self) -> str:
        return lag.status(self.figures.execution_rate, self.figures.planned_rate, self.rule)


def project_figures(ref: ProjectRef, budget: Decimal, disbursed: Decimal, day: dt.date) -> Figures:
    """A project's figures on ``day`` from its budget and disbursed as of that day."""
    checkpoints = lag.checkpoints_for(ref.plan, ref.year)
    planned = lag.planned_rate(checkpoints, ref.year, day, budget)
    return Figures(
        budget=budget,
        disbursed=disbursed,
        planned_amount=planned * budget / HUNDRED,
        forecast_amount=lag.forecast_rate(disbursed, budget, ref.year, day) * budget / HUNDRED,
        planned=planned,
    )
