"""Execution against plan per unit and month: the roll-ups page's heat map.

Each cell is a unit's standing at the end of a month (or on the as-of date, in the
as-of month): what its projects had disbursed, budgeted and were planned to have
spent by then. The ratio disbursed ÷ planned amount (execution ÷ 序时进度, budget
weighted) is the one number a manager scans a row of months for: 100% is on plan.

A unit's row covers its whole subtree (as ``Queries.rollup`` by unit does: a project
counts for its unit and every ancestor up to the selection's root); the total row
counts each project once. Amounts come from the monthly sums and, for the as-of
month, the daily ones, by business date, so a cell never replays an aggregate.

As known on a moment (``known``) the projects are those registered by then, each with
its plan then, the amounts the ledger rows recorded by then (``sums_known.daily``) and
the units' rules those in force then; grouped exactly as the usual path groups them,
so the map equals the one a store holding only those records would draw.
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
from tracker.queries import projects, sums_known
from tracker.queries.known import KnownOn
from tracker.queries.status import default_as_of
from tracker.queries.units import rule_of, total_rule
from tracker.queries.units import units as all_units
from tracker.store.readstore import ReadStore

TOTAL = "合计"
FEN_PERCENT = Decimal(10000)  # 分 to 元 (100) times a percentage (100)


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


def unit_months(
    read: ReadStore,
    year: int,
    as_of: dt.date | None = None,
    unit: str | None = None,
    known: KnownOn | None = None,
) -> Heatmap:
    """Every unit of the selection (``unit``'s subtree, or all) by month, to ``as_of``;
    as known on ``known`` when given."""
    year = parse_year(year)
    day = min(as_of or default_as_of(year), dt.date(year, 12, 31))
    units = all_units(read, known)
    if unit is not None and unit not in units:
        raise NotFoundError(f"单位 {unit} 不存在", "单位编码")
    chosen = _subtree(unit, units) if unit else None
    planned = _Planned(year)
    months = month_ends(year, day)
    if known is None:
        groups = _groups(read, year, chosen)
        by_amount = sorted({plan for _, plan in groups if not planned.is_percent(plan)}, key=str)
        amounts = _amounts(read, year, day, chosen, by_amount) if months and groups else {}
    else:
        groups, amounts = _known(read, year, day, chosen, planned, known)

    per_unit: dict[str, list[list[Any]]] = {}  # code -> month -> [budget 分, spent 分, planned 元]
    total = _zeros(len(months))
    counts: dict[str, int] = {}
    for (unit_code, _), n in groups.items():
        for code in _ancestors(unit_code, units, unit):
            counts[code] = counts.get(code, 0) + n
    for unit_code, plan, pid in sorted({key[:3] for key in amounts}, key=str):  # a fixed order of sums
        lines = _cumulative((unit_code, plan, pid), plan, months, amounts, planned)
        for code in _ancestors(unit_code, units, unit):
            _add(per_unit.setdefault(code, _zeros(len(months))), lines)
        _add(total, lines)

    rows = []
    for code, depth in _tree_order(units, unit):
        if counts.get(code):
            rule = _rule(units[code])
            sums = per_unit.get(code) or _zeros(len(months))
            rows.append(UnitRow(code, units[code]["name"], depth, counts[code], _cells(months, sums, rule)))
    rule, _ = total_rule(units, unit, {unit_code for unit_code, _ in groups})
    total_row = UnitRow(TOTAL, TOTAL, 0, sum(groups.values()), _cells(months, total, rule))
    return Heatmap(year, day, unit, tuple(m for m, _ in months), tuple(rows), total_row)


# ----------------------------------------------------------------- reading


Group = tuple[str, str | None, str]  # (unit, plan, project id; "" for a unit's projects of one plan)


def _groups(read: ReadStore, year: int, chosen: list[str] | None) -> dict[tuple[str, str | None], int]:
    """How many projects each unit has with each plan."""
    only, extra = _only(chosen)
    rows = read.all(
        f"SELECT p.unit_code, p.plan, COUNT(*) AS n FROM rm_projects p WHERE p.year = ?{only} "
        "GROUP BY p.unit_code, p.plan",
        [year, *extra],
    )
    return {(r["unit_code"], r["plan"]): int(r["n"]) for r in rows}


def _amounts(
    read: ReadStore, year: int, day: dt.date, chosen: list[str] | None, by_amount: list[str | None]
) -> dict[tuple[str, str | None, str, str], tuple[int, int]]:
    """Budget and spending in 分 per (unit, plan, project, month): whole months from the
    monthly sums, the as-of month from the daily ones up to the as-of date.

    Projects of a percentage plan are summed per unit and plan in the database (their
    planned amount is the plan's rate times their summed budget); projects of an
    amount plan come one by one, since their planned rate depends on their budget."""
    out = _sums(read, year, day, chosen, None)
    for key in [k for k in out if k[1] in by_amount]:
        del out[key]
    if by_amount:
        out.update(_sums(read, year, day, chosen, by_amount))
    return out


def _sums(
    read: ReadStore, year: int, day: dt.date, chosen: list[str] | None, plans: list[str | None] | None
) -> dict[tuple[str, str | None, str, str], tuple[int, int]]:
    only, extra = _only(chosen)
    pick, group = "p.unit_code AS u, p.plan AS plan, '' AS pid", "p.unit_code, p.plan"
    if plans is not None:  # one by one, for these plans only
        pick, group = "p.unit_code AS u, p.plan AS plan, p.id AS pid", "p.unit_code, p.plan, p.id"
        named = [p for p in plans if p is not None]
        alternatives = [f"p.plan IN ({', '.join('?' * len(named))})"] if named else []
        alternatives += ["p.plan IS NULL"] if None in plans else []
        only += f" AND ({' OR '.join(alternatives)})"
        extra = [*extra, *named]
    month = day.isoformat()[:7]
    whole = read.all(
        f"SELECT {pick}, m.month AS month, SUM(m.budget_fen) AS b, SUM(m.spent_fen) AS s "
        "FROM rm_monthly m JOIN rm_projects p ON p.id = m.project_id "
        f"WHERE p.year = ?{only} AND m.month >= ? AND m.month < ? GROUP BY {group}, m.month",
        [year, *extra, f"{year}-01", month],
    )
    part = read.all(
        f"SELECT {pick}, SUM(d.budget_fen) AS b, SUM(d.spent_fen) AS s "
        "FROM rm_daily d JOIN rm_projects p ON p.id = d.project_id "
        f"WHERE p.year = ?{only} AND d.date >= ? AND d.date <= ? GROUP BY {group}",
        [year, *extra, f"{month}-01", day.isoformat()],
    )
    out = {(r["u"], r["plan"], r["pid"], r["month"]): (int(r["b"] or 0), int(r["s"] or 0)) for r in whole}
    for r in part:
        out[(r["u"], r["plan"], r["pid"], month)] = (int(r["b"] or 0), int(r["s"] or 0))
    return out


def _known(
    read: ReadStore, year: int, day: dt.date, chosen: list[str] | None, planned: _Planned, known: KnownOn
) -> tuple[dict[tuple[str, str | None], int], dict[tuple[str, str | None, str, str], tuple[int, int]]]:
    """``_groups`` and ``_amounts`` as known on a moment: the projects registered by
    then with their plans then, and the ledger rows recorded by then, keyed as the
    usual path keys them (a percentage plan's projects summed per unit and plan)."""
    refs = projects.select(read, year, chosen, (), known)
    groups: dict[tuple[str, str | None], int] = {}
    for ref in refs:
        groups[(ref.unit, ref.plan)] = groups.get((ref.unit, ref.plan), 0) + 1
    first, last = f"{year}-01-01", day.isoformat()
    daily = sums_known.daily(read, [ref.id for ref in refs], known)
    by_id = {ref.id: ref for ref in refs}
    amounts: dict[tuple[str, str | None, str, str], tuple[int, int]] = {}
    for (pid, date), (b, s) in sorted(daily.items()):
        if not first <= date <= last:
            continue
        ref = by_id[pid]
        key = (ref.unit, ref.plan, "" if planned.is_percent(ref.plan) else pid, date[:7])
        old = amounts.get(key, (0, 0))
        amounts[key] = (old[0] + b, old[1] + s)
    return groups, amounts


def _only(chosen: list[str] | None) -> tuple[str, list[Any]]:
    if chosen is None:
        return "", []
    return f" AND p.unit_code IN ({', '.join('?' * len(chosen))})", list(chosen)


# --------------------------------------------------------------- computing


class _Planned:
    """Planned amounts, sharing the work between projects with the same plan.

    A plan of percentages gives the same planned rate on a day whatever the budget, so
    it is worked out once per (plan, day) for every project holding that plan; a plan
    of amounts depends on the budget too (1,000 projects x 12 months would otherwise
    be 12,000 interpolations, most of them repeats of the default plan's)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.rates: dict[tuple[str | None, dt.date, int], Decimal] = {}
        self.by_percent: dict[str | None, bool] = {}

    def is_percent(self, plan: str | None) -> bool:
        if plan not in self.by_percent:
            self.by_percent[plan] = all(cp.amount is None for cp in lag.checkpoints_for(plan, self.year))
        return self.by_percent[plan]

    def amount(self, plan: str | None, day: dt.date, budget_fen: int) -> Decimal:
        """Planned rate x budget on ``day``, in 元 (for a percentage plan, of any budget sum)."""
        if budget_fen == 0:
            return ZERO
        checkpoints = lag.checkpoints_for(plan, self.year)
        key = (plan, day, 0 if self.is_percent(plan) else budget_fen)
        rate = self.rates.get(key)
        if rate is None:
            rate = self.rates[key] = lag.planned_rate(checkpoints, self.year, day, from_fen(budget_fen))
        return rate * budget_fen / FEN_PERCENT


def _zeros(n: int) -> list[list[Any]]:
    return [[0, 0, ZERO] for _ in range(n)]


def _cumulative(
    group: Group,
    plan: str | None,
    months: list[tuple[str, dt.date]],
    amounts: dict[tuple[str, str | None, str, str], tuple[int, int]],
    planned: _Planned,
) -> list[tuple[int, int, Decimal]]:
    """A group's cumulative budget and spending (分) and planned amount (元) at each
    month's end."""
    budget_fen = spent_fen = 0
    out = []
    for month, end in months:
        b, s = amounts.get((*group, month), (0, 0))
        budget_fen += b
        spent_fen += s
        out.append((budget_fen, spent_fen, planned.amount(plan, end, budget_fen)))
    return out


def _add(sums: list[list[Any]], lines: list[tuple[int, int, Decimal]]) -> None:
    for acc, (budget, spent, planned) in zip(sums, lines, strict=True):
        acc[0] += budget
        acc[1] += spent
        acc[2] += planned


def _cells(
    months: list[tuple[str, dt.date]], sums: list[list[Any]], rule: lag.StatusRule
) -> tuple[Cell, ...]:
    out = []
    for (month, end), (budget_fen, spent_fen, planned) in zip(months, sums, strict=True):
        budget, spent = from_fen(budget_fen), from_fen(spent_fen)
        status = lag.status(lag.rate(spent, budget), lag.rate(planned, budget), rule)
        out.append(Cell(month, end, budget, spent, planned, status))
    return tuple(out)


def _rule(row: dict[str, Any]) -> lag.StatusRule:
    return rule_of(row)


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
