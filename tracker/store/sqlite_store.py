"""The SQLite event store's connections, with a statement cache that can hold our SQL.

eventsourcing 9.5.6 opens its SQLite connections with ``cached_statements=True``, which
Python reads as a cache of *one* compiled statement. Every command runs several
statements (the event insert, then the read-model upserts), so each one was compiled
again on every call: about 15-25 µs apiece, and a third of a payment's own time. The
factory below is the library's, with connections that keep ``STATEMENT_CACHE`` compiled
statements (Python's default is 128). Reads and queries gain the same way.

``tracker.config`` names this factory in ``PERSISTENCE_MODULE``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing.persistence import InterfaceError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteFactory,
)

STATEMENT_CACHE = 256  # our read and write statements together number about 150


class StatementCachingPool(SQLiteConnectionPool):
    """The library's pool, opening connections with a real statement cache."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            c = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: the library issues BEGIN itself
                cached_statements=STATEMENT_CACHE,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            self._use_wal(c)
        c.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=c, max_age=self.max_age)

    def _use_wal(self, c: sqlite3.Connection) -> None:
        """As the library does: file databases run in WAL mode (readers never block)."""
        mode = c.execute("PRAGMA journal_mode;").fetchone()[0]
        if mode.lower() != "wal":
            c.execute("PRAGMA journal_mode=WAL;")
            self.journal_mode_was_changed_to_wal = True
        self.is_journal_mode_wal = True


class TrackerSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, its datastore drawing on ``StatementCachingPool``."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        old = self.datastore.pool  # built by the library, never yet connected
        self.datastore.pool = StatementCachingPool(db_name=old.db_name, lock_timeout=old.lock_timeout)
        old.close()
