"""The tracker's web face: pages for officers and managers, charts, the JSON API.

``create_app(config)`` builds an app; nothing is built at import. The app holds one
``BudgetTracker`` (the service layer) in ``app.extensions["tracker"]``; every page and
API call goes through it and through ``tracker.queries``, never around them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask

from web import errors, extensions, formatting, health, metrics, security, settings, templating, timectl
from web.views import auth as auth_views
from web.views import register_blueprints


def create_app(config: Mapping[str, Any] | None = None) -> APIFlask:
    """A configured app: settings from the environment, overridden by ``config``."""
    app = APIFlask(
        __name__,
        instance_relative_config=True,
        title="预算执行跟踪 API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the docs UI loads its scripts from a CDN; the spec is enough
        json_errors=False,  # pages answer in HTML; the API blueprint answers in JSON
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese readable on the wire
    settings.configure(app, config)
    extensions.init_app(app)
    security.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    timectl.init_app(app)
    templating.init_app(app)
    register_blueprints(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    auth_views.init_limits(app)
    return app
