"""Recording validated payment rows: many per transaction, decided by the aggregate.

One ``BudgetTracker.pay`` call per row would cost a transaction, a sorted scan of the
year's days for the overspend check and a snapshot at each snapshot point. Here the
payments of one project are decided by the aggregate's own ``Project.pay`` (through
``deciding.Payer``, which skips only the library's per-call argument shuffling) and
saved in a few large transactions with the read-model rows of the same events (the
projector's own statements, merged: ``merged.merged_payments``). The overspend check
inside ``Project.pay`` asks ``available_from``; during the batch that question is
answered by ``headroom.Headroom`` in O(1) for rows in date order instead of a walk
over the year's days (checked against the aggregate's own method before saving).
Events and snapshots are encoded by the application's own mapper (``TrackerMapper``:
the library's bytes, spelled out); the snapshots of all projects go in one transaction at the end. The
request ids travel in the events exactly as ``pay`` would write them, so
``rm_requests`` and the replay of a request id work as for ``pay``.

This path saves through ``app.recorder.insert_events`` rather than ``app.save``: it
reproduces what ``BudgetTracker._record`` adds (the projector's statements) and what
``Application.save`` does after storing (cache, snapshot). A hook added to either later
must be added here too (the tests compare the read model with a rebuild from the log,
and every stored event and snapshot with the library's own way of writing them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent

from tracker.domain.errors import ConcurrencyError, NotFoundError, TrackerError
from tracker.domain.money import FEN, from_fen, to_fen
from tracker.domain.project import Project
from tracker.importing.deciding import Payer
from tracker.importing.errors import ImportInterrupted, interrupted
from tracker.importing.headroom import Headroom
from tracker.importing.merged import PARAMS_PER_STATEMENT, PG_PARAMS_PER_STATEMENT, Statement, merged_payments
from tracker.importing.records import IMPORT_NOTE, PaymentRow
from tracker.importing.state import chunks, recorded_fingerprints

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker

EVENTS_PER_TRANSACTION = 20_000
MAX_ATTEMPTS = 5


def record_payments(
    app: BudgetTracker,
    payments: Sequence[PaymentRow],
    *,
    user: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Record validated payment rows, grouped by project; returns (created, already present).

    ``progress(created, present)`` follows each project. (A writer thread overlapping
    the saves with the next project's work was tried: the per-event Python work of both
    threads fights over the GIL and it was slower.)
    """
    who = app._user(user)
    by_project: dict[UUID, list[PaymentRow]] = {}
    for p in payments:
        by_project.setdefault(p.project_id, []).append(p)
    created = present = 0
    snapshots: list[StoredEvent] = []
    for pid, rows in by_project.items():
        made, found = _project_payments(app, pid, rows, who, snapshots)
        created += made
        present += found
        if progress is not None:
            progress(created, present)
    _save_snapshots(app, snapshots)
    return created, present


def _project_payments(
    app: BudgetTracker, pid: UUID, rows: list[PaymentRow], who: str, snapshots: list[StoredEvent]
) -> tuple[int, int]:
    """One project's payments, saved before returning (the careful path)."""
    present = 0
    for _ in range(MAX_ATTEMPTS):
        with app._lock_for(pid):
            try:
                return _apply(app, pid, rows, who, snapshots), present
            except IntegrityError:
                # Another writer got there first (this project, or these request ids):
                # keep what is now recorded, decide the rest again on fresh state.
                app._evict(pid)
                rows, found = _drop_recorded(app, rows)
                present += found
        time.sleep(0.01)
    raise ConcurrencyError("并发写入过多，请稍后重新导入（已记录的不会重复）")


def _load(app: BudgetTracker, pid: UUID, rows: list[PaymentRow]) -> Project:
    try:
        project: Any = app.repository.get(pid, deepcopy_from_cache=False)
    except AggregateNotFoundError:
        raise NotFoundError(f"项目 {rows[0].code} 不存在", "项目编码") from None
    assert isinstance(project, Project)
    return project


def _apply(
    app: BudgetTracker, pid: UUID, rows: list[PaymentRow], who: str, snapshots: list[StoredEvent]
) -> int:
    project = _load(app, pid, rows)
    start_version = project.version
    pending = [r for r in rows if r.payment_key not in project.payments]
    if not pending:
        return 0
    try:
        with contextlib.closing(_batches(app, project, pending, who)) as batches:
            for stored, statements in batches:
                app.recorder.insert_events(stored, projection=statements)
    except BaseException:
        app._evict(pid)
        raise
    _cache(app, project)
    snapshots += _snapshot(app, project, start_version)
    return len(pending)


def _batches(
    app: BudgetTracker, project: Project, pending: list[PaymentRow], who: str
) -> Generator[tuple[list[StoredEvent], list[Statement]], None, None]:
    """Let the aggregate decide each payment; yield each chunk's stored events with the
    read-model rows they imply (merged), ready for one transaction."""
    room = _headroom(project)
    payer = Payer(project, room) if room else None
    per_statement = PG_PARAMS_PER_STATEMENT if app.read.is_postgres else PARAMS_PER_STATEMENT
    encode = app.mapper.to_stored_event
    for chunk in chunks(pending, EVENTS_PER_TRANSACTION):
        if payer is not None and payer.usable and room is not None:
            events = payer.pay(chunk, who)
        else:
            events = _pay_slowly(project, room, chunk, who)
        if room is not None:
            _verify(project, room, chunk)
        if project.pending_events:
            raise AssertionError("Project.pay made an event this import does not record")
        yield [encode(e) for e in events], merged_payments(events, per_statement)


def _pay_slowly(project: Project, room: Headroom | None, rows: Sequence[PaymentRow], who: str) -> list[Any]:
    """The library's way: ``project.pay`` triggers and applies each event itself."""
    with _answered_by(project, room) if room else contextlib.nullcontext():
        for r in rows:
            try:
                project.pay(
                    r.payment_id,
                    r.amount,
                    r.date,
                    r.payee,
                    r.economic,
                    r.voucher,
                    r.source,
                    who,
                    IMPORT_NOTE,
                    r.request(),
                )
            except TrackerError as e:
                raise interrupted(r.sheet, r.row, e) from None
            if room:
                room.add(r.date, -r.fen)
    return list(project.collect_events())


def _headroom(project: Project) -> Headroom | None:
    """The aggregate's balances by day; ``None`` (ask the aggregate itself, slowly) for
    a state the oracle does not model (a change dated outside the fiscal year)."""
    deltas: dict[dt.date, int] = {}
    for iso, amount in project.budget_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) + to_fen(amount)
    for iso, amount in project.spent_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) - to_fen(amount)
    try:
        return Headroom(project.year, deltas)
    except ValueError:
        return None


@contextlib.contextmanager
def _answered_by(project: Project, room: Headroom) -> Iterator[None]:
    """While recording the batch, ``project.available_from`` is answered by ``room``
    (same answer, much faster); the aggregate itself still decides every payment."""
    state = vars(project)
    state["available_from"] = lambda day: from_fen(room.available_from(day))
    try:
        yield
    finally:
        del state["available_from"]


def _verify(project: Project, room: Headroom, chunk: Sequence[PaymentRow]) -> None:
    """The fast answer must equal the aggregate's own, or nothing is saved."""
    for day in {min(r.date for r in chunk), max(r.date for r in chunk)}:
        mine = from_fen(room.available_from(day))
        theirs = Project.available_from(project, day).quantize(FEN)
        if mine != theirs:
            raise AssertionError(f"headroom mismatch on {day}: {mine} != {theirs}")


def _cache(app: BudgetTracker, project: Project) -> None:
    """As ``Application._record`` does once the events are stored."""
    cache = app.repository.cache
    if cache is not None and not app.repository.fastforward:
        cache.put(project.id, project)


def _snapshot(app: BudgetTracker, project: Project, start_version: int) -> list[StoredEvent]:
    """One snapshot at the end of the batch, if the batch passed one of the service
    layer's snapshot points (``snapshot_due``), instead of one at each point."""
    from tracker.commands.tracker import snapshot_due

    interval = app.snapshotting_intervals.get(Project)
    if app.snapshots is None or not interval or not snapshot_due(interval, start_version, project.version):
        return []
    snapshot_class: Any = getattr(type(project), "Snapshot", type(app).snapshot_class)
    return [app.snapshots.mapper.to_stored_event(snapshot_class.take(project))]


def _save_snapshots(app: BudgetTracker, snapshots: list[StoredEvent]) -> None:
    """Every project's snapshot in one transaction (a commit costs a disk flush). One
    that clashes was taken at the same version by another writer: the same state."""
    if not snapshots or app.snapshots is None:
        return
    try:
        app.snapshots.recorder.insert_events(snapshots)
    except IntegrityError:
        for s in snapshots:
            with contextlib.suppress(IntegrityError):
                app.snapshots.recorder.insert_events([s])


def _drop_recorded(app: BudgetTracker, rows: list[PaymentRow]) -> tuple[list[PaymentRow], int]:
    """Rows whose request id is now recorded are done (same content) or a conflict."""
    recorded = recorded_fingerprints(app, [r.request_id for r in rows])
    left = []
    for r in rows:
        found = recorded.get(r.request_id)
        if found is None:
            left.append(r)
        elif found != r.fingerprint:
            raise ImportInterrupted(
                f"工作表“{r.sheet}”第{r.row}行：凭证号 {r.voucher} 刚被另一次导入以不同内容记录；"
                "此前的内容已记录，请核对后重新导入",
                "凭证号",
            )
    return left, len(rows) - len(left)
