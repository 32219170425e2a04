"""Importing a 100,000-row payments table, from .csv and from .xlsx (never part of the tests).

    python bench/bench_import.py [--rows 100000] [--shapes 20,1000] [--kinds csv,xlsx]
                                 [--engines SQLite,Postgres] [--postgres URL] [--skip-postgres]

Two shapes by default (issue 11): 20 projects x 5,000 payments and a county's 1,000
projects x 100 payments. The files are generated once under /tmp (TRACKER_BENCH_DIR)
and reused. Each measurement runs in a child process of its own (so its peak memory is
its own) on a fresh database whose projects already hold their budgets, so the figure
is the import alone, as ``tracker import`` runs it (``import_file``): read, validate
every row, record every payment with its read-model rows, all in one transaction. A
second import of the same file must record nothing. Beside it, the raw baseline on the
same engine: the same file read with the csv module and its rows inserted by one
``executemany`` into a plain table, in one transaction. The load average is printed
with each figure: the machine is shared. Target: 100,000 payment rows in <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from common import bench_data_dir, drop_pg, fresh_pg, scratch_dir

from tracker.commands.tracker import BudgetTracker
from tracker.importing import import_file
from tracker.store.config import Settings

HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
PAYEES = ["保定市某某医院", "满城区人民医院", "某某物业服务有限公司", "河北某某科技有限公司", "个人救助对象"]
TARGET_SECONDS = 10.0


def rows(n: int, projects: int) -> list[list[object]]:
    rng = random.Random(2024)
    start = dt.date(2024, 1, 2)
    out: list[list[object]] = []
    for k in range(n):
        day = start + dt.timedelta(days=k * 363 // n)  # in date order, as exported
        cents = rng.randrange(100, 5_000_000)
        out.append(
            [
                day,
                f"P{k % projects:03d}",
                f"{cents // 100}.{cents % 100:02d}",
                rng.choice(PAYEES),
                rng.choice(["30201", "30213", "30306", "31302"]),
                f"记-{k + 1}",
            ]
        )
    return out


def write_csv(path: Path, data: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for r in data:
            w.writerow([r[0].isoformat() if isinstance(r[0], dt.date) else r[0], *r[1:]])


def write_xlsx(path: Path, data: list[list[object]]) -> None:
    from decimal import Decimal

    import openpyxl

    wb = openpyxl.Workbook()  # normal mode: writes <dimension> as Excel does
    ws = wb.active
    ws.title = "支付明细"
    ws.append(["2024年支付明细"])
    ws.append(HEADER)
    for r in data:
        ws.append([r[0], r[1], Decimal(str(r[2])), *r[3:]])
    for cell in ws["A"][2:]:
        cell.number_format = "yyyy-mm-dd"
    wb.save(path)


def files(n: int, projects: int) -> tuple[Path, Path]:
    base = bench_data_dir()
    csv_path = base / f"payments-{n}-{projects}.csv"
    xlsx_path = base / f"payments-{n}-{projects}.xlsx"
    if not csv_path.exists() or not xlsx_path.exists():
        data = rows(n, projects)
        print(f"generating {csv_path} and {xlsx_path} ...", flush=True)
        write_csv(csv_path, data)
        write_xlsx(xlsx_path, data)
    return csv_path, xlsx_path


def fresh_tracker(url: str, projects: int) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=url, user="bench"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    for i in range(projects):
        app.add_project(year=2024, unit="450001", code=f"P{i:03d}", name=f"项目{i}")
        app.appropriate(f"P{i:03d}", "10000000000.00", date="2024-01-01")
    return app


def backend_cpu(url: str) -> float:
    """CPU seconds used so far by the PostgreSQL server processes serving ``url``'s
    database (read from /proc: the server must run on this machine); 0 on SQLite."""
    if url.startswith("sqlite"):
        return 0.0
    import psycopg

    with psycopg.connect(url) as pg:
        pids = [
            r[0] for r in pg.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ]
        mine = pg.info.backend_pid
    ticks = 0
    for pid in pids:
        if pid == mine:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(url: str, path: Path, projects: int) -> dict[str, float | int]:
    """The import, its re-import and the process's peak memory (in this child). CPU
    time: the whole process (both threads: the import writes in the background while
    it decides), the importing thread alone, and PostgreSQL's server processes."""
    app = fresh_tracker(url, projects)
    try:
        server = backend_cpu(url)
        start, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
        report = import_file(app, path, year=2024)
        first = time.perf_counter() - start
        cpu = time.process_time() - cpu
        main = time.thread_time() - main
        server = backend_cpu(url) - server
        before = app.recorder.max_notification_id()
        start = time.perf_counter()
        again = import_file(app, path, year=2024)
        second = time.perf_counter() - start
        assert app.recorder.max_notification_id() == before, "a re-import recorded something"
        assert again.created["payments"] == 0
        return {
            "seconds": first,
            "cpu": cpu,
            "main": main,
            "server": server,
            "again": second,
            "created": report.created["payments"],
            "load": os.getloadavg()[0],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    finally:
        app.close()


def raw_baseline(url: str, csv_path: Path) -> float:
    """The same rows, read by the csv module, by one executemany into a plain table."""
    start = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        data = [tuple(r) for r in reader]
    columns = "day TEXT, code TEXT, amount TEXT, payee TEXT, economic TEXT, voucher TEXT"
    create = f"CREATE TABLE raw_payments ({columns})"
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(create)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO raw_payments VALUES (?, ?, ?, ?, ?, ?)", data)
        conn.execute("COMMIT")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as pg:
            pg.execute(create)
            with pg.cursor() as cur:
                cur.executemany("INSERT INTO raw_payments VALUES (%s, %s, %s, %s, %s, %s)", data)
    return time.perf_counter() - start


def child(engine: str, projects: int, path: Path, csv_path: Path, admin: str) -> None:
    """One measurement on a fresh database; prints its figures as one JSON line."""
    url = f"sqlite:///{scratch_dir() / 'import.db'}" if engine == "SQLite" else fresh_pg(admin)
    raw_url = f"sqlite:///{scratch_dir() / 'raw.db'}" if engine == "SQLite" else fresh_pg(admin)
    try:
        figures = measure(url, path, projects)
        figures["raw"] = raw_baseline(raw_url, csv_path)
        figures["raw_load"] = os.getloadavg()[0]
    finally:
        if engine != "SQLite":
            drop_pg(admin, url)
            drop_pg(admin, raw_url)
    print(json.dumps(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--shapes", default="20,1000", help="projects in the file, comma-separated")
    parser.add_argument("--kinds", default="csv,xlsx")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--engines", default="SQLite,Postgres")
    parser.add_argument(
        "--child", nargs=4, metavar=("ENGINE", "PROJECTS", "FILE", "CSV"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        engine, projects, path, csv_path = args.child
        child(engine, int(projects), Path(path), Path(csv_path), args.postgres)
        return

    engines = [e for e in args.engines.split(",") if not (args.skip_postgres and e == "Postgres")]
    for projects in (int(p) for p in args.shapes.split(",")):
        csv_path, xlsx_path = files(args.rows, projects)
        paths = {"csv": csv_path, "xlsx": xlsx_path}
        shape = f"{projects} x {args.rows // projects}"
        for engine in engines:
            for kind in args.kinds.split(","):
                cmd = [
                    sys.executable,
                    __file__,
                    "--postgres",
                    args.postgres,
                    "--child",
                    engine,
                    str(projects),
                ]
                out = subprocess.run(
                    [*cmd, str(paths[kind]), str(csv_path)], capture_output=True, text=True, check=False
                )
                if out.returncode != 0:
                    print(f"{engine} {shape} .{kind}: the measurement failed\n{out.stderr}", flush=True)
                    continue
                f = json.loads(out.stdout.strip().splitlines()[-1])
                verdict = "ok" if f["seconds"] <= TARGET_SECONDS else "SLOW"
                print(
                    f"{engine:8} {shape:11} .{kind:4} {f['created']:7d} payments in {f['seconds']:6.2f} s "
                    f"(CPU {f['cpu']:5.2f} s, importing thread {f['main']:5.2f} s, "
                    f"server {f['server']:5.2f} s, load {f['load']:4.1f}, peak {f['peak_mb']:4.0f} MB)   "
                    f"raw executemany {f['raw']:5.2f} s (load {f['raw_load']:4.1f})   "
                    f"re-import {f['again']:5.2f} s, nothing recorded   "
                    f"target <= {TARGET_SECONDS:.0f} s: {verdict}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
