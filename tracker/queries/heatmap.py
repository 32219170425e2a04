"""Execution against plan per unit and month: the roll-ups page's heat map.

Each cell is a unit's standing at the end of a month (or on the as-of date, in the
as-of month): what its projects had disbursed, budgeted and were planned to have
spent by then. The ratio disbursed ÷ planned amount (execution ÷ 序时进度, budget
weighted) is the one number a manager scans a row of months for: 100% is on plan.

A unit's row covers its whole subtree (as ``Queries.rollup`` by unit does: a project
counts for its unit and every ancestor up to the selection's root); the total row
counts each project once. Amounts come from the monthly sums and, for the as-of
month, the daily ones, by business date, so a cell never replays an aggregate.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_year
from tracker.domain.money import ZERO, from_fen
from tracker.domain.plan import HUNDRED
from tracker.queries.status import default_as_of
from tracker.store.readstore import ReadStore

TOTAL = "合计"


@dataclass(frozen=True)
class Cell:
    """One unit's figures at the end of one month (or on the as-of date)."""

    month: str  # "2024-03"
    day: dt.date
    budget: Decimal
    disbursed: Decimal
    planned_amount: Decimal  # Σ planned rate × budget over the projects
    status: str

    @property
    def execution_rate(self) -> Decimal:
        return lag.rate(self.disbursed, self.budget)

    @property
    def planned_rate(self) -> Decimal:
        return lag.rate(self.planned_amount, self.budget)

    @property
    def ratio(self) -> Decimal | None:
        """Execution ÷ planned in percent; None while nothing is planned yet."""
        if self.planned_amount <= 0:
            return None
        return self.disbursed / self.planned_amount * HUNDRED


@dataclass(frozen=True)
class UnitRow:
    code: str  # TOTAL for the total row
    name: str
    depth: int  # 0 for the selection's roots
    projects: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Heatmap:
    year: int
    as_of: dt.date
    unit: str | None
    months: tuple[str, ...]
    rows: tuple[UnitRow, ...]
    total: UnitRow


def month_ends(year: int, day: dt.date) -> list[tuple[str, dt.date]]:
    """("YYYY-MM", its last day) from January to ``day``'s month, the last one cut at ``day``."""
    if day < dt.date(year, 1, 1):
        return []
    day = min(day, dt.date(year, 12, 31))
    out = []
    for m in range(1, day.month + 1):
        end = dt.date(year, m, calendar.monthrange(year, m)[1])
        out.append((f"{year}-{m:02d}", min(end, day)))
    return out


def unit_months(read: ReadStore, year: int, as_of: dt.date | None = None, unit: str | None = None) -> Heatmap:
    """Every unit of the selection (``unit``'s subtree, or all) by month, to ``as_of``."""
    year = parse_year(year)
    day = min(as_of or default_as_of(year), dt.date(year, 12, 31))
    units = {
        r["code"]: r
        for r in read.all("SELECT code, name, parent_code, status_rule, yellow, red FROM rm_units")
    }
    if unit is not None and unit not in units:
        raise NotFoundError(f"单位 {unit} 不存在", "单位编码")
    chosen = _subtree(unit, units) if unit else None
    projects = _projects(read, year, chosen)
    months = month_ends(year, day)
    amounts = _monthly(read, year, day, chosen) if months and projects else {}

    per_unit: dict[str, list[list[Decimal]]] = {}  # code -> month -> [budget, spent, planned]
    total: list[list[Decimal]] = [[ZERO, ZERO, ZERO] for _ in months]
    counts: dict[str, int] = {}
    for pid, unit_code, plan in projects:
        lines = _project_cells(pid, plan, year, months, amounts)
        chain = _ancestors(unit_code, units, unit)
        for code in chain:
            counts[code] = counts.get(code, 0) + 1
            sums = per_unit.setdefault(code, [[ZERO, ZERO, ZERO] for _ in months])
            _add(sums, lines)
        _add(total, lines)

    rows = []
    for code, depth in _tree_order(units, unit):
        if counts.get(code):
            rule = _rule(units[code])
            rows.append(
                UnitRow(code, units[code]["name"], depth, counts[code], _cells(months, per_unit[code], rule))
            )
    total_row = UnitRow(TOTAL, TOTAL, 0, len(projects), _cells(months, total, lag.DEFAULT_RULE))
    return Heatmap(year, day, unit, tuple(m for m, _ in months), tuple(rows), total_row)


# ----------------------------------------------------------------- reading


def _projects(read: ReadStore, year: int, chosen: list[str] | None) -> list[tuple[str, str, str | None]]:
    sql = "SELECT id, unit_code, plan FROM rm_projects WHERE year = ?"
    params: list[Any] = [year]
    if chosen is not None:
        sql += f" AND unit_code IN ({', '.join('?' * len(chosen))})"
        params += chosen
    return [(r["id"], r["unit_code"], r["plan"]) for r in read.all(sql + " ORDER BY unit_code, code", params)]


def _monthly(
    read: ReadStore, year: int, day: dt.date, chosen: list[str] | None
) -> dict[tuple[str, str], tuple[int, int]]:
    """Budget and spending in 分 per (project, month): whole months from the monthly
    sums, the as-of month from the daily ones up to the as-of date."""
    only, extra = "", []
    if chosen is not None:
        only = f" AND p.unit_code IN ({', '.join('?' * len(chosen))})"
        extra = list(chosen)
    month = day.isoformat()[:7]
    whole = read.all(
        "SELECT m.project_id, m.month, m.budget_fen, m.spent_fen FROM rm_monthly m "
        "JOIN rm_projects p ON p.id = m.project_id "
        f"WHERE p.year = ?{only} AND m.month >= ? AND m.month < ?",
        [year, *extra, f"{year}-01", month],
    )
    part = read.all(
        "SELECT d.project_id, SUM(d.budget_fen) AS b, SUM(d.spent_fen) AS s FROM rm_daily d "
        "JOIN rm_projects p ON p.id = d.project_id "
        f"WHERE p.year = ?{only} AND d.date >= ? AND d.date <= ? GROUP BY d.project_id",
        [year, *extra, f"{month}-01", day.isoformat()],
    )
    out = {(r["project_id"], r["month"]): (int(r["budget_fen"]), int(r["spent_fen"])) for r in whole}
    for r in part:
        out[(r["project_id"], month)] = (int(r["b"] or 0), int(r["s"] or 0))
    return out


# --------------------------------------------------------------- computing


def _project_cells(
    pid: str,
    plan: str | None,
    year: int,
    months: list[tuple[str, dt.date]],
    amounts: dict[tuple[str, str], tuple[int, int]],
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """The project's cumulative budget, spending and planned amount at each month's end."""
    checkpoints = lag.checkpoints_for(plan, year)
    budget_fen = spent_fen = 0
    out = []
    for month, end in months:
        b, s = amounts.get((pid, month), (0, 0))
        budget_fen += b
        spent_fen += s
        budget = from_fen(budget_fen)
        planned = lag.planned_rate(checkpoints, year, end, budget)
        out.append((budget, from_fen(spent_fen), planned * budget / HUNDRED))
    return out


def _add(sums: list[list[Decimal]], lines: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    for acc, line in zip(sums, lines, strict=True):
        acc[0] += line[0]
        acc[1] += line[1]
        acc[2] += line[2]


def _cells(
    months: list[tuple[str, dt.date]], sums: list[list[Decimal]], rule: lag.StatusRule
) -> tuple[Cell, ...]:
    out = []
    for (month, end), (budget, spent, planned) in zip(months, sums, strict=True):
        status = lag.status(lag.rate(spent, budget), lag.rate(planned, budget), rule)
        out.append(Cell(month, end, budget, spent, planned, status))
    return tuple(out)


def _rule(row: dict[str, Any]) -> lag.StatusRule:
    return lag.StatusRule(row["status_rule"], Decimal(row["yellow"]), Decimal(row["red"]))


# ------------------------------------------------------------------- tree


def _children(units: dict[str, dict[str, Any]]) -> dict[str | None, list[str]]:
    children: dict[str | None, list[str]] = {}
    for code, u in units.items():
        parent = u["parent_code"] if u["parent_code"] in units else None
        children.setdefault(parent, []).append(code)
    return children


def _subtree(root: str, units: dict[str, dict[str, Any]]) -> list[str]:
    return [code for code, _ in _tree_order(units, root)]


def _tree_order(units: dict[str, dict[str, Any]], root: str | None) -> list[tuple[str, int]]:
    """Units depth-first by code, each with its depth below the selection's roots."""
    children = _children(units)
    out: list[tuple[str, int]] = []
    stack = [(c, 0) for c in sorted(children.get(None, []) if root is None else [root], reverse=True)]
    while stack:
        code, depth = stack.pop()
        out.append((code, depth))
        stack.extend((c, depth + 1) for c in sorted(children.get(code, []), reverse=True))
    return out


def _ancestors(code: str, units: dict[str, dict[str, Any]], root: str | None) -> list[str]:
    """The unit and its ancestors, up to the selection's root."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current in units and current not in chain:
        chain.append(current)
        if current == root:
            break
        current = units[current]["parent_code"]
    return chain or [code]


__all__ = ["TOTAL", "Cell", "Heatmap", "UnitRow", "month_ends", "unit_months"]
