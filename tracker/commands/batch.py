"""The service layer's batch save: thousands of events of one aggregate, decided at
once, stored in a few large transactions (the spreadsheet import's 100,000 payments).

One command per event would cost a transaction, a load and a snapshot check each.
Here the caller decides every event on the cached aggregate itself, under the same
per-aggregate lock as the commands; ``BatchSave`` stores the decided events in the
chunks the caller yields, each chunk one transaction together with the read-model
rows the caller gives for it, then does what ``CommandBase.save`` does after storing:
the aggregate goes into the cache, and a snapshot is taken if the batch passed one
of the snapshot points (one at the end, not one at each point passed). The snapshots
of every aggregate saved in the batch go in one transaction when the batch ends
(a commit costs a disk flush).

The caller's read-model rows must be the projector's own for those events
(``tracker.projections.projector.statements_for``), merged as it likes; the import's
tests compare the read tables with a rebuild from the log, and every stored event and
snapshot with the library's own way of writing them. A hook added to
``CommandBase.save`` or ``_record`` later must be added here too: this is the only
other place where events are stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from tracker.domain.errors import ConcurrencyError, TrackerError
from tracker.store.one_transaction import OneTransaction, settle, write_behind

if TYPE_CHECKING:
    from tracker.commands.base import CommandBase

A = TypeVar("A", bound=Aggregate)
Statement = tuple[str, tuple[Any, ...]]
# Events decided and applied on the aggregate, with the read-model rows they imply.
EventChunk = tuple[Sequence[Any], Sequence[Statement]]


def snapshot_due(interval: int, before: int, after: int) -> bool:
    """Whether moving from version ``before`` to ``after`` passes a snapshot point.

    Points lie every ``interval`` versions up to 10 x interval, then every power of ten
    below the version (every 1,000 from 1,000, every 10,000 from 10,000). A project's
    state holds all its payments, so a snapshot's size grows with the version: a fixed
    interval would make each payment of a busy project pay for ever larger snapshots
    (at 5,000 payments a snapshot took ~50 ms, every 100 payments). With this schedule
    each event pays a bounded share of snapshot work. A load replays fewer events after
    its snapshot than the version's power of ten (under 1,000 below version 10,000),
    which costs about as much as decoding that snapshot in the first place.
    """
    step = max(interval, 10 ** (len(str(max(after, 1))) - 1))
    return after // step != before // step


class BatchSave:
    """Saves decided events aggregate by aggregate; snapshots all together at the end.

    Used as a context manager: the snapshots are written when the block ends without
    an error (an interrupted batch keeps what it stored; the next load replays it).

    With ``combine``, chunks are not stored at once but kept until ``flush()`` (or the
    end), then stored together: the events of many aggregates in one insert, with the
    read-model rows ``combine`` makes from the chunks' second elements (one list per
    chunk, in order). At 1,000 projects of 100 payments each, rows sorted across
    projects land next to each other in the tables' indexes, where a hundred rows at a
    time landed all over them. Until it is flushed, each aggregate with kept events
    stays locked (``lock_for``), since its cached copy is ahead of the store.
    """

    def __init__(
        self, app: CommandBase, combine: Callable[[list[Any]], Sequence[Statement]] | None = None
    ) -> None:
        self._app = app
        self._snapshots: list[StoredEvent] = []
        self._combine = combine
        self._kept: list[tuple[UUID, Sequence[Any], Any]] = []
        self._held: list[Any] = []
        self.kept_events = 0

    def __enter__(self) -> BatchSave:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.finish()
        else:
            self._forget_kept()

    def save(
        self,
        aggregate_id: UUID,
        kind: type[A],
        decide: Callable[[A], Iterable[EventChunk]],
        missing: TrackerError,
        loaded: A | None = None,
    ) -> A:
        """Let ``decide`` change the aggregate and yield its events in chunks; store each
        chunk with its read-model rows in one transaction (or keep it, see ``combine``).

        ``decide`` must apply every event it yields to the aggregate (as an ``@event``
        method does) and leave none pending. Anything raised (a refusal, a version clash
        as ``IntegrityError``) evicts the cached aggregate and propagates: chunks already
        stored stay stored, and the caller decides the rest again on a fresh load.
        """
        app = self._app
        lock = app.lock_for(aggregate_id)
        with lock:
            aggregate = loaded if loaded is not None else app.load_for_update(aggregate_id, kind, missing)
            start = aggregate.version
            kept = len(self._kept)
            try:
                self._store(aggregate, decide(aggregate))
            except BaseException:
                del self._kept[kept:]
                self.kept_events = sum(len(events) for _, events, _ in self._kept)
                app.evict(aggregate_id)
                raise
            if len(self._kept) > kept:
                lock.acquire()  # held until flushed: the cached copy is ahead of the store
                self._held.append(lock)
            cache = app.repository.cache
            if cache is not None and not app.repository.fastforward:
                cache.put(aggregate_id, aggregate)  # as ``Application._record`` does
            if app.snapshots is not None and app.snapshot_due(aggregate, start):
                self._snapshots.append(app.snapshots.mapper.to_stored_event(app.snapshot_of(aggregate)))
        return aggregate

    def _store(self, aggregate: Aggregate, chunks: Iterable[EventChunk]) -> None:
        """Each chunk in one transaction with its read-model rows (or kept)."""
        app = self._app
        encode = app.mapper.to_stored_event
        try:
            for events, statements in chunks:
                if aggregate.pending_events:
                    raise AssertionError("the batch made an event it does not save")
                if not events:
                    continue
                if self._combine is not None:
                    self._kept.append((aggregate.id, events, statements))
                    self.kept_events += len(events)
                else:
                    app.recorder.insert_events([encode(e) for e in events], projection=statements)
        finally:
            close = getattr(chunks, "close", None)  # a generator stopped half-way
            if close is not None:
                close()

    def flush(self, *, behind: bool = False) -> None:
        """Store the kept chunks: all their events and ``combine``'s rows in one insert.
        If that fails, the aggregates concerned are evicted (their cached copies hold
        events that were not stored) and the error propagates.

        ``behind``: inside a ``one_transaction``, the insert runs in the background
        (``OneTransaction.write_behind``) while the caller decides the next chunks; its
        error, if any, is raised by the transaction's next read, write or commit, and
        the transaction then rolls back (evicting every aggregate it touched)."""
        kept = self._kept
        if not kept or self._combine is None:
            if not behind:
                settle(self._app.recorder)  # the write before is done: the caller counts it
            return
        encode = self._app.mapper.to_stored_event
        try:
            stored = [encode(e) for _, events, _ in kept for e in events]
            rows = self._combine([r for _, _, r in kept])
            if behind:
                write_behind(self._app.recorder, stored, projection=rows)
            else:
                self._app.recorder.insert_events(stored, projection=rows)
        except BaseException:
            self._forget_kept()
            raise
        self._kept = []
        self.kept_events = 0
        self._release()

    def _forget_kept(self) -> None:
        for aggregate_id, _, _ in self._kept:
            self._app.evict(aggregate_id)
        self._kept = []
        self.kept_events = 0
        self._release()

    def _release(self) -> None:
        held, self._held = self._held, []
        for lock in reversed(held):
            lock.release()

    def finish(self) -> None:
        """The kept chunks, then every snapshot of the batch in one transaction. One that
        clashes was taken at the same version by another writer: the same state."""
        self.flush()
        snapshots, self._snapshots = self._snapshots, []
        store = self._app.snapshots
        if not snapshots or store is None:
            return
        try:
            store.recorder.insert_events(snapshots)
        except IntegrityError:
            for s in snapshots:
                with contextlib.suppress(IntegrityError):
                    store.recorder.insert_events([s])


@contextlib.contextmanager
def one_transaction(app: CommandBase) -> Iterator[OneTransaction]:
    """Everything the block saves, through any command or batch, in one transaction:
    ``with one_transaction(app) as tx: ...; tx.commit()``. Without ``commit()`` (an
    error, a refusal, a kill) nothing is recorded.

    Every aggregate the block writes stays locked (``lock_for``) until the end, so
    another thread of this process that wants to change it waits for the commit rather
    than deciding on a cached state that might yet be rolled back; after a rollback
    those aggregates are evicted from the cache (their cached versions never existed).
    Another process waits on the database's own lock (see ``OneTransaction``).
    """
    touched: set[Any] = set()
    held: list[Any] = []

    def on_insert(stored: Sequence[StoredEvent]) -> None:
        for s in stored:
            if s.originator_id not in touched:
                touched.add(s.originator_id)
                lock = app.lock_for(s.originator_id)  # type: ignore[arg-type]
                lock.acquire()
                held.append(lock)

    recorders = [app.recorder] + ([app.snapshots.recorder] if app.snapshots is not None else [])
    tx = OneTransaction(recorders, on_insert)
    try:
        try:
            tx.__enter__()
        except OperationalError:
            raise ConcurrencyError("数据库正忙（另一项写入尚未结束），请稍后重试（未记录任何内容）") from None
        try:
            yield tx
        finally:
            tx.__exit__(None, None, None)
    finally:
        if not tx.committed:
            for aggregate_id in touched:
                app.evict(aggregate_id)
        for lock in reversed(held):
            lock.release()
