"""The load test (issue 14), on demand, never in CI:

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python bench/load/run.py [--seconds 60] [--payments-per-project 50]

Seeds a realistic department in a fresh PostgreSQL database (a bureau with 4 units of
50 projects each, this year's budgets and plans, 50 earlier payments per project; 50
officer accounts with API tokens, 20 managers of the bureau), starts gunicorn with
``deploy/gunicorn.conf.py`` on a free loopback port, and runs locust headless:
50 officers each recording a payment about once a second, 20 managers each opening
the dashboard about every two seconds. Then it checks that nothing was lost or doubled
(accepted responses = payment events in the store = rows in the read model), prints
throughput, p50/p95/p99 and errors per request kind with the machine's load average,
and drops the database.

Passwords are hashed at argon2's lowest cost while seeding (as the tests do): sign-in
happens once per simulated manager and is not what is measured.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from common import drop_pg, fresh_pg  # noqa: E402

sys.path.insert(0, str(REPO / "bench/load"))
import cpu  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN = os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
UNITS = ("L001", "L002", "L003", "L004")
BUREAU = "L000"
PASSWORD = "load-test-horse-1"


def seed(url: str, year: int, per_project: int) -> dict[str, object]:
    """The department, its projects and payments, and the accounts the users sign in as."""
    from argon2 import PasswordHasher

    from tracker.commands.tracker import BudgetTracker
    from tracker.commands.users import UserCommands
    from tracker.domain.project import Project
    from tracker.store.config import Settings

    UserCommands.password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    app = BudgetTracker(Settings(db_url=url, user="负载测试"))
    app.add_unit(BUREAU, "负载测试医疗保障局")
    rnd = random.Random(14)
    projects: dict[str, list[str]] = {}
    plan = "03-31:25%,06-30:50%,09-30:75%,12-31:100%"
    for u, unit in enumerate(UNITS):
        app.add_unit(unit, f"负载测试单位{u + 1}", parent=BUREAU)
        projects[unit] = []
        for i in range(50):
            code = f"{unit}P{i:03d}"
            p = Project(
                year=year, code=code, name=f"负载测试项目{u + 1}-{i}", unit_code=unit,
                expenditure_type="项目支出", functional="2101502", economic="30201",
                source="一般公共预算财政拨款", owner="", user="负载测试",
            )  # fmt: skip
            p.appropriate(uuid.uuid4(), "initial", Decimal("100000000.00"), dt.date(year, 1, 1), "", "seed")
            for k in range(per_project):
                day = dt.date(year, 1, 2) + dt.timedelta(days=k * 300 // max(per_project, 1))
                amount = Decimal(rnd.randint(100, 999999)) / 100
                p._paid(uuid.uuid4(), amount, day, "收款人", "30201", f"记-{k}", "一般公共预算财政拨款",
                        "seed", "", None)  # fmt: skip
            app.save(p)
            app.set_plan(code, plan, year=year)
            projects[unit].append(code)
    officers = []
    for n in range(50):
        unit = UNITS[n % len(UNITS)]
        app.add_user(f"load-officer{n}", roles=["officer"], units=[unit], password=PASSWORD)
        _, token = app.create_token(f"load-officer{n}", label="负载测试")
        officers.append({"token": token, "projects": projects[unit]})
    managers = []
    for n in range(20):
        app.add_user(f"load-manager{n}", roles=["manager"], units=[BUREAU], password=PASSWORD)
        managers.append({"name": f"load-manager{n}", "password": PASSWORD})
    app.close()
    return {"officers": officers, "managers": managers, "marker": "负载测试项目"}


def counts(url: str) -> tuple[int, int]:
    """(payment events in the store, payment rows in the read model)."""
    import psycopg

    from tracker.store.payment_encoding import PAYMENT_TOPIC

    with psycopg.connect(url) as c:
        tables = [r[0] for r in c.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE '%events'")]
        table = next(t for t in tables if "snapshot" not in t)
        row = c.execute(f"SELECT count(*) FROM {table} WHERE topic = %s", (PAYMENT_TOPIC,)).fetchone()
        rm = c.execute("SELECT count(*) FROM rm_payments").fetchone()
    assert row is not None
    assert rm is not None
    return int(row[0]), int(rm[0])


class ConnectionSampler(threading.Thread):
    """The most connections the database had open at once (one sample a second)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.most, self.stop = url, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as c:
            while not self.stop.wait(1.0):
                row = c.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchone()
                self.most = max(self.most, int(row[0]) - 1 if row else 0)  # not this one


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before answering /healthz")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz in time")


def report(stats_csv: Path, seconds: int, load: tuple[float, float, float]) -> list[dict[str, str]]:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\nload average during the run (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print(f"{'request':32} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
    for r in rows:
        print(
            f"{r['Name']:32} {r['Request Count']:>7} {r['Failure Count']:>5} {float(r['Requests/s']):7.1f} "
            f"{r['50%']:>6} {r['95%']:>6} {r['99%']:>6} {float(r['Max Response Time']):7.0f}"
        )
    print(f"(times in ms over {seconds} s)")
    return rows


def web_env(url: str, tmp: Path, workers: int | None) -> dict[str, str]:
    """The environment of gunicorn and locust: the database, a scratch folder, the files."""
    (tmp / "metrics").mkdir()
    env = os.environ | {
        "TRACKER_DB": url,
        "TRACKER_SECRET_KEY": uuid.uuid4().hex * 2,
        "TRACKER_LOGIN_RATE_LIMIT": "10000 per minute",
        "TRACKER_UPLOADS": str(tmp / "uploads"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        "TRACKER_ACCESS_LOG": str(tmp / "access.log"),
        "LOAD_ACCOUNTS": str(tmp / "accounts.json"),
        "LOAD_ACCEPTED": str(tmp / "accepted.json"),
    }
    if workers:
        env["TRACKER_WEB_WORKERS"] = str(workers)
    return env


def start_web(env: dict[str, str], tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with the production configuration on a free loopback port."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "web.wsgi:app"]
    with (tmp / "web.log").open("wb") as log:
        web = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, web)
    return web, base


def server_times(access_log: Path) -> None:
    """p50/p95 of the time gunicorn itself spent on each request kind (no client queueing)."""
    times: dict[str, list[float]] = {}
    for line in access_log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.search(r'"(\w+) (\S+) HTTP[^"]*" \d+ \d+ (\d+)us', line)
        if m:
            times.setdefault(f"{m[1]} {m[2].split('?')[0]}", []).append(int(m[3]) / 1000)
    print("server time (gunicorn's access log), ms:")
    for name, values in sorted(times.items()):
        values.sort()
        p50, p95 = values[len(values) // 2], values[int(len(values) * 0.95)]
        print(f"  {name:30} {len(values):6}  p50 {p50:6.0f}  p95 {p95:6.0f}")


def retry_unanswered(base: str, log: dict[str, dict[str, object]]) -> tuple[int, int]:
    """Send again, with the same Idempotency-Key, every payment whose answer locust never
    read (cut off when the run stopped), as a real client retries. Returns (retried,
    answered 201); the answers join the accepted ones."""
    sent, accepted = log["sent"], log["accepted"]
    missing = [k for k in sent if k not in accepted]
    ok = 0
    for key in missing:
        entry: dict[str, object] = sent[key]  # type: ignore[assignment]
        request = urllib.request.Request(
            base + "/api/v1/payments",
            data=json.dumps(entry["body"]).encode(),
            headers={"Authorization": f"Bearer {entry['token']}", "Idempotency-Key": key,
                     "Content-Type": "application/json"},
            method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as r:
            if r.status == 201:
                accepted[key] = json.loads(r.read())["data"]["id"]
                ok += 1
    return len(missing), ok


def verify(url: str, base: str, tmp: Path, seeded: tuple[int, int], rows: list[dict[str, str]]) -> bool:
    """Accepted responses = payment events in the store = rows in the read model, no errors.

    A request whose answer locust never read is retried first with its Idempotency-Key:
    if the first try had been recorded, the retry answers the same payment and records
    nothing; otherwise it records it now. Either way each request is one payment."""
    log = json.loads((tmp / "accepted.json").read_text(encoding="utf-8"))
    before = counts(url)[0] - seeded[0] - len(log["accepted"])
    retried, answered = retry_unanswered(base, log)
    ids = list(log["accepted"].values())
    store, rm = counts(url)
    new_store, new_rm = store - seeded[0], rm - seeded[1]
    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] != "Aggregated")
    print(f"\nrequests whose answer was cut off at the end {retried}: recorded before the retry "
          f"{before}, retried with their key -> 201 {answered}")  # fmt: skip
    print(f"accepted payments {len(ids)} (distinct {len(set(ids))}); "
          f"new payment events in the store {new_store}; new rows in the read model {new_rm}; "
          f"failed requests {failures}")  # fmt: skip
    dashboard = next((r for r in rows if r["Name"].startswith("GET / ")), None)
    if dashboard is not None:
        p95 = float(dashboard["95%"])
        print(f"dashboard p95 {p95:.0f} ms (goal ≤ 300 ms): {'met' if p95 <= 300 else 'MISSED'}")
    return len(ids) == len(set(ids)) == new_store == new_rm and failures == 0 and answered == retried


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--payments-per-project", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument("--officers", type=int, default=50, help="simulated officers (the issue's 50)")
    parser.add_argument("--managers", type=int, default=20, help="simulated managers (the issue's 20)")
    args = parser.parse_args()

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    url = fresh_pg(ADMIN)
    tmp = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    web: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        accounts = seed(url, today.year, args.payments_per_project)
        accounts |= {"year": today.year, "today": today.isoformat()}
        seeded = counts(url)
        print(f"seeded {seeded[0]} payments in 200 projects in {time.perf_counter() - started:.0f} s")
        (tmp / "accounts.json").write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")
        env = web_env(url, tmp, args.web_workers)
        env |= {"LOAD_OFFICERS": str(args.officers), "LOAD_MANAGERS": str(args.managers)}
        users = str(args.officers + args.managers)
        web, base = start_web(env, tmp)
        locust = [
            str(BIN / "locust"), "-f", str(REPO / "bench/load/locustfile.py"), "--headless", "--host", base,
            "-u", users, "-r", users, "-t", f"{args.seconds}s", "--csv", str(tmp / "stats"), "--only-summary",
            "--stop-timeout", "10",
        ]  # fmt: skip
        sampler = ConnectionSampler(url)
        sampler.start()
        before, clock, children = cpu.snapshot(), time.perf_counter(), cpu.children()
        subprocess.run(locust, cwd=REPO, env=env, check=False)
        used = cpu.spent(before, cpu.snapshot()) | {"locust": cpu.children() - children}
        sampler.stop.set()
        rows = report(tmp / "stats_stats.csv", args.seconds, os.getloadavg())
        server_times(tmp / "access.log")
        cpu.report(used, time.perf_counter() - clock)
        print(f"most PostgreSQL connections open at once: {sampler.most}")
        ok = verify(url, base, tmp, seeded, rows)
        print("no payment lost or doubled, no errors" if ok else "CHECK FAILED: see the figures above")
        sys.exit(0 if ok else 1)
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(30)
            except subprocess.TimeoutExpired:
                web.kill()
        drop_pg(ADMIN, url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
