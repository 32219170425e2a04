"""One budget line of the demo unit (``tracker demo``), in the words of the published tables."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoProject:
    """One budget project of the demo unit, in the words of the published tables."""

    code: str
    name: str
    expenditure_type: str  # 项目支出 / 基本支出-人员经费 / 基本支出-公用经费
    functional: str  # 支出功能分类 项 (7 digits)
    economic: str  # 部门经济分类 (3 or 5 digits)
    source: str  # 资金来源
    budget_wan: str  # 预算数, 万元 (as printed, or to the 元 where the print is rounded)
    plan_spec: str  # 资金支出计划 in the CLI form MM-DD:VALUE,...
    owner: str  # 负责人 ("" when not printed)
    purpose: str  # 资金用途

    @property
    def budget_yuan(self) -> Decimal:
        """预算数 in 元, exact (万元 × 10000)."""
        return (Decimal(self.budget_wan) * 10000).quantize(Decimal("0.01"))
