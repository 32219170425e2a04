"""Celery task outcomes counted for Prometheus, from Celery's own signals.

Connected once per process by ``make_celery``: every task is counted (succeeded,
retried, failed, rejected) and timed without each task body remembering to do it,
and the worker's tracker gets the metrics observer for commands and alerts.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery import signals

from workers import metrics

_started: dict[str, float] = {}
_connected = False


def connect() -> None:
    """Hook the signal handlers (idempotent: several apps in one process count once)."""
    global _connected  # noqa: PLW0603 - Celery signals are process-wide
    if _connected:
        return
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.task_retry.connect(_retry, weak=False)
    signals.task_failure.connect(_failure, weak=False)
    signals.worker_ready.connect(_serve_metrics, weak=False)
    _connected = True


def _name(sender: Any) -> str:
    return str(getattr(sender, "name", sender))


def _prerun(sender: Any = None, task_id: str = "", **_: Any) -> None:
    _started[task_id] = time.perf_counter()


def _postrun(sender: Any = None, task_id: str = "", state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        metrics.TASK_SECONDS.labels(_name(sender)).observe(time.perf_counter() - started)
    if state == "SUCCESS":
        metrics.TASKS.labels(_name(sender), "succeeded").inc()


def _retry(sender: Any = None, **_: Any) -> None:
    metrics.TASKS.labels(_name(sender), "retried").inc()


def _failure(sender: Any = None, **_: Any) -> None:
    metrics.TASKS.labels(_name(sender), "failed").inc()


def _serve_metrics(**_: Any) -> None:
    """With ``TRACKER_WORKER_METRICS_PORT`` the worker's main process serves the host's
    metrics itself (a worker host without gunicorn); otherwise gunicorn's ``/metrics``
    shows them through the shared multiprocess directory."""
    port = os.environ.get("TRACKER_WORKER_METRICS_PORT")
    if port:
        metrics.serve_http(int(port), os.environ.get("TRACKER_WORKER_METRICS_ADDR", "127.0.0.1"))
