"""Weights from the national template where a target table gives no 分值 (issue 12, point 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tracker.domain.indicator import parse_target
from tracker.domain.selfeval import IndicatorResult, evaluate
from tracker.domain.weights import GIVEN, TEMPLATE

D = Decimal


def met(ident: str, level1: str, weight: str | None = None, target: str = "≥100人") -> IndicatorResult:
    return IndicatorResult(
        ident,
        level1,
        "",
        f"指标{ident}",
        parse_target(target, 2024),
        None if weight is None else D(weight),
        D(100),
    )


def weights(results: list[IndicatorResult], **kw: object) -> dict[str, tuple[Decimal, str]]:
    ev = evaluate(D(100), D(100), D(100), results, **kw)  # type: ignore[arg-type]
    return {line.id: (line.scaled_weight, line.weight_source) for line in ev.lines}


def test_a_table_without_weights_scores_on_the_template_instead_of_zero() -> None:
    results = [met("a", "产出指标"), met("b", "产出指标"), met("c", "效益指标"), met("d", "满意度指标")]
    ev = evaluate(D(100), D(100), D(100), results)
    assert ev.total == D(100)
    assert ev.grade == "优"
    assert ev.scale_note is None
    assert weights(results) == {
        "a": (D(25), TEMPLATE),
        "b": (D(25), TEMPLATE),
        "c": (D(30), TEMPLATE),
        "d": (D(10), TEMPLATE),
    }


def test_a_separate_cost_level_shares_the_output_fifty() -> None:
    results = [met("a", "产出指标"), met("k", "成本指标"), met("c", "效益指标"), met("d", "满意度指标")]
    assert weights(results)["a"] == (D(25), TEMPLATE)
    assert weights(results)["k"] == (D(25), TEMPLATE)


def test_given_weights_stay_and_the_rest_share_what_their_level_has_left() -> None:
    results = [met("a", "产出指标", "30"), met("b", "产出指标"), met("c", "效益指标"), met("d", "满意度指标")]
    assert weights(results)["a"] == (D(30), GIVEN)
    assert weights(results)["b"] == (D(20), TEMPLATE)


def test_not_applicable_rows_take_no_share() -> None:
    results = [
        met("a", "产出指标"),
        met("n", "产出指标", target="/"),
        met("c", "效益指标"),
        met("d", "满意度指标"),
    ]
    assert weights(results)["a"] == (D(50), TEMPLATE)
    assert weights(results)["n"][0] == D(0)


def test_a_missing_level_is_scaled_to_ninety_and_says_so() -> None:
    ev = evaluate(D(100), D(100), D(100), [met("a", "产出指标"), met("c", "效益指标")])
    assert ev.total == D(100)
    assert ev.scale_note is not None
    assert "80.00" in ev.scale_note


def test_unit_level_tables_share_ninety_among_their_own_levels() -> None:
    results = [met("a", "部门管理"), met("b", "履职效果"), met("c", "履职效果")]
    assert weights(results) == {
        "a": (D(45), TEMPLATE),
        "b": (D("22.5"), TEMPLATE),
        "c": (D("22.5"), TEMPLATE),
    }


def test_a_unit_may_set_other_level_shares() -> None:
    shares = {"产出指标": D(40), "效益指标": D(40), "满意度指标": D(10)}
    results = [met("a", "产出指标"), met("c", "效益指标"), met("d", "满意度指标")]
    assert weights(results, shares=shares)["c"] == (D(40), TEMPLATE)


@pytest.mark.parametrize("level1", ["产出指标 ", "产出 指标"])
def test_level_names_with_stray_spaces_still_find_their_share(level1: str) -> None:
    assert weights([met("a", level1), met("c", "效益指标"), met("d", "满意度指标")])["a"] == (D(50), TEMPLATE)
