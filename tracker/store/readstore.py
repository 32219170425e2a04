"""Plain-SQL access to the read tables, on whichever database the events live in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder

from tracker.store.recorders import to_pg

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
        """The rows of one statement.

        On PostgreSQL the statement runs on its own (the pool's connections are in
        autocommit mode), not inside BEGIN ... ROLLBACK: one statement sees one snapshot
        either way, and the two extra round trips were a third of a payment request's
        waits on the database under load."""
        with self._cursor() as c:
            c.execute(self.sql(statement), tuple(params))
            return [dict(r) for r in c.fetchall()]

    def _cursor(self) -> Any:
        if self.is_postgres:
            return self.datastore.cursor()
        return self.datastore.transaction(commit=False)

    def one(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(statement, params)
        return rows[0] if rows else None
