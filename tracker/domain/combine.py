"""Combining several projects' indicators into one form (seed 004's 汇总, note 2).

Absolute quantities add up; ratios are averaged weighted by each part's funding (the
targets as well as the actuals); a deadline or a qualitative indicator is met only
when every part met it. Indicators that mean the same thing under different names are
grouped only when the officer says so (``same``); otherwise the 三级 name groups them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain.indicator import AT_LEAST, AT_MOST, DEADLINE, NOT_APPLICABLE, QUALITATIVE, QUANTITATIVE
from tracker.domain.selfeval import HUNDRED, SelfEvaluationError, combine_quantities, show_points

SIGNS = {AT_LEAST: "≥", AT_MOST: "≤"}
WAN = Decimal(10000)


@dataclass(frozen=True)
class Part:
    """One project's indicator, with the project's funding (its 全年预算数)."""

    id: str
    project: str
    funding: Decimal
    level1: str
    level2: str
    name: str
    kind: str
    value: Decimal | None
    unit: str | None
    target_text: str
    deadline: dt.date | None = None
    weight: Decimal | None = None
    actual_value: Decimal | None = None
    actual_text: str = ""
    completion: Decimal | None = None
    achieved_on: dt.date | None = None


@dataclass(frozen=True)
class Combined:
    """One row of the combined form; ``parts`` are the ids it was made of."""

    id: str
    level1: str
    level2: str
    name: str
    kind: str
    value: Decimal | None
    unit: str | None
    target_text: str
    deadline: dt.date | None
    weight: Decimal | None
    actual_value: Decimal | None
    actual_text: str
    completion: Decimal | None
    achieved_on: dt.date | None
    parts: tuple[str, ...]
    projects: tuple[str, ...]


def _key(name: str) -> str:
    return "".join((name or "").split())


def group_parts(parts: Sequence[Part], same: Sequence[Sequence[str]] = ()) -> list[list[Part]]:
    """Groups by 三级 name, except the ids the officer grouped explicitly."""
    by_id = {p.id: p for p in parts}
    taken: dict[str, int] = {}
    groups: list[list[Part]] = []
    for ids in same:
        members = []
        for i in ids:
            if i not in by_id:
                raise SelfEvaluationError(f"指标 {i} 不在汇总范围内", "--same")
            if i in taken:
                raise SelfEvaluationError(f"指标 {i} 在 --same 中出现了两次", "--same")
            taken[i] = len(groups)
            members.append(by_id[i])
        groups.append(members)
    by_name: dict[str, int] = {}
    for p in parts:
        if p.id in taken:
            continue
        index = by_name.setdefault(_key(p.name), len(groups))
        if index == len(groups):
            groups.append([])
        groups[index].append(p)
    return groups


def combine_indicators(parts: Sequence[Part], same: Sequence[Sequence[str]] = ()) -> list[Combined]:
    """Every group combined into one row, in the order the groups first appear."""
    return [_combine(group) for group in group_parts(parts, same) if group]


def _combine(group: list[Part]) -> Combined:
    live = [p for p in group if p.kind != NOT_APPLICABLE] or group
    first = live[0]
    kinds = {p.kind for p in live}
    if len(kinds) > 1:
        raise SelfEvaluationError(f"“{first.name}”各项目的指标类型不一致，不能汇总", first.name)
    weights = {p.weight for p in live}
    base: dict[str, Any] = {
        "id": first.id,
        "level1": first.level1,
        "level2": first.level2,
        "name": first.name,
        "kind": first.kind,
        "weight": weights.pop() if len(weights) == 1 else None,
        "parts": tuple(p.id for p in group),
        "projects": tuple(dict.fromkeys(p.project for p in group)),
    }
    if first.kind in QUANTITATIVE and all(p.value is not None for p in live):
        return _quantities(live, base)
    if first.kind == DEADLINE:
        return _deadlines(live, base)
    words = "；".join(dict.fromkeys(p.actual_text for p in live if p.actual_text))
    texts = "；".join(dict.fromkeys(p.target_text for p in live))
    kind = first.kind if first.kind in (QUALITATIVE, NOT_APPLICABLE) else QUALITATIVE
    return Combined(
        **{**base, "kind": kind},
        value=None,
        unit=None,
        target_text=texts,
        deadline=None,
        actual_value=None,
        actual_text=words,
        completion=_weakest(live),
        achieved_on=None,
    )


def _weakest(parts: Sequence[Part]) -> Decimal | None:
    """Met only when all are met: the combined completion is the lowest part's."""
    chosen = [p.completion for p in parts]
    return None if any(c is None for c in chosen) else min(c for c in chosen if c is not None)


def _quantities(parts: list[Part], base: dict[str, Any]) -> Combined:
    units = {p.unit for p in parts}
    if len(units) > 1:
        name = parts[0].name
        raise SelfEvaluationError(f"“{name}”各项目的单位不一致（{' / '.join(str(u) for u in units)}）", name)
    unit = parts[0].unit
    target = combine_quantities([(p.value or Decimal(0), p.funding) for p in parts], unit)
    have = [p for p in parts if p.actual_value is not None]
    actual = combine_quantities([(p.actual_value or Decimal(0), p.funding) for p in have], unit)
    actual = actual if len(have) == len(parts) else None
    return Combined(
        **base,
        value=target,
        unit=unit,
        target_text=f"{SIGNS.get(str(base['kind']), '')}{amount_text(target, unit)}",
        deadline=None,
        actual_value=actual,
        actual_text="" if actual is None else amount_text(actual, unit),
        completion=None,
        achieved_on=None,
    )


def _deadlines(parts: list[Part], base: dict[str, Any]) -> Combined:
    deadlines = [p.deadline for p in parts if p.deadline is not None]
    latest = max(deadlines) if deadlines else None
    on_time = all(p.achieved_on and p.deadline and p.achieved_on <= p.deadline for p in parts)
    done = [p.achieved_on for p in parts if p.achieved_on]
    met = sum(1 for p in parts if p.achieved_on and p.deadline and p.achieved_on <= p.deadline)
    return Combined(
        **base,
        value=None,
        unit=None,
        target_text="；".join(dict.fromkeys(p.target_text for p in parts)),
        deadline=latest,
        actual_value=None,
        actual_text="全部按期完成" if on_time else f"{met}/{len(parts)} 个项目按期完成",
        completion=HUNDRED if on_time else _weakest(parts),
        achieved_on=max(done) if on_time and done else None,
    )


def amount_text(value: Decimal | None, unit: str | None) -> str:
    """Two decimals at most (never 28 digits); 元 amounts in 万元 as the forms print them."""
    if value is None:
        return ""
    if unit == "元":
        return f"{_two(value / WAN)}万元"
    return f"{_two(value)}{unit or ''}"


def _two(value: Decimal) -> str:
    text = show_points(value)
    return text[:-3] if text.endswith(".00") else text
