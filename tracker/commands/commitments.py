"""合同/采购 commitments (encumbrances): a part of BudgetTracker.

A commitment reserves budget on its project from its date on; a payment against it
(``pay(..., commitment=ID)``) uses its remainder first; a release frees what is left.
The rules are the aggregate's (``tracker.domain.commitment``); a commitment refused
for want of budget is kept in an alert's history like a refused payment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from tracker.commands.base import Request
from tracker.commands.ledger import LedgerCommands
from tracker.domain.commitment import FIELD, check_contract, parse_commitment_id
from tracker.domain.errors import NotFoundError, OverspendError
from tracker.domain.ids import entry_id
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.money import parse_amount
from tracker.domain.project import Project
from tracker.queries import commitments as queries
from tracker.queries.dates import default_as_of
from tracker.queries.known import KnownOn


class CommitmentCommands(LedgerCommands):
    """Commitments of registered projects: record, release, list."""

    def commit(
        self,
        code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        contract: str,
        supplier: str = "",
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Record a commitment (合同/采购) on ``date``; returns its id. Refused beyond what
        is neither paid nor committed on any date from then on."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        contract = parse_text(contract, FIELD, limit=200)
        check_contract(contract)
        supplier = parse_text(supplier, "供应商", required=False, limit=200)
        pid = self.find_project(code, year)
        new_id = entry_id("commitment", request_id)
        args = {
            "note": note,
            "project": str(pid),
            "amount": str(value),
            "date": day.isoformat(),
            "contract": contract,
            "supplier": supplier,
        }

        def act(project: Project, request: Request) -> UUID:
            project.commit(new_id, value, day, contract, supplier, self._user(user), note, request)
            return new_id

        try:
            return self._update("commit", args, request_id, pid, new_id, act)
        except OverspendError:
            self._note_overspend(pid, value, day, user, "commitment")
            raise

    def release_commitment(
        self,
        commitment_id: str | UUID,
        amount: Decimal | str | None = None,
        *,
        date: dt.date | str,
        reason: str,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Release (解除) all or part of what a commitment still holds; returns the
        release's id. The commitment itself stays in the history."""
        value = parse_amount(amount) if amount is not None else None
        day = parse_date(date)
        reason = parse_text(reason, "原因", lines=True)
        cid, pid = self.commitment_ref(commitment_id)
        new_id = entry_id("commitment.release", request_id)
        args = {
            "commitment": str(cid),
            "amount": None if value is None else str(value),
            "date": day.isoformat(),
            "reason": reason,
        }

        def act(project: Project, request: Request) -> UUID:
            project.release_commitment(new_id, cid, value, day, reason, self._user(user), request)
            return new_id

        return self._update("commit.release", args, request_id, pid, new_id, act)

    def commitment_ref(self, commitment_id: str | UUID) -> tuple[UUID, UUID]:
        """A commitment's id and its project's, refused in Chinese naming 合同."""
        key = parse_commitment_id(commitment_id)
        project = queries.commitment_project(self.read, key)
        if project is None:
            raise NotFoundError(f"合同 {commitment_id} 不存在", FIELD)
        return key, project

    def commitments(
        self,
        code: str,
        *,
        year: int | str | None = None,
        as_of: dt.date | None = None,
        known: KnownOn | None = None,
    ) -> tuple[dt.date, list[queries.CommitmentRow]]:
        """A project's commitments as of a date (default: today, or 31 December of a
        past year), with what is still open."""
        pid = self.find_project(code, year)
        day = as_of or default_as_of(self.project_year(pid))
        return day, queries.commitments_of(self.read, pid, day, known)
