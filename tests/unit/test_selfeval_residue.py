"""Equal default shares that do not divide evenly (50 / 7) are not "scaled" (seed 003)."""

from __future__ import annotations

from decimal import Decimal

from tracker.domain.indicator import parse_target
from tracker.domain.selfeval import IndicatorResult, evaluate

D = Decimal


def met(ident: str, level1: str) -> IndicatorResult:
    return IndicatorResult(ident, level1, "", f"指标{ident}", parse_target("≥100人", 2024), None, D(100))


def test_seven_output_indicators_share_fifty_without_a_scaling_note() -> None:
    results = [met(str(n), "产出指标") for n in range(7)] + [met("e", "效益指标"), met("s", "满意度指标")]
    ev = evaluate(D(100), D(100), D(100), results)
    assert ev.scale_note is None  # was: 适用指标分值合计90.00分，不等于90.00分，已按系数1.0000折算
    assert ev.scale == 1
    assert ev.total.quantize(D("0.01")) == D("100.00")


def test_weights_that_really_differ_are_still_scaled() -> None:
    results = [IndicatorResult("a", "产出指标", "", "a", parse_target("≥100人", 2024), D(45), D(100))]
    ev = evaluate(D(100), D(100), D(100), results)
    assert ev.scale_note is not None
    assert "45.00" in ev.scale_note
