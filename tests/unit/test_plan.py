"""Spending plans: cumulative percentages or amounts at checkpoints, some left blank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError
from tracker.domain.plan import (
    FIELD,
    Checkpoint,
    default_checkpoints,
    parse_plan,
    plan_spec,
    validate_checkpoints,
)


def refused(spec: str, year: int = 2024) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        parse_plan(spec, year)
    assert caught.value.field == FIELD
    return caught.value


# ------------------------------------------------------------------ accepted plans


def test_parses_quarterly_percentages() -> None:
    plan = parse_plan("03-31:25%,06-30:50%,09-30:75%,12-31:100%", 2024)
    assert [c.date for c in plan] == [
        dt.date(2024, 3, 31),
        dt.date(2024, 6, 30),
        dt.date(2024, 9, 30),
        dt.date(2024, 12, 31),
    ]
    assert [c.percent for c in plan] == [Decimal(25), Decimal(50), Decimal(75), Decimal(100)]
    assert all(c.amount is None and not c.is_blank for c in plan)
    assert plan == default_checkpoints(2024)


def test_parses_march_june_october_december_plan_of_seed_002() -> None:
    plan = parse_plan("03-31:25%,06-30:50%,10-31:75%,12-31:100%", 2024)
    assert plan[2] == Checkpoint(dt.date(2024, 10, 31), percent=Decimal(75))


def test_parses_cumulative_amounts_with_a_blank_first_checkpoint() -> None:
    plan = parse_plan("03-31:,06-30:70000,10-31:100000,12-31:500000", 2024)
    assert plan[0] == Checkpoint(dt.date(2024, 3, 31))
    assert plan[0].is_blank
    assert [c.amount for c in plan[1:]] == [Decimal("70000.00"), Decimal("100000.00"), Decimal("500000.00")]
    assert all(c.percent is None for c in plan)
    assert all(isinstance(c.amount, Decimal) for c in plan[1:])


def test_parses_amounts_to_the_fen() -> None:
    plan = parse_plan("06-30:31810000.5,12-31:75441300.00", 2024)
    assert plan[0].amount == Decimal("31810000.50")
    assert str(plan[0].amount) == "31810000.50"


def test_accepts_blank_checkpoints_between_filled_ones() -> None:
    plan = parse_plan("03-31:10%,06-30:,09-30:60%,12-31:100%", 2024)
    assert [c.is_blank for c in plan] == [False, True, False, False]


def test_accepts_full_width_percent_sign_and_spaces() -> None:
    plan = parse_plan(" 03-31 : 25％ , 12-31:100% ", 2024)
    assert plan == [
        Checkpoint(dt.date(2024, 3, 31), percent=Decimal(25)),
        Checkpoint(dt.date(2024, 12, 31), percent=Decimal(100)),
    ]


def test_accepts_a_single_year_end_checkpoint_and_equal_consecutive_targets() -> None:
    assert parse_plan("12-31:100%", 2024) == [Checkpoint(dt.date(2024, 12, 31), percent=Decimal(100))]
    assert len(parse_plan("03-31:50%,06-30:50%,12-31:100%", 2024)) == 3


def test_accepts_february_29_in_a_leap_year() -> None:
    plan = parse_plan("02-29:10%,12-31:100%", 2024)
    assert plan[0].date == dt.date(2024, 2, 29)


def test_refuses_february_29_in_a_common_year() -> None:
    error = refused("02-29:10%,12-31:100%", 2023)
    assert "02-29" in error.message


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("03-31:50%,06-30:40%,12-31:100%", "不能减少"),
        ("03-31:30%,06-30:,09-30:20%,12-31:100%", "不能减少"),  # across a blank
        ("03-31:100000,06-30:50000,12-31:200000", "不能减少"),
        ("03-31:25%,12-31:100", "混用"),
        ("03-31:25,12-31:100%", "混用"),
        ("03-31:25%,11-30:100%", "12-31"),
        ("03-31:25%,12-31:", "不能为空"),
        ("03-31:10%,06-30:,12-31:", "不能为空"),
        ("02-30:10%,12-31:100%", "02-30"),
        ("13-01:10%,12-31:100%", "13-01"),
        ("06-30:50%,03-31:25%,12-31:100%", "先后"),
        ("03-31:10%,03-31:20%,12-31:100%", "重复"),
        ("12-31:100%,12-31:100%", "重复"),
        ("03-31:25%,12-31:101%", "100%"),
        ("03-31:120%,12-31:100%", "100%"),
        ("03-31:-5%,12-31:100%", "非负"),
        ("03-31:abc,12-31:100%", "无效"),
        ("03-31:10.005,12-31:100", "两位小数"),
        ("03-31 25%,12-31:100%", "冒号"),
        ("", "不能为空"),
        ("03-31:25%,,12-31:100%", "不能为空"),
    ],
)
def test_refuses_plans_that_cannot_be_a_cumulative_schedule(spec: str, words: str) -> None:
    error = refused(spec)
    assert words in error.message


def test_validate_checkpoints_refuses_dates_of_another_year() -> None:
    checkpoints = [Checkpoint(dt.date(2023, 12, 31), percent=Decimal(100))]
    with pytest.raises(InvalidInputError) as caught:
        validate_checkpoints(checkpoints, 2024)
    assert caught.value.field == FIELD
    assert "2024" in caught.value.message


def test_validate_checkpoints_refuses_an_empty_plan_by_name() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_checkpoints([], 2024)
    assert caught.value.field == FIELD
    assert "至少需要一个检查点" in caught.value.message


# ------------------------------------------------------------------ spec round trip


@pytest.mark.parametrize(
    ("checkpoint", "spec"),
    [
        (Checkpoint(dt.date(2024, 3, 31), percent=Decimal(25)), "03-31:25%"),
        (Checkpoint(dt.date(2024, 12, 31), percent=Decimal("100")), "12-31:100%"),
        (Checkpoint(dt.date(2024, 6, 30), percent=Decimal("12.50")), "06-30:12.5%"),
        (Checkpoint(dt.date(2024, 6, 30), amount=Decimal("70000")), "06-30:70000.00"),
        (Checkpoint(dt.date(2024, 3, 31)), "03-31:"),
    ],
)
def test_checkpoint_spec_is_the_cli_form(checkpoint: Checkpoint, spec: str) -> None:
    assert checkpoint.spec() == spec


@pytest.mark.parametrize(
    "spec",
    [
        "03-31:25%,06-30:50%,09-30:75%,12-31:100%",
        "03-31:,06-30:70000.00,10-31:100000.00,12-31:500000.00",
        "02-29:0%,06-30:33.33%,12-31:100%",
        "03-31:10000000.00,06-30:31810000.00,09-30:53620000.00,12-31:75441300.00",
    ],
)
def test_plan_spec_round_trips(spec: str) -> None:
    plan = parse_plan(spec, 2024)
    assert plan_spec(plan) == spec
    assert parse_plan(plan_spec(plan), 2024) == plan


@st.composite
def percent_plans(draw: st.DrawFn) -> list[Checkpoint]:
    days = sorted(draw(st.sets(st.integers(0, 364), max_size=6)))  # 2024-12-31 is day 365
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in days] + [dt.date(2024, 12, 31)]
    values = sorted(draw(st.lists(st.decimals(0, 100, places=2), min_size=len(dates), max_size=len(dates))))
    blanks = draw(st.lists(st.booleans(), min_size=len(dates) - 1, max_size=len(dates) - 1))
    return [
        Checkpoint(d, percent=None if blank else v)
        for d, v, blank in zip(dates, values, [*blanks, False], strict=True)
    ]


@given(percent_plans())
def test_any_valid_percent_plan_round_trips_through_its_spec(plan: list[Checkpoint]) -> None:
    assert parse_plan(plan_spec(plan), 2024) == plan


def test_refuses_absurdly_huge_checkpoint_amounts_as_invalid_input() -> None:
    refused("06-30:1,12-31:1e30")
