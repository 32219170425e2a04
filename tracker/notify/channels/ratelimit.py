"""How long to wait before the next robot message: WeCom and DingTalk allow 20 a minute.

Going over the limit earns an error code (45009, 130101) and, for DingTalk, a
ten-minute block, so the channels ask first. The answer is a number of seconds rather
than a sleep, because the Celery task turns it into a retry countdown and frees the
worker meanwhile. ``Limiter`` is the interface; ``RateLimiter`` is the in-process
version (one process, e.g. the CLI or a single worker). A Redis-backed limiter with the
same ``acquire`` (a sorted set per key: ZREMRANGEBYSCORE, ZCARD, ZADD in one script)
can replace it for several workers without touching the channels.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Limiter(Protocol):
    """Anything that can say how long until one more message may go to ``key``."""

    def acquire(self, key: str = "default") -> float:
        """Take a slot and return 0.0, or take nothing and return the seconds to wait."""
        ...


class RateLimiter:
    """A sliding window: at most ``max_per_minute`` sends per key in any 60 seconds.

    A sliding log rather than a fixed per-minute counter, because the robots count a
    rolling minute: twenty at 10:00:59 and twenty more at 10:01:00 would be refused.
    ``clock`` returns seconds (monotonic by default); tests pass a fake one.
    """

    def __init__(
        self,
        max_per_minute: int = 20,
        *,
        clock: Callable[[], float] = time.monotonic,
        window: float = 60.0,
    ) -> None:
        if max_per_minute < 1:
            raise ValueError("max_per_minute must be at least 1")
        self.max_per_minute = max_per_minute
        self.window = window
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str = "default") -> float:
        """Record a send and return 0.0 when a slot is free; otherwise the wait in seconds.

        A refused call records nothing, so asking again after the wait succeeds.
        """
        with self._lock:
            now = self._clock()
            sent = self._sent.setdefault(key, deque())
            while sent and sent[0] <= now - self.window:
                sent.popleft()
            if len(sent) < self.max_per_minute:
                sent.append(now)
                return 0.0
            return max(sent[0] + self.window - now, 0.0)
