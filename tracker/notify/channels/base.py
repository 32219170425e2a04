"""The contract every channel keeps, so the delivery task can treat them alike.

A channel sends once and either returns a ``DeliveryResult`` or raises a
``DeliveryError`` that says whether trying again could help. Retries, back-off and
de-duplication belong to the caller (the Celery delivery task), which is why a channel
never sleeps or loops: it only classifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tracker.notify.channels.errors import FieldError
from tracker.notify.channels.messages import Message

DEFAULT_TIMEOUT = 10.0


class DeliveryError(Exception):
    """A failed delivery; ``retryable`` tells the task whether to back off and retry.

    ``retry_after`` (seconds) is set when the other side or the rate limiter said how
    long to wait, so the task can use it as its countdown instead of guessing.
    """

    def __init__(
        self,
        message: str,
        retryable: bool,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"DeliveryError({self.message!r}, retryable={self.retryable})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Survive pickling (Celery results, multiprocessing): ``args`` alone lacks ``retryable``."""
        return (type(self), (self.message, self.retryable), self.__dict__)


class ChannelConfigError(FieldError):
    """A channel configuration that cannot work; ``field`` names the key to fix (for forms)."""


@dataclass(frozen=True)
class DeliveryResult:
    """What was delivered where, for the delivery log. Secrets are masked in ``recipient``."""

    channel: str
    recipient: str
    status_code: int
    response_excerpt: str


class Channel(Protocol):
    """One configured destination (a robot, a mailbox list, a webhook endpoint)."""

    kind: str

    def send(self, message: Message, *, idempotency_key: str) -> DeliveryResult:
        """Deliver once; raise ``DeliveryError`` on failure. The key is stable across retries."""
        ...

    def test(self) -> DeliveryResult:
        """Send a short test message so an admin can check the configuration end to end."""
        ...


def mask(secret: str) -> str:
    """Enough of a key to tell robots apart in a log, not enough to post to them."""
    return f"****{secret[-4:]}" if len(secret) > 8 else "****"
