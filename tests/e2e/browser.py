"""A real headless Chromium (Debian's ``chromium``) driven by Playwright against the
app served on 127.0.0.1, for the browser tests.

Every request the page makes is checked: anything not addressed to 127.0.0.1 is
aborted and remembered, so a test can assert that no request left the machine (the
site must work offline: plotly.js and every asset are ours).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = "Chromium not found: install the Debian package chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + " — required under CI=true")
        pytest.skip(message)


@dataclass
class LiveServer:
    url: str
    app: Any
    server: Any
    thread: threading.Thread


@dataclass
class Guard:
    """Requests that tried to leave 127.0.0.1."""

    foreign: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()


def serve(app: Any) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, server, thread)
    finally:
        server.shutdown()
        thread.join(timeout=10)


def launch() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshots_dir(tmp_path: Path) -> Path:
    """``TRACKER_SCREENSHOTS`` keeps them (the README's pictures); else a temp folder."""
    chosen = os.environ.get("TRACKER_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Guard]:
    """A new page in its own context (Chinese locale, Beijing time) whose every request
    outside 127.0.0.1 is aborted and remembered in the returned guard."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    guard = Guard()
    context.route("**/*", guard.route)
    return context.new_page(), guard


def sign_in(page: Any, base: str, name: str) -> None:
    """Sign in through the form as one of the seeded accounts (tests/webdata.py)."""
    from webdata import PASSWORD

    page.goto(base + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
