"""The robots' rate limit shared through the real Redis."""

from __future__ import annotations

import uuid

import pytest
import redis
from conftest import service_unavailable

from workers.redis_limiter import RedisRateLimiter


@pytest.fixture
def client() -> redis.Redis:
    c = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    try:
        c.ping()
    except redis.exceptions.ConnectionError as e:
        c.close()
        service_unavailable("Redis", str(e))
    yield c
    c.close()


def test_twenty_a_minute_then_a_wait(client: redis.Redis) -> None:
    key = f"robot-{uuid.uuid4().hex}"
    first = RedisRateLimiter(client)
    second = RedisRateLimiter(client)  # another worker process, same Redis
    waits = [(first if n % 2 else second).acquire(key) for n in range(20)]
    assert waits == [0.0] * 20
    wait = first.acquire(key)
    assert 59.0 < wait <= 60.0
    assert second.acquire(f"other-{key}") == 0.0  # each robot has its own window


def test_the_window_slides(client: redis.Redis) -> None:
    key = f"robot-{uuid.uuid4().hex}"
    limiter = RedisRateLimiter(client, max_per_minute=2, window=1.0)
    assert [limiter.acquire(key), limiter.acquire(key)] == [0.0, 0.0]
    assert 0.0 < limiter.acquire(key) <= 1.0
    import time

    time.sleep(1.05)
    assert limiter.acquire(key) == 0.0
