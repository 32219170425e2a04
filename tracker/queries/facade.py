"""``Queries``: the read side in one object, as the service layer and the doors hold it.

Each method is one of the query modules (status, rollups, series, progress, units,
sums) over the tracker's read store, so a caller needs one object, not the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from tracker.domain import lag
from tracker.queries import progress as _progress
from tracker.queries import ranking as _ranking
from tracker.queries import rollups as _rollups
from tracker.queries import series as _series
from tracker.queries import status as _status
from tracker.queries import sums as _sums
from tracker.queries import units as _units
from tracker.queries.figures import ProjectStatus, project_figures
from tracker.queries.known import KnownOn
from tracker.queries.sums import Fen
from tracker.queries.units import Units
from tracker.store.readstore import ReadStore


class Queries:
    """Status, roll-ups, series and progress from the read tables."""

    def __init__(self, read: ReadStore) -> None:
        self.read = read

    def units(self, known: KnownOn | None = None) -> Units:
        """Every unit by code; as known on a moment, with the status rule then in force."""
        return _units.units(self.read, known)

    def subtree(self, code: str, all_units: Units | None = None) -> list[str]:
        """A unit and every unit below it (部门 → 单位)."""
        return _units.subtree(code, all_units if all_units is not None else self.units())

    @staticmethod
    def rule_of(unit_row: dict[str, Any] | None) -> lag.StatusRule:
        return _units.rule_of(unit_row)

    @staticmethod
    def total_rule(
        all_units: Units, unit: str | None, project_units: Iterable[str]
    ) -> tuple[lag.StatusRule, str]:
        """The rule that colours a total of these projects, and where it comes from."""
        return _units.total_rule(all_units, unit, project_units)

    def statuses(
        self,
        year: int,
        as_of: dt.date | None = None,
        unit: str | None = None,
        codes: Sequence[str] = (),
        known: KnownOn | None = None,
        all_units: Units | None = None,
    ) -> tuple[dt.date, list[ProjectStatus]]:
        """Every project of the year (of a unit's subtree, or with the given codes);
        ``all_units`` saves reading the units again when the caller has them."""
        return _status.statuses(self.read, year, as_of, unit, codes, all_units, known)

    def status_report(
        self, year: int, as_of: dt.date | None = None, unit: str | None = None, known: KnownOn | None = None
    ) -> dict[str, Any]:
        """The ``tracker status`` answer: every project and the selection's total."""
        return _status.status_report(self.read, year, as_of, unit, known)

    def rollup(
        self,
        year: int,
        by: Sequence[str],
        level: int | None = None,
        as_of: dt.date | None = None,
        unit: str | None = None,
        known: KnownOn | None = None,
    ) -> dict[str, Any]:
        """Group the projects' figures by one or two dimensions (a pivot)."""
        return _rollups.rollup(self.read, year, by, level, as_of, unit, known)

    def rollups(
        self,
        year: int,
        groupings: Sequence[Sequence[str]],
        level: int | None = None,
        as_of: dt.date | None = None,
        unit: str | None = None,
        known: KnownOn | None = None,
    ) -> list[dict[str, Any]]:
        """Several roll-ups of the same projects from one status read."""
        return _rollups.rollups(self.read, year, groupings, level, as_of, unit, known)

    def ranking(
        self, year: int, as_of: dt.date | None = None, unit: str | None = None, known: KnownOn | None = None
    ) -> _ranking.Ranking:
        """Units ranked by execution rate with the same date a year earlier (通报)."""
        return _ranking.ranking(self.read, year, as_of, unit, known)

    def series(
        self,
        year: int,
        code: str | None = None,
        unit: str | None = None,
        as_of: dt.date | None = None,
        known: KnownOn | None = None,
    ) -> dict[str, Any]:
        """Cumulative daily figures from 1 January to *d*, for one project or a unit."""
        return _series.series(self.read, year, code, unit, as_of, known)

    def progress(
        self, project_id: UUID, as_of: dt.date | None = None, known: KnownOn | None = None
    ) -> dict[str, Any]:
        """One project's status with its checkpoints (met or missed) and forecast."""
        return _progress.progress(self.read, project_id, as_of, known)

    def daily(self, ids: Iterable[str], known: KnownOn | None = None) -> dict[tuple[str, str], Fen]:
        """Each day's change of budget and spending in 分, by (project id, ISO date)."""
        return _sums.daily(self.read, ids, known)

    _daily = daily  # the name the alert checks still use

    @staticmethod
    def _fill(p: ProjectStatus, budget: Decimal, disbursed: Decimal, day: dt.date) -> None:
        """Set ``p.figures`` as of ``day``: the step ``series`` takes each day (the chart
        tests take it too)."""
        p.figures = project_figures(p, budget, disbursed, day)
