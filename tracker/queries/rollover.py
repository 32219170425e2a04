"""What a year-end carry-over (结转) of a fiscal year would move, read from the tables.

Each project's unspent balance at the end of 31 December (budget − disbursed as of
that day, from the same sums as ``tracker status``), whether the same code is already
registered next year, and whether this project's balance was already carried (the
carry-over's request id is fixed by the source project, so its first run is on
record in ``rm_requests``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tracker.domain.ids import entry_id
from tracker.domain.money import ZERO, from_fen
from tracker.queries import lookups
from tracker.queries.commitments import CommitmentRow, commitments_of
from tracker.queries.figures import ProjectRef
from tracker.queries.status import statuses
from tracker.store.readstore import ReadStore


def carry_request_id(source_id: str) -> str:
    """The request id of a project's carry-over: one per source project, whatever the
    door or the run, so a second run replays instead of recording."""
    return f"rollover:{source_id}"


def register_request_id(source_id: str) -> str:
    """The request id that registers the next year's project for this source."""
    return f"rollover:{source_id}:project"


def commitment_request_id(commitment_id: str) -> str:
    """The request id that carries one open commitment (合同) into the next year."""
    return f"rollover:{commitment_id}:commitment"


def carry_entry_id(source_id: str) -> UUID:
    """The carry-over appropriation's id (``entry_id`` of its request id)."""
    return entry_id("appropriation", carry_request_id(source_id))


@dataclass(frozen=True)
class Carry:
    """One project of the closing year and what its carry-over is or would be."""

    source: ProjectRef
    budget: Decimal
    disbursed: Decimal
    target_exists: bool  # the code is registered in the next year
    carried: Decimal | None  # the amount already carried by an earlier run, if any
    # Its commitments still open at the end of 31 December: carried with the balance.
    commitments: tuple[CommitmentRow, ...] = ()

    @property
    def balance(self) -> Decimal:
        """结余 at the end of 31 December: what may be carried."""
        return self.budget - self.disbursed

    @property
    def has_balance(self) -> bool:
        return self.balance > ZERO


def carry_plan(read: ReadStore, year: int, unit: str | None = None) -> list[Carry]:
    """Every project of ``year`` (of ``unit``'s subtree), by unit and code, with its
    balance on 31 December and the state of its carry-over."""
    _, found = statuses(read, year, as_of=dt.date(year, 12, 31), unit=unit)
    out = []
    for p in found:
        out.append(
            Carry(
                source=p,
                budget=p.figures.budget,
                disbursed=p.figures.disbursed,
                target_exists=lookups.project_in_year(read, p.code, year + 1) is not None,
                carried=carried_amount(read, p.id),
                commitments=open_commitments(read, p.id, year),
            )
        )
    return out


def carried_amount(read: ReadStore, source_id: str) -> Decimal | None:
    """What an earlier run carried from this project (None if never carried)."""
    row = read.one("SELECT amount_fen FROM rm_appropriations WHERE id = ?", (str(carry_entry_id(source_id)),))
    return None if row is None else from_fen(int(row["amount_fen"]))


def open_commitments(read: ReadStore, source_id: str, year: int) -> tuple[CommitmentRow, ...]:
    """A project's commitments with something still open at the end of 31 December."""
    return tuple(r for r in commitments_of(read, source_id, dt.date(year, 12, 31)) if r.open > ZERO)
