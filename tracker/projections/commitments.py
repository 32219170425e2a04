"""Read-table rows of the commitments' events (合同/采购), for ``projector.HANDLERS``.

``rm_commitments`` keeps one row per commitment with its totals so far;
``rm_commitment_moves`` every dated change of committed money with the moment its
event was recorded (the commitment +, a draw by a payment −, a release −, a restore by
a reversal +), so "as of d" and "as known on" are one range read. Counters only add,
so a rebuild may batch the statements (``rebuild.grouped``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.domain.commitment import draw_id
from tracker.domain.moments import utc_stamp
from tracker.domain.money import to_fen

Statement = tuple[str, tuple[Any, ...]]

ADD_COMMITMENT_MOVE = (
    "INSERT INTO rm_commitment_moves (id, commitment_id, project_id, date, kind, amount_fen, payment_id, "
    "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _commitment_move(e: Any, row_id: str, pid: str, kind: str, fen: int, payment_id: Any = None) -> Statement:
    """One dated change of committed money, with the moment its event was recorded."""
    payment = None if payment_id is None else str(payment_id)
    return (
        ADD_COMMITMENT_MOVE,
        (row_id, str(e.commitment_id), pid, e.date.isoformat(), kind, fen, payment, utc_stamp(e.timestamp)),
    )


def _committed(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        (
            "INSERT INTO rm_commitments (id, project_id, date, contract, supplier, amount_fen, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(e.commitment_id),
                pid,
                e.date.isoformat(),
                e.contract,
                e.supplier,
                fen,
                utc_stamp(e.timestamp),
            ),
        ),
        _commitment_move(e, str(e.commitment_id), pid, "commit", fen),
    ]


def _commitment_released(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        (
            "UPDATE rm_commitments SET released_fen = released_fen + ? WHERE id = ?",
            (fen, str(e.commitment_id)),
        ),
        _commitment_move(e, str(e.release_id), pid, "release", -fen),
    ]


def _commitment_drawn(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        ("UPDATE rm_commitments SET drawn_fen = drawn_fen + ? WHERE id = ?", (fen, str(e.commitment_id))),
        _commitment_move(e, str(draw_id(e.payment_id)), pid, "draw", -fen, e.payment_id),
    ]


def _commitment_restored(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        ("UPDATE rm_commitments SET drawn_fen = drawn_fen - ? WHERE id = ?", (fen, str(e.commitment_id))),
        _commitment_move(e, str(draw_id(e.reversal_id)), pid, "restore", fen, e.payment_id),
    ]


COMMITMENT_HANDLERS: dict[str, Callable[[Any, str], list[Statement]]] = {
    "Project.CommitmentRecorded": _committed,
    "Project.CommitmentReleased": _commitment_released,
    "Project.CommitmentDrawn": _commitment_drawn,
    "Project.CommitmentRestored": _commitment_restored,
}
