"""gunicorn settings for the tracker: ``gunicorn -c deploy/gunicorn.conf.py web.wsgi:app``.

Every value can be set from the environment (the systemd unit reads
/etc/tracker/tracker.env); ``-b HOST:PORT`` on the command line overrides the bind.

- Workers × threads: gthread workers, 12 threads each. A page spends most of its time in
  PostgreSQL, so threads overlap the waits; several processes use both cores for the
  Python work (rendering, charts). Each worker process holds one tracker with its own
  connection pool (2 kept, up to 6 under load): count them, see deploy/README.md.
- The app is NOT preloaded in the master: the tracker opens its connection pool when the
  app is built, and a pool must never be shared across a fork. The master imports the
  code (Flask, plotly, the tracker's modules) before forking and freezes it out of the
  garbage collector (``gc.freeze``), so the workers share those pages copy-on-write; each
  worker then builds its own app (``web/wsgi.py`` freezes again after that).
- Prometheus multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes
  its counts there and ``/metrics`` adds them up; a dead worker is marked gone.
"""

from __future__ import annotations

import gc
import os

bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TRACKER_WEB_WORKERS") or max(2, (os.cpu_count() or 1) * 2))
worker_class = "gthread"
# 12, not 4: a kept-alive connection stays with the worker that accepted it, so a worker
# holding more busy connections than threads queues their requests while another worker
# idles (the load test saw client times twice the server's with 4). The pool (6 at most)
# still caps what a worker asks of PostgreSQL at once.
threads = int(os.environ.get("TRACKER_WEB_THREADS") or 12)
# A spreadsheet import of a whole unit's year runs inside one request.
timeout = int(os.environ.get("TRACKER_WEB_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections open
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat off the disk
# Only nginx on this host may say which scheme the client used (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("TRACKER_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("TRACKER_ACCESS_LOG", "-")  # "-" = stdout = the journal
errorlog = "-"
loglevel = os.environ.get("TRACKER_LOG_LEVEL", "info")
# client, request line, status, bytes, microseconds, referrer-free (no URLs of other sites)
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s"'
proc_name = "tracker-web"


def when_ready(server: object) -> None:
    """Import the code once in the master and freeze it, so the workers share it."""
    # Importing builds nothing (no app, no connection); web.charts pulls in plotly.
    import web.charts  # noqa: F401

    gc.collect()
    gc.freeze()


def child_exit(server: object, worker: object) -> None:
    """Forget the dead worker's live gauges in the shared metrics directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from workers.metrics import process_exited

        process_exited(worker.pid)  # type: ignore[attr-defined]
