"""Budget and spending "as of d": the one place that says what a date's figures count.

As of a business date *d* of a fiscal year, a figure counts what is dated from
1 January to *d* (31 December at the latest; nothing before the year starts):
appropriations by their own date (reductions and recalls negative), payments by
theirs, less reversals by the reversal's date. Every query asks here, at one of two
grains, both written from the same events by the projections:

- per project: ``project_sums`` and ``daily``, from the monthly and daily sums (at
  most ~43 rows a project, so the status of 1,000 projects stays fast);
- per project and class: ``appropriated`` (by kind) and ``spent_by_class`` (by the
  payment's economic class and source, a reversal charged as its payment), from the
  rows themselves, for the public tables whose columns follow those classes.

Sums are integer 分, summed by the database (exact on SQLite and PostgreSQL alike).

Each also takes ``known`` (a ``KnownOn`` moment, 依据时点): then only the rows recorded
by that moment count (``sums_known``); without it the path is the fast one above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.domain.project import INITIAL
from tracker.queries import sums_known
from tracker.queries.known import KnownOn
from tracker.queries.sql import chunks, marks
from tracker.store.readstore import ReadStore

Fen = tuple[int, int]  # (budget, spent) in 分


@dataclass(frozen=True)
class Spent:
    """Net spending (分) of one project under one payment economic class and source."""

    project_id: str
    economic: str | None
    source: str
    fen: int


def window(year: int, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The business dates counted as of ``day``: 1 January to ``day`` (31 December at
    the latest), or None when ``day`` is before the year."""
    if day < dt.date(year, 1, 1):
        return None
    return dt.date(year, 1, 1), min(day, dt.date(year, 12, 31))


def project_sums(
    read: ReadStore,
    year: int,
    day: dt.date,
    unit_codes: Sequence[str] | None = None,
    known: KnownOn | None = None,
) -> dict[str, Fen]:
    """Budget and spending in 分 per project of the year (of the given units) as of
    ``day``, from the monthly sums and the fewest daily rows: a month's last day needs
    no daily row; in its first half, the whole months before it plus its days so far;
    in its second half, the whole months to its end less the days still to come (a
    late date inside a busy month reads half the daily rows)."""
    counted = window(year, day)
    if counted is None:
        return {}
    if known is not None:
        return sums_known.project_sums(read, year, counted, unit_codes, known)
    last = counted[1]
    month = last.isoformat()[:7]
    month_end = _month_end(last)
    only = ""
    extra: list[Any] = []
    if unit_codes is not None:
        only = (
            " AND project_id IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code "
            f"IN ({marks(len(unit_codes))}))"
        )
        extra = [year, *unit_codes]
    # The partial month's days read by date from the covering index, the unit's projects
    # a filter: on the project (its key) each daily row is looked up in the table too
    # (``|| ''`` keeps SQLite off it; the same rows either way). The months keep the key:
    # a dozen rows a project, measured no faster by month. SQLite only: PostgreSQL's
    # planner does better with the key (as of 20 June at 200 projects, 6 ms against 37).
    only_days = only if read.is_postgres else only.replace("AND project_id IN", "AND (project_id || '') IN")
    monthly = "SELECT project_id, budget_fen AS b, spent_fen AS s FROM rm_monthly WHERE month >= ? AND month"
    daily = "SELECT project_id, {0}budget_fen AS b, {0}spent_fen AS s FROM rm_daily WHERE date"
    if last == month_end:
        sql, params = f"{monthly} <= ?{only}", [f"{year}-01", month, *extra]
    elif last.day <= 15:
        sql = f"{monthly} < ?{only} UNION ALL {daily.format('')} >= ? AND date <= ?{only_days}"
        params = [f"{year}-01", month, *extra, f"{month}-01", last.isoformat(), *extra]
    else:
        sql = f"{monthly} <= ?{only} UNION ALL {daily.format('-')} > ? AND date <= ?{only_days}"
        params = [f"{year}-01", month, *extra, last.isoformat(), month_end.isoformat(), *extra]
    grouped = f"SELECT project_id, SUM(b) AS b, SUM(s) AS s FROM ({sql}) t GROUP BY project_id"
    return {r["project_id"]: (int(r["b"]), int(r["s"])) for r in read.all(grouped, params)}


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def daily(read: ReadStore, ids: Iterable[str], known: KnownOn | None = None) -> dict[tuple[str, str], Fen]:
    """Each day's change of budget and spending in 分, by (project id, ISO date)."""
    if known is not None:
        return sums_known.daily(read, ids, known)
    out: dict[tuple[str, str], Fen] = {}
    for chunk in chunks(list(ids)):
        rows = read.all(
            "SELECT project_id, date, budget_fen, spent_fen FROM rm_daily WHERE project_id "
            f"IN ({marks(len(chunk))})",
            chunk,
        )
        for r in rows:
            out[(r["project_id"], r["date"])] = (int(r["budget_fen"]), int(r["spent_fen"]))
    return out


def initial_budgets(read: ReadStore, ids: Sequence[str], known: KnownOn | None = None) -> dict[str, int]:
    """年初预算 in 分 per project (of those that have one), whatever its date."""
    out: dict[str, int] = {}
    join, moment = sums_known.recorded_by("a", known)
    for chunk in chunks(ids):
        for r in read.all(
            f"SELECT a.project_id, SUM(a.amount_fen) AS fen FROM rm_appropriations a{join} WHERE a.kind = ? "
            f"AND a.project_id IN ({marks(len(chunk))}) GROUP BY a.project_id",
            [*moment, INITIAL, *chunk],
        ):
            out[r["project_id"]] = int(r["fen"])
    return out


def _selection(year: int, unit_codes: Sequence[str] | None) -> tuple[str, list[Any]]:
    """The WHERE part for the projects ``p`` of the year (of the given units)."""
    if unit_codes is None:
        return "p.year = ?", [year]
    return f"p.year = ? AND p.unit_code IN ({marks(len(unit_codes))})", [year, *unit_codes]


def appropriated(
    read: ReadStore,
    year: int,
    day: dt.date,
    unit_codes: Sequence[str] | None = None,
    known: KnownOn | None = None,
) -> dict[str, dict[str, int]]:
    """Appropriations in 分 per project and kind as of ``day`` (signed)."""
    counted = window(year, day)
    if counted is None:
        return {}
    where, params = _selection(year, unit_codes)
    join, moment = sums_known.recorded_by("a", known)
    out: dict[str, dict[str, int]] = {}
    for r in read.all(
        f"SELECT a.project_id, a.kind, SUM(a.amount_fen) AS fen FROM rm_appropriations a{join} "
        f"JOIN rm_projects p ON p.id = a.project_id WHERE {where} AND a.date >= ? AND a.date <= ? "
        "GROUP BY a.project_id, a.kind",
        [*moment, *params, *(d.isoformat() for d in counted)],
    ):
        out.setdefault(r["project_id"], {})[r["kind"]] = int(r["fen"])
    return out


def spent_by_class(
    read: ReadStore,
    year: int,
    day: dt.date,
    unit_codes: Sequence[str] | None = None,
    known: KnownOn | None = None,
) -> list[Spent]:
    """Net spending per project, payment economic class and source as of ``day``, in
    order of project id, class and source; classes that net to nothing are left out."""
    counted = window(year, day)
    if counted is None:
        return []
    where, params = _selection(year, unit_codes)
    dates = [d.isoformat() for d in counted]
    join_y, moment = sums_known.recorded_by("y", known)
    join_r, _ = sums_known.recorded_by("r", known)
    paid = read.all(
        f"SELECT y.project_id, y.economic, y.source, SUM(y.amount_fen) AS fen FROM rm_payments y{join_y} "
        f"JOIN rm_projects p ON p.id = y.project_id WHERE {where} AND y.date >= ? AND y.date <= ? "
        "GROUP BY y.project_id, y.economic, y.source",
        [*moment, *params, *dates],
    )
    returned = read.all(
        f"SELECT y.project_id, y.economic, y.source, SUM(r.amount_fen) AS fen FROM rm_reversals r{join_r} "
        "JOIN rm_payments y ON y.id = r.payment_id JOIN rm_projects p ON p.id = y.project_id "
        f"WHERE {where} AND r.date >= ? AND r.date <= ? GROUP BY y.project_id, y.economic, y.source",
        [*moment, *params, *dates],
    )
    net: dict[tuple[str, str | None, str], int] = {}
    for rows, sign in ((paid, 1), (returned, -1)):
        for r in rows:
            key = (r["project_id"], r["economic"] or None, r["source"])
            net[key] = net.get(key, 0) + sign * int(r["fen"])
    return [
        Spent(pid, eco, src, fen)
        for (pid, eco, src), fen in sorted(net.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2]))
        if fen
    ]
