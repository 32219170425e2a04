"""Prometheus metrics shared by the web processes and the Celery workers.

Defined once here because both doors count the same things (commands by outcome,
alerts raised and delivered) and may run in one process (the tests, ``tracker serve``):
a metric may be registered only once. This module imports ``prometheus_client`` only,
no Celery, so ``web`` can use it as well (web sits above workers in the layout).

Several processes (gunicorn workers, Celery's prefork children) each count on their
own; with ``PROMETHEUS_MULTIPROC_DIR`` set (one directory per host, shared by every
tracker process there, emptied at boot) the client writes the counts to files there and
``exposition()`` adds them up, whichever process is asked.
"""

from __future__ import annotations

import os
import threading

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from tracker.commands.observers import CommandObserver

COMMANDS = Counter(
    "tracker_commands_total", "Commands of the service layer by outcome", ["command", "outcome"]
)
ALERTS_RAISED = Counter("tracker_alerts_raised_total", "Alerts raised", ["rule", "severity"])
ALERT_DELIVERIES = Counter(
    "tracker_alert_deliveries_total", "Alert delivery attempts by outcome", ["outcome"]
)
TASKS = Counter("tracker_celery_tasks_total", "Celery tasks by outcome", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "tracker_celery_task_seconds", "Celery task run time", ["task"], buckets=(0.05, 0.25, 1, 5, 30, 120)
)
HTTP_SECONDS = Histogram(
    "tracker_http_request_seconds",
    "HTTP request latency by route (the URL rule) and status class",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.3, 0.5, 1, 2.5, 5, 10),
)


class MetricsObserver(CommandObserver):
    """Counts what the service layer reports (register with ``tracker.observe``)."""

    def command(self, name: str, outcome: str, count: int = 1) -> None:
        COMMANDS.labels(name, outcome).inc(count)

    def alert_raised(self, rule: str, severity: str) -> None:
        ALERTS_RAISED.labels(rule, severity).inc()

    def alert_delivery(self, channel: str, outcome: str) -> None:
        # by outcome only: channels are per unit, too many for a label
        ALERT_DELIVERIES.labels(outcome).inc()


OBSERVER = MetricsObserver()


def multiprocess_dir() -> str | None:
    """The shared directory of the multiprocess mode, or None (one process counts alone)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def exposition() -> tuple[bytes, str]:
    """The metrics text of every tracker process on this host (or of this one)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def process_exited(pid: int) -> None:
    """Forget a dead process's live gauges (its counters stay, as they should)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


_server_lock = threading.Lock()
_server_started = False


def serve_http(port: int, addr: str = "127.0.0.1") -> None:
    """Serve ``/metrics`` on its own port (Celery workers on a host without gunicorn)."""
    global _server_started  # noqa: PLW0603 - one server per process
    from prometheus_client import start_http_server

    with _server_lock:
        if _server_started:
            return
        if multiprocess_dir():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            start_http_server(port, addr, registry=registry)
        else:
            start_http_server(port, addr)
        _server_started = True
