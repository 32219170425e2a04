"""The figures of ``sums`` as known on a moment: only ledger rows recorded by then.

Read from ``rm_recorded`` (each appropriation, payment and reversal with its business
date, its change of budget and spending in 分 and its recording moment) instead of
the monthly and daily sums, which hold everything recorded and cannot be taken apart
by recording time. One range read of a covering index per question: slower than the
sums (every row of the year, not ~43 a project) but within the status target at a
million payments. ``sums`` calls these; nothing else should.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.queries.known import KnownOn
from tracker.queries.sql import chunks, marks
from tracker.store.readstore import ReadStore

Fen = tuple[int, int]


def project_sums(
    read: ReadStore,
    year: int,
    counted: tuple[dt.date, dt.date],
    unit_codes: Sequence[str] | None,
    known: KnownOn,
) -> dict[str, Fen]:
    """Budget and spending per project dated in ``counted`` and recorded by ``known``."""
    sql = (
        "SELECT project_id, SUM(budget_fen) AS b, SUM(spent_fen) AS s FROM rm_recorded "
        "WHERE date >= ? AND date <= ? AND recorded_at <= ?"
    )
    params: list[Any] = [counted[0].isoformat(), counted[1].isoformat(), known.stamp]
    if unit_codes is not None:
        sql += (
            " AND project_id IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code "
            f"IN ({marks(len(unit_codes))}))"
        )
        params += [year, *unit_codes]
    rows = read.all(sql + " GROUP BY project_id", params)
    return {r["project_id"]: (int(r["b"]), int(r["s"])) for r in rows}


def daily(read: ReadStore, ids: Iterable[str], known: KnownOn) -> dict[tuple[str, str], Fen]:
    """Each day's change by (project id, ISO date), of the rows recorded by ``known``."""
    out: dict[tuple[str, str], Fen] = {}
    for chunk in chunks(list(ids)):
        rows = read.all(
            "SELECT project_id, date, SUM(budget_fen) AS b, SUM(spent_fen) AS s FROM rm_recorded "
            f"WHERE project_id IN ({marks(len(chunk))}) AND recorded_at <= ? AND date IS NOT NULL "
            "GROUP BY project_id, date",
            [*chunk, known.stamp],
        )
        for r in rows:
            out[(r["project_id"], r["date"])] = (int(r["b"]), int(r["s"]))
    return out


def recorded_by(alias: str, known: KnownOn | None) -> tuple[str, list[Any]]:
    """A join that keeps the rows of table ``alias`` recorded by ``known`` (nothing
    without a moment), for the reads that sum the ledger rows themselves."""
    if known is None:
        return "", []
    return f" JOIN rm_recorded k_{alias} ON k_{alias}.id = {alias}.id AND k_{alias}.recorded_at <= ?", [
        known.stamp
    ]


def registered_by(read: ReadStore, ids: Sequence[str], known: KnownOn) -> set[str]:
    """The ids among ``ids`` of projects registered by ``known``."""
    out: set[str] = set()
    for chunk in chunks(list(ids)):
        out |= {
            r["id"]
            for r in read.all(
                f"SELECT id FROM rm_recorded WHERE id IN ({marks(len(chunk))}) AND recorded_at <= ?",
                [*chunk, known.stamp],
            )
        }
    return out


def plans_at(read: ReadStore, ids: Sequence[str], known: KnownOn) -> dict[str, str]:
    """Each project's plan in force at ``known`` (the last one recorded by then)."""
    out: dict[str, str] = {}
    for chunk in chunks(list(ids)):
        for r in read.all(
            "SELECT project_id, plan FROM rm_plan_versions WHERE project_id IN "
            f"({marks(len(chunk))}) AND recorded_at <= ? ORDER BY project_id, recorded_at",
            [*chunk, known.stamp],
        ):
            out[r["project_id"]] = r["plan"]
    return out
