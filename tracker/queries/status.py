"""Read-model queries shared by the CLI, the web app and the workers.

Everything here reads the read tables (never replays aggregates) and answers "as of"
a business date *d*: appropriations, payments and reversals dated on or before *d*.
Amounts come back as Decimal 元; rates as unrounded Decimal percentages (the wire
formats in ``tracker.report_format`` round them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tracker.domain import lag
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.inputs import parse_year
from tracker.domain.money import ZERO, from_fen
from tracker.domain.plan import HUNDRED
from tracker.store.readstore import ReadStore

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def default_as_of(year: int, now: dt.date | None = None) -> dt.date:
    """Today (Beijing time), or 31 December once the fiscal year is over."""
    return min(now or today(), dt.date(year, 12, 31))


@dataclass
class Figures:
    """Budget and disbursed amounts with the planned amount they imply."""

    budget: Decimal = ZERO
    disbursed: Decimal = ZERO
    planned_amount: Decimal = ZERO  # Σ planned_rate × budget, for budget-weighted totals
    forecast_amount: Decimal = ZERO
    planned: Decimal | None = None  # one project's own rate (a % plan needs no budget)

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


@dataclass
class ProjectStatus:
    """One project's standing as of a date."""

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
    rule: lag.StatusRule
    figures: Figures = field(default_factory=Figures)

    @property
    def status(self) -> str:
        return lag.status(self.figures.execution_rate, self.figures.planned_rate, self.rule)


class Queries:
    """Status, roll-ups and series from the read tables."""

    def __init__(self, read: ReadStore) -> None:
        self.read = read

    # ------------------------------------------------------------- units

    def units(self) -> dict[str, dict[str, Any]]:
        rows = self.read.all("SELECT code, name, parent_code, status_rule, yellow, red FROM rm_units")
        return {r["code"]: r for r in rows}

    def subtree(self, code: str, units: dict[str, dict[str, Any]] | None = None) -> list[str]:
        """A unit and every unit below it (部门 → 单位)."""
        units = units if units is not None else self.units()
        if code not in units:
            raise NotFoundError(f"单位 {code} 不存在", "单位编码")
        children: dict[str | None, list[str]] = {}
        for c, u in units.items():
            children.setdefault(u["parent_code"], []).append(c)
        out, stack = [], [code]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(sorted(children.get(current, []), reverse=True))
        return out

    @staticmethod
    def rule_of(unit_row: dict[str, Any] | None) -> lag.StatusRule:
        if unit_row is None:
            return lag.DEFAULT_RULE
        return lag.StatusRule(unit_row["status_rule"], Decimal(unit_row["yellow"]), Decimal(unit_row["red"]))

    # ---------------------------------------------------------- statuses

    def statuses(
        self, year: int, as_of: dt.date | None = None, unit: str | None = None, codes: Sequence[str] = ()
    ) -> tuple[dt.date, list[ProjectStatus]]:
        """Every project of the year (of a unit's subtree, or with the given codes)."""
        year = parse_year(year)
        day = as_of or default_as_of(year)
        units = self.units()
        unit_codes = self.subtree(unit, units) if unit else None
        projects = self._projects(year, unit_codes, codes)
        amounts = self._amounts(year, day, unit_codes)
        for p in projects:
            budget_fen, spent_fen = amounts.get(p.id, (0, 0))
            self._fill(p, from_fen(budget_fen), from_fen(spent_fen), day)
        for p in projects:
            p.rule = self.rule_of(units.get(p.unit))
        return day, projects

    def _projects(self, year: int, unit_codes: list[str] | None, codes: Sequence[str]) -> list[ProjectStatus]:
        sql = (
            "SELECT id, year, code, name, unit_code, expenditure_type, functional, economic, "
            "source, plan FROM rm_projects WHERE year = ?"
        )
        params: list[Any] = [year]
        if unit_codes is not None:
            sql += f" AND unit_code IN ({', '.join('?' * len(unit_codes))})"
            params += unit_codes
        if codes:
            sql += f" AND code IN ({', '.join('?' * len(codes))})"
            params += list(codes)
        rows = self.read.all(sql + " ORDER BY unit_code, code", params)
        return [
            ProjectStatus(
                r["id"],
                r["year"],
                r["code"],
                r["name"],
                r["unit_code"],
                r["expenditure_type"],
                r["functional"],
                r["economic"],
                r["source"],
                r["plan"],
                lag.DEFAULT_RULE,
            )
            for r in rows
        ]

    def _amounts(self, year: int, day: dt.date, unit_codes: list[str] | None) -> dict[str, tuple[int, int]]:
        """Budget and spending in 分 per project as of ``day``: whole months + days."""
        if day < dt.date(year, 1, 1):
            return {}
        day = min(day, dt.date(year, 12, 31))
        month = day.isoformat()[:7]
        only = ""
        extra: list[Any] = []
        if unit_codes is not None:
            only = (
                " AND project_id IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code "
                f"IN ({', '.join('?' * len(unit_codes))}))"
            )
            extra = [year, *unit_codes]
        sql = (
            "SELECT project_id, SUM(b) AS b, SUM(s) AS s FROM ("
            "SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_monthly "
            f"WHERE month >= ? AND month < ?{only} "
            "UNION ALL "
            "SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_daily "
            f"WHERE date >= ? AND date <= ?{only}"
            ") t GROUP BY project_id"
        )
        params = [f"{year}-01", month, *extra, f"{month}-01", day.isoformat(), *extra]
        return {r["project_id"]: (int(r["b"]), int(r["s"])) for r in self.read.all(sql, params)}

    @staticmethod
    def _fill(p: ProjectStatus, budget: Decimal, disbursed: Decimal, day: dt.date) -> None:
        checkpoints = lag.checkpoints_for(p.plan, p.year)
        planned = lag.planned_rate(checkpoints, p.year, day, budget)
        p.figures = Figures(
            budget=budget,
            disbursed=disbursed,
            planned_amount=planned * budget / HUNDRED,
            forecast_amount=lag.forecast_rate(disbursed, budget, p.year, day) * budget / HUNDRED,
            planned=planned,
        )

    def status_report(
        self, year: int, as_of: dt.date | None = None, unit: str | None = None
    ) -> dict[str, Any]:
        """The ``tracker status`` answer: every project and the selection's total."""
        day, projects = self.statuses(year, as_of, unit)
        total = Figures()
        for p in projects:
            total.add(p.figures)
        rule = self.rule_of(self.units().get(unit)) if unit else lag.DEFAULT_RULE
        return {
            "year": year,
            "as_of": day,
            "unit": unit,
            "projects": projects,
            "total": total,
            "total_status": lag.status(total.execution_rate, total.planned_rate, rule),
        }

    # ----------------------------------------------------------- roll-ups

    def rollup(
        self,
        year: int,
        by: Sequence[str],
        level: int | None = None,
        as_of: dt.date | None = None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        """Group the projects' figures by one or two dimensions (a pivot)."""
        for dim in by:
            if dim not in DIMENSIONS:
                raise InvalidInputError(f"“{dim}”不是有效的汇总维度，可选：{'、'.join(DIMENSIONS)}", "--by")
        if not 1 <= len(by) <= 2 or len(set(by)) != len(by):
            raise InvalidInputError("汇总维度为一个或两个不同的维度，如 functional,type", "--by")
        day, projects = self.statuses(year, as_of, unit)
        units = self.units()
        groups: dict[tuple[str, ...], Figures] = {}
        counts: dict[tuple[str, ...], int] = {}
        for p in projects:
            for key in _keys(p, by, level, units, unit):
                groups.setdefault(key, Figures()).add(p.figures)
                counts[key] = counts.get(key, 0) + 1
        total = Figures()
        for p in projects:
            total.add(p.figures)
        rows = [
            {
                "key": list(key),
                "name": [_name(d, k, units) for d, k in zip(by, key, strict=True)],
                "projects": counts[key],
                "figures": fig,
            }
            for key, fig in sorted(groups.items())
        ]
        return {
            "year": year,
            "as_of": day,
            "by": list(by),
            "level": level,
            "unit": unit,
            "rows": rows,
            "total": total,
        }

    # ------------------------------------------------------------- series

    def series(
        self, year: int, code: str | None = None, unit: str | None = None, as_of: dt.date | None = None
    ) -> dict[str, Any]:
        """Cumulative daily figures from 1 January to *d*, for one project or a unit."""
        year = parse_year(year)
        day = min(as_of or default_as_of(year), dt.date(year, 12, 31))
        units = self.units()
        if code:
            rows = self._projects(year, None, [code])
            if not rows:
                raise NotFoundError(f"{year} 年没有编码为 {code} 的项目", "项目编码")
        else:
            if not unit:
                raise InvalidInputError("需要项目编码或单位编码", "编码")
            rows = self._projects(year, self.subtree(unit, units), ())
        daily = self._daily([p.id for p in rows])
        points = []
        running = {p.id: [0, 0] for p in rows}
        d = dt.date(year, 1, 1)
        while d <= day:
            total = Figures()
            for p in rows:
                delta = daily.get((p.id, d.isoformat()))
                if delta:
                    running[p.id][0] += delta[0]
                    running[p.id][1] += delta[1]
                self._fill(p, from_fen(running[p.id][0]), from_fen(running[p.id][1]), d)
                total.add(p.figures)
            # One project keeps its own planned rate (a % plan needs no budget).
            points.append({"date": d, "figures": rows[0].figures if code else total})
            d += dt.timedelta(days=1)
        return {"year": year, "code": code, "unit": unit, "as_of": day, "points": points}

    def _daily(self, ids: Iterable[str]) -> dict[tuple[str, str], tuple[int, int]]:
        ids = list(ids)
        if not ids:
            return {}
        out: dict[tuple[str, str], tuple[int, int]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.read.all(
                "SELECT project_id, date, budget_fen, spent_fen FROM rm_daily WHERE project_id "
                f"IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                out[(r["project_id"], r["date"])] = (int(r["budget_fen"]), int(r["spent_fen"]))
        return out

    # ------------------------------------------------------- one project

    def progress(self, project_id: UUID, as_of: dt.date | None = None) -> dict[str, Any]:
        """One project's status with its checkpoints (met or missed) and forecast."""
        row = self.read.one("SELECT code, year FROM rm_projects WHERE id = ?", (str(project_id),))
        if row is None:
            raise NotFoundError(f"项目 {project_id} 不存在", "项目")
        day, found = self.statuses(row["year"], as_of, codes=[row["code"]])
        p = found[0]
        daily = sorted(self._daily([p.id]).items())
        checkpoints = lag.checkpoints_for(p.plan, p.year)
        reached = []
        for cp in checkpoints:
            if cp.is_blank or cp.date > day:
                continue
            b = from_fen(sum(v[0] for (_, d), v in daily if d <= cp.date.isoformat()))
            s = from_fen(sum(v[1] for (_, d), v in daily if d <= cp.date.isoformat()))
            target = lag.checkpoint_rate(cp, b)
            actual = lag.rate(s, b)
            reached.append(
                {
                    "date": cp.date,
                    "target_rate": target,
                    "actual_rate": actual,
                    "met": actual >= target,
                    "shortfall_points": max(target - actual, ZERO),
                }
            )
        nxt, per_day = lag.daily_needed(checkpoints, day, p.figures.budget, p.figures.disbursed)
        return {
            "project": p,
            "as_of": day,
            "checkpoints": reached,
            "next_checkpoint": None if nxt is None else nxt.date,
            "next_target_rate": None if nxt is None else lag.checkpoint_rate(nxt, p.figures.budget),
            "daily_needed": per_day,
        }


DIMENSIONS = ("unit", "functional", "economic", "source", "type")


def _keys(
    p: ProjectStatus, by: Sequence[str], level: int | None, units: dict[str, dict[str, Any]], root: str | None
) -> list[tuple[str, ...]]:
    """The group keys a project falls in; by unit a project counts for every ancestor."""
    per_dim: list[list[str]] = []
    for dim in by:
        if dim == "unit":
            per_dim.append(_ancestors(p.unit, units, root))
        elif dim == "functional":
            code = p.functional or ""
            per_dim.append([code[: level or 3] if code else "未分类"])
        elif dim == "economic":
            code = p.economic or ""
            per_dim.append([code[: min(level or 3, 5)] if code else "未分类"])
        elif dim == "source":
            per_dim.append([p.source])
        else:
            per_dim.append([p.expenditure_type])
    if len(per_dim) == 1:
        return [(k,) for k in per_dim[0]]
    return [(a, b) for a in per_dim[0] for b in per_dim[1]]


def _ancestors(code: str, units: dict[str, dict[str, Any]], root: str | None) -> list[str]:
    chain = []
    current: str | None = code
    while current is not None and current in units:
        chain.append(current)
        if current == root:
            break
        current = units[current]["parent_code"]
    return chain or [code]


def _name(dim: str, key: str, units: dict[str, dict[str, Any]]) -> str:
    from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES

    if dim == "unit":
        return str(units.get(key, {}).get("name", key))
    if dim == "functional":
        return FUNCTIONAL_CLASSES.get(key, "")
    if dim == "economic":
        return ECONOMIC_CLASSES.get(key, "")
    return key
