"""Budget project (预算项目) of one fiscal year: its appropriations, payments and plan.

The aggregate holds the invariants that protect public money: amounts are positive
and exact, dates lie in the fiscal year, spending never exceeds the budget on any date
(back-dated payments and reductions are checked against every later date too), and a
reversal never returns more than is left of its payment. Public command methods
validate and refuse with a ``TrackerError``; only then do the private ``@event``
methods record and apply the change, so a refused command leaves no trace.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from tracker.domain import commitment as cm
from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError
from tracker.domain.ids import project_id
from tracker.domain.money import ZERO, check_exact_positive, fmt_yuan_grouped
from tracker.domain.plan import Checkpoint, validate_checkpoints
from tracker.domain.reallocation import (
    TRANSFER_IN,
    TRANSFER_LABELS,
    TRANSFER_OUT,
    TRANSFER_SIGN,
    check_doc,
    check_transfer_fits,
    side_id,
)

# Appropriation kinds (指标下达) and the direction each moves the budget.
INITIAL, ADD, REDUCE, CARRYOVER, RECALL = "initial", "add", "reduce", "carryover", "recall"
KIND_SIGN = {INITIAL: 1, ADD: 1, CARRYOVER: 1, REDUCE: -1, RECALL: -1}
KIND_LABELS = {
    INITIAL: "年初预算",
    ADD: "追加",
    REDUCE: "调减",
    CARRYOVER: "上年结转",
    RECALL: "收回",
}

# Every kind an entry of the budget can have, for display: the appropriation kinds
# above (what ``budget`` accepts) and the two sides of a 预算调剂.
LEDGER_KIND_LABELS = {**KIND_LABELS, **TRANSFER_LABELS}

Request = dict[str, Any] | None


def check_payment_fits(amount: Decimal, date: dt.date, available: Decimal, held: Decimal = ZERO) -> None:
    """The overspend rule, decided here only: a payment dated ``date`` may take at most
    ``available``, the least budget left on any date from ``date`` to the year end
    (``Project.available_from``), since it lowers every one of those dates.

    ``Project.pay`` applies it; the import's fast path runs ``Project.pay`` itself and
    only answers ``available_from`` faster (``tracker.importing.headroom``, checked
    against ``Project.available_from``), so both refuse exactly the same payments.
    ``held`` is the committed money (已签合同未支付) the payment may not use, named in
    the refusal.
    """
    if amount > available:
        raise OverspendError(
            f"支付 {fmt_yuan_grouped(amount)} 元超出可用预算：截至 {date}（及以后各日）"
            f"可用余额为 {fmt_yuan_grouped(available)} 元{cm.held_note(held)}",
            "金额",
        )


def check_cut_fits(kind: str, amount: Decimal, date: dt.date, available: Decimal) -> None:
    """The same rule for a reduction or recall of the budget (调减/收回): it lowers every
    date from its own on, so it may take at most what is left on the lowest of them."""
    if KIND_SIGN[kind] < 0 and amount > available:
        raise OverspendError(
            f"{KIND_LABELS[kind]} {fmt_yuan_grouped(amount)} 元将使预算低于已支出数："
            f"自 {date} 起最多可{KIND_LABELS[kind]} {fmt_yuan_grouped(available)} 元",
            "金额",
        )


class Project(Aggregate):
    """A project's ledger for one fiscal year; its id comes from (year, code)."""

    # Version 2 holds commitments (合同/采购); a version-1 snapshot gains them empty.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("commitments", {})
        state.setdefault("committed_by_day", {})

    @staticmethod
    def create_id(year: int, code: str) -> UUID:
        return project_id(year, code)

    @event("Registered")
    def __init__(
        self,
        year: int,
        code: str,
        name: str,
        unit_code: str,
        expenditure_type: str,
        functional: str | None,
        economic: str | None,
        source: str,
        owner: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        self.year = year
        self.code = code
        self.name = name
        self.unit_code = unit_code
        self.expenditure_type = expenditure_type
        self.functional = functional
        self.economic = economic
        self.source = source
        self.owner = owner
        self.plan: list[Checkpoint] | None = None
        self.appropriations: list[dict[str, Any]] = []
        self.payments: dict[str, dict[str, Any]] = {}
        # Net change per business day (ISO date keys keep snapshots JSON-friendly).
        self.budget_by_day: dict[str, Decimal] = {}
        self.spent_by_day: dict[str, Decimal] = {}
        # 合同/采购 commitments by id, and their net change per day (tracker.domain.commitment).
        self.commitments: dict[str, cm.Entry] = {}
        self.committed_by_day: dict[str, Decimal] = {}

    # ----------------------------------------------------------------- figures

    @property
    def budget(self) -> Decimal:
        """全年预算数 A so far: every appropriation recorded, whatever its date."""
        return sum(self.budget_by_day.values(), ZERO)

    @property
    def disbursed(self) -> Decimal:
        """全年执行数 B so far: payments minus reversals."""
        return sum(self.spent_by_day.values(), ZERO)

    @property
    def committed(self) -> Decimal:
        """Open commitments (已签合同未支付) after every recorded move."""
        return sum(self.committed_by_day.values(), ZERO)

    def available_from(self, day: dt.date, *, commitments: bool = True) -> Decimal:
        """The least budget left, neither paid nor committed, on any date from ``day``
        to the year end (``commitments=False``: ignoring commitments).

        A change dated ``day`` affects every later date, so it must fit under the
        lowest headroom from then on, not just the headroom on ``day``.
        Only the days after ``day`` are walked (most payments are dated today, so
        there are few or none): the headroom at the end of ``day`` is the whole
        balance minus the later days' net changes.
        """
        iso = day.isoformat()
        budget, spent = self.budget_by_day, self.spent_by_day
        held = self.committed_by_day if commitments else {}
        later = sorted(d for d in budget.keys() | spent.keys() | held.keys() if d > iso)
        changes = [budget.get(d, ZERO) - spent.get(d, ZERO) - held.get(d, ZERO) for d in later]
        running = (
            self.budget - self.disbursed - (self.committed if commitments else ZERO) - sum(changes, ZERO)
        )
        lowest = running
        for change in changes:
            running += change
            lowest = min(lowest, running)
        return lowest

    def held_from(self, day: dt.date) -> Decimal:
        """How much of the headroom from ``day`` on is held by commitments (for refusals)."""
        return self.available_from(day, commitments=False) - self.available_from(day)

    # ---------------------------------------------------------------- commands

    def appropriate(
        self,
        appropriation_id: UUID,
        kind: str,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        """Record 年初预算 / 追加 / 调减 / 上年结转 / 收回 ; refuse cuts below spending."""
        check_exact_positive(amount)
        if kind not in KIND_SIGN:
            choices = "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items())
            raise InvalidInputError(f"“{kind}”不是有效的预算类型，可选：{choices}", "类型")
        self._check_date(date)
        if KIND_SIGN[kind] < 0:
            check_cut_fits(kind, amount, date, self.available_from(date))
        self._appropriated(appropriation_id, kind, amount, date, doc, user, note, request)

    def pay(
        self,
        payment_id: UUID,
        amount: Decimal,
        date: dt.date,
        payee: str,
        economic: str | None,
        voucher: str,
        source: str | None,
        user: str,
        note: str = "",
        request: Request = None,
        commitment_id: UUID | None = None,
    ) -> None:
        """Record a payment (支付); refuse it if it would exceed the budget on any date.

        A plain payment may not use committed money. Against a commitment it first
        uses that commitment's open remainder (``CommitmentDrawn``, saved with it); only
        the excess must fit the free headroom."""
        check_exact_positive(amount)
        self._check_date(date)
        if not payee.strip():
            raise InvalidInputError("收款人不能为空", "收款人")
        if str(payment_id) in self.payments:
            raise InvalidInputError(f"支付 {payment_id} 已存在", "支付编号")
        draw = ZERO
        if commitment_id is not None:
            draw = min(
                amount, cm.open_from(cm.usable(self.commitments, commitment_id, self.code, date), date)
            )
        available = self.available_from(date)
        if amount - draw > available:
            check_payment_fits(amount - draw, date, available, self.held_from(date))
        self._paid(
            payment_id,
            amount,
            date,
            payee.strip(),
            economic or self.economic,
            voucher,
            source or self.source,
            user,
            note,
            request,
        )
        if commitment_id is not None:
            self._drawn(commitment_id, payment_id, draw, date, user)

    def commit(
        self,
        commitment_id: UUID,
        amount: Decimal,
        date: dt.date,
        contract: str,
        supplier: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        """Record a commitment (合同/采购); refused beyond what is neither paid nor
        committed on any date from ``date`` on."""
        check_exact_positive(amount)
        self._check_date(date)
        cm.check_contract(contract)
        if str(commitment_id) in self.commitments:
            raise InvalidInputError(f"合同占用 {commitment_id} 已存在", cm.FIELD)
        cm.check_commitment_fits(amount, date, self.available_from(date))
        self._committed(commitment_id, amount, date, contract.strip(), supplier.strip(), user, note, request)

    def release_commitment(
        self,
        release_id: UUID,
        commitment_id: UUID,
        amount: Decimal | None,
        date: dt.date,
        reason: str,
        user: str,
        request: Request = None,
    ) -> Decimal:
        """Release (解除) all or part of what a commitment still holds; returns the amount."""
        entry = self.commitments.get(str(commitment_id))
        if entry is None:
            raise NotFoundError(f"项目 {self.code} 中没有合同 {commitment_id}", cm.FIELD)
        self._check_date(date)
        value = cm.release_amount(entry, commitment_id, amount, date, reason)
        self._released(release_id, commitment_id, value, date, reason.strip(), user, request)
        return value

    def reverse(
        self,
        reversal_id: UUID,
        payment_id: UUID,
        amount: Decimal | None,
        date: dt.date,
        reason: str,
        user: str,
        request: Request = None,
    ) -> Decimal:
        """Reverse (冲销/退回) all or part of a payment; returns the amount reversed."""
        payment = self.payments.get(str(payment_id))
        if payment is None:
            raise NotFoundError(f"项目 {self.code} 中没有支付 {payment_id}", "支付编号")
        self._check_date(date)
        if date < payment["date"]:
            raise InvalidInputError(f"冲销日期 {date} 早于原支付日期 {payment['date']}", "日期")
        if not reason.strip():
            raise InvalidInputError("冲销必须说明原因", "原因")
        left = payment["amount"] - payment["reversed"]
        if amount is None:
            amount = left
        else:
            check_exact_positive(amount)
        if left <= 0:
            raise InvalidInputError(f"支付 {payment_id} 已全部冲销", "金额")
        if amount > left:
            raise InvalidInputError(
                f"冲销 {fmt_yuan_grouped(amount)} 元超过该笔支付尚未冲销的 {fmt_yuan_grouped(left)} 元",
                "金额",
            )
        self._reversed(reversal_id, payment_id, amount, date, reason.strip(), user, request)
        drawn = cm.drawn_by(self.commitments, payment_id)
        if drawn is not None and drawn[1] > 0:  # the drawn part returns to its commitment first
            self._restored(UUID(drawn[0]), reversal_id, payment_id, min(amount, drawn[1]), date, user)
        return amount

    def set_plan(
        self, checkpoints: list[Checkpoint], user: str, note: str = "", request: Request = None
    ) -> None:
        """Replace the spending plan; the old version stays in the history."""
        validate_checkpoints(checkpoints, self.year)
        self._plan_set(list(checkpoints), user, note, request)

    def transfer_out(
        self,
        transfer_id: UUID,
        to_code: str,
        to_project: UUID,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        """The giving side of a 预算调剂; refused if spending would exceed the budget
        left on any date from ``date`` on (``tracker.domain.reallocation``)."""
        check_exact_positive(amount)
        self._check_date(date)
        check_doc(doc)
        check_transfer_fits(amount, date, self.available_from(date))
        self._transferred_out(transfer_id, to_code, to_project, amount, date, doc, user, note, request)

    def transfer_in(
        self,
        transfer_id: UUID,
        from_code: str,
        from_project: UUID,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str = "",
    ) -> None:
        """The receiving side of a 预算调剂 (its request id is kept on the giving side)."""
        check_exact_positive(amount)
        self._check_date(date)
        check_doc(doc)
        self._transferred_in(transfer_id, from_code, from_project, amount, date, doc, user, note)

    def _check_date(self, date: dt.date) -> None:
        if date.year != self.year:
            raise InvalidInputError(f"日期 {date} 不在项目 {self.code} 的预算年度 {self.year} 年内", "日期")

    # ------------------------------------------------------------------ events

    @event("BudgetAppropriated")
    def _appropriated(
        self,
        appropriation_id: UUID,
        kind: str,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        signed = amount * KIND_SIGN[kind]
        iso = date.isoformat()
        self.budget_by_day[iso] = self.budget_by_day.get(iso, ZERO) + signed
        self.appropriations.append(
            {"id": str(appropriation_id), "kind": kind, "amount": amount, "date": date, "doc": doc}
        )

    @event("PaymentRecorded")
    def _paid(
        self,
        payment_id: UUID,
        amount: Decimal,
        date: dt.date,
        payee: str,
        economic: str | None,
        voucher: str,
        source: str,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        iso = date.isoformat()
        self.spent_by_day[iso] = self.spent_by_day.get(iso, ZERO) + amount
        self.payments[str(payment_id)] = {
            "amount": amount,
            "reversed": ZERO,
            "date": date,
            "payee": payee,
            "economic": economic,
            "voucher": voucher,
            "source": source,
        }

    @event("PaymentReversed")
    def _reversed(
        self,
        reversal_id: UUID,
        payment_id: UUID,
        amount: Decimal,
        date: dt.date,
        reason: str,
        user: str,
        request: Request,
    ) -> None:
        iso = date.isoformat()
        self.spent_by_day[iso] = self.spent_by_day.get(iso, ZERO) - amount
        payment = self.payments[str(payment_id)]
        payment["reversed"] = payment["reversed"] + amount

    @event("BudgetTransferredOut")
    def _transferred_out(
        self,
        transfer_id: UUID,
        to_code: str,
        to_project: UUID,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        self._move_budget(transfer_id, TRANSFER_OUT, amount, date, doc)

    @event("BudgetTransferredIn")
    def _transferred_in(
        self,
        transfer_id: UUID,
        from_code: str,
        from_project: UUID,
        amount: Decimal,
        date: dt.date,
        doc: str,
        user: str,
        note: str,
    ) -> None:
        self._move_budget(transfer_id, TRANSFER_IN, amount, date, doc)

    def _move_budget(self, transfer_id: UUID, kind: str, amount: Decimal, date: dt.date, doc: str) -> None:
        """A transfer's side changes the budget on its date, as an appropriation does."""
        iso = date.isoformat()
        self.budget_by_day[iso] = self.budget_by_day.get(iso, ZERO) + amount * TRANSFER_SIGN[kind]
        self.appropriations.append(
            {"id": str(side_id(transfer_id, kind)), "kind": kind, "amount": amount, "date": date, "doc": doc}
        )

    @event("CommitmentRecorded")
    def _committed(
        self,
        commitment_id: UUID,
        amount: Decimal,
        date: dt.date,
        contract: str,
        supplier: str,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        entry = self.commitments[str(commitment_id)] = cm.new_entry(amount, date, contract, supplier)
        iso = date.isoformat()
        self.committed_by_day[iso] = self.committed_by_day.get(iso, ZERO) + entry["amount"]

    @event("CommitmentReleased")
    def _released(
        self,
        release_id: UUID,
        commitment_id: UUID,
        amount: Decimal,
        date: dt.date,
        reason: str,
        user: str,
        request: Request,
    ) -> None:
        entry = self.commitments[str(commitment_id)]
        entry["released"] = entry["released"] + amount
        cm.move(entry, self.committed_by_day, date, -amount)

    @event("CommitmentDrawn")
    def _drawn(
        self, commitment_id: UUID, payment_id: UUID, amount: Decimal, date: dt.date, user: str
    ) -> None:
        entry = self.commitments[str(commitment_id)]
        entry["drawn"] = entry["drawn"] + amount
        entry["draws"][str(payment_id)] = amount
        cm.move(entry, self.committed_by_day, date, -amount)

    @event("CommitmentRestored")
    def _restored(
        self,
        commitment_id: UUID,
        reversal_id: UUID,
        payment_id: UUID,
        amount: Decimal,
        date: dt.date,
        user: str,
    ) -> None:
        entry = self.commitments[str(commitment_id)]
        entry["drawn"] = entry["drawn"] - amount
        entry["draws"][str(payment_id)] = entry["draws"][str(payment_id)] - amount
        cm.move(entry, self.committed_by_day, date, amount)

    @event("PlanSet")
    def _plan_set(self, checkpoints: list[Checkpoint], user: str, note: str, request: Request) -> None:
        self.plan = checkpoints
