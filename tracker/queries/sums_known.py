"""The figures of ``sums`` as known on a moment: only ledger rows recorded by then.

Read from ``rm_recorded`` (each appropriation, payment and reversal with its business
date, its change of budget and spending in 分 and its recording moment) instead of
the monthly and daily sums, which hold everything recorded and cannot be taken apart
by recording time; the status of many projects (``project_sums``) from its sums by
business month and recording bucket (``projections.known_sums``), a few dozen rows a
project instead of every row of the year. ``sums`` calls these; nothing else should.
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
    """Budget and spending per project dated in ``counted`` and recorded by ``known``.

    The whole business months from the sums by recording bucket (``rm_known_*``): those
    recorded in a month before T's, on a day of T's month before T's day, in a second of
    T's day before T's second, and the rows of ``rm_recorded`` recorded in T's own second
    up to T. The last month, when it is not whole, like ``sums.project_sums``: in its
    first half its days so far are added, in its second half the days still to come are
    taken off, from ``rm_recorded`` (dated there and recorded by T)."""
    stamp = known.stamp
    first, last = counted
    month = last.isoformat()[:7]
    month_end = _month_end(last)
    partial = ""
    if last == month_end:
        whole = "month >= ? AND month <= ?"
        to_date = last.isoformat()
    elif last.day <= 15:
        whole = "month >= ? AND month < ?"
        to_date = (dt.date(last.year, last.month, 1) - dt.timedelta(days=1)).isoformat()
        partial = "date >= ? AND date <= ?"
        partial_params: list[Any] = [f"{month}-01", last.isoformat()]
        sign = ""
    else:
        whole = "month >= ? AND month <= ?"
        to_date = month_end.isoformat()
        partial = "date > ? AND date <= ?"
        partial_params = [last.isoformat(), month_end.isoformat()]
        sign = "-"
    months = [first.isoformat()[:7], month]
    only, extra = _only(year, unit_codes)
    # Read by recording bucket or date first, the unit's projects a filter: its index on
    # the project would read every row of each project (``|| ''`` keeps SQLite off it).
    only_rows, _ = _only(year, unit_codes, "(project_id || '')")
    parts = [
        f"SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_known_months WHERE {whole} "
        f"AND recorded < ?{only}",
        f"SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_known_days WHERE recorded >= ? "
        f"AND recorded < ? AND {whole}{only_rows}",
        f"SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_known_seconds WHERE recorded >= ? "
        f"AND recorded < ? AND {whole}{only_rows}",
        # T's own second: by project (its index on the recording moment), a few rows.
        "SELECT r.project_id, r.budget_fen AS b, r.spent_fen AS s FROM rm_projects p JOIN rm_recorded r "
        "ON r.project_id = p.id AND r.recorded_at >= ? AND r.recorded_at <= ? "
        f"WHERE r.date >= ? AND r.date <= ?{_only_projects(unit_codes)}",
    ]
    params: list[Any] = [
        *months,
        stamp[:7],
        *extra,
        stamp[:7],
        stamp[:10],
        *months,
        *extra,
        stamp[:10],
        stamp[:19],
        *months,
        *extra,
        stamp[:19],
        stamp,
        first.isoformat(),
        to_date,
        *([year, *unit_codes] if unit_codes is not None else []),
    ]
    if partial:
        parts.append(
            f"SELECT project_id, {sign}budget_fen AS b, {sign}spent_fen AS s FROM rm_recorded "
            f"WHERE {partial} AND recorded_at <= ?{only_rows}"
        )
        params += [*partial_params, stamp, *extra]
    sql = " UNION ALL ".join(parts)
    grouped = f"SELECT project_id, SUM(b) AS b, SUM(s) AS s FROM ({sql}) t GROUP BY project_id"
    return {r["project_id"]: (int(r["b"]), int(r["s"])) for r in read.all(grouped, params)}


def _only(year: int, unit_codes: Sequence[str] | None, column: str = "project_id") -> tuple[str, list[Any]]:
    """The condition keeping the projects of the year of the given units (none: all)."""
    if unit_codes is None:
        return "", []
    return (
        f" AND {column} IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code "
        f"IN ({marks(len(unit_codes))}))",
        [year, *unit_codes],
    )


def _only_projects(unit_codes: Sequence[str] | None) -> str:
    """The same condition on the joined projects ``p`` (none: every project of every
    year, as the other parts count any project's rows dated in the window)."""
    if unit_codes is None:
        return ""
    return f" AND p.year = ? AND p.unit_code IN ({marks(len(unit_codes))})"


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


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
