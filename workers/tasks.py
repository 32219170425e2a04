"""Celery tasks: thin, idempotent, taking dates and ids, calling the service layer.

- ``check_lag`` runs the same rules as ``tracker alerts check`` and queues one
  ``deliver`` per (alert, channel) still to send.
- ``deliver`` sends one alert to one channel, retried with exponential back-off on
  retryable failures; a delivery already recorded is never sent again.
- ``scheduled_check`` is what beat calls: a Redis lock per (kind, day) makes sure a
  second beat (or a restarted one) does not run the same slot twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from typing import Any

from celery import shared_task

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import TrackerError
from tracker.notify import delivery
from tracker.notify.channels import DeliveryError
from tracker.queries import today
from tracker.store.config import Settings
from workers.celery_app import MAX_RETRY_DELAY, redis_url

log = logging.getLogger(__name__)
_tracker: BudgetTracker | None = None


def tracker() -> BudgetTracker:
    """One tracker per worker process, opened on first use (never at import)."""
    global _tracker  # noqa: PLW0603 - a per-process handle, like a connection pool
    if _tracker is None:
        from workers.metrics import OBSERVER

        _tracker = BudgetTracker(Settings.from_env())
        _tracker.observe(OBSERVER)
    return _tracker


class RetryableDelivery(Exception):
    """A delivery that may succeed later (timeouts, 5xx, rate limits)."""


DELIVERY_CLAIM_SECONDS = 120  # longer than one send with its timeouts
CONTENDED_RETRY_SECONDS = 5


@shared_task(
    name="workers.tasks.check_lag",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def check_lag(as_of: str | None = None) -> dict[str, Any]:
    """Raise, resolve and escalate alerts as of a date; queue their deliveries."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    result = tracker().check_alerts(day)
    queued = 0
    for alert_id, channel_id in delivery.pending(tracker()):
        deliver.delay(alert_id, channel_id)
        queued += 1
    log.info("lag check %s: %d raised, %d queued", result["as_of"], len(result["raised"]), queued)
    return {
        "as_of": result["as_of"].isoformat(),
        "raised": len(result["raised"]),
        "already_open": result["already_open"],
        "queued": queued,
    }


MAX_DELIVERY_RETRIES = 8


def backoff(retries: int) -> float:
    """5 s, 10 s, 20 s … capped, with jitter so retries of many alerts spread out."""
    return min(5.0 * 2**retries, MAX_RETRY_DELAY) * random.uniform(0.5, 1.0)


@shared_task(name="workers.tasks.deliver", bind=True, acks_late=True, max_retries=MAX_DELIVERY_RETRIES)
def deliver(self: Any, alert_id: str, channel_id: str) -> str:
    """Send one alert to one channel, once: a Redis claim per (alert, channel) keeps two
    workers from sending the same message; retries honour the robot's Retry-After."""
    claim = f"tracker:deliver:{alert_id}:{channel_id}"
    if not claim_slot(claim, ttl=DELIVERY_CLAIM_SECONDS, owner=self.request.id):
        if tracker().was_delivered(alert_id, channel_id):
            return "already"
        raise self.retry(countdown=CONTENDED_RETRY_SECONDS)  # another task is sending it
    last = self.request.retries >= MAX_DELIVERY_RETRIES
    try:
        return delivery.deliver_one(
            tracker(), alert_id, channel_id, self.request.retries + 1, limiter=shared_limiter(), last=last
        )
    except DeliveryError as e:
        release_slot(claim)
        if e.retryable and not last:
            countdown = math.ceil(max(e.retry_after or 0.0, backoff(self.request.retries)))
            raise self.retry(exc=RetryableDelivery(str(e)), countdown=countdown) from e
        log.warning("delivery of %s to %s failed for good: %s", alert_id, channel_id, e)
        return "failed"
    except TrackerError as e:  # bad configuration: recorded, never crash the worker
        release_slot(claim)
        log.warning("delivery of %s to %s refused: %s", alert_id, channel_id, e)
        return "refused"


@shared_task(name="workers.tasks.scheduled_check", acks_late=True)
def scheduled_check(kind: str, day: str | None = None) -> str:
    """Beat's entry: once per (kind, day) across all beats, guarded in Redis."""
    on = dt.date.fromisoformat(day) if day else today()
    if kind == "checkpoint" and not is_checkpoint_day(on):
        return "not a checkpoint day"
    if not claim_slot(f"tracker:beat:{kind}:{on.isoformat()}"):
        return "already done"
    check_lag.delay(on.isoformat())
    return "queued"


_clients: dict[str, Any] = {}


def redis_client() -> Any:
    """One Redis client (with its connection pool) per worker process and URL."""
    url = redis_url()
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, decode_responses=True)
    return _clients[url]


def shared_limiter() -> Any:
    """The robots' rate limit counted in Redis, so every worker shares it."""
    from workers.redis_limiter import RedisRateLimiter

    return RedisRateLimiter(redis_client())


def release_slot(key: str) -> None:
    """Give a claim back (a failed send may be retried by any worker)."""
    redis_client().delete(key)


def claim_slot(key: str, ttl: int = 3 * 86400, owner: str | None = None) -> bool:
    """SET NX: the first claimant wins, later ones do nothing. A claim made under the
    same ``owner`` (a redelivered task keeps its id after its worker died) is its own."""
    client = redis_client()
    if client.set(key, owner or "1", nx=True, ex=ttl):
        return True
    return owner is not None and client.get(key) == owner


def is_checkpoint_day(day: dt.date) -> bool:
    """Is ``day`` a (non-blank) checkpoint of any project's plan this year?"""
    from tracker.domain import lag

    for row in tracker().projects(day.year):
        if any(cp.date == day and not cp.is_blank for cp in lag.checkpoints_for(row["plan"], day.year)):
            return True
    return False


@shared_task(name="workers.tasks.weekly_digest", acks_late=True)
def weekly_digest(day: str | None = None) -> int:
    """A weekly summary per unit to its managers' channels."""
    from tracker.notify.digest import send_digests

    on = dt.date.fromisoformat(day) if day else today()
    if not claim_slot(f"tracker:beat:digest:{on.isoformat()}"):
        return 0
    return send_digests(tracker(), on)
