"""``GET /healthz``: does this web process reach its database? For load balancers,
systemd watchdogs and the smoke run; no login, no figures, nothing cached.

200 ``{"status": "ok"}`` when a trivial query answers, 503 ``{"status": "unavailable"}``
otherwise (the cause goes to the log, not to whoever asks).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from web.extensions import tracker

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers a query, 503 when it does not."""
    try:
        answered = tracker().read.one("SELECT 1 AS ok")
    except Exception:  # any failure of the store means "not healthy", never a 500
        log.exception("health check: the database did not answer")
        answered = None
    ok = bool(answered) and int(answered["ok"]) == 1  # type: ignore[index]
    response = jsonify(status="ok" if ok else "unavailable")
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
