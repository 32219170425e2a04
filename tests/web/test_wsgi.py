"""``web.wsgi`` (what gunicorn imports): behind nginx it trusts exactly
``TRACKER_PROXIES`` hops of ``X-Forwarded-For``, and none by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
from flask import request
import web.wsgi as w
w.app.add_url_rule("/_probe", "probe", lambda: request.remote_addr + " " + request.scheme)
client = w.app.test_client()
print(client.get("/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}).text)
"""


def seen(tmp_path: Path, proxies: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {"TRACKER_DB": f"sqlite:///{tmp_path / 'w.db'}", "TRACKER_SECRET_KEY": "x" * 64}
    if proxies is not None:
        env["TRACKER_PROXIES"] = proxies
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(("proxies", "expected"), [(None, "127.0.0.1 http"), ("1", "203.0.113.7 https")])
def test_the_wsgi_app_trusts_forwarded_headers_only_behind_the_configured_proxies(
    tmp_path: Path, proxies: str | None, expected: str
) -> None:
    assert seen(tmp_path, proxies) == expected
