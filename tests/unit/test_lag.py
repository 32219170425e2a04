"""Planned rate (序时进度), status and forecast: the pure rules of ``tracker.lag``.

Every expectation is worked out by hand from the rule in the issue ("Read models") and
DOMAIN.md "Planned rate at a date": linear by calendar day between checkpoints, from 0
at the end of 31 December of the previous year, blank checkpoints skipped, amounts
divided by the budget on the day asked (capped at 100), flat after the last checkpoint.
Repeating decimals are compared with the exact fraction to 24 places; everything that
terminates is compared exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from tracker.domain import lag
from tracker.domain.lag import (
    DEFAULT_POINTS_RULE,
    DEFAULT_RULE,
    GREEN,
    RED,
    YELLOW,
    StatusRule,
    checkpoint_rate,
    checkpoints_for,
    daily_needed,
    days_elapsed,
    forecast_rate,
    next_checkpoint,
    planned_rate,
    status,
)
from tracker.domain.plan import Checkpoint, parse_plan

D = Decimal
d = dt.date
SEED_003 = "03-31:,06-30:70000,10-31:100000,12-31:500000"  # 办公室整修, in 元
SEED_002 = "03-31:25%,06-30:50%,10-31:75%,12-31:100%"  # 乐亭县: Mar/Jun/Oct/Dec
EPSILON = Fraction(1, 10**24)


def close(value: Decimal, exact: Fraction) -> bool:
    """A Decimal result equals an exact (possibly repeating) fraction to 24 places."""
    assert isinstance(value, Decimal)
    return abs(Fraction(value) - exact) < EPSILON


def default(year: int) -> tuple[Checkpoint, ...]:
    return checkpoints_for(None, year)


def planned(spec: str | None, day: dt.date, budget: str = "100000.00", year: int | None = None) -> Decimal:
    y = year or day.year
    return planned_rate(checkpoints_for(spec, y), y, day, D(budget))


# ------------------------------------------------------------------ default plan


def test_default_plan_is_25_50_75_100_at_quarter_ends() -> None:
    cps = default(2024)
    assert [(c.date, c.percent, c.amount) for c in cps] == [
        (d(2024, 3, 31), D(25), None),
        (d(2024, 6, 30), D(50), None),
        (d(2024, 9, 30), D(75), None),
        (d(2024, 12, 31), D(100), None),
    ]
    assert checkpoints_for("", 2024) == cps


def test_leap_year_first_quarter_counts_91_days() -> None:
    # 2024-02-15 is day 46 of the 91 days from 2023-12-31 to 2024-03-31.
    value = planned(None, d(2024, 2, 15))
    assert value == D(25) * 46 / 91
    assert close(value, Fraction(25 * 46, 91))
    assert close(planned(None, d(2024, 2, 29)), Fraction(25 * 60, 91))
    assert close(planned(None, d(2024, 3, 1)), Fraction(25 * 61, 91))


def test_common_year_first_quarter_counts_90_days() -> None:
    value = planned(None, d(2023, 2, 15))
    assert value == D(25) * 46 / 90
    assert close(value, Fraction(25 * 46, 90))
    # 1 March is day 60 in a common year (day 61 in a leap year).
    assert close(planned(None, d(2023, 3, 1)), Fraction(25 * 60, 90))
    assert planned(None, d(2023, 2, 15)) != planned(None, d(2024, 2, 15))


def test_first_day_of_the_year_is_one_day_of_the_first_interval() -> None:
    assert close(planned(None, d(2024, 1, 1)), Fraction(25, 91))
    assert close(planned(None, d(2023, 1, 1)), Fraction(25, 90))


def test_checkpoint_days_reach_their_target_exactly() -> None:
    for year in (2023, 2024):
        assert planned(None, d(year, 3, 31)) == D(25)
        assert planned(None, d(year, 6, 30)) == D(50)
        assert planned(None, d(year, 9, 30)) == D(75)
        assert planned(None, d(year, 12, 31)) == D(100)


def test_later_quarters_grow_from_the_previous_checkpoint() -> None:
    # Q2 is 91 days (03-31 -> 06-30); Q3 and Q4 are 92 days, in any year.
    assert close(planned(None, d(2024, 4, 1)), 25 + Fraction(25, 91))
    assert close(planned(None, d(2024, 5, 15)), 25 + Fraction(25 * 45, 91))
    assert close(planned(None, d(2023, 8, 15)), 50 + Fraction(25 * 46, 92))
    assert planned(None, d(2024, 11, 15)) == D(75) + D(25) * 46 / 92
    assert planned(None, d(2024, 11, 15)) == D(87.5)


def test_day_before_the_year_and_earlier_is_zero() -> None:
    assert planned(None, d(2023, 12, 31), year=2024) == 0
    assert planned(None, d(2023, 6, 1), year=2024) == 0
    assert planned(SEED_003, d(2023, 12, 31), "500000.00", year=2024) == 0


def test_after_the_year_stays_at_the_last_checkpoint() -> None:
    assert planned(None, d(2025, 1, 1), year=2024) == D(100)
    assert planned(SEED_003, d(2025, 3, 1), "250000.00", year=2024) == D(100)


def test_after_the_last_checkpoint_the_plan_is_flat() -> None:
    # A checkpoint list that ends mid-year (the pure function does not insist on 12-31).
    cps = (Checkpoint(d(2024, 6, 30), percent=D(40)),)
    assert planned_rate(cps, 2024, d(2024, 6, 30), D(1)) == D(40)
    assert planned_rate(cps, 2024, d(2024, 7, 1), D(1)) == D(40)
    assert planned_rate(cps, 2024, d(2024, 12, 31), D(1)) == D(40)
    # Before it: linear over the 182 days from 2023-12-31 to 2024-06-30.
    assert close(planned_rate(cps, 2024, d(2024, 1, 31), D(1)), Fraction(40 * 31, 182))


def test_percent_plan_does_not_depend_on_the_budget() -> None:
    for budget in ("1.00", "100000.00", "0.00"):
        assert planned(None, d(2024, 6, 30), budget) == D(50)


# ------------------------------------------------------------ custom checkpoints


def test_seed_002_march_june_october_december_plan() -> None:
    assert planned(SEED_002, d(2024, 3, 31)) == D(25)
    assert planned(SEED_002, d(2024, 6, 30)) == D(50)
    # 06-30 -> 10-31 is 123 days; 15 August is day 46 of them.
    assert close(planned(SEED_002, d(2024, 8, 15)), 50 + Fraction(25 * 46, 123))
    assert planned(SEED_002, d(2024, 9, 30)) != D(75)  # not the default plan
    assert close(planned(SEED_002, d(2024, 9, 30)), 50 + Fraction(25 * 92, 123))
    assert planned(SEED_002, d(2024, 10, 31)) == D(75)
    # 10-31 -> 12-31 is 61 days.
    assert close(planned(SEED_002, d(2024, 11, 30)), 75 + Fraction(25 * 30, 61))


def test_february_29_checkpoint_in_a_leap_year() -> None:
    spec = "02-29:6%,12-31:100%"
    assert planned(spec, d(2024, 2, 29)) == D(6)
    assert close(planned(spec, d(2024, 1, 30)), Fraction(6 * 30, 60))
    # 02-29 -> 12-31 is 306 days.
    assert close(planned(spec, d(2024, 3, 1)), 6 + Fraction(94, 306))


# ----------------------------------------------------- blanks and amount plans


def test_blank_checkpoint_is_skipped_seed_003() -> None:
    budget = "500000.00"
    # 70,000 of 500,000 = 14% at 06-30, reached linearly from 0 over 182 days.
    assert planned(SEED_003, d(2024, 6, 30), budget) == D(14)
    assert planned(SEED_003, d(2024, 3, 31), budget) == D(14) * 91 / 182
    assert planned(SEED_003, d(2024, 3, 31), budget) == D(7)
    assert close(planned(SEED_003, d(2024, 1, 1), budget), Fraction(14, 182))
    # Then 20% at 10-31 (123 days later) and 100% at 12-31.
    assert close(planned(SEED_003, d(2024, 8, 15), budget), 14 + Fraction(6 * 46, 123))
    assert planned(SEED_003, d(2024, 10, 31), budget) == D(20)
    assert close(planned(SEED_003, d(2024, 11, 30), budget), 20 + Fraction(80 * 30, 61))
    assert planned(SEED_003, d(2024, 12, 31), budget) == D(100)


def test_blank_checkpoint_between_filled_ones_is_skipped() -> None:
    spec = "03-31:20%,06-30:,09-30:60%,12-31:100%"
    # 03-31 -> 09-30 is 183 days; on 06-30 (day 91 of them) no target of its own.
    assert close(planned(spec, d(2024, 6, 30)), 20 + Fraction(40 * 91, 183))
    assert planned(spec, d(2024, 9, 30)) == D(60)


def test_amount_plan_after_the_budget_changes() -> None:
    # The same amounts against a budget of 250,000: 70,000 is 28%, 100,000 is 40%.
    assert planned(SEED_003, d(2024, 6, 30), "250000.00") == D(28)
    assert planned(SEED_003, d(2024, 3, 31), "250000.00") == D(14)
    assert planned(SEED_003, d(2024, 10, 31), "250000.00") == D(40)
    # 500,000 > 250,000: capped at 100 at year end.
    assert planned(SEED_003, d(2024, 12, 31), "250000.00") == D(100)
    assert close(planned(SEED_003, d(2024, 11, 30), "250000.00"), 40 + Fraction(60 * 30, 61))


def test_amount_checkpoint_above_the_budget_is_capped_at_100() -> None:
    # 70,000 of 60,000 would be 116.67%: the plan is 100 from 06-30 on.
    assert planned(SEED_003, d(2024, 6, 30), "60000.00") == D(100)
    assert planned(SEED_003, d(2024, 3, 31), "60000.00") == D(50)
    assert planned(SEED_003, d(2024, 8, 1), "60000.00") == D(100)
    assert planned(SEED_003, d(2024, 12, 31), "60000.00") == D(100)
    assert checkpoint_rate(Checkpoint(d(2024, 6, 30), amount=D("70000.00")), D("60000.00")) == D(100)


def test_amount_plan_with_no_budget_is_zero() -> None:
    for day in (d(2024, 1, 1), d(2024, 3, 31), d(2024, 6, 30), d(2024, 12, 31)):
        assert planned(SEED_003, day, "0.00") == 0


def test_amount_checkpoint_rate_is_unrounded() -> None:
    cp = Checkpoint(d(2024, 6, 30), amount=D("10000.00"))
    assert close(checkpoint_rate(cp, D("30000.00")), Fraction(100, 3))


# ------------------------------------------------------------------------ status


@pytest.mark.parametrize(
    ("execution", "expected"),
    [
        ("50", GREEN),
        ("40.0001", GREEN),
        ("40", GREEN),  # ratio exactly 80%: green
        ("39.9999", YELLOW),
        ("30.0001", YELLOW),
        ("30", YELLOW),  # ratio exactly 60%: yellow
        ("29.9999", RED),
        ("0", RED),
        ("120", GREEN),
    ],
)
def test_ratio_rule_boundaries(execution: str, expected: str) -> None:
    assert status(D(execution), D(50)) == expected
    assert status(D(execution), D(50), DEFAULT_RULE) == expected


@pytest.mark.parametrize(
    ("execution", "expected"),
    [
        ("50", GREEN),
        ("45", GREEN),  # 5 points behind: green
        ("44.9999", YELLOW),
        ("40.0001", YELLOW),
        ("40", YELLOW),  # exactly 10: yellow
        ("39.9999", RED),
        ("0", RED),
        ("80", GREEN),
    ],
)
def test_points_rule_boundaries(execution: str, expected: str) -> None:
    assert status(D(execution), D(50), DEFAULT_POINTS_RULE) == expected


def test_default_thresholds() -> None:
    assert StatusRule("ratio", D(80), D(60)) == DEFAULT_RULE
    assert StatusRule("points", D(5), D(10)) == DEFAULT_POINTS_RULE


@pytest.mark.parametrize(
    "rule",
    [
        DEFAULT_RULE,
        DEFAULT_POINTS_RULE,
        StatusRule("ratio", D(95), D(90)),
        StatusRule("points", D(0), D("0.5")),
    ],
)
def test_nothing_planned_is_green(rule: StatusRule) -> None:
    assert status(D(0), D(0), rule) == GREEN
    assert status(D(0), D(-1), rule) == GREEN


def test_custom_ratio_thresholds() -> None:
    rule = StatusRule("ratio", D(90), D(70))
    assert status(D(45), D(50), rule) == GREEN  # 90%
    assert status(D("44.99"), D(50), rule) == YELLOW
    assert status(D(40), D(50), rule) == YELLOW  # 80%: green under the default rule
    assert status(D(40), D(50)) == GREEN
    assert status(D(35), D(50), rule) == YELLOW  # 70%
    assert status(D("34.99"), D(50), rule) == RED
    assert status(D("34.99"), D(50)) == YELLOW


def test_custom_points_thresholds() -> None:
    rule = StatusRule("points", D(2), D("3.5"))
    assert status(D(48), D(50), rule) == GREEN  # lag exactly 2
    assert status(D("47.99"), D(50), rule) == YELLOW
    assert status(D("46.5"), D(50), rule) == YELLOW  # lag exactly 3.5
    assert status(D("46.49"), D(50), rule) == RED
    assert status(D("46.49"), D(50), DEFAULT_POINTS_RULE) == GREEN


def test_status_uses_unrounded_values() -> None:
    # 39.996 / 50 = 79.992% -> yellow although both round to 40.00 / 50.00 on the wire.
    assert status(D("39.996"), D(50)) == YELLOW
    assert status(D("44.996"), D(50), DEFAULT_POINTS_RULE) == YELLOW


def test_rate_is_zero_for_a_zero_budget() -> None:
    assert lag.rate(D(0), D(0)) == 0
    assert lag.rate(D(5), D(0)) == 0
    assert lag.rate(D("12345.00"), D("100000.00")) == D("12.345")


# ---------------------------------------------------------------------- forecast


def test_days_elapsed() -> None:
    assert days_elapsed(2024, d(2024, 1, 1)) == 1
    assert days_elapsed(2024, d(2024, 3, 31)) == 91
    assert days_elapsed(2023, d(2023, 3, 31)) == 90
    assert days_elapsed(2024, d(2024, 12, 31)) == 366
    assert days_elapsed(2024, d(2025, 6, 1)) == 366
    assert days_elapsed(2024, d(2023, 12, 31)) == 0
    assert days_elapsed(2024, d(2023, 6, 1)) == 0


def test_forecast_projects_the_average_daily_pace() -> None:
    # 30,000 of 120,000 in the 91 days to 2024-03-31 -> 30,000 * 366 / 91 by year end.
    value = forecast_rate(D("30000.00"), D("120000.00"), 2024, d(2024, 3, 31))
    assert close(value, Fraction(30000 * 366, 91) / 120000 * 100)
    # A common year has 365 days and 90 of them by 31 March.
    value = forecast_rate(D("30000.00"), D("120000.00"), 2023, d(2023, 3, 31))
    assert close(value, Fraction(30000 * 365, 90) / 120000 * 100)
    # Half the leap year gone (183 days to 1 July) and half spent -> exactly 100.
    assert forecast_rate(D("50.00"), D("100.00"), 2024, d(2024, 7, 1)) == D(100)


def test_forecast_is_not_capped() -> None:
    value = forecast_rate(D("50000.00"), D("100000.00"), 2024, d(2024, 3, 31))
    assert close(value, Fraction(50 * 366, 91))  # about 201.10
    assert value > 200
    # Spending it all on 1 January projects 366 times the budget.
    assert forecast_rate(D("10.00"), D("10.00"), 2024, d(2024, 1, 1)) == D(36600)


def test_forecast_edges() -> None:
    assert forecast_rate(D("10.00"), D("0.00"), 2024, d(2024, 6, 1)) == 0
    assert forecast_rate(D("0.00"), D("100.00"), 2024, d(2024, 6, 1)) == 0
    assert forecast_rate(D("10.00"), D("100.00"), 2024, d(2023, 12, 31)) == 0
    # At and after the year end the forecast is the execution rate itself.
    assert forecast_rate(D("37.00"), D("100.00"), 2024, d(2024, 12, 31)) == D(37)
    assert forecast_rate(D("37.00"), D("100.00"), 2024, d(2025, 2, 1)) == D(37)


# ------------------------------------------------------------------ daily needed


def test_daily_needed_to_reach_the_next_checkpoint() -> None:
    cps = default(2024)
    cp, per_day = daily_needed(cps, d(2024, 3, 1), D("100000.00"), D("10000.00"))
    assert cp is not None
    assert cp.date == d(2024, 3, 31)
    assert per_day == D(500)  # (25,000 - 10,000) / 30 days


def test_on_a_checkpoint_day_the_next_checkpoint_is_the_following_one() -> None:
    cps = default(2024)
    cp, per_day = daily_needed(cps, d(2024, 3, 31), D("100000.00"), D("10000.00"))
    assert cp is not None
    assert cp.date == d(2024, 6, 30)
    assert close(per_day, Fraction(40000, 91))  # (50,000 - 10,000) / 91 days
    cp, per_day = daily_needed(cps, d(2024, 6, 30), D("100000.00"), D("10000.00"))
    assert cp is not None
    assert cp.date == d(2024, 9, 30)
    assert close(per_day, Fraction(65000, 92))
    assert next_checkpoint(cps, d(2024, 9, 30)) == cps[3]


def test_daily_needed_is_zero_when_ahead_or_after_the_last_checkpoint() -> None:
    cps = default(2024)
    cp, per_day = daily_needed(cps, d(2024, 3, 1), D("100000.00"), D("30000.00"))
    assert cp is not None
    assert cp.date == d(2024, 3, 31)
    assert per_day == 0
    assert daily_needed(cps, d(2024, 12, 31), D("100000.00"), D("10.00")) == (None, 0)
    assert next_checkpoint(cps, d(2024, 12, 31)) is None


def test_daily_needed_skips_blank_checkpoints_and_caps_amounts_at_the_budget() -> None:
    cps = tuple(parse_plan(SEED_003, 2024))
    cp, per_day = daily_needed(cps, d(2024, 1, 1), D("500000.00"), D("0.00"))
    assert cp is not None
    assert cp.date == d(2024, 6, 30)  # the blank 03-31 is no target
    assert close(per_day, Fraction(70000, 181))
    # On 10-31 the next is 12-31: 500,000 but the budget is only 250,000.
    cp, per_day = daily_needed(cps, d(2024, 10, 31), D("250000.00"), D("128000.00"))
    assert cp is not None
    assert cp.date == d(2024, 12, 31)
    assert per_day == D(2000)  # (250,000 - 128,000) / 61 days


def test_daily_needed_in_a_common_year() -> None:
    cps = default(2023)
    cp, per_day = daily_needed(cps, d(2023, 2, 28), D("90000.00"), D("0.00"))
    assert cp is not None
    assert cp.date == d(2023, 3, 31)
    assert close(per_day, Fraction(22500, 31))
