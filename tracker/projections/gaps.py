"""Gaps in the event log: an aggregate whose versions do not run 1, 2, 3 … unbroken.

The library numbers each aggregate's events from 1 without holes, so a hole means an
event was removed from the store behind the application's back (by SQL, a bad restore).
Read tables built from such a log would silently omit it, so the rebuild looks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.store.readstore import ReadStore


@dataclass(frozen=True)
class Gap:
    """The first missing event of one aggregate."""

    originator_id: str  # as the events table holds it
    topic: str  # of the aggregate's first stored event: says what kind of object it is
    missing: int  # the first version number absent from the log


class LogGapError(Exception):
    """The log has a gap; raised inside the rebuild's transaction, which it rolls back."""

    def __init__(self, gap: Gap) -> None:
        super().__init__(f"event log gap: {gap.originator_id} lacks version {gap.missing}")
        self.gap = gap


def first_gap(read: ReadStore, cursor: Any) -> Gap | None:
    """The first aggregate (by id) whose versions are not contiguous from 1, or None.

    One grouped scan of the events table's primary key: since (id, version) is unique,
    the versions are 1…n exactly when the smallest is 1 and the largest is the count.
    """
    table = read.events_table
    cursor.execute(
        f"SELECT originator_id FROM {table} GROUP BY originator_id "
        "HAVING MIN(originator_version) <> 1 OR MAX(originator_version) <> COUNT(*) "
        "ORDER BY originator_id LIMIT 1"
    )
    row = cursor.fetchone()
    if row is None:
        return None
    oid = row["originator_id"]
    cursor.execute(
        read.sql(f"SELECT originator_version AS v, topic FROM {table} WHERE originator_id = ? ORDER BY v"),
        (oid,),
    )
    versions = cursor.fetchall()
    missing = next((n for n, r in enumerate(versions, start=1) if int(r["v"]) != n), len(versions) + 1)
    return Gap(str(oid), str(versions[0]["topic"]), missing)
