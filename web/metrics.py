"""``GET /metrics``: Prometheus metrics, for the monitoring host only.

Request latency is labelled by the URL rule (``/projects/<code>``), never the raw path,
so the number of series stays fixed whatever users type. Commands, alerts and Celery
tasks are counted in ``workers.metrics`` (shared with the workers); this app registers
that observer with its tracker.

Who may read: a request from loopback that did not come through a proxy (no
``X-Forwarded-For``: behind nginx everything arrives from 127.0.0.1), or one carrying
``Authorization: Bearer`` with ``TRACKER_METRICS_TOKEN``. Anyone else gets 404, as if
there were nothing here.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from web.auth import bearer_token
from workers import metrics

bp = Blueprint("metrics", __name__)
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


def init_app(app: Flask) -> None:
    """Time every request and count the tracker's commands (after ``extensions``)."""
    app.config.setdefault("TRACKER_METRICS_TOKEN", os.environ.get("TRACKER_METRICS_TOKEN") or None)
    app.extensions["tracker"].observe(metrics.OBSERVER)

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
            status = f"{response.status_code // 100}xx"
            metrics.HTTP_SECONDS.labels(request.method, rule, status).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)


def allowed() -> bool:
    """Loopback without a proxy in between, or the configured token."""
    token = current_app.config.get("TRACKER_METRICS_TOKEN")
    given = bearer_token()
    if token and given and hmac.compare_digest(given.encode(), str(token).encode()):
        return True
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("X-Real-IP")
    return not forwarded and request.remote_addr in LOOPBACK


@bp.get("/metrics")
def show() -> Response:
    """The metrics of every tracker process on this host (multiprocess mode)."""
    if not allowed():
        abort(404)
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
