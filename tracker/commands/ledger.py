"""Ledger commands of the service layer (a part of BudgetTracker): spending plans,
appropriations, payments and reversals.

Built on the alerts part: a payment refused for overspending is kept in an alert's
history (``record_overspend_attempt``), never in the ledger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from tracker.commands.alerts import AlertCommands
from tracker.commands.base import Request
from tracker.domain import classification as cls
from tracker.domain.commitment import parse_commitment_id
from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError
from tracker.domain.ids import entry_id
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.domain.plan import Checkpoint, parse_plan
from tracker.domain.project import KIND_SIGN, Project
from tracker.queries import lookups


class LedgerCommands(AlertCommands):
    """Plans, budgets, payments and reversals of registered projects."""

    def set_plan(
        self,
        code: str,
        plan: str | list[Checkpoint],
        *,
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Replace a project's spending plan (a new event; old versions stay). With
        ``wan`` the amounts are 万元 (seed 003's plans); they are recorded in 元."""
        pid = self.find_project(code, year)

        def act(project: Project, request: Request) -> UUID:
            checkpoints = parse_plan(plan, project.year, wan=wan) if isinstance(plan, str) else plan
            project.set_plan(checkpoints, user=self._user(user), note=note, request=request)
            return pid

        spec = plan if isinstance(plan, str) else ",".join(c.spec() for c in plan)
        args: dict[str, str | bool] = {"project": str(pid), "plan": spec, "note": note}
        if wan:  # absent when false, so a retry of an older request still matches
            args["wan"] = True
        return self._update("plan.set", args, request_id, pid, pid, act)

    # ------------------------------------------------------------ money moves

    def appropriate(
        self,
        code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        kind: str = "initial",
        doc: str = "",
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Record an appropriation (预算批复/指标下达) of the given kind."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        if kind not in KIND_SIGN:
            raise InvalidInputError(f"“{kind}”不是有效的预算类型，可选：{'、'.join(KIND_SIGN)}", "类型")
        doc = parse_text(doc, "文号", required=False, limit=200)
        pid = self.find_project(code, year)
        new_id = entry_id("appropriation", request_id)
        args = {
            "note": note,
            "project": str(pid),
            "amount": str(value),
            "date": day.isoformat(),
            "kind": kind,
            "doc": doc,
        }

        def act(project: Project, request: Request) -> UUID:
            project.appropriate(new_id, kind, value, day, doc, self._user(user), note, request)
            return new_id

        return self._update("budget", args, request_id, pid, new_id, act)

    def pay(
        self,
        code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        payee: str,
        economic: str | None = None,
        voucher: str = "",
        source: str | None = None,
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
        commitment: str | UUID | None = None,
    ) -> UUID:
        """Record a payment; refused if it would take spending above the budget. With
        ``commitment`` (a 合同 of the same project) it uses that commitment's remainder
        first and lowers what is still committed."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        payee = parse_text(payee, "收款人", limit=200)
        economic = cls.economic_code(economic) if economic else None
        source = cls.funding_source(source) if source else None
        voucher = parse_text(voucher, "凭证号", required=False, limit=100)
        pid = self.find_project(code, year)
        new_id = entry_id("payment", request_id)
        args = {
            "note": note,
            "project": str(pid),
            "amount": str(value),
            "date": day.isoformat(),
            "payee": payee,
            "economic": economic,
            "voucher": voucher,
            "source": source,
        }
        cid = None
        if commitment is not None and str(commitment).strip():
            cid = parse_commitment_id(commitment)
            args["commitment"] = str(cid)  # absent without one: older requests still match

        def act(project: Project, request: Request) -> UUID:
            acting = self._user(user)
            project.pay(new_id, value, day, payee, economic, voucher, source, acting, note, request, cid)
            return new_id

        try:
            return self._update("pay", args, request_id, pid, new_id, act)
        except OverspendError:
            self._note_overspend(pid, value, day, user)
            raise

    def _note_overspend(
        self, pid: UUID, amount: Decimal, day: dt.date, user: str | None, kind: str = "payment"
    ) -> None:
        """Keep the refused attempt (a payment, or a ``commitment``) in an alert's
        history (the ledger stays untouched)."""
        key = lookups.project_key(self.read, pid)
        project: Aggregate = self.repository.get(pid)
        assert key is not None  # it has just refused a payment
        assert isinstance(project, Project)
        available = fmt_yuan(project.available_from(day))
        extra = None if kind == "payment" else {"kind": kind}  # a payment's figures as ever
        self.record_overspend_attempt(
            key.code, key.unit_code, key.year, day, amount, available, self._user(user), extra
        )

    def reverse(
        self,
        payment_id: str | UUID,
        amount: Decimal | str | None = None,
        *,
        date: dt.date | str,
        reason: str,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Reverse (冲销/退回) a payment in full or in part, as a new event."""
        value = parse_amount(amount) if amount is not None else None
        day = parse_date(date)
        reason = parse_text(reason, "原因", lines=True)
        payment = self._payment_ref(payment_id)
        pid = payment.project_id
        new_id = entry_id("reversal", request_id)
        args = {
            "payment": str(payment.payment_id),
            "amount": None if value is None else str(value),
            "date": day.isoformat(),
            "reason": reason,
        }

        def act(project: Project, request: Request) -> UUID:
            project.reverse(new_id, payment.payment_id, value, day, reason, self._user(user), request)
            return new_id

        return self._update("reverse", args, request_id, pid, new_id, act)

    def _payment_ref(self, payment_id: str | UUID) -> lookups.PaymentRef:
        try:
            key = UUID(str(payment_id).strip())
        except ValueError:
            raise NotFoundError(f"支付编号 {payment_id} 格式无效", "支付编号") from None
        found = lookups.payment_ref(self.read, key)
        if found is None:
            raise NotFoundError(f"支付 {payment_id} 不存在", "支付编号")
        return found
