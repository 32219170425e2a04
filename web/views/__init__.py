"""One blueprint per area of the site; each module exposes ``bp``."""

from __future__ import annotations

import importlib

from flask import Flask

# Areas in navigation order; a module missing here is simply not served yet.
AREAS = (
    "auth",
    "dashboard",
    "projects",
    "forms",
    "reallocations",
    "commitments",
    "register",
    "alerts",
    "rollups",
    "year_end",
    "transfer",
    "selfeval",
    "admin",
    "assets",
)
API = ("web.api",)


def register_blueprints(app: Flask) -> None:
    for area in AREAS:
        try:
            module = importlib.import_module(f"web.views.{area}")
        except ModuleNotFoundError as e:
            if e.name != f"web.views.{area}":
                raise
            continue
        app.register_blueprint(module.bp)
    for name in API:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        app.register_blueprint(module.bp)
