"""预算调剂 (transfers between projects): a part of BudgetTracker.

A transfer changes two aggregates, so it cannot use ``_update`` (one aggregate): it
loads both, lets the giver and the receiver decide, and saves both in ONE ``save``
call, which the library stores in one transaction together with both sides' read rows
(``_record`` attaches the projection of every event saved). Both change or neither:
a refusal on either side, a version clash on either side, or a crash before the
commit leaves no trace on the other.

A transfer refused because the giver would be overspent is kept in an alert's history,
as a refused payment is (``overspend_refused``, with ``kind`` ``transfer``, the
receiver and the document among its figures); neither project records anything.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from tracker.commands.base import MAX_ATTEMPTS, Request
from tracker.commands.ledger import LedgerCommands
from tracker.domain.errors import ConcurrencyError, NotFoundError, OverspendError, TrackerError
from tracker.domain.ids import entry_id
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.domain.project import Project
from tracker.domain.reallocation import check_doc, check_pair
from tracker.queries import lookups

PairAct = Callable[[Project, Project, Request], UUID]


class ReallocationCommands(LedgerCommands):
    """Transfers of budget between two projects of one year."""

    def transfer(
        self,
        from_code: str,
        to_code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        doc: str,
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Move budget from one project to another on ``date`` (预算调剂); returns the
        transfer id. Refused when the giver would be overspent on any date from then."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        doc = parse_text(doc, "文号", limit=200)
        check_doc(doc)
        giver = self._side(from_code, year, "调出项目")
        receiver = self._side(to_code, year, "调入项目")
        transfer_id = entry_id("transfer", request_id)
        args = {
            "note": note,
            "from": str(giver),
            "to": str(receiver),
            "amount": str(value),
            "date": day.isoformat(),
            "doc": doc,
        }
        acting = self._user(user)

        def act(a: Project, b: Project, request: Request) -> UUID:
            check_pair(a, b)
            a.transfer_out(transfer_id, b.code, b.id, value, day, doc, acting, note, request)
            b.transfer_in(transfer_id, a.code, a.id, value, day, doc, acting, note)
            return transfer_id

        try:
            return self._update_pair("transfer", args, request_id, giver, receiver, transfer_id, act)
        except OverspendError:
            self._note_refused_transfer(giver, receiver, value, day, doc, acting)
            raise

    def _note_refused_transfer(
        self, giver: UUID, receiver: UUID, amount: Decimal, day: dt.date, doc: str, who: str
    ) -> None:
        """Keep the refused transfer in the giver's overspend alert (the ledger stays
        untouched), with the most it could have given from that day on."""
        key, to = lookups.project_key(self.read, giver), lookups.project_key(self.read, receiver)
        assert key is not None  # it has just been loaded to refuse the transfer
        project: Aggregate = self.repository.get(giver)
        assert isinstance(project, Project)
        available = fmt_yuan(project.available_from(day))
        extra = {"kind": "transfer", "to": to.code if to else str(receiver), "doc": doc}
        self.record_overspend_attempt(key.code, key.unit_code, key.year, day, amount, available, who, extra)

    def _side(self, code: str, year: int | str | None, field: str) -> UUID:
        """A project of the transfer, an error naming which side when it is not found."""
        try:
            return self.find_project(code, year)
        except TrackerError as e:
            if e.field != "项目编码":  # 年度 when the code is in several years: say so
                raise
            raise type(e)(e.message, field) from None

    def _update_pair(
        self,
        command: str,
        args: dict[str, str],
        request_id: str | None,
        first: UUID,
        second: UUID,
        result_id: UUID,
        act: PairAct,
    ) -> UUID:
        """``_update`` for two aggregates: load both, decide, save both at once; on a
        version clash of either, reload and decide again. The per-process locks are
        taken in id order, so two transfers in opposite directions cannot deadlock."""
        request = self._request(command, args, request_id, result_id)
        if request and (done := self._replay(request)) is not None:
            return done
        second_opinion = False
        low, high = min(first, second), max(first, second)  # re-entrant: same twice is fine
        for attempt in range(MAX_ATTEMPTS):
            with self.lock_for(low), self.lock_for(high):
                try:
                    return self._decide_and_save_pair(first, second, request, act)
                except IntegrityError:
                    if request and (done := self._replay(request)) is not None:
                        return done
                except TrackerError:
                    # As in ``_update``: a refusal may rest on a stale cached copy.
                    if request and (done := self._replay(request)) is not None:
                        return done
                    if second_opinion:
                        raise
                    second_opinion = True
                    continue
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrencyError("并发写入过多，请稍后重试（未记录任何内容）")

    def _decide_and_save_pair(self, first: UUID, second: UUID, request: Request, act: PairAct) -> UUID:
        """Both cached aggregates changed and saved in one transaction; if anything goes
        wrong after either may have changed, both are evicted so the next load is clean."""
        a = self.load_for_update(first, Project, NotFoundError(f"项目 {first} 不存在", "调出项目"))
        b = self.load_for_update(second, Project, NotFoundError(f"项目 {second} 不存在", "调入项目"))
        if a is b:  # the same project twice: refused before either side is touched
            check_pair(a, b)
        try:
            result = act(a, b, request)
            self.save(a, b)
        except BaseException:
            self.evict(first)
            self.evict(second)
            raise
        return result
