"""The command machinery every part of the service layer shares.

Commands validate input, load an aggregate, let it decide, and save its events with
the read-model rows in one transaction. Each command accepts a client request id:
repeating it records nothing and returns the first result; reusing it for a different
command is refused. Optimistic-concurrency conflicts are retried with a fresh load,
so concurrent writers are never lost and never double-counted.

A part (``LedgerCommands``, ``AlertCommands``, ...) subclasses ``CommandBase`` and
writes each command with ``_create`` (a new aggregate whose id is fixed by its code)
or ``_update`` (load, decide, save, retry); ``BudgetTracker`` puts the parts together.
Many events of one aggregate decided at once (the spreadsheet import) are saved with
``save_batch``, which keeps the same guarantees in far fewer transactions.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Recording

from tracker.commands.batch import BatchSave, snapshot_due
from tracker.commands.broken_log import contiguous, gap_aware
from tracker.commands.observers import CommandObserver, Observers, mark_replayed
from tracker.commands.requests import Request, checked_args, replayed, request_of
from tracker.domain.errors import (
    BrokenLogError,
    ConcurrencyError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    TrackerError,
)
from tracker.domain.inputs import parse_code, parse_text, parse_year
from tracker.domain.project import Project
from tracker.projections.gaps import LogGapError
from tracker.projections.projector import statements_for
from tracker.projections.rebuild import rebuild
from tracker.projections.recorded import backfill, backfill_unit_rules
from tracker.queries import Queries, lookups
from tracker.queries.log_names import object_label
from tracker.store.config import Settings, eventsourcing_env, schema_lock
from tracker.store.payment_encoding import TrackerMapper
from tracker.store.readstore import ReadStore
from tracker.store.transcodings import CheckpointAsDict, DateAsISO

__all__ = ["CommandBase", "Request", "request_of", "snapshot_due"]

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 100
CACHE_SIZE = 500  # aggregates kept in memory; fast-forwarded from the store on use


class CommandBase(Application[UUID]):
    """Settings, the read store and queries, request ids, retries, save and snapshots."""

    snapshotting_intervals = {Project: 100}  # noqa: RUF012 - the library's class variable

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings: Settings = settings or Settings.from_env()
        env = {
            **eventsourcing_env(self.settings.db_url),
            "AGGREGATE_CACHE_MAXSIZE": str(CACHE_SIZE),
            # No read before each command: a stale cached aggregate cannot save (its
            # next version already exists), so the clash is caught and retried fresh.
            "AGGREGATE_CACHE_FASTFORWARD": "n",
        }
        with schema_lock(self.settings.db_url):
            super().__init__(env=env)
        self._locks: dict[UUID, threading.RLock] = {}
        self._code_cache: dict[tuple[str, int], UUID] = {}
        self.read: ReadStore = ReadStore(self.recorder)
        backfill(self.read, self._fallback())  # an old database's recording moments, once
        backfill_unit_rules(self.read, self._fallback())  # and its units' rules, once
        self.queries: Queries = Queries(self.read)
        self.observers: Observers = Observers()

    def observe(self, observer: CommandObserver) -> None:
        """Let a door count commands, alerts and deliveries (metrics) without the
        service layer importing it (see ``tracker.commands.observers``)."""
        self.observers.add(observer)

    # ------------------------------------------------------------ persistence

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository, but a gap in an aggregate's events is reported as
        ``BrokenLogError`` naming the object (``tracker.commands.broken_log``)."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        size = int(maxsize) if maxsize else None
        return gap_aware(super().construct_repository(), size, lambda i: object_label(self.read, i))

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper with payments and snapshots spelled out (same bytes)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=TrackerMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(CheckpointAsDict())

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, without its per-object runtime-Protocol checks.

        ``isinstance(obj, DomainEventProtocol)`` walks the Protocol's members on every
        call, about a tenth of a command's own time; our commands save aggregates.
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot from the aggregate in hand when a save crosses a snapshot point.

        The library rebuilds the aggregate from the store for every snapshot; the saved
        aggregate is already at that version, so this costs an encode, not a replay.
        The points thin out as a project grows (see ``snapshot_due``).
        """
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        saved: dict[UUID, int] = {}
        for e in processing_event.events:
            saved[e.originator_id] = saved.get(e.originator_id, 0) + 1
        for aggregate_id, count in saved.items():
            aggregate = processing_event.aggregates.get(aggregate_id)
            if isinstance(aggregate, Aggregate) and self.snapshot_due(aggregate, aggregate.version - count):
                self.snapshots.put([self.snapshot_of(aggregate)])

    def snapshot_due(self, aggregate: Aggregate, before: int) -> bool:
        """Whether moving ``aggregate`` from version ``before`` to its own passed a
        snapshot point of its kind (``snapshot_due``)."""
        interval = self.snapshotting_intervals.get(type(aggregate))
        if not interval:
            return False
        return snapshot_due(interval, before, aggregate.version)

    def snapshot_of(self, aggregate: Aggregate) -> Any:
        """The aggregate's snapshot, of its own ``Snapshot`` class as the library takes it."""
        snapshot_class: Any = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
        return snapshot_class.take(aggregate)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Attach the read-model row changes so they commit with the events."""
        processing_event.saved_kwargs["projection"] = statements_for(processing_event.events)
        return super()._record(processing_event)

    def save_batch(self) -> BatchSave:
        """Save many events of a few aggregates in few transactions (see ``BatchSave``):
        ``with app.save_batch() as batch: batch.save(aggregate_id, Project, decide)``."""
        return BatchSave(self)

    # --------------------------------------------------------- shared helpers

    def acting_user(self, user: str | None) -> str:
        """Who acts: the given user, else the configured one (``TRACKER_USER``)."""
        return parse_text(user or self.settings.user, "操作人", limit=100)

    def _user(self, user: str | None) -> str:
        return self.acting_user(user)

    def lock_for(self, aggregate_id: UUID) -> threading.RLock:
        """One writer per aggregate per process, since the cached object is shared.
        Re-entrant: a ``one_transaction`` (the import) holds the locks of what it wrote
        until its commit, while its own commands take them again."""
        return self._locks.setdefault(aggregate_id, threading.RLock())

    def evict(self, aggregate_id: UUID) -> None:
        """Forget the cached copy: the next load reads the store (another process may
        have written since, or a failed command may have changed the copy)."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def load_for_update(self, aggregate_id: UUID, kind: type[A], missing: TrackerError) -> A:
        """The cached aggregate itself (no copy: the hot path), to be changed under
        ``lock_for``; ``missing`` is raised when there is no such aggregate."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise missing from None
        if not isinstance(aggregate, kind):
            raise missing
        return aggregate

    def contiguous_events(self, aggregate_id: UUID) -> list[Any]:
        """An aggregate's events, oldest first, for a history shown as stored;
        ``BrokenLogError`` if one is missing, as when the aggregate is loaded."""
        return contiguous(list(self.events.get(aggregate_id)), lambda: object_label(self.read, aggregate_id))

    def aggregate_exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def find_project(self, code: str, year: int | str | None = None) -> UUID:
        """The id of the project with this code (in this year, if given).

        With a year the answer is remembered: a busy import asks the same question
        thousands of times, and a project, once registered, never moves. Without one
        the store is asked every time, since another year's project may appear.
        """
        code = parse_code(code, "项目编码")
        if year is None:
            return self._find_project(code, None)
        key = (code, parse_year(year))
        found = self._code_cache.get(key)
        if found is None:
            found = self._code_cache[key] = self._find_project(code, key[1])
        return found

    def _find_project(self, code: str, year: int | None) -> UUID:
        if year is not None:
            y = parse_year(year)
            found = lookups.project_in_year(self.read, code, y)
            if found is None:
                raise NotFoundError(f"{y} 年没有编码为 {code} 的项目", "项目编码")
            return found
        rows = lookups.project_years(self.read, code)
        if not rows:
            raise NotFoundError(f"没有编码为 {code} 的项目", "项目编码")
        if len(rows) > 1:
            years = "、".join(str(y) for _, y in rows)
            raise InvalidInputError(f"编码 {code} 在多个年度存在（{years}），请用 --year 指定", "年度")
        return rows[0][0]

    def project_year(self, project_id: UUID) -> int:
        key = lookups.project_key(self.read, project_id)
        if key is None:
            raise NotFoundError(f"项目 {project_id} 不存在", "项目")
        return key.year

    def _owner(self, code: str, year: int | str | None, unit_level: bool) -> tuple[str, str, int]:
        """Whose indicators or self-evaluation: ("unit", code, year) or ("project", ...)."""
        if unit_level:
            unit = parse_code(code, "单位编码")
            if year is None:
                raise InvalidInputError("单位整体指标需要指定年度", "年度")
            if not lookups.unit_exists(self.read, unit):
                raise NotFoundError(f"单位 {unit} 不存在", "单位编码")
            return "unit", unit, parse_year(year)
        pid = self.find_project(code, year)
        return "project", parse_code(code, "项目编码"), int(self.project_year(pid))

    def rebuild_read_model(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild every read table from the event log; returns events replayed."""
        try:
            return rebuild(self.read, self._fallback(), progress)
        except LogGapError as e:
            what = object_label(self.read, e.gap.originator_id, e.gap.topic)
            raise BrokenLogError(what, e.gap.missing) from None

    def _fallback(self) -> Callable[[str, Any], Any]:
        """Decode a stored value of one of the application's own transcodings."""
        transcoder = self.mapper.transcoder
        assert isinstance(transcoder, JSONTranscoder)

        def fallback(name: str, data: Any) -> Any:
            return transcoder.names[name].decode(data)

        return fallback

    # ------------------------------------------------------ command machinery

    def _create(
        self,
        command: str,
        args: dict[str, Any],
        request_id: str | None,
        new_id: UUID,
        create: Callable[[Request], tuple[Aggregate, UUID]],
        exists_message: str,
        field: str,
    ) -> UUID:
        """Create an aggregate whose id is fixed by its code: a clash means it exists."""
        request = self._request(command, args, request_id, new_id)
        if request and (done := self._replay(request)) is not None:
            return done
        aggregate, result = create(request)
        try:
            self.save(aggregate)
        except IntegrityError:
            if request and (done := self._replay(request)) is not None:
                return done
            raise DuplicateError(exists_message, field) from None
        return result

    def _update(
        self,
        command: str,
        args: dict[str, Any],
        request_id: str | None,
        aggregate_id: UUID,
        result_id: UUID,
        act: Callable[[A, Request], UUID],
    ) -> UUID:
        """Load, decide, save; on a version clash reload and decide again."""
        request = self._request(command, args, request_id, result_id)
        if request and (done := self._replay(request)) is not None:
            return done
        second_opinion = False
        for attempt in range(MAX_ATTEMPTS):
            with self.lock_for(aggregate_id):
                try:
                    return self._decide_and_save(aggregate_id, request, act)
                except IntegrityError:
                    if request and (done := self._replay(request)) is not None:
                        return done
                except TrackerError:
                    # A refusal may rest on a cached copy that another process has since
                    # moved on, or on this very request having succeeded meanwhile:
                    # ask the store once more before saying no.
                    if request and (done := self._replay(request)) is not None:
                        return done
                    if second_opinion:
                        raise
                    second_opinion = True
                    continue
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrencyError("并发写入过多，请稍后重试（未记录任何内容）")

    def _decide_and_save(
        self, aggregate_id: UUID, request: Request, act: Callable[[A, Request], UUID]
    ) -> UUID:
        """Work on the cached aggregate itself (no copy: the hot path); if anything
        goes wrong after it may have changed, evict it so the next load is clean.
        """
        missing = NotFoundError(f"对象 {aggregate_id} 不存在", "编号")
        aggregate = cast(A, self.load_for_update(aggregate_id, Aggregate, missing))
        try:
            result = act(aggregate, request)
            self.save(aggregate)
        except BaseException:
            self.evict(aggregate_id)
            raise
        return result

    @staticmethod
    def _request(command: str, args: dict[str, Any], request_id: str | None, result_id: UUID) -> Request:
        """The request of a command about to run; its texts are checked first, so a
        control character in any argument (a note, say) is refused before anything."""
        return request_of(command, checked_args(args), request_id, result_id)

    def _replay(self, request: dict[str, Any]) -> UUID | None:
        """The first result of an already-executed request, or None if it is new."""
        done = replayed(request, lookups.recorded_request(self.read, request["id"]))
        if done is not None:
            mark_replayed()
        return done
