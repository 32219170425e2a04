"""The robots' 20-messages-a-minute limit shared by every worker, kept in Redis.

Same interface as ``workers.channels.RateLimiter`` (``acquire(key)`` → seconds to wait,
0 when a slot was taken), but the sliding window is a sorted set per robot so all
worker processes and hosts count together. One Lua script makes the check-and-take
atomic.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

_SCRIPT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RedisRateLimiter:
    """A sliding window of ``max_per_minute`` sends per key, across processes."""

    def __init__(
        self, client: Any, max_per_minute: int = 20, window: float = 60.0, prefix: str = "tracker:robot:"
    ) -> None:
        self.client = client
        self.max_per_minute = max_per_minute
        self.window = window
        self.prefix = prefix
        self._script = client.register_script(_SCRIPT)

    def acquire(self, key: str = "default") -> float:
        """Take a slot (0.0) or say how many seconds until one frees up."""
        now = time.time()
        answer = self._script(
            keys=[self.prefix + key], args=[now, self.window, self.max_per_minute, uuid.uuid4().hex]
        )
        return max(float(answer), 0.0)
