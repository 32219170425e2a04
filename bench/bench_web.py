"""Server time and page weight of the web pages at 1,000 projects and 1,000,000 payments.

    python bench/bench_web.py [--projects 1000] [--payments-per-project 1000] [--requests 50]
    python bench/bench_web.py --quick        # 100 projects x 100 payments, 20 requests
    python bench/bench_web.py --profile /projects/2024/B0000   # where one page's time goes

Target (issue "Web app", UI.md "Speed"): server time per page p95 <= 150 ms at 1,000
projects and 1,000,000 payments; the page weight on first and second load is printed.

**Server time** is measured in-process with Flask's test client, signed in through the
real login form, so it covers routing, the session, the queries, the charts and the
templates, but no network and no WSGI server. Each round asks every page once for each
account in turn (an auditor, who sees every unit, and an officer of the unit), so a slow
spell of the machine falls on every page alike. The app is built as ``web/wsgi.py``
builds it (``gc.freeze()`` after start-up) and every page is asked once before timing.
"Today" is pinned to 2024-12-31 (the generated year); the past-date dashboard takes a
different random date of 2024 in each round.

**Page weight** is the body of the HTML and of every script and style sheet it names
(plotly.js and its zh-CN locale included), raw and gzip-compressed (level 6), as the
auditor's first load; the second load counts what a browser with a warm cache fetches
again, decided from the Cache-Control header the app sends with each response: a
positive max-age without no-store / no-cache is served from the cache (static names
carry their content hash), anything else is fetched again.

The database is generated once into $TRACKER_BENCH_DIR (default /tmp/tracker-bench) by
the generator of bench_big.py (``common.generate``) and reused; one project (B0000, the
busy one) gets ten times the payments of the others. The two accounts are added on each
run with fixed request ids (so a second run records nothing), hashed with argon2 at its
lowest cost: ``UserCommands.password_hasher`` is replaced for this process only, as the
web tests do, since signing in is not what is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import gzip
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from argon2 import PasswordHasher
from common import UNIT, bench_data_dir, generate, p95
from flask import Flask
from flask.testing import FlaskClient

from tracker.commands.users import UserCommands
from web import create_app

TARGET_MS = 150.0
TODAY = dt.date(2024, 12, 31)
BUSY = "B0000"
BUSY_FACTOR = 10
PASSWORD = "bench-password-1"
ACCOUNTS = {  # name: (roles, units)
    "bench_auditor": (["auditor"], []),
    "bench_officer": (["officer"], [UNIT]),
}
GZIP_LEVEL = 6


# ------------------------------------------------------------------ the database and the app


def database(projects: int, per_project: int) -> str:
    """The URL of the generated database, made on first use (into a ``.part`` file that
    is renamed when complete, so an interrupted generation is never reused)."""
    path = str(bench_data_dir() / f"web-{projects}x{per_project}.db")
    if not os.path.exists(path):
        part = path + ".part"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(part + suffix):
                os.remove(part + suffix)
        print(f"generating {path} …", flush=True)
        start = time.perf_counter()
        generate(
            f"sqlite:///{part}",
            projects,
            per_project,
            payments_of=lambda i: per_project * BUSY_FACTOR if i == 0 else per_project,
        )
        os.rename(part, path)
        print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
    return f"sqlite:///{path}"


def make_app(url: str) -> Flask:
    UserCommands.password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    app = create_app(
        {
            "TRACKER_DB": url,
            "SECRET_KEY": "bench-secret",
            "TRACKER_TODAY": TODAY,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "PROPAGATE_EXCEPTIONS": True,  # a page that fails stops the benchmark
        }
    )
    tracker = app.extensions["tracker"]
    for name, (roles, units) in ACCOUNTS.items():
        tracker.add_user(
            name, roles=roles, units=units, password=PASSWORD, user="bench", request_id=f"bench-web-{name}"
        )
    return app


def sign_in(app: Flask, name: str) -> FlaskClient:
    """A client signed in through the login form, CSRF token included."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"cannot sign in as {name}: {answer.status_code}")
    return client


# ------------------------------------------------------------------ server time


@dataclass
class Page:
    label: str
    url: Callable[[int], str]  # the round's URL
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # account: (wall, cpu)


def pages(projects: int, requests: int) -> list[Page]:
    rnd = random.Random(3)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 364)) for _ in range(requests + 1)]
    typical = f"B{projects // 2:04d}"
    return [
        Page("dashboard, as of today", lambda r: "/"),
        Page("dashboard, past dates", lambda r: f"/?as_of={days[r]}"),
        Page(f"project {BUSY} (busy)", lambda r: f"/projects/2024/{BUSY}"),
        Page(f"project {typical} (typical)", lambda r: f"/projects/2024/{typical}"),
        Page("project list", lambda r: "/projects"),
        Page("roll-ups", lambda r: "/rollups"),
    ]


def get(client: FlaskClient, url: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one request (the CPU time of this process: on a
    busy machine it shows what the page costs apart from waiting for a core)."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    response.get_data()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return seconds, cpu_seconds


def bench_times(clients: dict[str, FlaskClient], shown: list[Page], requests: int) -> None:
    first = {(p.label, who): get(c, p.url(requests))[0] * 1000 for p in shown for who, c in clients.items()}
    gc.collect()
    gc.freeze()  # as web/wsgi.py does after start-up
    for r in range(requests):
        for page in shown:
            for who, client in clients.items():
                page.samples.setdefault(who, []).append(get(client, page.url(r)))
    print(f"\nserver time, {requests} requests a page and account (target p95 <= {TARGET_MS:.0f} ms)")
    print("  wall clock: first request, p50, p95, max; then the CPU time of the process, p50 and p95")
    print(
        f"  {'page':28s} {'account':8s} {'first':>8s} {'p50':>8s} {'p95':>8s} {'max':>8s}"
        f"         {'cpu p50':>8s} {'cpu p95':>8s}"
    )
    for page in shown:
        for who, samples in page.samples.items():
            wall = [w for w, _ in samples]
            cpu = [c for _, c in samples]
            worst = p95(wall) * 1000
            print(
                f"  {page.label:28s} {who:8s} {first[(page.label, who)]:5.0f} ms "
                f"{statistics.median(wall) * 1000:5.0f} ms {worst:5.0f} ms {max(wall) * 1000:5.0f} ms  "
                f"{'PASS' if worst <= TARGET_MS else 'MISS'}  "
                f"{statistics.median(cpu) * 1000:5.0f} ms {p95(cpu) * 1000:5.0f} ms"
            )


def bench_query(app: Flask, requests: int) -> None:
    """The status query alone (bench_big.py's measure), beneath the dashboard, the project
    list and the roll-ups: what of a page's time is the query, on this machine today."""
    queries = app.extensions["tracker"].queries
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        queries.status_report(2024, TODAY, None)
        samples.append(time.perf_counter() - start)
    print(
        f"  (for comparison: Queries.status_report of every project alone, as of today: "
        f"p50 {statistics.median(samples) * 1000:.0f} ms, p95 {p95(samples) * 1000:.0f} ms)"
    )


# ------------------------------------------------------------------ page weight


class Assets(HTMLParser):
    """The scripts and style sheets a page names (data: URLs aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        url = a.get("src") if tag == "script" else a.get("href") if tag == "link" else None
        if tag == "link" and a.get("rel") != "stylesheet":
            url = None
        if url and not url.startswith("data:"):
            self.urls.append(url)


def cached(cache_control: str) -> bool:
    """Whether a browser serves this response from its cache on the next visit."""
    parts = {p.strip().split("=")[0]: p.strip() for p in cache_control.lower().split(",") if p.strip()}
    if "no-store" in parts or "no-cache" in parts or "max-age" not in parts:
        return False
    return int(parts["max-age"].split("=")[1]) > 0


def page_weight(client: FlaskClient, label: str, url: str) -> None:
    html = client.get(url)
    parser = Assets()
    parser.feed(html.get_data(as_text=True))
    rows = [(url + " (HTML)", html)] + [(u, client.get(u)) for u in parser.urls]
    print(f"\npage weight: {label} ({url}), as the auditor; gzip level {GZIP_LEVEL}")
    print(f"  {'resource':52s} {'bytes':>10s} {'gzip':>10s}  {'Cache-Control':38s} second load")
    first = [0, 0]
    second = [0, 0]
    for name, response in rows:
        if response.status_code != 200:
            raise SystemExit(f"{name}: HTTP {response.status_code}")
        body = response.get_data()
        size, packed = len(body), len(gzip.compress(body, GZIP_LEVEL))
        control = response.headers.get("Cache-Control", "")
        again = not cached(control)
        first[0] += size
        first[1] += packed
        if again:
            second[0] += size
            second[1] += packed
        short = name if len(name) <= 52 else name[:49] + "…"
        print(
            f"  {short:52s} {size:>10,} {packed:>10,}  {control[:38]:38s} "
            f"{'fetched again' if again else 'from cache'}"
        )
    print(f"  {'first load (' + str(len(rows)) + ' requests)':52s} {first[0]:>10,} {first[1]:>10,}")
    print(f"  {'second load':52s} {second[0]:>10,} {second[1]:>10,}")


# ------------------------------------------------------------------ profile


def profile(client: FlaskClient, url: str, requests: int) -> None:
    """Where one page's time goes: cProfile over ``requests`` requests (after one
    unprofiled request), the functions by cumulative and by own time."""
    import cProfile
    import pstats

    get(client, url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get(client, url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    print(f"\nprofile of {url}, {requests} requests, by cumulative time")
    stats.sort_stats("cumulative").print_stats(40)
    print(f"profile of {url}, by own time")
    stats.sort_stats("tottime").print_stats(25)


# ------------------------------------------------------------------ main


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--payments-per-project", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests a page and account")
    parser.add_argument("--quick", action="store_true", help="100 projects x 100 payments, 20 requests")
    parser.add_argument("--profile", metavar="URL", help="only profile this page (cProfile), as the auditor")
    args = parser.parse_args()
    if args.quick:
        args.projects, args.payments_per_project, args.requests = 100, 100, 20
    url = database(args.projects, args.payments_per_project)
    payments = (args.projects - 1 + BUSY_FACTOR) * args.payments_per_project
    print(
        f"{args.projects:,} projects, {payments:,} payments ({BUSY} has {BUSY_FACTOR}x), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    os.sync()  # the generation's write-back would slow the first rounds
    app = make_app(url)
    try:
        clients = {name.removeprefix("bench_"): sign_in(app, name) for name in ACCOUNTS}
        if args.profile:
            profile(clients["auditor"], args.profile, min(args.requests, 20))
            return
        bench_times(clients, pages(args.projects, args.requests), args.requests)
        bench_query(app, args.requests)
        page_weight(clients["auditor"], "dashboard", "/")
        page_weight(clients["auditor"], "project page", f"/projects/2024/B{args.projects // 2:04d}")
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        app.extensions["tracker"].close()


if __name__ == "__main__":
    sys.exit(main())
