"""Year-end carry-over (结转) in the service layer (a part of BudgetTracker).

Each project's unspent balance at the end of 31 December goes into the same code in
the next year as a ``carryover`` appropriation (上年结转) dated 1 January, the project
being registered there first if it is missing (same name, unit, classes, source and
owner; no plan). Every step has a request id fixed by its source project
(``tracker.queries.rollover``), so a second run records nothing; and a unit's whole
run is one transaction (``one_transaction``): all of it or none.

Each project is carried by ``_carry_project``, a short list of steps; its open
commitments (合同) are the last: each goes into the next year's project as a
commitment dated 1 January with the same contract and supplier, linked to its source
in the note, its request id fixed by the source commitment. The source year's
commitment stays as it was (the history is not rewritten).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from tracker.commands.batch import one_transaction
from tracker.commands.commitments import CommitmentCommands
from tracker.commands.register import RegisterCommands
from tracker.domain.errors import DuplicateError, InvalidInputError
from tracker.domain.inputs import parse_code, parse_year
from tracker.domain.money import fmt_yuan, to_wan
from tracker.domain.project import CARRYOVER
from tracker.queries import dates, rollover
from tracker.queries.commitments import CommitmentRow
from tracker.queries.figures import ProjectRef
from tracker.queries.rollover import Carry

# What happened to (or would happen to) each project of the closing year.
CARRIED, ALREADY, NO_BALANCE, WOULD_CARRY = "carried", "already", "no_balance", "would_carry"
OUTCOME_LABELS = {
    CARRIED: "已结转",
    ALREADY: "已结转，未重复记录",
    NO_BALANCE: "无结余",
    WOULD_CARRY: "将结转",
}


@dataclass(frozen=True)
class CarryOutcome:
    """One project's line in a rollover's answer."""

    carry: Carry
    outcome: str
    target: str  # "created" / "existing" / "to_create" / "" (nothing to carry)
    amount: Decimal  # what was (or would be) carried; the earlier amount when already done

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class RolloverResult:
    from_year: int
    unit: str | None
    dry_run: bool
    items: list[CarryOutcome]


def carryover_doc(year: int) -> str:
    """The 文号 of a carry-over appropriation, naming the year it came from."""
    return f"上年结转（自 {year} 年度）"


def carryover_note(c: Carry) -> str:
    """Where the money came from, kept in the appropriation's note (and so in the
    history): the source project, its id and the figures of its balance."""
    p = c.source
    return (
        f"自 {p.year} 年度项目 {p.code}（编号 {p.id}）结转："
        f"{p.year}-12-31 结余 {fmt_yuan(c.balance)} 元"
        f"（全年预算 {fmt_yuan(c.budget)} 元，已支出 {fmt_yuan(c.disbursed)} 元）"
    )


def check_year_over(year: int, now: dt.date) -> None:
    """A year is carried only once it is over (Beijing time): its balance is final."""
    if now < dt.date(year + 1, 1, 1):
        raise InvalidInputError(f"{year} 年度尚未结束，{year + 1}-01-01 起方可结转", "年度")


class RolloverCommands(RegisterCommands, CommitmentCommands):
    """Carry a closing year's balances into the next year."""

    def rollover(
        self,
        from_year: int | str,
        *,
        unit: str | None = None,
        dry_run: bool = False,
        today: dt.date | None = None,
        user: str | None = None,
    ) -> RolloverResult:
        """Carry every project's balance of ``from_year`` (of ``unit``'s subtree) into
        the next year, in one transaction; with ``dry_run`` only say what would be."""
        year = parse_year(from_year, "年度")
        unit = parse_code(unit, "单位编码") if unit else None
        check_year_over(year, today or dates.today())
        if dry_run:
            plan = rollover.carry_plan(self.read, year, unit)
            return RolloverResult(year, unit, True, [_preview(c) for c in plan])
        with one_transaction(self) as tx:  # read inside it: what it decides on cannot move
            items = [self._carry_project(c, user) for c in rollover.carry_plan(self.read, year, unit)]
            tx.commit()
        return RolloverResult(year, unit, False, items)

    def _carry_project(self, c: Carry, user: str | None) -> CarryOutcome:
        """One project's steps, each idempotent on its own request id."""
        if c.carried is not None:
            return CarryOutcome(c, ALREADY, "existing", c.carried)
        if not c.has_balance:
            return CarryOutcome(c, NO_BALANCE, "", c.balance)
        target = "existing" if c.target_exists else "created"
        self._carry_register(c, user)
        self._carry_balance(c, user)
        for commitment in c.commitments:
            self._carry_commitment(c, commitment, user)
        return CarryOutcome(c, CARRIED, target, c.balance)

    def _carry_register(self, c: Carry, user: str | None) -> UUID | None:
        """Register the code in the next year with the source's classes, if missing."""
        if c.target_exists:
            return None
        p = c.source
        try:
            return self._register_next_year(p, user)
        except DuplicateError:  # registered meanwhile by someone else: carry into it
            return None

    def _register_next_year(self, p: ProjectRef, user: str | None) -> UUID:
        return self.add_project(
            year=p.year + 1,
            unit=p.unit,
            code=p.code,
            name=p.name,
            expenditure_type=p.expenditure_type,
            functional=p.functional,
            economic=p.economic,
            source=p.source,
            owner=p.owner,
            user=user,
            note=f"由 {p.year} 年度结转登记",
            request_id=rollover.register_request_id(p.id),
        )

    def _carry_balance(self, c: Carry, user: str | None) -> UUID:
        """The 上年结转 appropriation dated 1 January of the next year."""
        p = c.source
        return self.appropriate(
            p.code,
            c.balance,
            date=dt.date(p.year + 1, 1, 1),
            kind=CARRYOVER,
            doc=carryover_doc(p.year),
            year=p.year + 1,
            user=user,
            note=carryover_note(c),
            request_id=rollover.carry_request_id(p.id),
        )

    def _carry_commitment(self, c: Carry, r: CommitmentRow, user: str | None) -> UUID:
        """One open commitment, as a commitment of the next year dated 1 January (the
        balance just carried holds it: what is open is never more than the balance)."""
        p = c.source
        return self.commit(
            p.code,
            r.open,
            date=dt.date(p.year + 1, 1, 1),
            contract=r.contract,
            supplier=r.supplier,
            year=p.year + 1,
            user=user,
            note=commitment_note(p, r),
            request_id=rollover.commitment_request_id(r.id),
        )


def commitment_note(p: ProjectRef, r: CommitmentRow) -> str:
    """Where a carried commitment came from, kept in its note (and so in the history)."""
    return (
        f"自 {p.year} 年度项目 {p.code} 的合同（编号 {r.id}）结转：{p.year}-12-31 未支付 "
        f"{fmt_yuan(r.open)} 元（合同金额 {fmt_yuan(r.amount)} 元，已支付 {fmt_yuan(r.drawn)} 元）"
    )


def _preview(c: Carry) -> CarryOutcome:
    if c.carried is not None:
        return CarryOutcome(c, ALREADY, "existing", c.carried)
    if not c.has_balance:
        return CarryOutcome(c, NO_BALANCE, "", c.balance)
    return CarryOutcome(c, WOULD_CARRY, "existing" if c.target_exists else "to_create", c.balance)


def rollover_json(r: RolloverResult) -> dict[str, Any]:
    """A rollover's answer on the wire (CLI JSON, API): amounts in 元 as strings."""
    return {
        "from_year": r.from_year,
        "to_year": r.from_year + 1,
        "unit": r.unit,
        "dry_run": r.dry_run,
        "items": [
            {
                "code": i.carry.source.code,
                "name": i.carry.source.name,
                "unit": i.carry.source.unit,
                "budget": fmt_yuan(i.carry.budget),
                "disbursed": fmt_yuan(i.carry.disbursed),
                "balance": fmt_yuan(i.carry.balance),
                "balance_wan": fmt_yuan(to_wan(i.carry.balance)),
                "amount": fmt_yuan(i.amount),
                "outcome": i.outcome,
                "outcome_label": i.label,
                "target": i.target,
                "commitments": [
                    {"id": m.id, "contract": m.contract, "supplier": m.supplier, "open": fmt_yuan(m.open)}
                    for m in i.carry.commitments
                ],
            }
            for i in r.items
        ],
    }
