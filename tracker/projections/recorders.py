"""Application recorders that update the read model in the events' own transaction.

Why inline rather than a follower process: eventsourcing 9.5's ProjectionRunner cannot
subscribe to SQLite (the embedded default), and updating read tables in the same
transaction as the events gives, on both databases alike, read-your-writes, exactly
once (a crash rolls back events and rows together) and no lag. The application passes
the row changes as the ``projection`` keyword of ``save()``; the library hands it to
``_insert_events`` on SQLite and to ``_insert_stored_events`` on PostgreSQL (after the
events table lock, so projections apply in notification order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from tracker.projections.schema import TABLES


class TrackerSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite event store plus read tables, written in one transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *TABLES]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None
        if len(stored_events) > 1:
            ids = self._insert_many(c, stored_events)
        else:
            ids = super()._insert_events(c, stored_events, **kwargs)
        for sql, params in kwargs.get("projection", ()):
            c.execute(sql, params)
        return ids

    def _insert_many(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """One ``executemany`` for a batch (an import saves thousands at once).

        Inside the transaction this connection holds SQLite's only write lock, so the
        new rowids are the consecutive numbers after the previous maximum.
        """
        c.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}")
        start = int(c.fetchone()[0])
        c.executemany(self.insert_events_statement, [
            (s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
             s.originator_version, s.topic, s.state)
            for s in stored_events
        ])
        return list(range(start + 1, start + 1 + len(stored_events)))


class TrackerPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL event store plus read tables, written in one transaction."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(t).format() for t in TABLES)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        """Report a clash as a clash: under load psycopg may surface a failed events
        INSERT as "pipeline aborted" (an OperationalError) instead of its own unique
        violation, and the application reloads and retries only on IntegrityError."""
        try:
            return super().insert_events(stored_events, **kwargs)
        except OperationalError as e:
            if "pipeline aborted" not in str(e):
                raise
            raise IntegrityError(f"events not inserted: {e}") from e

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        """No NOTIFY: nothing LISTENs (read models are updated inline), and a NOTIFY
        takes a database-wide lock at commit that cost about a quarter of the write rate."""

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # A second cursor: the library fetches the RETURNING ids from ``curs`` later.
        with curs.connection.cursor() as rows:
            for sql, params in kwargs.get("projection", ()):
                # prepare=False: if the events INSERT clashes, the pipeline aborts and a
                # pending PREPARE would be lost while psycopg believed it done.
                rows.execute(to_pg(sql), params, prepare=False)


def to_pg(sql: str) -> str:
    """``?`` placeholders (sqlite3) to ``%s`` (psycopg); our SQL has no literal ``?``."""
    return sql.replace("?", "%s")
