"""The aggregate's own ``Project.pay`` for thousands of rows, without the library's
per-call machinery around its event method.

``project.pay(...)`` decides (amount exact and positive, date in the year, a payee, a
new payment id, and the domain's overspend rule ``check_payment_fits``: enough budget
on every later day) and then calls ``self._paid(...)``, an ``@event`` method: the
library maps the arguments to names twice, filters them by signature twice, builds
the event and applies it — about two thirds of the cost of a payment, and a quarter
of a 100,000-row import.

Here ``Project.pay`` itself runs, unchanged, on a stand-in (``_Stand``) that answers
``available_from`` from the headroom oracle, keeps the arguments ``pay`` hands to
``_paid`` instead of triggering it, and reads everything else from the project. The
kept decision then becomes the very event the library would make (the event class's
own constructor and timestamp) and is applied as the library's ``mutate`` applies
it: the body of ``Project._paid`` with those arguments, then the new version and
modification time. The tests compare events and aggregate with the library's path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import DomainEvent, decorated_funcs

from tracker.domain.errors import TrackerError
from tracker.domain.money import from_fen
from tracker.domain.project import Project
from tracker.importing.errors import interrupted
from tracker.importing.headroom import Headroom
from tracker.importing.records import IMPORT_NOTE, PaymentRow
from tracker.store.payment_encoding import PAYMENT_EVENT

_PAY: Callable[..., None] = Project.pay  # the aggregate's command method, a plain function


def _event_body() -> Callable[..., None] | None:
    """The body of ``Project._paid``, when its parameters are the event's own fields in
    the event's order after the three every event has (so the arguments ``pay`` passes
    build the event positionally, as the library builds it from their names)."""
    body = decorated_funcs.get(PAYMENT_EVENT)
    if body is None:
        return None
    names = tuple(inspect.signature(body).parameters)[1:]
    fields = tuple(f.name for f in dataclasses.fields(PAYMENT_EVENT) if f.init)
    return body if fields == ("originator_id", "originator_version", "timestamp", *names) else None


def _fast_event() -> Callable[..., Any] | None:
    """The payment event's constructor without the frozen dataclass's one
    ``object.__setattr__`` per field (13 of them: 0.65 s per 100,000 events, most of
    the cost of making one): the instance's attributes set at once, in field order.

    Only when that is all the constructor does besides ``DomainEvent.__post_init__``'s
    check that the aggregate id is a UUID (``Payer.pay`` checks it once per project),
    and when a sample made both ways is equal, attributes in the same order (the
    stored state is written in that order)."""
    fields = dataclasses.fields(PAYMENT_EVENT)
    if (
        not all(f.init for f in fields)
        or PAYMENT_EVENT.__post_init__ is not DomainEvent.__post_init__
        or type(PAYMENT_EVENT).__call__ is not type(DomainEvent).__call__
    ):
        return None
    names = tuple(f.name for f in fields)
    new = object.__new__

    def make(*values: Any) -> Any:
        event = new(PAYMENT_EVENT)
        event.__dict__.update(zip(names, values, strict=True))
        return event

    day, stamp = dt.date(2024, 1, 2), PAYMENT_EVENT.create_timestamp()
    sample: tuple[Any, ...] = (
        uuid4(),
        2,
        stamp,
        uuid4(),
        Decimal("1.00"),
        day,
        "收款人",
        None,
        "",
        None,
        "样例",
        "",
        None,
    )
    try:
        fast, slow = make(*sample), PAYMENT_EVENT(*sample)
    except (TypeError, ValueError, AttributeError):
        return None
    return make if fast == slow and tuple(vars(fast).items()) == tuple(vars(slow).items()) else None


_FAST_EVENT = _fast_event()


class _Stand:
    """``self`` for ``Project.pay``: the project's state, two answers of its own."""

    def __init__(self, project: Project, room: Headroom) -> None:
        self._project = project
        self._room = room
        self.decided: tuple[Any, ...] | None = None
        # What ``pay`` reads on every call, found here rather than through
        # ``__getattr__`` (three calls a payment): the same objects as the project's
        # (its payments dict is changed in place by the event's body).
        for name in ("payments", "economic", "source", "_check_date"):
            setattr(self, name, getattr(project, name))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._project, name)

    def available_from(self, day: Any) -> Any:
        return from_fen(self._room.available_from(day))

    def _paid(self, *args: Any, **kwargs: Any) -> None:
        if kwargs or self.decided is not None:
            raise AssertionError("Project.pay called its event method in an unexpected way")
        self.decided = args


class Payer:
    """Records payments on one project as its ``pay`` decides them."""

    def __init__(self, project: Project, room: Headroom) -> None:
        body = _event_body()
        self.usable = body is not None
        self.body: Callable[..., None] = body or (lambda *a: None)
        self.project = project
        self.room = room
        self.stand = _Stand(project, room)

    def pay(self, rows: Sequence[PaymentRow], who: str) -> list[Any]:
        """The events of ``rows``, each decided by ``Project.pay`` and applied."""
        project, stand, room, body = self.project, self.stand, self.room, self.body
        stamp, pid = PAYMENT_EVENT.create_timestamp, project.id
        make = _FAST_EVENT if _FAST_EVENT is not None and isinstance(pid, UUID) else PAYMENT_EVENT
        events: list[Any] = []
        for r in rows:
            stand.decided = None
            try:
                _PAY(
                    stand,
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
            args = stand.decided
            if args is None:
                raise AssertionError(f"Project.pay recorded nothing for row {r.row}")
            version = project.version + 1
            event = make(pid, version, stamp(), *args)
            body(project, *args)
            project.version = version
            project.modified_on = event.timestamp
            events.append(event)
            room.add(r.date, -r.fen)
        return events
