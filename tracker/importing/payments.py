"""Recording validated payment rows: many per transaction, decided by the aggregate.

One ``BudgetTracker.pay`` call per row would cost a transaction, a sorted scan of the
year's days for the overspend check and a snapshot at each snapshot point. Here the
payments of one project are decided by the aggregate's own ``Project.pay`` (through
``deciding.Payer``, which skips only the library's per-call argument shuffling) and
saved through the service layer's batch save (``CommandBase.save_batch``) in a few
large transactions with the read-model rows of the same events (the projector's own
statements, merged: ``merged.merged_payments``). The overspend rule inside
``Project.pay`` (``tracker.domain.project.check_payment_fits``) asks
``available_from``; during the batch that question is answered by
``headroom.Headroom`` in O(1) for rows in date order instead of a walk over the
year's days (checked against the aggregate's own method before saving). The batch
save encodes with the application's own mapper, keeps the cache and takes the
snapshots (all projects' in one transaction at the end). The request ids travel in
the events exactly as ``pay`` would write them, so ``rm_requests`` and the replay of
a request id work as for ``pay``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from tracker.commands.batch import BatchSave, EventChunk
from tracker.domain.errors import ConcurrencyError, NotFoundError, TrackerError
from tracker.domain.money import FEN, from_fen, to_fen
from tracker.domain.project import Project
from tracker.importing.deciding import Payer
from tracker.importing.errors import ImportInterrupted, interrupted
from tracker.importing.headroom import Headroom
from tracker.importing.merged import PARAMS_PER_STATEMENT, PG_PARAMS_PER_STATEMENT, merged_payments
from tracker.importing.records import IMPORT_NOTE, PaymentRow
from tracker.importing.state import chunks
from tracker.queries import lookups

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
    who = app.acting_user(user)
    by_project: dict[UUID, list[PaymentRow]] = {}
    for p in payments:
        by_project.setdefault(p.project_id, []).append(p)
    created = present = 0
    with app.save_batch() as batch:
        for pid, rows in by_project.items():
            made, found = _project_payments(app, batch, pid, rows, who)
            created += made
            present += found
            if progress is not None:
                progress(created, present)
    return created, present


def _project_payments(
    app: BudgetTracker, batch: BatchSave, pid: UUID, rows: list[PaymentRow], who: str
) -> tuple[int, int]:
    """One project's payments, saved before returning (the careful path)."""
    present = 0
    missing = NotFoundError(f"项目 {rows[0].code} 不存在", "项目编码")
    for _ in range(MAX_ATTEMPTS):
        made: list[int] = [0]

        def decide(
            project: Project, rows: list[PaymentRow] = rows, made: list[int] = made
        ) -> Iterator[EventChunk]:
            pending = [r for r in rows if r.payment_key not in project.payments]
            made[0] = len(pending)
            return _batches(app, project, pending, who)

        try:
            batch.save(pid, Project, decide, missing)
            return made[0], present
        except IntegrityError:
            # Another writer got there first (this project, or these request ids):
            # keep what is now recorded, decide the rest again on fresh state.
            rows, found = _drop_recorded(app, rows)
            present += found
        time.sleep(0.01)
    raise ConcurrencyError("并发写入过多，请稍后重新导入（本次未记录任何内容）")


def _batches(
    app: BudgetTracker, project: Project, pending: list[PaymentRow], who: str
) -> Iterator[EventChunk]:
    """Let the aggregate decide each payment; yield each chunk's events with the
    read-model rows they imply (merged), ready for one transaction."""
    if not pending:
        return
    room = _headroom(project)
    payer = Payer(project, room) if room else None
    per_statement = PG_PARAMS_PER_STATEMENT if app.read.is_postgres else PARAMS_PER_STATEMENT
    for chunk in chunks(pending, EVENTS_PER_TRANSACTION):
        if payer is not None and payer.usable and room is not None:
            events = payer.pay(chunk, who)
        else:
            events = _pay_slowly(project, room, chunk, who)
        if room is not None:
            _verify(project, room, chunk)
        yield events, merged_payments(events, per_statement)


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


def _drop_recorded(app: BudgetTracker, rows: list[PaymentRow]) -> tuple[list[PaymentRow], int]:
    """Rows whose request id is now recorded are done (same content) or a conflict."""
    recorded = lookups.request_hashes(app.read, [r.request_id for r in rows])
    left = []
    for r in rows:
        found = recorded.get(r.request_id)
        if found is None:
            left.append(r)
        elif found != r.fingerprint:
            raise ImportInterrupted(
                f"工作表“{r.sheet}”第{r.row}行：凭证号 {r.voucher} 刚被另一次导入以不同内容记录；"
                "本次未记录任何内容，请核对后重新导入",
                "凭证号",
            )
    return left, len(rows) - len(left)
