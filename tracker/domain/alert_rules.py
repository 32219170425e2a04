"""Lag alert rules: pure functions from read-model figures to alert candidates.

Periods: a lag alert's period is the plan interval it falls in (from the day after one
checkpoint to the next); a checkpoint or forecast alert's period is the checkpoint
date; an indicator's is its deadline. With the severity they fix the alert's id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from tracker.domain import lag
from tracker.domain.alert import CHECKPOINT, FORECAST, INDICATOR, LAG
from tracker.domain.money import fmt_yuan, to_wan

ZERO = Decimal(0)


class Figures(Protocol):
    """A project's budget and 执行数 as of a date, with the rates they give."""

    @property
    def budget(self) -> Decimal: ...
    @property
    def disbursed(self) -> Decimal: ...
    @property
    def available(self) -> Decimal: ...
    @property
    def execution_rate(self) -> Decimal: ...
    @property
    def planned_rate(self) -> Decimal: ...
    @property
    def lag_points(self) -> Decimal: ...
    @property
    def forecast_rate(self) -> Decimal: ...
    @property
    def committed(self) -> Decimal: ...


class ProjectStatus(Protocol):
    """What the rules read of a project's standing (``tracker.queries.ProjectStatus``
    fits): the rules stay pure and the domain imports nothing from the queries."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def plan(self) -> str | None: ...
    @property
    def rule(self) -> lag.StatusRule: ...
    @property
    def figures(self) -> Figures: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Candidate:
    """An alert a check would raise (if not already raised)."""

    unit: str
    project: str
    year: int
    rule: str
    severity: str
    period: str
    figures: dict[str, Any] = field(default_factory=dict)


def figures_of(p: ProjectStatus) -> dict[str, Any]:
    f = p.figures
    return {
        "name": p.name,
        "budget": fmt_yuan(f.budget),
        "disbursed": fmt_yuan(f.disbursed),
        "available": fmt_yuan(f.available),
        "execution_rate": _r(f.execution_rate),
        "planned_rate": _r(f.planned_rate),
        "lag_points": _r(f.lag_points),
        "forecast_rate": _r(f.forecast_rate),
        **commitment_figures(f.committed),
    }


def commitment_figures(committed: Decimal) -> dict[str, str]:
    """Open commitments as of the check date, in the alert's figures and its text, so a
    manager tells a stalled project from one waiting for an invoice; nothing when there
    are none (an alert without contracts reads as before)."""
    if committed <= 0:
        return {}
    return {"committed": fmt_yuan(committed), "committed_note": committed_note(committed)}


def committed_note(committed: Decimal) -> str:
    """``已签合同未支付 12.50 万元``."""
    return f"已签合同未支付 {to_wan(committed):,.2f} 万元"


def _r(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def plan_interval(checkpoints: tuple[Any, ...], year: int, day: dt.date) -> str:
    """``start~end`` of the plan interval holding ``day`` (a checkpoint day ends one)."""
    start = dt.date(year, 1, 1)
    for cp in checkpoints:
        if cp.is_blank:
            continue
        if day <= cp.date:
            return f"{start}~{cp.date}"
        start = cp.date + dt.timedelta(days=1)
    return f"{start}~{dt.date(year, 12, 31)}"


def lag_candidates(p: ProjectStatus, day: dt.date) -> list[Candidate]:
    """Yellow or red by the unit's rule, in the current plan interval."""
    if p.status == lag.GREEN:
        return []
    period = plan_interval(lag.checkpoints_for(p.plan, p.year), p.year, day)
    return [Candidate(p.unit, p.code, p.year, LAG, p.status, period, figures_of(p))]


def checkpoint_candidates(
    p: ProjectStatus, day: dt.date, cumulative: dict[str, tuple[Decimal, Decimal]]
) -> list[Candidate]:
    """The latest checkpoint reached, if it was missed beyond the unit's tolerance and
    the project has not caught up since (older misses are history, not news).

    ``cumulative`` maps a checkpoint date (ISO) to (budget, disbursed) on that date.
    """
    reached = [cp for cp in lag.checkpoints_for(p.plan, p.year) if not cp.is_blank and cp.date <= day]
    if not reached or p.status == lag.GREEN:
        return []
    cp = reached[-1]
    budget, spent = cumulative[cp.date.isoformat()]
    target, actual = lag.checkpoint_rate(cp, budget), lag.rate(spent, budget)
    severity = lag.status(actual, target, p.rule)
    if actual >= target or severity == lag.GREEN:
        return []
    figures = {**figures_of(p), "target_rate": _r(target), "actual_rate": _r(actual)}
    return [Candidate(p.unit, p.code, p.year, CHECKPOINT, severity, cp.date.isoformat(), figures)]


def forecast_candidates(p: ProjectStatus, day: dt.date) -> list[Candidate]:
    """At the pace since 1 January, will the next checkpoint be missed?

    Under the ratio rule not while the project is within its minimum points of the
    plan today: on 2 January a day's pace says nothing (quiet starts of the year)."""
    checkpoints = lag.checkpoints_for(p.plan, p.year)
    cp = lag.next_checkpoint(checkpoints, day)
    elapsed = lag.days_elapsed(p.year, day)
    if cp is None or elapsed == 0 or p.figures.budget == 0:
        return []
    if p.rule.kind == lag.RATIO and p.figures.lag_points <= p.rule.min_points:
        return []
    pace = p.figures.disbursed / elapsed
    projected = p.figures.disbursed + pace * (cp.date - day).days
    target = lag.checkpoint_rate(cp, p.figures.budget)
    expected = lag.rate(projected, p.figures.budget)
    severity = lag.status(expected, target, p.rule)
    if severity == lag.GREEN:
        return []
    figures = {
        **figures_of(p),
        "target_rate": _r(target),
        "projected_rate": _r(expected),
        "checkpoint": cp.date.isoformat(),
    }
    return [Candidate(p.unit, p.code, p.year, FORECAST, severity, cp.date.isoformat(), figures)]


def indicator_candidates(
    rows: list[dict[str, Any]], day: dt.date, unit_of: dict[str, str]
) -> list[Candidate]:
    """Deadline indicators past their date with nothing recorded."""
    out = []
    for r in rows:
        deadline = r["deadline"]
        if r["kind"] != "deadline" or not deadline or r["actual_text"] or r["completion"]:
            continue
        if dt.date.fromisoformat(deadline) < day:
            unit = unit_of.get(r["owner_code"], r["owner_code"])
            figures = {
                "name": r["name"],
                "target": r["target_text"],
                "deadline": deadline,
                "indicator": r["id"],
            }
            out.append(
                Candidate(
                    unit, r["owner_code"], r["year"], INDICATOR, lag.RED, f"{deadline}:{r['id'][:8]}", figures
                )
            )
    return out


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Monday–Friday days after ``start`` up to and including ``end``."""
    days, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            days += 1
    return days
