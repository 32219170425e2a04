"""What may be recorded as an indicator's progress, checked against its target.

A wrong value recorded in June is found only at year end, when the form cannot be
scored or scores the wrong thing; so the recording itself is refused, naming the field:
words against a number, another unit than the target's, a completion typed on a
numeric target (it is computed there), anything on a not-applicable indicator, and
bare words that would wipe the completion an officer chose for a qualitative one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tracker.domain.errors import InvalidInputError
from tracker.domain.indicator import NOT_APPLICABLE, QUANTITATIVE, parse_actual

VALUE, COMPLETION = "实际完成值", "完成程度"


@dataclass(frozen=True)
class TargetFacts:
    """What the check needs of an indicator's target (its read-model row has it)."""

    kind: str
    value: Decimal | None
    unit: str | None
    text: str
    completion: Decimal | None = None  # the completion recorded last, if any


def numeric(target: TargetFacts) -> bool:
    """A target with a number is scored from the actual, never from a typed completion."""
    return target.kind in QUANTITATIVE and target.value is not None


def check_progress(target: TargetFacts, text: str, completion: Decimal | None) -> Decimal | None:
    """The actual's value in the target's base unit (``万`` multiplied out), or None for
    words; raises ``InvalidInputError`` naming the field when the recording cannot stand."""
    if target.kind == NOT_APPLICABLE:
        field = VALUE if text else COMPLETION
        raise InvalidInputError(f"指标值为“{target.text}”（不适用），不记录完成情况", field)
    if numeric(target):
        if completion is not None:
            raise InvalidInputError(
                f"指标值“{target.text}”是数值，完成程度由实际完成值计算，请填写实际完成值而不是 --completion",
                COMPLETION,
            )
        return _numeric_actual(target, text)
    if not text:
        return None
    if completion is None and target.completion is not None:
        raise InvalidInputError(
            f"只写“{text}”会清除已评定的完成程度 {target.completion}%：请同时给出 --completion", COMPLETION
        )
    return parse_actual(text)[0]


def _numeric_actual(target: TargetFacts, text: str) -> Decimal:
    value, unit = parse_actual(text)
    if value is None:
        raise InvalidInputError(f"“{text}”不是数值：指标值“{target.text}”须填写数值", VALUE)
    if unit and (unit != target.unit):
        expected = f"“{target.unit}”" if target.unit else "无单位"
        raise InvalidInputError(f"实际完成值单位“{unit}”与指标值单位{expected}不一致", VALUE)
    if value < 0:
        raise InvalidInputError(f"实际完成值“{text}”不能为负数", VALUE)
    return value
