"""Sums of ``rm_recorded`` by project, business month and recording time, for "as known on".

Summing every row of ``rm_recorded`` dated in the year and recorded by a moment T reads a
million rows at a million payments (p95 ~400 ms). These three tables hold the same rows
summed by (project, business month, recording bucket) at three grains of the recording
moment (fixed-width UTC text): its month (``2024-07``), its day (``2024-07-05``) and its
second (``2024-07-05T09:00:00``). "Recorded by T" splits exactly into: recorded in a
month before T's month, or on a day of T's month before T's day, or in a second of T's
day before T's second (one range read of each table), or in T's own second up to T
(the few rows of ``rm_recorded`` itself). ``queries.sums_known.project_sums`` reads them.

Written beside every ``rm_recorded`` row that has a date (``ledger_statements``: one
additive upsert per table, merged by the import like the daily sums); a rebuild and an
old database's first open fill them from ``rm_recorded`` by one GROUP BY each (``fill``).
"""

from __future__ import annotations

from typing import Any

Statement = tuple[str, tuple[Any, ...]]

# (table, characters of the recording moment kept as its bucket)
GRAINS = (("rm_known_months", 7), ("rm_known_days", 10), ("rm_known_seconds", 19))
TABLES = tuple(table for table, _ in GRAINS)


def _add(table: str) -> str:
    return (
        f"INSERT INTO {table} (project_id, month, recorded, budget_fen, spent_fen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (project_id, month, recorded) DO UPDATE SET "
        f"budget_fen = {table}.budget_fen + excluded.budget_fen, "
        f"spent_fen = {table}.spent_fen + excluded.spent_fen"
    )


ADD_KNOWN = tuple(_add(table) for table in TABLES)
ADD_KNOWN_SET = frozenset(ADD_KNOWN)


def ledger_statements(pid: str, iso: str, budget_fen: int, spent_fen: int, stamp: str) -> list[Statement]:
    """The three additions of one dated ledger row (ISO date ``iso``, recorded at ``stamp``)."""
    month = iso[:7]
    return [
        (ADD_KNOWN[0], (pid, month, stamp[:7], budget_fen, spent_fen)),
        (ADD_KNOWN[1], (pid, month, stamp[:10], budget_fen, spent_fen)),
        (ADD_KNOWN[2], (pid, month, stamp[:19], budget_fen, spent_fen)),
    ]


def fill(c: Any) -> None:
    """Empty the three tables and sum ``rm_recorded`` into them (a rebuild, once for an
    old database); ``c`` is a cursor inside the caller's transaction."""
    for table, width in GRAINS:
        c.execute(f"DELETE FROM {table}")
        c.execute(
            f"INSERT INTO {table} (project_id, month, recorded, budget_fen, spent_fen) "
            f"SELECT project_id, substr(date, 1, 7), substr(recorded_at, 1, {width}), "
            "SUM(budget_fen), SUM(spent_fen) FROM rm_recorded WHERE date IS NOT NULL "
            f"GROUP BY project_id, substr(date, 1, 7), substr(recorded_at, 1, {width})"
        )


def needs_fill(c: Any) -> bool:
    """Dated ledger rows are kept but none of their sums: a database written before
    these tables existed (two probes of an index on every usual start)."""
    c.execute("SELECT 1 AS x FROM rm_known_months LIMIT 1")
    if c.fetchone() is not None:
        return False
    c.execute("SELECT 1 AS x FROM rm_recorded WHERE date IS NOT NULL LIMIT 1")
    return c.fetchone() is not None
