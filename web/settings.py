"""Configuration in one place: defaults, then the environment, then the caller's dict.

The secret key comes from ``TRACKER_SECRET_KEY`` or is generated once into the instance
folder (readable by the owner only), so sessions survive a restart without anyone
having to invent a key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from tracker.store.config import Settings

SECRET_FILE = "secret_key"


def configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    tracker_settings = Settings.from_env()
    app.config.from_mapping(
        TRACKER_DB=tracker_settings.db_url,
        SECRET_KEY=os.environ.get("TRACKER_SECRET_KEY") or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("TRACKER_SECURE_COOKIES", "") in ("1", "true", "yes"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=int(os.environ.get("TRACKER_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        RATELIMIT_STORAGE_URI=os.environ.get("TRACKER_RATELIMIT_STORAGE", "memory://"),
        LOGIN_RATE_LIMIT=os.environ.get("TRACKER_LOGIN_RATE_LIMIT", "10 per minute"),
        SEND_FILE_MAX_AGE_DEFAULT=31536000,  # static names carry their content hash
        WTF_CSRF_TIME_LIMIT=None,  # a form left open over lunch still submits
        TRACKER_TODAY=None,  # tests pin "today" (a date) here
        # uploads waiting for their confirmation (web/uploads.py)
        TRACKER_UPLOADS=os.environ.get("TRACKER_UPLOADS") or str(Path(app.instance_path) / "uploads"),
    )
    if config:
        app.config.update(config)
    app.config["SESSION_COOKIE_SECURE"] = (
        app.config["SESSION_COOKIE_SECURE"] or app.config.get("PREFERRED_URL_SCHEME") == "https"
    )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))


def instance_secret(folder: Path) -> str:
    """The key kept in the instance folder, made on first use (mode 0600)."""
    path = folder / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key
