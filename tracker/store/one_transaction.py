"""One database transaction around many commands: every read and write of one thread
through one connection, committed once (the spreadsheet import's all-or-nothing).

Why here and not in the recorders: the library opens a transaction for every save and
a connection for every read. While a ``OneTransaction`` is open, the datastore's two
entry points (``transaction`` and ``get_connection``) hand the opening thread its one
pinned connection instead, inside a transaction begun once:

- a write (``transaction(commit=True)`` on SQLite, ``insert_events`` on either) runs
  in a SAVEPOINT, so a clash the service layer expects and handles (a unit registered
  meanwhile, a stale cached aggregate) undoes only that save, as a failed transaction
  would, and the work goes on;
- reads see the transaction's own writes (a project registered earlier in the file);
- nothing is visible to other connections before the one COMMIT, and a process killed
  at any moment leaves nothing: the database drops a transaction never committed.

Other threads keep using the pool as before. Their writes wait for the commit: SQLite
allows one writer (the transaction is begun ``IMMEDIATE``, so it holds the write lock
from the start and never has to restart), PostgreSQL's event writers take the events
table's EXCLUSIVE lock (taken here at the start too); both wait up to the configured
lock timeout (``SQLITE_LOCK_TIMEOUT`` / ``POSTGRES_LOCK_TIMEOUT``, 30 s).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import psycopg
from eventsourcing import persistence as es
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from tracker.store import chain_pg
from tracker.store.pg_copy import RowWriter, copy_events, last_ids

COPY_MIN_EVENTS = 50  # a command's few events keep the library's insert

# The library's own translation of driver errors, most specific first.
_SQLITE_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (sqlite3.InterfaceError, es.InterfaceError),
    (sqlite3.DataError, es.DataError),
    (sqlite3.OperationalError, es.OperationalError),
    (sqlite3.IntegrityError, es.IntegrityError),
    (sqlite3.InternalError, es.InternalError),
    (sqlite3.ProgrammingError, es.ProgrammingError),
    (sqlite3.NotSupportedError, es.NotSupportedError),
    (sqlite3.DatabaseError, es.DatabaseError),
    (sqlite3.Error, es.PersistenceError),
)
_PG_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (psycopg.InterfaceError, es.InterfaceError),
    (psycopg.OperationalError, es.OperationalError),
    (psycopg.DataError, es.DataError),
    (psycopg.IntegrityError, es.IntegrityError),
    (psycopg.InternalError, es.InternalError),
    (psycopg.ProgrammingError, es.ProgrammingError),
    (psycopg.NotSupportedError, es.NotSupportedError),
    (psycopg.DatabaseError, es.DatabaseError),
    (psycopg.Error, es.PersistenceError),
)


def _translated(e: Exception, table: tuple[tuple[type[Exception], type[Exception]], ...]) -> Exception:
    for driver, ours in table:
        if isinstance(e, driver):
            return ours(str(e))
    return e


class OneTransaction:
    """Pins one connection for this thread and begins one transaction on it.

    ``with OneTransaction(recorders, on_insert) as tx: ...; tx.commit()``: leaving the
    block without ``commit()`` (an error, a refusal) rolls everything back.
    ``on_insert(stored_events)`` is told of every batch of events written meanwhile
    (before it is written), so the caller can lock and later forget those aggregates.
    """

    def __init__(self, recorders: Sequence[Any], on_insert: Callable[[Sequence[Any]], None]) -> None:
        self._recorders = list(recorders)
        self._datastore = self._recorders[0].datastore
        self._postgres = isinstance(self._datastore, PostgresDatastore)
        self._on_insert = on_insert
        self._owner = threading.get_ident()
        self._stack = contextlib.ExitStack()
        self._conn: Any = None  # the driver's connection (sqlite3 / psycopg)
        self._sqlite: Any = None  # the library's wrapper of it, on SQLite
        self._savepoints = 0
        self.committed = False

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> OneTransaction:
        try:
            if self._postgres:
                self._begin_postgres()
            else:
                self._begin_sqlite()
        except BaseException:
            self._stack.close()
            raise
        self._pin()
        return self

    def commit(self) -> None:
        """The one COMMIT: everything becomes visible at once, or nothing does."""
        try:
            self._conn.execute("COMMIT")
        except (sqlite3.Error, psycopg.Error) as e:
            raise _translated(e, _PG_ERRORS if self._postgres else _SQLITE_ERRORS) from e
        self.committed = True

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._unpin()
        try:
            if not self.committed:
                with contextlib.suppress(sqlite3.Error, psycopg.Error):
                    self._conn.execute("ROLLBACK")
        finally:
            self._stack.close()

    def _begin_sqlite(self) -> None:
        pool = self._datastore.pool
        # Not as the pool's writer: other threads' commands must wait on SQLite's lock
        # (the configured timeout), not time out on the pool's in-process writer lock.
        conn = pool.get_connection(is_writer=None)
        self._stack.callback(pool.put_connection, conn)
        self._sqlite = conn
        self._conn = conn._sqlite_conn
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _translated(e, _SQLITE_ERRORS) from e

    def _begin_postgres(self) -> None:
        conn = self._stack.enter_context(self._original_get_connection())
        self._conn = conn
        table = SQL("{0}.{1}").format(
            Identifier(self._datastore.schema), Identifier(self._recorders[0].events_table_name)
        )
        try:
            conn.execute("BEGIN")
            conn.execute(chain_pg.MARK)  # every event of the import is chained, COPY included
            conn.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(int(self._datastore.lock_timeout)))
            conn.execute(SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(table))
        except psycopg.Error as e:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            raise _translated(e, _PG_ERRORS) from e

    # ----------------------------------------------------------- the pinning

    def _pin(self) -> None:
        with _INSTALL:
            shadows = vars(self._datastore).get(_SHADOWS)
            if shadows is None:
                shadows = _Shadows(self._datastore, self._recorders)
                vars(self._datastore)[_SHADOWS] = shadows
            if self._owner in shadows.open:
                raise RuntimeError("a OneTransaction is already open in this thread")
            shadows.open[self._owner] = self

    def _unpin(self) -> None:
        with _INSTALL:
            shadows = vars(self._datastore).get(_SHADOWS)
            if shadows is None or shadows.open.get(self._owner) is not self:
                return
            del shadows.open[self._owner]
            if not shadows.open:
                shadows.remove()
                del vars(self._datastore)[_SHADOWS]

    def _original_get_connection(self) -> Any:
        return type(self._datastore).get_connection(self._datastore)

    @contextlib.contextmanager
    def _pinned_connection(self) -> Iterator[Any]:
        """The pinned connection, driver errors translated as the library does."""
        try:
            yield self._conn if self._postgres else self._sqlite
        except (sqlite3.Error, psycopg.Error) as e:
            raise _translated(e, _PG_ERRORS if self._postgres else _SQLITE_ERRORS) from e

    @contextlib.contextmanager
    def _pinned_transaction(self, commit: bool) -> Iterator[Any]:
        """A cursor on the pinned connection; a write runs in its own savepoint."""
        with self._savepoint() if commit else contextlib.nullcontext(), self._pinned_connection():
            cursor = self._conn.cursor() if self._postgres else self._sqlite.cursor()
            try:
                yield cursor
            finally:
                cursor.close() if self._postgres else cursor.sqlite_cursor.close()

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"tracker_sp_{self._savepoints}"
        self._run(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._run(f"ROLLBACK TO SAVEPOINT {name}")
            self._run(f"RELEASE SAVEPOINT {name}")
            raise
        self._run(f"RELEASE SAVEPOINT {name}")

    def _run(self, statement: str) -> None:
        """A savepoint command. On PostgreSQL it bypasses psycopg's statement layer:
        psycopg answers any ROLLBACK it sees with DEALLOCATE ALL, which would drop the
        recorder's prepared statements in the middle of the transaction."""
        if not self._postgres:
            self._conn.execute(statement)
            return
        result = self._conn.pgconn.exec_(statement.encode())
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            error = psycopg.errors.error_from_result(result, encoding=self._conn.info.encoding)
            raise _translated(error, _PG_ERRORS) from error

    def _insert(
        self,
        recorder: Any,
        original: Callable[..., Any],
        stored_events: Sequence[Any],
        kwargs: dict[str, Any],
    ) -> Any:
        """A write of this thread's transaction: in a savepoint (on SQLite the recorder's
        own ``transaction(commit=True)``, which is one here)."""
        if not stored_events:
            return None
        self._on_insert(stored_events)
        if not self._postgres:
            return original(stored_events, **kwargs)
        with self._savepoint():
            if len(stored_events) > COPY_MIN_EVENTS:
                return self._copied(recorder, stored_events, kwargs)
            if hasattr(recorder, "_fetch_ids_after_insert_events"):
                return self._pipelined(recorder, stored_events, kwargs)
            return original(stored_events, **kwargs)

    def _copied(self, recorder: Any, stored_events: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """A batch (the import's payments, its snapshots) by COPY (``pg_copy``): the
        events, then their read-model rows, as the recorder writes them."""
        schema, table = self._datastore.schema, recorder.events_table_name
        try:
            copy_events(self._conn, schema, table, stored_events)
            RowWriter(self._conn).write(kwargs.get("projection", ()))
            if hasattr(recorder, "_fetch_ids_after_insert_events"):
                return last_ids(self._conn, schema, table, len(stored_events))
            return None
        except psycopg.Error as e:
            raise _translated(e, _PG_ERRORS) from e

    def _pipelined(self, recorder: Any, stored_events: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """The library's pipelined insert (``PostgresApplicationRecorder.insert_events``)
        without its ``conn.transaction()``: nested in ours, that block would end a failed
        insert by releasing a savepoint of an aborted transaction, and a version clash
        would surface as "current transaction is aborted" instead of a clash. The
        recorder's own steps are called (events, then its read-model rows), so the rows
        written are exactly the recorder's. Not the one-round-trip path either: it
        prepares statements on first use, and a failed PREPARE would abort ours."""
        conn = self._conn
        try:
            with conn.pipeline() as pipeline:
                with conn.cursor() as curs:
                    recorder._insert_events(curs, stored_events, **kwargs)
                with conn.cursor() as curs:
                    recorder._insert_stored_events(curs, stored_events, **kwargs)
                    pipeline.sync()
                    return recorder._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        except psycopg.errors.PipelineAborted as e:
            raise es.IntegrityError(f"events not inserted: {e}") from e
        except psycopg.Error as e:
            raise _translated(e, _PG_ERRORS) from e


_INSTALL = threading.Lock()
_SHADOWS = "_tracker_one_transactions"


class _Shadows:
    """The datastore's and recorders' entry points, shadowed on the instances (the
    classes, and so every other application, are untouched) while any thread has a
    ``OneTransaction`` open on them: each call goes to the calling thread's open
    transaction, or to the original method. Two threads of one process may each run an
    import: the second one's transaction waits for the first's commit in the database."""

    NAMES = ("transaction", "get_connection", "insert_events")

    def __init__(self, store: Any, recorders: Sequence[Any]) -> None:
        self.objects = [store, *recorders]
        self.open: dict[int, OneTransaction] = {}
        original_transaction, original_get = store.transaction, store.get_connection

        def transaction(*, commit: bool = False) -> Any:
            tx = self.open.get(threading.get_ident())
            return original_transaction(commit=commit) if tx is None else tx._pinned_transaction(commit)

        def get_connection(**kwargs: Any) -> Any:
            tx = self.open.get(threading.get_ident())
            return original_get(**kwargs) if tx is None else tx._pinned_connection()

        store.transaction = transaction
        store.get_connection = get_connection
        for r in recorders:
            r.insert_events = self._insert_events(r, r.insert_events)

    def _insert_events(self, recorder: Any, original: Callable[..., Any]) -> Callable[..., Any]:
        def insert_events(stored_events: Sequence[Any], **kwargs: Any) -> Any:
            tx = self.open.get(threading.get_ident())
            if tx is None:
                return original(stored_events, **kwargs)
            return tx._insert(recorder, original, stored_events, kwargs)

        return insert_events

    def remove(self) -> None:
        for obj in self.objects:
            for name in self.NAMES:
                vars(obj).pop(name, None)
