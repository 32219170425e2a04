"""``tracker demo`` loads the demo year and serves it: the README's first command opens
a working site on SQLite, with one login per role."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tracker.demo.accounts import DEMO_LOGINS

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"tracker demo exited {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_tracker_demo_serves_the_demo_year_to_each_demo_login(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TRACKER_DB": f"sqlite:///{tmp_path / 'demo.db'}", "TRACKER_USER": "演示"}
    exe = Path(sys.executable).with_name("tracker")
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "demo", "--port", str(port)], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/login", proc, log)
        for login in DEMO_LOGINS:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            with opener.open(base + "/login") as r:
                page = r.read().decode()
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            form = urlencode({"name": login.name, "password": login.password, "csrf_token": token.group(1)})
            with opener.open(base + "/login", data=form.encode()) as r:
                home = r.read().decode()
            assert "2024 年预算执行总览" in home, login.name
            assert "办公室整修" in home
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "演示账号" in log.read_text()
