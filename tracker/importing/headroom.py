"""A project's balance on every day of its year, for checking many payments quickly.

It decides nothing: the overspend rule is the domain's (``check_payment_fits`` in
``tracker.domain.project``, applied by ``Project.pay``). This only answers the
question that rule asks, ``available_from(day)``, with the same figure as the
aggregate's own method, faster. The equality is checked three ways: property tests
against ``Project.available_from`` at every step of random sequences
(``tests/unit/test_import_layouts.py``), the import's comparison of every stored
event, aggregate and read table with the library's own way
(``tests/integration/test_import_fast_path.py``), and, while importing, a comparison
with ``Project.available_from`` on each chunk's first and last days before the chunk
is saved (``payments._verify``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Iterable


class Headroom:
    """A project's balance (budget − spending, in 分) on every day of its year.

    ``available_from(d)`` is the least balance on any day from ``d`` to 31 December —
    exactly ``Project.available_from`` — and ``add(d, delta)`` changes every day from
    ``d`` on. Both take O(√days) (blocks of 20 days with a pending addition each),
    instead of the aggregate's sort of every day on each call, which is what makes
    100,000 payments affordable.

    Rows exported in date order take O(1): an addition is only queued, and a question
    about a day on or after every queued addition's day is answered from the balances
    before the queue (remembered per day) plus the queue's total — each queued change
    lowers every day from its own on, so all of them lower every day from the asked
    one on by the same amount. A question about an earlier day first applies the queue.
    """

    BLOCK = 20

    def __init__(self, year: int, deltas: dict[dt.date, int]) -> None:
        self.start = dt.date(year, 1, 1)
        self.first = self.start.toordinal()
        days = (dt.date(year, 12, 31) - self.start).days + 1
        if any(d.year != year for d in deltas):
            raise ValueError("a change outside the fiscal year")
        daily = [0] * days
        for d, delta in deltas.items():
            daily[(d - self.start).days] += delta
        running = 0
        self.balance = []
        for delta in daily:
            running += delta
            self.balance.append(running)
        self.blocks = (days + self.BLOCK - 1) // self.BLOCK
        self.pending = [0] * self.blocks
        self.lowest = [min(self.balance[b * self.BLOCK : (b + 1) * self.BLOCK]) for b in range(self.blocks)]
        self.queued: list[tuple[int, int]] = []  # additions not yet applied to the blocks
        self.queued_total = 0
        self.queued_last = -1  # the latest day index among them
        self.least: dict[int, int] = {}  # day index -> least balance from it on, queue aside
        self.after: list[int] | None = None  # see ``_later_blocks``

    def _index(self, day: dt.date) -> int:
        index = day.toordinal() - self.first
        if not 0 <= index < len(self.balance):
            raise ValueError(f"{day} is outside the fiscal year")
        return index

    def available_from(self, day: dt.date) -> int:
        i = self._index(day)
        if i < self.queued_last:
            self._apply_queue()
        least = self.least.get(i)
        if least is None:
            least = self.least[i] = self._least_from(i)
        return least + self.queued_total

    def add(self, day: dt.date, delta: int) -> None:
        i = self._index(day)
        self.queued.append((i, delta))
        self.queued_total += delta
        self.queued_last = max(self.queued_last, i)

    def _least_from(self, i: int) -> int:
        b = i // self.BLOCK
        end = min((b + 1) * self.BLOCK, len(self.balance))
        least = min(self.balance[i:end]) + self.pending[b]
        if b + 1 < self.blocks:
            least = min(least, self._later_blocks()[b + 1])
        return least

    def _later_blocks(self) -> list[int]:
        """The least balance of the blocks from each one on (kept until the blocks change):
        a question about a day not asked before (a county's projects pay on a hundred
        different days each) then looks at its own block only, not at every later one."""
        if self.after is None:
            after = list(map(operator.add, self.lowest, self.pending))
            for b in range(len(after) - 2, -1, -1):
                after[b] = min(after[b], after[b + 1])
            self.after = after
        return self.after

    def _apply_queue(self) -> None:
        if len(self.queued) > self.BLOCK:
            self._rebuild()
        else:
            for i, delta in self.queued:
                self._apply(i, delta)
        self.queued.clear()
        self.queued_total = 0
        self.queued_last = -1
        self.least.clear()
        self.after = None

    def _apply(self, i: int, delta: int) -> None:
        b = i // self.BLOCK
        start, end = b * self.BLOCK, min((b + 1) * self.BLOCK, len(self.balance))
        balance = self.balance
        balance[i:end] = [x + delta for x in balance[i:end]]
        self.lowest[b] = min(balance[start:end])
        self.pending[b + 1 :] = [x + delta for x in self.pending[b + 1 :]]

    def _rebuild(self) -> None:
        """Apply a long queue at once: O(days + queue) instead of O(√days) per item."""
        change = [0] * len(self.balance)
        for i, delta in self.queued:
            change[i] += delta
        running = 0
        balance, pending, size = self.balance, self.pending, self.BLOCK
        for k, delta in enumerate(change):
            running += delta
            balance[k] += pending[k // size] + running
        self.pending = [0] * self.blocks
        self.lowest = [min(balance[b * size : (b + 1) * size]) for b in range(self.blocks)]

    def fits_all(self, payments: Iterable[tuple[dt.date, int]]) -> bool:
        """Would every payment pass, one after another in any order? True exactly when,
        with all of them spent, no day from the earliest one on is below zero (payments
        only lower balances, so each one's own check is implied by the final state)."""
        self._apply_queue()
        spent: dict[int, int] = {}
        first = len(self.balance)
        for day, fen in payments:
            i = self._index(day)
            spent[i] = spent.get(i, 0) + fen
            first = min(first, i)
        if not spent:
            return True
        daily = [0] * len(self.balance)
        for i, fen in spent.items():
            daily[i] = fen
        running = list(itertools.accumulate(daily))  # spent up to each day
        level = map(operator.sub, self.balance[first:], running[first:])
        if any(self.pending):
            size = self.BLOCK
            level = map(operator.add, level, (self.pending[i // size] for i in range(first, len(daily))))
        return min(level) >= 0  # one pass in C over a county's 1,000 projects' years
