"""合同/采购 commitments from the read tables: what is committed as of a date (and as
known on a moment), per project and summed, and each project's list of commitments.

As of a business date *d*, a commitment counts from its own date, less what payments
against it drew and releases freed by their dates (plus what reversals gave back), as
``rm_commitment_moves`` holds them; known on a moment, only the moves recorded by then
count. Amounts are integer 分 here, Decimal 元 in ``CommitmentRow``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from tracker.domain.money import fmt_yuan, from_fen
from tracker.queries.known import KnownOn
from tracker.queries.sql import chunks, marks
from tracker.queries.sums import window
from tracker.queries.wire import known_json
from tracker.store.readstore import ReadStore


@dataclass(frozen=True)
class CommitmentRow:
    """One commitment as of a date: its amount, what was paid against it, released, and
    what is still open (已签合同未支付)."""

    id: str
    project_id: str
    date: dt.date
    contract: str
    supplier: str
    amount: Decimal
    drawn: Decimal
    released: Decimal
    open: Decimal


def committed_sums(
    read: ReadStore,
    year: int,
    day: dt.date,
    unit_codes: Sequence[str] | None = None,
    known: KnownOn | None = None,
) -> dict[str, int]:
    """Open commitments in 分 per project of the year (of the given units) as of ``day``."""
    counted = window(year, day)
    if counted is None:
        return {}
    sql = "SELECT project_id, SUM(amount_fen) AS c FROM rm_commitment_moves WHERE date >= ? AND date <= ?"
    params: list[Any] = [counted[0].isoformat(), counted[1].isoformat()]
    if known is not None:
        sql += " AND recorded_at <= ?"
        params.append(known.stamp)
    if unit_codes is not None:
        sql += (
            " AND project_id IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code "
            f"IN ({marks(len(unit_codes))}))"
        )
        params += [year, *unit_codes]
    rows = read.all(sql + " GROUP BY project_id", params)
    return {r["project_id"]: int(r["c"]) for r in rows if int(r["c"])}


def committed_on(read: ReadStore, project_id: str | UUID, day: dt.date) -> int:
    """One project's open commitments in 分 as of ``day`` (the project page's figure)."""
    row = read.one(
        "SELECT SUM(amount_fen) AS c FROM rm_commitment_moves WHERE project_id = ? AND date <= ?",
        (str(project_id), day.isoformat()),
    )
    return int(row["c"] or 0) if row else 0


def committed_daily(read: ReadStore, ids: Sequence[str]) -> dict[tuple[str, str], int]:
    """Each day's change of open commitments in 分 by (project id, ISO date): what the
    spreadsheet import's headroom check subtracts, as the aggregate does."""
    out: dict[tuple[str, str], int] = {}
    for chunk in chunks(list(ids)):
        rows = read.all(
            "SELECT project_id, date, SUM(amount_fen) AS c FROM rm_commitment_moves "
            f"WHERE project_id IN ({marks(len(chunk))}) GROUP BY project_id, date",
            list(chunk),
        )
        for r in rows:
            out[(r["project_id"], r["date"])] = int(r["c"])
    return out


def commitments_of(
    read: ReadStore, project_id: str | UUID, day: dt.date, known: KnownOn | None = None
) -> list[CommitmentRow]:
    """A project's commitments dated on or before ``day``, oldest first, with their
    figures as of ``day`` (and as known on ``known``)."""
    iso = day.isoformat()
    moves = "m.date <= ?"
    params: list[Any] = [iso]
    rows_known = ""
    if known is not None:
        moves += " AND m.recorded_at <= ?"
        rows_known = " AND c.recorded_at <= ?"
        params.append(known.stamp)
    params += [str(project_id), iso]
    if known is not None:
        params.append(known.stamp)
    rows = read.all(
        "SELECT c.id, c.project_id, c.date, c.contract, c.supplier, c.amount_fen, "
        "SUM(CASE WHEN m.kind IN ('draw', 'restore') THEN -m.amount_fen ELSE 0 END) AS drawn, "
        "SUM(CASE WHEN m.kind = 'release' THEN -m.amount_fen ELSE 0 END) AS released, "
        "SUM(m.amount_fen) AS open_fen "
        f"FROM rm_commitments c JOIN rm_commitment_moves m ON m.commitment_id = c.id AND {moves} "
        f"WHERE c.project_id = ? AND c.date <= ?{rows_known} "
        "GROUP BY c.id, c.project_id, c.date, c.contract, c.supplier, c.amount_fen "
        "ORDER BY c.date, c.id",
        params,
    )
    return [
        CommitmentRow(
            r["id"],
            r["project_id"],
            dt.date.fromisoformat(r["date"]),
            r["contract"],
            r["supplier"],
            from_fen(int(r["amount_fen"])),
            from_fen(int(r["drawn"])),
            from_fen(int(r["released"])),
            from_fen(int(r["open_fen"])),
        )
        for r in rows
    ]


def commitment_project(read: ReadStore, commitment_id: UUID) -> UUID | None:
    """The project a commitment belongs to, or None when there is no such commitment."""
    row = read.one("SELECT project_id FROM rm_commitments WHERE id = ?", (str(commitment_id),))
    return None if row is None else UUID(row["project_id"])


COLUMNS = ["id", "date", "contract", "supplier", "amount", "drawn", "released", "open"]


def commitment_json(r: CommitmentRow) -> dict[str, Any]:
    """One commitment on the wire: amounts as two-decimal strings in 元."""
    return {
        "id": r.id,
        "date": r.date.isoformat(),
        "contract": r.contract,
        "supplier": r.supplier,
        "amount": fmt_yuan(r.amount),
        "drawn": fmt_yuan(r.drawn),
        "released": fmt_yuan(r.released),
        "open": fmt_yuan(r.open),
    }


def commitments_json(
    code: str, year: int, day: dt.date, rows: Sequence[CommitmentRow], known: KnownOn | None = None
) -> dict[str, Any]:
    """A project's commitments as of ``day`` and the total still open (``committed``)."""
    return {
        **known_json(known),
        "code": code,
        "year": year,
        "as_of": day.isoformat(),
        "committed": fmt_yuan(sum((r.open for r in rows), Decimal(0))),
        "commitments": [commitment_json(r) for r in rows],
    }


def commitments_csv(rows: Sequence[CommitmentRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(commitment_json(r))
    return out.getvalue()


def committed_changes(
    read: ReadStore, project_id: str | UUID, known: KnownOn | None = None
) -> list[tuple[dt.date, int]]:
    """Each business day's net change of a project's open commitments in 分 (new
    commitments up; payments against them, releases down; reversals back up), by date:
    the S-curve draws what is committed above what is paid from it."""
    sql = "SELECT date, SUM(amount_fen) AS c FROM rm_commitment_moves WHERE project_id = ?"
    params: list[Any] = [str(project_id)]
    if known is not None:
        sql += " AND recorded_at <= ?"
        params.append(known.stamp)
    rows = read.all(sql + " GROUP BY date ORDER BY date", params)
    return [(dt.date.fromisoformat(r["date"]), int(r["c"])) for r in rows if int(r["c"])]
