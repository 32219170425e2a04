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

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor, pq
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from tracker.store import chain, chain_pg
from tracker.store.pg_prepared import PreparedStatements, inline
from tracker.store.schema import TABLES

ONE_TRIP_MAX_EVENTS = 50  # a command's events; an import's thousands use the array insert
SQLITE_PARAMS_PER_INSERT = 900  # below SQLite's oldest limit of 999 bound parameters


class TrackerSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite event store plus read tables, written in one transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *TABLES, chain.CREATE_CHAIN_TABLE]

    def create_table(self) -> None:
        """The tables, then the chain of any events stored before it existed (once).

        The chain is built in a transaction of its own whose first statement writes
        (a DELETE of nothing), so it holds SQLite's write lock before it reads: two
        processes opening an old file together take turns, and the second finds the
        chain built instead of failing on a stale read snapshot.
        """
        self._create_tables_retrying()
        with self.datastore.transaction(commit=False) as c:
            if chain.head_of(c).count:
                return  # the usual start: no write lock, so a start never waits for a rebuild
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {chain.CHAIN_TABLE} WHERE 0")
            chain.seal(c, self.events_table_name, is_postgres=False)

    def _create_tables_retrying(self, attempts: int = 20) -> None:
        """The library's ``CREATE ... IF NOT EXISTS`` statements, again if SQLite said
        "database is locked". They run in a deferred transaction: when several
        processes start on a file that lacks a table (a release adding read tables,
        gunicorn's workers starting together), one whose read snapshot went stale
        while another created it is refused at once, without the busy timeout. The
        statements are idempotent, so trying again is safe."""
        for attempt in range(attempts):
            try:
                super().create_table()
                return
            except OperationalError as e:
                if "locked" not in str(e) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None
        if len(stored_events) > 1:
            ids = self._insert_many(c, stored_events)
        else:
            ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            self._chain(c, ids, stored_events)
        for sql, params in kwargs.get("projection", ()):
            c.execute(sql, params)
        return ids

    @staticmethod
    def _chain(c: SQLiteCursor, ids: Sequence[int], stored_events: Sequence[StoredEvent]) -> None:
        """Link the new events to the chain, in their transaction, under its write lock
        (taken by the events INSERT just made)."""
        rows = [
            (n, s.originator_id, s.originator_version, s.topic, s.state)
            for n, s in zip(ids, stored_events, strict=True)
        ]
        if len(rows) == 1:
            chain.append_links(c, chain.INSERT_LINK, chain.head_of(c), rows)
            return
        links = chain.links(chain.head_of(c), rows)
        insert_rows(c, chain.INSERT_LINK, [link.row() for link in links])

    def _insert_many(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """One ``executemany`` for a batch (an import saves thousands at once).

        Inside the transaction this connection holds SQLite's only write lock, so the
        new rowids are the consecutive numbers after the previous maximum.
        """
        c.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}")
        start = int(c.fetchone()[0])
        insert_rows(
            c,
            self.insert_events_statement,
            [
                (
                    s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored_events
            ],
        )
        return list(range(start + 1, start + 1 + len(stored_events)))


def insert_rows(c: Any, insert: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``c.executemany(insert, rows)`` as multi-row INSERTs of up to 900 parameters (the
    same rows in the same order: the rowids come out the same).

    Why: each row of an ``executemany`` is a step of its own, about 2 µs of driver work
    a row, and each step hands the interpreter lock back and forth; 100,000 events and
    their chain links took 200,000 steps. ``insert`` is a single-row ``INSERT ...
    VALUES (?, ...)``."""
    if not rows:
        return
    head, one = insert.rsplit(" VALUES ", 1)
    per = max(1, SQLITE_PARAMS_PER_INSERT // len(rows[0]))
    whole = len(rows) - len(rows) % per
    if whole:
        many = f"{head} VALUES {', '.join([one] * per)}"
        for i in range(0, whole, per):
            flat: list[Any] = []
            for r in rows[i : i + per]:
                flat.extend(r)
            c.execute(many, flat)
    if whole < len(rows):
        c.executemany(insert, rows[whole:])


class TrackerPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL event store plus read tables, written in one transaction."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(t).format() for t in TABLES)
        self.sql_create_statements.extend(
            SQL(t).format()
            for t in (
                chain.CREATE_CHAIN_TABLE,
                chain_pg.create_function(),
                chain_pg.create_trigger(self._qualified_events_table()),
            )
        )
        self._prepared = PreparedStatements()

    def _qualified_events_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.events_table_name}"'

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        """The tables and the chain trigger, then, with writers held off, the chain of
        any events stored before it existed (once; the advisory schema lock and the
        table lock make concurrent starters take turns)."""
        super()._create_table(curs)
        if chain.head_of(curs).count:
            return  # the usual start: no lock, so a start never waits for a rebuild
        curs.execute(f"SET LOCAL lock_timeout = '{int(self.datastore.lock_timeout)}s'")
        curs.execute(f"LOCK TABLE {self._qualified_events_table()} IN EXCLUSIVE MODE")
        chain.seal(curs, self._qualified_events_table(), is_postgres=True)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        """A command's few events and their read-model rows in one round trip.

        The library pipelines lock, insert and projection statements, then waits for
        a sync and sends COMMIT: two round trips and much client-side work, about a
        quarter of raw psycopg's rate. Here the same statements go as one
        multi-statement query, which PostgreSQL runs as one implicit transaction:
        all of it commits, or a failure (a version clash) rolls all of it back.
        Large batches (an import) keep the library's array insert.
        """
        if not stored_events:
            return None
        if len(stored_events) > ONE_TRIP_MAX_EVENTS:
            return self._insert_pipelined(stored_events, **kwargs)
        projection = kwargs.get("projection", ())
        params: list[Any] = []
        for _, row in projection:
            params += row
        for e in stored_events:
            params += (e.originator_id, e.originator_version, e.topic, e.state)
        with self.datastore.get_connection() as conn:
            try:
                return self._one_trip(conn, len(stored_events), projection, params)
            except psycopg.errors.InvalidSqlStatementName:
                # psycopg sends DEALLOCATE ALL after a ROLLBACK or DROP on this session;
                # the failed query wrote nothing, so prepare afresh and send it again.
                self._prepared.forget(conn)
                return self._one_trip(conn, len(stored_events), projection, params)

    def _one_trip(
        self, conn: Any, n_events: int, projection: Sequence[tuple[str, Any]], params: list[Any]
    ) -> list[int]:
        """Send the query through libpq itself: a cursor would build a result object
        for every statement, and only the last one (the new notification ids) is
        wanted. An error becomes psycopg's own exception class, which the library's
        connection context turns into its IntegrityError and the like."""
        query = inline(self._one_trip_query(conn, n_events, projection), params)
        result = conn.pgconn.exec_(query.encode())
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
        return [int(result.get_value(i, 0)) for i in range(result.ntuples)]

    def _insert_pipelined(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        """Report a clash as a clash: under load psycopg may surface a failed events
        INSERT as "pipeline aborted" (an OperationalError) instead of its own unique
        violation, and the application reloads and retries only on IntegrityError."""
        try:
            return super().insert_events(stored_events, **kwargs)
        except OperationalError as e:
            if "pipeline aborted" not in str(e):
                raise
            raise IntegrityError(f"events not inserted: {e}") from e

    def _one_trip_query(self, conn: Any, n_events: int, projection: Sequence[tuple[str, Any]]) -> list[str]:
        """Lock, the read-model rows, then n events returning their notification ids
        (last, so that theirs is the query's result); split at its placeholders."""
        statements = tuple(sql for sql, _ in projection)
        return self._prepared.query(
            conn, (n_events, statements), lambda: self._compose(conn, n_events, statements)
        )

    def _compose(self, conn: Any, n_events: int, statements: tuple[str, ...]) -> str:
        table = (
            SQL("{0}.{1}")
            .format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
            .as_string(conn)
        )
        # As the library's own lock statements: writers serialised, readers not. The
        # timeout is the session's (set here, before the first query of this shape on
        # this connection) rather than a SET LOCAL in every command.
        conn.execute(f"SET lock_timeout = '{int(self.datastore.lock_timeout)}s'")
        lock = f"LOCK TABLE {table} IN EXCLUSIVE MODE"
        values = ", ".join(["(%s, %s, %s, %s)"] * n_events)
        insert = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            f"VALUES {values} RETURNING notification_id"
        )
        parts = [
            chain_pg.MARK,
            lock,
            *(self._prepared.call(conn, to_pg(sql)) for sql in statements),
            self._prepared.call(conn, insert),
        ]
        return "; ".join(parts)

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        """No NOTIFY: nothing LISTENs (read models are updated inline), and a NOTIFY
        takes a database-wide lock at commit that cost about a quarter of the write rate."""

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        curs.execute(chain_pg.MARK, prepare=False)  # the chain trigger links these rows
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
