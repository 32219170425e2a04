"""Plain-SQL access to the read tables, on whichever database the events live in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder

from tracker.projections.projector import Statement, statements_for
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
        decode: Callable[[bytes], Any],
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
                events = [_record(r, decode) for r in rows]
                for statement, params in _grouped(statements_for(events, _kind)):
                    c.executemany(self.sql(statement), params)
                last = int(rows[-1]["n"])
                done += len(rows)
                if progress:
                    progress(last, total)
        return done


def _record(row: Row, decode: Callable[[bytes], Any]) -> SimpleNamespace:
    """A light stand-in for the domain event: its decoded fields and its class name.

    Building full domain event objects costs several times more than decoding the
    JSON, and the projector only reads attributes.
    """
    oid = row["originator_id"]
    record = SimpleNamespace(**decode(bytes(row["state"])))
    record.originator_id = oid if isinstance(oid, UUID) else UUID(oid)
    record.event_kind_ = row["topic"].rsplit(":", 1)[-1]
    return record


def _kind(record: Any) -> str:
    return str(record.event_kind_)


def _grouped(statements: list[Statement]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Consecutive runs of the same statement, for ``executemany`` (order kept)."""
    out: list[tuple[str, list[tuple[Any, ...]]]] = []
    for sql, params in statements:
        if out and out[-1][0] == sql:
            out[-1][1].append(params)
        else:
            out.append((sql, [params]))
    return out
