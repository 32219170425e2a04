"""Units ranked by execution rate for the finance office's 通报, with 同比.

Built on ``statuses`` (the figures of ``tracker status``) so a unit's figures here are
the sums of its projects' there. With a parent unit, each of its direct children is
one row aggregating its whole subtree (the parent's own projects, if any, are one
more row, 本级); without one, every unit is a row of its own projects. Rates of a
row come from its summed amounts (budget-weighted, like a total row).

The previous year is read at the same date (29 February becomes 28 February); a row
gets its previous figures and the change (同比, in execution-rate points) only where
that year has projects in that row's units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.domain import lag
from tracker.domain.inputs import parse_year
from tracker.queries.figures import Figures, ProjectStatus
from tracker.queries.known import KnownOn
from tracker.queries.status import statuses
from tracker.queries.units import Units, ancestors, rule_of, subtree, total_rule, units
from tracker.store.readstore import ReadStore

CENT = Decimal("0.01")
OWN = "（本级）"


@dataclass(frozen=True)
class RankRow:
    """One unit's line: its figures now and a year earlier (None: no projects then)."""

    rank: int
    code: str
    name: str
    figures: Figures
    status: str
    previous: Figures | None
    previous_status: str | None
    projects: int = 0

    @property
    def change(self) -> Decimal | None:
        """同比: this year's execution rate less last year's, in points."""
        if self.previous is None:
            return None
        return self.figures.execution_rate - self.previous.execution_rate


@dataclass(frozen=True)
class Ranking:
    year: int
    as_of: dt.date
    previous_as_of: dt.date
    unit: str | None
    unit_name: str
    rows: list[RankRow]
    total: Figures
    total_status: str
    previous_total: Figures | None


def same_day_last_year(day: dt.date) -> dt.date:
    """The same date a year earlier; 29 February becomes 28 February."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def ranking(
    read: ReadStore,
    year: int,
    as_of: dt.date | None = None,
    unit: str | None = None,
    known: KnownOn | None = None,
) -> Ranking:
    """The 通报 table: rows by execution rate (highest first; ties share a rank and
    go by code), then the total; as known on ``known`` when given (both years: a 通报
    reproduced as sent counts neither year's later records)."""
    year = parse_year(year)
    all_units = units(read, known)
    if unit is not None:
        subtree(unit, all_units)  # refuses an unknown unit by name
    day, found = statuses(read, year, as_of, unit, all_units=all_units, known=known)
    before = same_day_last_year(day)
    _, earlier = statuses(read, year - 1, before, unit, all_units=all_units, known=known)
    now_groups, then_groups = _grouped(found, all_units, unit), _grouped(earlier, all_units, unit)
    rows = _ranked(now_groups, then_groups, all_units, unit, _counted(found, all_units, unit))
    total = Figures.total(p.figures for p in found)
    rule, _ = total_rule(all_units, unit, {p.unit for p in found})
    return Ranking(
        year=year,
        as_of=day,
        previous_as_of=before,
        unit=unit,
        unit_name=all_units[unit]["name"] if unit else "全部单位",
        rows=rows,
        total=total,
        total_status=lag.status(total.execution_rate, total.planned_rate, rule),
        previous_total=Figures.total(p.figures for p in earlier) if earlier else None,
    )


def _group_of(project_unit: str, all_units: Units, parent: str | None) -> str:
    """The row a project counts in: its unit (no parent), else the parent's child
    above it, or the parent itself for the parent's own projects."""
    if parent is None:
        return project_unit
    chain = ancestors(project_unit, all_units, parent)
    return chain[-2] if len(chain) > 1 else parent


def _grouped(found: Sequence[ProjectStatus], all_units: Units, parent: str | None) -> dict[str, Figures]:
    groups: dict[str, Figures] = {}
    for p in found:
        groups.setdefault(_group_of(p.unit, all_units, parent), Figures()).add(p.figures)
    return groups


def _counted(found: Sequence[ProjectStatus], all_units: Units, parent: str | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in found:
        key = _group_of(p.unit, all_units, parent)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _ranked(
    now: dict[str, Figures],
    then: dict[str, Figures],
    all_units: Units,
    parent: str | None,
    counts: dict[str, int],
) -> list[RankRow]:
    def rounded(f: Figures) -> Decimal:
        return f.execution_rate.quantize(CENT, rounding=ROUND_HALF_UP)

    order = sorted(now, key=lambda code: (-rounded(now[code]), code))
    rows: list[RankRow] = []
    for i, code in enumerate(order):
        figures = now[code]
        tied = rows and rounded(rows[-1].figures) == rounded(figures)
        rule = rule_of(all_units.get(code))
        previous = then.get(code)
        name = all_units[code]["name"] + (OWN if code == parent else "")
        rows.append(
            RankRow(
                rank=rows[-1].rank if tied else i + 1,
                code=code,
                name=name,
                figures=figures,
                status=lag.status(figures.execution_rate, figures.planned_rate, rule),
                previous=previous,
                previous_status=None
                if previous is None
                else lag.status(previous.execution_rate, previous.planned_rate, rule),
                projects=counts.get(code, 0),
            )
        )
    return rows
