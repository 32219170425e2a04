"""One read of the ledger as of a business date, shared by every public table.

A table is a roll-up of three things, each "as of d" (``tracker.queries.sums`` says
what that counts):

- the projects of the year (of a unit and every unit below it), with their classes;
- appropriations per project and kind (signed 分: reductions and recalls negative);
- spending per project, payment economic class and payment source: payments less
  reversals (a reversal is charged to the class and source of the payment it corrects).

Sums are done by the database (integer 分, exact on SQLite and PostgreSQL alike);
everything is converted to Decimal 元 only when a table is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tracker.domain.inputs import parse_date, parse_year
from tracker.queries import projects, sums
from tracker.queries.figures import ProjectRef
from tracker.queries.known import KnownOn
from tracker.queries.sums import Spent
from tracker.queries.units import Units, subtree, units
from tracker.store.readstore import ReadStore

ALL_UNITS = "全部单位"

__all__ = ["ALL_UNITS", "Ledger", "ProjectRef", "Spent", "as_of_date", "load"]


@dataclass
class Ledger:
    """Everything the public tables need, for one selection and one date."""

    year: int
    as_of: dt.date
    unit: str | None
    unit_label: str
    projects: dict[str, ProjectRef]
    appropriations: dict[str, dict[str, int]] = field(default_factory=dict)
    spending: list[Spent] = field(default_factory=list)
    known: KnownOn | None = None

    def budget_fen(self, project_id: str) -> int:
        """全年预算数 as of d: every kind, carry-over included."""
        return sum(self.appropriations.get(project_id, {}).values())

    def kind_fen(self, project_id: str, kind: str) -> int:
        return self.appropriations.get(project_id, {}).get(kind, 0)


def as_of_date(year: int, as_of: dt.date | str | None) -> dt.date:
    """The business date of a table: 31 December of the year unless given."""
    if as_of is None:
        return dt.date(year, 12, 31)
    return parse_date(as_of, "截至日期")  # says what is wrong with a date that cannot exist


def load(
    read: ReadStore,
    year: int | str,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> Ledger:
    """Read the selection's projects, appropriations and net spending as of d (as
    known on a moment, when given)."""
    year = parse_year(year, "预算年度")
    day = as_of_date(year, as_of)
    all_units = units(read)
    codes = subtree(unit, all_units) if unit else None
    refs = {p.id: p for p in projects.select(read, year, codes, known=known)}
    ledger = Ledger(year, day, unit, _label(unit, all_units, refs), refs, known=known)
    ledger.appropriations = sums.appropriated(read, year, day, codes, known)
    ledger.spending = sums.spent_by_class(read, year, day, codes, known)
    return ledger


def _label(unit: str | None, all_units: Units, refs: dict[str, ProjectRef]) -> str:
    """How the table names its unit: ``450001保定市满城区医疗保障局本级``, as the seeds print."""
    if unit is None:
        present = {p.unit for p in refs.values()}
        if len(present) != 1:
            return ALL_UNITS
        unit = present.pop()
    row = all_units.get(unit)
    return f"{unit}{row['name']}" if row else unit
