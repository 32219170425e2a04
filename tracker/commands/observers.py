"""Observers of the service layer: how the doors count commands without the core
knowing about Prometheus, Flask or Celery.

Every door (web, API, CLI, import, workers) calls the same ``BudgetTracker``, so this
is the one place that sees every command. A door registers a ``CommandObserver``
with ``tracker.observe(observer)``; the tracker tells it the outcome of each command
(``recorded``, ``duplicate`` for a replayed request id, ``refused`` for any
``TrackerError``), each alert raised and each delivery attempt. An observer that
fails is logged and ignored: counting must never make a command fail.

The commands are found by their shape, not by a list: every public method taking a
``request_id`` is a command (the idempotency rule makes them all take one), so a new
command is counted without anyone remembering to add it.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from tracker.domain.errors import TrackerError

log = logging.getLogger(__name__)

RECORDED = "recorded"
DUPLICATE = "duplicate"
REFUSED = "refused"


class CommandObserver:
    """Does nothing; a door subclasses it and overrides what it wants to hear."""

    def command(self, name: str, outcome: str, count: int = 1) -> None:
        """A command finished: ``outcome`` is recorded, duplicate or refused (``count``
        of them at once when the spreadsheet import saves payments in a batch)."""

    def alert_raised(self, rule: str, severity: str) -> None:
        """A new alert was recorded (not one already open)."""

    def alert_delivery(self, channel: str, outcome: str) -> None:
        """A delivery attempt was recorded: delivered, retrying or failed."""


class _Call:
    """What the outermost command call learnt while it ran."""

    __slots__ = ("replayed",)

    def __init__(self) -> None:
        self.replayed = False


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("tracker_command", default=None)


def mark_replayed() -> None:
    """The running command returned an earlier result (a repeated request id)."""
    call = _current.get()
    if call is not None:
        call.replayed = True


class Observers:
    """The observers registered on one tracker, told in turn, never failing the caller."""

    def __init__(self) -> None:
        self._all: list[CommandObserver] = []

    def add(self, observer: CommandObserver) -> None:
        if observer not in self._all:
            self._all.append(observer)

    def tell(self, method: str, *args: str | int) -> None:
        """Call ``method`` on every observer; a failing observer is logged, not raised."""
        for observer in self._all:
            try:
                getattr(observer, method)(*args)
            except Exception:
                log.exception("observer %r failed on %s", observer, method)


F = TypeVar("F", bound=Callable[..., Any])


def counted(name: str, method: F) -> F:
    """Wrap a command so its outcome reaches the observers, once per outermost call
    (a command that runs another inside is counted once, as itself)."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _current.get() is not None:
            return method(self, *args, **kwargs)
        call = _Call()
        token = _current.set(call)
        try:
            result = method(self, *args, **kwargs)
        except TrackerError:
            self.observers.tell("command", name, REFUSED)
            raise
        finally:
            _current.reset(token)
        self.observers.tell("command", name, DUPLICATE if call.replayed else RECORDED)
        return result

    return run  # type: ignore[return-value]


C = TypeVar("C", bound=type)


def observed(cls: C) -> C:
    """Class decorator: count every public method of ``cls`` that takes a request id."""
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or "request_id" not in inspect.signature(member).parameters:
            continue
        setattr(cls, name, counted(name, member))
    return cls
