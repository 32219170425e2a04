"""Recording validated payment rows: many per transaction, decided by the aggregate.

One ``BudgetTracker.pay`` call per row would cost a transaction, a sorted scan of the
year's days for the overspend check and a snapshot at each snapshot point. Here the
payments of one project are decided by the aggregate's own ``Project.pay`` (through
``deciding.Payer``, which skips only the library's per-call argument shuffling) and
saved through the service layer's batch save (``BatchSave``, with ``combine``): the
events of many projects in one insert with the read-model rows of the same events
(the projector's own statements, merged across projects: ``merged.merged_groups``),
all inside the import's one transaction. The overspend rule inside
``Project.pay`` (``tracker.domain.project.check_payment_fits``) asks
``available_from``; during the batch that question is answered by
``headroom.Headroom`` in O(1) for rows in date order instead of a walk over the
year's days (checked against the aggregate's own method before saving). The batch
save encodes with the application's own mapper, keeps the cache and takes the
snapshots (all projects' in one insert at the end). The request ids travel in
the events exactly as ``pay`` would write them, so ``rm_requests`` and the replay of
a request id work as for ``pay``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from tracker.commands.batch import BatchSave, EventChunk
from tracker.domain.errors import NotFoundError, TrackerError
from tracker.domain.money import FEN, from_fen, to_fen
from tracker.domain.project import Project
from tracker.importing.deciding import Payer
from tracker.importing.errors import ImportInterrupted, interrupted
from tracker.importing.headroom import Headroom
from tracker.importing.merged import PARAMS_PER_STATEMENT, PG_PARAMS_PER_STATEMENT, merged_groups
from tracker.importing.records import IMPORT_NOTE, PaymentRow
from tracker.importing.state import chunks
from tracker.store.one_transaction import COPY_MIN_EVENTS
from tracker.store.prefetch import prefetched

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker

EVENTS_PER_TRANSACTION = 20_000  # decided at a time on one project (the chunk ``_verify`` checks)
# Decided events stored together (the last insert waits; the others overlap the deciding
# of the next projects): small enough that little is left for the last, large enough
# that rows sorted across projects still land next to each other.
EVENTS_PER_INSERT = 10_000


def record_payments(
    app: BudgetTracker,
    payments: Sequence[PaymentRow],
    *,
    user: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Record validated payment rows, grouped by project; returns (created, already present).

    Meant to run inside the import's one transaction (``one_transaction``), where no
    other writer can move a project on: each project is decided on its current state
    (a cached copy that another process has overtaken is reloaded first), and the
    decided events of many projects are stored together, up to
    ``EVENTS_PER_INSERT`` at a time (``BatchSave`` with ``combine``).
    ``progress(created, present)`` follows each insert, once the database has taken it.

    Each insert but the last runs in the background (``BatchSave.flush(behind=True)``)
    while the next projects are decided: the database's work overlaps this thread's.
    So that no read has to wait for such a write, every project is loaded first, under
    its lock, before any payment is written (``_load_all``). (An earlier writer thread
    that also encoded the events was slower: the per-event Python work of both threads
    fought over the interpreter lock. Here the background thread only runs the
    drivers, which let go of it while the database works.)
    """
    who = app.acting_user(user)
    by_project: dict[UUID, list[PaymentRow]] = {}
    for p in payments:
        by_project.setdefault(p.project_id, []).append(p)
    postgres = app.read.is_postgres

    def combine(groups: list[Any]) -> list[Any]:
        # On PostgreSQL a batch of more than COPY_MIN_EVENTS goes by COPY, which takes
        # the merged statements apart into rows again: statements of 900 parameters
        # are 18 times fewer to build and take apart. Smaller batches are executed as
        # SQL, where psycopg parses a statement of more than 50 parameters anew each time.
        small = postgres and sum(len(events) for events in groups) <= COPY_MIN_EVENTS
        return merged_groups(groups, PG_PARAMS_PER_STATEMENT if small else PARAMS_PER_STATEMENT)

    done = [0, 0]  # (created, present) of the rows written to the database
    sending = [0, 0]  # of the rows being written in the background
    kept = [0, 0]  # of the rows decided since the last insert

    def sent(behind: bool) -> None:
        # Once ``_flush`` returns, the write before it is done (its error raised here):
        # "written" counts the rows the database has taken, to be committed with the rest.
        _flush(batch, behind)
        written = sending if behind else [sending[0] + kept[0], sending[1] + kept[1]]
        done[:] = [done[0] + written[0], done[1] + written[1]]
        sending[:] = kept if behind else [0, 0]
        kept[:] = [0, 0]
        if progress is not None:
            progress(done[0], done[1])

    with (
        contextlib.ExitStack() as held,
        BatchSave(app, combine=combine) as batch,
    ):
        projects = _load_all(app, by_project, held)
        for pid, rows in by_project.items():
            made = _project_payments(app, batch, projects.pop(pid), rows, who)
            kept[:] = [kept[0] + made, kept[1] + len(rows) - made]
            if batch.kept_events >= EVENTS_PER_INSERT:
                sent(behind=True)
        sent(behind=False)
    created, present = done
    return created, present


def _missing(rows: list[PaymentRow]) -> NotFoundError:
    return NotFoundError(f"项目 {rows[0].code} 不存在", "项目编码")


def _load_all(
    app: BudgetTracker, by_project: dict[UUID, list[PaymentRow]], held: contextlib.ExitStack
) -> dict[UUID, Project]:
    """Every project paid into, current (``_up_to_date``) and locked (``lock_for``)
    until the payments are recorded: another thread of this process cannot change
    one meanwhile (the import's transaction keeps them locked until its commit).
    Their stored events are read in a few statements (``prefetched``), not two per
    project: at 1,000 projects on PostgreSQL, 2,000 round trips fewer."""
    projects: dict[UUID, Project] = {}
    for pid in by_project:
        held.enter_context(app.lock_for(pid))
    with prefetched(app, list(by_project)):
        for pid, rows in by_project.items():
            _up_to_date(app, pid)
            projects[pid] = app.load_for_update(pid, Project, _missing(rows))
    return projects


def _project_payments(
    app: BudgetTracker, batch: BatchSave, project: Project, rows: list[PaymentRow], who: str
) -> int:
    """One project's new payments decided (kept by the batch); returns how many."""
    made: list[int] = [0]

    def decide(project: Project) -> Iterator[EventChunk]:
        pending = [r for r in rows if r.payment_key not in project.payments]
        made[0] = len(pending)
        return _batches(project, pending, who)

    batch.save(project.id, Project, decide, _missing(rows), loaded=project)
    return made[0]


def _up_to_date(app: BudgetTracker, pid: UUID) -> None:
    """Forget a cached project that the store has moved past (another process wrote
    to it before this transaction began): deciding on it would clash at the save."""
    cache = app.repository.cache
    if cache is None:
        return
    try:
        cached = cache.get(pid)
    except KeyError:
        return
    latest = app.recorder.select_events(pid, desc=True, limit=1)
    if not latest or latest[0].originator_version != cached.version:
        app.evict(pid)


def _flush(batch: BatchSave, behind: bool) -> None:
    try:
        batch.flush(behind=behind)
    except IntegrityError:
        # Only another import that recorded the same 凭证号 with other content, after
        # this one checked the file, can clash here: the transaction is rolled back.
        raise ImportInterrupted(
            "另一次导入刚以不同内容记录了本文件中的凭证号；本次未记录任何内容，请核对后重新导入",
            "凭证号",
        ) from None


def _batches(project: Project, pending: list[PaymentRow], who: str) -> Iterator[EventChunk]:
    """Let the aggregate decide each payment; yield each chunk's events, twice: to be
    stored, and for ``merged_groups`` to make their read-model rows from."""
    if not pending:
        return
    room = _headroom(project)
    payer = Payer(project, room) if room else None
    for chunk in chunks(pending, EVENTS_PER_TRANSACTION):
        if payer is not None and payer.usable and room is not None:
            events = payer.pay(chunk, who)
        else:
            events = _pay_slowly(project, room, chunk, who)
        if room is not None:
            _verify(project, room, chunk)
        yield events, events


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
    """The aggregate's balances (budget − spent − committed) by day; ``None`` (ask the
    aggregate itself, slowly) for a state the oracle does not model (a change dated
    outside the fiscal year)."""
    deltas: dict[dt.date, int] = {}
    for iso, amount in project.budget_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) + to_fen(amount)
    for iso, amount in project.spent_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) - to_fen(amount)
    for iso, amount in project.committed_by_day.items():  # committed money is not free
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
