"""Recording payments one command at a time, read models included, against raw inserts.

    python bench/bench_payments.py [--n 3000] [--rounds 6] [--postgres URL] [--skip-postgres]

Each database is measured side by side with a raw baseline doing one committed insert
per payment into a table of the same shape, in the same run, so the ratio holds on a
noisy machine: the writers take turns, ``n / rounds`` payments each per round, and each
rate is its total over all rounds (a slow spell of the disk or of another process falls
on all of them alike). Targets (issue "Read models"): >= 2,000 payments/s and >= 45% of
raw sqlite3 on a SQLite file; >= 40% of raw psycopg on PostgreSQL. For information, a
third writer does with raw sqlite3 / psycopg exactly the writes of a payment (its event
and three read-model rows) in one transaction.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from common import drop_pg, fresh_pg, scratch_dir

from tracker.commands.tracker import BudgetTracker
from tracker.projections.projector import ADD_DAILY, ADD_MONTHLY
from tracker.store.config import Settings
from tracker.store.recorders import to_pg
from tracker.store.schema import TABLES

PROJECTS = 20
PAYMENT_TABLE = (
    "CREATE TABLE payments (id TEXT PRIMARY KEY, project TEXT, date TEXT, "
    "amount BIGINT, payee TEXT, voucher TEXT)"
)
EVENTS_TABLE = (
    "CREATE TABLE events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
    "state BLOB, PRIMARY KEY (originator_id, originator_version))"
)
STATE = b"x" * 450  # a PaymentRecorded event's JSON is about this long


class Writer(Protocol):
    def write(self, k: int) -> None: ...

    def close(self) -> None: ...


def _tracker(url: str) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=url, user="bench"))
    app.add_unit("U1", "基准单位")
    for i in range(PROJECTS):
        app.add_project(year=2024, unit="U1", code=f"P{i}", name=f"项目{i}")
        app.appropriate(f"P{i}", "100000000.00", date="2024-01-02")
    return app


class TrackerWriter:
    """The application: one ``pay`` command per payment, read models included."""

    def __init__(self, url: str) -> None:
        self.app = _tracker(url)
        self.app.pay("P0", "1.00", date="2024-03-01", payee="预热")  # warm caches and statements

    def write(self, k: int) -> None:
        self.app.pay(
            f"P{k % PROJECTS}", "12.34", date="2024-03-01", payee="收款人", voucher=f"记-{k}", year=2024
        )

    def close(self) -> None:
        self.app.close()


def _payment_row(k: int) -> tuple[object, ...]:
    return (str(uuid.uuid4()), f"P{k % PROJECTS}", "2024-03-01", 1234, "收款人", f"记-{k}")


class RawSqlite:
    """Raw sqlite3, one committed insert per payment (WAL, as the event store uses)."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(PAYMENT_TABLE)

    def write(self, k: int) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)", _payment_row(k))
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RawPsycopg:
    """Raw psycopg, one committed insert per payment."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute(PAYMENT_TABLE)
        self.conn.commit()

    def write(self, k: int) -> None:
        self.conn.execute("INSERT INTO payments VALUES (%s, %s, %s, %s, %s, %s)", _payment_row(k))
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _same_writes(pids: list[str], k: int) -> list[tuple[str, tuple[object, ...]]]:
    """What the application writes for one payment: its event and three read-model rows."""
    pid = pids[k % PROJECTS]
    return [
        ("INSERT INTO events VALUES (?, ?, ?, ?)", (pid, k, "Project.PaymentRecorded", STATE)),
        (ADD_DAILY, (pid, "2024-03-01", 0, 1234)),
        (ADD_MONTHLY, (pid, "2024-03", 0, 1234)),
        (
            "INSERT INTO rm_payments (id, project_id, date, amount_fen, payee, economic, voucher, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), pid, "2024-03-01", 1234, "收款人", None, f"记-{k}", "一般公共预算财政拨款"),
        ),
    ]


def _same_tables(execute: Callable[..., object], events_table: str) -> list[str]:
    execute(events_table)
    for table in TABLES:
        execute(table)
    pids = [str(uuid.uuid4()) for _ in range(PROJECTS)]
    for pid in pids:
        execute(
            "INSERT INTO rm_projects (id, year, code, name, unit_code, expenditure_type, source, "
            f"owner) VALUES ('{pid}', 2024, '{pid}', '项目', 'U1', '项目支出', '一般', '')"
        )
    return pids


class SameWritesSqlite(RawSqlite):
    """Raw sqlite3 writing exactly what a payment writes, one commit per payment: the
    floor for any implementation of the same read models."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.pids = _same_tables(self.conn.execute, EVENTS_TABLE)

    def write(self, k: int) -> None:
        self.conn.execute("BEGIN")
        for sql, params in _same_writes(self.pids, k):
            self.conn.execute(sql, params)
        self.conn.execute("COMMIT")


class SameWritesPsycopg(RawPsycopg):
    """The same on PostgreSQL, as plain psycopg code would do it."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        self.pids = _same_tables(self.conn.execute, EVENTS_TABLE.replace("BLOB", "BYTEA"))
        self.conn.commit()

    def write(self, k: int) -> None:
        for sql, params in _same_writes(self.pids, k):
            self.conn.execute(to_pg(sql), params)
        self.conn.commit()


def take_turns(writers: dict[str, Any], n: int, rounds: int) -> dict[str, float]:
    """Payments per second of each writer, the writers taking turns round by round."""
    per_round = max(1, n // rounds)
    seconds = dict.fromkeys(writers, 0.0)
    for r in range(rounds):
        for name, writer in writers.items():
            start = time.perf_counter()
            for k in range(r * per_round, (r + 1) * per_round):
                writer.write(k)
            seconds[name] += time.perf_counter() - start
    for writer in writers.values():
        writer.close()
    return {name: per_round * rounds / s for name, s in seconds.items()}


def report(store: str, rates: dict[str, float], baseline: str, targets: str) -> None:
    app, raw, same = rates["tracker"], rates[baseline], rates["same"]
    print(
        f"{store:8s} tracker {app:8.0f} payments/s   {baseline} {raw:8.0f}/s   "
        f"ratio {app / raw:6.1%}   (targets: {targets})"
    )
    print(
        f"         {baseline} writing the same rows as a payment {same:8.0f}/s   "
        f"tracker/that {app / same:6.1%}   (information)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    d = scratch_dir()
    rates = take_turns(
        {
            "raw sqlite3": RawSqlite(str(d / "raw.db")),
            "tracker": TrackerWriter(f"sqlite:///{d / 'app.db'}"),
            "same": SameWritesSqlite(str(d / "same.db")),
        },
        args.n,
        args.rounds,
    )
    report("SQLite", rates, "raw sqlite3", ">= 2000/s, >= 45%")
    if args.skip_postgres:
        return
    urls = [fresh_pg(args.postgres) for _ in range(3)]
    try:
        rates = take_turns(
            {
                "raw psycopg": RawPsycopg(urls[0]),
                "tracker": TrackerWriter(urls[1]),
                "same": SameWritesPsycopg(urls[2]),
            },
            args.n,
            args.rounds,
        )
    finally:
        for url in urls:
            drop_pg(args.postgres, url)
    report("Postgres", rates, "raw psycopg", ">= 40%")


if __name__ == "__main__":
    main()
