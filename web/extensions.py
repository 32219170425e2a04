"""The app's extensions: the service layer, CSRF, logins and the login rate limit.

Each is made per app in ``init_app`` (no module-level state that would be shared by
two apps in one process, as tests make).
"""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from tracker.commands import BudgetTracker
from tracker.store.config import Settings

csrf = CSRFProtect()  # stateless: it keeps nothing between apps


def init_app(app: Flask) -> None:
    tracker = BudgetTracker(Settings(db_url=app.config["TRACKER_DB"], user="web"))
    app.extensions["tracker"] = tracker
    csrf.init_app(app)
    app.extensions["login_limiter"] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        default_limits=[],
        headers_enabled=True,
    )
    from web import auth  # after the tracker exists: the login manager reads accounts

    auth.init_app(app)


def tracker() -> BudgetTracker:
    """The service layer of the current app."""
    return cast(BudgetTracker, current_app.extensions["tracker"])


def limiter() -> Limiter:
    return cast(Limiter, current_app.extensions["login_limiter"])
