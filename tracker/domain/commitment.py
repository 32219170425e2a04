"""合同/采购 commitments (encumbrances): money a signed contract has promised but that is
not paid yet. A commitment reserves budget: nothing new (a payment, another
commitment, a 调减/收回, a transfer out) may use money that is committed on any date
from its own on; execution rates stay on payments.

The state lives on the ``Project`` aggregate (``commitments`` and
``committed_by_day``); the pure rules on it are here, so the aggregate keeps thin
``@event`` methods. Each commitment entry is a plain dict (snapshots stay JSON):

``amount``, ``date``, ``contract``, ``supplier``, ``drawn`` (paid against it, net of
reversals), ``released`` and ``moves``: its committed balance's change per ISO day
(+amount on its date, −draw on a payment's date, −release, +restore on a reversal's
date), from which "open from a day on" is computed like the project's headroom.
``draws`` keeps how much each payment drew (net), so a reversal gives that part back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError
from tracker.domain.money import ZERO, check_exact_positive, fmt_yuan_grouped

FIELD = "合同"
Entry = dict[str, Any]


def draw_id(entry_id: UUID | str) -> UUID:
    """The id of the committed-money move that a payment (or a reversal) makes on its
    commitment: fixed by the payment's (reversal's) id, inline and in a rebuild."""
    return uuid5(UUID(str(entry_id)), "commitment")


def lowest_from(day: dt.date, total: Decimal, changes: Mapping[str, Decimal]) -> Decimal:
    """The least running balance on any date from ``day`` to the year end, where
    ``total`` is the balance after every change and ``changes`` the net change per ISO
    day. Only the days after ``day`` are walked: the balance at the end of ``day`` is
    the total minus the later days' changes."""
    iso = day.isoformat()
    later = sorted(d for d in changes if d > iso)
    steps = [changes[d] for d in later]
    running = total - sum(steps, ZERO)
    lowest = running
    for step in steps:
        running += step
        lowest = min(lowest, running)
    return lowest


def new_entry(amount: Decimal, date: dt.date, contract: str, supplier: str) -> Entry:
    """The state of a commitment just recorded."""
    return {
        "amount": amount,
        "date": date,
        "contract": contract,
        "supplier": supplier,
        "drawn": ZERO,
        "released": ZERO,
        "moves": {date.isoformat(): amount},
        "draws": {},
    }


def open_total(entry: Entry) -> Decimal:
    """What is still committed after every recorded move, whatever its date."""
    return Decimal(entry["amount"]) - entry["drawn"] - entry["released"]


def open_from(entry: Entry, day: dt.date) -> Decimal:
    """The least that this commitment still holds on any date from ``day`` on: a draw
    or a release dated ``day`` lowers every later date, so it may take at most this."""
    return max(lowest_from(day, open_total(entry), entry["moves"]), ZERO)


def move(entry: Entry, by_day: dict[str, Decimal], day: dt.date, change: Decimal) -> None:
    """Apply a change of committed money on ``day`` to the entry and the project."""
    iso = day.isoformat()
    entry["moves"][iso] = entry["moves"].get(iso, ZERO) + change
    by_day[iso] = by_day.get(iso, ZERO) + change


def check_contract(contract: str) -> None:
    """A commitment always names its contract (合同/采购 document)."""
    if not contract.strip():
        raise InvalidInputError("合同不能为空：请填写合同名称或编号", FIELD)


def check_commitment_fits(amount: Decimal, date: dt.date, available: Decimal) -> None:
    """A commitment may take at most what is neither paid nor committed on any date from
    its own on (``Project.available_from``)."""
    if amount > available:
        raise OverspendError(
            f"合同金额 {fmt_yuan_grouped(amount)} 元超出可用预算：截至 {date}（及以后各日）"
            f"未支付且未被合同占用的余额为 {fmt_yuan_grouped(available)} 元",
            "金额",
        )


def held_note(held: Decimal) -> str:
    """The part of a refusal that names the committed money it could not use."""
    return f"（另有已签合同未支付 {fmt_yuan_grouped(held)} 元）" if held > 0 else ""


def usable(commitments: Mapping[str, Entry], commitment_id: UUID, code: str, day: dt.date) -> Entry:
    """The commitment a payment dated ``day`` draws on: of this project, not before the
    payment, with something still open from ``day`` on."""
    entry = commitments.get(str(commitment_id))
    if entry is None:
        raise NotFoundError(f"项目 {code} 中没有合同 {commitment_id}", FIELD)
    if day < entry["date"]:
        raise InvalidInputError(f"支付日期 {day} 早于合同日期 {entry['date']}", "日期")
    if open_from(entry, day) <= 0:
        raise InvalidInputError(f"合同 {commitment_id} 已无未支付余额（已全部支付或解除）", FIELD)
    return entry


def release_amount(
    entry: Entry, commitment_id: UUID, amount: Decimal | None, day: dt.date, reason: str
) -> Decimal:
    """How much a release (解除/核减) dated ``day`` frees: ``amount``, or all that is open
    from ``day`` on; refused beyond that, before the commitment's date, or without a reason."""
    if day < entry["date"]:
        raise InvalidInputError(f"解除日期 {day} 早于合同日期 {entry['date']}", "日期")
    if not reason.strip():
        raise InvalidInputError("解除合同占用必须说明原因", "原因")
    left = open_from(entry, day)
    if left <= 0:
        raise InvalidInputError(f"合同 {commitment_id} 已无未支付余额（已全部支付或解除）", FIELD)
    if amount is None:
        return left
    check_exact_positive(amount)
    if amount > left:
        raise InvalidInputError(
            f"解除 {fmt_yuan_grouped(amount)} 元超过该合同自 {day} 起未支付的 {fmt_yuan_grouped(left)} 元",
            "金额",
        )
    return amount


def drawn_by(commitments: Mapping[str, Entry], payment_id: UUID) -> tuple[str, Decimal] | None:
    """The commitment a payment drew on and how much of it is still drawn (net of
    earlier reversals), or None for a plain payment."""
    key = str(payment_id)
    for commitment_id, entry in commitments.items():
        if key in entry["draws"]:
            return commitment_id, entry["draws"][key]
    return None


def parse_commitment_id(value: str | UUID) -> UUID:
    """A commitment id as typed (a UUID), refused naming 合同 otherwise."""
    try:
        return UUID(str(value).strip())
    except ValueError:
        raise NotFoundError(f"合同编号 {value} 格式无效", FIELD) from None
