"""Recording payments one command at a time, read models included, against raw inserts.

    python bench/bench_payments.py [--n 3000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Each database is measured side by side with a raw baseline doing one committed insert
per payment into a table of the same shape, in the same run, so the ratio holds on a
noisy machine. Targets (issue "Read models"): >= 2,000 payments/s and >= 45% of raw
sqlite3 on a SQLite file; >= 40% of raw psycopg on PostgreSQL.
"""

from __future__ import annotations

import argparse
import sqlite3
import uuid
from collections.abc import Callable

from common import drop_pg, fresh_pg, scratch_dir, timed

from tracker.application import BudgetTracker
from tracker.config import Settings
from tracker.projections.projector import ADD_DAILY, ADD_MONTHLY
from tracker.projections.recorders import to_pg
from tracker.projections.schema import TABLES

PROJECTS = 20


def _tracker(url: str) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=url, user="bench"))
    app.add_unit("U1", "基准单位")
    for i in range(PROJECTS):
        app.add_project(year=2024, unit="U1", code=f"P{i}", name=f"项目{i}")
        app.appropriate(f"P{i}", "100000000.00", date="2024-01-02")
    return app


def app_rate(url: str, n: int) -> float:
    app = _tracker(url)
    app.pay("P0", "1.00", date="2024-03-01", payee="预热")  # warm caches and statements

    def run() -> None:
        for k in range(n):
            app.pay(f"P{k % PROJECTS}", "12.34", date="2024-03-01", payee="收款人",
                    voucher=f"记-{k}", year=2024)

    seconds = timed(run)
    app.close()
    return n / seconds


PAYMENT_TABLE = ("CREATE TABLE payments (id TEXT PRIMARY KEY, project TEXT, date TEXT, "
                 "amount BIGINT, payee TEXT, voucher TEXT)")


def raw_sqlite_rate(path: str, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # as the event store uses
    conn.execute(PAYMENT_TABLE)

    def run() -> None:
        for k in range(n):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)",
                         (str(uuid.uuid4()), f"P{k % PROJECTS}", "2024-03-01", 1234, "收款人",
                          f"记-{k}"))
            conn.execute("COMMIT")

    seconds = timed(run)
    conn.close()
    return n / seconds


EVENTS_TABLE = ("CREATE TABLE events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                "state BLOB, PRIMARY KEY (originator_id, originator_version))")
STATE = b"x" * 450  # a PaymentRecorded event's JSON is about this long


def _same_writes(pids: list[str], k: int) -> list[tuple[str, tuple[object, ...]]]:
    """What the application writes for one payment: its event and four read-model rows."""
    pid = pids[k % PROJECTS]
    return [
        ("INSERT INTO events VALUES (?, ?, ?, ?)", (pid, k, "Project.PaymentRecorded", STATE)),
        ("UPDATE rm_projects SET disbursed_fen = disbursed_fen + ? WHERE id = ?", (1234, pid)),
        (ADD_DAILY, (pid, "2024-03-01", 0, 1234)),
        (ADD_MONTHLY, (pid, "2024-03", 0, 1234)),
        ("INSERT INTO rm_payments (id, project_id, date, amount_fen, payee, economic, voucher, source) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         (str(uuid.uuid4()), pid, "2024-03-01", 1234, "收款人", None, f"记-{k}", "一般公共预算财政拨款")),
    ]


def _same_tables(execute: Callable[..., object], events_table: str) -> list[str]:
    execute(events_table)
    for table in TABLES:
        execute(table)
    pids = [str(uuid.uuid4()) for _ in range(PROJECTS)]
    for pid in pids:
        execute("INSERT INTO rm_projects (id, year, code, name, unit_code, expenditure_type, source, "
                f"owner) VALUES ('{pid}', 2024, '{pid}', '项目', 'U1', '项目支出', '一般', '')")
    return pids


def raw_sqlite_same_writes_rate(path: str, n: int) -> float:
    """Raw sqlite3 writing exactly what a payment writes, one commit per payment:
    the floor for any implementation of the same read models (for information)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    pids = _same_tables(conn.execute, EVENTS_TABLE)

    def run() -> None:
        for k in range(n):
            conn.execute("BEGIN")
            for sql, params in _same_writes(pids, k):
                conn.execute(sql, params)
            conn.execute("COMMIT")

    seconds = timed(run)
    conn.close()
    return n / seconds


def raw_psycopg_same_writes_rate(url: str, n: int) -> float:
    """The same on PostgreSQL, as plain psycopg code would do it (for information)."""
    import psycopg

    with psycopg.connect(url) as conn:
        pids = _same_tables(conn.execute, EVENTS_TABLE.replace("BLOB", "BYTEA"))
        conn.commit()

        def run() -> None:
            for k in range(n):
                for sql, params in _same_writes(pids, k):
                    conn.execute(to_pg(sql), params)
                conn.commit()

        seconds = timed(run)
    return n / seconds


def raw_psycopg_rate(url: str, n: int) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(PAYMENT_TABLE)
        conn.commit()

        def run() -> None:
            for k in range(n):
                conn.execute("INSERT INTO payments VALUES (%s, %s, %s, %s, %s, %s)",
                             (str(uuid.uuid4()), f"P{k % PROJECTS}", "2024-03-01", 1234,
                              "收款人", f"记-{k}"))
                conn.commit()

        seconds = timed(run)
    return n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    d = scratch_dir()
    raw = raw_sqlite_rate(str(d / "raw.db"), args.n)
    app = app_rate(f"sqlite:///{d / 'app.db'}", args.n)
    raw2 = raw_sqlite_rate(str(d / "raw2.db"), args.n)
    same = raw_sqlite_same_writes_rate(str(d / "same.db"), args.n)
    base = (raw + raw2) / 2
    print(f"SQLite   tracker {app:8.0f} payments/s   raw sqlite3 {base:8.0f}/s   "
          f"ratio {app / base:6.1%}   (targets: >= 2000/s, >= 45%)")
    print(f"         raw sqlite3 writing the same rows as a payment {same:8.0f}/s   "
          f"tracker/that {app / same:6.1%}   (information)")
    if args.skip_postgres:
        return
    urls = [fresh_pg(args.postgres) for _ in range(3)]
    try:
        raw_pg = raw_psycopg_rate(urls[0], args.n)
        app_pg = app_rate(urls[1], args.n)
        same_pg = raw_psycopg_same_writes_rate(urls[2], args.n)
    finally:
        for url in urls:
            drop_pg(args.postgres, url)
    print(f"Postgres tracker {app_pg:8.0f} payments/s   raw psycopg {raw_pg:8.0f}/s   "
          f"ratio {app_pg / raw_pg:6.1%}   (target: >= 40%)")
    print(f"         raw psycopg writing the same rows as a payment {same_pg:8.0f}/s   "
          f"tracker/that {app_pg / same_pg:6.1%}   (information)")


if __name__ == "__main__":
    main()
