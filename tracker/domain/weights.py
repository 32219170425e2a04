"""Indicator weights (分值) where the target table gives none: the national template.

Seeds 000, 002, 003 and 004 print their targets without 分值; scoring them as 0 would
grade every such project 差. The national self-evaluation template shares the 90
indicator points by 一级: 产出指标 50 (a separate 成本指标 一级 shares these 50), 效益指标
30, 满意度指标 10, each share split equally among that 一级's indicators. A given 分值
always wins; the indicators without one share what their 一级 has left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

GIVEN, TEMPLATE = "分值", "默认模板"
TEMPLATE_SHARES: Mapping[str, Decimal] = {
    "产出指标": Decimal(50),
    "效益指标": Decimal(30),
    "满意度指标": Decimal(10),
}
# 一级 that share another 一级's points in the template.
SHARES_WITH = {"成本指标": "产出指标"}
ZERO = Decimal(0)


class Weighed(Protocol):
    """What weighing needs of an indicator (``IndicatorResult`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def level1(self) -> str: ...
    @property
    def weight(self) -> Decimal | None: ...


def group_of(level1: str, shares: Mapping[str, Decimal]) -> str:
    """The 一级 whose share an indicator draws on (``成本指标`` draws on 产出's 50)."""
    name = (level1 or "").strip().replace(" ", "").removesuffix("等")
    if name in shares:
        return name
    return SHARES_WITH.get(name, name)


def resolve_weights(
    items: Sequence[Weighed], total: Decimal = Decimal(90), shares: Mapping[str, Decimal] | None = None
) -> dict[str, tuple[Decimal, str]]:
    """Each applicable indicator's weight and where it came from (分值 / 默认模板).

    A 一级 outside the template (the 部门整体 tables' 部门管理 / 履职效果 / 能力建设, or a
    unit's own wording) shares what the template 一级 present leave of ``total``,
    equally among such 一级; when nothing is left they weigh nothing."""
    shares = TEMPLATE_SHARES if shares is None else shares
    groups: dict[str, list[Weighed]] = {}
    for item in items:
        groups.setdefault(group_of(item.level1, shares), []).append(item)
    known = [g for g in groups if g in shares]
    others = [g for g in groups if g not in shares]
    left = max(total - sum((shares[g] for g in known), ZERO), ZERO)
    out: dict[str, tuple[Decimal, str]] = {}
    for name, members in groups.items():
        share = shares[name] if name in shares else left / len(others)
        out.update(_share(members, share))
    return out


def _share(members: Sequence[Weighed], share: Decimal) -> dict[str, tuple[Decimal, str]]:
    """Given weights stay; the rest split what the 一级's share has left, equally."""
    given = sum((m.weight for m in members if m.weight is not None), ZERO)
    missing = [m for m in members if m.weight is None]
    each = max(share - given, ZERO) / len(missing) if missing else ZERO
    return {m.id: (m.weight, GIVEN) if m.weight is not None else (each, TEMPLATE) for m in members}


def parse_shares(text: str, total: Decimal = Decimal(90)) -> dict[str, Decimal]:
    """A unit's own 一级 shares as written: ``产出指标=40,效益指标=40,满意度指标=10``.
    They must add up to the indicator points (90), so no share is silently rescaled."""
    from tracker.domain.errors import InvalidInputError

    field = "一级分值"
    out: dict[str, Decimal] = {}
    for part in str(text or "").replace("，", ",").replace("＝", "=").split(","):
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        name = name.strip().replace(" ", "")
        try:
            value = Decimal(number.strip())
        except ArithmeticError:
            value = Decimal("NaN")
        if not sep or not name or not value.is_finite() or value < 0:
            raise InvalidInputError(f"“{part.strip()}”应写成 一级指标=分值，如 产出指标=50", field)
        if name in out:
            raise InvalidInputError(f"一级指标“{name}”写了两次", field)
        out[name] = value
    if not out:
        raise InvalidInputError("请写出各一级指标的分值，如 产出指标=50,效益指标=30,满意度指标=10", field)
    if sum(out.values(), ZERO) != total:
        raise InvalidInputError(f"各一级指标分值合计{sum(out.values(), ZERO)}，应为{total}", field)
    return out
