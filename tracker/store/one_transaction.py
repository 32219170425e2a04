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
import sys
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
BEHIND_SWITCH_INTERVAL = 0.0002  # seconds; see ``OneTransaction.write_behind``

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
        self._behind: threading.Thread | None = None  # the write in the background, if any
        self._interval = sys.getswitchinterval()
        self._behind_error: BaseException | None = None
        self._failed: BaseException | None = None  # a background write failed: no commit

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
        """The one COMMIT: everything becomes visible at once, or nothing does. A write
        still running in the background is waited for first; if one failed, nothing is
        committed (its error is raised, again if it was raised before)."""
        self._settle()
        if self._failed is not None:
            raise self._failed
        try:
            self._conn.execute("COMMIT")
        except (sqlite3.Error, psycopg.Error) as e:
            raise _translated(e, _PG_ERRORS if self._postgres else _SQLITE_ERRORS) from e
        self.committed = True

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(BaseException):  # a background write's error: rolled back below
            self._settle()
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
        """The pinned connection, driver errors translated as the library does (once
        any write in the background is done: one thread at a time uses it)."""
        self._settle()
        try:
            yield self._conn if self._postgres else self._sqlite
        except (sqlite3.Error, psycopg.Error) as e:
            raise _translated(e, _PG_ERRORS if self._postgres else _SQLITE_ERRORS) from e

    @contextlib.contextmanager
    def _pinned_transaction(self, commit: bool) -> Iterator[Any]:
        """A cursor on the pinned connection; a write runs in its own savepoint."""
        self._settle()
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
        self._settle()
        self._on_insert(stored_events)
        return self._write(recorder, original, stored_events, kwargs)

    def write_behind(self, recorder: Any, stored_events: Sequence[Any], kwargs: dict[str, Any]) -> None:
        """``insert_events`` in a thread of its own, while this thread goes on.

        Why: the database's own work on a large batch (SQLite inserting into the
        indexes, PostgreSQL's server process taking a COPY) waits for nothing this
        thread computes next, and the machine's second core is otherwise idle. Both
        drivers let go of the interpreter lock while the database works. One write at
        a time: the next use of the connection by this thread (a read, a write, the
        commit) first waits for it, and raises its error if it failed — and then the
        transaction can only be rolled back. Same savepoint, same statements as
        ``insert_events``; the aggregates are locked here, before it starts.

        Meanwhile the interpreter's switch interval is ``BEHIND_SWITCH_INTERVAL``
        (process-wide, restored when the write is done): after each statement the
        writer needs the interpreter lock back, and by default a thread busy in Python
        keeps it up to 5 ms before handing it over — over a write's thousand
        statements, seconds of the writer waiting (measured: the background jobs of a
        100,000-row import took 13 s instead of 8.5 s, and the importer waited 3.2 s
        instead of 0.6 s for them)."""
        if not stored_events:
            return
        self._settle()
        self._on_insert(stored_events)
        original = vars(self._datastore)[_SHADOWS].originals[id(recorder)]

        def run() -> None:
            self._adopt()
            try:
                self._write(recorder, original, stored_events, kwargs)
            except BaseException as e:
                self._behind_error = self._failed = e
            finally:
                self._disown()

        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, BEHIND_SWITCH_INTERVAL))
        self._behind = threading.Thread(target=run, name="tracker-write-behind", daemon=True)
        self._behind.start()

    def _settle(self) -> None:
        """Wait for the write in the background (none in its own thread)."""
        behind = self._behind
        if behind is None or behind.ident == threading.get_ident():
            return
        behind.join()
        sys.setswitchinterval(self._interval)
        self._behind = None
        error, self._behind_error = self._behind_error, None
        if error is not None:
            raise error

    def _adopt(self) -> None:
        """The background thread's library calls go to this transaction too."""
        with _INSTALL:
            vars(self._datastore)[_SHADOWS].open[threading.get_ident()] = self

    def _disown(self) -> None:
        with _INSTALL:
            vars(self._datastore)[_SHADOWS].open.pop(threading.get_ident(), None)

    def _write(
        self,
        recorder: Any,
        original: Callable[..., Any],
        stored_events: Sequence[Any],
        kwargs: dict[str, Any],
    ) -> Any:
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
        self.originals: dict[int, Callable[..., Any]] = {}
        for r in recorders:
            self.originals[id(r)] = r.insert_events
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


def _open_on(recorder: Any) -> OneTransaction | None:
    """This thread's open transaction on ``recorder``, if any."""
    with _INSTALL:
        shadows = vars(recorder.datastore).get(_SHADOWS)
        if shadows is None or id(recorder) not in shadows.originals:
            return None
        return shadows.open.get(threading.get_ident())


def settle(recorder: Any) -> None:
    """Wait for this thread's write in the background on ``recorder``, if any; raises
    its error if it failed."""
    tx = _open_on(recorder)
    if tx is not None:
        tx._settle()


def write_behind(recorder: Any, stored_events: Sequence[Any], **kwargs: Any) -> None:
    """``recorder.insert_events(stored_events, **kwargs)``, in the background when this
    thread has a ``OneTransaction`` open on the recorder (see
    ``OneTransaction.write_behind``), else at once. Errors of a background write are
    raised by this thread's next use of the transaction."""
    tx = _open_on(recorder)
    if tx is None:
        recorder.insert_events(stored_events, **kwargs)
        return
    tx.write_behind(recorder, stored_events, kwargs)
