"""Spending plans (资金支出计划): cumulative targets at checkpoints.

Real plans differ (seed 002: end of Mar/Jun/Oct/Dec; seed 003: cumulative 万元
amounts with blank checkpoints), so a plan is a list of checkpoints, each a date with
a percentage, an amount in 元, or nothing (blank: it sets no target of its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from tracker.domain.characters import typed_number
from tracker.domain.dates import date_problem
from tracker.domain.errors import InvalidInputError
from tracker.domain.money import FEN, MAX_AMOUNT, WAN, fmt_yuan

FIELD = "资金支出计划"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint: a date and a cumulative percentage or amount (or blank)."""

    date: dt.date
    percent: Decimal | None = None
    amount: Decimal | None = None

    @property
    def is_blank(self) -> bool:
        return self.percent is None and self.amount is None

    def spec(self) -> str:
        """The ``MM-DD:VALUE`` form the CLI takes."""
        value = ""
        if self.percent is not None:
            value = f"{self.percent.normalize():f}%"
        elif self.amount is not None:
            value = fmt_yuan(self.amount)
        return f"{self.date:%m-%d}:{value}"


def default_checkpoints(year: int) -> list[Checkpoint]:
    """25/50/75/100% at the end of each quarter: the plan when none is set."""
    ends = [(3, 31), (6, 30), (9, 30), (12, 31)]
    return [Checkpoint(dt.date(year, m, d), percent=Decimal(25 * (i + 1))) for i, (m, d) in enumerate(ends)]


def plan_spec(checkpoints: list[Checkpoint]) -> str:
    """Render checkpoints back into the comma-separated CLI form."""
    return ",".join(c.spec() for c in checkpoints)


def parse_plan(spec: str, year: int, *, wan: bool = False) -> list[Checkpoint]:
    """Parse ``03-31:25%,06-30:50%,...`` (or amounts, or blanks) and validate it.

    Amounts are in 元, or in 万元 with ``wan`` or a ``万``/``万元`` suffix on the value
    (seed 003 writes its plans in 万元); they are kept in 元 either way."""
    spec = typed_number(spec, FIELD, units=WAN_WORD)
    parts = [p.strip() for p in spec.split(",")]
    if not spec.strip() or any(not p for p in parts):
        raise InvalidInputError("计划不能为空，格式如 03-31:25%,06-30:50%,09-30:75%,12-31:100%", FIELD)
    checkpoints = [_parse_checkpoint(p, year, wan) for p in parts]
    validate_checkpoints(checkpoints, year)
    return checkpoints


WAN_WORD = "万"  # the unit word of a 万元 value, though Unicode counts it a number (10,000)


def _parse_checkpoint(part: str, year: int, wan: bool) -> Checkpoint:
    if ":" not in part:
        raise InvalidInputError(f"“{part}”缺少冒号，格式为 月-日:数值", FIELD)
    day_text, value = (s.strip() for s in part.split(":", 1))
    date = _checkpoint_date(day_text, year)
    if not value:
        return Checkpoint(date)
    if value.endswith(("%", "％")):
        return Checkpoint(date, percent=_number(value[:-1], part))
    in_wan = wan
    if value.endswith(("万", "元")):  # a unit written on the value wins over --wan
        value = value.removesuffix("元")
        in_wan = value.endswith("万")
        value = value.removesuffix("万")
    amount = _number(value, part) * (WAN if in_wan else 1)
    if amount > MAX_AMOUNT:
        raise InvalidInputError(f"“{part}”超出允许的最大金额", FIELD)
    if amount != amount.quantize(FEN):
        limit = "万元金额最多六位小数" if in_wan else "金额最多两位小数"
        raise InvalidInputError(f"“{part}”：{limit}", FIELD)
    return Checkpoint(date, amount=amount.quantize(FEN))


def _checkpoint_date(text: str, year: int) -> dt.date:
    try:
        month, day = (int(x) for x in text.split("-"))
    except ValueError:
        raise InvalidInputError(f"“{text}”不是有效的检查点日期，格式为 月-日（如 03-31）", FIELD) from None
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidInputError(f"“{text}”：{date_problem(year, month, day)}", FIELD) from None


def _number(text: str, part: str) -> Decimal:
    raw = text.strip().replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInputError(f"“{part}”中的数值无效", FIELD) from None
    if "e" in raw.lower() or not value.is_finite() or value < 0:
        raise InvalidInputError(f"“{part}”中的数值必须是直接写出的非负数", FIELD)
    if value > MAX_AMOUNT:
        raise InvalidInputError(f"“{part}”超出允许的最大金额", FIELD)
    return value


def validate_checkpoints(checkpoints: list[Checkpoint], year: int) -> None:
    """Refuse plans that could not be a cumulative schedule for this year."""
    dates = [c.date for c in checkpoints]
    if not dates:
        raise InvalidInputError("计划至少需要一个检查点，且最后一个是年末（12-31）", FIELD)
    if any(d.year != year for d in dates):
        raise InvalidInputError(f"检查点日期必须在 {year} 年内", FIELD)
    if dates != sorted(set(dates)):
        raise InvalidInputError("检查点日期必须按时间先后排列且不能重复", FIELD)
    if dates[-1] != dt.date(year, 12, 31):
        raise InvalidInputError("最后一个检查点必须是年末（12-31）", FIELD)
    if checkpoints[-1].is_blank:
        raise InvalidInputError("年末检查点（12-31）不能为空", FIELD)
    filled = [c for c in checkpoints if not c.is_blank]
    percents = [c.percent for c in filled if c.percent is not None]
    amounts = [c.amount for c in filled if c.amount is not None]
    if percents and amounts:
        raise InvalidInputError("同一计划不能混用百分比和金额", FIELD)
    if any(p > HUNDRED for p in percents):
        raise InvalidInputError("累计百分比不能超过 100%", FIELD)
    for values, what in ((percents, "百分比"), (amounts, "金额")):
        if any(b < a for a, b in pairwise(values)):
            raise InvalidInputError(f"累计{what}不能减少", FIELD)
