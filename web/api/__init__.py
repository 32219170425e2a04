"""The JSON API under ``/api/v1``, documented by the OpenAPI document the app serves at
``/api/v1/openapi.json`` (generated from these routes and their schemas).

One shape for every answer (``{"data": ...}`` or ``{"error": ..., "field": ...}``),
bearer tokens only (no session cookie, hence no CSRF), and the same service layer and
validation as the forms and the CLI. The routes live in small modules by subject:
``status`` (status, roll-ups, series, units, me), ``projects`` (reads of one project),
``ledger`` (payments, appropriations, reversals, plans, indicator progress),
``alerts``, ``register`` (units, projects, indicators), ``accounts`` (users, roles),
``tokens``, ``unit_settings`` (a unit's rule, alert settings and channels),
``selfeval`` (the 自评表, causes, sign-off), ``unit_level`` (a unit's own indicators
and 自评表), ``transfer`` (import, export) and ``year_end`` (rollover, ranking).
"""

from __future__ import annotations

from typing import Any

from web.api import errors
from web.api.access import auth
from web.api.blueprint import bp
from web.extensions import csrf


@bp.before_request
@bp.auth_required(auth)
def require_token() -> Any:
    """Every route of the API needs a valid bearer token (401 otherwise)."""
    return None


errors.init(bp)
csrf.exempt(bp)

# The route modules register their views on ``bp`` when imported.
from web.api import (  # noqa: E402
    accounts,
    alerts,
    commitments,
    ledger,
    projects,
    reallocations,
    register,
    selfeval,
    status,
    tokens,
    transfer,
    unit_level,
    unit_settings,
    weights,
    year_end,
)

__all__ = [
    "accounts",
    "alerts",
    "bp",
    "commitments",
    "ledger",
    "projects",
    "reallocations",
    "register",
    "selfeval",
    "status",
    "tokens",
    "transfer",
    "unit_level",
    "unit_settings",
    "weights",
    "year_end",
]
