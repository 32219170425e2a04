"""One read of the ledger as of a business date, shared by every public table.

A table is a roll-up of three things, each "as of d" (dated on or before d):

- the projects of the year (of a unit and every unit below it), with their classes;
- appropriations per project and kind (signed 分: reductions and recalls negative);
- spending per project, payment economic class and payment source: payments dated
  on or before d minus the reversals dated on or before d (a reversal is charged to
  the class and source of the payment it corrects).

Sums are done by the database (integer 分, exact on SQLite and PostgreSQL alike);
everything is converted to Decimal 元 only when a table is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_year
from tracker.queries import Queries
from tracker.store.readstore import ReadStore

ALL_UNITS = "全部单位"


@dataclass(frozen=True)
class ProjectRef:
    """The classes of one project, as registered."""

    id: str
    code: str
    name: str
    unit: str
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str


@dataclass(frozen=True)
class Spent:
    """Net spending (分) of one project under one payment economic class and source."""

    project_id: str
    economic: str | None
    source: str
    fen: int


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

    def budget_fen(self, project_id: str) -> int:
        """全年预算数 as of d: every kind, carry-over included."""
        return sum(self.appropriations.get(project_id, {}).values())

    def kind_fen(self, project_id: str, kind: str) -> int:
        return self.appropriations.get(project_id, {}).get(kind, 0)


def as_of_date(year: int, as_of: dt.date | str | None) -> dt.date:
    """The business date of a table: 31 December of the year unless given."""
    if as_of is None:
        return dt.date(year, 12, 31)
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise InvalidInputError(f"“{as_of}”不是有效日期，格式应为 YYYY-MM-DD", "截至日期") from None


def load(
    read: ReadStore, year: int | str, unit: str | None = None, as_of: dt.date | str | None = None
) -> Ledger:
    """Read the selection's projects, appropriations and net spending as of d."""
    year = parse_year(year, "预算年度")
    day = as_of_date(year, as_of)
    units = Queries(read).units()
    codes = Queries(read).subtree(unit, units) if unit else None
    only, extra = _unit_filter(codes)

    projects = {
        r["id"]: ProjectRef(
            r["id"],
            r["code"],
            r["name"],
            r["unit_code"],
            r["expenditure_type"],
            r["functional"] or None,
            r["economic"] or None,
            r["source"],
        )
        for r in read.all(
            "SELECT id, code, name, unit_code, expenditure_type, functional, economic, source "
            f"FROM rm_projects p WHERE p.year = ?{only} ORDER BY p.unit_code, p.code",
            [year, *extra],
        )
    }
    ledger = Ledger(year, day, unit, _label(unit, units, projects), projects)
    iso = day.isoformat()
    for r in read.all(
        "SELECT a.project_id, a.kind, SUM(a.amount_fen) AS fen FROM rm_appropriations a "
        f"JOIN rm_projects p ON p.id = a.project_id WHERE p.year = ? AND a.date <= ?{only} "
        "GROUP BY a.project_id, a.kind",
        [year, iso, *extra],
    ):
        ledger.appropriations.setdefault(r["project_id"], {})[r["kind"]] = int(r["fen"])

    net: dict[tuple[str, str | None, str], int] = {}
    paid = read.all(
        "SELECT y.project_id, y.economic, y.source, SUM(y.amount_fen) AS fen FROM rm_payments y "
        f"JOIN rm_projects p ON p.id = y.project_id WHERE p.year = ? AND y.date <= ?{only} "
        "GROUP BY y.project_id, y.economic, y.source",
        [year, iso, *extra],
    )
    returned = read.all(
        "SELECT y.project_id, y.economic, y.source, SUM(r.amount_fen) AS fen FROM rm_reversals r "
        "JOIN rm_payments y ON y.id = r.payment_id JOIN rm_projects p ON p.id = y.project_id "
        f"WHERE p.year = ? AND r.date <= ?{only} GROUP BY y.project_id, y.economic, y.source",
        [year, iso, *extra],
    )
    for rows, sign in ((paid, 1), (returned, -1)):
        for r in rows:
            key = (r["project_id"], r["economic"] or None, r["source"])
            net[key] = net.get(key, 0) + sign * int(r["fen"])
    ledger.spending = [
        Spent(pid, eco, src, fen)
        for (pid, eco, src), fen in sorted(net.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2]))
        if fen
    ]
    return ledger


def _unit_filter(codes: Sequence[str] | None) -> tuple[str, list[Any]]:
    if codes is None:
        return "", []
    return f" AND p.unit_code IN ({', '.join('?' * len(codes))})", list(codes)


def _label(unit: str | None, units: dict[str, dict[str, Any]], projects: dict[str, ProjectRef]) -> str:
    """How the table names its unit: ``450001保定市满城区医疗保障局本级``, as the seeds print."""
    if unit is None:
        present = {p.unit for p in projects.values()}
        if len(present) != 1:
            return ALL_UNITS
        unit = present.pop()
    row = units.get(unit)
    return f"{unit}{row['name']}" if row else unit
