"""Performance indicators (绩效指标): levels, and target texts understood.

A target (指标值) is written as text (``≥2400人次``, ``≤60分钟``, ``2024年12月``,
``逐步提高``, ``/``); it is kept as written and parsed into a kind with a number and
a unit, so progress can be scored at year end. The reading rules live in
``indicator_text``; this module decides what a text *is*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tracker.domain.indicator_text import is_not_applicable, normalise, read_deadline, read_quantity

AT_LEAST, AT_MOST, EQUAL = "at_least", "at_most", "equal"
DEADLINE, QUALITATIVE, NOT_APPLICABLE = "deadline", "qualitative", "not_applicable"
KINDS = (AT_LEAST, AT_MOST, EQUAL, DEADLINE, QUALITATIVE, NOT_APPLICABLE)
QUANTITATIVE = frozenset({AT_LEAST, AT_MOST, EQUAL})

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
_SIGNS = frozenset({"≥", "≤", "=", ">", "<"})
# Unit-level (部门整体) tables, as seed 000 (和政县医疗保障局 2024) lays them out.
UNIT_LEVEL1 = ("部门管理", "履职效果", "能力建设")
UNIT_LEVEL2: dict[str, tuple[str, ...]] = {
    "部门管理": ("资金投入", "财务管理", "资产管理"),
    "履职效果": ("部门履职目标", "部门效果目标", "服务对象满意度"),
    "能力建设": ("社会影响", "长效管理", "人力资源管理", "档案管理"),
}


@dataclass(frozen=True)
class Target:
    """A parsed target. ``value`` is in base units (万 multiplied out: ``≥31万人`` gives
    310000 人); ``deadline`` is set for the deadline kind; ``text`` is as written."""

    kind: str
    value: Decimal | None
    unit: str | None
    text: str
    deadline: dt.date | None = None


def parse_target(text: str, year: int | None = None) -> Target:
    """Understand a written target; never fails (unknown forms are qualitative).

    Order matters: "not applicable" first (``无生态成本`` must not become a qualitative
    target that carries weight), then deadlines (``2024年12月`` is not 2024 of unit
    年), then one number with one unit; anything else keeps its wording as qualitative
    (``380元*90%``, ``不低于上年``)."""
    raw = "" if text is None else str(text)
    try:
        return _parse(raw, year)
    except (ValueError, ArithmeticError):  # a safety net: an unreadable text stays as written
        return Target(QUALITATIVE, None, None, raw)


def _parse(raw: str, year: int | None) -> Target:
    s = normalise(raw)
    if is_not_applicable(s):
        return Target(NOT_APPLICABLE, None, None, raw)
    is_deadline, deadline = read_deadline(s, year)
    if is_deadline:
        return Target(DEADLINE, None, None, raw, deadline)
    quantity = read_quantity(s)
    if quantity is not None:
        kind, value, unit = quantity
        return Target(kind, value, unit, raw)
    return Target(QUALITATIVE, None, None, raw)


def parse_actual(text: str | Decimal | None) -> tuple[Decimal | None, str | None]:
    """Read an actual value (实际完成值) as officers write it: ``≥90%`` is 90 %,
    ``31万人`` is 310000 人. Words (``已完成``) give ``(None, None)``: such an actual
    is judged by the officer, not computed."""
    if isinstance(text, Decimal):
        return (text, None) if text.is_finite() else (None, None)
    try:
        s = normalise("" if text is None else str(text))
        quantity = None if read_deadline(s, None)[0] else read_quantity(s)
    except (ValueError, ArithmeticError):
        return None, None
    if quantity is None:
        return None, None
    return quantity[1], quantity[2]


def target_from_columns(nature: str, value: str, unit: str = "", year: int | None = None) -> Target:
    """Seed 001's form splits a target into 指标性质 (``≥``), 指标值 (``358580``) and
    度量单位 (``人``); join them the way the officer meant ``≥358580人``. A nature that
    is no sign (``定量``, or the qualitative text repeated) adds nothing."""
    sign, text, measure = normalise(nature or ""), normalise(value or ""), normalise(unit or "")
    joined = text
    if measure and not text.endswith(measure) and read_quantity(text) is not None:
        joined += measure
    if sign in _SIGNS and text[:1].isdigit():  # "≥" + "≥90%" must not double the sign
        joined = sign + joined
    return parse_target(value or "" if joined == text else joined, year)


def _level_name(text: str) -> str:
    """Seed tables write ``经济效益  指标`` and ``服务对象满意度指标等``: compare the words."""
    return normalise(text or "").removesuffix("等")


def check_levels(level1: str, level2: str, *, unit_level: bool = False) -> list[str]:
    """Warnings (never errors) when levels are not in the standard lists: units may use
    their own wording, but a typo should be noticed before year end."""
    firsts, seconds = (UNIT_LEVEL1, UNIT_LEVEL2) if unit_level else (LEVEL1, LEVEL2)
    one, two = _level_name(level1), _level_name(level2)
    warnings: list[str] = []
    if not one:
        warnings.append("一级指标为空")
    elif one not in firsts:
        warnings.append(f"一级指标“{level1}”不在标准列表（{'、'.join(firsts)}）中")
    if not two:
        warnings.append("二级指标为空")
    elif one in seconds and two not in seconds[one]:
        warnings.append(f"二级指标“{level2}”不在“{one}”的标准列表（{'、'.join(seconds[one])}）中")
    elif one not in seconds and all(two not in names for names in seconds.values()):
        warnings.append(f"二级指标“{level2}”不在标准列表中")
    return warnings
