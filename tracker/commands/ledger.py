"""Ledger commands of the service layer: units, projects, plans, appropriations,
payments and reversals, and the lookups the doors make around them.

A part of ``BudgetTracker`` built on the alerts part: a payment refused for
overspending is kept in an alert's history (``record_overspend_attempt``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from tracker.commands.alerts import AlertCommands
from tracker.commands.base import Request
from tracker.domain import classification as cls
from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError
from tracker.domain.ids import entry_id, project_id, unit_id
from tracker.domain.inputs import parse_code, parse_date, parse_status_rule, parse_text, parse_year
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.domain.plan import Checkpoint, parse_plan
from tracker.domain.project import KIND_SIGN, Project
from tracker.domain.unit import Unit
from tracker.queries import lookups
from tracker.queries.project_view import history_rows, project_view


class LedgerCommands(AlertCommands):
    """Units, projects, budgets, payments and reversals."""

    # ------------------------------------------------------------------ units

    def add_unit(
        self,
        code: str,
        name: str,
        parent: str | None = None,
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Register a budget unit under an optional parent unit."""
        code = parse_code(code, "单位编码")
        name = parse_text(name, "单位名称", limit=200)
        parent = parse_code(parent, "上级单位") if parent else None
        args = {"code": code, "name": name, "parent": parent, "note": note}

        def create(request: Request) -> tuple[Unit, UUID]:
            if parent and not lookups.unit_exists(self.read, parent):
                raise NotFoundError(f"上级单位 {parent} 不存在", "上级单位")
            if parent == code:
                raise InvalidInputError("单位不能是自己的上级", "上级单位")
            unit = Unit(
                code=code, name=name, parent_code=parent, user=self._user(user), note=note, request=request
            )
            return unit, unit.id

        return self._create(
            "unit.add", args, request_id, unit_id(code), create, f"单位编码 {code} 已存在", "单位编码"
        )

    def change_unit_settings(
        self,
        code: str,
        *,
        rule: str,
        yellow: Decimal | str | None = None,
        red: Decimal | str | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Choose the unit's lag rule and thresholds (see ``tracker.lag.StatusRule``)."""
        code = parse_code(code, "单位编码")
        status_rule = parse_status_rule(rule, yellow, red)
        uid = unit_id(code)
        if not lookups.unit_exists(self.read, code):
            raise NotFoundError(f"单位 {code} 不存在", "单位编码")
        args = {
            "note": note,
            "unit": code,
            "rule": status_rule.kind,
            "yellow": str(status_rule.yellow),
            "red": str(status_rule.red),
        }

        def act(unit: Unit, request: Request) -> UUID:
            unit.change_settings(
                status_rule.kind,
                status_rule.yellow,
                status_rule.red,
                user=self._user(user),
                note=note,
                request=request,
            )
            return uid

        return self._update("unit.settings", args, request_id, uid, uid, act)

    # --------------------------------------------------------------- projects

    def add_project(
        self,
        *,
        year: int | str,
        unit: str,
        code: str,
        name: str,
        expenditure_type: str = cls.PROJECT_SPENDING,
        functional: str | None = None,
        economic: str | None = None,
        source: str | None = None,
        owner: str = "",
        plan: str | list[Checkpoint] | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Register a project of one fiscal year, optionally with its spending plan."""
        year = parse_year(year)
        fields: dict[str, Any] = {
            "year": year,
            "unit_code": parse_code(unit, "预算单位"),
            "code": parse_code(code, "项目编码"),
            "name": parse_text(name, "项目名称", limit=200),
            "expenditure_type": cls.expenditure_type(expenditure_type),
            "functional": cls.functional_code(functional) if functional else None,
            "economic": cls.economic_code(economic) if economic else None,
            "source": cls.funding_source(source) if source else cls.DEFAULT_SOURCE,
            "owner": parse_text(owner, "负责人", required=False, limit=100),
        }
        checkpoints = parse_plan(plan, year) if isinstance(plan, str) else plan
        args = {**fields, "plan": [c.spec() for c in checkpoints or []], "note": note}

        def create(request: Request) -> tuple[Project, UUID]:
            if not lookups.unit_exists(self.read, fields["unit_code"]):
                raise NotFoundError(f"预算单位 {fields['unit_code']} 不存在，请先添加单位", "预算单位")
            who = self._user(user)
            project = Project(**fields, user=who, note=note, request=request)
            if checkpoints:
                project.set_plan(checkpoints, user=who)
            return project, project.id

        return self._create(
            "project.add",
            args,
            request_id,
            project_id(year, fields["code"]),
            create,
            f"{year} 年已有编码为 {fields['code']} 的项目",
            "项目编码",
        )

    def set_plan(
        self,
        code: str,
        plan: str | list[Checkpoint],
        *,
        year: int | str | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Replace a project's spending plan (a new event; old versions stay)."""
        pid = self.find_project(code, year)

        def act(project: Project, request: Request) -> UUID:
            checkpoints = parse_plan(plan, project.year) if isinstance(plan, str) else plan
            project.set_plan(checkpoints, user=self._user(user), note=note, request=request)
            return pid

        spec = plan if isinstance(plan, str) else ",".join(c.spec() for c in plan)
        args = {"project": str(pid), "plan": spec, "note": note}
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
    ) -> UUID:
        """Record a payment; refused if it would take spending above the budget."""
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

        def act(project: Project, request: Request) -> UUID:
            project.pay(new_id, value, day, payee, economic, voucher, source, self._user(user), note, request)
            return new_id

        try:
            return self._update("pay", args, request_id, pid, new_id, act)
        except OverspendError:
            self._note_overspend(pid, value, day, user)
            raise

    def _note_overspend(self, pid: UUID, amount: Decimal, day: dt.date, user: str | None) -> None:
        """Keep the refused attempt in an alert's history (the ledger stays untouched)."""
        key = lookups.project_key(self.read, pid)
        project: Aggregate = self.repository.get(pid)
        assert key is not None  # it has just refused a payment
        assert isinstance(project, Project)
        available = fmt_yuan(project.available_from(day))
        self.record_overspend_attempt(
            key.code, key.unit_code, key.year, day, amount, available, self._user(user)
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
        reason = parse_text(reason, "原因")
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

    # ---------------------------------------------------------------- lookups

    def get_project(self, code: str, year: int | str | None = None) -> Project:
        """A fresh copy of the project (another process may have written since)."""
        pid = self.find_project(code, year)
        self.evict(pid)
        project: Aggregate = self.repository.get(pid)
        assert isinstance(project, Project)
        return project

    def show(self, code: str, year: int | str | None = None) -> dict[str, Any]:
        """Current state of one project, as plain data."""
        return project_view(self.get_project(code, year))

    def history(self, code: str, year: int | str | None = None) -> list[dict[str, Any]]:
        """The project's events, oldest first, each with who and when."""
        return history_rows(list(self.events.get(self.find_project(code, year))))

    def units(self) -> list[dict[str, Any]]:
        return lookups.unit_rows(self.read)

    def projects(self, year: int | str | None = None, unit: str | None = None) -> list[dict[str, Any]]:
        """Registered projects (read model), optionally of one year and one unit, with
        their whole-year budget and spending so far (from the monthly sums)."""
        return lookups.project_rows(self.read, None if year is None else parse_year(year), unit)

    def _payment_ref(self, payment_id: str | UUID) -> lookups.PaymentRef:
        try:
            key = UUID(str(payment_id).strip())
        except ValueError:
            raise NotFoundError(f"支付编号 {payment_id} 格式无效", "支付编号") from None
        found = lookups.payment_ref(self.read, key)
        if found is None:
            raise NotFoundError(f"支付 {payment_id} 不存在", "支付编号")
        return found
