"""Plain-SQL access to the read tables, on whichever database the events live in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from tracker.projections.projector import statements_for
from tracker.projections.recorders import to_pg
from tracker.projections.schema import READ_TABLES

Row = dict[str, Any]


class ReadStore:
    """Runs read-model queries through the event store's own connection pool."""

    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.is_postgres = isinstance(recorder, PostgresApplicationRecorder)
        self.events_table = recorder.events_table_name

    def sql(self, statement: str) -> str:
        return to_pg(statement) if self.is_postgres else statement

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(statement), tuple(params))
            return [dict(r) for r in c.fetchall()]

    def one(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(statement, params)
        return rows[0] if rows else None

    def rebuild(
        self,
        to_domain_event: Callable[[StoredEvent], Any],
        progress: Callable[[int, int], None] | None = None,
        batch: int = 5000,
    ) -> int:
        """Empty the read tables and replay the whole event log into them.

        One transaction: writers wait (PostgreSQL: the events table is locked; SQLite:
        the write lock is held), and a crash or ``kill -9`` leaves the old tables
        intact, so running the command again is always safe.
        """
        seq = "notification_id" if self.is_postgres else "rowid"
        select = self.sql(
            f"SELECT {seq} AS n, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE {seq} > ? ORDER BY {seq} LIMIT ?"
        )
        done = 0
        with self.datastore.transaction(commit=True) as c:
            if self.is_postgres:
                c.execute(f"LOCK TABLE {self.events_table} IN EXCLUSIVE MODE")
            c.execute(self.sql(f"SELECT COALESCE(MAX({seq}), 0) AS m FROM {self.events_table}"))
            total = int(dict(c.fetchone())["m"])
            for table in READ_TABLES:
                c.execute(f"DELETE FROM {table}")
            last = 0
            while True:
                c.execute(select, (last, batch))
                rows = [dict(r) for r in c.fetchall()]
                if not rows:
                    break
                events = [to_domain_event(_stored(r)) for r in rows]
                for statement, params in statements_for(events):
                    c.execute(self.sql(statement), params)
                last = int(rows[-1]["n"])
                done += len(rows)
                if progress:
                    progress(last, total)
        return done


def _stored(row: Row) -> StoredEvent:
    oid = row["originator_id"]
    return StoredEvent(
        originator_id=oid if isinstance(oid, UUID) else UUID(oid),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )
