"""Issue 12, points 7–10 and 13, as pure rules: plans in 万元, quiet Januaries, the
rule a total follows, the plans that are accepted with a warning, and what a bad date
says is wrong with it.

Figures from seed 003 (办公室整修: – / 7.00 / 10.00 / 50.00 万元 of 50.00 万元).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date, parse_status_rule
from tracker.domain.lag import (
    DEFAULT_POINTS_RULE,
    DEFAULT_RULE,
    GREEN,
    POINTS,
    RED,
    YELLOW,
    StatusRule,
    checkpoints_for,
    planned_rate,
    status,
)
from tracker.domain.plan import parse_plan, plan_spec
from tracker.domain.plan_warnings import plan_warnings
from tracker.queries.units import rule_of, total_rule

D = Decimal
SEED_003_WAN = "03-31:,06-30:7.00,09-30:10.00,12-31:50.00"
SEED_003_YUAN = "03-31:,06-30:70000.00,09-30:100000.00,12-31:500000.00"

# ------------------------------------------------------------- 7: plans in 万元


def test_a_plan_given_with_wan_is_kept_in_yuan() -> None:
    assert plan_spec(parse_plan(SEED_003_WAN, 2024, wan=True)) == SEED_003_YUAN


@pytest.mark.parametrize("value", ["7万", "7.00万", "7.00万元", "70000元", "70000"])
def test_a_wan_suffix_on_one_value_multiplies_that_value(value: str) -> None:
    plan = parse_plan(f"06-30:{value},12-31:50万", 2024)
    assert [c.amount for c in plan] == [D("70000.00"), D("500000.00")]


def test_a_unit_written_on_a_value_wins_over_wan() -> None:
    plan = parse_plan("06-30:70000元,09-30:10万元,12-31:50", 2024, wan=True)
    assert [c.amount for c in plan] == [D("70000.00"), D("100000.00"), D("500000.00")]


def test_a_wan_amount_may_carry_six_decimals_and_no_more() -> None:
    assert parse_plan("12-31:0.000001万", 2024)[0].amount == D("0.01")
    with pytest.raises(InvalidInputError, match="万元金额最多六位小数"):
        parse_plan("12-31:0.0000001万", 2024)


def test_wan_leaves_percentages_alone() -> None:
    assert [c.percent for c in parse_plan("06-30:50%,12-31:100%", 2024, wan=True)] == [D(50), D(100)]


def test_the_seed_003_plan_in_wan_gives_its_planned_rate() -> None:
    checkpoints = tuple(parse_plan(SEED_003_WAN, 2024, wan=True))
    # 30 June: 70,000 of 500,000 = 14%; read as 元 it would be 0.0014%.
    assert planned_rate(checkpoints, 2024, dt.date(2024, 6, 30), D(500000)) == D(14)


# ------------------------------------------------------ 7 and 10: plan warnings


def test_an_amount_plan_short_of_the_budget_says_plan_total_differs() -> None:
    warnings = plan_warnings(parse_plan(SEED_003_WAN, 2024), D(500000))
    assert any("计划合计 50.00 元 ≠ 全年预算 500,000.00 元" in w for w in warnings)
    assert any("万元" in w for w in warnings)  # 0.01% of the budget: a 元/万元 slip


def test_a_budget_raised_later_makes_the_plan_total_differ() -> None:
    plan = parse_plan(SEED_003_YUAN, 2024)
    assert not any("计划合计" in w for w in plan_warnings(plan, D(500000)))
    after = plan_warnings(plan, D(600000))
    assert any("计划合计 500,000.00 元 ≠ 全年预算 600,000.00 元" in w and "83.33%" in w for w in after)
    assert not any("万元" in w for w in after)


def test_an_amount_plan_above_the_budget_says_the_excess_does_not_count() -> None:
    warnings = plan_warnings(parse_plan("12-31:600000", 2024), D(500000))
    assert warnings == [
        "计划合计 600,000.00 元 ≠ 全年预算 500,000.00 元：超出预算的部分不计，年末序时进度按 100% 计"
    ]


def test_a_blank_first_checkpoint_followed_by_amounts_is_warned_about() -> None:
    warnings = plan_warnings(parse_plan(SEED_003_YUAN, 2024), D(500000))
    assert warnings == ["第一个检查点 03-31 为空：序时进度从 1 月 1 日起直线增长到 06-30 的计划数"]


def test_a_year_end_checkpoint_below_100_percent_is_warned_about() -> None:
    warnings = plan_warnings(parse_plan("06-30:50%,12-31:90%", 2024), D(1000))
    assert warnings == ["年末检查点为 90%，不到 100%：计划没有要求执行完全年预算"]


def test_an_ordinary_plan_has_no_warning() -> None:
    assert plan_warnings(parse_plan("03-31:25%,06-30:50%,09-30:75%,12-31:100%", 2024), D(1000)) == []
    assert plan_warnings(parse_plan("06-30:1000,12-31:5000", 2024), D(5000)) == []


def test_an_amount_plan_without_a_budget_yet_is_not_compared() -> None:
    assert plan_warnings(parse_plan("06-30:1000,12-31:5000", 2024), D(0)) == []


# ------------------------------------------------------------ 8: quiet Januaries


def test_on_2_january_a_project_with_nothing_spent_is_green_under_the_ratio_rule() -> None:
    planned = planned_rate(checkpoints_for(None, 2024), 2024, dt.date(2024, 1, 2), D(1000))
    assert D("0.5") < planned < D(1)  # 2 of 91 days towards 25%
    assert status(D(0), planned, DEFAULT_RULE) == GREEN


def test_the_ratio_rule_colours_only_beyond_the_minimum_points() -> None:
    # 3.00 points behind (ratio 0%) stays green; 3.01 is red.
    assert status(D(0), D(3), DEFAULT_RULE) == GREEN
    assert status(D(0), D("3.01"), DEFAULT_RULE) == RED
    assert status(D(7), D(10), DEFAULT_RULE) == GREEN  # 70% of plan, but only 3 points behind
    assert status(D("6.9"), D(10), DEFAULT_RULE) == YELLOW  # 69%, 3.1 points behind


def test_a_unit_can_change_the_minimum_points() -> None:
    rule = StatusRule(min_points=D(10))
    assert status(D(1), D(10), rule) == GREEN
    assert status(D(0), D("10.5"), rule) == RED
    assert status(D(0), D("0.5"), StatusRule(min_points=D(0))) == RED


def test_the_points_rule_ignores_the_minimum() -> None:
    strict = StatusRule(POINTS, D(0), D(1), min_points=D(50))
    assert status(D(0), D(2), strict) == RED
    assert status(D(0), D(2), DEFAULT_POINTS_RULE) == GREEN


def test_the_minimum_is_part_of_the_rule_input() -> None:
    assert parse_status_rule("ratio").min_points == D(3)
    assert parse_status_rule("ratio", min_points="5").min_points == D(5)
    with pytest.raises(InvalidInputError, match="最少落后百分点"):
        parse_status_rule("ratio", min_points="-1")
    with pytest.raises(InvalidInputError, match="最少落后百分点"):
        parse_status_rule("ratio", min_points="abc")


def test_a_unit_row_without_a_minimum_has_the_default() -> None:
    row = {"status_rule": "ratio", "yellow": "80", "red": "60", "min_points": None}
    assert rule_of(row).min_points == D(3)
    assert rule_of({**row, "min_points": "7"}).min_points == D(7)


# ------------------------------------------------------ 9: the rule of a total


def _units() -> dict[str, dict[str, object]]:
    def row(
        code: str, parent: str | None, kind: str = "ratio", y: str = "80", r: str = "60"
    ) -> dict[str, object]:
        return {
            "code": code,
            "parent_code": parent,
            "status_rule": kind,
            "yellow": y,
            "red": r,
            "min_points": None,
        }

    return {
        "460001": row("460001", None, "points", "5", "10"),
        "460002": row("460002", "460001"),
        "450001": row("450001", None),
    }


def test_a_total_over_one_units_subtree_uses_that_units_rule() -> None:
    rule, source = total_rule(_units(), "460001", ["460002"])
    assert (rule.kind, source) == (POINTS, "单位 460001")


def test_a_total_without_a_unit_over_one_top_unit_uses_that_units_rule() -> None:
    rule, source = total_rule(_units(), None, ["460001", "460002"])
    assert (rule.kind, source) == (POINTS, "单位 460001")


def test_a_total_over_units_with_different_rules_says_it_used_the_default() -> None:
    rule, source = total_rule(_units(), None, ["460002", "450001"])
    assert rule == DEFAULT_RULE
    assert source == "2 个单位规则不同，用默认规则"
    assert "比例规则" in rule.describe()
    assert "3 个百分点" in rule.describe()


# ------------------------------------------------------- 13: what a bad date says


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2024-13-01", "“2024-13-01”：月份应为 1–12"),
        ("2024-02-30", "“2024-02-30”：2024 年 2 月只有 29 天"),
        ("2023-02-29", "“2023-02-29”：2023 年 2 月只有 28 天"),
        ("2024-04-31", "“2024-04-31”：2024 年 4 月只有 30 天"),
        ("2024-03-00", "“2024-03-00”：日应从 1 开始"),
    ],
)
def test_a_date_that_cannot_exist_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_date(text)
    assert refused.value.message == words
    assert "应写成" not in str(refused.value)


def test_a_checkpoint_date_that_cannot_exist_says_what_is_wrong() -> None:
    with pytest.raises(InvalidInputError, match="“02-30”：2024 年 2 月只有 29 天"):
        parse_plan("02-30:10%,12-31:100%", 2024)
    with pytest.raises(InvalidInputError, match="“13-01”：月份应为 1–12"):
        parse_plan("13-01:10%,12-31:100%", 2024)


def test_a_total_over_no_project_says_it_used_the_default() -> None:
    assert total_rule(_units(), None, []) == (DEFAULT_RULE, "无项目，默认规则")
