"""The Celery application, configured from the environment so that no work is lost.

``acks_late`` with ``task_reject_on_worker_lost``: a task whose worker dies mid-way
goes back to the queue (tasks are idempotent, so running twice is safe); prefetch 1
so a killed worker holds at most one task; the Redis visibility timeout is longer
than the longest retry back-off, so a delayed retry is not redelivered early.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MAX_RETRY_DELAY = 600  # seconds; the delivery task's back-off cap
VISIBILITY_TIMEOUT = 2 * 3600  # well above any retry delay


def redis_url() -> str:
    return os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)


def visibility_timeout() -> int:
    """Seconds before Redis hands an unacknowledged task to another worker.

    ``TRACKER_VISIBILITY_TIMEOUT`` overrides it (tests use a few seconds to see a killed
    worker's task come back); keep it above ``MAX_RETRY_DELAY`` in production.
    """
    return int(os.environ.get("TRACKER_VISIBILITY_TIMEOUT", VISIBILITY_TIMEOUT))


def check_time() -> tuple[int, int]:
    """``TRACKER_CHECK_TIME`` (HH:MM, Beijing time) of the daily lag check; 08:30."""
    text = os.environ.get("TRACKER_CHECK_TIME", "08:30")
    hour, minute = (int(x) for x in text.split(":"))
    return hour, minute


def check_every() -> int | None:
    """``TRACKER_CHECK_EVERY`` (seconds): also run the lag check that often, today's date.

    For sites that want alerts within minutes of a payment, and for the smoke run, which
    cannot wait for 08:30. The check is idempotent (alert ids are deterministic and each
    delivery is recorded), so running it often sends nothing twice. Unset: off.
    """
    text = os.environ.get("TRACKER_CHECK_EVERY", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"TRACKER_CHECK_EVERY 应为正整数（秒），现为“{text}”")
    return int(text)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The daily check, the checkpoint-day check, the weekly digest (and the frequent
    check when ``TRACKER_CHECK_EVERY`` asks for it)."""
    hour, minute = check_time()
    schedule: dict[str, dict[str, Any]] = {
        "daily-lag-check": {
            "task": "workers.tasks.scheduled_check",
            "schedule": crontab(hour=hour, minute=minute),
            "args": ("daily",),
        },
        "checkpoint-day-check": {
            "task": "workers.tasks.scheduled_check",
            "schedule": crontab(hour=17, minute=30),
            "args": ("checkpoint",),
        },
        "weekly-digest": {
            "task": "workers.tasks.weekly_digest",
            "schedule": crontab(hour=9, minute=0, day_of_week="mon"),
        },
    }
    every = check_every()
    if every:
        schedule["frequent-lag-check"] = {
            "task": "workers.tasks.check_lag",
            "schedule": dt.timedelta(seconds=every),
        }
    return schedule


def make_celery(url: str | None = None) -> Celery:
    """Build the app; importing this module builds nothing."""
    from workers import task_metrics

    task_metrics.connect()
    broker = url or redis_url()
    app = Celery("tracker", broker=broker, include=["workers.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="tracker",
        broker_transport_options={"visibility_timeout": visibility_timeout()},
        broker_connection_retry_on_startup=True,
        # With acks_late, a task cut off by a lost connection is redelivered anyway.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_ignore_result=True,
        timezone="Asia/Shanghai",
        enable_utc=True,
        beat_schedule=beat_schedule(),
    )
    return app
