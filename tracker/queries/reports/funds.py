"""The funds block of the 自评表 (seed 001): 年度资金总额 and its three parts.

    年度资金总额 = 其中：当年财政拨款 + 上年结转资金 + 其他资金

each with 年初预算数 (the 年初预算 appropriations), 全年预算数 and 全年执行数 as of
31 December. What goes where:

- 上年结转资金: the 上年结转 appropriations (kind carryover), and the whole budget of a
  project whose 资金来源 is 上年结转; spending paid from 上年结转 (the payment's source).
- 当年财政拨款: the rest of the budget of a project funded by one of the three 财政拨款
  sources (一般公共预算 / 政府性基金 / 国有资本经营); spending paid from those sources.
- 其他资金: the rest (单位资金, 事业收入, 上级补助 …), budget and spending alike.

A payment follows its own source, as in the public tables; a project that has both a
carry-over and this year's money and pays without naming 上年结转 is counted as paying
from this year's money (the ledger cannot tell otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.domain.money import ZERO, from_fen
from tracker.queries.known import KnownOn
from tracker.queries.reports.ledger import Ledger, load
from tracker.store.readstore import ReadStore

FISCAL_SOURCES = frozenset({"一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"})
CARRYOVER_SOURCE = "上年结转"
TOTAL, FISCAL, CARRYOVER, OTHER = "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"
LABELS = (TOTAL, FISCAL, CARRYOVER, OTHER)


@dataclass
class FundsLine:
    """One line of the funds block, amounts in 分 (converted by the form)."""

    label: str
    initial: int = 0
    budget: int = 0
    spent: int = 0

    def as_yuan(self) -> dict[str, object]:
        return {
            "label": self.label,
            "initial": from_fen(self.initial) if self.initial else ZERO,
            "budget": from_fen(self.budget) if self.budget else ZERO,
            "spent": from_fen(self.spent) if self.spent else ZERO,
        }


def part_of_source(source: str) -> str:
    """Which line money of this 资金来源 belongs to."""
    if source == CARRYOVER_SOURCE:
        return CARRYOVER
    return FISCAL if source in FISCAL_SOURCES else OTHER


def funds_block(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    project_ids: Iterable[str] | None = None,
    known: KnownOn | None = None,
) -> list[dict[str, object]]:
    """The four lines for a unit's subtree, or for some of its projects (``project_ids``);
    as known on ``known`` when given."""
    led = load(read, year, unit, known=known)
    wanted = set(project_ids) if project_ids is not None else set(led.projects)
    lines = {label: FundsLine(label) for label in LABELS}
    _add_budgets(led, wanted, lines)
    for s in led.spending:
        if s.project_id in wanted:
            lines[part_of_source(s.source)].spent += s.fen
    parts = [lines[FISCAL], lines[CARRYOVER], lines[OTHER]]
    total = lines[TOTAL]
    total.initial = sum(p.initial for p in parts)
    total.budget = sum(p.budget for p in parts)
    total.spent = sum(p.spent for p in parts)
    return [lines[label].as_yuan() for label in LABELS]


def _add_budgets(led: Ledger, wanted: set[str], lines: dict[str, FundsLine]) -> None:
    for pid in wanted:
        project = led.projects.get(pid)
        if project is None:
            continue
        carried = led.kind_fen(pid, "carryover")
        own = lines[part_of_source(project.source)]
        lines[CARRYOVER].budget += carried
        own.budget += led.budget_fen(pid) - carried
        own.initial += led.kind_fen(pid, "initial")
