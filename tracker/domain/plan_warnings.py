"""Plans that are accepted but probably not what the officer meant.

Three plans are valid yet easy to get wrong, so they are kept and the officer is told
(after ``tracker plan``, in ``show``, ``status``, ``progress``, the plan form and the
project page):

- a blank first checkpoint followed by amounts: the planned rate then grows from 0 on
  1 January straight to the first filled checkpoint;
- ``12-31:90%``: the plan itself does not ask for the whole budget to be spent;
- an amount plan whose 31 December checkpoint differs from the full-year budget
  (计划合计 ≠ 全年预算): typed in 元 when the figures were 万元, or the budget was
  changed later (追加/调减) and the plan was not.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tracker.domain.money import fmt_yuan_grouped
from tracker.domain.plan import HUNDRED, Checkpoint


def plan_warnings(checkpoints: Sequence[Checkpoint], budget: Decimal | None) -> list[str]:
    """What to tell the officer about a plan, given the budget on 31 December (``None``
    or 0 when there is none yet: then the totals are not compared)."""
    if not checkpoints:
        return []
    out = []
    filled = [c for c in checkpoints if not c.is_blank]
    amounts = any(c.amount is not None for c in filled)
    if checkpoints[0].is_blank and amounts and filled:
        out.append(
            f"第一个检查点 {checkpoints[0].date:%m-%d} 为空：序时进度从 1 月 1 日起"
            f"直线增长到 {filled[0].date:%m-%d} 的计划数"
        )
    last = checkpoints[-1]
    if last.percent is not None and last.percent < HUNDRED:
        out.append(f"年末检查点为 {last.percent.normalize():f}%，不到 100%：计划没有要求执行完全年预算")
    if last.amount is not None and budget and last.amount != budget:
        out.append(_total_differs(last.amount, budget))
    return out


def _total_differs(total: Decimal, budget: Decimal) -> str:
    text = f"计划合计 {fmt_yuan_grouped(total)} 元 ≠ 全年预算 {fmt_yuan_grouped(budget)} 元"
    if total < budget:
        reach = (total / budget * HUNDRED).quantize(Decimal("0.01"))
        hint = "（计划若以万元填写，请按万元录入）" if total * HUNDRED < budget else ""
        return f"{text}：计划到年末只达到预算的 {reach}%{hint}"
    return f"{text}：超出预算的部分不计，年末序时进度按 100% 计"
