"""The API tests' world for the registers, accounts, settings, self-evaluation and
transfer endpoints: tests/webdata.py's units, projects and accounts, seeded once per
module into a template database with a token per account, and copied for each test
that writes (the same arrangement as tests/web/test_api.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from webdata import TODAY, seed

from web import create_app

ROLES = ("officer1", "manager1", "auditor1", "admin1", "officer3")


def config(db: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "TRACKER_DB": f"sqlite:///{db}",
        "SECRET_KEY": "test-secret",
        "TRACKER_TODAY": TODAY,
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }


@dataclass
class Api:
    """An app on its own database file, its test client, and a token per account."""

    app: Flask
    client: FlaskClient
    tokens: dict[str, str]
    db: Path

    def call(self, method: str, path: str, who: str | None = None, key: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def get(self, path: str, who: str | None = None, **kw: Any) -> Any:
        return self.call("GET", path, who, **kw)

    def post(self, path: str, who: str | None, body: Any, key: str | None = "k-1", **kw: Any) -> Any:
        return self.call("POST", path, who, key, json=body, **kw)

    def put(self, path: str, who: str | None, body: Any, key: str | None = "k-1") -> Any:
        return self.call("PUT", path, who, key, json=body)

    @property
    def tracker(self) -> Any:
        return self.app.extensions["tracker"]

    def events(self) -> int:
        return int(self.tracker.recorder.max_notification_id() or 0)


def make_template(folder: Path) -> tuple[Path, dict[str, str]]:
    """The seeded world with one API token per account, closed and ready to copy."""
    db = folder / "web.db"
    app = create_app(config(db))
    seed(app)
    tracker = app.extensions["tracker"]
    tokens = {name: tracker.create_token(name, label="测试")[1] for name in ROLES}
    tracker.close()
    return db, tokens


def open_copy(template: tuple[Path, dict[str, str]], folder: Path) -> Api:
    source, tokens = template
    db = folder / "web.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{db}{suffix}")
    app = create_app({**config(db), "TRACKER_UPLOADS": str(folder / "uploads")})
    app.instance_path = str(folder / "instance")
    return Api(app, app.test_client(), dict(tokens), db)


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``tracker`` command on this database file."""
    env = {**os.environ, "TRACKER_DB": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cli_json(db: Path, *args: str) -> Any:
    done = cli(db, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def error_of(response: Any, status: int, *, problems: bool = False) -> dict[str, Any]:
    """The refusal's body, checked to be the API's one error shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    allowed = {"error", "field", "problems"} if problems else {"error", "field"}
    assert set(body) <= allowed, body
    assert body["error"], body
    return dict(body)
