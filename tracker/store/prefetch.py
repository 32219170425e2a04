"""Many aggregates' stored events read in a few statements instead of two per aggregate.

Why: an import into a county's 1,000 projects loads every project first
(``tracker.importing.payments._load_all``). The library's repository reads each one's
latest snapshot and then its later events: 2,000 statements, each a round trip to
PostgreSQL (about 1.5 ms of the importing thread's time each, 8 % of such an import).

``prefetched(app, ids)`` reads, for all ``ids`` at once, the latest snapshot of each
and every event from that snapshot's version on (every event when there is none).
Meanwhile the recorders' ``select_events``, called by the same thread, answers a query
about one of these ids from what was read, when what was read holds the whole answer;
anything else (another id, an older range, another thread) goes to the database as
before. So the library's own repository still rebuilds each aggregate, checks its
history (``GapAwareRepository``) and caches it: only the reading is batched. The
answers are the rows the per-aggregate statements would return, in the same order
(``tests/integration/test_prefetch.py`` compares them on both engines).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

IDS_PER_STATEMENT = 400  # SQLite: two parameters an id, well under its 999 limit


class _Read:
    """One aggregate's rows from one table: every version from ``lowest`` on."""

    def __init__(self, lowest: int) -> None:
        self.lowest = lowest
        self.rows: list[StoredEvent] = []

    def answer(
        self, gt: int | None, lte: int | None, desc: bool, limit: int | None
    ) -> list[StoredEvent] | None:
        """The rows ``select_events`` would return, or ``None`` if some may be missing."""
        rows = [
            r
            for r in self.rows
            if (gt is None or r.originator_version > gt) and (lte is None or r.originator_version <= lte)
        ]
        if desc:
            rows.reverse()
        if limit is not None:
            rows = rows[:limit]
        complete = (
            self.lowest <= 1
            or (gt is not None and gt + 1 >= self.lowest)
            or (desc and limit is not None and len(rows) == limit)
        )
        return rows if complete else None


@contextlib.contextmanager
def prefetched(app: Any, ids: Sequence[UUID]) -> Iterator[None]:
    """While inside, the repository's reads of ``ids`` (by this thread) come from a
    few statements made on entry."""
    snapshot_store = app.repository.snapshot_store
    events = app.repository.event_store.recorder
    snapshots = snapshot_store.recorder if snapshot_store is not None else None
    if not ids or not _supported(events) or (snapshots is not None and not _supported(snapshots)):
        yield
        return
    unique = list(dict.fromkeys(ids))
    from_snapshots: dict[UUID, _Read] = {}
    if snapshots is not None:
        from_snapshots = {i: _Read(1) for i in unique}
        for row in _latest(snapshots, unique):
            read = from_snapshots[_id(row)]
            read.rows.append(row)
            read.lowest = row.originator_version
    lowest = {i: from_snapshots[i].lowest if i in from_snapshots else 1 for i in unique}
    from_events = {i: _Read(v) for i, v in lowest.items()}
    for row in _from_versions(events, lowest):
        from_events[_id(row)].rows.append(row)
    # Of the snapshots only the latest was read: it answers the repository's question
    # (the latest, ``desc`` with ``limit=1``); with none stored, "none" is the answer.
    with _serving(events, from_events), _serving(snapshots, from_snapshots):
        yield


def _id(row: StoredEvent) -> UUID:
    key = row.originator_id
    if not isinstance(key, UUID):
        raise TypeError(f"an originator id that is not a UUID: {key!r}")
    return key


def _supported(recorder: Any) -> bool:
    """A recorder of the library's two engines, ids kept as UUIDs, not already served."""
    engine = _engine(recorder)
    if engine == "sqlite" and getattr(recorder.datastore, "originator_id_type", "uuid") != "uuid":
        return False
    return engine is not None and "select_events" not in vars(recorder)


def _engine(recorder: Any) -> str | None:
    if isinstance(recorder, PostgresAggregateRecorder):
        return "postgres"
    if isinstance(recorder, SQLiteAggregateRecorder):
        return "sqlite"
    return None


@contextlib.contextmanager
def _serving(recorder: Any, reads: dict[UUID, _Read]) -> Iterator[None]:
    if recorder is None:
        yield
        return
    original = recorder.select_events
    me = threading.get_ident()

    def select_events(
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        read = reads.get(originator_id) if isinstance(originator_id, UUID) else None
        if read is not None and threading.get_ident() == me:
            answer = read.answer(gt, lte, desc, limit)
            if answer is not None:
                return answer
        return original(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)

    recorder.select_events = select_events
    try:
        yield
    finally:
        del recorder.select_events


def _latest(recorder: Any, ids: list[UUID]) -> list[StoredEvent]:
    """Each id's row of the highest version in ``recorder``'s table (none if it has none)."""
    if _engine(recorder) == "postgres":
        statement = SQL(
            "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
            "FROM {}.{} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        return _pg_rows(recorder, statement, [ids])
    out: list[StoredEvent] = []
    table = recorder.events_table_name
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        part = ids[start : start + IDS_PER_STATEMENT]
        marks = ",".join("?" * len(part))
        text = (
            f"SELECT originator_id, originator_version, topic, state FROM {table} AS t "
            f"WHERE originator_id IN ({marks}) AND originator_version = "
            f"(SELECT MAX(originator_version) FROM {table} AS u WHERE u.originator_id = t.originator_id)"
        )
        out += _sqlite_rows(recorder, text, [i.hex for i in part])
    return out


def _from_versions(recorder: Any, lowest: dict[UUID, int]) -> list[StoredEvent]:
    """Each id's rows from its own lowest version on, oldest first (grouped by id)."""
    ids = list(lowest)
    if _engine(recorder) == "postgres":
        statement = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {}.{} AS e "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS s(id, v) "
            "ON e.originator_id = s.id AND e.originator_version >= s.v "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        return _pg_rows(recorder, statement, [ids, [lowest[i] for i in ids]])
    out: list[StoredEvent] = []
    table = recorder.events_table_name
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        part = ids[start : start + IDS_PER_STATEMENT]
        values = ",".join("(?, ?)" for _ in part)
        text = (
            f"WITH s(id, v) AS (VALUES {values}) "
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {table} AS e "
            "JOIN s ON e.originator_id = s.id AND e.originator_version >= s.v "
            "ORDER BY e.originator_id, e.originator_version"
        )
        out += _sqlite_rows(recorder, text, [x for i in part for x in (i.hex, lowest[i])])
    return out


def _pg_rows(recorder: Any, statement: Any, params: list[Any]) -> list[StoredEvent]:
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, params)
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in curs.fetchall()
        ]


def _sqlite_rows(recorder: Any, statement: str, params: list[Any]) -> list[StoredEvent]:
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, params)
        return [
            StoredEvent(
                originator_id=recorder.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in c.fetchall()
        ]
