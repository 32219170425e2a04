"""Planned rate (序时进度), lag and status: pure functions of a plan and figures.

Rates are Decimal percentages, unrounded; rounding (half-up, two places) happens only
on the wire, and statuses are decided from unrounded values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tracker.domain.plan import HUNDRED, Checkpoint, default_checkpoints, parse_plan

ZERO = Decimal(0)
RATIO, POINTS = "ratio", "points"
GREEN, YELLOW, RED = "green", "yellow", "red"
STATUS_LABELS = {GREEN: "正常", YELLOW: "预警", RED: "严重滞后"}


@dataclass(frozen=True)
class StatusRule:
    """How lag becomes a colour; a unit's setting.

    ``ratio`` (the provincial monitoring rule): execution ÷ planned; green at or above
    ``yellow`` percent, yellow at or above ``red`` percent, red below — but only when
    also more than ``min_points`` points behind: on 2 January 0.27% is planned and a
    ratio alone would call every project 严重滞后 (quiet starts of the year).
    ``points``: yellow when more than ``yellow`` points behind, red when more than
    ``red`` points behind (``min_points`` plays no part).
    """

    kind: str = RATIO
    yellow: Decimal = Decimal(80)
    red: Decimal = Decimal(60)
    min_points: Decimal = Decimal(3)

    def describe(self) -> str:
        """The rule in words, for a total that says which rule coloured it."""
        y, r, m = (f"{x.normalize():f}" for x in (self.yellow, self.red, self.min_points))
        if self.kind == POINTS:
            return f"百分点规则（落后超过 {y} 个百分点为预警，超过 {r} 个百分点为严重滞后）"
        return f"比例规则（执行率低于序时进度的 {y}% 为预警，低于 {r}% 为严重滞后，且落后超过 {m} 个百分点）"


DEFAULT_RULE = StatusRule()
DEFAULT_POINTS_RULE = StatusRule(POINTS, Decimal(5), Decimal(10))
DEFAULT_MIN_POINTS = DEFAULT_RULE.min_points


def rate(part: Decimal, whole: Decimal) -> Decimal:
    """part ÷ whole × 100, unrounded; 0 when whole is 0."""
    if whole == 0:
        return ZERO
    return Decimal(part) / Decimal(whole) * HUNDRED


@lru_cache(maxsize=4096)
def checkpoints_for(spec: str | None, year: int) -> tuple[Checkpoint, ...]:
    """A project's plan (stored as its spec), or the default 25/50/75/100% plan."""
    if not spec:
        return tuple(default_checkpoints(year))
    return tuple(parse_plan(spec, year))


def checkpoint_rate(cp: Checkpoint, budget: Decimal) -> Decimal:
    """A checkpoint's cumulative target as a percentage of the budget on the day asked."""
    if cp.percent is not None:
        return cp.percent
    assert cp.amount is not None
    return min(rate(cp.amount, budget), HUNDRED)


def planned_rate(checkpoints: tuple[Checkpoint, ...], year: int, day: dt.date, budget: Decimal) -> Decimal:
    """序时进度 on ``day``: linear by calendar day between checkpoints, from 0 on the
    last day of the previous year; blank checkpoints are skipped; flat after the last.
    """
    prev_date, prev_rate = dt.date(year - 1, 12, 31), ZERO
    if day <= prev_date:
        return ZERO
    for cp in checkpoints:
        if cp.is_blank:
            continue
        target = checkpoint_rate(cp, budget)
        if day <= cp.date:
            span = (cp.date - prev_date).days
            done = (day - prev_date).days
            return prev_rate + (target - prev_rate) * Decimal(done) / Decimal(span)
        prev_date, prev_rate = cp.date, target
    return prev_rate


def status(execution: Decimal, planned: Decimal, rule: StatusRule = DEFAULT_RULE) -> str:
    """green / yellow / red by the unit's rule; green whenever nothing is planned yet.

    Every colour in the app (status tables, totals, alerts, charts) comes from here, so
    the quiet-start minimum of the ratio rule holds everywhere alike."""
    if planned <= 0:
        return GREEN
    lag = planned - execution
    if rule.kind == POINTS:
        if lag > rule.red:
            return RED
        return YELLOW if lag > rule.yellow else GREEN
    if lag <= rule.min_points:
        return GREEN
    ratio = execution / planned * HUNDRED
    if ratio >= rule.yellow:
        return GREEN
    return YELLOW if ratio >= rule.red else RED


def days_elapsed(year: int, day: dt.date) -> int:
    """Days since the start of the year, 1 January counting as day 1 (capped to the year)."""
    end = dt.date(year, 12, 31)
    day = min(day, end)
    return max((day - dt.date(year - 1, 12, 31)).days, 0)


def forecast_rate(disbursed: Decimal, budget: Decimal, year: int, day: dt.date) -> Decimal:
    """Year-end execution at the average daily pace since 1 January (not capped)."""
    elapsed = days_elapsed(year, day)
    if elapsed == 0 or budget == 0:
        return ZERO
    days_in_year = (dt.date(year, 12, 31) - dt.date(year - 1, 12, 31)).days
    return rate(disbursed * days_in_year / elapsed, budget)


def next_checkpoint(checkpoints: tuple[Checkpoint, ...], day: dt.date) -> Checkpoint | None:
    """The first non-blank checkpoint strictly after ``day``."""
    return next((c for c in checkpoints if not c.is_blank and c.date > day), None)


def daily_needed(
    checkpoints: tuple[Checkpoint, ...], day: dt.date, budget: Decimal, disbursed: Decimal
) -> tuple[Checkpoint | None, Decimal]:
    """The next checkpoint and the amount a day needed from ``day`` to reach it."""
    cp = next_checkpoint(checkpoints, day)
    if cp is None:
        return None, ZERO
    target = cp.amount if cp.amount is not None else budget * checkpoint_rate(cp, budget) / HUNDRED
    if cp.amount is not None:
        target = min(target, budget)
    gap = max(target - disbursed, ZERO)
    return cp, gap / Decimal((cp.date - day).days)
