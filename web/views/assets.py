"""plotly.js from the installed plotly wheel, under a versioned name, cached for a year.

The wheel already ships the bundle; serving it from there keeps 4.8 MB of minified
JavaScript out of the repository and ties the page to the version the charts were
built with. The zh-CN locale (not in the wheel) is vendored under ``static/vendor``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, send_file

bp = Blueprint("assets", __name__)


@cache
def plotly_bundle() -> tuple[str, Path]:
    """(plotly.js version, path of the wheel's minified bundle)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    head = path.read_bytes()[:300].decode("ascii", "replace")
    marker = head.find("plotly.js v")
    version = head[marker + len("plotly.js v") :].split()[0] if marker >= 0 else "unknown"
    return version, path


def plotly_url_name() -> str:
    return f"plotly-{plotly_bundle()[0]}.min.js"


@bp.route("/vendor/<name>")
def vendor(name: str) -> Any:
    if name != plotly_url_name():
        abort(404)
    response = send_file(plotly_bundle()[1], mimetype="text/javascript", max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
