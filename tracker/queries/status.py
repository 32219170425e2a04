"""Each project's status as of a date, and the ``tracker status`` report.

Read from the read tables (never by replaying aggregates), as of a business date *d*
(see ``sums`` for what that counts). Amounts come back as Decimal 元; rates as
unrounded Decimal percentages (``wire`` rounds them for JSON and CSV).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracker.domain import lag
from tracker.domain.inputs import parse_year
from tracker.domain.money import from_fen
from tracker.domain.plan_warnings import plan_warnings
from tracker.queries import commitments, projects, sums
from tracker.queries.dates import SHANGHAI, default_as_of, today
from tracker.queries.figures import Figures, ProjectStatus, project_figures
from tracker.queries.known import KnownOn
from tracker.queries.units import Units, rule_of, subtree, total_rule, units
from tracker.store.readstore import ReadStore

if TYPE_CHECKING:
    from tracker.queries.facade import Queries
    from tracker.queries.rollups import DIMENSIONS

# Before the split this module held every query; what it held still imports from here
# (new code imports from ``tracker.queries``).
__all__ = [
    "DIMENSIONS",
    "SHANGHAI",
    "Figures",
    "ProjectStatus",
    "Queries",
    "default_as_of",
    "status_report",
    "statuses",
    "today",
]


def statuses(
    read: ReadStore,
    year: int,
    as_of: dt.date | None = None,
    unit: str | None = None,
    codes: Sequence[str] = (),
    all_units: Units | None = None,
    known: KnownOn | None = None,
) -> tuple[dt.date, list[ProjectStatus]]:
    """Every project of the year (of a unit's subtree, or with the given codes), by
    unit and code, with the date they stand at; as known on ``known`` when given."""
    year = parse_year(year)
    day = as_of or default_as_of(year)
    all_units = units(read, known) if all_units is None else all_units
    unit_codes = subtree(unit, all_units) if unit else None
    refs = projects.select(read, year, unit_codes, codes, known)
    amounts = sums.project_sums(read, year, day, unit_codes, known)
    committed = commitments.committed_sums(read, year, day, unit_codes, known)
    rules = {code: rule_of(row) for code, row in all_units.items()}  # one per unit, not per project
    out = []
    for ref in refs:
        budget_fen, spent_fen = amounts.get(ref.id, (0, 0))
        figures = project_figures(ref, from_fen(budget_fen), from_fen(spent_fen), day)
        figures.committed = from_fen(committed.get(ref.id, 0))
        out.append(ProjectStatus.of(ref, figures, rules.get(ref.unit) or lag.DEFAULT_RULE))
    return day, out


def status_report(
    read: ReadStore,
    year: int,
    as_of: dt.date | None = None,
    unit: str | None = None,
    known: KnownOn | None = None,
) -> dict[str, Any]:
    """The ``tracker status`` answer: every project and the selection's total."""
    all_units = units(read, known)
    day, found = statuses(read, year, as_of, unit, all_units=all_units, known=known)
    total = Figures.total(p.figures for p in found)
    rule, source = total_rule(all_units, unit, {p.unit for p in found})
    return {
        "year": year,
        "as_of": day,
        "unit": unit,
        "projects": found,
        "total": total,
        "total_status": lag.status(total.execution_rate, total.planned_rate, rule),
        "total_rule": {"rule": rule, "source": source},
        "plan_warnings": plan_warnings_of(read, year, found, known),
        "known_on": known,
    }


def plan_warnings_of(
    read: ReadStore, year: int, found: Sequence[ProjectStatus], known: KnownOn | None = None
) -> dict[str, list[str]]:
    """Each project's plan warnings (by code; only projects that have some), judged
    against its budget on 31 December whatever the date asked."""
    planned = [p for p in found if p.plan]
    if not planned:
        return {}
    budgets = sums.project_sums(read, year, dt.date(year, 12, 31), sorted({p.unit for p in planned}), known)
    out = {}
    for p in planned:
        budget = from_fen(budgets.get(p.id, (0, 0))[0])
        if warnings := plan_warnings(lag.checkpoints_for(p.plan, p.year), budget):
            out[p.code] = warnings
    return out


def __getattr__(name: str) -> Any:
    """``Queries`` and ``DIMENSIONS`` live in modules that import this one: looked up
    when first asked for, so importing either module first works."""
    if name == "Queries":
        from tracker.queries.facade import Queries

        return Queries
    if name == "DIMENSIONS":
        from tracker.queries.rollups import DIMENSIONS

        return DIMENSIONS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
