"""预算调剂: budget moved from one project to another of the same year by a document.

A transfer is one decision with two sides, a ``BudgetTransferredOut`` event on the
project that gives and a ``BudgetTransferredIn`` event on the one that receives, saved
together in one transaction. The rules of the pair are decided here; each side's own
checks (exact positive amount, date in the year, the giver never left with less budget
than spending on any date from the transfer's on) are the project's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol
from uuid import UUID, uuid5

from tracker.domain.errors import InvalidInputError, OverspendError
from tracker.domain.money import fmt_yuan_grouped

TRANSFER_OUT, TRANSFER_IN = "transfer_out", "transfer_in"
TRANSFER_SIGN = {TRANSFER_OUT: -1, TRANSFER_IN: 1}
TRANSFER_LABELS = {TRANSFER_OUT: "调剂调出", TRANSFER_IN: "调剂调入"}


class Side(Protocol):
    """What the pair rules read of each project."""

    @property
    def id(self) -> UUID: ...

    year: int
    code: str
    source: str


def side_id(transfer_id: UUID | str, kind: str) -> UUID:
    """The id of one side's entry (its row in ``rm_appropriations``): fixed by the
    transfer id, so the projector inline and a rebuild give the same id."""
    return uuid5(UUID(str(transfer_id)), kind)


def check_pair(giver: Side, receiver: Side) -> None:
    """Two different projects of one year and one funding source.

    The source must match because the 收支总表 counts each source's income: budget moved
    between sources would turn, say, 政府性基金 money into 一般公共预算 money, which a
    预算调剂 cannot do (that needs a new appropriation and a recall).
    """
    if giver.id == receiver.id:
        raise InvalidInputError("调出项目与调入项目不能相同", "调入项目")
    if giver.year != receiver.year:
        raise InvalidInputError(
            f"调出项目 {giver.code} 属于 {giver.year} 年，调入项目 {receiver.code} 属于 "
            f"{receiver.year} 年：只能在同一预算年度的项目之间调剂",
            "调入项目",
        )
    if giver.source != receiver.source:
        raise InvalidInputError(
            f"调出项目的资金来源为“{giver.source}”，调入项目为“{receiver.source}”："
            "只能在资金来源相同的项目之间调剂",
            "调入项目",
        )


def check_transfer_fits(amount: Decimal, date: dt.date, available: Decimal) -> None:
    """The overspend rule for the giver: like a 调减, a transfer out lowers every date
    from its own on, so it may take at most the lowest headroom from then on."""
    if amount > available:
        raise OverspendError(
            f"调出 {fmt_yuan_grouped(amount)} 元将使调出项目预算低于已支出数："
            f"自 {date} 起最多可调出 {fmt_yuan_grouped(available)} 元",
            "金额",
        )


def check_doc(doc: str) -> None:
    """A 预算调剂 always rests on a document (调剂文件)."""
    if not doc.strip():
        raise InvalidInputError("预算调剂必须填写文号", "文号")
